//! The list formats: Zeek intel framework files, CSV, DNS RPZ zones and plain blocklists.
//!
//! - Zeek: `#fields indicator indicator_type meta.source meta.desc meta.url`, tab-separated; addresses are
//!   `Intel::ADDR`, networks `Intel::SUBNET`, names `Intel::DOMAIN`, URLs `Intel::URL` (without the
//!   `scheme://`, as Zeek's HTTP analysis sees them), e-mail `Intel::EMAIL`, hashes `Intel::FILE_HASH`.
//! - CSV (RFC 4180; a name with a line break stays one quoted field): `indicator_id,name,type,value,valid_from,valid_until,confidence,reference`.
//! - RPZ: a zone with `$TTL`, SOA and NS, then `NAME CNAME .` (NXDOMAIN) per domain and
//!   `PREFIX.REVERSED.rpz-ip CNAME .` per address or network; names relative to the zone's origin.
//! - Plain: one value per line.

use std::fmt::Write;
use std::net::Ipv6Addr;

use crate::escape::{csv_field, zeek_field, zone_name};
use crate::observable::{IpNet, Observable, SkipReason};

/// The Zeek intel header line (with its newline).
pub const ZEEK_HEADER: &str = "#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\tmeta.url\n";

/// The CSV header record (with its newline).
pub const CSV_HEADER: &str = "indicator_id,name,type,value,valid_from,valid_until,confidence,reference\n";

/// The Zeek intel type of a value.
pub fn zeek_type(observable: &Observable) -> &'static str {
    match observable {
        Observable::Ip(net) if net.is_host() => "Intel::ADDR",
        Observable::Ip(_) => "Intel::SUBNET",
        Observable::Domain(_) => "Intel::DOMAIN",
        Observable::Url(_) => "Intel::URL",
        Observable::Email(_) => "Intel::EMAIL",
        Observable::FileHash(..) => "Intel::FILE_HASH",
    }
}

/// Appends one Zeek intel line.
pub fn write_zeek(out: &mut String, observable: &Observable, source: &str, desc: &str, url: &str) {
    let indicator = match observable {
        // Zeek's intel URLs are matched without the scheme.
        Observable::Url(url) => url
            .text
            .split_once("://")
            .map_or(url.text.as_str(), |(_, rest)| rest)
            .to_owned(),
        other => other.value(),
    };
    let _ = writeln!(
        out,
        "{}\t{}\t{}\t{}\t{}",
        zeek_field(&indicator),
        zeek_type(observable),
        zeek_field(source),
        zeek_field(desc),
        zeek_field(url)
    );
}

/// The CSV columns of one value besides the indicator's own.
#[derive(Debug)]
pub struct CsvRow<'a> {
    /// Indicator id.
    pub id: &'a str,
    /// Indicator name.
    pub name: &'a str,
    /// `valid_from` as written.
    pub valid_from: &'a str,
    /// `valid_until` as written.
    pub valid_until: &'a str,
    /// `confidence`, empty when absent.
    pub confidence: Option<u64>,
    /// Hub URL of the indicator.
    pub reference: &'a str,
}

/// Appends one CSV record.
pub fn write_csv(out: &mut String, observable: &Observable, row: &CsvRow<'_>) {
    let _ = writeln!(
        out,
        "{},{},{},{},{},{},{},{}",
        csv_field(row.id),
        csv_field(row.name),
        observable.kind().as_str(),
        csv_field(&observable.value()),
        csv_field(row.valid_from),
        csv_field(row.valid_until),
        row.confidence.map(|c| c.to_string()).unwrap_or_default(),
        csv_field(row.reference)
    );
}

/// The RPZ zone's head: `$TTL`, SOA (serial given) and NS.
pub fn rpz_header(serial: u32) -> String {
    format!(
        "$TTL 300\n@ IN SOA localhost. hostmaster.localhost. {serial} 3600 600 86400 300\n@ IN NS localhost.\n"
    )
}

/// True when RPZ can express the value (else the reason).
pub fn rpz_expressible(observable: &Observable) -> Result<(), SkipReason> {
    match observable {
        Observable::Ip(_) | Observable::Domain(_) => Ok(()),
        _ => Err(SkipReason::FormatCannotExpress),
    }
}

/// Appends one RPZ record (the value passed [`rpz_expressible`]).
pub fn write_rpz(out: &mut String, observable: &Observable) {
    let owner = match observable {
        Observable::Domain(name) => zone_name(&name.split('.').collect::<Vec<_>>()),
        Observable::Ip(net) => rpz_ip_owner(net),
        _ => return,
    };
    let _ = writeln!(out, "{owner} CNAME .");
}

/// `PREFIX.REVERSED-ADDRESS.rpz-ip` (RPZ draft §4.2): IPv4 octets reversed; IPv6 16-bit words reversed in
/// lowercase hex without leading zeros, the longest run of two or more zero words written `zz`.
fn rpz_ip_owner(net: &IpNet) -> String {
    match net {
        IpNet::V4(addr, prefix) => {
            let [a, b, c, d] = addr.octets();
            format!("{prefix}.{d}.{c}.{b}.{a}.rpz-ip")
        }
        IpNet::V6(addr, prefix) => format!("{prefix}.{}.rpz-ip", reversed_v6_words(addr)),
    }
}

fn reversed_v6_words(addr: &Ipv6Addr) -> String {
    let words = addr.segments();
    // The longest run of two or more zero words, the first on a tie (as RFC 5952 places `::`).
    let (mut best, mut best_len, mut run_start) = (None, 0, 0);
    for (index, word) in words.iter().enumerate() {
        if *word != 0 {
            run_start = index + 1;
            continue;
        }
        let len = index + 1 - run_start;
        if len > best_len && len >= 2 {
            best = Some(run_start);
            best_len = len;
        }
    }
    let mut parts: Vec<String> = Vec::with_capacity(8);
    let mut index = 0;
    while index < words.len() {
        if best == Some(index) {
            parts.push("zz".to_owned());
            index += best_len;
        } else {
            parts.push(format!("{:x}", words[index]));
            index += 1;
        }
    }
    parts.reverse();
    parts.join(".")
}

/// Appends one plain blocklist line.
pub fn write_plain(out: &mut String, observable: &Observable) {
    out.push_str(&observable.value());
    out.push('\n');
}
