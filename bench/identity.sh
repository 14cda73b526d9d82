#!/usr/bin/env bash
# Load: `me` and `tenants` over HTTP on PostgreSQL + Redis, with wrk. Figures go to bench/README.md.
source "$(dirname "$0")/lib.sh"
export TONGBAN_LOG=warn
build
fresh_pg tongban_bench
export TONGBAN_REDIS_URL=$REDIS TONGBAN_REDIS_PREFIX="bench:$$:" TONGBAN_JWT_SECRET=bench-secret-bench-secret-bench-secret-42
export TONGBAN_ACCESS_TOKEN_TTL_SECS=3600
"$BIN" migrate >/dev/null
"$BIN" seed demo >/dev/null
start_server
trap 'kill $SERVER_PID' EXIT
TOKEN=$(login ys_admin)
for q in '{ me { username tenant { centerName } } }' \
         '{ tenants(parent: "610426000000", first: 20) { totalCount nodes { code name centerName } } }'; do
  echo "== $q"
  wrk -t2 -c${CONNECTIONS:-32} -d${DURATION:-20s} --latency -s "$ROOT/bench/gql.lua" "http://127.0.0.1:$PORT" -- "$TOKEN" "$q" |
    grep -E 'Requests/sec|99%|50%|Non-2xx|errors'
done
