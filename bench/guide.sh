#!/usr/bin/env bash
# Load: the public serviceGuide(implCode) on PostgreSQL + Redis with 100 tenants × 30 published
# items, uncached (TONGBAN_GUIDE_CACHE_TTL_SECS=0) and cached (default TTL, warmed up), with wrk.
# Figures go to bench/README.md under "Catalogue".
source "$(dirname "$0")/lib.sh"
build
fresh_pg tongban_bench_guide
export TONGBAN_REDIS_URL=$REDIS TONGBAN_REDIS_PREFIX="bench:$$:" TONGBAN_JWT_SECRET=bench-secret-bench-secret-bench-secret-42
"$BIN" migrate >/dev/null
"$BIN" seed demo >/dev/null

# 100 towns of 咸阳市, one department each with a valid GB 32100 code, 30 published items each.
CODES=$(mktemp)
python3 - "$CODES" <<'PY' | psql -q "$TONGBAN_MIGRATION_DATABASE_URL"
import json, subprocess, sys, uuid, os
url = os.environ["TONGBAN_MIGRATION_DATABASE_URL"]
def q(sql):
    out = subprocess.run(["psql", "-At", url, "-c", sql], capture_output=True, text=True, check=True).stdout
    return [l.split("|") for l in out.splitlines() if l]
towns = [r[0] for r in q("SELECT code FROM tenants WHERE level = 'town' AND code LIKE '6104%' ORDER BY code LIMIT 100")]
bases = q("SELECT id, base_code, version FROM base_items WHERE owner_code = '610400000000' ORDER BY base_code LIMIT 30")
CS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
def credit(body):
    return body + CS[(31 - sum(CS.index(c) * w for c, w in zip(body, W)) % 31) % 31]
codes = open(sys.argv[1], "w")
print("BEGIN;")
for n, town in enumerate(towns):
    dept = str(uuid.uuid4())
    cc = credit("12" + town[:6] + "MB%07d" % n)
    print(f"INSERT INTO departments VALUES ('{dept}', '{town}', '便民服务中心{n}', '{cc}', true, now());")
    for base_id, base_code, version in bases:
        local = json.dumps({"department_id": dept, "promised_days": 0, "case_kind": "PROMISED", "cross_area": "NONE",
                            "material_names": [], "deferrable_names": [], "place": "便民服务中心", "hours": "工作日",
                            "phone": None, "fee_yuan": None}, ensure_ascii=False)
        code = f"{cc}5{base_code}"
        print(f"INSERT INTO impl_items VALUES ('{uuid.uuid4()}', '{town}', '{base_id}', '{dept}', '{code}', 'PUBLISHED', 1, "
              f"'{local}', NULL, NULL, now());")
        codes.write(code + "\n")
print("COMMIT;")
PY
echo "items: $(wc -l < "$CODES")"

for mode in uncached cached; do
  if [ "$mode" = uncached ]; then export TONGBAN_GUIDE_CACHE_TTL_SECS=0; else export TONGBAN_GUIDE_CACHE_TTL_SECS=600; fi
  start_server
  if [ "$mode" = cached ]; then # warm up: every code at least once, most of them several times
    wrk -t2 -c16 -d10s -s "$ROOT/bench/guide.lua" "http://127.0.0.1:$PORT" -- "$CODES" >/dev/null
  fi
  echo "== serviceGuide $mode"
  wrk -t2 -c${CONNECTIONS:-32} -d${DURATION:-20s} --latency -s "$ROOT/bench/guide.lua" "http://127.0.0.1:$PORT" -- "$CODES" |
    grep -E 'Requests/sec|99%|50%|Non-2xx|errors'
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
done
rm -f "$CODES"
