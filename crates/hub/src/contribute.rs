//! Contributing from a browser: checking a document before it is posted, and turning a plain list of
//! observables (IPs, domains, URLs, hashes; one per line) into STIX indicators with a chosen TLP.
//!
//! Invariants:
//! - A check stores nothing and reports exactly what `add_objects` would refuse (the same validation).
//! - The indicators made from observables are ordinary STIX 2.1 objects posted through `add_objects`, so they
//!   pass the same validation, ingest pipeline and sharing facts as anything posted over TAXII.

use std::net::{Ipv4Addr, Ipv6Addr};

use stix::markings::{PREDEFINED_TLP, TlpLevel, TlpVersion};
use taxii::timestamp::format_date_added;

use crate::ingest::validate_envelope;
use crate::{HubError, HubResult, now_micros};

/// What a check of a document found.
#[derive(Debug, Clone, Default)]
pub struct DocumentCheck {
    /// Objects that would be stored (or held for review).
    pub n_valid: usize,
    /// Of those, how many would be redacted (confident personal-data findings) before storage.
    pub n_redacted: usize,
    /// Of those, how many would be held in the PII review queue.
    pub n_held_for_review: usize,
    /// One line per refused object: its id (when readable) and the reasons.
    pub problems: Vec<String>,
}

/// A line of an observables list that is not an observable the hub recognises.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservableProblem {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Validates a bundle or envelope as `add_objects` would, storing nothing.
pub fn check_document(body: &[u8]) -> HubResult<DocumentCheck> {
    let screened = validate_envelope(body)?;
    Ok(DocumentCheck {
        n_valid: screened.objects.len() + screened.pending.len(),
        n_redacted: screened.n_redacted,
        n_held_for_review: screened.pending.len(),
        problems: screened
            .failures
            .into_iter()
            .map(|failure| {
                let id = if failure.id.is_empty() {
                    "an object without a readable id".to_owned()
                } else {
                    failure.id
                };
                format!("{id}: {}", failure.message.unwrap_or_default())
            })
            .collect(),
    })
}

/// Turns one observable per line (blank lines and `#` comments ignored) into an envelope of indicators
/// marked `tlp` (TLP 2.0). Returns the envelope, or every line that is not a recognised observable.
pub fn indicators_from_observables(text: &str, tlp: TlpLevel) -> Result<String, Vec<ObservableProblem>> {
    let marking = PREDEFINED_TLP
        .iter()
        .find(|def| def.version == TlpVersion::V2 && def.level == tlp)
        .map(|def| def.id);
    let now = format_date_added(now_micros());
    let mut objects = Vec::new();
    let mut problems = Vec::new();
    for (line_idx, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match observable_pattern(line) {
            Some((kind, pattern)) => {
                let mut indicator = serde_json::json!({
                    "type": "indicator",
                    "spec_version": "2.1",
                    "id": format!("indicator--{}", uuid::Uuid::new_v4()),
                    "created": now,
                    "modified": now,
                    "name": format!("{kind} {line}"),
                    "pattern": pattern,
                    "pattern_type": "stix",
                    "valid_from": now,
                });
                if let (Some(marking), Some(map)) = (marking, indicator.as_object_mut()) {
                    map.insert("object_marking_refs".to_owned(), serde_json::json!([marking]));
                }
                objects.push(indicator);
            }
            None => problems.push(ObservableProblem {
                line: line_idx + 1,
                message: format!("{line:?} is not an IP address, domain name, URL or MD5/SHA-1/SHA-256 hash"),
            }),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(serde_json::json!({ "objects": objects }).to_string())
}

/// Parses a TLP level from its TLP 2.0 name (`clear`, `green`, `amber`, `amber+strict`, `red`).
pub fn parse_tlp(text: &str) -> HubResult<TlpLevel> {
    match text.to_ascii_lowercase().as_str() {
        "clear" | "white" => Ok(TlpLevel::Clear),
        "green" => Ok(TlpLevel::Green),
        "amber" => Ok(TlpLevel::Amber),
        "amber+strict" | "amber-strict" => Ok(TlpLevel::AmberStrict),
        "red" => Ok(TlpLevel::Red),
        other => Err(HubError::BadRequest(format!("{other:?} is not a TLP level"))),
    }
}

/// A kind label and a STIX pattern for one observable.
fn observable_pattern(line: &str) -> Option<(&'static str, String)> {
    // The value goes into a single-quoted pattern string, where `'` and `\` must be escaped.
    let quoted = line.replace('\\', "\\\\").replace('\'', "\\'");
    if line.parse::<Ipv4Addr>().is_ok() || is_cidr::<Ipv4Addr>(line, 32) {
        return Some(("IPv4", format!("[ipv4-addr:value = '{quoted}']")));
    }
    if line.parse::<Ipv6Addr>().is_ok() || is_cidr::<Ipv6Addr>(line, 128) {
        return Some(("IPv6", format!("[ipv6-addr:value = '{quoted}']")));
    }
    let hash = match line.len() {
        32 => Some("MD5"),
        40 => Some("SHA-1"),
        64 => Some("SHA-256"),
        _ => None,
    };
    if let Some(algorithm) = hash
        && line.chars().all(|c| c.is_ascii_hexdigit())
    {
        return Some((
            "File hash",
            format!("[file:hashes.'{algorithm}' = '{}']", line.to_ascii_lowercase()),
        ));
    }
    let lower = line.to_ascii_lowercase();
    if (lower.starts_with("http://") || lower.starts_with("https://"))
        && line.len() > "https://".len()
        && !line.chars().any(char::is_whitespace)
    {
        return Some(("URL", format!("[url:value = '{quoted}']")));
    }
    if is_domain_name(line) {
        return Some(("Domain", format!("[domain-name:value = '{}']", lower)));
    }
    None
}

fn is_cidr<A: std::str::FromStr>(text: &str, max_prefix: u8) -> bool {
    let Some((address, prefix)) = text.split_once('/') else {
        return false;
    };
    address.parse::<A>().is_ok() && prefix.parse::<u8>().is_ok_and(|prefix| prefix <= max_prefix)
}

fn is_domain_name(text: &str) -> bool {
    let labels: Vec<&str> = text.trim_end_matches('.').split('.').collect();
    text.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_alphabetic()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_each_kind_of_observable() {
        let kinds: Vec<_> = [
            "198.51.100.7",
            "2001:db8::1",
            "203.0.113.0/24",
            "example.org",
            "https://example.org/a?b=c",
            "d41d8cd98f00b204e9800998ecf8427e",
            "da39a3ee5e6b4b0d3255bfef95601890afd80709",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ]
        .iter()
        .map(|line| observable_pattern(line).map(|(kind, _)| kind))
        .collect();
        assert_eq!(
            kinds,
            [
                Some("IPv4"),
                Some("IPv6"),
                Some("IPv4"),
                Some("Domain"),
                Some("URL"),
                Some("File hash"),
                Some("File hash"),
                Some("File hash")
            ]
        );
    }

    #[test]
    fn reports_every_unrecognised_line_with_its_number() {
        let problems = indicators_from_observables(
            "198.51.100.7\nnot an observable\n\n# note\n1.2.3",
            TlpLevel::Green,
        )
        .err()
        .unwrap_or_default();
        let lines: Vec<usize> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [2, 5]);
    }

    #[test]
    fn made_indicators_pass_validation() {
        let envelope = indicators_from_observables(
            "198.51.100.7\nexample.org\nhttps://x.example/it's",
            TlpLevel::Amber,
        )
        .unwrap_or_default();
        let check = check_document(envelope.as_bytes()).map(|c| (c.n_valid, c.problems));
        assert_eq!(check.ok(), Some((3, Vec::new())));
    }
}
