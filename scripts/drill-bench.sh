#!/usr/bin/env bash
# Issue 16 acceptance, the load drill: 50 jurisdictions x 20 injects (half incident reports acknowledged, shared
# and resolved by the scripted state office, half indicators), played through a real `stixhub serve` (release,
# SQLite) by `stixhub drill run`; prints the wall time of the whole run (setup included) and the report's
# comparison with the audit log. Usage: bash scripts/drill-bench.sh [JURISDICTIONS] [INJECTS] [SPAN_SECONDS]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
cargo build --release --locked -p stixhub
bin="${CARGO_TARGET_DIR:-$root/target}/release/stixhub"
work="$(mktemp -d)"
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
"$bin" drill generate --jurisdictions "${1:-50}" --injects "${2:-20}" --span "${3:-60}" > "$work/load.toml"
STIXHUB_ADMIN_PASSWORD=bench-admin "$bin" serve --listen 127.0.0.1:0 --data "$work/data" 2> "$work/serve.log" &
server=$!
for _ in $(seq 100); do grep -q "listening on" "$work/serve.log" && break; sleep 0.1; done
url="$(sed -n 's/^listening on //p' "$work/serve.log" | head -1)"
start=$(date +%s.%N)
echo bench-admin | "$bin" drill run "$work/load.toml" --url "$url" --admin-user admin --password-stdin \
  --out "$work/report" --grace 60
end=$(date +%s.%N)
echo "wall time (setup + play + report): $(echo "$end - $start" | bc) s"
python3 - "$work/report/report.json" <<'PY'
import json, statistics, sys
r = json.load(open(sys.argv[1]))
def med(key, kind):
    xs = [i[key] for i in r["injects"] if i["kind"] == kind and i[key] is not None]
    return (statistics.median(xs), max(xs), len(xs)) if xs else None
print("played:", r["duration_ms"], "ms; deadlines met", r["deadlines_met"], "missed", r["deadlines_missed"])
for kind, key in [("report", "time_to_respond_ms"), ("report", "time_to_share_ms"),
                  ("report", "time_to_deliver_ms"), ("indicator", "time_to_deliver_ms")]:
    print(f"{kind} {key} (median, max, n):", med(key, kind))
print("audit:", r["audit"])
print("errors:", sum(1 for i in r["injects"] if i["errors"]), "notes:", r["notes"][:3])
PY
