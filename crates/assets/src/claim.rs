//! What an organisation may claim as its asset, and how a claim is written.
//!
//! Kinds and their normal forms (docs/assets.md):
//! - `cidr`: an IPv4 or IPv6 network (`198.51.100.0/24`, `2001:db8::/32`) or one address (a /32 or /128).
//!   Host bits must be clear (the error names the network meant), IPv4 no wider than /8 and IPv6 no wider
//!   than /16 (nobody owns a continent), IPv4-mapped IPv6 is written as IPv4. Normal form: the canonical
//!   address text, with `/len` unless a single address.
//! - `domain`: a DNS name and every name under it; ASCII (IDNA `xn--` form), lowercase, no trailing dot, at
//!   least two labels, each 1–63 of `a-z 0-9 -` not starting or ending with `-`, at most 253 bytes.
//! - `email-domain`: the domain of e-mail addresses (`@example.org` or `example.org`), and its subdomains;
//!   the same rules as `domain`.
//! - `asn`: an autonomous system number (`AS64500` or `64500`), not 0, 23456 (AS_TRANS) or 4294967295.
//! - `software`: a package URL (`pkg:type/namespace/name[@version]`) or a CPE (2.3 formatted string or 2.2
//!   URI); see `software`.
//!
//! Overlap (flagged to the verifiers): networks that share an address, a domain equal to or under the other,
//! the same ASN, software identifiers one of which covers the other.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::probe::Probe;
pub use crate::software::Software;

/// The narrowest prefix an IPv4 claim may have (`/8`).
pub const MIN_PREFIX_V4: u8 = 8;
/// The narrowest prefix an IPv6 claim may have (`/16`).
pub const MIN_PREFIX_V6: u8 = 16;

/// The kinds of asset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AssetKind {
    /// An IP network.
    Cidr,
    /// A DNS domain and its subdomains.
    Domain,
    /// An e-mail domain and its subdomains.
    EmailDomain,
    /// An autonomous system.
    Asn,
    /// A software identifier (PURL or CPE).
    Software,
}

impl AssetKind {
    /// Every kind.
    pub const ALL: [AssetKind; 5] = [
        AssetKind::Cidr,
        AssetKind::Domain,
        AssetKind::EmailDomain,
        AssetKind::Asn,
        AssetKind::Software,
    ];

    /// Its name (`cidr`, `domain`, `email-domain`, `asn`, `software`).
    pub fn as_str(self) -> &'static str {
        match self {
            AssetKind::Cidr => "cidr",
            AssetKind::Domain => "domain",
            AssetKind::EmailDomain => "email-domain",
            AssetKind::Asn => "asn",
            AssetKind::Software => "software",
        }
    }

    /// The kind named `name`.
    pub fn parse(name: &str) -> Option<AssetKind> {
        AssetKind::ALL.into_iter().find(|kind| kind.as_str() == name)
    }
}

impl fmt::Display for AssetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a claim is refused: the kind, the text as given and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} {text:?}: {message}")]
pub struct ClaimError {
    /// The kind claimed.
    pub kind: AssetKind,
    /// The text as given (cut to 100 characters).
    pub text: String,
    /// What is wrong.
    pub message: String,
}

/// An IP network: the first address (host bits clear) and the prefix length. IPv4 is held in the low 32 bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IpNet {
    /// IPv6 (else IPv4).
    pub v6: bool,
    /// The first address.
    pub start: u128,
    /// The prefix length.
    pub prefix: u8,
}

impl IpNet {
    /// The number of address bits of its family.
    pub fn bits(&self) -> u8 {
        if self.v6 { 128 } else { 32 }
    }

    /// The last address.
    pub fn end(&self) -> u128 {
        self.start | host_mask(self.bits(), self.prefix)
    }

    /// Whether the two share an address.
    pub fn overlaps(&self, other: &IpNet) -> bool {
        self.v6 == other.v6 && self.start <= other.end() && other.start <= self.end()
    }

    /// `addr` with the host bits of a `/prefix` cleared.
    pub fn masked(v6: bool, addr: u128, prefix: u8) -> u128 {
        let bits = if v6 { 128 } else { 32 };
        addr & !host_mask(bits, prefix)
    }

    /// Reads `address[/len]`: `Err(message)` when malformed; host bits are cleared when `strict` is false.
    pub fn parse(text: &str, strict: bool) -> Result<IpNet, String> {
        let (addr_text, prefix_text) = match text.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (text, None),
        };
        let addr: IpAddr = addr_text
            .parse()
            .map_err(|_| format!("{addr_text:?} is not an IPv4 or IPv6 address"))?;
        let (v6, value) = match addr {
            IpAddr::V4(v4) => (false, u128::from(u32::from(v4))),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) if strict => {
                    return Err(format!("an IPv4-mapped IPv6 address: write it as IPv4 ({v4})"));
                }
                _ => (true, u128::from(v6)),
            },
        };
        let bits = if v6 { 128 } else { 32 };
        let prefix = match prefix_text {
            None => bits,
            Some(p) => {
                if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(format!("prefix length {p:?} is not a number"));
                }
                let prefix: u16 = p
                    .parse()
                    .map_err(|_| format!("prefix length {p:?} is not a number"))?;
                match u8::try_from(prefix) {
                    Ok(prefix) if prefix <= bits => prefix,
                    _ => return Err(format!("prefix length /{prefix} is longer than {bits} bits")),
                }
            }
        };
        let start = IpNet::masked(v6, value, prefix);
        if strict && start != value {
            let meant = IpNet { v6, start, prefix };
            return Err(format!("host bits are set (the network is {meant})"));
        }
        Ok(IpNet { v6, start, prefix })
    }
}

fn host_mask(bits: u8, prefix: u8) -> u128 {
    let host_bits = u32::from(bits.saturating_sub(prefix));
    if host_bits >= 128 {
        u128::MAX
    } else {
        (1u128 << host_bits) - 1
    }
}

impl fmt::Display for IpNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.v6 {
            write!(f, "{}", Ipv6Addr::from(self.start))?;
        } else {
            // The low 32 bits hold the address (constructed so); the cast keeps exactly them.
            write!(f, "{}", Ipv4Addr::from(self.start as u32))?;
        }
        if self.prefix != self.bits() {
            write!(f, "/{}", self.prefix)?;
        }
        Ok(())
    }
}

/// One normalised claim.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Asset {
    /// An IP network.
    Cidr(IpNet),
    /// A domain (lowercase, no trailing dot) and its subdomains.
    Domain(String),
    /// An e-mail domain and its subdomains.
    EmailDomain(String),
    /// An autonomous system number.
    Asn(u32),
    /// A software identifier.
    Software(Software),
}

impl Asset {
    /// Reads a claim of `kind`, with a precise error when it is not one (see the module docs).
    pub fn parse(kind: AssetKind, text: &str) -> Result<Asset, ClaimError> {
        let refuse = |message: String| ClaimError {
            kind,
            text: text.chars().take(100).collect(),
            message,
        };
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(refuse("empty".to_owned()));
        }
        if trimmed.len() > 512 {
            return Err(refuse("longer than 512 bytes".to_owned()));
        }
        match kind {
            AssetKind::Cidr => {
                let net = IpNet::parse(trimmed, true).map_err(refuse)?;
                let min = if net.v6 { MIN_PREFIX_V6 } else { MIN_PREFIX_V4 };
                if net.prefix < min {
                    return Err(refuse(format!(
                        "/{} is wider than an organisation may claim (at most /{min})",
                        net.prefix
                    )));
                }
                Ok(Asset::Cidr(net))
            }
            AssetKind::Domain => normalise_domain(trimmed).map(Asset::Domain).map_err(refuse),
            AssetKind::EmailDomain => {
                let domain = trimmed.strip_prefix('@').unwrap_or(trimmed);
                if domain.contains('@') {
                    return Err(refuse(
                        "an e-mail domain, not an address (write example.org for alice@example.org)"
                            .to_owned(),
                    ));
                }
                normalise_domain(domain).map(Asset::EmailDomain).map_err(refuse)
            }
            AssetKind::Asn => parse_asn(trimmed).map(Asset::Asn).map_err(refuse),
            AssetKind::Software => Software::parse(trimmed).map(Asset::Software).map_err(refuse),
        }
    }

    /// Its kind.
    pub fn kind(&self) -> AssetKind {
        match self {
            Asset::Cidr(_) => AssetKind::Cidr,
            Asset::Domain(_) => AssetKind::Domain,
            Asset::EmailDomain(_) => AssetKind::EmailDomain,
            Asset::Asn(_) => AssetKind::Asn,
            Asset::Software(_) => AssetKind::Software,
        }
    }

    /// Its normal form (what is stored; `parse(kind, value)` gives the same asset back).
    pub fn value(&self) -> String {
        match self {
            Asset::Cidr(net) => net.to_string(),
            Asset::Domain(name) | Asset::EmailDomain(name) => name.clone(),
            Asset::Asn(number) => format!("AS{number}"),
            Asset::Software(software) => software.to_string(),
        }
    }

    /// Whether the two claims cover a common value (symmetric).
    pub fn overlaps(&self, other: &Asset) -> bool {
        match (self, other) {
            (Asset::Cidr(a), Asset::Cidr(b)) => a.overlaps(b),
            (Asset::Domain(a), Asset::Domain(b)) | (Asset::EmailDomain(a), Asset::EmailDomain(b)) => {
                within_domain(a, b) || within_domain(b, a)
            }
            (Asset::Asn(a), Asset::Asn(b)) => a == b,
            (Asset::Software(a), Asset::Software(b)) => a.overlaps(b),
            _ => false,
        }
    }

    /// Whether the observable value `probe` falls inside this asset (an indicator's network overlapping a
    /// claimed network counts).
    pub fn contains_probe(&self, probe: &Probe) -> bool {
        match (self, probe) {
            (Asset::Cidr(asset), Probe::Ip(net)) => asset.overlaps(net),
            (Asset::Domain(asset), Probe::Domain(name)) => within_domain(name, asset),
            (Asset::EmailDomain(asset), Probe::Email(address)) => {
                email_domain(address).is_some_and(|domain| within_domain(domain, asset))
            }
            (Asset::Asn(asset), Probe::Asn(number)) => asset == number,
            (Asset::Software(asset), Probe::Software(software)) => asset.covers(software),
            _ => false,
        }
    }
}

/// `name` is `domain` or a subdomain of it.
pub fn within_domain(name: &str, domain: &str) -> bool {
    name == domain
        || (name.len() > domain.len()
            && name.ends_with(domain)
            && name.as_bytes()[name.len() - domain.len() - 1] == b'.')
}

/// The domain part of an e-mail address.
pub fn email_domain(address: &str) -> Option<&str> {
    address.rsplit_once('@').map(|(_, domain)| domain)
}

/// A DNS name in normal form, or what is wrong with it.
pub fn normalise_domain(text: &str) -> Result<String, String> {
    if !text.is_ascii() {
        return Err("not ASCII: write internationalised names in their IDNA (xn--) form".to_owned());
    }
    let name = text.strip_suffix('.').unwrap_or(text).to_ascii_lowercase();
    if name.len() > 253 {
        return Err("longer than 253 bytes".to_owned());
    }
    if name.contains('/') || name.contains(':') {
        return Err("a domain name, not a URL".to_owned());
    }
    let labels: Vec<&str> = name.split('.').collect();
    if labels.len() < 2 {
        return Err("a top-level domain alone cannot be claimed (at least two labels)".to_owned());
    }
    for label in &labels {
        if label.is_empty() {
            return Err("an empty label (two dots in a row, or a leading dot)".to_owned());
        }
        if label.len() > 63 {
            return Err(format!("label {label:?} is longer than 63 bytes"));
        }
        if let Some(bad) = label
            .chars()
            .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
        {
            return Err(format!("label {label:?} holds {bad:?} (only a-z, 0-9 and -)"));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(format!("label {label:?} starts or ends with '-'"));
        }
    }
    if labels
        .last()
        .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err("an all-numeric top-level label (an address? claim it as a cidr)".to_owned());
    }
    Ok(name)
}

fn parse_asn(text: &str) -> Result<u32, String> {
    let digits = text
        .strip_prefix("AS")
        .or_else(|| text.strip_prefix("as"))
        .or_else(|| text.strip_prefix("As"))
        .unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err("not an AS number (AS64500 or 64500)".to_owned());
    }
    let number: u32 = digits
        .parse()
        .map_err(|_| "beyond the 32-bit AS number range".to_owned())?;
    match number {
        0 => Err("AS0 is reserved (RFC 7607)".to_owned()),
        23456 => Err("AS23456 is AS_TRANS (RFC 6793), not an autonomous system".to_owned()),
        u32::MAX => Err("AS4294967295 is reserved (RFC 7300)".to_owned()),
        _ => Ok(number),
    }
}

#[cfg(test)]
mod tests;
