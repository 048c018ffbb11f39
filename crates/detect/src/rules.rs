//! Suricata and Snort rules: one rule per exact value, with a stable sid.
//!
//! What each value becomes (only what the value says exactly):
//! - address or network: `alert ip $HOME_NET any <> [NET] any` (traffic either way);
//! - domain: Suricata `dns.query` equal to the name (`content` + `nocase` + `bsize`); Snort the query name
//!   in DNS wire form at offset 12 of a UDP query to port 53, with `depth` so nothing longer matches;
//! - `http://` URL: host equal to the URL's host and URI equal to its path and query (Suricata `http.host` /
//!   `http.uri` with `bsize`; Snort `http_uri` + `urilen` and the `Host:` header line);
//! - e-mail addresses, file hashes, and URLs of other schemes are skipped (no rule expresses them exactly).
//!
//! Sids: `base + (FNV-1a(indicator id, '#', value) mod count)`, so a re-export gives an indicator's rule the
//! same sid; on a collision inside one export the next free sid in the range is taken (a bitset of the range:
//! memory fixed by the range, not by the export's size). `rev` is the version's time in seconds (it grows
//! with every new version); `msg` names the indicator and its id; `reference` points back at the hub.

use std::fmt::Write;

use crate::escape::{reference_url, rule_content, rule_message};
use crate::observable::{Observable, SkipReason};

/// The engine dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Suricata 7 (sticky buffers).
    Suricata,
    /// Snort 2.9 (content modifiers).
    Snort,
}

/// The sid range a hub allocates its rules from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SidRange {
    /// First sid.
    pub base: u32,
    /// How many sids.
    pub count: u32,
}

impl Default for SidRange {
    /// The local-use range Suricata rule style guides name (1,000,000–1,999,999).
    fn default() -> SidRange {
        SidRange {
            base: 1_000_000,
            count: 1_000_000,
        }
    }
}

/// Hands out sids for one export.
#[derive(Debug)]
pub struct SidAllocator {
    range: SidRange,
    used: Vec<u64>,
    n_used: u64,
}

impl SidAllocator {
    /// An allocator over `range` (a count of 0 is taken as 1; a range past `u32::MAX` is cut there).
    pub fn new(range: SidRange) -> SidAllocator {
        let count = range.count.max(1).min(u32::MAX - range.base.min(u32::MAX - 1));
        let range = SidRange {
            base: range.base,
            count,
        };
        SidAllocator {
            range,
            used: vec![0; (count as usize).div_ceil(64)],
            n_used: 0,
        }
    }

    /// The sid of `value` of indicator `id`: its home slot, or the next free one after a collision.
    pub fn allocate(&mut self, id: &str, value: &str) -> Result<u32, SkipReason> {
        let count = u64::from(self.range.count);
        if self.n_used >= count {
            return Err(SkipReason::SidRangeExhausted);
        }
        let mut slot = fnv1a(&[id.as_bytes(), b"#", value.as_bytes()]) % count;
        loop {
            let (word, bit) = ((slot / 64) as usize, slot % 64);
            if self.used[word] & (1 << bit) == 0 {
                self.used[word] |= 1 << bit;
                self.n_used += 1;
                // slot < count <= u32::MAX - base, so this fits.
                return Ok(self.range.base + u32::try_from(slot).unwrap_or(0));
            }
            slot = (slot + 1) % count;
        }
    }
}

/// FNV-1a, 64 bits: stable across builds and platforms, which is all a sid needs.
fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in *part {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// What every rule of one indicator carries besides its detection.
#[derive(Debug)]
pub struct RuleMeta<'a> {
    /// The indicator's name (or its id when unnamed).
    pub name: &'a str,
    /// The indicator's id, as the caller knows it.
    pub id: &'a str,
    /// The hub URL of the indicator.
    pub reference: &'a str,
    /// Version time, seconds since the epoch.
    pub version_seconds: i64,
    /// Creation date as `YYYY_MM_DD` (Suricata metadata), if known.
    pub created_date: Option<String>,
    /// Version date as `YYYY_MM_DD`, if known.
    pub updated_date: Option<String>,
}

/// True when `dialect` can express `observable` (else the reason).
pub fn expressible(observable: &Observable) -> Result<(), SkipReason> {
    match observable {
        Observable::Ip(_) | Observable::Domain(_) => Ok(()),
        Observable::Url(url) if url.scheme == "http" => Ok(()),
        Observable::Url(_) => Err(SkipReason::UrlScheme),
        Observable::Email(_) | Observable::FileHash(..) => Err(SkipReason::FormatCannotExpress),
    }
}

/// Appends the rule for one value (already checked with [`expressible`]) and a newline.
pub fn write_rule(
    out: &mut String,
    dialect: Dialect,
    observable: &Observable,
    meta: &RuleMeta<'_>,
    sid: u32,
) {
    let (header, detection) = match (dialect, observable) {
        (_, Observable::Ip(net)) => (format!("alert ip $HOME_NET any <> [{net}] any"), String::new()),
        (Dialect::Suricata, Observable::Domain(name)) => (
            "alert dns $HOME_NET any -> any any".to_owned(),
            format!(
                "dns.query; content:\"{}\"; nocase; bsize:{}; ",
                rule_content(name),
                name.len()
            ),
        ),
        (Dialect::Snort, Observable::Domain(name)) => {
            let wire = dns_wire_name(name);
            (
                "alert udp $HOME_NET any -> any 53".to_owned(),
                format!(
                    "content:\"{wire}\"; nocase; offset:12; depth:{}; ",
                    name.len() + 2
                ),
            )
        }
        (Dialect::Suricata, Observable::Url(url)) => (
            "alert http $HOME_NET any -> $EXTERNAL_NET any".to_owned(),
            format!(
                "flow:established,to_server; http.host; content:\"{}\"; nocase; bsize:{}; http.uri; content:\"{}\"; bsize:{}; ",
                rule_content(&url.host),
                url.host.len(),
                rule_content(&url.request_target),
                url.request_target.len()
            ),
        ),
        (Dialect::Snort, Observable::Url(url)) => (
            "alert tcp $HOME_NET any -> $EXTERNAL_NET $HTTP_PORTS".to_owned(),
            format!(
                "flow:to_server,established; content:\"{}\"; http_uri; urilen:{}; content:\"Host|3a 20|{}|0d 0a|\"; http_header; nocase; ",
                rule_content(&url.request_target),
                url.request_target.len(),
                rule_content(&url.host)
            ),
        ),
        // Not reached: `expressible` refuses these first.
        (_, Observable::Email(_) | Observable::FileHash(..)) => return,
    };
    let message = rule_message(&format!("stixhub {} ({})", meta.name, meta.id), 200);
    let _ = write!(out, "{header} (msg:\"{message}\"; {detection}");
    let _ = write!(
        out,
        "reference:url,{}; classtype:trojan-activity; sid:{sid}; rev:{};",
        reference_url(meta.reference),
        rev_of(meta.version_seconds)
    );
    if dialect == Dialect::Suricata
        && let (Some(created), Some(updated)) = (&meta.created_date, &meta.updated_date)
    {
        let _ = write!(out, " metadata:created_at {created}, updated_at {updated};");
    }
    out.push_str(")\n");
}

/// `rev` must be a positive 32-bit number: the version's second, clamped.
fn rev_of(version_seconds: i64) -> u32 {
    u32::try_from(version_seconds.max(1)).unwrap_or(u32::MAX)
}

/// A DNS name in wire form as a content body: each label prefixed by its length byte, a zero byte at the end.
fn dns_wire_name(name: &str) -> String {
    let mut out = String::new();
    for label in name.split('.') {
        let _ = write!(out, "|{:02x}|{}", label.len(), rule_content(label));
    }
    out.push_str("|00|");
    out
}
