#!/usr/bin/env bash
# Fuzz the GraphQL API with schemathesis (GraphQL mode) against a server on PostgreSQL + Redis, as a
# county administrator, for a bounded time. Fails on any 5xx answer and on any INTERNAL (or codeless)
# GraphQL error. Usage: .ci/fuzz.sh [seconds]   (needs target/debug/tongban: cargo build -p api)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_BUDGET="${1:-180}"
BIN="${BIN:-target/debug/tongban}"
PG="${PG:-postgres://postgres@127.0.0.1:5432}"
DB="tbfuzz_$(date +%s)"
PORT="${PORT:-18931}"
VENV="${FUZZ_VENV:-$HOME/.cache/tongban-fuzz-venv}"

if [ ! -x "$VENV/bin/schemathesis" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q 'schemathesis==4.32.5'
fi

psql -q "$PG/postgres" -c "CREATE DATABASE $DB" >/dev/null
export TONGBAN_MIGRATION_DATABASE_URL="$PG/$DB"
export TONGBAN_DATABASE_URL="postgres://tongban_app@127.0.0.1:5432/$DB"
export TONGBAN_REDIS_URL="redis://127.0.0.1:6379" TONGBAN_REDIS_PREFIX="tbfuzz:$DB:"
export TONGBAN_JWT_SECRET="fuzz-secret-that-is-long-enough-for-hs256-0123456789"
export TONGBAN_LISTEN="127.0.0.1:$PORT" TONGBAN_LOG="${TONGBAN_LOG:-error}"
# The fuzzer may try logins many times from one address.
export TONGBAN_LOGIN_ATTEMPTS_PER_CLIENT=100000 TONGBAN_LOGIN_FAILURES_PER_USER=100000
cleanup() {
  [ -n "${SERVER:-}" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null || true
  psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null || true
}
trap cleanup EXIT

"$BIN" migrate
"$BIN" seed demo >/dev/null
"$BIN" serve > target/fuzz-server.log 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done

TOKEN=$(curl -sf "http://127.0.0.1:$PORT/graphql" -H 'content-type: application/json' \
  -d '{"query":"mutation { login(username: \"ys_admin\", password: \"Tongban@2026\") { accessToken } }"}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["login"]["accessToken"])')

# Logout would end the token the fuzzer runs with.
SCHEMATHESIS_HOOKS=fuzz_hooks PYTHONPATH=.ci "$VENV/bin/schemathesis" run "http://127.0.0.1:$PORT/graphql" \
  -H "Authorization: Bearer $TOKEN" \
  --checks no_internal_error \
  --exclude-name Mutation.logout \
  --max-time "$SECONDS_BUDGET" --workers 2 --request-timeout 10 \
  --suppress-health-check all --no-color
status=$?
if ! kill -0 "$SERVER" 2>/dev/null; then
  echo "the server died during the fuzz run"; tail -50 target/fuzz-server.log; exit 1
fi
exit $status
