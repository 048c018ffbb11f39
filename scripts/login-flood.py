#!/usr/bin/env python3
"""Wrong-password flood against a local `stixhub serve` (issue 12, BENCHMARKS.md "Sign-in flood").

Usage: python3 scripts/login-flood.py target/debug/stixhub
Starts the server on 127.0.0.1 with a fresh data directory, times a signed-in client (cached credential) alone
and then while 32 threads send wrong passwords from 127.0.0.2-33 (one address each), and counts the answers."""
# Wrong-password flood from 32 client addresses (127.0.0.2-33) vs a signed-in client's latency.
import base64, http.client, socket, subprocess, sys, threading, time, os, tempfile, statistics, collections
binary = sys.argv[1]
data = tempfile.mkdtemp()
env = dict(os.environ, STIXHUB_ADMIN_PASSWORD="flood-admin-pass")
server = subprocess.Popen([binary, "serve", "--listen", "127.0.0.1:0", "--data", data], env=env, stderr=subprocess.PIPE, text=True)
port = None
for line in server.stderr:
    if line.startswith("listening on "):
        port = int(line.strip().rsplit(":", 1)[1]); break
threading.Thread(target=lambda: [None for _ in server.stderr], daemon=True).start()
def request(auth, source=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0) if source else None)
    conn.request("GET", "/taxii2/", headers={"Authorization": auth, "Accept": "application/taxii+json;version=2.1"})
    status = conn.getresponse().status
    conn.close()
    return status
admin = "Basic " + base64.b64encode(b"admin:flood-admin-pass").decode()
def legit(seconds):
    lat = []
    end = time.time() + seconds
    while time.time() < end:
        t = time.perf_counter(); assert request(admin) == 200; lat.append((time.perf_counter() - t) * 1000)
        time.sleep(0.02)
    lat.sort()
    return statistics.median(lat), lat[int(len(lat) * 0.99) - 1], len(lat)
request(admin)
print("no flood: legit p50 %.1f ms p99 %.1f ms (n=%d)" % legit(5))
counts = collections.Counter(); stop = threading.Event()
def flood(i):
    n = 0
    while not stop.is_set():
        auth = "Basic " + base64.b64encode(("guess%d-%d:wrong" % (i, n)).encode()).decode(); n += 1
        try: counts[request(auth, "127.0.0.%d" % (i + 2))] += 1
        except Exception as e: counts[type(e).__name__] += 1
threads = [threading.Thread(target=flood, args=(i,)) for i in range(32)]
for t in threads: t.start()
time.sleep(1)
started = time.time(); before = dict(counts)
print("flood (32 addresses): legit p50 %.1f ms p99 %.1f ms (n=%d)" % legit(10))
elapsed = time.time() - started; stop.set()
for t in threads: t.join()
after = counts
print("flood answers in %.0f s:" % elapsed, {k: after[k] - before.get(k, 0) for k in after}, "total", dict(after))
server.terminate(); server.wait()
