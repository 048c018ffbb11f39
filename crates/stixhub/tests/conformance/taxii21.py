#!/usr/bin/env python3
"""Black-box TAXII 2.1 conformance checks against a running `stixhub serve` (stdlib only).

Usage:
  taxii21.py BASE_URL --admin USER:PASS --token BEARER --noaccess USER:PASS --reader USER:PASS
             --bulk-collection ID --private-collection ID [--second BASE_URL]

`--second` is another server on the same database (PostgreSQL): concurrent writers post through it while the
reader pages through BASE_URL, and writes and cursors must cross nodes.

`--reader` may read (not write) the default collection; `--noaccess` has no grants; `--bulk-collection`
is an empty collection that only admin uses (the 1,000-object paging check); `--private-collection` is a
collection nobody but admin may see.

One line per failed check (`FAIL <check>: <detail>`), then a summary line. Exit 1 when any check failed.

Decisions checked here (see the report / server docs):
- Trailing slash: every endpoint is served with and without its trailing slash (same answer, no redirect).
- `*/*`, `application/*` and a missing Accept are served as TAXII 2.1 (spec: a server MAY send 406 for
  Accept values it does not define, it need not).
- Unauthorised collection access: a caller without read rights gets the same status and body for an existing
  collection (or object) as for a missing one (no existence leak). POST with read-only rights: 403.
- Empty list pages carry no X-TAXII-Date-Added-* headers (there is no first or last date_added).
"""

import base64
import http.client
import json
import re
import sys
import threading
import urllib.parse
import uuid

TAXII = "application/taxii+json;version=2.1"
STIX = "application/stix+json;version=2.1"

CHECKS = 0
FAILURES = []
OPEN = []

# Failures of these checks are known, open server bugs (written down in the conformance README): they print
# `OPEN <check>: <detail>` and do not fail the run, so the suite stays green while they are tracked. A check
# listed here that passes prints `FIXED <check>` so the entry can be removed.
KNOWN_OPEN: set = set()


def check(cond, name, detail=""):
    global CHECKS
    CHECKS += 1
    if not cond:
        if name in KNOWN_OPEN:
            OPEN.append(name)
            print(f"OPEN {name}: {detail}", flush=True)
        else:
            FAILURES.append(f"{name}: {detail}" if detail else name)
            print(f"FAIL {name}: {detail}", flush=True)
    return bool(cond)


class Reply:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # list of (lower name, value)
        self.body = body

    def header(self, name):
        for k, v in self.headers:
            if k == name.lower():
                return v
        return None

    def header_all(self, name):
        return [v for k, v in self.headers if k == name.lower()]

    def json(self):
        try:
            return json.loads(self.body.decode("utf-8"))
        except Exception:
            return None

    def __repr__(self):
        return f"{self.status} {self.body[:300]!r}"


class Client:
    def __init__(self, base_url):
        parsed = urllib.parse.urlsplit(base_url)
        self.host = parsed.hostname
        self.port = parsed.port or 80
        self.auth = None

    def request(self, method, path, auth="default", accept=TAXII, content_type=None, body=None,
                headers=None, chunked=False, check_media=True):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
        conn.putrequest(method, path, skip_accept_encoding=True)
        if accept is not None:
            conn.putheader("Accept", accept)
        a = self.auth if auth == "default" else auth
        if a is not None:
            conn.putheader("Authorization", a)
        if content_type is not None:
            conn.putheader("Content-Type", content_type)
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        if isinstance(body, str):
            body = body.encode("utf-8")
        if chunked:
            conn.putheader("Transfer-Encoding", "chunked")
            conn.endheaders()
            step = 65536
            for i in range(0, len(body), step):
                part = body[i:i + step]
                try:
                    conn.send(b"%x\r\n" % len(part) + part + b"\r\n")
                except OSError:
                    break
            try:
                conn.send(b"0\r\n\r\n")
            except OSError:
                pass
        else:
            if body is not None or method in ("POST", "PUT"):
                conn.putheader("Content-Length", str(len(body or b"")))
            conn.endheaders()
            if body:
                try:
                    conn.send(body)
                except OSError:
                    pass
        resp = conn.getresponse()
        data = resp.read()
        reply = Reply(resp.status, [(k.lower(), v) for k, v in resp.getheaders()], data)
        conn.close()
        if check_media:
            ct = reply.header("content-type")
            check(ct == TAXII, "media-type on every response",
                  f"{method} {path} -> {reply.status} Content-Type {ct!r}")
            if reply.status >= 400:
                err = reply.json()
                check(isinstance(err, dict) and isinstance(err.get("title"), str) and err.get("title"),
                      "error body has a title", f"{method} {path} -> {reply!r}")
                check(isinstance(err, dict) and err.get("http_status") == str(reply.status),
                      "error http_status is the status as a string", f"{method} {path} -> {reply!r}")
        return reply


def basic(userpass):
    return "Basic " + base64.b64encode(userpass.encode()).decode()


def q(params):
    """A query string from a list of (name, value) pairs (brackets kept readable, commas kept)."""
    if not params:
        return ""
    return "?" + "&".join(f"{urllib.parse.quote(k, safe='[]')}={urllib.parse.quote(str(v), safe=',:')}"
                          for k, v in params)


def now_ts(i=0, base="2026-01-01T00:00:00"):
    return f"{base}.{i:03d}Z"


def indicator(oid=None, modified="2026-01-01T00:00:00.000Z", created="2026-01-01T00:00:00.000Z", **extra):
    obj = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": oid or f"indicator--{uuid.uuid4()}",
        "created": created,
        "modified": modified,
        "name": "conformance",
        "pattern": "[ipv4-addr:value = '198.51.100.1']",
        "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z",
    }
    obj.update(extra)
    return obj


def malware(oid=None):
    return {
        "type": "malware",
        "spec_version": "2.1",
        "id": oid or f"malware--{uuid.uuid4()}",
        "created": "2026-01-02T00:00:00.000Z",
        "modified": "2026-01-02T00:00:00.000Z",
        "name": "conformance-malware",
        "is_family": True,
    }


def parse_ts_micros(text):
    """RFC 3339 UTC timestamp -> (seconds string, microseconds int) comparable tuple, or None."""
    m = re.fullmatch(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z", text or "")
    if not m:
        return None
    frac = (m.group(2) or "").ljust(6, "0")[:6]
    return (m.group(1), int(frac))


SIX_DIGITS = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")


class Suite:
    def __init__(self, args):
        self.c = Client(args["base"])
        self.admin = basic(args["admin"])
        self.c.auth = self.admin
        self.token = "Bearer " + args["token"]
        self.noaccess = basic(args["noaccess"])
        self.reader = basic(args["reader"])
        self.bulk = args["bulk"]
        self.private = args["private"]
        self.root = None
        self.coll = None
        # A second server on the same database (PostgreSQL, several nodes): writers post there while the
        # reader pages here.
        self.writer = Client(args["second"]) if args.get("second") else self.c
        self.writer.auth = self.admin

    # ---------- helpers ----------
    def cpath(self, coll=None):
        return f"{self.root}collections/{coll or self.coll}/"

    def post(self, objects, coll=None, auth="default", raw=None):
        body = raw if raw is not None else json.dumps({"objects": objects})
        return self.c.request("POST", self.cpath(coll) + "objects/", auth=auth, content_type=TAXII, body=body)

    def get_list(self, kind, params=(), coll=None, oid=None, auth="default", accept=TAXII):
        base = self.cpath(coll)
        if kind == "manifest":
            path = base + "manifest/"
        elif kind == "objects":
            path = base + "objects/"
        elif kind == "object":
            path = base + f"objects/{oid}/"
        else:
            path = base + f"objects/{oid}/versions/"
        r = self.c.request("GET", path + q(list(params)), auth=auth, accept=accept)
        if r.status == 200:
            self.check_list_page(kind, path + q(list(params)), r)
        return r

    def check_list_page(self, kind, path, r):
        body = r.json()
        if not check(isinstance(body, dict), "list body is a JSON object", f"{path}: {r!r}"):
            return
        key = {"manifest": "objects", "objects": "objects", "object": "objects", "versions": "versions"}[kind]
        items = body.get(key)
        if items is None:
            check(body == {} or set(body) <= {"more"} and body.get("more") is False,
                  "empty result is {}", f"{path}: {body}")
            check(body == {}, "empty result is exactly {}", f"{path}: {body}")
            return
        check(isinstance(items, list) and len(items) > 0, "lists are never empty (omit the key)", f"{path}: {body}")
        if body.get("more") is True:
            check(isinstance(body.get("next"), str) and body.get("next"), "more:true comes with next",
                  f"{path}: more true but next {body.get('next')!r}")
        first, last = r.header("X-TAXII-Date-Added-First"), r.header("X-TAXII-Date-Added-Last")
        check(first is not None and last is not None, "X-TAXII-Date-Added-First/Last on non-empty list page",
              f"{path}: first={first!r} last={last!r}")
        for h in (first, last):
            if h is not None:
                check(SIX_DIGITS.fullmatch(h), "date headers have exactly 6 fraction digits", f"{path}: {h!r}")
        if kind == "manifest" and isinstance(items, list) and items:
            check(first == items[0].get("date_added") and last == items[-1].get("date_added"),
                  "date headers equal the page's first/last date_added",
                  f"{path}: headers {first}/{last}, page {items[0].get('date_added')}/{items[-1].get('date_added')}")
            dates = [i.get("date_added") for i in items]
            for d in dates:
                check(SIX_DIGITS.fullmatch(d or ""), "manifest date_added has exactly 6 fraction digits", f"{d!r}")
            parsed = [parse_ts_micros(d) for d in dates]
            check(all(p is not None for p in parsed) and all(parsed[i] <= parsed[i + 1] for i in range(len(parsed) - 1)),
                  "manifest ascends by date_added", f"{path}: {dates[:5]}...")
            for i in items:
                check(all(k in i for k in ("id", "date_added", "version")), "manifest record has id/date_added/version",
                      f"{i}")

    def manifest_all(self, params=(), coll=None, limit=None):
        """All manifest records following `next`; returns list or None."""
        out = []
        params = list(params)
        if limit:
            params.append(("limit", limit))
        nxt = None
        for _ in range(10000):
            p = params + ([("next", nxt)] if nxt else [])
            r = self.get_list("manifest", p, coll=coll)
            if r.status != 200:
                return None
            body = r.json() or {}
            out.extend(body.get("objects", []))
            if body.get("more") and body.get("next"):
                nxt = body["next"]
            else:
                return out
        return out

    # ---------- checks ----------
    def discovery(self):
        for path in ("/taxii2/", "/taxii2"):
            r = self.c.request("GET", path)
            check(r.status == 200, "discovery 200 (with and without trailing slash)", f"{path}: {r!r}")
        r = self.c.request("GET", "/taxii2/")
        d = r.json() or {}
        check(isinstance(d.get("title"), str) and d["title"], "discovery title", f"{d}")
        roots = d.get("api_roots") or []
        check(isinstance(roots, list) and roots, "discovery api_roots non-empty list", f"{d}")
        check(d.get("default") in roots, "discovery default is in api_roots", f"{d}")
        for u in roots + ([d["default"]] if "default" in d else []):
            ok = (u.startswith("https://") or (u.startswith("/") and not u.startswith("//"))) and "?" not in u
            check(ok, "api_roots are https absolute or relative with a single /", f"{u!r}")
            check(u.endswith("/"), "api root URLs end in /", f"{u!r}")
        default = d.get("default") or (roots[0] if roots else "/")
        self.root = urllib.parse.urlsplit(default).path if default.startswith("https://") else default
        if not self.root.endswith("/"):
            self.root += "/"

    def api_root(self):
        r = self.c.request("GET", self.root)
        check(r.status == 200, "api-root 200", f"{r!r}")
        a = r.json() or {}
        check(isinstance(a.get("title"), str) and a["title"], "api-root title", f"{a}")
        check(TAXII in (a.get("versions") or []), "api-root versions includes the 2.1 media type", f"{a}")
        mcl = a.get("max_content_length")
        check(isinstance(mcl, int) and not isinstance(mcl, bool) and mcl > 0, "api-root max_content_length > 0", f"{a}")
        self.max_content_length = mcl if isinstance(mcl, int) else 10 * 1024 * 1024
        r = self.c.request("GET", self.root.rstrip("/"))
        check(r.status == 200 and r.json() == a, "api-root served without trailing slash", f"{r!r}")
        r = self.c.request("GET", "/no-such-root-xyz/")
        check(r.status == 404, "unknown api root 404", f"{r!r}")
        r = self.c.request("GET", "/no-such-root-xyz/collections/")
        check(r.status == 404, "unknown api root collections 404", f"{r!r}")

    def collections(self):
        r = self.c.request("GET", self.root + "collections/")
        check(r.status == 200, "collections 200", f"{r!r}")
        body = r.json() or {}
        cols = body.get("collections")
        check(isinstance(cols, list) and cols, "collections list for admin", f"{body}")
        cols = cols or []
        default = [c for c in cols if c.get("alias") == "default"]
        check(len(default) == 1, "collection with alias default", f"{cols}")
        self.coll_id = default[0]["id"] if default else "default"
        self.coll = "default"
        for c in cols:
            for k in ("id", "title", "can_read", "can_write"):
                check(k in c, f"collection has {k}", f"{c}")
            check(isinstance(c.get("can_read"), bool) and isinstance(c.get("can_write"), bool),
                  "can_read/can_write are booleans", f"{c}")
            try:
                check(uuid.UUID(c.get("id", "")).version == 4, "collection id is a UUIDv4", f"{c.get('id')}")
            except Exception:
                check(False, "collection id is a UUIDv4", f"{c.get('id')}")
            mt = c.get("media_types")
            check(mt is None or (isinstance(mt, list) and mt), "media_types absent or a non-empty list", f"{c}")
            if mt:
                check(any(m.startswith("application/stix+json") for m in mt), "media_types lists STIX", f"{mt}")
        if default:
            check(default[0].get("can_read") is True and default[0].get("can_write") is True,
                  "admin can read and write default", f"{default[0]}")
        r2 = self.c.request("GET", self.root + "collections/")
        check(r2.body == r.body, "collections order is stable", "two GETs differ")
        r3 = self.c.request("GET", self.root + "collections")
        check(r3.status == 200 and r3.json() == body, "collections served without trailing slash", f"{r3!r}")
        # by id and by alias
        if default:
            a = self.c.request("GET", self.root + f"collections/{self.coll_id}/")
            b = self.c.request("GET", self.root + "collections/default/")
            check(a.status == 200 and a.json() == default[0], "collection by id equals its list entry", f"{a!r}")
            check(b.status == 200 and b.json() == default[0], "collection by alias equals its list entry", f"{b!r}")
        r = self.c.request("GET", self.root + f"collections/{uuid.uuid4()}/")
        check(r.status == 404, "unknown collection 404", f"{r!r}")
        r = self.c.request("GET", self.root + f"collections/{uuid.uuid4()}/objects/")
        check(r.status == 404, "unknown collection objects 404", f"{r!r}")
        # per account rights
        r = self.c.request("GET", self.root + "collections/", auth=self.reader)
        rc = (r.json() or {}).get("collections") or []
        rd = [c for c in rc if c.get("alias") == "default"]
        check(r.status == 200 and len(rd) == 1 and rd[0].get("can_read") is True and rd[0].get("can_write") is False,
              "reader sees default with can_read true, can_write false", f"{r!r}")
        check(all(c.get("id") != self.private for c in rc), "reader does not see the private collection", f"{rc}")
        r = self.c.request("GET", self.root + "collections/", auth=self.noaccess)
        check(r.status == 200, "collections 200 for an account without grants", f"{r!r}")
        nb = r.json() or {}
        visible = [c for c in nb.get("collections", []) if c.get("can_read") or c.get("can_write")]
        check(not visible, "account without grants sees no readable/writable collection", f"{nb}")
        check(all(c.get("id") != self.private for c in nb.get("collections", [])),
              "account without grants does not see the private collection", f"{nb}")
        if not nb.get("collections"):
            check(nb == {}, "no collections is {}", f"{nb}")

    def media(self):
        objs = self.cpath() + "objects/"
        for accept, want, name in [
            ("application/taxii+json;version=2.0", 406, "Accept version=2.0 -> 406"),
            ("text/html", 406, "Accept text/html -> 406"),
            ("application/json", 406, "Accept application/json -> 406"),
            ("application/taxii+json", 200, "Accept without version accepted"),
            ("application/taxii+json ; version=2.1", 200, "Accept with spaces around ; accepted"),
            ("application/taxii+json; version=2.1", 200, "Accept with space after ; accepted"),
            ("text/html, application/taxii+json;version=2.1", 200, "Accept comma list accepted"),
            ("application/taxii+json;version=2.0,application/taxii+json;version=2.1", 200,
             "Accept list with 2.0 and 2.1 accepted"),
            ("*/*", 200, "Accept */* served as TAXII 2.1 (decision)"),
            (None, 200, "missing Accept served as TAXII 2.1 (decision)"),
            ("application/stix+json;version=2.1", 406, "objects endpoint Accept STIX only -> 406"),
            ("Application/TAXII+JSON;Version=2.1", 200, "Accept media type is case-insensitive"),
            ('application/taxii+json;version="2.1"', 200, "Accept with a quoted version accepted"),
            ("application/taxii+json;q=0.5;version=2.1", 200, "Accept with q before version accepted"),
            ("application/taxii+json;version=2.1;q=0, text/html", 406, "Accept with TAXII at q=0 -> 406"),
            ("text/html;q=0.9, application/taxii+json;version=2.1;q=0.8", 200, "Accept with q-values accepted"),
        ]:
            r = self.c.request("GET", objs, accept=accept)
            check(r.status == want, name, f"Accept {accept!r} -> {r!r}")
        for path in ("/taxii2/", self.root, self.root + "collections/", self.cpath()):
            r = self.c.request("GET", path, accept="application/taxii+json;version=2.0")
            check(r.status == 406, "406 for version=2.0 on every endpoint", f"{path}: {r!r}")
        r = self.c.request("GET", self.cpath() + "manifest/", accept=f"{TAXII},{STIX}")
        check(r.status == 200, "manifest with the spec's Accept list 200", f"{r!r}")
        r = self.c.request("GET", self.cpath() + "manifest/", accept=STIX)
        check(r.status == 200, "manifest with Accept STIX 200", f"{r!r}")
        r = self.c.request("GET", objs, content_type="text/plain")
        check(r.status == 200, "GET carrying a Content-Type is not 415", f"{r!r}")
        r = self.c.request("GET", objs, content_type="application/x-www-form-urlencoded")
        check(r.status == 200, "GET carrying a form Content-Type is not 415", f"{r!r}")
        body = json.dumps({"objects": [indicator()]})
        for ct in ("text/plain", "application/json", "application/taxii+json;version=2.0", "application/stix+json;version=2.1"):
            r = self.c.request("POST", objs, content_type=ct, body=body)
            check(r.status == 415, "POST with a wrong Content-Type -> 415", f"{ct!r}: {r!r}")
        r = self.c.request("POST", objs, body=body)
        check(r.status == 415, "POST without Content-Type -> 415", f"{r!r}")
        for ct in ("application/taxii+json", "application/taxii+json; version=2.1", "application/taxii+json;version=2.1; charset=utf-8"):
            r = self.c.request("POST", objs, content_type=ct, body=json.dumps({"objects": [indicator()]}))
            check(r.status == 202, "POST Content-Type variants of TAXII 2.1 accepted", f"{ct!r}: {r!r}")

    def auth(self):
        objs = self.cpath() + "objects/"
        for path in ("/taxii2/", self.root, self.root + "collections/", self.cpath(), objs, self.cpath() + "manifest/"):
            r = self.c.request("GET", path, auth=None)
            check(r.status == 401, "no credentials -> 401", f"{path}: {r!r}")
            check(r.status != 401 or r.header_all("www-authenticate"), "401 carries WWW-Authenticate", f"{path}")
        r = self.c.request("GET", objs, auth=basic("admin:definitely-wrong"))
        check(r.status == 401 and r.header_all("www-authenticate"), "wrong password -> 401 + WWW-Authenticate", f"{r!r}")
        r = self.c.request("GET", objs, auth=basic("no-such-user-xyz:pw"))
        check(r.status == 401, "unknown user -> 401", f"{r!r}")
        r = self.c.request("GET", objs, auth="Basic !!!notbase64")
        check(r.status == 401, "malformed Basic -> 401", f"{r!r}")
        r = self.c.request("GET", objs, auth=self.token)
        check(r.status == 200, "Bearer token accepted", f"{r!r}")
        r = self.c.request("GET", objs, auth="Bearer not-a-real-token")
        check(r.status == 401, "wrong Bearer token -> 401", f"{r!r}")
        r = self.c.request("POST", objs, auth=None, content_type=TAXII, body=json.dumps({"objects": [indicator()]}))
        check(r.status == 401, "POST without credentials -> 401", f"{r!r}")
        r = self.c.request("POST", objs, auth=self.token, content_type=TAXII, body=json.dumps({"objects": [indicator()]}))
        check(r.status == 202, "POST with Bearer token -> 202", f"{r!r}")

    def rights(self):
        # an object that exists in default and in private
        existing = indicator()
        r = self.post([existing])
        check(r.status == 202, "POST for rights checks", f"{r!r}")
        r = self.post([existing], coll=self.private)
        check(r.status == 202, "POST to private collection by admin", f"{r!r}")
        oid = existing["id"]
        missing_coll = str(uuid.uuid4())
        missing_obj = f"indicator--{uuid.uuid4()}"

        def same(a, b, name):
            check((a.status, a.body) == (b.status, b.body), name,
                  f"existing -> {a!r} vs missing -> {b!r}")
            check(a.status in (403, 404), name + " (403 or 404)", f"{a!r}")

        for who, auth in (("no-grant account", self.noaccess), ("reader", self.reader)):
            for suffix in ("", "objects/", "manifest/", f"objects/{oid}/", f"objects/{oid}/versions/"):
                a = self.c.request("GET", self.root + f"collections/{self.private}/{suffix}", auth=auth)
                b = self.c.request("GET", self.root + f"collections/{missing_coll}/{suffix}", auth=auth)
                same(a, b, f"{who}: unreadable existing collection answers like a missing one [{suffix or 'collection'}]")
            a = self.c.request("POST", self.root + f"collections/{self.private}/objects/", auth=auth,
                               content_type=TAXII, body=json.dumps({"objects": [indicator()]}))
            b = self.c.request("POST", self.root + f"collections/{missing_coll}/objects/", auth=auth,
                               content_type=TAXII, body=json.dumps({"objects": [indicator()]}))
            same(a, b, f"{who}: POST to invisible collection answers like a missing one")
            a = self.c.request("DELETE", self.root + f"collections/{self.private}/objects/{oid}/", auth=auth)
            check(a.status == 404, f"{who}: DELETE without read and write -> 404", f"{a!r}")
        # no-grant account on default (alias known to all)
        for suffix in ("objects/", "manifest/", f"objects/{oid}/"):
            a = self.c.request("GET", self.cpath() + suffix, auth=self.noaccess)
            check(a.status in (403, 404), "no-grant account cannot read default", f"{suffix}: {a!r}")
        a = self.c.request("GET", self.cpath() + f"objects/{oid}/", auth=self.noaccess)
        b = self.c.request("GET", self.cpath() + f"objects/{missing_obj}/", auth=self.noaccess)
        check((a.status, a.body) == (b.status, b.body), "no-grant: existing object answers like a missing one",
              f"{a!r} vs {b!r}")
        # reader on default
        r = self.c.request("GET", self.cpath() + f"objects/{oid}/", auth=self.reader)
        check(r.status == 200, "reader reads default", f"{r!r}")
        r = self.c.request("POST", self.cpath() + "objects/", auth=self.reader, content_type=TAXII,
                           body=json.dumps({"objects": [indicator()]}))
        check(r.status in (403, 404), "reader POST -> 403 or 404", f"{r!r}")
        check(r.status == 403, "reader POST -> 403 (it can see the collection)", f"{r!r}")
        r = self.c.request("DELETE", self.cpath() + f"objects/{oid}/", auth=self.reader)
        check(r.status == 403, "reader DELETE (read=T, write=F) -> 403", f"{r!r}")
        r = self.c.request("GET", self.cpath() + f"objects/{oid}/", auth=self.reader)
        check(r.status == 200, "object still there after refused DELETE", f"{r!r}")

    def post_and_status(self):
        objs = [indicator(), indicator(), malware()]
        r = self.post(objs)
        check(r.status == 202, "POST -> 202", f"{r!r}")
        st = r.json() or {}
        self.check_status(st, 3, 3, 0, "valid POST")
        sid = st.get("id")
        if sid:
            g = self.c.request("GET", self.root + f"status/{sid}/")
            check(g.status == 200, "status GET 200", f"{g!r}")
            gs = g.json() or {}
            check(gs.get("id") == sid and gs.get("total_count") == 3, "status GET matches the POST answer", f"{gs}")
            g = self.c.request("GET", self.root + f"status/{sid}")
            check(g.status == 200, "status GET without trailing slash 200", f"{g!r}")
            g = self.c.request("GET", self.root + f"status/{sid}/", auth=self.noaccess)
            check(g.status in (403, 404), "status of another account's request is not served", f"{g!r}")
        g = self.c.request("GET", self.root + f"status/{uuid.uuid4()}/")
        check(g.status == 404, "unknown status 404", f"{g!r}")
        g = self.c.request("GET", self.root + "status/not-a-uuid/")
        check(g.status in (400, 404), "malformed status id 400/404", f"{g!r}")
        for o in objs:
            g = self.c.request("GET", self.cpath() + f"objects/{o['id']}/")
            check(g.status == 200 and (g.json() or {}).get("objects", [{}])[0].get("id") == o["id"],
                  "posted object readable", f"{g!r}")
        # serve what was posted (no added defaults)
        g = self.c.request("GET", self.cpath() + f"objects/{objs[0]['id']}/")
        got = ((g.json() or {}).get("objects") or [None])[0]
        check(got == objs[0], "object served exactly as posted (no added defaults)", f"{got} vs {objs[0]}")
        # invalid objects
        bad = indicator()
        del bad["pattern"]
        r = self.post([bad])
        st = r.json() or {}
        check(r.status in (202, 422), "invalid object -> 202 with failure (or 422)", f"{r!r}")
        if r.status == 202:
            self.check_status(st, 1, 0, 1, "invalid POST")
        g = self.c.request("GET", self.cpath() + f"objects/{bad['id']}/")
        check(g.status == 404, "invalid object not stored", f"{g!r}")
        # mixed
        good1, good2, bad2 = indicator(), malware(), indicator()
        bad2["pattern"] = "[this is not a pattern"
        r = self.post([good1, bad2, good2])
        check(r.status == 202, "mixed envelope -> 202", f"{r!r}")
        self.check_status(r.json() or {}, 3, 2, 1, "mixed POST")
        fails = (r.json() or {}).get("failures") or []
        check([f.get("id") for f in fails] == [bad2["id"]], "mixed envelope: the failure names the invalid id", f"{fails}")
        g = self.c.request("GET", self.cpath() + f"objects/{bad2['id']}/")
        check(g.status == 404, "mixed envelope: invalid object not stored", f"{g!r}")
        g = self.c.request("GET", self.cpath() + f"objects/{good2['id']}/")
        check(g.status == 200, "mixed envelope: valid object stored", f"{g!r}")
        # duplicate
        r = self.post([good1])
        check(r.status == 202, "duplicate POST -> 202", f"{r!r}")
        self.check_status(r.json() or {}, 1, 1, 0, "duplicate POST")
        m = self.get_list("manifest", [("match[id]", good1["id"]), ("match[version]", "all")])
        check(len((m.json() or {}).get("objects", [])) == 1, "duplicate POST stores nothing new", f"{m!r}")
        # unprocessable bodies
        for raw, name in [("this is not json", "not JSON"), ("[]", "a JSON array"), ('{"objects": "x"}', "objects not a list"),
                          ('"just a string"', "a JSON string"), ('{"type":"bundle","id":"bundle--' + str(uuid.uuid4()) + '"', "truncated JSON")]:
            r = self.post(None, raw=raw)
            check(r.status in (400, 422), f"unprocessable body ({name}) -> 422", f"{r!r}")
            check(r.status == 422, f"unprocessable body ({name}) is 422 not 400", f"{r!r}")
        v20 = indicator()
        v20["spec_version"] = "2.0"
        r = self.post([v20])
        check(r.status == 422 or (r.status == 202 and (r.json() or {}).get("failure_count") == 1),
              "wrong spec_version -> 422 or a failure", f"{r!r}")
        g = self.c.request("GET", self.cpath() + f"objects/{v20['id']}/")
        check(g.status == 404, "wrong spec_version object not stored", f"{g!r}")
        # valid STIX a hub must take: a custom object, a custom property, a non-STIX pattern, dangling refs
        ts = "2026-01-01T00:00:00.000Z"
        kinds = [
            ("custom object type", {"type": "x-conformance-widget", "spec_version": "2.1",
                                    "id": f"x-conformance-widget--{uuid.uuid4()}", "created": ts, "modified": ts, "name": "w"}),
            ("custom property", {"type": "identity", "spec_version": "2.1", "id": f"identity--{uuid.uuid4()}",
                                 "created": ts, "modified": ts, "name": "i", "identity_class": "organization",
                                 "x_conformance_prop": {"a": [1, 2]}}),
            ("YARA indicator", indicator(pattern="rule x { condition: true }", pattern_type="yara")),
            ("report with a dangling ref", {"type": "report", "spec_version": "2.1", "id": f"report--{uuid.uuid4()}",
                                            "created": ts, "modified": ts, "name": "r", "published": ts,
                                            "object_refs": [f"indicator--{uuid.uuid4()}"]}),
        ]
        for name, obj in kinds:
            r = self.post([obj])
            check((r.json() or {}).get("success_count") == 1, f"valid STIX accepted: {name}", f"{r!r}")
            g = self.get_list("object", [], oid=obj["id"])
            check((g.json() or {}).get("objects") == [obj], f"valid STIX served as posted: {name}", f"{g!r}")
        # garbage entries inside a well-formed envelope: failures that still name an id and a version
        r = self.post(None, raw='{"objects": [{"foo": 1}, 5, "text", null, {"type": "indicator"}]}')
        check(r.status in (202, 422), "garbage entries in an envelope -> 202 with failures (or 422)", f"{r!r}")
        if r.status == 202:
            self.check_status(r.json() or {}, 5, 0, 5, "garbage entries")
        r = self.c.request("POST", self.cpath() + "objects/", accept="text/html", content_type=TAXII,
                           body=json.dumps({"objects": [indicator()]}))
        check(r.status == 406, "POST with Accept text/html -> 406", f"{r!r}")
        byid = indicator()
        r = self.post([byid], coll=self.coll_id)
        g = self.c.request("GET", self.cpath("default") + f"objects/{byid['id']}/")
        check(r.status == 202 and g.status == 200, "POST by collection id, GET by alias", f"{r!r} / {g!r}")
        # empty envelope
        r = self.post(None, raw="{}")
        check(r.status in (202, 422), "empty envelope -> 202 (0 objects) or 422", f"{r!r}")
        if r.status == 202:
            self.check_status(r.json() or {}, 0, 0, 0, "empty envelope")

    def check_status(self, st, total, succ, fail, name):
        check(isinstance(st.get("id"), str), f"{name}: status id", f"{st}")
        try:
            check(uuid.UUID(st.get("id", "")).version == 4, f"{name}: status id is UUIDv4", st.get("id"))
        except Exception:
            check(False, f"{name}: status id is UUIDv4", f"{st.get('id')}")
        check(st.get("status") in ("complete", "pending"), f"{name}: status complete|pending", f"{st}")
        check(st.get("total_count") == total, f"{name}: total_count", f"{st}")
        check(st.get("success_count") == succ, f"{name}: success_count", f"{st}")
        check(st.get("failure_count") == fail, f"{name}: failure_count", f"{st}")
        check(st.get("pending_count") == 0 or st.get("status") == "pending", f"{name}: pending_count", f"{st}")
        for key, count in (("successes", "success_count"), ("failures", "failure_count"), ("pendings", "pending_count")):
            lst = st.get(key)
            n = st.get(count) or 0
            check((lst is None and n == 0) or (isinstance(lst, list) and len(lst) == n and n > 0),
                  f"{name}: {count} equals len({key}) and empty lists omitted", f"{st}")
            for d in lst or []:
                check(isinstance(d.get("id"), str) and isinstance(d.get("version"), str),
                      f"{name}: every {key} detail has id and version", f"{d}")

    def versions_and_filters(self):
        oid = f"indicator--{uuid.uuid4()}"
        v = ["2026-02-01T00:00:00.000Z", "2026-02-02T00:00:00.000Z", "2026-02-03T00:00:00.123Z"]
        for m in v:  # in order, separate POSTs so date_added ascends with version
            r = self.post([indicator(oid, modified=m, created=v[0])])
            check(r.status == 202 and (r.json() or {}).get("success_count") == 1, "post a version", f"{r!r}")
        mid = malware()
        self.post([mid])

        def versions_of(params, kind="object"):
            r = self.get_list(kind, params, oid=oid)
            if r.status != 200:
                return r.status
            return [o.get("modified") for o in (r.json() or {}).get("objects", [])]

        check(versions_of([]) == [v[2]], "match[version] defaults to last", f"{versions_of([])}")
        check(versions_of([("match[version]", "last")]) == [v[2]], "match[version]=last", "")
        check(versions_of([("match[version]", "first")]) == [v[0]], "match[version]=first", f"{versions_of([('match[version]', 'first')])}")
        check(versions_of([("match[version]", "all")]) == v, "match[version]=all (ascending)", f"{versions_of([('match[version]', 'all')])}")
        check(versions_of([("match[version]", v[1])]) == [v[1]], "match[version]=exact", "")
        check(versions_of([("match[version]", "2026-02-02T00:00:00Z")]) == [v[1]],
              "match[version] exact: .000Z equals Z (versions are instants)", f"{versions_of([('match[version]', '2026-02-02T00:00:00Z')])}")
        check(versions_of([("match[version]", "2026-02-03T00:00:00.123000Z")]) == [v[2]],
              "match[version] exact: .123000Z equals .123Z", "")
        got = versions_of([("match[version]", "first,last")])
        check(got == [v[0], v[2]], "match[version]=first,last ORed", f"{got}")
        got = versions_of([("match[version]", f"{v[0]},{v[1]}")])
        check(got == [v[0], v[1]], "match[version]=exact,exact ORed", f"{got}")
        check(versions_of([("match[version]", "all,first")]) == 400, "match[version]=all,first -> 400 (all alone)", "")
        check(versions_of([("match[version]", "bogus")]) == 400, "match[version]=bogus -> 400", "")
        check(versions_of([("match[version]", "2026-05-05T00:00:00Z")]) in ([], 404),
              "match[version] exact with no match -> empty or 404", "")
        check(versions_of([("match[version]", "first"), ("match[version]", "last")]) == 400,
              "repeated match[version] -> 400", "")
        check(versions_of([("match[spec_version]", "2.1")]) == [v[2]], "object match[spec_version]=2.1", "")
        got = versions_of([("match[spec_version]", "2.0")])
        check(got in ([], 404), "object match[spec_version]=2.0 -> empty or 404", f"{got}")
        # versions endpoint
        r = self.get_list("versions", [], oid=oid)
        check(r.status == 200 and (r.json() or {}).get("versions") == v, "versions lists every version ascending", f"{r!r}")
        r = self.get_list("versions", [("limit", "2")], oid=oid)
        b = r.json() or {}
        check(r.status == 200 and b.get("versions") == v[:2] and b.get("more") is True, "versions limit=2 -> 2 and more", f"{r!r}")
        if b.get("next"):
            r2 = self.get_list("versions", [("limit", "2"), ("next", b["next"])], oid=oid)
            check((r2.json() or {}).get("versions") == v[2:] and (r2.json() or {}).get("more") is False,
                  "versions next page", f"{r2!r}")
        r = self.c.request("GET", self.cpath() + f"objects/{oid}/versions/", accept="text/html")
        check(r.status == 406, "versions 406 for text/html", f"{r!r}")
        r = self.c.request("GET", self.cpath() + f"objects/indicator--{uuid.uuid4()}/versions/")
        check(r.status == 404, "versions of unknown object 404", f"{r!r}")
        r = self.c.request("GET", self.cpath() + f"objects/indicator--{uuid.uuid4()}/")
        check(r.status == 404, "unknown object 404", f"{r!r}")
        # manifest lists versions
        m = self.get_list("manifest", [("match[id]", oid), ("match[version]", "all")])
        recs = (m.json() or {}).get("objects", [])
        check([x.get("version") for x in recs] == v, "manifest lists one record per version", f"{recs}")
        check(all(x.get("media_type") in (STIX, None) for x in recs), "manifest media_type is STIX 2.1", f"{recs}")
        m = self.get_list("manifest", [("match[id]", oid)])
        check([x.get("version") for x in (m.json() or {}).get("objects", [])] == [v[2]], "manifest default is last version", f"{m!r}")
        # objects endpoint filters
        r = self.get_list("objects", [("match[id]", f"{oid},{mid['id']}")])
        got = sorted(o["id"] for o in (r.json() or {}).get("objects", []))
        check(got == sorted([oid, mid["id"]]), "match[id] comma list ORed", f"{got}")
        r = self.get_list("objects", [("match[id]", f"{oid},{mid['id']}"), ("match[type]", "malware")])
        got = [o["id"] for o in (r.json() or {}).get("objects", [])]
        check(got == [mid["id"]], "different match fields ANDed", f"{got}")
        r = self.get_list("objects", [("match[id]", oid), ("match[type]", "malware")])
        check(r.status == 200 and r.json() == {}, "AND with no match -> {}", f"{r!r}")
        r = self.get_list("objects", [("match[id]", f"{oid},{mid['id']}"), ("match[type]", "indicator,malware")])
        check(len((r.json() or {}).get("objects", [])) == 2, "match[type] comma list ORed", f"{r!r}")
        r = self.get_list("objects", [("match[type]", "indicator"), ("match[type]", "malware")])
        check(r.status == 400, "repeated match[type] -> 400", f"{r!r}")
        r = self.get_list("objects", [("match[id]", oid), ("match[id]", oid)])
        check(r.status == 400, "repeated match[id] -> 400", f"{r!r}")
        r = self.get_list("objects", [("match[type]", "x-custom-type")])
        check(r.status == 200, "match[type] of an unseen type is not an error", f"{r!r}")
        r = self.get_list("objects", [("match[type]", "grouping")])
        check(r.status == 200, "match[type] of a STIX 2.1 type never an error", f"{r!r}")
        r = self.get_list("objects", [("match[id]", oid), ("match[version]", "all")])
        check([o.get("modified") for o in (r.json() or {}).get("objects", [])] == v, "objects match[version]=all", f"{r!r}")
        r = self.get_list("objects", [("match[id]", oid), ("match[version]", v[0])])
        check([o.get("modified") for o in (r.json() or {}).get("objects", [])] == [v[0]], "objects match[version]=exact", f"{r!r}")
        r = self.get_list("objects", [("match[id]", oid), ("match[spec_version]", "2.1")])
        check(len((r.json() or {}).get("objects", [])) == 1, "objects match[spec_version]=2.1", f"{r!r}")
        r = self.get_list("objects", [("match[id]", oid), ("match[spec_version]", "2.0")])
        check(r.status == 200 and r.json() == {}, "objects match[spec_version]=2.0 -> {}", f"{r!r}")
        r = self.get_list("manifest", [("match[id]", oid), ("match[spec_version]", "2.0,2.1"), ("match[version]", "all")])
        check(len((r.json() or {}).get("objects", [])) == 3, "match[spec_version] comma list", f"{r!r}")
        r = self.get_list("objects", [("match[unknown]", "x"), ("match[id]", oid)])
        check(r.status in (200, 400), "unknown match field ignored (or 400)", f"{r!r}")
        # revoked is final
        rid = f"indicator--{uuid.uuid4()}"
        self.post([indicator(rid, modified="2026-03-01T00:00:00.000Z", created="2026-03-01T00:00:00.000Z")])
        r = self.post([indicator(rid, modified="2026-03-02T00:00:00.000Z", created="2026-03-01T00:00:00.000Z", revoked=True)])
        check((r.json() or {}).get("success_count") == 1, "revoking version accepted", f"{r!r}")
        r = self.post([indicator(rid, modified="2026-03-03T00:00:00.000Z", created="2026-03-01T00:00:00.000Z")])
        check((r.json() or {}).get("failure_count") == 1, "version after revoked is a failure", f"{r!r}")
        g = self.get_list("versions", [], oid=rid)
        check((g.json() or {}).get("versions") == ["2026-03-01T00:00:00.000Z", "2026-03-02T00:00:00.000Z"],
              "revoked is final: nothing stored after it", f"{g!r}")
        # older version posted later is stored and listed by version order
        # delete
        did = f"indicator--{uuid.uuid4()}"
        dv = ["2026-04-01T00:00:00.000Z", "2026-04-02T00:00:00.000Z", "2026-04-03T00:00:00.000Z"]
        for m_ in dv:
            self.post([indicator(did, modified=m_, created=dv[0])])
        r = self.c.request("DELETE", self.cpath() + f"objects/{did}/" + q([("match[version]", "first")]))
        check(r.status == 200, "DELETE match[version]=first -> 200", f"{r!r}")
        g = self.get_list("versions", [], oid=did)
        check((g.json() or {}).get("versions") == dv[1:], "DELETE match[version]=first removes only the first", f"{g!r}")
        r = self.c.request("DELETE", self.cpath() + f"objects/{did}/" + q([("match[version]", dv[2])]))
        check(r.status == 200, "DELETE match[version]=exact -> 200", f"{r!r}")
        g = self.get_list("versions", [], oid=did)
        check((g.json() or {}).get("versions") == dv[1:2], "DELETE exact version removes only it", f"{g!r}")
        g = self.get_list("object", [("match[version]", dv[2])], oid=did)
        check(g.status == 404 or g.json() == {}, "GET of a deleted version -> 404 (or {})", f"{g!r}")
        r = self.c.request("DELETE", self.cpath() + f"objects/{did}/")
        check(r.status == 200, "DELETE -> 200", f"{r!r}")
        g = self.c.request("GET", self.cpath() + f"objects/{did}/")
        check(g.status == 404, "GET after DELETE -> 404", f"{g!r}")
        g = self.c.request("GET", self.cpath() + f"objects/{did}/versions/")
        check(g.status == 404, "versions after DELETE -> 404", f"{g!r}")
        g = self.get_list("manifest", [("match[id]", did), ("match[version]", "all")])
        check(g.status == 200 and g.json() == {}, "manifest drops a deleted object", f"{g!r}")
        g = self.get_list("objects", [("match[id]", did), ("match[version]", "all")])
        check(g.status == 200 and g.json() == {}, "objects drops a deleted object", f"{g!r}")
        r = self.c.request("DELETE", self.cpath() + f"objects/{did}/")
        check(r.status == 404, "DELETE of a missing object -> 404", f"{r!r}")
        check(did.encode() not in r.body, "404 bodies do not echo the object id", f"{r!r}")
        r = self.post([indicator(did, modified=dv[1], created=dv[0])])
        check((r.json() or {}).get("success_count") == 1, "a deleted object may be posted again", f"{r!r}")
        g = self.get_list("versions", [], oid=did)
        check((g.json() or {}).get("versions") == [dv[1]], "a deleted object posted again is stored again", f"{g!r}")
        secret = f"collection-{uuid.uuid4()}"
        r = self.c.request("GET", self.root + f"collections/{secret}/objects/", auth=self.reader)
        check(secret.encode() not in r.body, "404 bodies do not echo the collection", f"{r!r}")
        r = self.c.request("DELETE", self.cpath() + f"objects/{oid}/" + q([("match[version]", "all,first")]))
        check(r.status == 400, "DELETE with bad match[version] -> 400", f"{r!r}")
        g = self.get_list("versions", [], oid=oid)
        check(len((g.json() or {}).get("versions", [])) == 3, "refused DELETE removed nothing", f"{g!r}")

    def bulk_paging(self):
        coll = self.bulk
        n_threads, per = 8, 130
        batches = [[indicator() for _ in range(per)] for _ in range(n_threads)]
        replies = [None] * n_threads

        def send(i):
            try:
                replies[i] = self.post(batches[i], coll=coll)
            except Exception as exc:  # noqa: BLE001
                replies[i] = exc
        threads = [threading.Thread(target=send, args=(i,)) for i in range(n_threads)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for r in replies:
            check(isinstance(r, Reply) and r.status == 202 and (r.json() or {}).get("success_count") == per,
                  "concurrent POST of 130 objects", f"{r!r}")
        ids = {o["id"] for b in batches for o in b}
        # full manifest, next cursor
        recs = self.manifest_all([], coll=coll, limit=97)
        got = [x["id"] for x in recs or []]
        check(len(got) == len(set(got)), "next-cursor paging repeats nothing", f"{len(got) - len(set(got))} repeats")
        check(set(got) == ids, "next-cursor paging loses nothing", f"missing {len(ids - set(got))}, extra {len(set(got) - ids)}")
        dates = [parse_ts_micros(x["date_added"]) for x in recs or []]
        check(all(dates[i] < dates[i + 1] for i in range(len(dates) - 1)), "date_added strictly increasing per collection",
              "ties or disorder in date_added")
        # added_after = Date-Added-Last paging (objects endpoint)
        seen, after, pages = [], None, 0
        while pages < 1000:
            pages += 1
            params = [("limit", "61")] + ([("added_after", after)] if after else [])
            r = self.get_list("objects", params, coll=coll)
            if not check(r.status == 200, "added_after paging page 200", f"{r!r}"):
                break
            body = r.json() or {}
            objs = body.get("objects", [])
            check(len(objs) <= 61, "limit never exceeded", f"{len(objs)}")
            seen.extend(o["id"] for o in objs)
            if not objs:
                break
            last = r.header("X-TAXII-Date-Added-Last")
            if not check(last, "objects page has X-TAXII-Date-Added-Last", f"{r.headers}"):
                break
            after = last
            if not body.get("more"):
                break
        check(len(seen) == len(set(seen)), "added_after paging repeats nothing", f"{len(seen) - len(set(seen))} repeats")
        check(set(seen) == ids, "added_after paging loses nothing", f"missing {len(ids - set(seen))}")
        # objects page headers equal manifest page dates
        r = self.get_list("objects", [("limit", "10")], coll=coll)
        m = self.get_list("manifest", [("limit", "10")], coll=coll)
        mo = (m.json() or {}).get("objects", [])
        if mo:
            check(r.header("X-TAXII-Date-Added-First") == mo[0]["date_added"]
                  and r.header("X-TAXII-Date-Added-Last") == mo[-1]["date_added"],
                  "objects date headers equal the page's first/last date_added", f"{r.headers} vs {mo[0]}/{mo[-1]}")
            check([o["id"] for o in (r.json() or {}).get("objects", [])] == [x["id"] for x in mo],
                  "objects and manifest list the same order", "")
        # added_after strict and lenient forms
        if recs and len(recs) > 20:
            pivot = recs[10]["date_added"]
            r = self.get_list("manifest", [("added_after", pivot), ("limit", "5")], coll=coll)
            got = [x["id"] for x in (r.json() or {}).get("objects", [])]
            check(got == [x["id"] for x in recs[11:16]], "added_after is strictly after", f"{got[:2]} vs {recs[11]['id']}")
            secs, micros = parse_ts_micros(pivot)
            forms = {
                "seconds only": f"{secs}Z",
                ".0Z": f"{secs}.0Z",
                ".123Z": f"{secs}.{micros // 1000:03d}Z",
                "full": pivot,
                "nanoseconds": pivot[:-1] + "000Z",
            }
            for name, form in forms.items():
                if form is None:
                    continue
                target = parse_ts_micros(form)
                want = [x["id"] for x in recs if parse_ts_micros(x["date_added"]) > target][:500]
                r = self.get_list("manifest", [("added_after", form), ("limit", "500")], coll=coll)
                got = [x["id"] for x in (r.json() or {}).get("objects", [])]
                check(r.status == 200 and got == want, f"added_after lenient form ({name})",
                      f"{form}: {r.status}, {len(got)} vs {len(want)}")
            # a nanosecond past a record excludes it; a nanosecond before includes it (floor to µs is exact here)
            nxt_rec = recs[12]["date_added"]
            r = self.get_list("manifest", [("added_after", nxt_rec[:-1] + "001Z"), ("limit", "1")], coll=coll)
            check([x["id"] for x in (r.json() or {}).get("objects", [])] == [recs[13]["id"]],
                  "added_after 1 ns past a date_added excludes it", f"{r!r}")
            secs2, micros2 = parse_ts_micros(nxt_rec)
            before = f"{secs2}.{micros2 - 1:06d}999Z" if micros2 > 0 else None
            if before:
                r = self.get_list("manifest", [("added_after", before), ("limit", "1")], coll=coll)
                check([x["id"] for x in (r.json() or {}).get("objects", [])] == [recs[12]["id"]],
                      "added_after 1 ns before a date_added includes it", f"{before}: {r!r}")
            after_all = recs[-1]["date_added"]
            r = self.get_list("manifest", [("added_after", after_all)], coll=coll)
            check(r.status == 200 and r.json() == {}, "added_after the last -> {}", f"{r!r}")
            check(r.header("X-TAXII-Date-Added-First") is None, "empty page carries no date headers (decision)", "")
        for bad in ("yesterday", "2026-13-45T00:00:00Z", "", "2026-01-01"):
            r = self.get_list("manifest", [("added_after", bad)], coll=coll)
            check(r.status == 400, "bad added_after -> 400", f"{bad!r}: {r!r}")
        r = self.get_list("manifest", [("added_after", "2020-01-01T00:00:00Z"), ("added_after", "2020-01-01T00:00:00Z")], coll=coll)
        check(r.status == 400, "repeated added_after -> 400", f"{r!r}")
        # limit
        for bad in ("0", "-1", "abc", "1.5", ""):
            r = self.get_list("objects", [("limit", bad)], coll=coll)
            check(r.status == 400, "bad limit -> 400", f"{bad!r}: {r!r}")
        r = self.get_list("objects", [("limit", "5"), ("limit", "5")], coll=coll)
        check(r.status == 400, "repeated limit -> 400", f"{r!r}")
        r = self.get_list("objects", [("limit", "1")], coll=coll)
        b = r.json() or {}
        check(len(b.get("objects", [])) == 1 and b.get("more") is True and b.get("next"),
              "limit=1 -> 1 object, more and next", f"{r!r}")
        r = self.get_list("objects", [("limit", "100000")], coll=coll)
        check(r.status == 200 and len((r.json() or {}).get("objects", [])) <= 100000, "huge limit capped, not an error", f"{r.status}")
        # next cursor semantics
        r = self.get_list("manifest", [("limit", "7"), ("match[type]", "indicator")], coll=coll)
        nxt = (r.json() or {}).get("next")
        if check(nxt, "manifest limit=7 gives next", f"{r!r}"):
            a = self.get_list("manifest", [("limit", "7"), ("match[type]", "indicator"), ("next", nxt)], coll=coll)
            b2 = self.get_list("manifest", [("limit", "7"), ("match[type]", "indicator"), ("next", nxt)], coll=coll)
            check(a.status == 200 and a.body == b2.body, "next cursor is idempotent", f"{a!r} vs {b2!r}")
            pa = [x["id"] for x in (a.json() or {}).get("objects", [])]
            check(pa == [x["id"] for x in recs[7:14]], "next page follows the first", "")
            c = self.get_list("manifest", [("limit", "7"), ("match[type]", "malware"), ("next", nxt)], coll=coll)
            check(c.status == 400, "next with changed filters -> 400", f"{c!r}")
            c = self.get_list("manifest", [("limit", "7"), ("next", nxt)], coll=coll)
            check(c.status == 400, "next with a dropped filter -> 400", f"{c!r}")
            c = self.get_list("manifest", [("limit", "7"), ("match[type]", "indicator"), ("next", nxt)], coll=coll,
                              auth=self.noaccess)
            check(c.status in (403, 404), "next re-authorised for another caller", f"{c!r}")
            c = self.get_list("manifest", [("limit", "7"), ("match[type]", "indicator"), ("next", nxt)], coll="default")
            check(c.status in (400, 404), "next from another collection -> 400", f"{c!r}")
        c = self.get_list("manifest", [("next", "garbage-cursor")], coll=coll)
        check(c.status == 400, "garbage next -> 400", f"{c!r}")
        c = self.get_list("manifest", [("next", "")], coll=coll)
        check(c.status in (200, 400), "empty next -> 200 or 400", f"{c!r}")

    def size_limits(self):
        mcl = self.max_content_length
        objs = self.cpath() + "objects/"
        if mcl > 64 * 1024 * 1024:
            check(False, "max_content_length small enough to test 413", f"{mcl}")
            return
        over = json.dumps({"objects": [indicator()]}) + " " * (mcl + 10)
        r = self.c.request("POST", objs, content_type=TAXII, body=over)
        check(r.status == 413, "body over max_content_length -> 413", f"{r!r}")
        r = self.c.request("POST", objs, content_type=TAXII, body=over, chunked=True)
        check(r.status == 413, "chunked body over max_content_length -> 413", f"{r!r}")
        ok_obj = indicator()
        under = json.dumps({"objects": [ok_obj]})
        under = under + " " * (min(mcl, 4 * 1024 * 1024) - len(under) - 1)
        r = self.c.request("POST", objs, content_type=TAXII, body=under)
        check(r.status == 202, "body under max_content_length is not 413", f"{len(under)} bytes: {r!r}")
        ok2 = indicator()
        under2 = json.dumps({"objects": [ok2]})
        under2 += " " * (min(mcl, 4 * 1024 * 1024) - len(under2))
        r = self.c.request("POST", objs, content_type=TAXII, body=under2, chunked=True)
        check(r.status == 202, "chunked body at max_content_length is not 413", f"{len(under2)} bytes: {r!r}")
        # the exact boundary: max_content_length bytes pass, one more is 413
        exact = json.dumps({"objects": [indicator()]})
        exact = (exact + " " * (mcl - len(exact))).encode()
        r = self.c.request("POST", objs, content_type=TAXII, body=exact)
        check(r.status == 202, "body of exactly max_content_length bytes is not 413", f"{len(exact)} bytes: {r!r}")
        r = self.c.request("POST", objs, content_type=TAXII, body=exact + b" ")
        check(r.status == 413, "body of max_content_length + 1 bytes is 413", f"{len(exact) + 1} bytes: {r!r}")
        r = self.c.request("POST", objs, content_type=TAXII, body=exact + b" ", chunked=True)
        check(r.status == 413, "chunked body of max_content_length + 1 bytes is 413", f"{len(exact) + 1} bytes: {r!r}")

    def trailing_slash_and_misc(self):
        for path in (self.cpath().rstrip("/"), self.cpath() + "objects", self.cpath() + "manifest"):
            r = self.c.request("GET", path)
            check(r.status == 200, "bare path (no trailing slash) served (decision)", f"{path}: {r!r}")
        r = self.c.request("GET", self.cpath() + "objects/?foo=bar&limit=1")
        check(r.status == 200, "unknown query parameter ignored", f"{r!r}")
        r = self.c.request("POST", self.cpath() + "objects/", content_type="Application/TAXII+JSON; Version=2.1",
                           body=json.dumps({"objects": [indicator()]}))
        check(r.status == 202, "POST Content-Type is case-insensitive", f"{r!r}")
        r = self.c.request("PUT", self.cpath() + "objects/", content_type=TAXII, body="{}")
        check(r.status in (404, 405), "unsupported method -> 405", f"{r!r}")
        r = self.c.request("GET", self.root + "collections/default/nonsense/")
        check(r.status == 404, "unknown path under a collection -> 404", f"{r!r}")
        for path in (self.root + "collections/%FF/", self.cpath() + "objects/%FF/", self.root + "status/%FF/", "/%FF/"):
            r = self.c.request("GET", path)  # the helper checks the TAXII media type and error body
            check(r.status in (400, 404), "a path segment that is not UTF-8 -> TAXII 400/404", f"{path}: {r!r}")
        r = self.c.request("GET", self.cpath() + "objects/not-a-stix-id/")
        check(r.status in (400, 404), "malformed object id -> 404 (or 400)", f"{r!r}")

    def interop_and_versions(self):
        """Percent-encoded query parameters (requests/taxii2-client encode [ ] , :), version instants, SCOs."""
        oid = f"indicator--{uuid.uuid4()}"
        v = ["2026-05-01T00:00:00.000Z", "2026-05-02T00:00:00.000Z"]
        for m in v:
            self.post([indicator(oid, modified=m, created=v[0])])
        mid = malware()
        self.post([mid])
        base = self.cpath() + "objects/"
        raw = f"?match%5Bid%5D={oid}%2C{mid['id']}&match%5Bversion%5D=all"
        r = self.c.request("GET", base + raw)
        got = sorted(o.get("modified") + o["id"] for o in (r.json() or {}).get("objects", []))
        check(r.status == 200 and len(got) == 3, "percent-encoded match[...] names and comma list", f"{r!r}")
        m = self.get_list("manifest", [("match[id]", oid)])
        da = ((m.json() or {}).get("objects") or [{}])[0].get("date_added", "")
        r = self.c.request("GET", base + f"?match%5Bid%5D={oid}&added_after={urllib.parse.quote(da, safe='')}&match%5Bversion%5D=all")
        check(r.status == 200 and r.json() == {}, "percent-encoded added_after (%3A) parsed", f"{da}: {r!r}")
        r = self.c.request("GET", base + f"?match%5Bid%5D={oid}&match%5Bid%5D={oid}")
        check(r.status == 400, "repeated percent-encoded match[id] -> 400", f"{r!r}")
        r = self.c.request("GET", base + f"?match[id]={oid}&match%5Bid%5D={oid}")
        check(r.status == 400, "match[id] repeated once raw, once encoded -> 400", f"{r!r}")
        # .000Z and Z are one instant: posting the same version spelled differently stores nothing new
        sid = f"indicator--{uuid.uuid4()}"
        r1 = self.post([indicator(sid, modified="2026-06-01T00:00:00.000Z", created="2026-06-01T00:00:00.000Z")])
        r2 = self.post([indicator(sid, modified="2026-06-01T00:00:00.000000Z", created="2026-06-01T00:00:00.000Z")])
        check(r2.status == 202 and (r2.json() or {}).get("success_count") == 1, "re-spelled version posted is a success", f"{r2!r}")
        g = self.get_list("versions", [], oid=sid)
        check(len((g.json() or {}).get("versions", [])) == 1, ".000Z and .000000Z are one version (not two)", f"{g!r}")
        # sub-microsecond precision: two versions; original strings kept
        nid = f"indicator--{uuid.uuid4()}"
        nv = ["2026-06-02T00:00:00.1234567Z", "2026-06-02T00:00:00.1234568Z"]
        for m_ in nv:
            r = self.post([indicator(nid, modified=m_, created="2026-06-02T00:00:00.000Z")])
            check((r.json() or {}).get("success_count") == 1, "sub-microsecond version accepted", f"{r!r}")
        g = self.get_list("versions", [], oid=nid)
        check((g.json() or {}).get("versions") == nv, "versions differ below a microsecond; strings kept", f"{g!r}")
        r = self.get_list("object", [("match[version]", nv[0])], oid=nid)
        check([o.get("modified") for o in (r.json() or {}).get("objects", [])] == [nv[0]],
              "match[version] exact at 100 ns precision", f"{r!r}")
        # an older version posted after a newer one: last is by modified, not by date_added
        oid2 = f"indicator--{uuid.uuid4()}"
        self.post([indicator(oid2, modified="2026-07-03T00:00:00.000Z", created="2026-07-01T00:00:00.000Z")])
        self.post([indicator(oid2, modified="2026-07-01T00:00:00.000Z", created="2026-07-01T00:00:00.000Z")])
        r = self.get_list("object", [], oid=oid2)
        check([o.get("modified") for o in (r.json() or {}).get("objects", [])] == ["2026-07-03T00:00:00.000Z"],
              "last = newest modified even when posted first", f"{r!r}")
        r = self.get_list("object", [("match[version]", "first")], oid=oid2)
        check([o.get("modified") for o in (r.json() or {}).get("objects", [])] == ["2026-07-01T00:00:00.000Z"],
              "first = oldest modified even when posted last", f"{r!r}")
        # SCO without created/modified and a marking-definition: version present everywhere
        ip = {"type": "ipv4-addr", "spec_version": "2.1", "id": "ipv4-addr--" + str(uuid.uuid5(
            uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7"), json.dumps({"value": "203.0.113.77"}, separators=(",", ":")))),
            "value": "203.0.113.77"}
        md = {"type": "marking-definition", "spec_version": "2.1", "id": f"marking-definition--{uuid.uuid4()}",
              "created": "2026-01-01T00:00:00.000Z", "definition_type": "statement",
              "definition": {"statement": "conformance"}}
        r = self.post([ip, md])
        st = r.json() or {}
        check(st.get("success_count") == 2, "SCO and marking-definition accepted", f"{r!r}")
        for d in st.get("successes") or []:
            check(isinstance(d.get("version"), str) and d.get("version"), "SCO/marking status detail has a version", f"{d}")
        for o in (ip, md):
            g = self.get_list("object", [], oid=o["id"])
            check(g.status == 200 and (g.json() or {}).get("objects") == [o], "SCO/marking served as posted", f"{g!r}")
            m = self.get_list("manifest", [("match[id]", o["id"])])
            recs = (m.json() or {}).get("objects", [])
            check(len(recs) == 1 and isinstance(recs[0].get("version"), str), "SCO/marking manifest record has a version", f"{recs}")
            if o is md and recs:
                check(recs[0].get("version") == md["created"], "marking-definition version is created", f"{recs}")
            vv = self.get_list("versions", [], oid=o["id"])
            check(vv.status == 200 and len((vv.json() or {}).get("versions", [])) == 1, "SCO/marking versions", f"{vv!r}")
            if recs:
                g = self.get_list("object", [("match[version]", recs[0]["version"])], oid=o["id"])
                check(g.status == 200 and len((g.json() or {}).get("objects", [])) == 1,
                      "SCO/marking match[version]=its manifest version", f"{g!r}")
        # an SCO without spec_version is 2.1: served as posted, matched by match[spec_version]=2.1
        bare = {"type": "domain-name", "id": f"domain-name--{uuid.uuid4()}", "value": "conformance.example"}
        r = self.post([bare])
        check((r.json() or {}).get("success_count") == 1, "SCO without spec_version accepted", f"{r!r}")
        g = self.get_list("objects", [("match[id]", bare["id"]), ("match[spec_version]", "2.1")])
        check((g.json() or {}).get("objects") == [bare], "SCO without spec_version: match[spec_version]=2.1, served as posted",
              f"{g!r}")
        m = self.get_list("manifest", [("match[id]", bare["id"])])
        recs = (m.json() or {}).get("objects", [])
        check(len(recs) == 1 and recs[0].get("media_type") in (STIX, None), "SCO without spec_version: manifest media_type 2.1",
              f"{recs}")
        g = self.get_list("objects", [("match[id]", bare["id"]), ("match[type]", "domain-name")])
        check(len((g.json() or {}).get("objects", [])) == 1, "match[type] of an SCO type", f"{g!r}")
        # an SCO deleted by the version its manifest record shows (its date_added)
        ip2 = {"type": "ipv4-addr", "spec_version": "2.1", "id": f"ipv4-addr--{uuid.uuid4()}", "value": "203.0.113.78"}
        self.post([ip2])
        m = self.get_list("manifest", [("match[id]", ip2["id"])])
        shown = ((m.json() or {}).get("objects") or [{}])[0].get("version")
        if check(shown, "SCO manifest version shown", f"{m!r}"):
            r = self.c.request("DELETE", self.cpath() + f"objects/{ip2['id']}/" + q([("match[version]", "2020-01-01T00:00:00.000Z")]))
            g = self.c.request("GET", self.cpath() + f"objects/{ip2['id']}/")
            check(g.status == 200, "DELETE of an SCO by another instant removes nothing", f"{r!r} then {g!r}")
            r = self.c.request("DELETE", self.cpath() + f"objects/{ip2['id']}/" + q([("match[version]", shown)]))
            g = self.c.request("GET", self.cpath() + f"objects/{ip2['id']}/")
            check(r.status == 200 and g.status == 404, "DELETE of an SCO by its shown version removes it", f"{r!r} then {g!r}")
        # TLP markings: the fixed definitions are accepted, look-alikes are not (trap 13)
        white = {"type": "marking-definition", "spec_version": "2.1",
                 "id": "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
                 "created": "2017-01-20T00:00:00.000Z", "definition_type": "tlp", "name": "TLP:WHITE",
                 "definition": {"tlp": "white"}}
        r = self.post([white])
        check((r.json() or {}).get("success_count") == 1, "the TLP:WHITE definition is accepted", f"{r!r}")
        fake = dict(white, name="TLP:RED", definition={"tlp": "red"})
        r = self.post([fake])
        check((r.json() or {}).get("failure_count") == 1, "a TLP id with another definition is refused", f"{r!r}")
        new_tlp = dict(white, id=f"marking-definition--{uuid.uuid4()}")
        r = self.post([new_tlp])
        check((r.json() or {}).get("failure_count") == 1, "a new id claiming a TLP definition is refused", f"{r!r}")
        g = self.get_list("object", [], oid=white["id"])
        check((g.json() or {}).get("objects") == [white], "TLP:WHITE stored as the fixed definition", f"{g!r}")
        # status details carry the object's modified as version
        i3 = indicator(modified="2026-08-01T00:00:00.5000Z", created="2026-08-01T00:00:00.000Z")
        r = self.post([i3])
        ds = (r.json() or {}).get("successes") or [{}]
        check(ds[0].get("version") == i3["modified"], "status detail version is the object's modified as posted", f"{ds}")

    def second_node(self):
        """With --second: a write through one node is read through the other at once; cursors cross nodes."""
        if self.writer is self.c:
            return
        o = indicator()
        r = self.writer.request("POST", self.cpath() + "objects/", content_type=TAXII, body=json.dumps({"objects": [o]}))
        check(r.status == 202, "POST through the second node", f"{r!r}")
        g = self.c.request("GET", self.cpath() + f"objects/{o['id']}/")
        check(g.status == 200, "a write through one node is read through the other at once", f"{g!r}")
        r = self.get_list("manifest", [("limit", "3")], coll=self.bulk)
        nxt = (r.json() or {}).get("next")
        if nxt:
            a = self.c.request("GET", self.cpath(self.bulk) + "manifest/" + q([("limit", "3"), ("next", nxt)]))
            b = self.writer.request("GET", self.cpath(self.bulk) + "manifest/" + q([("limit", "3"), ("next", nxt)]))
            check(a.status == 200 and a.body == b.body, "a next cursor works the same on both nodes", f"{a!r} vs {b!r}")

    def more_paging_and_scoping(self):
        """Paging on the object endpoint, date headers of object/versions pages, collection scoping."""
        oid = f"indicator--{uuid.uuid4()}"
        v = [f"2026-09-0{d}T00:00:00.000Z" for d in range(1, 6)]
        # two versions in one envelope, the rest one by one
        r = self.post([indicator(oid, modified=v[0], created=v[0]), indicator(oid, modified=v[1], created=v[0])])
        check((r.json() or {}).get("success_count") == 2, "two versions of one id in one envelope both stored", f"{r!r}")
        for m in v[2:]:
            self.post([indicator(oid, modified=m, created=v[0])])
        man = self.get_list("manifest", [("match[id]", oid), ("match[version]", "all")])
        recs = (man.json() or {}).get("objects", [])
        check([x["version"] for x in recs] == v, "manifest lists all 5 versions", f"{recs}")
        got, nxt, pages = [], None, 0
        while pages < 10:
            pages += 1
            params = [("match[version]", "all"), ("limit", "2")] + ([("next", nxt)] if nxt else [])
            r = self.get_list("object", params, oid=oid)
            body = r.json() or {}
            page = body.get("objects", [])
            check(len(page) <= 2, "object endpoint limit never exceeded", f"{len(page)}")
            got.extend(o["modified"] for o in page)
            if page and len(recs) == 5:
                mine = [x for x in recs if x["version"] in {o["modified"] for o in page}]
                check(r.header("X-TAXII-Date-Added-First") == mine[0]["date_added"]
                      and r.header("X-TAXII-Date-Added-Last") == mine[-1]["date_added"],
                      "object page date headers equal its first/last date_added", f"{r.headers}")
            nxt = body.get("next")
            if not body.get("more"):
                break
        check(got == v, "object endpoint pages through all versions with next", f"{got}")
        r = self.get_list("versions", [("limit", "3")], oid=oid)
        if len(recs) == 5:
            check(r.header("X-TAXII-Date-Added-First") == recs[0]["date_added"]
                  and r.header("X-TAXII-Date-Added-Last") == recs[2]["date_added"],
                  "versions page date headers equal its first/last date_added", f"{r.headers}")
            r = self.get_list("versions", [("added_after", recs[2]["date_added"])], oid=oid)
            check((r.json() or {}).get("versions") == v[3:], "versions added_after", f"{r!r}")
            r = self.get_list("object", [("added_after", recs[2]["date_added"]), ("match[version]", "all")], oid=oid)
            check([o["modified"] for o in (r.json() or {}).get("objects", [])] == v[3:], "object added_after", f"{r!r}")
            # match[version]=first applied after added_after (the oldest version that is left)
            r = self.get_list("object", [("added_after", recs[2]["date_added"]), ("match[version]", "first")], oid=oid)
            check([o["modified"] for o in (r.json() or {}).get("objects", [])] == [v[3]],
                  "match[version]=first is applied after added_after", f"{r!r}")
        # an object in another collection is not in this one
        r = self.c.request("GET", self.cpath(self.private) + f"objects/{oid}/")
        check(r.status == 404, "object of another collection 404 here", f"{r!r}")
        r = self.get_list("manifest", [("match[id]", oid)], coll=self.private)
        check(r.status == 200 and r.json() == {}, "manifest of another collection does not list it", f"{r!r}")
        # lowercase auth scheme
        r = self.c.request("GET", self.cpath() + "objects/" + q([("match[id]", oid)]),
                           auth="basic " + self.admin.split(" ", 1)[1])
        check(r.status == 200, "auth scheme is case-insensitive (basic)", f"{r!r}")
        r = self.c.request("GET", self.cpath() + "objects/" + q([("match[id]", oid)]),
                           auth="bearer " + self.token.split(" ", 1)[1])
        check(r.status == 200, "auth scheme is case-insensitive (bearer)", f"{r!r}")
        # reader bearer-less status of admin's request
        r = self.post([indicator()])
        sid = (r.json() or {}).get("id")
        g = self.c.request("GET", self.root + f"status/{sid}/", auth=self.reader)
        g2 = self.c.request("GET", self.root + f"status/{uuid.uuid4()}/", auth=self.reader)
        check((g.status, g.body) == (g2.status, g2.body), "another account's status answers like a missing one",
              f"{g!r} vs {g2!r}")

    def paging_during_writes(self):
        """A reader paging by added_after = X-TAXII-Date-Added-Last while writers post loses and repeats nothing."""
        coll = self.bulk
        m = self.get_list("manifest", [("limit", "1"), ("added_after", "2000-01-01T00:00:00Z")], coll=coll)
        r = self.get_list("objects", [("limit", "100000")], coll=coll)
        total = len((r.json() or {}).get("objects", []))
        check(total >= 1000 or (r.json() or {}).get("more") is True, "capped page says more", f"{total}")
        # start after everything present now
        last = None
        recs = self.manifest_all([], coll=coll, limit=500) or []
        if recs:
            last = recs[-1]["date_added"]
        posted, done = [], threading.Event()

        def writer(k):
            for _ in range(15):
                batch = [indicator() for _ in range(7)]
                rr = self.writer.request("POST", self.cpath(coll) + "objects/", content_type=TAXII,
                                         body=json.dumps({"objects": batch}))
                if rr.status == 202:
                    posted.extend(o["id"] for o in batch)
        ws = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
        for w in ws:
            w.start()
        seen, idle = [], 0
        while True:
            finished = not any(w.is_alive() for w in ws)
            params = [("limit", "13")] + ([("added_after", last)] if last else [])
            r = self.get_list("manifest", params, coll=coll)
            page = (r.json() or {}).get("objects", [])
            seen.extend(x["id"] for x in page)
            if page:
                last = r.header("X-TAXII-Date-Added-Last") or page[-1]["date_added"]
            elif finished:
                idle += 1
                if idle > 1:
                    break
        for w in ws:
            w.join()
        check(len(seen) == len(set(seen)), "paging during writes repeats nothing", f"{len(seen) - len(set(seen))} repeats")
        check(set(seen) == set(posted), "paging during writes loses nothing",
              f"missing {len(set(posted) - set(seen))} of {len(posted)}, extra {len(set(seen) - set(posted))}")

    def exact_bytes_and_races(self):
        """Served bytes equal posted bytes; the same object posted concurrently is stored once."""
        oid = f"indicator--{uuid.uuid4()}"
        raw_obj = ('{"valid_from":"2026-01-01T00:00:00Z","type":"indicator","id":"' + oid + '",'
                   '"spec_version":"2.1","created":"2026-01-01T00:00:00.100Z","modified":"2026-01-01T00:00:00.100000Z",'
                   '"name":"caf\u00e9 \u2603 über","pattern":"[ipv4-addr:value = \'198.51.100.9\']",'
                   '"pattern_type":"stix","x_conformance_float":1.50,"x_conformance_big":12345678901234567890}')
        r = self.post(None, raw='{"objects":[' + raw_obj + ']}')
        check((r.json() or {}).get("success_count") == 1, "odd-but-valid object accepted", f"{r!r}")
        g = self.c.request("GET", self.cpath() + f"objects/{oid}/")
        check(raw_obj.encode("utf-8") in g.body, "object served byte for byte as posted (key order, escapes, 1.50, timestamps)",
              f"{g.body[:400]!r}")
        # same objects posted by 4 threads at once: stored once each
        objs = [indicator() for _ in range(20)]
        replies = []

        def send():
            replies.append(self.post(objs))
        ts = [threading.Thread(target=send) for _ in range(4)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        for rr in replies:
            check(rr.status == 202 and (rr.json() or {}).get("success_count") == 20,
                  "concurrent duplicate POSTs all succeed", f"{rr!r}")
        ids = ",".join(o["id"] for o in objs)
        m = self.get_list("manifest", [("match[id]", ids), ("match[version]", "all")])
        got = [x["id"] for x in (m.json() or {}).get("objects", [])]
        check(sorted(got) == sorted(o["id"] for o in objs), "concurrent duplicate POSTs store each object once",
              f"{len(got)} records for 20 objects")
        # the same object twice in one envelope
        o = indicator()
        r = self.post([o, o])
        st = r.json() or {}
        check(r.status == 202 and st.get("failure_count") == 0 and st.get("total_count") == 2
              and st.get("success_count") == 2, "an object twice in one envelope: two successes", f"{r!r}")
        m = self.get_list("manifest", [("match[id]", o["id"]), ("match[version]", "all")])
        check(len((m.json() or {}).get("objects", [])) == 1, "an object twice in one envelope is stored once", f"{m!r}")
        # concurrent new versions of one id: all kept, last = newest modified
        vid = f"indicator--{uuid.uuid4()}"
        mods = [f"2026-10-01T00:00:{k:02d}.000Z" for k in range(12)]

        def version(k):
            self.post([indicator(vid, modified=mods[k], created=mods[0])])
        ts = [threading.Thread(target=version, args=(k,)) for k in range(12)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        g = self.get_list("versions", [], oid=vid)
        check(sorted((g.json() or {}).get("versions", [])) == mods, "concurrent versions all stored", f"{g!r}")
        g = self.get_list("object", [], oid=vid)
        check([x.get("modified") for x in (g.json() or {}).get("objects", [])] == [mods[-1]],
              "after concurrent versions, last is the newest modified", f"{g!r}")

    def auth_cost(self):
        """Trap 17: a Basic credential is not re-hashed with a slow KDF on every request."""
        import time
        for name, auth in (("Basic", self.admin), ("Bearer", self.token), ("Basic (reader)", self.reader)):
            self.c.request("GET", self.root + "collections/", auth=auth)
            start = time.monotonic()
            for _ in range(60):
                self.c.request("GET", self.root + "collections/", auth=auth)
            took = time.monotonic() - start
            check(took < 6.0, f"60 authenticated requests ({name}) take under 6 s", f"{took:.1f} s")

    def run(self):
        self.discovery()
        if not self.root:
            return
        self.api_root()
        self.collections()
        self.media()
        self.auth()
        self.rights()
        self.post_and_status()
        self.versions_and_filters()
        self.interop_and_versions()
        self.exact_bytes_and_races()
        self.bulk_paging()
        self.paging_during_writes()
        self.second_node()
        self.more_paging_and_scoping()
        self.size_limits()
        self.trailing_slash_and_misc()
        self.auth_cost()


def main(argv):
    args = {"base": None}
    it = iter(argv[1:])
    names = {"--admin": "admin", "--token": "token", "--noaccess": "noaccess", "--reader": "reader",
             "--bulk-collection": "bulk", "--private-collection": "private", "--second": "second"}
    for a in it:
        if a in names:
            args[names[a]] = next(it)
        else:
            args["base"] = a
    missing = [k for k in ["base"] + list(names.values()) if not args.get(k) and k != "second"]
    if missing:
        print(__doc__, file=sys.stderr)
        print(f"missing: {missing}", file=sys.stderr)
        return 2
    suite = Suite(args)
    try:
        suite.run()
    except Exception as exc:  # noqa: BLE001 -- an exception is a failed check, reported like the others
        import traceback
        traceback.print_exc()
        check(False, "suite raised", repr(exc))
    print(f"{CHECKS} checks, {CHECKS - len(FAILURES) - len(OPEN)} passed, {len(FAILURES)} failed, "
          f"{len(OPEN)} known open")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
