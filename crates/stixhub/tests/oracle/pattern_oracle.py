#!/usr/bin/env python3
"""The OASIS reference answers for the pattern-engine differential test.

Run it with the python of the oracle venv (`bash scripts/oracle-venv.sh` prints its path):

    pattern_oracle.py match CASES.jsonl
        For each line {"id", "pattern", "objects"} of CASES.jsonl, prints one JSON line
        {"id": ..., "verdict": "match" | "nomatch" | "error", "detail": ...}
        with stix2-matcher 3.0.0's answer for the pattern against the bundle {"type": "bundle", "objects": objects}
        (STIX 2.1 mode). "detail" is the exception ("Type: message") for "error" and absent otherwise.

    pattern_oracle.py validate [--verdicts-only] PATTERNS.txt
        For each line of PATTERNS.txt (one pattern per line), prints one JSON line
        {"line": N, "verdict": "valid" | "invalid" | "crash", "detail": ...}
        with stix2-patterns 2.1.2's answer (`run_validator(line, "2.1")`): "invalid" carries the first message,
        "crash" the exception the validator raised instead of answering. --verdicts-only leaves "detail" out.

Output order is input order. Versions are checked at start-up: a different stix2-matcher or stix2-patterns exits
with status 3, since the recorded verdicts were produced with the pinned ones.
"""

import io
import json
import signal
import sys
from importlib import metadata

PINNED = {"stix2-matcher": "3.0.0", "stix2-patterns": "2.1.2"}
CASE_TIMEOUT_SECONDS = 20


class Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise Timeout(f"no answer within {CASE_TIMEOUT_SECONDS} s")


def check_versions():
    for dist, want in PINNED.items():
        try:
            have = metadata.version(dist)
        except metadata.PackageNotFoundError:
            have = None
        if have != want:
            sys.stderr.write(f"pattern_oracle: need {dist}=={want}, found {have}\n")
            sys.exit(3)


def run_match(path, out):
    from stix2matcher.matcher import match

    signal.signal(signal.SIGALRM, _alarm)
    with io.open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            case = json.loads(line)
            bundle = {"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000000",
                      "objects": case["objects"]}
            result = {"id": case["id"]}
            signal.alarm(CASE_TIMEOUT_SECONDS)
            try:
                found = match(case["pattern"], [bundle], False, "2.1")
                result["verdict"] = "match" if found else "nomatch"
            except Exception as e:  # the matcher's every failure is an "error" verdict
                result["verdict"] = "error"
                result["detail"] = f"{type(e).__name__}: {e}"
            finally:
                signal.alarm(0)
            out.write(json.dumps(result, ensure_ascii=False) + "\n")


def run_validate(path, out, details=True):
    from stix2patterns.validator import run_validator

    with io.open(path, encoding="utf-8") as f:
        text = f.read()
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for n, pattern in enumerate(lines, start=1):
        result = {"line": n}
        try:
            errors = run_validator(pattern, "2.1")
            if errors:
                result["verdict"] = "invalid"
                if details:
                    result["detail"] = str(errors[0])
            else:
                result["verdict"] = "valid"
        except Exception as e:
            result["verdict"] = "crash"
            result["detail"] = f"{type(e).__name__}: {e}"
        out.write(json.dumps(result, ensure_ascii=False) + "\n")


def main(argv):
    details = "--verdicts-only" not in argv
    argv = [a for a in argv if a != "--verdicts-only"]
    if len(argv) != 3 or argv[1] not in ("match", "validate"):
        sys.stderr.write(__doc__)
        return 2
    check_versions()
    out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="\n")
    if argv[1] == "match":
        run_match(argv[2], out)
    else:
        run_validate(argv[2], out, details)
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
