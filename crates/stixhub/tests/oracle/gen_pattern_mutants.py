#!/usr/bin/env python3
"""Deterministic mutants of real patterns, for the validity differential test against stix2-patterns.

Takes every line of the shared corpus's valid.txt and invalid.txt, a fixed sample of real-unit42.txt and the patterns
of test_data/pattern-cases.jsonl, applies 1-3 random token-level edits (delete or insert a character, insert or
replace a token from a list of grammar fragments and near-misses, lower-case keywords, splice two patterns, swap
adjacent tokens) and prints N distinct one-line mutants, sorted, one per line:

    python3 tests/oracle/gen_pattern_mutants.py ../../../shared/corpus > test_data/pattern-mutants.txt

(run from crates/stixhub). Lines on which stix2-patterns itself crashes (blank lines, negative list indexes) are
dropped here, since it gives no answer for them. The verdicts are recorded with

    $STIXHUB_ORACLE_PYTHON tests/oracle/pattern_oracle.py validate --verdicts-only test_data/pattern-mutants.txt \
        > test_data/pattern-mutants.expected.jsonl
"""

import json
import os
import random
import re
import sys

SEED = 20261125
COUNT = 5000
TOKENS = [
    "AND", "OR", "NOT", "FOLLOWEDBY", "WITHIN", "REPEATS", "TIMES", "START", "STOP", "SECONDS", "LIKE", "MATCHES",
    "IN", "ISSUBSET", "ISSUPERSET", "EXISTS", "[", "]", "(", ")", "'", ",", ":", ".", "=", "==", "!=", "<>", "<",
    "<=", ">", ">=", "t'2020-01-01T00:00:00Z'", "h'ff'", "b'AA=='", "1", "-1", "1.5", "-.5", "+1", "true", "false",
    "[*]", "[0]", "'a'", "x", "file:name", "and", "or", "within", "\\", "''", " ", "  ", "\t", "MINUTES", "1e5",
    "0x1", "t'2020-13-01T00:00:00Z'", "t'2020-01-01 00:00:00Z'", "h'f'", "b'A='", "ä", "\u00a0", "x-y:z", "_a:b",
]


def main(argv):
    corpus = argv[1] if len(argv) > 1 else os.path.join(os.path.dirname(__file__), "../../../../../shared/corpus")
    here = os.path.dirname(os.path.abspath(__file__))
    r = random.Random(SEED)
    src = []
    for name in ("valid.txt", "invalid.txt"):
        with open(os.path.join(corpus, "patterns", name), encoding="utf-8") as f:
            src += f.read().split("\n")[:-1]
    with open(os.path.join(corpus, "patterns", "real-unit42.txt"), encoding="utf-8") as f:
        src += r.sample(f.read().split("\n")[:-1], 300)
    with open(os.path.join(here, "../../test_data/pattern-cases.jsonl"), encoding="utf-8") as f:
        src += [json.loads(line)["pattern"] for line in f]

    def mutate(p):
        for _ in range(r.randint(1, 3)):
            m = r.random()
            if m < 0.25 and p:
                i = r.randrange(len(p))
                p = p[:i] + p[i + 1:]
            elif m < 0.5:
                i = r.randrange(len(p) + 1)
                p = p[:i] + r.choice(TOKENS) + p[i:]
            elif m < 0.65:
                toks = re.findall(r"\S+|\s+", p)
                if toks:
                    toks[r.randrange(len(toks))] = r.choice(TOKENS)
                    p = "".join(toks)
            elif m < 0.75:
                p = p.lower() if r.random() < 0.3 else p.replace("AND", "and", 1)
            elif m < 0.85:
                q = r.choice(src)
                p = p[:r.randrange(len(p) + 1)] + q[r.randrange(len(q) + 1):]
            else:
                toks = re.findall(r"\S+|\s+", p)
                if len(toks) > 2:
                    i = r.randrange(len(toks) - 1)
                    toks[i], toks[i + 1] = toks[i + 1], toks[i]
                    p = "".join(toks)
        return p

    out = set()
    while len(out) < COUNT:
        p = mutate(r.choice(src))
        if "\n" in p or "\r" in p or not p.strip() or re.search(r"\[\s*-\s*\d", p):
            continue  # one line each; empty lines and negative indexes crash the reference validator
        out.add(p)
    sys.stdout.write("\n".join(sorted(out)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
