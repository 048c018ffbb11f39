#!/usr/bin/env bash
# Issue 5 benchmark: shared/bench/taxii_load.py against stixhub (SQLite) and against medallion 3.0.0, same
# machine, same run, same driver line (N=10,000 by default), one JSON line each on stdout.
# Usage: scripts/bench-taxii.sh [N]   (needs python3; builds nothing: run `cargo build --release -p stixhub` first)
# Set-up of medallion follows shared/bench/README.md; its venv goes under target/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
n="${1:-10000}"
target="${CARGO_TARGET_DIR:-$root/target}"
bin="$target/release/stixhub"
load="$root/../shared/bench/taxii_load.py"
work="$target/bench-taxii"
mkdir -p "$work"
venv="$work/.venv-medallion"
[ -x "$venv/bin/gunicorn" ] || { python3 -m venv "$venv" >&2; "$venv/bin/pip" install --quiet medallion gunicorn httpx >&2; }
py="$venv/bin/python"
line=(-n "$n" -r 60 --type-share 0 --version-checks 5 --phase-timeout 480)

# stixhub on a fresh SQLite store.
rm -rf "$work/stixhub-data"
STIXHUB_ADMIN_PASSWORD=admin-pass "$bin" serve --listen 127.0.0.1:0 --data "$work/stixhub-data" 2> "$work/stixhub.log" &
pid=$!
for _ in $(seq 100); do grep -q "listening on" "$work/stixhub.log" && break; sleep 0.1; done
url=$(sed -n 's/^listening on //p' "$work/stixhub.log")
coll=$(curl -s -u admin:admin-pass -H 'Accept: application/taxii+json;version=2.1' "$url/api1/collections/default/" \
  | "$py" -c 'import json,sys; print(json.load(sys.stdin)["id"])')
"$py" "$load" --url "$url" --api-root /api1/ --collection "$coll" --user admin --password admin-pass \
  "${line[@]}" --server-pid "$pid" --label stixhub || true   # exits 1 when it reports problems
kill -TERM "$pid"; wait "$pid" || true

# medallion 3.0.0, memory backend, one gunicorn worker (its state is per process).
cat > "$work/config.json" <<JSON
{"backend": {"module": "medallion.backends.memory_backend", "module_class": "MemoryBackend",
             "filename": "$work/data.json", "session_timeout": 30, "check_interval": 10},
 "users": {"admin": "admin-pass", "reader": "reader-pass"},
 "taxii": {"max_page_size": 1000}}
JSON
cat > "$work/data.json" <<'JSON'
{"/discovery": {"title": "medallion", "default": "http://127.0.0.1:18080/api1/",
                "api_roots": ["http://127.0.0.1:18080/api1/"]},
 "api1": {"information": {"title": "api1", "versions": ["application/taxii+json;version=2.1"],
                          "max_content_length": 104857600},
          "status": [],
          "collections": [{"id": "365fed99-08fa-fdcd-a1b3-fb247eb41d01", "title": "bench-rw",
                           "can_read": true, "can_write": true,
                           "media_types": ["application/stix+json;version=2.1"], "objects": [], "manifest": []}]}}
JSON
echo 'import os; from medallion import load_app; app = load_app(os.environ["MEDALLION_CONFIG"])' > "$work/wsgi.py"
cd "$work"
MEDALLION_CONFIG="$work/config.json" "$venv/bin/gunicorn" --bind 127.0.0.1:18080 --workers 1 \
  --worker-class gthread --threads 4 --timeout 900 wsgi:app 2> "$work/medallion.log" &
gunicorn_pid=$!
trap 'kill -TERM "$gunicorn_pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -s -o /dev/null http://127.0.0.1:18080/taxii2/ && break; sleep 0.2; done
worker=$(pgrep -P "$gunicorn_pid" | head -1)  # the one worker (the master only forks)
"$py" "$load" --url http://127.0.0.1:18080 --api-root /api1/ --collection 365fed99-08fa-fdcd-a1b3-fb247eb41d01 \
  --user admin --password admin-pass "${line[@]}" --server-pid "$worker" --label medallion || true
kill -TERM "$gunicorn_pid"; wait "$gunicorn_pid" || true
