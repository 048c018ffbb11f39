"""Checks a rules file with the reference tools: every rule must parse with idstools, and every Suricata rule
must pass suricata-check (library API: the CLI would also ask PyPI for updates, and tests stay on loopback)
with no issue of severity WARNING or above and no unrecognised option.

Usage: python rule_oracle.py suricata|snort RULES_FILE
Prints one JSON object: {"rules": N, "problems": [...]}; a problem is a rule with the reason it failed.
A Suricata rule with an IPv6 network in its header is checked by idstools only: suricata-check 0.9.3b0's
header expression has no room for ':' and '/' together (docs/exports.md, "Checks").
"""
import json
import logging
import multiprocessing
import re
import sys

import idstools.rule


class Collect(logging.Handler):
    """suricata-check logs unknown options and checker failures as warnings: those are problems too."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.records = []

    def emit(self, record):
        self.records.append(record.getMessage())


DIALECT = sys.argv[1]
COLLECT = Collect()
if DIALECT == "suricata":
    import suricata_check
    from suricata_check.utils import rule as sc_rule

    logging.getLogger("suricata_check").addHandler(COLLECT)
    logging.getLogger("suricata_check").propagate = False

IPV6_NETWORK = re.compile(r"\[[0-9a-f:]*:[0-9a-f:]*/\d+\]")


def check(line):
    """The problem with one rule, or None."""
    parsed = idstools.rule.parse(line)
    if parsed is None or parsed["sid"] is None or parsed["msg"] is None or parsed["rev"] is None:
        return {"rule": line, "why": "idstools cannot parse it (or no sid/msg/rev)"}
    if DIALECT != "suricata" or IPV6_NETWORK.search(parsed["header"]):
        return None
    COLLECT.records.clear()
    try:
        report = suricata_check.analyze_rule(sc_rule.parse(line))
    except Exception as error:  # noqa: BLE001 - any refusal is the finding
        return {"rule": line, "why": f"suricata-check refuses it: {type(error).__name__}"}
    serious = [f"{i.code} {i.message}" for i in report.issues if (i.severity or 0) >= logging.WARNING]
    if serious or COLLECT.records:
        return {"rule": line, "why": serious + COLLECT.records}
    return None


def main():
    with open(sys.argv[2], encoding="utf-8") as rules:
        lines = [l.rstrip("\n") for l in rules if l.strip() and not l.startswith("#")]
    # suricata-check takes tens of milliseconds a rule: use every core.
    with multiprocessing.get_context("fork").Pool() as pool:
        results = pool.map(check, lines, chunksize=64)
    print(json.dumps({"rules": len(lines), "problems": [r for r in results if r is not None]}))


if __name__ == "__main__":
    main()
