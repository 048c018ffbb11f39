#!/usr/bin/env bash
# Creates (once) the Python venv holding the OASIS reference tools the differential and interop tests compare
# against (and the rule checkers the detection exports are held to: suricata-check, with `regex` for its speed, and
# idstools; standardwebhooks, the Standard Webhooks reference library; for supply chain and federation (issues 17–18): univers, packageurl-python, cyclonedx-python-lib, spdx-tools, CERT/CC's ssvc, and medallion, the reference TAXII server), and prints the path of its python.
# Pinned versions: the behaviour the tests expect was checked on them.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv="${STIXHUB_ORACLE_VENV:-$root/target/oracle-venv}"
stamp="$venv/.stixhub-oracles-v4"
if [ ! -f "$stamp" ]; then
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check \
    stix2==3.0.2 stix2-validator==3.3.2 stix2-patterns==2.1.2 stix2-matcher==3.0.0 taxii2-client==2.3.0 \
    suricata-check==0.9.3b0 idstools==0.6.5 regex==2026.12.2 standardwebhooks==1.3.0 \
    univers==32.0.1 packageurl-python==0.17.6 cyclonedx-python-lib==11.12.0 spdx-tools==0.8.5 ssvc==1.2.3 \
    medallion==3.0.0 >&2
  touch "$stamp"
fi
echo "$venv/bin/python"
