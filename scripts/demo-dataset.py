#!/usr/bin/env python3
"""Rebuilds crates/stixhub/demo/ics-attack-subset.json from the shared corpus (ATT&CK for ICS v18.1).

Keeps the MITRE identity and marking, the techniques, groups, software, campaigns and mitigations that are
neither revoked nor deprecated, and the `uses` relationships between kept objects whose source is a group,
software or campaign: a few hundred objects whose content is unchanged from upstream (re-serialised
compactly, same key order) except `object_marking_refs`: TLP:CLEAR instead of MITRE's statement marking (see below). Also writes crates/stixhub/demo/sample-intel.json: hand-made indicators (documentation
IP ranges, .example domains) with TLP 2.0 markings, and sightings of them, with fixed ids.
Usage: python3 scripts/demo-dataset.py [CORPUS]
"""
import json
import sys

corpus = sys.argv[1] if len(sys.argv) > 1 else "../shared/corpus"
source = f"{corpus}/bundles/attack-ics/ics-attack-18.1.json"
bundle = json.load(open(source))
KEEP = {"identity", "marking-definition", "attack-pattern", "intrusion-set", "malware", "campaign"}
kept = [
    o for o in bundle["objects"]
    if o["type"] in KEEP and not o.get("revoked") and not o.get("x_mitre_deprecated")
]
ids = {o["id"] for o in kept}
actors = ("intrusion-set--", "malware--", "campaign--")
relationships = [
    o for o in bundle["objects"]
    if o["type"] == "relationship" and o["relationship_type"] == "uses"
    and not o.get("revoked") and not o.get("x_mitre_deprecated")
    and o["source_ref"].startswith(actors) and o["source_ref"] in ids and o["target_ref"] in ids
]
relationships.sort(key=lambda o: o["id"])
objects = kept + relationships[:220]
# The hub's sharing policy shows objects carrying a non-TLP marking only to accounts granted that marking, and
# there is no way to grant one yet: each reference to MITRE's copyright statement marking is replaced by TLP:CLEAR
# (ATT&CK is public). The statement marking-definition itself stays in the bundle, and the licence beside it.
CLEAR = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"
for o in objects:
    if o["type"] != "marking-definition" and "object_marking_refs" in o:
        o["object_marking_refs"] = [CLEAR]
out = {"type": "bundle", "id": bundle["id"], "objects": objects}
with open("crates/stixhub/demo/ics-attack-subset.json", "w") as f:
    json.dump(out, f, separators=(",", ":"), ensure_ascii=False)
    f.write("\n")
print(len(objects), "objects")

import uuid

NS = uuid.UUID("7d3c1f2a-5b8e-4c6d-9e0f-1a2b3c4d5e6f")
TLP = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
}
industroyer = next(o["id"] for o in kept if o["type"] == "malware" and o["name"].startswith("Industroyer"))


def sid(kind, name):
    return f"{kind}--{uuid.uuid5(NS, name)}"


when = "2026-11-02T09:00:00.000Z"
intel = [
    {"type": "identity", "spec_version": "2.1", "id": sid("identity", "lake"), "created": when,
     "modified": when, "name": "Lake County IT", "identity_class": "organization"},
]
samples = []
for n in range(1, 13):
    samples.append((f"ipv4-addr:value = '198.51.100.{n * 7}'", f"Scanner 198.51.100.{n * 7}",
                    ["clear", "green", "amber"][n % 3]))
for name in ["update-check.badcdn.example", "vote-results-live.example", "login-county-portal.example",
             "pollbook-sync.example", "ics-vendor-support.example", "hmi-updates.example"]:
    samples.append((f"domain-name:value = '{name}'", f"Phishing domain {name}", "green"))
for n, path in enumerate(["/wp/plc.php", "/ballot/upload", "/scada/login", "/invoice.zip"]):
    samples.append((f"url:value = 'http://203.0.113.{10 + n}{path}'", f"Malicious URL 203.0.113.{10 + n}{path}",
                    "amber"))
for n in range(4):
    digest = uuid.uuid5(NS, f"hash{n}").hex + uuid.uuid5(NS, f"hash{n}b").hex
    samples.append((f"file:hashes.'SHA-256' = '{digest}'", f"Dropper sample {n + 1}", "green"))
for idx, (pattern, name, tlp) in enumerate(samples):
    intel.append({
        "type": "indicator", "spec_version": "2.1", "id": sid("indicator", name), "created": when,
        "modified": when, "name": name, "description": "Demo indicator (fictitious, documentation ranges).",
        "indicator_types": ["malicious-activity"], "pattern": f"[{pattern}]", "pattern_type": "stix",
        "valid_from": when, "object_marking_refs": [TLP[tlp]],
    })
    if idx % 5 == 0:
        intel.append({
            "type": "relationship", "spec_version": "2.1", "id": sid("relationship", name), "created": when,
            "modified": when, "relationship_type": "indicates", "source_ref": sid("indicator", name),
            "target_ref": industroyer, "object_marking_refs": [TLP[tlp]],
        })
    if idx % 4 == 0:
        intel.append({
            "type": "sighting", "spec_version": "2.1", "id": sid("sighting", name), "created": when,
            "modified": when, "sighting_of_ref": sid("indicator", name), "count": 3 + idx,
            "first_seen": "2026-11-01T08:00:00Z", "last_seen": "2026-11-02T08:00:00Z",
            "where_sighted_refs": [sid("identity", "lake")], "object_marking_refs": [TLP["green"]],
        })
with open("crates/stixhub/demo/sample-intel.json", "w") as f:
    json.dump({"type": "bundle", "id": sid("bundle", "sample-intel"), "objects": intel}, f, indent=1)
    f.write("\n")
print(len(intel), "sample objects")
