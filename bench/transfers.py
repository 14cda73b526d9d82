"""Load and measurement for bench/transfers.sh (stdlib only)."""
import json
import os
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

A, B = os.environ["A_URL"], os.environ["B_URL"]
PASSWORD = "Tongban@2026"
STATE = "/tmp/tongban-bench-transfers.json"


def gql(base, query, variables=None, token=None):
    req = urllib.request.Request(
        base + "/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"content-type": "application/json", **({"authorization": "Bearer " + token} if token else {})},
    )
    with urllib.request.urlopen(req, timeout=30) as r:
        body = json.load(r)
    if body.get("errors"):
        raise RuntimeError(f"{query[:60]}: {body['errors']}")
    return body["data"]


def login(base, user):
    q = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }"
    return gql(base, q, {"u": user, "p": PASSWORD})["login"]["accessToken"]


def psql(url, sql):
    return subprocess.run(["psql", "-At", url, "-c", sql], check=True, capture_output=True, text=True).stdout


def setup():
    pa, pb = login(A, "platform"), login(B, "platform")
    gql(A, "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }", {"i": {
        "tenant": "610402000000", "username": "qd_window", "password": PASSWORD,
        "displayName": "秦都区窗口人员", "roles": ["WINDOW_STAFF"]}}, pa)
    sa = "mutation($t: RegionCode!) { createServiceAccount(tenant: $t, name: \"跨省通办\") { clientId clientSecret } }"
    reg = "mutation($i: PartnerInput!) { registerPartner(input: $i) { id } }"
    b_sa = gql(B, sa, {"t": "610426000000"}, pb)["createServiceAccount"]
    a_sa = gql(A, sa, {"t": "610402000000"}, pa)["createServiceAccount"]
    gql(A, reg, {"i": {"name": "B", "regionPrefixes": ["610426"], "baseUrl": B,
                       "clientId": b_sa["clientId"], "clientSecret": b_sa["clientSecret"]}}, pa)
    gql(B, reg, {"i": {"name": "A", "regionPrefixes": ["610402"], "baseUrl": A,
                       "clientId": a_sa["clientId"], "clientSecret": a_sa["clientSecret"]}}, pb)
    qd = login(A, "qd_window")
    q = ("query { implItems(tenant: \"610426000000\", keyword: \"教师资格\", status: PUBLISHED) "
         "{ nodes { id materials { name } } } }")
    node = gql(A, q, None, login(A, "ys_window"))["implItems"]["nodes"][0]
    json.dump({"token": qd, "item": node["id"], "materials": [m["name"] for m in node["materials"]]}, open(STATE, "w"))


def send(count, clients, run):
    s = json.load(open(STATE))
    submit = "mutation($i: SubmitCaseInput!) { submitCase(input: $i) { case { id } } }"
    transfer = "mutation($c: ID!, $k: String!) { transferCase(caseId: $c, idempotencyKey: $k) { id } }"

    def one(i):
        case = gql(A, submit, {"i": {"implItemId": s["item"], "providedMaterials": s["materials"], "channel": "REMOTE",
                                     "applicant": {"kind": "PERSON", "name": "王小明", "idNumber": "11010519491231002X"}}},
                   s["token"])["submitCase"]["case"]["id"]
        gql(A, transfer, {"c": case, "k": f"{run}-{i}"}, s["token"])

    t0 = time.time()
    with ThreadPoolExecutor(clients) as ex:
        list(ex.map(one, range(count)))
    print(f"sent {count} in {time.time() - t0:.1f} s ({count / (time.time() - t0):.0f} transfers/s written at A)")


def arrived():
    return int(psql(os.environ["B_OWNER"], "SELECT COUNT(*) FROM transfers").strip())


def wait(n, secs):
    end = time.time() + secs
    while time.time() < end:
        if arrived() >= n:
            return
        time.sleep(0.05)
    sys.exit(f"only {arrived()} of {n} arrived within {secs} s")


def times(url, run):
    out = {}
    for line in psql(url, f"SELECT idempotency_key, extract(epoch from sent_at) FROM transfers "
                          f"WHERE idempotency_key LIKE '{run}-%'").splitlines():
        k, t = line.split("|")
        out[k] = float(t)
    return out


def report(run):
    sent, got = times(os.environ["A_OWNER"], run), times(os.environ["B_OWNER"], run)
    lags = sorted(got[k] - sent[k] for k in sent if k in got)
    pct = lambda p: lags[min(len(lags) - 1, int(p * len(lags)))]
    span = max(got.values()) - min(sent.values())
    print(f"{len(got)} of {len(sent)} arrived; end to end {len(got) / span:.0f} transfers/s over {span:.1f} s; "
          f"lag commit→arrival p50 {pct(0.50) * 1000:.0f} ms, p99 {pct(0.99) * 1000:.0f} ms, max {lags[-1] * 1000:.0f} ms")


def exactly_once(n):
    b = psql(os.environ["B_OWNER"], "SELECT COUNT(*), COUNT(DISTINCT idempotency_key) FROM transfers").strip()
    a = psql(os.environ["A_OWNER"], "SELECT COUNT(*) FILTER (WHERE status = 'DONE'), COUNT(*) FROM outbox").strip()
    print(f"B transfers (rows, distinct keys): {b}; A outbox (done, all): {a}; expected {n}")
    assert b == f"{n}|{n}", b


cmd = sys.argv[1]
if cmd == "setup":
    setup()
elif cmd == "send":
    send(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
elif cmd == "wait":
    wait(int(sys.argv[2]), int(sys.argv[3]))
elif cmd == "report":
    report(sys.argv[2])
elif cmd == "exactly-once":
    exactly_once(int(sys.argv[2]))
