#!/usr/bin/env bash
# Creates (once) the Python venv with matplotlib that draws the benchmark figures (scripts/plot-soak.py), and
# prints the path of its python. Benchmarks only: CI does not need it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv="${STIXHUB_PLOT_VENV:-$root/target/plot-venv}"
stamp="$venv/.stixhub-plot-v1"
if [ ! -f "$stamp" ]; then
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check matplotlib==3.10.7 >&2
  touch "$stamp"
fi
echo "$venv/bin/python"
