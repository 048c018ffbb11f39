//! Semantic Versioning 2.0.0 precedence (§11): numeric major.minor.patch, then pre-release identifiers
//! (numeric < alphanumeric, fewer identifiers first when all shared ones are equal, a release above every
//! pre-release); build metadata ignored. Lenient on input only where ecosystems are: a leading `v`/`=`, and
//! partial cores (`0.14`) completed with zeros and flagged as coerced.

use std::cmp::Ordering;

use super::Num;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Ident {
    Num(Num),
    Alpha(String),
}

impl Ord for Ident {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Ident::Num(a), Ident::Num(b)) => a.cmp(b),
            (Ident::Num(_), Ident::Alpha(_)) => Ordering::Less,
            (Ident::Alpha(_), Ident::Num(_)) => Ordering::Greater,
            (Ident::Alpha(a), Ident::Alpha(b)) => a.cmp(b),
        }
    }
}

impl PartialOrd for Ident {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Key {
    core: [Num; 3],
    pre: Vec<Ident>,
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        self.core
            .cmp(&other.core)
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => self.pre.cmp(&other.pre),
            })
    }
}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

fn is_ident(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Returns the key and whether the core was partial.
pub(crate) fn parse(text: &str) -> Result<(Key, bool), &'static str> {
    let s = text.strip_prefix(['v', 'V', '=']).unwrap_or(text);
    let (s, _build) = match s.split_once('+') {
        Some((head, build)) => {
            if !build.split('.').all(is_ident) {
                return Err("malformed build metadata");
            }
            (head, Some(build))
        }
        None => (s, None),
    };
    let (core, pre) = match s.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (s, None),
    };
    let parts: Vec<&str> = core.split('.').collect();
    if parts.len() > 3 {
        return Err("more than three numeric parts");
    }
    if parts
        .iter()
        .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err("major.minor.patch must be numbers");
    }
    let coerced = parts.len() < 3;
    let num = |i: usize| parts.get(i).map_or_else(|| Num::new("0"), |p| Num::new(p));
    let pre = match pre {
        None => Vec::new(),
        Some(pre) => {
            let mut out = Vec::new();
            for id in pre.split('.') {
                if !is_ident(id) {
                    return Err("malformed pre-release");
                }
                out.push(if id.bytes().all(|b| b.is_ascii_digit()) {
                    Ident::Num(Num::new(id))
                } else {
                    Ident::Alpha(id.to_owned())
                });
            }
            out
        }
    };
    Ok((
        Key {
            core: [num(0), num(1), num(2)],
            pre,
        },
        coerced,
    ))
}
