#!/usr/bin/env python3
"""Builds pii-labelled.jsonl from pii-labelled.src, pii-corpus-negatives.src and pii-fresh.src, and each
generalisation batch pii-generalise-N.src into its own pii-generalise-N.jsonl (inline [[kind:text]] marks; a
literal \\n in a line is a line break). The generalisation batches are kept apart: they were written to measure
rules frozen before them, and are not part of the set the rules are tuned on.

Offsets in the JSONL are UTF-8 byte offsets into `text` (what the Rust scorer uses); `value` repeats the span.
"""
import json, re, pathlib

HERE = pathlib.Path(__file__).parent
MARK = re.compile(r"\[\[(email|phone|ssn|card|address|name):(.+?)\]\]")

def parse(line):
    text, spans, pos = "", [], 0
    for m in MARK.finditer(line):
        text += line[pos:m.start()]
        start = len(text.encode())
        text += m.group(2)
        spans.append({"kind": m.group(1), "start": start, "end": len(text.encode()), "value": m.group(2)})
        pos = m.end()
    text += line[pos:]
    return text, spans

def build(sources, target):
    rows = []
    for source in sources:
        path = HERE / source
        if not path.exists():
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            field, raw = line.split("\t", 1)
            text, spans = parse(raw.replace("\\n", "\n"))
            rows.append({"id": f"{source.split('.')[0]}:{n}", "field": field, "text": text, "spans": spans})
    with open(HERE / target, "w") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    kinds = {}
    for row in rows:
        for span in row["spans"]:
            kinds[span["kind"]] = kinds.get(span["kind"], 0) + 1
    print(target, len(rows), "fields;", sum(1 for r in rows if r["spans"]), "with PII;", kinds)

build(["pii-labelled.src", "pii-corpus-negatives.src", "pii-fresh.src"], "pii-labelled.jsonl")
for batch in sorted(HERE.glob("pii-generalise-*.src")):
    build([batch.name], batch.name.replace(".src", ".jsonl"))
