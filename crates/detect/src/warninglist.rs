//! Warninglists: known-benign values (private and special-use addresses, public resolvers, popular sites)
//! that an export suppresses, each suppression counted under the list's name.
//!
//! The lists are MISP warninglists (CC0-1.0, `warninglists/NOTICE.misp-warninglists.md`), copied byte for
//! byte into `crates/detect/warninglists/` and embedded in the binary, so an export needs no files at run
//! time. How each list `type` matches (decided here, documented in docs/exports.md):
//! - `cidr`: an address, or a whole network, inside a listed network; applies to IPv4/IPv6 values.
//! - `string`: the exact name (case-insensitive); applies to domain names.
//! - `hostname`: the exact name or `www.` + it, **not** every subdomain: popular sites host their users'
//!   content (`attacker.example-hosting.com`), and suppressing whole zones hides real threats. Applies to
//!   domain names and, when the list's `matching_attributes` include `url`, to URL hosts.
//!
//! The default set leaves out the cloud and CDN ranges (`akamai`, `amazon-aws`, `cloudflare`, `fastly`,
//! `google-gcp`, `microsoft-azure`): attackers rent addresses there, so suppressing them hides real threats.

use std::net::{Ipv4Addr, Ipv6Addr};

use serde::Deserialize;

use crate::observable::{IpNet, Observable, normalise_domain, parse_ipv4_net, parse_ipv6_net};

/// The embedded lists: (name, JSON, in the default set).
const EMBEDDED: &[(&str, &str, bool)] = &[
    ("rfc1918", include_str!("../warninglists/rfc1918.json"), true),
    ("rfc5735", include_str!("../warninglists/rfc5735.json"), true),
    ("rfc6598", include_str!("../warninglists/rfc6598.json"), true),
    ("multicast", include_str!("../warninglists/multicast.json"), true),
    ("rfc3849", include_str!("../warninglists/rfc3849.json"), true),
    (
        "ipv6-linklocal",
        include_str!("../warninglists/ipv6-linklocal.json"),
        true,
    ),
    ("rfc6761", include_str!("../warninglists/rfc6761.json"), true),
    (
        "public-dns-v4",
        include_str!("../warninglists/public-dns-v4.json"),
        true,
    ),
    (
        "public-dns-v6",
        include_str!("../warninglists/public-dns-v6.json"),
        true,
    ),
    ("tranco10k", include_str!("../warninglists/tranco10k.json"), true),
    ("akamai", include_str!("../warninglists/akamai.json"), false),
    (
        "amazon-aws",
        include_str!("../warninglists/amazon-aws.json"),
        false,
    ),
    (
        "cloudflare",
        include_str!("../warninglists/cloudflare.json"),
        false,
    ),
    ("fastly", include_str!("../warninglists/fastly.json"), false),
    (
        "google-gcp",
        include_str!("../warninglists/google-gcp.json"),
        false,
    ),
    (
        "microsoft-azure",
        include_str!("../warninglists/microsoft-azure.json"),
        false,
    ),
];

/// A list that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum WarninglistError {
    /// Not a warninglist JSON document.
    #[error("warninglist {name}: {message}")]
    Invalid {
        /// The list's file name or given name.
        name: String,
        /// What is wrong.
        message: String,
    },
}

#[derive(Debug, Deserialize)]
struct ListDocument {
    name: String,
    #[serde(rename = "type")]
    list_type: String,
    list: Vec<String>,
    #[serde(default)]
    matching_attributes: Vec<String>,
}

/// A set of warninglists, indexed for lookups.
#[derive(Debug, Default)]
pub struct Warninglists {
    names: Vec<String>,
    /// Per IPv4 prefix length (0–32): network address → list index.
    v4: Vec<hashbrown::HashMap<u32, u16>>,
    /// Per IPv6 prefix length (0–128): network address → list index.
    v6: Vec<hashbrown::HashMap<u128, u16>>,
    v4_lengths: Vec<u8>,
    v6_lengths: Vec<u8>,
    /// Exact domain names → list index.
    domains: hashbrown::HashMap<String, u16>,
    /// Names whose `www.` form is matched too (hostname lists), → list index.
    hostnames: hashbrown::HashMap<String, u16>,
    /// Hostname lists that apply to URL hosts: names → list index.
    url_hosts: hashbrown::HashMap<String, u16>,
}

impl Warninglists {
    /// The embedded default set (everything but the cloud and CDN ranges).
    pub fn embedded_default() -> Result<Warninglists, WarninglistError> {
        Warninglists::from_documents(
            EMBEDDED
                .iter()
                .filter(|(_, _, default)| *default)
                .map(|(n, j, _)| (*n, *j)),
        )
    }

    /// Every embedded list, cloud and CDN ranges included.
    pub fn embedded_all() -> Result<Warninglists, WarninglistError> {
        Warninglists::from_documents(EMBEDDED.iter().map(|(n, j, _)| (*n, *j)))
    }

    /// The names of the embedded lists and whether each is in the default set.
    pub fn embedded_names() -> impl Iterator<Item = (&'static str, bool)> {
        EMBEDDED.iter().map(|(name, _, default)| (*name, *default))
    }

    /// Builds the index from `(name, JSON text)` pairs (MISP warninglist format; the JSON's `name` is
    /// reported, the given name only names errors).
    pub fn from_documents<'a>(
        documents: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Warninglists, WarninglistError> {
        let mut lists = Warninglists {
            v4: vec![hashbrown::HashMap::new(); 33],
            v6: vec![hashbrown::HashMap::new(); 129],
            ..Warninglists::default()
        };
        for (file_name, json) in documents {
            let invalid = |message: String| WarninglistError::Invalid {
                name: file_name.to_owned(),
                message,
            };
            let document: ListDocument =
                serde_json::from_str(json).map_err(|err| invalid(err.to_string()))?;
            let index = u16::try_from(lists.names.len()).map_err(|_| invalid("too many lists".to_owned()))?;
            lists.names.push(document.name.clone());
            lists.add(&document, index).map_err(invalid)?;
        }
        lists.v4_lengths = (0..=32u8)
            .filter(|l| !lists.v4[usize::from(*l)].is_empty())
            .collect();
        lists.v6_lengths = (0..=128u8)
            .filter(|l| !lists.v6[usize::from(*l)].is_empty())
            .collect();
        Ok(lists)
    }

    fn add(&mut self, document: &ListDocument, index: u16) -> Result<(), String> {
        match document.list_type.as_str() {
            "cidr" => {
                for entry in &document.list {
                    match parse_ipv4_net(entry).or_else(|| parse_ipv6_net(entry)) {
                        Some(IpNet::V4(addr, prefix)) => {
                            self.v4[usize::from(prefix)]
                                .entry(u32::from(addr))
                                .or_insert(index);
                        }
                        Some(IpNet::V6(addr, prefix)) => {
                            self.v6[usize::from(prefix)]
                                .entry(u128::from(addr))
                                .or_insert(index);
                        }
                        None => return Err(format!("{entry:?} is not an address or network")),
                    }
                }
            }
            "string" | "hostname" => {
                let to_urls = document.matching_attributes.iter().any(|a| a == "url");
                for entry in &document.list {
                    // Entries that are not DNS names (e.g. reverse zones with odd labels) cannot equal a
                    // normalised domain value, so they are left out rather than refused.
                    let Some(name) = normalise_domain(entry) else {
                        continue;
                    };
                    if document.list_type == "hostname" {
                        self.hostnames.entry(name.clone()).or_insert(index);
                        if to_urls {
                            self.url_hosts.entry(name.clone()).or_insert(index);
                        }
                    }
                    self.domains.entry(name).or_insert(index);
                }
            }
            other => {
                return Err(format!(
                    "list type {other:?} is not supported (cidr, string, hostname)"
                ));
            }
        }
        Ok(())
    }

    /// The name of the list that makes `observable` known-benign, if any.
    pub fn lookup(&self, observable: &Observable) -> Option<&str> {
        let index = match observable {
            Observable::Ip(IpNet::V4(addr, prefix)) => self.lookup_v4(*addr, *prefix),
            Observable::Ip(IpNet::V6(addr, prefix)) => self.lookup_v6(*addr, *prefix),
            Observable::Domain(name) => self.lookup_name(name, &self.domains),
            Observable::Url(url) => self.lookup_name(&url.host, &self.url_hosts),
            Observable::Email(_) | Observable::FileHash(..) => None,
        }?;
        self.names.get(usize::from(index)).map(String::as_str)
    }

    fn lookup_v4(&self, addr: Ipv4Addr, prefix: u8) -> Option<u16> {
        let bits = u32::from(addr);
        self.v4_lengths
            .iter()
            .take_while(|len| **len <= prefix)
            .find_map(|len| {
                let mask = u32::MAX.checked_shl(32 - u32::from(*len)).unwrap_or(0);
                self.v4[usize::from(*len)].get(&(bits & mask)).copied()
            })
    }

    fn lookup_v6(&self, addr: Ipv6Addr, prefix: u8) -> Option<u16> {
        let bits = u128::from(addr);
        self.v6_lengths
            .iter()
            .take_while(|len| **len <= prefix)
            .find_map(|len| {
                let mask = u128::MAX.checked_shl(128 - u32::from(*len)).unwrap_or(0);
                self.v6[usize::from(*len)].get(&(bits & mask)).copied()
            })
    }

    fn lookup_name(&self, name: &str, exact: &hashbrown::HashMap<String, u16>) -> Option<u16> {
        if let Some(index) = exact.get(name) {
            return Some(*index);
        }
        // `www.` + an entry of a hostname list (`exact` holds every entry allowed for this kind of value).
        let bare = name.strip_prefix("www.")?;
        exact
            .get(bare)
            .copied()
            .filter(|_| self.hostnames.contains_key(bare))
    }
}
