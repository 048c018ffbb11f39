//! Routing rules: which responders a case goes to, in tiers for escalation.
//!
//! A rule matches a case when each of its conditions holds (an absent or empty condition holds always): the
//! jurisdiction is the rule's, the category is one of the rule's, the severity is one of the rule's. A case goes
//! to tier 0 of every matching rule at once; each breached timer escalates it one tier, adding tier *n* of every
//! matching rule (responders already alerted stay). The tiers are copied into the case when it is created, so a
//! later change of the rules does not move cases already open.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::{FieldError, Severity};

/// The most tiers of one rule.
pub const MAX_TIERS: usize = 5;
/// The most names in one tier.
pub const MAX_TIER_NAMES: usize = 50;

/// One tier of responders.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tier {
    /// Organisations: every account of each.
    #[serde(default)]
    pub orgs: Vec<String>,
    /// Single accounts.
    #[serde(default)]
    pub accounts: Vec<String>,
}

impl Tier {
    /// Whether the tier names nobody.
    pub fn is_empty(&self) -> bool {
        self.orgs.is_empty() && self.accounts.is_empty()
    }

    fn merge(&mut self, other: &Tier) {
        for org in &other.orgs {
            if !self.orgs.contains(org) {
                self.orgs.push(org.clone());
            }
        }
        for account in &other.accounts {
            if !self.accounts.contains(account) {
                self.accounts.push(account.clone());
            }
        }
    }
}

/// One operator rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteRule {
    /// Its id (assigned by the hub).
    pub id: String,
    /// Only cases of this jurisdiction (organisation name); `None`: any.
    #[serde(default)]
    pub jurisdiction: Option<String>,
    /// Only these categories; empty: any.
    #[serde(default)]
    pub categories: Vec<String>,
    /// Only these severities; empty: any.
    #[serde(default)]
    pub severities: Vec<Severity>,
    /// Responders, tier 0 first.
    pub tiers: Vec<Tier>,
    /// A note for operators.
    #[serde(default)]
    pub note: String,
}

impl RouteRule {
    /// Whether the rule applies to a case.
    pub fn matches(&self, jurisdiction: &str, category: &str, severity: Severity) -> bool {
        self.jurisdiction.as_deref().is_none_or(|j| j == jurisdiction)
            && (self.categories.is_empty() || self.categories.iter().any(|c| c == category))
            && (self.severities.is_empty() || self.severities.contains(&severity))
    }

    /// Every organisation and account the rule names.
    pub fn named(&self) -> (BTreeSet<&str>, BTreeSet<&str>) {
        let orgs = self
            .tiers
            .iter()
            .flat_map(|t| t.orgs.iter().map(String::as_str))
            .collect();
        let accounts = self
            .tiers
            .iter()
            .flat_map(|t| t.accounts.iter().map(String::as_str))
            .collect();
        (orgs, accounts)
    }
}

/// What routing decided for a case.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Routing {
    /// The ids of the matching rules.
    pub rules: Vec<String>,
    /// The merged tiers.
    pub tiers: Vec<Tier>,
}

/// Routes a case through `rules`.
pub fn route(rules: &[RouteRule], jurisdiction: &str, category: &str, severity: Severity) -> Routing {
    let mut routing = Routing::default();
    for rule in rules
        .iter()
        .filter(|r| r.matches(jurisdiction, category, severity))
    {
        routing.rules.push(rule.id.clone());
        for (i, tier) in rule.tiers.iter().enumerate() {
            if routing.tiers.len() <= i {
                routing.tiers.push(Tier::default());
            }
            routing.tiers[i].merge(tier);
        }
    }
    routing
}

/// A rule (without its id) from JSON: `{"jurisdiction"?, "categories"?, "severities"?, "tiers": [{"orgs",
/// "accounts"}], "note"?}`. Category ids are checked by the caller against the taxonomy.
pub fn rule_from_json(value: &Value) -> Result<RouteRule, Vec<FieldError>> {
    let mut errors = Vec::new();
    let Some(map) = value.as_object() else {
        return Err(vec![FieldError::new("", "the rule must be a JSON object")]);
    };
    for key in map.keys() {
        if !["jurisdiction", "categories", "severities", "tiers", "note"].contains(&key.as_str()) {
            errors.push(FieldError::new(
                key.chars().take(64).collect::<String>(),
                "unknown field",
            ));
        }
    }
    let names = |field: &str, v: Option<&Value>, errors: &mut Vec<FieldError>| -> Vec<String> {
        match v {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) if items.len() <= MAX_TIER_NAMES => {
                let mut out = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    match item.as_str().map(str::trim) {
                        Some(name)
                            if !name.is_empty()
                                && name.len() <= 128
                                && !name.chars().any(char::is_control) =>
                        {
                            if !out.iter().any(|n: &String| n == name) {
                                out.push(name.to_owned());
                            }
                        }
                        _ => errors.push(FieldError::new(
                            format!("{field}[{i}]"),
                            "must be a non-empty name",
                        )),
                    }
                }
                out
            }
            Some(_) => {
                errors.push(FieldError::new(
                    field,
                    format!("must be an array of at most {MAX_TIER_NAMES} names"),
                ));
                Vec::new()
            }
        }
    };
    let jurisdiction = match map.get("jurisdiction") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) if !text.trim().is_empty() && text.len() <= 128 => {
            Some(text.trim().to_owned())
        }
        Some(_) => {
            errors.push(FieldError::new("jurisdiction", "must be an organisation name"));
            None
        }
    };
    let categories = names("categories", map.get("categories"), &mut errors);
    let severities = names("severities", map.get("severities"), &mut errors)
        .iter()
        .enumerate()
        .filter_map(|(i, text)| {
            let parsed = Severity::parse(text);
            if parsed.is_none() {
                errors.push(FieldError::new(
                    format!("severities[{i}]"),
                    "must be low, medium, high or critical",
                ));
            }
            parsed
        })
        .collect();
    let mut tiers = Vec::new();
    match map.get("tiers") {
        Some(Value::Array(items)) if !items.is_empty() && items.len() <= MAX_TIERS => {
            for (i, item) in items.iter().enumerate() {
                let orgs = names(&format!("tiers[{i}].orgs"), item.get("orgs"), &mut errors);
                let accounts = names(&format!("tiers[{i}].accounts"), item.get("accounts"), &mut errors);
                let tier = Tier { orgs, accounts };
                if tier.is_empty() {
                    errors.push(FieldError::new(
                        format!("tiers[{i}]"),
                        "names no organisation or account",
                    ));
                }
                tiers.push(tier);
            }
        }
        _ => errors.push(FieldError::new(
            "tiers",
            format!("must be an array of 1 to {MAX_TIERS} tiers"),
        )),
    }
    let note = match map.get("note") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) if text.len() <= 500 => text.clone(),
        Some(_) => {
            errors.push(FieldError::new("note", "must be a string of at most 500 bytes"));
            String::new()
        }
    };
    if errors.is_empty() {
        Ok(RouteRule {
            id: String::new(),
            jurisdiction,
            categories,
            severities,
            tiers,
            note,
        })
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn rule(id: &str, value: Value) -> RouteRule {
        let mut rule = rule_from_json(&value).expect("valid rule");
        rule.id = id.to_owned();
        rule
    }

    #[test]
    fn matching_rules_merge_tier_by_tier() {
        let rules = [
            rule(
                "a",
                json!({"jurisdiction": "wake", "tiers": [{"orgs": ["state"]}, {"orgs": ["fusion"]}]}),
            ),
            rule(
                "b",
                json!({"severities": ["critical"], "tiers": [{"accounts": ["duty-officer"]}]}),
            ),
            rule(
                "c",
                json!({"categories": ["doxing"], "tiers": [{"orgs": ["police"]}]}),
            ),
        ];
        let routing = route(&rules, "wake", "account-compromise", Severity::Critical);
        assert_eq!(routing.rules, vec!["a", "b"]);
        assert_eq!(routing.tiers[0].orgs, vec!["state"]);
        assert_eq!(routing.tiers[0].accounts, vec!["duty-officer"]);
        assert_eq!(routing.tiers[1].orgs, vec!["fusion"]);
        let none = route(&rules, "durham", "other", Severity::Low);
        assert!(none.tiers.is_empty());
    }

    #[test]
    fn a_bad_rule_names_its_fields() {
        let errors = rule_from_json(&json!({"severities": ["urgent"], "tiers": [{}], "colour": 1}))
            .expect_err("invalid");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert!(
            fields.contains(&"colour") && fields.contains(&"severities[0]") && fields.contains(&"tiers[0]")
        );
    }
}
