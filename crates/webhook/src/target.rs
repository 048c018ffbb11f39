//! Which webhook targets may be contacted (the SSRF guard) and how a target URL is read.
//!
//! The delivery side resolves the host itself, classifies every resolved address with `classify`, and
//! connects to an address it checked (never re-resolving), so a name that resolves to a public address once
//! and to 127.0.0.1 the next time (DNS rebinding) cannot reach inside. Redirects are not followed. Addresses
//! that embed an IPv4 address (IPv4-mapped, IPv4-compatible, NAT64, 6to4) are judged by the embedded one.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What kind of address a target resolved to. Only `Public` is contacted unless the operator allows
/// private targets (`serve --allow-private-webhooks`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressClass {
    /// Globally routable.
    Public,
    /// 127.0.0.0/8, ::1.
    Loopback,
    /// RFC 1918 (10/8, 172.16/12, 192.168/16) and the deprecated IPv6 site-local fec0::/10.
    Private,
    /// 169.254/16, fe80::/10 (cloud metadata services live here).
    LinkLocal,
    /// fc00::/7.
    UniqueLocal,
    /// 100.64/10, carrier-grade NAT.
    SharedCgnat,
    /// 224/4, ff00::/8.
    Multicast,
    /// 0.0.0.0/8, ::.
    Unspecified,
    /// Broadcast, reserved, documentation, benchmarking, IETF protocol assignments, Teredo.
    Reserved,
}

impl AddressClass {
    /// True for addresses any operator may let the hub contact.
    pub fn is_public(self) -> bool {
        self == AddressClass::Public
    }

    /// The name used in error messages.
    pub fn as_str(self) -> &'static str {
        match self {
            AddressClass::Public => "public",
            AddressClass::Loopback => "loopback",
            AddressClass::Private => "private",
            AddressClass::LinkLocal => "link-local",
            AddressClass::UniqueLocal => "unique-local",
            AddressClass::SharedCgnat => "shared (CGNAT)",
            AddressClass::Multicast => "multicast",
            AddressClass::Unspecified => "unspecified",
            AddressClass::Reserved => "reserved",
        }
    }

    /// True for classes `--allow-private-webhooks` opens: the operator's own networks. Multicast, unspecified
    /// and reserved addresses are never a webhook receiver.
    pub fn allowed_as_private(self) -> bool {
        matches!(
            self,
            AddressClass::Public
                | AddressClass::Loopback
                | AddressClass::Private
                | AddressClass::LinkLocal
                | AddressClass::UniqueLocal
                | AddressClass::SharedCgnat
        )
    }
}

/// Classifies one resolved address.
pub fn classify(address: IpAddr) -> AddressClass {
    match address {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

fn classify_v4(address: Ipv4Addr) -> AddressClass {
    let [a, b, c, _] = address.octets();
    match (a, b, c) {
        (0, _, _) => AddressClass::Unspecified,
        (127, _, _) => AddressClass::Loopback,
        (10, _, _) | (172, 16..=31, _) | (192, 168, _) => AddressClass::Private,
        (169, 254, _) => AddressClass::LinkLocal,
        (100, 64..=127, _) => AddressClass::SharedCgnat,
        (224..=239, _, _) => AddressClass::Multicast,
        (240..=255, _, _) // reserved and broadcast
        | (192, 0, 0) // IETF protocol assignments
        | (192, 0, 2) | (198, 51, 100) | (203, 0, 113) // documentation
        | (198, 18..=19, _) => AddressClass::Reserved, // benchmarking
        _ => AddressClass::Public,
    }
}

fn classify_v6(address: Ipv6Addr) -> AddressClass {
    let segments = address.segments();
    if let Some(v4) = embedded_v4(address) {
        return classify_v4(v4);
    }
    if address.is_unspecified() {
        return AddressClass::Unspecified;
    }
    if address.is_loopback() {
        return AddressClass::Loopback;
    }
    match segments[0] {
        0xfe80..=0xfebf => AddressClass::LinkLocal,
        0xfec0..=0xfeff => AddressClass::Private,
        0xfc00..=0xfdff => AddressClass::UniqueLocal,
        0xff00..=0xffff => AddressClass::Multicast,
        // Documentation (2001:db8::/32) and Teredo (2001::/32), whose client address is obfuscated.
        0x2001 if segments[1] == 0x0db8 || segments[1] == 0 => AddressClass::Reserved,
        // Everything outside 2000::/3 is unassigned for unicast.
        s if !(0x2000..=0x3fff).contains(&s) => AddressClass::Reserved,
        _ => AddressClass::Public,
    }
}

/// The IPv4 address an IPv6 address stands for: IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d,
/// not :: or ::1), NAT64 (64:ff9b::/96) and 6to4 (2002:a.b.c.d::/48).
fn embedded_v4(address: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = address.segments();
    let low = |hi: u16, lo: u16| {
        let [a, b] = hi.to_be_bytes();
        let [c, d] = lo.to_be_bytes();
        Ipv4Addr::new(a, b, c, d)
    };
    if let Some(v4) = address.to_ipv4_mapped() {
        return Some(v4);
    }
    if s[..6] == [0; 6] && (s[6] != 0 || s[7] > 1) {
        return Some(low(s[6], s[7]));
    }
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return Some(low(s[6], s[7]));
    }
    if s[0] == 0x2002 {
        return Some(low(s[1], s[2]));
    }
    None
}

/// A webhook target URL, read strictly: `http` or `https`, a host, an optional port, a path and query. No
/// user information, no fragment, no whitespace or control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// True for `https`.
    pub tls: bool,
    /// The host as written, lower-cased, without IPv6 brackets.
    pub host: String,
    /// The port (default 80 or 443).
    pub port: u16,
    /// Path and query, starting with `/`.
    pub path_and_query: String,
    /// The `Host` header to send (`host[:port]` as written).
    pub authority: String,
}

/// Why a target URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// Not a URL this hub delivers to.
    #[error("webhook url: {0}")]
    Malformed(&'static str),
    /// Resolves (or is) an address the operator does not allow.
    #[error(
        "webhook url {host} resolves to a {class} address ({address}); private targets need `serve --allow-private-webhooks`"
    )]
    Refused {
        /// The host.
        host: String,
        /// The refused address.
        address: IpAddr,
        /// Its class, as text.
        class: &'static str,
    },
}

/// The longest URL accepted.
const MAX_URL_LEN: usize = 2048;

impl Target {
    /// Parses a target URL.
    pub fn parse(url: &str) -> Result<Target, TargetError> {
        if url.len() > MAX_URL_LEN {
            return Err(TargetError::Malformed("longer than 2048 bytes"));
        }
        if url.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return Err(TargetError::Malformed(
                "contains whitespace or control characters",
            ));
        }
        let (scheme, rest) = url
            .split_once("://")
            .ok_or(TargetError::Malformed("not an absolute URL"))?;
        let tls = match scheme.to_ascii_lowercase().as_str() {
            "https" => true,
            "http" => false,
            _ => return Err(TargetError::Malformed("the scheme must be http or https")),
        };
        let rest = rest.split('#').next().unwrap_or_default();
        let split = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(split);
        if authority.contains('@') {
            return Err(TargetError::Malformed("user information is not allowed"));
        }
        let (host, port) = split_host_port(authority)?;
        let port = match port {
            Some(port) => port,
            None if tls => 443,
            None => 80,
        };
        let path_and_query = if path.starts_with('/') {
            path.to_owned()
        } else {
            format!("/{path}")
        };
        Ok(Target {
            tls,
            host: host.to_ascii_lowercase(),
            port,
            path_and_query,
            authority: authority.to_ascii_lowercase(),
        })
    }

    /// The host as an address, when it is one (no resolution needed).
    pub fn literal_address(&self) -> Option<IpAddr> {
        self.host.parse().ok()
    }

    /// Checks a resolved address against the operator's choice.
    pub fn check(&self, address: IpAddr, allow_private: bool) -> Result<(), TargetError> {
        let class = classify(address);
        let allowed = if allow_private {
            class.allowed_as_private()
        } else {
            class.is_public()
        };
        if allowed {
            Ok(())
        } else {
            Err(TargetError::Refused {
                host: self.host.clone(),
                address,
                class: class.as_str(),
            })
        }
    }
}

fn split_host_port(authority: &str) -> Result<(&str, Option<u16>), TargetError> {
    let bad_port = TargetError::Malformed("the port must be a number from 1 to 65535");
    let parse_port = |text: &str| {
        text.parse::<u16>()
            .ok()
            .filter(|port| *port != 0)
            .ok_or(bad_port.clone())
    };
    if let Some(bracketed) = authority.strip_prefix('[') {
        let (host, after) = bracketed
            .split_once(']')
            .ok_or(TargetError::Malformed("unclosed IPv6 bracket"))?;
        if host.parse::<Ipv6Addr>().is_err() {
            return Err(TargetError::Malformed("not an IPv6 address in brackets"));
        }
        return match after {
            "" => Ok((host, None)),
            _ => Ok((
                host,
                Some(parse_port(after.strip_prefix(':').ok_or(bad_port.clone())?)?),
            )),
        };
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) => (host, Some(parse_port(port)?)),
        None => (authority, None),
    };
    let valid = !host.is_empty()
        && host.len() <= 253
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        && !host.starts_with(['.', '-']);
    if valid {
        Ok((host, port))
    } else {
        Err(TargetError::Malformed("the host is not a DNS name or address"))
    }
}

#[cfg(test)]
mod tests;
