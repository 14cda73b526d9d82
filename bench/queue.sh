#!/usr/bin/env bash
# Queue load: takeTicket + callNext with Redis, two server processes sharing one PostgreSQL database
# and one Redis prefix, concurrent clients; the script fails on duplicate or lost numbers.
source "$(dirname "$0")/lib.sh"
export TONGBAN_LOG=warn
build
fresh_pg tongban_bench_queue
export TONGBAN_REDIS_URL=$REDIS TONGBAN_REDIS_PREFIX="bench:$$:" TONGBAN_JWT_SECRET=bench-secret-bench-secret-bench-secret-42
export TONGBAN_ACCESS_TOKEN_TTL_SECS=3600
# The load takes every ticket from one address, as anonymous kiosks.
export TONGBAN_PUBLIC_WRITES_PER_CLIENT=100000000
"$BIN" migrate >/dev/null
"$BIN" seed demo >/dev/null
start_server; P1=$PORT; S1=$SERVER_PID
start_server; P2=$PORT; S2=$SERVER_PID
trap 'kill $S1 $S2' EXIT
PORT=$P1
ADMIN=$(login ys_admin)
CLERK=$(login ys_window)
gql() { curl -sf "http://127.0.0.1:$P1/graphql" -H 'content-type: application/json' -H "authorization: Bearer $ADMIN" -d "$1"; }
ITEM=$(gql '{"query":"{ implItems(tenant: \"610426000000\", first: 1) { nodes { id } } }"}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["implItems"]["nodes"][0]["id"])')
WINDOWS=""
for n in A01 A02 A03 A04; do
  W=$(gql "{\"query\":\"mutation { createWindow(tenant: \\\"610426000000\\\", number: \\\"$n\\\", name: \\\"综合受理窗口\\\", kind: GENERAL, implItemIds: [\\\"$ITEM\\\"]) { id } }\"}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["createWindow"]["id"])')
  WINDOWS="${WINDOWS:+$WINDOWS,}$W"
done
python3 "$ROOT/bench/queue_load.py" "$ADMIN" "$CLERK" "$ITEM" "$WINDOWS" "$P1,$P2"
