//! The election incident taxonomy: the categories a report may name.
//!
//! Built in: the examples of North Carolina State Board of Elections Numbered Memo 2018-13 (the one stored source
//! with an explicit list, `shared/reference/election/election-incident-categories.json`, CC0 compilation), the
//! threat types CISA's election-security pages name, and `other` (the memo: "better to over-report"). Operators
//! add their own (`stixhub incident-category add`); an added id may not shadow a built-in one.

use serde::{Deserialize, Serialize};

/// One category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    /// The id a report names (`account-compromise`).
    pub id: String,
    /// The label people see.
    pub name: String,
    /// One line of explanation.
    pub description: String,
    /// Whether the operator added it.
    #[serde(default)]
    pub custom: bool,
}

const BUILT_IN: [(&str, &str, &str); 11] = [
    (
        "unauthorized-access",
        "Unauthorized access",
        "Unauthorized physical or logical access to election offices, voting sites or election IT systems.",
    ),
    (
        "account-compromise",
        "Hacking, phishing or account compromise",
        "Hacking, phishing, or compromise of e-mail or social-media accounts of election staff.",
    ),
    (
        "misinformation-campaign",
        "Misinformation campaign",
        "False information about the election spread to voters (dates, places, procedures, results).",
    ),
    (
        "missing-equipment",
        "Missing equipment",
        "Missing laptops, USB drives or other equipment holding voter data or election software.",
    ),
    (
        "media-burning-issue",
        "Unexplained media-burning problems",
        "Unexplained errors when preparing ballot-definition or e-pollbook media.",
    ),
    (
        "reconciliation-problem",
        "Reconciliation problems",
        "Counts that do not reconcile (ballots, voters checked in, results).",
    ),
    (
        "hazardous-mail",
        "Hazardous mail",
        "Letters or parcels with suspicious or hazardous substances sent to election offices.",
    ),
    (
        "physical-threats-harassment",
        "Threats or harassment",
        "Physical threats, harassment or violence against election officials, workers or infrastructure.",
    ),
    (
        "swatting",
        "Swatting",
        "False reports to law enforcement that trigger a tactical response at an official's home or office.",
    ),
    (
        "doxing",
        "Doxing",
        "Personal or sensitive information of officials or the office published with malicious intent.",
    ),
    (
        "other",
        "Other irregularity",
        "Any other irregularity or suspected incident (better to over-report than to under-report).",
    ),
];

/// The categories in force: the built-in ones, then the operator's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taxonomy {
    categories: Vec<Category>,
}

impl Default for Taxonomy {
    fn default() -> Taxonomy {
        Taxonomy::built_in()
    }
}

impl Taxonomy {
    /// The built-in categories only.
    pub fn built_in() -> Taxonomy {
        Taxonomy {
            categories: BUILT_IN
                .iter()
                .map(|(id, name, description)| Category {
                    id: (*id).to_owned(),
                    name: (*name).to_owned(),
                    description: (*description).to_owned(),
                    custom: false,
                })
                .collect(),
        }
    }

    /// The built-in categories and `extra` (those shadowing a built-in id are ignored).
    pub fn with_custom(extra: impl IntoIterator<Item = Category>) -> Taxonomy {
        let mut taxonomy = Taxonomy::built_in();
        for mut category in extra {
            if taxonomy.get(&category.id).is_none() {
                category.custom = true;
                taxonomy.categories.push(category);
            }
        }
        taxonomy
    }

    /// Every category.
    pub fn categories(&self) -> &[Category] {
        &self.categories
    }

    /// The category `id`.
    pub fn get(&self, id: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.id == id)
    }

    /// Whether `id` is built in.
    pub fn is_built_in(id: &str) -> bool {
        BUILT_IN.iter().any(|(built_in, _, _)| *built_in == id)
    }
}

/// Checks a new category id: lowercase ASCII letters, digits and `-`, 1–64 characters.
pub fn check_category_id(id: &str) -> Result<(), String> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err("a category id is 1-64 characters of a-z, 0-9 and -".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_categories_extend_but_never_shadow() {
        let taxonomy = Taxonomy::with_custom([
            Category {
                id: "ballot-drop-box".to_owned(),
                name: "Drop box".to_owned(),
                description: String::new(),
                custom: false,
            },
            Category {
                id: "other".to_owned(),
                name: "Shadow".to_owned(),
                description: String::new(),
                custom: false,
            },
        ]);
        assert!(taxonomy.get("ballot-drop-box").is_some_and(|c| c.custom));
        assert_eq!(
            taxonomy.get("other").map(|c| c.name.as_str()),
            Some("Other irregularity")
        );
        assert!(check_category_id("Bad Id").is_err());
    }
}
