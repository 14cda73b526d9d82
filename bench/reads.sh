#!/usr/bin/env bash
# Reads at volume: N generated cases (default 1,000,000) across 咸阳市 on PostgreSQL + Redis.
#  1. The main lists with a county administrator's token (ys_admin), each run with wrk: a town's and a
#     county's 20 newest, the county's yellow and red lists, an approver's queue (ys_approver).
#  2. case(id) with ys_admin's token against PostGraphile v4 over the same cases (shared/peers/postgraphile),
#     alternating run by run, at c=8 and c=32.
# usage: bench/reads.sh [N]   env: RUNS (pairs, default 3), DURATION (default 10s), SKIP_GEN=1 to reuse the data
#        (both databases),
#        PEER_DIR (where `npm install postgraphile@4.14` was run; without it the peer is skipped).
source "$(dirname "$0")/lib.sh"
N=${1:-1000000}
RUNS=${RUNS:-3}
DURATION=${DURATION:-10s}
PEERS="$ROOT/../shared/peers/postgraphile"
build
DB=tongban_bench_reads
export TONGBAN_REDIS_URL=$REDIS TONGBAN_REDIS_PREFIX="bench:$$:" TONGBAN_JWT_SECRET=bench-secret-bench-secret-bench-secret-42
if [ -z "${SKIP_GEN:-}" ]; then
  fresh_pg $DB
  "$BIN" migrate >/dev/null
  "$BIN" seed demo >/dev/null
  echo "generating $N cases…"
  psql -q "$TONGBAN_MIGRATION_DATABASE_URL" -v n="$N" -f "$ROOT/bench/gen_cases.sql"
else
  export TONGBAN_MIGRATION_DATABASE_URL="$PG_BASE/$DB"
  export TONGBAN_DATABASE_URL="postgres://tongban_app@127.0.0.1:5432/$DB"
fi
start_server
ADMIN=$(login ys_admin)
APPROVER=$(login ys_approver)

# The ids the lookup draws from: cases of 永寿县 and its towns, as the peer's ids are 1..N.
IDS=$(mktemp)
psql -At "$TONGBAN_MIGRATION_DATABASE_URL" -c "SELECT id FROM cases WHERE tenant_code >= '610426' AND tenant_code < '610427' ORDER BY random() LIMIT 20000" > "$IDS"

# /metrics copies the counter every 2 s
cache_hits() { sleep 2.5; curl -sf "http://127.0.0.1:$PORT/metrics" | awk '/^tongban_case_cache_hits_total/ {print $2}'; }

run() { # label token query [connections]
  printf '%-34s c=%-3s ' "$1" "${4:-8}"
  wrk -t2 -c"${4:-8}" -d"$DURATION" --latency -s "$ROOT/bench/gql.lua" "http://127.0.0.1:$PORT" -- "$2" "$3" |
    awk '/Requests\/sec/ {rps=$2} / 50%/ {p50=$2} / 99%/ {p99=$2} /Non-2xx|errors/ {err=err" "$0}
         END {printf "%8.0f rps  p50 %-8s p99 %-8s%s\n", rps, p50, p99, err}'
}

lists() {
  run "town 20 newest (监军街道)" "$ADMIN" '{ cases(filter: {tenant: "610426001000"}, first: 20) { totalCount nodes { caseNo status itemName receivedAt } } }'
  run "county 20 newest (永寿县)" "$ADMIN" '{ cases(filter: {tenant: "610426000000"}, first: 20) { totalCount nodes { caseNo status itemName receivedAt } } }'
  run "county yellow" "$ADMIN" '{ cases(filter: {tenant: "610426000000", warning: [YELLOW]}, first: 20) { totalCount nodes { caseNo deadline } } }'
  run "county red" "$ADMIN" '{ cases(filter: {tenant: "610426000000", warning: [RED]}, first: 20) { totalCount nodes { caseNo deadline } } }'
  run "approver queue (ys_approver)" "$APPROVER" '{ approvalQueue(first: 20) { totalCount nodes { caseNo } } }'
}
# The first seconds after a start, shown apart: each pooled connection plans its statements on first use.
echo "== lists, first 2 s of each after the server started (not the measure)"
DURATION=2s lists
echo "== lists (ys_admin unless noted), $N cases"
for _ in $(seq 1 "$RUNS"); do lists; done

PEER_DIR=${PEER_DIR:-}
if [ -n "$PEER_DIR" ] && [ -x "$PEER_DIR/node_modules/.bin/postgraphile" ]; then
  if [ -z "${SKIP_GEN:-}" ]; then
    psql -q "$PG_BASE/test" -c "DROP DATABASE IF EXISTS peer WITH (FORCE)" -c "CREATE DATABASE peer"
    python3 "$PEERS/load-peer.py" "psql -h 127.0.0.1 -U postgres -d peer" "$N" >/dev/null
  fi
  PEER_PORT=$(free_port)
  "$PEER_DIR/node_modules/.bin/postgraphile" -c "$PG_BASE/peer" --host 127.0.0.1 --port "$PEER_PORT" \
    --disable-query-log --cluster-workers 2 > /tmp/peer.log 2>&1 &
  PEER_PID=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PEER_PORT/graphql" -H 'content-type: application/json' \
    -d '{"query":"{ __typename }"}' >/dev/null && break; sleep 0.2; done
  echo "== case(id): PostGraphile v4 (no auth, no scoping) vs Tongban (ys_admin), alternating"
  # One discarded run each first: PostgreSQL's buffers for the peer, and Tongban's case cache (on with
  # Redis) holding the ids drawn, as they would be for cases looked up again and again (every id once, in
  # order, then at random).
  for _ in 1 2; do wrk -t2 -c8 -d"$DURATION" -s "$PEERS/lookup.lua" "http://127.0.0.1:$PEER_PORT/graphql" >/dev/null; done
  IDS_FILE=$IDS TOKEN=$ADMIN SEQUENTIAL=1 wrk -t1 -c8 -d"$DURATION" -s "$ROOT/bench/lookup.lua" "http://127.0.0.1:$PORT/graphql" >/dev/null
  IDS_FILE=$IDS TOKEN=$ADMIN wrk -t2 -c8 -d"$DURATION" -s "$ROOT/bench/lookup.lua" "http://127.0.0.1:$PORT/graphql" >/dev/null
  HITS_BEFORE=$(cache_hits)
  LOOKUPS=0
  for c in 8 32; do
    for _ in $(seq 1 "$RUNS"); do
      printf 'peer     c=%-3s ' "$c"
      wrk -t2 -c"$c" -d"$DURATION" -s "$PEERS/lookup.lua" "http://127.0.0.1:$PEER_PORT/graphql" | grep '^requests'
      printf 'tongban  c=%-3s ' "$c"
      line=$(IDS_FILE=$IDS TOKEN=$ADMIN wrk -t2 -c"$c" -d"$DURATION" -s "$ROOT/bench/lookup.lua" "http://127.0.0.1:$PORT/graphql" | grep '^requests')
      echo "$line"
      LOOKUPS=$((LOOKUPS + $(echo "$line" | awk '{print $2}')))
    done
  done
  echo "case cache: $(( $(cache_hits) - HITS_BEFORE )) of $LOOKUPS measured lookups answered from memory"
  kill "$PEER_PID"; wait "$PEER_PID" 2>/dev/null || true
else
  echo "== case(id) with ys_admin (set PEER_DIR to compare with PostGraphile v4)"
  for c in 8 32; do
    for _ in $(seq 1 "$RUNS"); do
      printf 'tongban  c=%-3s ' "$c"
      IDS_FILE=$IDS TOKEN=$ADMIN wrk -t2 -c"$c" -d"$DURATION" -s "$ROOT/bench/lookup.lua" "http://127.0.0.1:$PORT/graphql" | grep '^requests'
    done
  done
fi
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
rm -f "$IDS"
