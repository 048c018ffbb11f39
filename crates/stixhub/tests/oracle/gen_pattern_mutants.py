#!/usr/bin/env python3
"""Deterministic mutants of real patterns, for the validity differential test against stix2-patterns.

Takes a list of hand-written corner cases, then every line of the shared corpus's valid.txt and invalid.txt, a fixed sample of real-unit42.txt and the patterns
of test_data/pattern-cases.jsonl, applies 1-3 random token-level edits (delete or insert a character, insert or
replace a token from a list of grammar fragments and near-misses, lower-case keywords, splice two patterns, swap
adjacent tokens) and prints N distinct one-line mutants, sorted, one per line:

    python3 tests/oracle/gen_pattern_mutants.py ../../../shared/corpus > test_data/pattern-mutants.txt

(run from crates/stixhub). Lines on which stix2-patterns itself crashes (blank lines, negative list indexes) are
dropped here, since it gives no answer for them; any other crash is recorded as "crash" and skipped by the test.
The verdicts are recorded with

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

# Corner cases written by hand (comments, whitespace, literal spellings, identifiers, hash formats, qualifier
# repeats, NOT placement); they join the mutants.
HANDWRITTEN = [
    "[file:name = 'a'] /* c */",
    "/* c */ [file:name = 'a']",
    "[file:name /* c */ = 'a']",
    "[file:name = 'a'] // trailing",
    "[file:name = 'a' /* unterminated ]",
    "[file:name = '/* not a comment */']",
    "[file:name = 'a']/**/",
    "[file:na/**/me = 'a']",
    "[file:name = 'a'] WITHIN /*x*/ 5 SECONDS",
    "[file:name = 'a']\tAND\t[file:size = 1]",
    "[ file : name = 'a' ]",
    "[file:name='a']AND[file:size=1]",
    "[file:name = 'a'] START t'2020-01-01T00:00:00Z'STOP t'2020-01-02T00:00:00Z'",
    '[file:size IN ()]',
    '[file:size IN (1,)]',
    '[file:size IN (1 2)]',
    '[file:size = +1]',
    '[file:size = -0]',
    '[file:size = 01]',
    '[file:size = 1.]',
    '[file:size = .5]',
    '[file:size = -.5]',
    '[file:size = +.5]',
    "[file:x = h'F']",
    "[file:x = h'fg']",
    "[file:x = b'AAA=']",
    "[file:x = b'A===']",
    "[file:x = b'AA==AA==']",
    "[file:x = t'2020-01-01T00:00:00.Z']",
    "[file:x = t'2020-1-01T00:00:00Z']",
    "[file:x = t'2020-01-01T24:00:00Z']",
    "[file:x = t'2020-01-01T00:60:00Z']",
    "[file:x = t'2020-01-01T00:00:61Z']",
    "[file:x = t'2020-00-01T00:00:00Z']",
    "[file:x = t'2020-01-32T00:00:00Z']",
    "[file:x = t'2020-01-01t00:00:00z']",
    "[file:x = T'2020-01-01T00:00:00Z']",
    "[file:x = H'ff']",
    "[file:x = B'AA==']",
    '[file:x = TRUE]',
    '[file:x = True]',
    "[file:name = 'a'] REPEATS 1 TIMES",
    "[file:name = 'a'] REPEATS +1 TIMES",
    "[file:name = 'a'] REPEATS 1.0 TIMES",
    "[file:name = 'a'] WITHIN 1.5 SECONDS",
    "[file:name = 'a'] WITHIN +1 SECONDS",
    "[file:name = 'a'] WITHIN -1 SECONDS",
    "[file:name = 'a'] WITHIN .5 SECONDS",
    '[file:x[0][*][1] = 1]',
    "[file:x.'a b' = 1]",
    "[file:x.'' = 1]",
    "[file:'' = 1]",
    "['file':name = 1]",
    '[x--y:name = 1]',
    '[-x:name = 1]',
    '[x-:name = 1]',
    '[_x:name = 1]',
    '[9x:name = 1]',
    '[file:9x = 1]',
    '[file:_x = 1]',
    '[file:x-y = 1]',
    '[file:x.y-z = 1]',
    "[file:hashes.SHA256 = 'aa']",
    "[file:hashes.'SHA-256' = 'aa']",
    "[file:hashes.MD5 = 'zz']",
    "[file:hashes.'MD5' = 'd41d8cd98f00b204e9800998ecf8427e']",
    "[file:hashes.md5 = 'd41d8cd98f00b204e9800998ecf8427e']",
    "[file:hashes.'SHA-1' = 'd41d8cd98f00b204e9800998ecf8427e']",
    "[file:name = 'a'] AND ([file:name = 'b'] WITHIN 5 SECONDS WITHIN 6 SECONDS)",
    "([file:name = 'a'] WITHIN 5 SECONDS) WITHIN 6 SECONDS",
    "[file:name = 'a'] START t'2020-01-01T00:00:00Z' STOP t'2020-01-01T00:00:00Z'",
    "[file:name = 'a'] START t'2020-01-02T00:00:00Z' STOP t'2020-01-01T00:00:00Z'",
    "[file:name = 'a'] REPEATS 0 TIMES",
    "[file:name = 'a'] WITHIN 0 SECONDS",
    "[file:name NOT NOT = 'a']",
    "[NOT file:name = 'a']",
    '[file:name NOT EXISTS]',
    '[NOT NOT EXISTS file:name]',
    "[EXISTS file:name = 'a']",
    '[(EXISTS file:name)]',
    "[file:name = 'a' AND (file:size = 1 OR file:size = 2)]",
    "[(file:name = 'a')] AND ([file:size = 1])",
    "(([file:name = 'a']))",
    "([file:name = 'a'])) ",
    "[[file:name = 'a']]",
    "[file:name = 'a'] FOLLOWEDBY",
    "FOLLOWEDBY [file:name = 'a']",
    '[file:name LIKE 1]',
    "[file:name MATCHES t'2020-01-01T00:00:00Z']",
    "[file:name ISSUBSET h'00']",
    "[file:name IN 'a']",
    "[file:name IN ('a')]",
    "[file:name IN (h'00', b'AA==')]",
    "[file:name IN (1, 'a')]",
    '[file:name < true]',
    "[file:name < 'a' < 'b']",
    "[file:name = 'a\\']",
    "[file:name = 'a\\\\']",
    '[file:name = \'a\\"\']',
    "[file:name = 'a\\n']",
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

    out = {p.strip() for p in HANDWRITTEN}
    while len(out) < COUNT:
        p = mutate(r.choice(src))
        if "\n" in p or "\r" in p or not p.strip() or re.search(r"\[\s*-\s*\d", p):
            continue  # one line each; empty lines and negative indexes crash the reference validator
        out.add(p)
    sys.stdout.write("\n".join(sorted(out)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
