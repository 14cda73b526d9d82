#!/usr/bin/env bash
# Import the whole country (665,276 areas) into PostgreSQL and SQLite, timed.
source "$(dirname "$0")/lib.sh"
export TONGBAN_LOG=warn
build
FILE=${FILE:-$ROOT/../shared/data/regions-china-full.csv.gz}
export TONGBAN_JWT_SECRET=bench-secret-bench-secret-bench-secret-42
fresh_pg tongban_bench_import
"$BIN" migrate >/dev/null
echo "== PostgreSQL, first import"; /usr/bin/time -f '%e s, %M KiB max RSS' "$BIN" import-regions "$FILE"
echo "== PostgreSQL, again (idempotent)"; /usr/bin/time -f '%e s, %M KiB max RSS' "$BIN" import-regions "$FILE"
DB=$(mktemp -d)/import.db
export TONGBAN_DATABASE_URL="sqlite://$DB?mode=rwc"; unset TONGBAN_MIGRATION_DATABASE_URL
"$BIN" migrate >/dev/null
echo "== SQLite, first import"; /usr/bin/time -f '%e s, %M KiB max RSS' "$BIN" import-regions "$FILE"
