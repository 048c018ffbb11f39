//! Which exact observable values an object mentions, for correlation ("which other objects name this IP?").
//!
//! A mention is weaker than what an export needs ([`crate::observable::observables_of_pattern`]): every `=`,
//! `IN` or address `ISSUBSET` comparison on a known path counts, also under `AND`, `FOLLOWEDBY` and qualifiers,
//! because a mention says only "this value appears", never "this pattern matches exactly this value". Values
//! are normalised like export values (addresses canonical, names and hashes lowercase), so two objects that
//! name one value in different spellings correlate.
//!
//! Sources: an indicator's STIX pattern; an SCO's `value` or `hashes`; the SCOs embedded in an observed-data's
//! `objects` (STIX 2.0 style). Anything malformed is ignored, since a mention is a hint for a person, not a rule.

use serde_json::Value;
use stix_pattern::ast::{CompOp, ComparisonExpr, Literal, ObservationExpr, PathStep};

use crate::observable::{Observable, target_of_path};

/// At most this many values per object: correlation is a hint on a page, and a bundle-sized observed-data
/// must not turn one page view into unbounded work.
pub const MAX_MENTIONS: usize = 64;

/// The distinct observable values `object` mentions (at most [`MAX_MENTIONS`]), in first-seen order.
pub fn mentions(object: &Value) -> Vec<Observable> {
    let mut out = Vec::new();
    match object.get("type").and_then(Value::as_str) {
        Some("indicator") => {
            let is_stix = object
                .get("pattern_type")
                .and_then(Value::as_str)
                .is_none_or(|kind| kind == "stix");
            if let (true, Some(pattern)) = (is_stix, object.get("pattern").and_then(Value::as_str)) {
                out = mentions_of_pattern(pattern);
            }
        }
        Some("observed-data") => {
            if let Some(objects) = object.get("objects").and_then(Value::as_object) {
                for embedded in objects.values() {
                    of_sco(embedded, &mut out);
                }
            }
        }
        Some(_) => of_sco(object, &mut out),
        None => {}
    }
    distinct(out)
}

/// The distinct values a STIX pattern compares exactly on known paths (empty when it does not parse).
pub fn mentions_of_pattern(text: &str) -> Vec<Observable> {
    let Ok(pattern) = stix_pattern::parse(text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    // Iterative walks: patterns may be deep, and no input may exhaust the stack.
    let mut observations = vec![&pattern.expression];
    let mut comparisons = Vec::new();
    while let Some(expr) = observations.pop() {
        match expr {
            ObservationExpr::Observation(comparison) => comparisons.push(comparison),
            ObservationExpr::And(left, right)
            | ObservationExpr::Or(left, right)
            | ObservationExpr::FollowedBy(left, right) => {
                observations.push(right);
                observations.push(left);
            }
            ObservationExpr::Qualified(inner, _) => observations.push(inner),
        }
    }
    comparisons.reverse();
    while let Some(expr) = comparisons.pop() {
        match expr {
            ComparisonExpr::And(left, right) | ComparisonExpr::Or(left, right) => {
                comparisons.push(right);
                comparisons.push(left);
            }
            ComparisonExpr::Exists { .. } => {}
            ComparisonExpr::Comparison(comparison) if !comparison.negated => {
                let Ok(target) = target_of_path(&comparison.path.object_type, &comparison.path.steps) else {
                    continue;
                };
                let literals: Vec<&Literal> = match (comparison.op, &comparison.value) {
                    (CompOp::Eq, literal) => vec![literal],
                    (CompOp::In, Literal::List(items)) => items.iter().collect(),
                    (CompOp::IsSubset, literal) if target.is_address() => vec![literal],
                    _ => Vec::new(),
                };
                for literal in literals {
                    if let Literal::Str(value) = literal
                        && let Ok(observable) = target.observable(value)
                    {
                        out.push(observable);
                    }
                }
            }
            ComparisonExpr::Comparison(_) => {}
        }
        if out.len() >= MAX_MENTIONS * 4 {
            break;
        }
    }
    distinct(out)
}

/// The `value` or `hashes` of one SCO (unknown types and malformed values add nothing).
fn of_sco(sco: &Value, out: &mut Vec<Observable>) {
    let Some(object_type) = sco.get("type").and_then(Value::as_str) else {
        return;
    };
    let key = |name: &str| vec![PathStep::Key(name.to_owned())];
    if let Some(value) = sco.get("value").and_then(Value::as_str)
        && let Ok(target) = target_of_path(object_type, &key("value"))
        && let Ok(observable) = target.observable(value)
    {
        out.push(observable);
    }
    if let Some(hashes) = sco.get("hashes").and_then(Value::as_object) {
        for (algorithm, hash) in hashes {
            let path = [
                PathStep::Key("hashes".to_owned()),
                PathStep::Key(algorithm.clone()),
            ];
            if let (Some(hash), Ok(target)) = (hash.as_str(), target_of_path(object_type, &path))
                && let Ok(observable) = target.observable(hash)
            {
                out.push(observable);
            }
        }
    }
}

fn distinct(values: Vec<Observable>) -> Vec<Observable> {
    let mut seen = hashbrown::HashSet::with_capacity(values.len());
    let mut out: Vec<Observable> = values
        .into_iter()
        .filter(|value| seen.insert(value.clone()))
        .collect();
    out.truncate(MAX_MENTIONS);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn values(object: &Value) -> Vec<String> {
        mentions(object).iter().map(Observable::value).collect()
    }

    #[test]
    fn patterns_mention_values_under_and_followedby_and_qualifiers() {
        let indicator = json!({"type": "indicator", "pattern_type": "stix", "pattern":
            "([ipv4-addr:value = '198.51.100.7' AND domain-name:value = 'EVIL.example.'] FOLLOWEDBY \
             [file:hashes.'SHA-256' = 'AB' OR url:value IN ('http://a.example/x', 'http://a.example/x')]) \
             WITHIN 60 SECONDS"});
        assert_eq!(
            values(&indicator),
            ["198.51.100.7", "evil.example", "http://a.example/x"],
            "a malformed hash is ignored, the duplicate URL named once"
        );
    }

    #[test]
    fn negations_fuzzy_operators_and_other_pattern_types_mention_nothing() {
        for pattern in [
            "[ipv4-addr:value != '198.51.100.7']",
            "[ipv4-addr:value NOT = '198.51.100.7']",
            "[domain-name:value LIKE '%.example']",
            "[x-custom:value = '198.51.100.7']",
            "not a pattern",
        ] {
            let indicator = json!({"type": "indicator", "pattern_type": "stix", "pattern": pattern});
            assert!(values(&indicator).is_empty(), "{pattern}");
        }
        let sigma =
            json!({"type": "indicator", "pattern_type": "sigma", "pattern": "[ipv4-addr:value = '1.2.3.4']"});
        assert!(values(&sigma).is_empty());
    }

    #[test]
    fn scos_and_embedded_observations_mention_their_values() {
        assert_eq!(
            values(&json!({"type": "ipv4-addr", "value": "10.1.2.3/24"})),
            ["10.1.2.0/24"]
        );
        let file =
            json!({"type": "file", "hashes": {"MD5": "D41D8CD98F00B204E9800998ECF8427E", "bogus": "x"}});
        assert_eq!(values(&file), ["d41d8cd98f00b204e9800998ecf8427e"]);
        let observed = json!({"type": "observed-data", "objects": {
            "0": {"type": "domain-name", "value": "Mail.Example.com"},
            "1": {"type": "email-addr", "value": "a@example.com"},
            "2": {"type": "mutex", "name": "m"}}});
        assert_eq!(values(&observed), ["mail.example.com", "a@example.com"]);
        assert!(values(&json!({"type": "malware", "name": "x"})).is_empty());
    }

    #[test]
    fn huge_patterns_are_bounded() {
        let items: Vec<String> = (0..500)
            .map(|i| format!("'10.0.{}.{}'", i / 256, i % 256))
            .collect();
        let indicator = json!({"type": "indicator", "pattern":
            format!("[ipv4-addr:value IN ({})]", items.join(", "))});
        assert_eq!(mentions(&indicator).len(), MAX_MENTIONS);
    }
}
