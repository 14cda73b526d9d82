#!/usr/bin/env python3
"""Queue load: takeTicket + callNext over HTTP against several server processes sharing Redis.

usage: queue_load.py ADMIN_TOKEN CLERK_TOKEN ITEM_ID WINDOW_ID[,WINDOW_ID…] PORT[,PORT…]
Clients take TICKETS numbers concurrently (spread over the servers), then clerks call concurrently
at every window until the queue is empty. Fails on a duplicate or lost number.
"""
import json, os, sys, time, urllib.request
from concurrent.futures import ThreadPoolExecutor

admin, clerk, item, windows, ports = sys.argv[1:6]
windows, ports = windows.split(","), ports.split(",")
TICKETS = int(os.environ.get("TICKETS", "2000"))
CLIENTS = int(os.environ.get("CLIENTS", "32"))
TENANT = "610426000000"

def gql(port, query, variables, token=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", json.dumps({"query": query, "variables": variables}).encode(),
                                 {"content-type": "application/json", **({"authorization": f"Bearer {token}"} if token else {})})
    with urllib.request.urlopen(req, timeout=30) as r:
        body = json.load(r)
    if body.get("errors"):
        raise SystemExit(f"error: {body['errors']}")
    return body["data"]

TAKE = "mutation($t: RegionCode!, $i: ID!) { takeTicket(tenant: $t, implItemId: $i) { number } }"
CALL = "mutation($w: ID!) { callNext(windowId: $w) { number } }"

def take(i):
    t0 = time.perf_counter()
    n = gql(ports[i % len(ports)], TAKE, {"t": TENANT, "i": item})["takeTicket"]["number"]
    return n, time.perf_counter() - t0

def clerk_loop(i):
    port, window, got = ports[i % len(ports)], windows[i % len(windows)], []
    while True:
        r = gql(port, CALL, {"w": window}, clerk)["callNext"]
        if r is None:
            return got
        got.append(r["number"])

def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))] * 1000

with ThreadPoolExecutor(CLIENTS) as pool:
    t0 = time.perf_counter()
    taken = list(pool.map(take, range(TICKETS)))
    took = time.perf_counter() - t0
numbers = [n for n, _ in taken]
lat = [l for _, l in taken]
assert len(set(numbers)) == len(numbers), f"duplicate numbers issued: {len(numbers) - len(set(numbers))}"
print(f"takeTicket: {TICKETS} in {took:.2f} s = {TICKETS / took:.0f}/s, p50 {pct(lat, .5):.1f} ms, p99 {pct(lat, .99):.1f} ms, "
      f"{CLIENTS} clients over {len(ports)} servers, no duplicates")

callers = max(len(windows), min(CLIENTS, 8))
with ThreadPoolExecutor(callers) as pool:
    t0 = time.perf_counter()
    called = [n for got in pool.map(clerk_loop, range(callers)) for n in got]
    took = time.perf_counter() - t0
dups = len(called) - len(set(called))
lost = set(numbers) - set(called)
assert dups == 0, f"{dups} numbers called twice"
assert not lost, f"{len(lost)} numbers never called: {sorted(lost)[:10]}"
print(f"callNext: {len(called)} in {took:.2f} s = {len(called) / took:.0f}/s, {callers} clerks at {len(windows)} windows "
      f"over {len(ports)} servers, each number called exactly once")
