#!/usr/bin/env bash
# Statistics at volume: N generated cases across 咸阳市 (bench/gen_cases.sql), then `stats` for one month
# (2026-10) by the city's and a county's supervisors, through GraphQL on PostgreSQL under row-level
# security. Prints the median of RUNS timed requests per grouping. Figures go to bench/README.md.
#   bench/stats.sh                 # release build, a million cases
#   N=200000 BIN=target/debug/tongban bench/stats.sh
#   DB=tongban_bench_x19 bench/stats.sh   # a copy of a generated database, migrated in place
source "$(dirname "$0")/lib.sh"
N=${N:-1000000} RUNS=${RUNS:-7}
[ "$BIN" = "$ROOT/target/release/tongban" ] && build
export TONGBAN_REDIS_URL=$REDIS TONGBAN_REDIS_PREFIX="bench:$$:" TONGBAN_JWT_SECRET=bench-secret-bench-secret-bench-secret-42
export TONGBAN_ACCESS_TOKEN_TTL_SECS=3600
if [ -n "${DB:-}" ]; then
  # An existing generated database (a copy: the migration fills its statistics summary).
  export TONGBAN_MIGRATION_DATABASE_URL="$PG_BASE/$DB"
  export TONGBAN_DATABASE_URL="postgres://tongban_app@127.0.0.1:5432/$DB${PG_PARAMS:+?$PG_PARAMS}"
  echo "== migrating $DB"
  time "$BIN" migrate >/dev/null
else
  fresh_pg tongban_bench_stats
  "$BIN" migrate >/dev/null
  "$BIN" seed demo >/dev/null
  echo "== generating $N cases"
  psql -q "$TONGBAN_MIGRATION_DATABASE_URL" -v n="$N" -f "$ROOT/bench/gen_cases.sql" >/dev/null
  # Generated around the application: the statistics summary is refilled from the records.
  time "$BIN" stats-summary --rebuild
fi
# As autovacuum would, in time: the visibility map lets the summary's index answer alone.
psql -q "$TONGBAN_MIGRATION_DATABASE_URL" -c "VACUUM (ANALYZE) case_stats" -c "ANALYZE"
start_server
trap 'kill $SERVER_PID' EXIT
time_stats() { # token tenant groupBy -> median milliseconds of RUNS requests
  local body
  body=$(printf '{"query":"{ stats(tenant: \\"%s\\", from: \\"2026-10-01\\", to: \\"2026-10-31\\", groupBy: %s) { key received concluded onTimeRate ratings crossAreaIn crossAreaOut } }"}' "$2" "$3")
  for _ in $(seq 1 "$RUNS"); do
    curl -s -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$PORT/graphql" \
      -H 'content-type: application/json' -H "authorization: Bearer $1" -d "$body"
  done | sort -n | awk '{ a[NR] = $1 } END { printf "%.0f ms\n", a[int((NR + 1) / 2)] * 1000 }'
}
CITY=$(login xy_supervisor) COUNTY=$(login ys_supervisor)
for g in TENANT DEPARTMENT ITEM WINDOW STAFF; do
  echo "city 610400000000 $g: $(time_stats "$CITY" 610400000000 $g)"
  echo "county 610426000000 $g: $(time_stats "$COUNTY" 610426000000 $g)"
done
