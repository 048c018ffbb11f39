//! What a pattern says exactly: the observable values an indicator's STIX pattern is an exact OR of.
//!
//! Only an `=` (or `IN`, or `ISSUBSET` on an address) comparison on a known path — `ipv4-addr:value`,
//! `ipv6-addr:value`, `domain-name:value`, `url:value`, `email-addr:value`, `file:hashes.<MD5|SHA-1|SHA-256|
//! SHA-512>` — and ORs of those are exportable. Anything else (AND, FOLLOWEDBY, qualifiers, NOT, `!=`, LIKE,
//! MATCHES, ordering comparisons, EXISTS, other paths) is a [`SkipReason`]: an export never drops an
//! indicator silently and never widens or narrows what it means.
//!
//! Invariant: every [`Observable`] value is printable ASCII without spaces, validated for its kind, and
//! normalised (addresses canonical with host bits cleared, names and hashes lowercase), so renderers only
//! have to escape, never to judge.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use stix_pattern::ast::{CompOp, ComparisonExpr, Literal, ObservationExpr, PathStep, Pattern};

/// The kinds of observable an export can carry (also the names of the `type` filter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObservableKind {
    /// `ipv4-addr`.
    Ipv4,
    /// `ipv6-addr`.
    Ipv6,
    /// `domain-name`.
    Domain,
    /// `url`.
    Url,
    /// `email-addr`.
    Email,
    /// `file` (its hashes).
    FileHash,
}

impl ObservableKind {
    /// Every kind, in a fixed order.
    pub const ALL: [ObservableKind; 6] = [
        ObservableKind::Ipv4,
        ObservableKind::Ipv6,
        ObservableKind::Domain,
        ObservableKind::Url,
        ObservableKind::Email,
        ObservableKind::FileHash,
    ];

    /// The STIX type name.
    pub fn as_str(self) -> &'static str {
        match self {
            ObservableKind::Ipv4 => "ipv4-addr",
            ObservableKind::Ipv6 => "ipv6-addr",
            ObservableKind::Domain => "domain-name",
            ObservableKind::Url => "url",
            ObservableKind::Email => "email-addr",
            ObservableKind::FileHash => "file",
        }
    }

    /// Parses a STIX type name.
    pub fn parse(name: &str) -> Option<ObservableKind> {
        ObservableKind::ALL.into_iter().find(|kind| kind.as_str() == name)
    }
}

/// An IP network (a single address is a /32 or /128), host bits cleared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IpNet {
    /// IPv4 address and prefix length.
    V4(Ipv4Addr, u8),
    /// IPv6 address and prefix length.
    V6(Ipv6Addr, u8),
}

impl IpNet {
    /// True for a single address.
    pub fn is_host(&self) -> bool {
        match self {
            IpNet::V4(_, prefix) => *prefix == 32,
            IpNet::V6(_, prefix) => *prefix == 128,
        }
    }
}

impl fmt::Display for IpNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IpNet::V4(addr, 32) => write!(f, "{addr}"),
            IpNet::V6(addr, 128) => write!(f, "{addr}"),
            IpNet::V4(addr, prefix) => write!(f, "{addr}/{prefix}"),
            IpNet::V6(addr, prefix) => write!(f, "{addr}/{prefix}"),
        }
    }
}

/// A file hash algorithm the exports carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HashAlgorithm {
    /// MD5 (32 hex digits).
    Md5,
    /// SHA-1 (40).
    Sha1,
    /// SHA-256 (64).
    Sha256,
    /// SHA-512 (128).
    Sha512,
}

impl HashAlgorithm {
    /// The STIX hash-algorithm vocabulary name.
    pub fn as_str(self) -> &'static str {
        match self {
            HashAlgorithm::Md5 => "MD5",
            HashAlgorithm::Sha1 => "SHA-1",
            HashAlgorithm::Sha256 => "SHA-256",
            HashAlgorithm::Sha512 => "SHA-512",
        }
    }

    fn parse(key: &str) -> Option<HashAlgorithm> {
        match key.to_ascii_uppercase().as_str() {
            "MD5" => Some(HashAlgorithm::Md5),
            "SHA-1" | "SHA1" => Some(HashAlgorithm::Sha1),
            "SHA-256" | "SHA256" => Some(HashAlgorithm::Sha256),
            "SHA-512" | "SHA512" => Some(HashAlgorithm::Sha512),
            _ => None,
        }
    }

    fn hex_len(self) -> usize {
        match self {
            HashAlgorithm::Md5 => 32,
            HashAlgorithm::Sha1 => 40,
            HashAlgorithm::Sha256 => 64,
            HashAlgorithm::Sha512 => 128,
        }
    }
}

/// One exact observable value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Observable {
    /// An IPv4 or IPv6 address or network.
    Ip(IpNet),
    /// A DNS name, lowercase, without a trailing dot.
    Domain(String),
    /// A URL as written (printable ASCII), with its parts.
    Url(Url),
    /// An e-mail address, as written (printable ASCII).
    Email(String),
    /// A file hash, lowercase hex.
    FileHash(HashAlgorithm, String),
}

impl Observable {
    /// Its kind.
    pub fn kind(&self) -> ObservableKind {
        match self {
            Observable::Ip(IpNet::V4(..)) => ObservableKind::Ipv4,
            Observable::Ip(IpNet::V6(..)) => ObservableKind::Ipv6,
            Observable::Domain(_) => ObservableKind::Domain,
            Observable::Url(_) => ObservableKind::Url,
            Observable::Email(_) => ObservableKind::Email,
            Observable::FileHash(..) => ObservableKind::FileHash,
        }
    }

    /// The value as a blocklist line carries it.
    pub fn value(&self) -> String {
        match self {
            Observable::Ip(net) => net.to_string(),
            Observable::Domain(name) | Observable::Email(name) => name.clone(),
            Observable::Url(url) => url.text.clone(),
            Observable::FileHash(_, hex) => hex.clone(),
        }
    }
}

/// A URL split into the parts rules need. Only `scheme://host[:port]/path?query` forms are accepted.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Url {
    /// The whole URL as written.
    pub text: String,
    /// The scheme, lowercase.
    pub scheme: String,
    /// The host, lowercase (an IPv6 host keeps its brackets).
    pub host: String,
    /// The path and query as sent in a request line (`/` when empty), without the fragment.
    pub request_target: String,
}

/// Why an indicator (or one of its values) is not in an export. The text is what the export's trailer says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SkipReason {
    /// `pattern_type` other than `stix`.
    PatternType,
    /// No pattern, or one the parser refuses.
    PatternInvalid,
    /// `[a] AND [b]` or `FOLLOWEDBY` between observations.
    SeveralObservations,
    /// `WITHIN`, `REPEATS`, `START … STOP`.
    Qualifier,
    /// `a AND b` inside one observation.
    AndInObservation,
    /// `NOT` before an operator.
    Negation,
    /// `!=`.
    NotEqual,
    /// `LIKE` or `MATCHES`.
    FuzzyOperator,
    /// `<`, `>`, `ISSUPERSET`, `EXISTS` and other operators an export cannot express.
    OtherOperator,
    /// A path the exports do not carry (e.g. `file:name`, `process:command_line`).
    UnknownPath,
    /// A hash algorithm the exports do not carry (e.g. SSDEEP).
    HashAlgorithm,
    /// A literal of the wrong type for the path.
    LiteralType,
    /// An address, network, name, URL, e-mail or hash that is malformed (or has spaces, control or
    /// non-ASCII characters: internationalised names need their A-label form).
    MalformedValue,
    /// The format has no exact way to express this kind of value (e.g. a file hash in a Suricata rule).
    FormatCannotExpress,
    /// A URL scheme whose request the format cannot see (e.g. `https`: the path is encrypted).
    UrlScheme,
    /// The configured sid range is used up.
    SidRangeExhausted,
    /// The object is not an indicator, or its JSON is not readable as one.
    NotAnIndicator,
}

impl SkipReason {
    /// The text the export's trailer prints.
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::PatternType => "pattern_type is not stix",
            SkipReason::PatternInvalid => "pattern missing or invalid",
            SkipReason::SeveralObservations => "AND/FOLLOWEDBY between observations cannot be expressed",
            SkipReason::Qualifier => "WITHIN/REPEATS/START-STOP qualifiers cannot be expressed",
            SkipReason::AndInObservation => "AND of conditions cannot be expressed as single values",
            SkipReason::Negation => "NOT cannot be expressed",
            SkipReason::NotEqual => "!= cannot be expressed",
            SkipReason::FuzzyOperator => "LIKE/MATCHES cannot be expressed exactly",
            SkipReason::OtherOperator => "operator other than = / IN / ISSUBSET cannot be expressed",
            SkipReason::UnknownPath => {
                "property not exported (only address, domain, url, e-mail values and file hashes)"
            }
            SkipReason::HashAlgorithm => "hash algorithm not exported (only MD5, SHA-1, SHA-256, SHA-512)",
            SkipReason::LiteralType => "comparison value is not a string",
            SkipReason::MalformedValue => "malformed value (or spaces, control or non-ASCII characters)",
            SkipReason::FormatCannotExpress => "this format cannot express the value's type",
            SkipReason::UrlScheme => "URL scheme not visible to this format (only http URLs become rules)",
            SkipReason::SidRangeExhausted => "sid range exhausted",
            SkipReason::NotAnIndicator => "not a readable indicator",
        }
    }
}

/// The exact observable values of a pattern, or why it has none.
pub fn observables_of_pattern(text: &str) -> Result<Vec<Observable>, SkipReason> {
    let pattern: Pattern = stix_pattern::parse(text).map_err(|_| SkipReason::PatternInvalid)?;
    let mut out = Vec::new();
    // Iterative walk: patterns may be deep, and no input may exhaust the stack.
    let mut observations = vec![&pattern.expression];
    while let Some(expr) = observations.pop() {
        match expr {
            ObservationExpr::Observation(comparison) => collect_comparisons(comparison, &mut out)?,
            ObservationExpr::Or(left, right) => {
                observations.push(right);
                observations.push(left);
            }
            ObservationExpr::And(..) | ObservationExpr::FollowedBy(..) => {
                return Err(SkipReason::SeveralObservations);
            }
            ObservationExpr::Qualified(..) => return Err(SkipReason::Qualifier),
        }
    }
    // `[a] OR [a]` and `IN ('a', 'a')` name one value once.
    let mut seen = hashbrown::HashSet::with_capacity(out.len());
    out.retain(|observable| seen.insert(observable.clone()));
    Ok(out)
}

fn collect_comparisons(expr: &ComparisonExpr, out: &mut Vec<Observable>) -> Result<(), SkipReason> {
    let mut pending = vec![expr];
    while let Some(expr) = pending.pop() {
        match expr {
            ComparisonExpr::Or(left, right) => {
                pending.push(right);
                pending.push(left);
            }
            ComparisonExpr::And(..) => return Err(SkipReason::AndInObservation),
            ComparisonExpr::Exists { .. } => return Err(SkipReason::OtherOperator),
            ComparisonExpr::Comparison(comparison) => {
                if comparison.negated {
                    return Err(SkipReason::Negation);
                }
                let target = target_of_path(&comparison.path.object_type, &comparison.path.steps)?;
                match (comparison.op, &comparison.value) {
                    (CompOp::Eq, Literal::Str(value)) => out.push(target.observable(value)?),
                    (CompOp::In, Literal::List(items)) => {
                        for item in items {
                            let Literal::Str(value) = item else {
                                return Err(SkipReason::LiteralType);
                            };
                            out.push(target.observable(value)?);
                        }
                    }
                    (CompOp::IsSubset, Literal::Str(value)) if target.is_address() => {
                        out.push(target.observable(value)?);
                    }
                    (CompOp::Eq | CompOp::In, _) => return Err(SkipReason::LiteralType),
                    (CompOp::Neq, _) => return Err(SkipReason::NotEqual),
                    (CompOp::Like | CompOp::Matches, _) => return Err(SkipReason::FuzzyOperator),
                    _ => return Err(SkipReason::OtherOperator),
                }
            }
        }
    }
    Ok(())
}

/// Which exportable property a path names.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Target {
    Ipv4,
    Ipv6,
    Domain,
    Url,
    Email,
    Hash(HashAlgorithm),
}

pub(crate) fn target_of_path(object_type: &str, steps: &[PathStep]) -> Result<Target, SkipReason> {
    let keys: Vec<&str> = steps
        .iter()
        .map(|step| match step {
            PathStep::Key(key) => Some(key.as_str()),
            _ => None,
        })
        .collect::<Option<Vec<_>>>()
        .ok_or(SkipReason::UnknownPath)?;
    match (object_type, keys.as_slice()) {
        ("ipv4-addr", ["value"]) => Ok(Target::Ipv4),
        ("ipv6-addr", ["value"]) => Ok(Target::Ipv6),
        ("domain-name", ["value"]) => Ok(Target::Domain),
        ("url", ["value"]) => Ok(Target::Url),
        ("email-addr", ["value"]) => Ok(Target::Email),
        ("file", ["hashes", algorithm]) => HashAlgorithm::parse(algorithm)
            .map(Target::Hash)
            .ok_or(SkipReason::HashAlgorithm),
        _ => Err(SkipReason::UnknownPath),
    }
}

impl Target {
    pub(crate) fn is_address(self) -> bool {
        matches!(self, Target::Ipv4 | Target::Ipv6)
    }

    pub(crate) fn observable(self, value: &str) -> Result<Observable, SkipReason> {
        let malformed = SkipReason::MalformedValue;
        match self {
            Target::Ipv4 => parse_ipv4_net(value).map(Observable::Ip).ok_or(malformed),
            Target::Ipv6 => parse_ipv6_net(value).map(Observable::Ip).ok_or(malformed),
            Target::Domain => normalise_domain(value).map(Observable::Domain).ok_or(malformed),
            Target::Url => parse_url(value).map(Observable::Url).ok_or(malformed),
            Target::Email => parse_email(value).map(Observable::Email).ok_or(malformed),
            Target::Hash(algorithm) => {
                let ok = value.len() == algorithm.hex_len() && value.bytes().all(|b| b.is_ascii_hexdigit());
                ok.then(|| Observable::FileHash(algorithm, value.to_ascii_lowercase()))
                    .ok_or(malformed)
            }
        }
    }
}

fn split_prefix(value: &str, max: u8) -> Option<(&str, u8)> {
    match value.split_once('/') {
        None => Some((value, max)),
        Some((addr, prefix)) => {
            let ok = !prefix.is_empty() && prefix.len() <= 3 && prefix.bytes().all(|b| b.is_ascii_digit());
            let prefix: u8 = if ok { prefix.parse().ok()? } else { return None };
            (prefix <= max).then_some((addr, prefix))
        }
    }
}

/// An IPv4 address or CIDR network, host bits cleared.
pub fn parse_ipv4_net(value: &str) -> Option<IpNet> {
    let (addr, prefix) = split_prefix(value, 32)?;
    let addr: Ipv4Addr = addr.parse().ok()?;
    let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
    Some(IpNet::V4(Ipv4Addr::from(u32::from(addr) & mask), prefix))
}

/// An IPv6 address or CIDR network, host bits cleared.
pub fn parse_ipv6_net(value: &str) -> Option<IpNet> {
    let (addr, prefix) = split_prefix(value, 128)?;
    let addr: Ipv6Addr = addr.parse().ok()?;
    let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
    Some(IpNet::V6(Ipv6Addr::from(u128::from(addr) & mask), prefix))
}

/// A DNS name made of letters, digits, `-` and `_` labels (1–63 bytes, 253 in all), lowercase, without
/// the trailing dot; `None` for anything else (spaces, wildcards, non-ASCII, empty labels).
pub fn normalise_domain(value: &str) -> Option<String> {
    let name = value.strip_suffix('.').unwrap_or(value);
    let ok = !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
    ok.then(|| name.to_ascii_lowercase())
}

fn is_printable_ascii_without_space(value: &str) -> bool {
    !value.is_empty() && value.bytes().all(|b| b.is_ascii_graphic())
}

fn parse_url(value: &str) -> Option<Url> {
    if !is_printable_ascii_without_space(value) {
        return None;
    }
    let (scheme, rest) = value.split_once("://")?;
    let scheme_ok = !scheme.is_empty()
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    if !scheme_ok {
        return None;
    }
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, target) = rest.split_at(authority_end);
    if authority.contains('@') {
        // Credentials in a URL: no rule or list entry can express them exactly.
        return None;
    }
    let host = if let Some(bracketed) = authority.strip_prefix('[') {
        let (inner, after) = bracketed.split_once(']')?;
        inner.parse::<Ipv6Addr>().ok()?;
        if !(after.is_empty() || valid_port(after.strip_prefix(':')?)) {
            return None;
        }
        format!("[{}]", inner.to_ascii_lowercase())
    } else {
        let (host, port) = match authority.split_once(':') {
            Some((host, port)) if valid_port(port) => (host, Some(port)),
            Some(_) => return None,
            None => (authority, None),
        };
        let _ = port;
        if host.parse::<Ipv4Addr>().is_ok() {
            host.to_owned()
        } else {
            normalise_domain(host)?
        }
    };
    let without_fragment = target.split('#').next().unwrap_or_default();
    let request_target = match without_fragment {
        "" => "/".to_owned(),
        query if query.starts_with('?') => format!("/{query}"),
        path => path.to_owned(),
    };
    Some(Url {
        text: value.to_owned(),
        scheme: scheme.to_ascii_lowercase(),
        host,
        request_target,
    })
}

fn valid_port(port: &str) -> bool {
    !port.is_empty()
        && port.len() <= 5
        && port.bytes().all(|b| b.is_ascii_digit())
        && port.parse::<u16>().is_ok()
}

fn parse_email(value: &str) -> Option<String> {
    if !is_printable_ascii_without_space(value) {
        return None;
    }
    let (local, domain) = value.rsplit_once('@')?;
    let ok = !local.is_empty() && !local.contains('@') && normalise_domain(domain).is_some();
    ok.then(|| value.to_owned())
}
