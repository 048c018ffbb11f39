"""Reference answers for the supply crate's differential tests (issue 18).

Reads one JSON request on stdin and prints one JSON answer:
- {"task": "ranges", "cases": [{"scheme", "events": [[kind, version]...], "versions": [...]}]}
  -> {"answers": [[true|false|"error: ..."] per version]}: the OSV evaluation algorithm
  (ossf/osv-schema docs "Evaluation") with `univers` version classes doing every comparison.
- {"task": "order", "cases": [{"scheme", "a", "b"}]} -> {"answers": [-1|0|1|"error: ..."]}
- {"task": "sbom", "files": [path...]} -> {"answers": [{"components": [[group, name, version, purl]...]} | {"error": ...}]}
  via cyclonedx-python-lib (CycloneDX) and spdx-tools (SPDX).
- {"task": "ssvc", "rows": [[exploitation, automatable, technical_impact, mission]...]}
  -> {"answers": [outcome]} via the `ssvc` package's CISA plugin.
"""

import json
import sys


def univers_class(scheme):
    from univers import versions as v

    return {
        "semver": v.SemverVersion,
        "pep440": v.PypiVersion,
        "maven": v.MavenVersion,
        "composer": v.ComposerVersion,
        "rpm": v.RpmVersion,
        "debian": v.DebianVersion,
        "go": v.GolangVersion,
        "alpine": v.AlpineLinuxVersion,
    }[scheme]


def evaluate(cls, events, version):
    v = cls(version)
    parsed = []
    limits = []
    for kind, text in events:
        if kind == "limit":
            if text != "*":
                limits.append(cls(text))
            continue
        parsed.append((kind, None if (kind == "introduced" and text == "0") else cls(text)))
    if limits and not any(v < lim for lim in limits):
        return False

    # Sorted by version, "0" lowest; Python's sort is stable like ours.
    import functools

    def cmp(a, b):
        x, y = a[1], b[1]
        if x is None and y is None:
            return 0
        if x is None:
            return -1
        if y is None:
            return 1
        return -1 if x < y else (1 if y < x else 0)

    affected = False
    for kind, ev in sorted(parsed, key=functools.cmp_to_key(cmp)):
        if kind == "introduced" and (ev is None or ev <= v):
            affected = True
        elif kind == "fixed" and ev <= v:
            affected = False
        elif kind == "last_affected" and ev < v:
            affected = False
    return affected


def ranges(cases):
    out = []
    for case in cases:
        cls = univers_class(case["scheme"])
        answers = []
        for version in case["versions"]:
            try:
                answers.append(evaluate(cls, case["events"], version))
            except Exception as e:  # noqa: BLE001 - the kind of failure is the answer
                answers.append("error: %s" % type(e).__name__)
        out.append(answers)
    return out


def order(cases):
    out = []
    for case in cases:
        cls = univers_class(case["scheme"])
        try:
            a, b = cls(case["a"]), cls(case["b"])
            out.append(-1 if a < b else (1 if b < a else 0))
        except Exception as e:  # noqa: BLE001
            out.append("error: %s" % type(e).__name__)
    return out


def sbom(files):
    out = []
    for path in files:
        try:
            with open(path, "rb") as f:
                doc = json.load(f)
            if "bomFormat" in doc:
                from cyclonedx.model.bom import Bom

                bom = Bom.from_json(doc)

                def walk(cs):
                    for c in cs:
                        yield c
                        yield from walk(c.components)

                comps = [
                    [c.group, c.name, c.version, str(c.purl) if c.purl else None] for c in walk(bom.components)
                ]
            else:
                from spdx_tools.spdx.parser.parse_anything import parse_file

                parsed = parse_file(path)
                comps = []
                for p in parsed.packages:
                    purls = [r.locator for r in p.external_references if r.reference_type == "purl"]
                    comps.append([None, p.name, p.version, purls[0] if purls else None])
            out.append({"components": comps})
        except Exception as e:  # noqa: BLE001
            out.append({"error": "%s: %s" % (type(e).__name__, str(e)[:300])})
    return out


def ssvc(rows):
    from ssvc.plugins.cisa import DecisionCisa

    names = {"none": "NONE", "public poc": "POC", "active": "ACTIVE"}
    out = []
    for e, a, t, m in rows:
        d = DecisionCisa(names[e], a, t, m)
        action = d.outcome.action.value if getattr(d, "outcome", None) else None
        out.append({"track_star": "track*"}.get(action, action))
    return out


def main():
    req = json.load(sys.stdin)
    task = req["task"]
    if task == "ranges":
        answers = ranges(req["cases"])
    elif task == "order":
        answers = order(req["cases"])
    elif task == "sbom":
        answers = sbom(req["files"])
    elif task == "ssvc":
        answers = ssvc(req["rows"])
    else:
        raise SystemExit("unknown task %r" % task)
    json.dump({"answers": answers}, sys.stdout)


if __name__ == "__main__":
    main()
