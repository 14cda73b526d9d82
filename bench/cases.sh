#!/usr/bin/env bash
# Load: full cases (submit, accept, decide, deliver) through GraphQL with CLIENTS concurrent clients on
# PostgreSQL + Redis, then the same SQL writes straight into PostgreSQL with pgbench. Figures go to bench/README.md.
source "$(dirname "$0")/lib.sh"
CLIENTS=${CLIENTS:-16} CASES=${CASES:-3000} DURATION=${DURATION:-20}
# One invocation: building the two packages separately unifies features differently and rebuilds.
(cd "$ROOT" && cargo build --release -q -p api --bin tongban -p tests --bin case-load)
fresh_pg tongban_bench_cases
export TONGBAN_REDIS_URL=$REDIS TONGBAN_REDIS_PREFIX="bench:$$:" TONGBAN_JWT_SECRET=bench-secret-bench-secret-bench-secret-42
export TONGBAN_ACCESS_TOKEN_TTL_SECS=3600
"$BIN" migrate >/dev/null
"$BIN" seed demo >/dev/null
start_server
trap 'kill $SERVER_PID' EXIT
# Warm-up, then statistics as autovacuum would gather them (it is off on this machine's PostgreSQL): without
# them, the pooled connections keep plans made for empty tables (sequential scans of cases under RLS).
"$ROOT/target/release/case-load" "http://127.0.0.1:$PORT" "$CLIENTS" "${WARMUP:-500}" >/dev/null
psql -q "$TONGBAN_MIGRATION_DATABASE_URL" -c "ANALYZE"
kill $SERVER_PID; wait $SERVER_PID 2>/dev/null || true
start_server
echo "== GraphQL: $CASES cases, $CLIENTS clients"
"$ROOT/target/release/case-load" "http://127.0.0.1:$PORT" "$CLIENTS" "$CASES"
kill $SERVER_PID; trap - EXIT
ITEM=$(psql -At "$TONGBAN_MIGRATION_DATABASE_URL" -c \
  "SELECT i.id FROM impl_items i JOIN base_items b ON b.id = i.base_item_id
   WHERE i.tenant_code = '610426000000' AND i.status = 'PUBLISHED' AND b.name LIKE '教师资格%' LIMIT 1")
psql -q "$TONGBAN_MIGRATION_DATABASE_URL" -c "ANALYZE"
echo "== pgbench: the same writes, $CLIENTS clients, ${DURATION} s (one pgbench transaction = one case)"
pgbench -n -M prepared -c "$CLIENTS" -j 2 -T "$DURATION" -r -D item="$ITEM" -f "$ROOT/bench/case_writes.sql" \
  "$TONGBAN_DATABASE_URL" | grep -E 'tps|latency|failed'
