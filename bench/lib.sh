# Shared helpers: a fresh PostgreSQL database, the release binary, a server on a free port.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${BIN:-"$ROOT/target/release/tongban"}
PG_BASE=${PG_BASE:-postgres://postgres@127.0.0.1:5432}
REDIS=${REDIS:-redis://127.0.0.1:6379}

build() { (cd "$ROOT" && cargo build --release -q -p api --bin tongban); }

fresh_pg() { # name -> exports the URLs of a new database
  local db=$1
  psql -q "$PG_BASE/test" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
  export TONGBAN_MIGRATION_DATABASE_URL="$PG_BASE/$db"
  export TONGBAN_DATABASE_URL="postgres://tongban_app@127.0.0.1:5432/$db${PG_PARAMS:+?$PG_PARAMS}"
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

start_server() { # -> PORT, SERVER_PID
  PORT=$(free_port)
  TONGBAN_LISTEN=127.0.0.1:$PORT TONGBAN_LOG=warn "$BIN" serve > /tmp/tongban-bench.log 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && return; sleep 0.1; done
  echo "server did not start" >&2; cat /tmp/tongban-bench.log >&2; exit 1
}

login() { # user -> access token
  curl -sf "http://127.0.0.1:$PORT/graphql" -H 'content-type: application/json' \
    -d "{\"query\":\"mutation { login(username: \\\"$1\\\", password: \\\"Tongban@2026\\\") { accessToken } }\"}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["login"]["accessToken"])'
}
