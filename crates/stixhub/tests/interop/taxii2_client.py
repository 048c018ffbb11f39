"""Interop check: drives a running stixhub with the real taxii2-client 2.3.0.

Usage: python taxii2_client.py BASE_URL USER PASSWORD
Covers discovery, API root, collections, add_objects + status, get_objects paged with as_pages over 1,200
objects, the manifest paged, object versions, get_object with match[version], and delete; then the stix2
library's TAXII data store (TAXIICollectionSink/Source, built on taxii2-client): add, get, new version,
all_versions, query with filters. Exits non-zero
(an AssertionError or an HTTP error from the client) on any disagreement; prints one summary line on success.
"""
import json
import sys
import uuid

from requests.exceptions import HTTPError
from taxii2client.v21 import Server, as_pages

N_OBJECTS = 1200
ENVELOPE_SIZE = 300
PAGE = 100


def indicator(n, modified="2021-03-04T05:06:07.000Z", extra=None):
    obj = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": "indicator--%s" % uuid.UUID(int=(0x4000 << 64) | (0x8000 << 48) | n, version=4),
        "created": "2021-03-04T05:06:07.000Z",
        "modified": modified,
        "name": "interop %d" % n,
        "pattern": "[ipv4-addr:value = '10.%d.%d.%d']" % (n // 65536 % 256, n // 256 % 256, n % 256),
        "pattern_type": "stix",
        "valid_from": "2021-03-04T05:06:07Z",
    }
    obj.update(extra or {})
    return obj


def main():
    base, user, password = sys.argv[1:4]
    server = Server(base + "/taxii2/", user=user, password=password)
    assert server.title, "discovery has a title"
    root = server.default
    assert root is not None and root in server.api_roots, "the default API root is listed"
    assert root.title and root.max_content_length > 0
    assert any("version=2.1" in v for v in root.versions)
    collection = next(c for c in root.collections if c.alias == "default")
    assert collection.can_read and collection.can_write

    posted = [indicator(n) for n in range(N_OBJECTS)]
    for start in range(0, N_OBJECTS, ENVELOPE_SIZE):
        status = collection.add_objects({"objects": posted[start:start + ENVELOPE_SIZE]})
        assert status.status == "complete", status.status
        assert status.success_count == ENVELOPE_SIZE and status.failure_count == 0, status._raw
    again = root.get_status(status.id)
    assert again.id == status.id and again.success_count == ENVELOPE_SIZE

    bad = collection.add_objects({"objects": [indicator(99999), {"type": "indicator", "id": "indicator--nope"}]})
    assert bad.status == "complete" and bad.success_count == 1 and bad.failure_count == 1, bad._raw
    assert bad.failures[0]["id"] == "indicator--nope"

    seen, pages = [], 0
    for envelope in as_pages(collection.get_objects, per_request=PAGE):
        seen += envelope.get("objects", [])
        pages += 1
    ids = [o["id"] for o in seen]
    assert len(ids) == N_OBJECTS + 1 and len(set(ids)) == len(ids), (len(ids), len(set(ids)))
    assert pages >= N_OBJECTS // PAGE
    by_id = {o["id"]: o for o in seen}
    for original in posted[:50]:
        assert by_id[original["id"]] == original, "served objects equal what was posted"

    records, manifest_pages = [], 0
    for manifest in as_pages(collection.get_manifest, per_request=250):
        records += manifest.get("objects", [])
        manifest_pages += 1
    assert len(records) == N_OBJECTS + 1 and all(r["media_type"].startswith("application/stix+json") for r in records)
    assert all(len(r["date_added"]) == len("2021-03-04T05:06:07.000000Z") for r in records)

    target = posted[7]
    newer = indicator(7, modified="2022-01-01T00:00:00.000Z", extra={"description": "second version"})
    assert collection.add_objects({"objects": [newer]}).success_count == 1
    versions = collection.object_versions(target["id"])["versions"]
    assert versions == ["2021-03-04T05:06:07.000Z", "2022-01-01T00:00:00.000Z"], versions
    latest = collection.get_object(target["id"])["objects"]
    assert [o["modified"] for o in latest] == ["2022-01-01T00:00:00.000Z"], latest
    every = collection.get_object(target["id"], version="all")["objects"]
    assert len(every) == 2
    first = collection.get_objects(id=target["id"], version="first")["objects"]
    assert first == [target]
    typed = collection.get_objects(type="indicator", limit=5)
    assert len(typed["objects"]) == 5 and typed["more"] is True and typed.get("next")
    after = collection.get_objects(added_after=records[-2]["date_added"])
    after_ids = [o["id"] for o in after.get("objects", [])]
    assert after_ids == [records[-1]["id"], target["id"]], after_ids

    collection.delete_object(target["id"])
    try:
        collection.get_object(target["id"])
        raise AssertionError("a deleted object is gone")
    except HTTPError as err:
        assert err.response.status_code == 404, err
    remaining = sum(len(m.get("objects", [])) for m in as_pages(collection.get_manifest, per_request=500))
    assert remaining == N_OBJECTS, remaining

    stix2_data_store(collection)
    print(json.dumps({"taxii2_client_interop": "ok", "objects_pages": pages, "manifest_pages": manifest_pages}))


def stix2_data_store(collection):
    """The stix2 library's TAXII data store over the same collection (skipped if stix2 is not installed)."""
    try:
        from stix2 import Filter, Indicator, TAXIICollectionSink, TAXIICollectionSource
    except ImportError:
        return
    sink, source = TAXIICollectionSink(collection), TAXIICollectionSource(collection)
    indicator_v1 = Indicator(name="stix2 sink", pattern="[ipv4-addr:value = '198.51.100.7']", pattern_type="stix")
    sink.add(indicator_v1)
    assert source.get(indicator_v1.id).id == indicator_v1.id
    sink.add(indicator_v1.new_version(name="stix2 sink v2"))
    assert source.get(indicator_v1.id).name == "stix2 sink v2"
    assert len(source.all_versions(indicator_v1.id)) == 2
    found = source.query([Filter("type", "=", "indicator"), Filter("name", "=", "stix2 sink v2")])
    assert [o.id for o in found] == [indicator_v1.id], found


if __name__ == "__main__":
    main()
