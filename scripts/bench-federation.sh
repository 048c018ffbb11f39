#!/usr/bin/env bash
# Issue 17 benchmark (BENCHMARKS.md, "Federation"): `stixhub feed run` pulling N objects from another
# `stixhub serve` over loopback, RUNS times into fresh stores; prints one line per run (objects/s, peak RSS)
# and the median. Release build first: cargo build --release -p stixhub
#   N=1000000 RUNS=3 bash scripts/bench-federation.sh
set -euo pipefail
N=${N:-1000000}
RUNS=${RUNS:-3}
BIN=${BIN:-${CARGO_TARGET_DIR:-target}/release/stixhub}
WORK=${WORK:-$(mktemp -d /tmp/stixhub-bench-federation.XXXXXX)}
PASSWORD=bench-admin
export STIXHUB_ADMIN_PASSWORD=$PASSWORD
UP=$WORK/upstream

echo "work: $WORK, N=$N, runs=$RUNS" >&2
python3 - "$N" > "$WORK/bundle.json" <<'PY'
import sys, uuid
n = int(sys.argv[1])
out = sys.stdout
out.write('{"type":"bundle","id":"bundle--%s","objects":[\n' % uuid.uuid4())
for i in range(n):
    oid = uuid.uuid5(uuid.NAMESPACE_OID, "bench/%d" % i)
    out.write('%s{"type":"indicator","spec_version":"2.1","id":"indicator--%s","created":"2026-01-01T00:00:00.000Z",'
              '"modified":"2026-01-01T00:00:00.000Z","name":"bench %d","pattern":"[ipv4-addr:value = \'10.%d.%d.%d\']",'
              '"pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}\n'
              % ("," if i else "", oid, i, i >> 16 & 255, i >> 8 & 255, i & 255))
out.write(']}\n')
PY
start=$(date +%s.%N)
"$BIN" collection import default "$WORK/bundle.json" --batch 1000 --data "$UP" 2>"$WORK/import.log"
echo "upstream filled: $(tail -1 "$WORK/import.log") in $(echo "$(date +%s.%N) - $start" | bc) s" >&2
rm -f "$WORK/bundle.json"

"$BIN" serve --data "$UP" --listen 127.0.0.1:0 2>"$WORK/upstream.log" &
UPPID=$!
trap 'kill $UPPID 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do
    grep -q "listening on" "$WORK/upstream.log" && break
    sleep 0.2
done
URL="$(grep -o 'http://[0-9.:]*' "$WORK/upstream.log" | head -1)/api1/collections/default/"

rates=()
for run in $(seq 1 "$RUNS"); do
    LOCAL=$WORK/local-$run
    feed=$(echo "$PASSWORD" | "$BIN" feed add --collection default --url "$URL" --user admin --password-stdin --data "$LOCAL")
    start=$(date +%s.%N)
    STIXHUB_REPORT_PEAK_RSS=1 "$BIN" feed run "$feed" --data "$LOCAL" >"$WORK/run-$run.json" 2>"$WORK/run-$run.log"
    seconds=$(echo "$(date +%s.%N) - $start" | bc)
    stored=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['stored'])" "$WORK/run-$run.json")
    rss=$(grep -o 'peak rss kib: [0-9]*' "$WORK/run-$run.log" | grep -o '[0-9]*$')
    rate=$(echo "$stored / $seconds" | bc)
    rates+=("$rate")
    echo "run $run: $stored objects in $seconds s = $rate objects/s, peak RSS $((rss / 1024)) MiB, load $(cut -d' ' -f1-3 /proc/loadavg)"
    rm -rf "$LOCAL"
done
median=$(printf '%s\n' "${rates[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "median: $median objects/s"
