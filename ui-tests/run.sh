#!/usr/bin/env bash
# Browser tests of the web UI: Debian chromium + playwright-core against a real `stixhub serve`.
# Usage (from anywhere): bash ui-tests/run.sh        Screenshots: target/ui-screenshots/
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
if [ ! -x /usr/bin/chromium ]; then
  apt-get update
  apt-get install -y chromium
fi
cd "$root"
cargo build --locked -p stixhub
target_dir="${CARGO_TARGET_DIR:-$root/target}"
export STIXHUB_BIN="$target_dir/debug/stixhub"
export UI_SCREENSHOTS="$root/target/ui-screenshots"
cd "$here"
npm ci --no-audit --no-fund
node --test --test-concurrency=1 tests/*.test.js
