#!/usr/bin/env bash
# Cross-province transfers (跨省通办) between two deployments on this machine, each with its own
# PostgreSQL database: A (秦都区 collects) sends to B (永寿县 handles) through A's outbox.
#   1. throughput and lag: COUNT transfers sent at A with CLIENTS clients; transfers/s end to end
#      (first send to last arrival) and the lag from A's commit (A's sentAt) to B's arrival (B's sentAt);
#   2. drain: PENDING transfers written while A's server is down, A started, SIGKILLed after the first
#      arrivals and restarted; the time from the restart until every one has arrived at B.
# BIN=target/debug/tongban-under-test runs a debug build instead of building the release binary.
source "$(dirname "$0")/lib.sh"
COUNT=${COUNT:-1000} CLIENTS=${CLIENTS:-16} PENDING=${PENDING:-500}
[ -x "$BIN" ] || build
export TONGBAN_JWT_SECRET=bench-secret-bench-secret-bench-secret-42 TONGBAN_ACCESS_TOKEN_TTL_SECS=3600
export TONGBAN_PARTNER_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
export TONGBAN_OUTBOX_RETRY_BASE_MS=100 TONGBAN_OUTBOX_RETRY_MAX_MS=2000

prepare() { # name -> a migrated, seeded database; its URLs in ${name}_APP / ${name}_OWNER
  fresh_pg "tongban_bench_${1,,}"
  TONGBAN_LOG=warn "$BIN" migrate >/dev/null
  TONGBAN_LOG=warn "$BIN" seed demo >/dev/null
  eval "$1_APP=\$TONGBAN_DATABASE_URL $1_OWNER=\$TONGBAN_MIGRATION_DATABASE_URL"
}
serve() { # name port -> pid in ${name}_PID
  local app owner; eval "app=\$$1_APP owner=\$$1_OWNER"
  TONGBAN_DATABASE_URL=$app TONGBAN_MIGRATION_DATABASE_URL=$owner TONGBAN_LISTEN=127.0.0.1:$2 TONGBAN_LOG=warn \
    "$BIN" serve >>"/tmp/tongban-bench-$1.log" 2>&1 &
  eval "$1_PID=$!"
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$2/healthz" >/dev/null && return; sleep 0.1; done
  echo "server $1 did not start" >&2; exit 1
}
prepare A; prepare B
A_PORT=$(free_port); B_PORT=$(free_port)
serve A "$A_PORT"; serve B "$B_PORT"
trap 'kill -9 ${A_PID:-} ${B_PID:-} 2>/dev/null || true' EXIT
export A_URL=http://127.0.0.1:$A_PORT B_URL=http://127.0.0.1:$B_PORT A_OWNER B_OWNER
python3 "$ROOT/bench/transfers.py" setup

echo "== throughput and lag: $COUNT transfers, $CLIENTS clients"
python3 "$ROOT/bench/transfers.py" send "$COUNT" "$CLIENTS" run1
python3 "$ROOT/bench/transfers.py" wait "$COUNT" 120
python3 "$ROOT/bench/transfers.py" report run1

echo "== drain: $PENDING pending while A is down, SIGKILL after the first arrivals, restart"
kill -9 "$A_PID"; wait "$A_PID" 2>/dev/null || true
# A second A, worker off, writes the pending transfers.
TONGBAN_OUTBOX_WORKER=false serve A "$A_PORT"
python3 "$ROOT/bench/transfers.py" send "$PENDING" "$CLIENTS" run2
kill -9 "$A_PID"; wait "$A_PID" 2>/dev/null || true
BEFORE=$(psql -At "$B_OWNER" -c "SELECT COUNT(*) FROM transfers")
serve A "$A_PORT"
python3 "$ROOT/bench/transfers.py" wait $((BEFORE + 20)) 60
kill -9 "$A_PID"; wait "$A_PID" 2>/dev/null || true
AT_KILL=$(psql -At "$B_OWNER" -c "SELECT COUNT(*) FROM transfers")
START=$(date +%s.%N)
serve A "$A_PORT"
python3 "$ROOT/bench/transfers.py" wait $((COUNT + PENDING)) 120
END=$(date +%s.%N)
echo "killed with $((AT_KILL - COUNT)) of $PENDING arrived; all arrived $(python3 -c "print(round($END - $START, 2))") s after the restart (lease ${TONGBAN_OUTBOX_LEASE_SECS:-12} s)"
python3 "$ROOT/bench/transfers.py" exactly-once $((COUNT + PENDING))
