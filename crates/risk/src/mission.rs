//! Mission and Well-Being impact (the SSVC decision point) from the tags of an organisation and product.
//!
//! The rule (docs/supply-chain.md): the thing supports a National Critical Function → `high` (its
//! disruption is, by the NCF definition, debilitating); it is tagged with a sector only → `medium`; untagged
//! → `low`. The answer carries which tags decided it, so every SSVC decision can show its source.

use serde::Serialize;

use crate::Tags;

/// The SSVC Mission and Well-Being value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MissionImpact {
    /// Untagged.
    Low,
    /// Critical-infrastructure sector, no function.
    Medium,
    /// Supports a National Critical Function.
    High,
}

impl MissionImpact {
    /// Its SSVC value name (`low`, `medium`, `high`).
    pub fn as_str(self) -> &'static str {
        match self {
            MissionImpact::Low => "low",
            MissionImpact::Medium => "medium",
            MissionImpact::High => "high",
        }
    }
}

/// The derived value with where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MissionDerivation {
    /// The value.
    pub value: MissionImpact,
    /// Where it came from, for people (`NCF tags supply-water of organisation county-a`).
    pub source: String,
}

/// Mission and well-being of a product of `org` from the organisation's and the product's tags.
pub fn derive(org: &str, org_tags: &Tags, product: Option<&str>, product_tags: &Tags) -> MissionDerivation {
    let all = org_tags.union(product_tags);
    let whose = match product {
        Some(p) if !product_tags.is_empty() => format!("organisation {org} and product {p}"),
        _ => format!("organisation {org}"),
    };
    if !all.functions.is_empty() {
        let list: Vec<&str> = all.functions.iter().map(String::as_str).collect();
        MissionDerivation {
            value: MissionImpact::High,
            source: format!("National Critical Function tags {} of {whose}", list.join(", ")),
        }
    } else if !all.sectors.is_empty() {
        let list: Vec<&str> = all.sectors.iter().map(String::as_str).collect();
        MissionDerivation {
            value: MissionImpact::Medium,
            source: format!(
                "sector tags {} of {whose} (no National Critical Function)",
                list.join(", ")
            ),
        }
    } else {
        MissionDerivation {
            value: MissionImpact::Low,
            source: format!("{whose} has no sector or National Critical Function tag"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn functions_beat_sectors_beat_nothing() {
        let mut t = Tags::default();
        assert_eq!(derive("o", &t, None, &Tags::default()).value, MissionImpact::Low);
        t.sectors.insert("energy".into());
        assert_eq!(
            derive("o", &t, None, &Tags::default()).value,
            MissionImpact::Medium
        );
        let mut p = Tags::default();
        p.functions.insert("supply-water".into());
        let d = derive("o", &t, Some("scada"), &p);
        assert_eq!(d.value, MissionImpact::High);
        assert!(d.source.contains("supply-water") && d.source.contains("scada"));
    }
}
