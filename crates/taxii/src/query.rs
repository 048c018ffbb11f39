//! Query parameters of the TAXII list endpoints: `added_after`, `limit`, `next`, `match[...]`.
//!
//! Invariant: a parsed `ListParams` is well formed: `limit` > 0, `added_after` a timestamp, no repeated
//! `added_after` / `limit` / `next` / `match[field]`, no repeated value inside one match field, and `all` alone in
//! `match[version]`. Unknown parameters and unknown match fields are ignored, as the specification allows.
//! Values in one field are ORed and kept in the order given; `canonical_filters` is order-independent.

use std::collections::BTreeSet;

use stix::timestamp::Timestamp;

use crate::timestamp::parse_added_after;

/// The `match[version]` parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionParam {
    /// Not given: the endpoint's default (`last` for objects and manifest).
    Default,
    /// `all`.
    All,
    /// Any combination of `first`, `last` and exact timestamps.
    Pick {
        /// `first` was given.
        first: bool,
        /// `last` was given.
        last: bool,
        /// Exact versions, compared as instants.
        exact: Vec<Timestamp>,
    },
}

/// The parsed query of a TAXII request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListParams {
    /// `added_after`, in microseconds since the epoch (floored).
    pub added_after: Option<i64>,
    /// `limit`, positive.
    pub limit: Option<u32>,
    /// `next`, when non-empty (taxii2-client sends `next=` on a first page).
    pub next: Option<String>,
    /// `match[id]` values.
    pub ids: Vec<String>,
    /// `match[type]` values.
    pub types: Vec<String>,
    /// `match[version]`.
    pub versions: VersionParam,
    /// `match[spec_version]` values.
    pub spec_versions: Vec<String>,
}

/// A malformed query parameter (answered with 400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct QueryError(pub String);

impl ListParams {
    /// Parses the raw query string (the part after `?`), percent-decoding names and values.
    pub fn parse(raw_query: Option<&str>) -> Result<ListParams, QueryError> {
        let mut params = ListParams {
            added_after: None,
            limit: None,
            next: None,
            ids: Vec::new(),
            types: Vec::new(),
            versions: VersionParam::Default,
            spec_versions: Vec::new(),
        };
        let mut seen = BTreeSet::new();
        for pair in raw_query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (raw_name, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
            let name = percent_decode(raw_name)?;
            let value = percent_decode(raw_value)?;
            let known = matches!(
                name.as_str(),
                "added_after"
                    | "limit"
                    | "next"
                    | "match[id]"
                    | "match[type]"
                    | "match[version]"
                    | "match[spec_version]"
            );
            if !known {
                continue;
            }
            if !seen.insert(name.clone()) {
                return Err(QueryError(format!("parameter {name} may appear only once")));
            }
            match name.as_str() {
                "added_after" => {
                    let micros = parse_added_after(&value).map_err(|err| QueryError(err.to_string()))?;
                    params.added_after = Some(micros);
                }
                "limit" => {
                    let limit = value.parse::<u32>().ok().filter(|&l| l > 0);
                    let limit =
                        limit.ok_or_else(|| QueryError("limit must be a positive integer".to_owned()))?;
                    params.limit = Some(limit);
                }
                "next" => params.next = Some(value).filter(|v| !v.is_empty()),
                "match[id]" => params.ids = split_values(&name, &value)?,
                "match[type]" => params.types = split_values(&name, &value)?,
                "match[spec_version]" => params.spec_versions = split_values(&name, &value)?,
                _ => params.versions = parse_version_param(&value)?,
            }
        }
        Ok(params)
    }

    /// The filters in an order-independent text form, without `limit` and `next`: two requests with the same
    /// canonical filters select the same data. The server digests this into its `next` cursors.
    pub fn canonical_filters(&self) -> String {
        let sorted = |values: &[String]| {
            let mut values = values.to_vec();
            values.sort();
            values.join(",")
        };
        let versions = match &self.versions {
            VersionParam::Default => "default".to_owned(),
            VersionParam::All => "all".to_owned(),
            VersionParam::Pick { first, last, exact } => {
                let mut instants: Vec<String> = exact.iter().map(|t| t.unix_nanos().to_string()).collect();
                instants.sort();
                format!("first={first};last={last};exact={}", instants.join(","))
            }
        };
        format!(
            "added_after={:?}|id={}|type={}|version={versions}|spec_version={}",
            self.added_after,
            sorted(&self.ids),
            sorted(&self.types),
            sorted(&self.spec_versions)
        )
    }
}

fn split_values(name: &str, value: &str) -> Result<Vec<String>, QueryError> {
    let values: Vec<String> = value.split(',').map(str::to_owned).collect();
    if values.iter().any(String::is_empty) {
        return Err(QueryError(format!("{name} has an empty value")));
    }
    let distinct: BTreeSet<&String> = values.iter().collect();
    if distinct.len() != values.len() {
        return Err(QueryError(format!("{name} repeats a value")));
    }
    Ok(values)
}

fn parse_version_param(value: &str) -> Result<VersionParam, QueryError> {
    let values = split_values("match[version]", value)?;
    if values.iter().any(|v| v == "all") {
        if values.len() > 1 {
            return Err(QueryError("match[version]=all must be used alone".to_owned()));
        }
        return Ok(VersionParam::All);
    }
    let (mut first, mut last, mut exact) = (false, false, Vec::new());
    for value in values {
        match value.as_str() {
            "first" => first = true,
            "last" => last = true,
            text => {
                let timestamp = Timestamp::parse(text)
                    .map_err(|_| QueryError(format!("match[version] value {text:?} is not a version")))?;
                if exact.contains(&timestamp) {
                    return Err(QueryError("match[version] repeats a version".to_owned()));
                }
                exact.push(timestamp);
            }
        }
    }
    Ok(VersionParam::Pick { first, last, exact })
}

/// Decodes `%XX` escapes and `+` (a space in form encoding) of one query name or value (also used by the
/// server's non-TAXII routes, so every query is decoded the same way).
pub fn percent_decode(text: &str) -> Result<String, QueryError> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut byte_idx = 0;
    while byte_idx < bytes.len() {
        match bytes[byte_idx] {
            b'%' => {
                let hex = bytes
                    .get(byte_idx + 1..byte_idx + 3)
                    .and_then(|h| std::str::from_utf8(h).ok());
                let byte = hex.and_then(|h| u8::from_str_radix(h, 16).ok());
                let byte = byte.ok_or_else(|| QueryError("malformed percent-encoding".to_owned()))?;
                decoded.push(byte);
                byte_idx += 3;
            }
            b'+' => {
                decoded.push(b' ');
                byte_idx += 1;
            }
            other => {
                decoded.push(other);
                byte_idx += 1;
            }
        }
    }
    String::from_utf8(decoded).map_err(|_| QueryError("query is not UTF-8".to_owned()))
}
