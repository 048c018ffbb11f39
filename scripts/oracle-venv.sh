#!/usr/bin/env bash
# Creates (once) the Python venv holding the OASIS reference tools the differential and interop tests compare
# against (and the rule checkers the detection exports are held to: suricata-check, with `regex` for its speed, and
# idstools; and standardwebhooks, the Standard Webhooks reference library), and prints the path of its python.
# Pinned versions: the behaviour the tests expect was checked on them.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv="${STIXHUB_ORACLE_VENV:-$root/target/oracle-venv}"
stamp="$venv/.stixhub-oracles-v3"
if [ ! -f "$stamp" ]; then
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check \
    stix2==3.0.2 stix2-validator==3.3.2 stix2-patterns==2.1.2 stix2-matcher==3.0.0 taxii2-client==2.3.0 \
    suricata-check==0.9.3b0 idstools==0.6.5 regex==2026.12.2 standardwebhooks==1.3.0 >&2
  touch "$stamp"
fi
echo "$venv/bin/python"
