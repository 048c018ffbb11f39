//! The catalogue of the 16 critical infrastructure sectors and the National Critical Functions.
//!
//! Why the built-in list is short: the compiled reference (`data/national-critical-functions.json`, from
//! `shared/reference/ncf/`) names only the functions a stored source confirms (3 of the 55) and leaves the
//! rest null. The hub shows those as sourced, counts the others as "not yet named", and lets an operator load
//! the full list (`Catalogue::load_operator_list`); loaded names are shown as operator-supplied, never as
//! sourced. Ids follow the reference's slug rule (lower case, non-alphanumerics to `-`).

use serde::Serialize;
use serde_json::Value;

use crate::RiskError;

const SECTORS_JSON: &str = include_str!("../data/sectors.json");
const FUNCTIONS_JSON: &str = include_str!("../data/national-critical-functions.json");

/// The most functions an operator list may hold (the NCF set has 55; sub-functions make it a few hundred).
pub const MAX_FUNCTIONS: usize = 1_000;

/// One of the 16 sectors (or the Election Infrastructure Subsector).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sector {
    /// Its id (`energy`).
    pub id: String,
    /// Its current (NSM-22) name.
    pub name: String,
    /// The sector it belongs to, for a subsector.
    pub parent: Option<String>,
}

/// How sure the catalogue is of a function's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NameStatus {
    /// Named by a stored public source (the built-in list).
    Sourced,
    /// Loaded by this hub's operator; not checked against a source.
    Operator,
}

/// One National Critical Function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Function {
    /// Its id (`supply-water`).
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its area (`connect`, `distribute`, `manage`, `supply`) when known.
    pub group: Option<String>,
    /// How sure the name is.
    pub status: NameStatus,
    /// Where the name comes from (a citation), when known.
    pub source: Option<String>,
    /// What the source leaves unconfirmed.
    pub note: Option<String>,
}

/// The sectors and functions tags may name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Catalogue {
    /// The sectors.
    pub sectors: Vec<Sector>,
    /// The functions known by name.
    pub functions: Vec<Function>,
    /// How many functions the set has (55 for the 2019 set).
    pub expected: usize,
}

/// The slug of a name: lower case, every run of non-alphanumerics one `-`.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.trim().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

fn text(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_owned)
}

impl Catalogue {
    /// The built-in catalogue from the compiled reference.
    pub fn builtin() -> Catalogue {
        let sectors_doc: Value = serde_json::from_str(SECTORS_JSON).unwrap_or(Value::Null);
        let mut sectors: Vec<Sector> = sectors_doc["sectors"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| {
                Some(Sector {
                    id: text(s, "id")?,
                    name: text(s, "name_nsm22").or_else(|| text(s, "name_ppd21"))?,
                    parent: None,
                })
            })
            .collect();
        let eis = &sectors_doc["election_infrastructure_subsector"];
        if let (Some(id), Some(name)) = (text(eis, "id"), text(eis, "name")) {
            sectors.push(Sector {
                id,
                name,
                parent: text(eis, "parent_sector"),
            });
        }
        let functions_doc: Value = serde_json::from_str(FUNCTIONS_JSON).unwrap_or(Value::Null);
        let functions = functions_doc["functions"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| {
                Some(Function {
                    id: text(f, "id")?,
                    name: text(f, "name")?,
                    group: text(f, "group"),
                    status: NameStatus::Sourced,
                    source: text(f, "name_source"),
                    note: text(f, "note"),
                })
            })
            .collect();
        let expected = functions_doc["count_expected"].as_u64().unwrap_or(55) as usize;
        Catalogue {
            sectors,
            functions,
            expected,
        }
    }

    /// The built-in catalogue with an operator's list added: a JSON array of names or of objects with
    /// `name` (and optional `id`, `group`), or a document shaped like the reference (`{"functions": [...]}`).
    /// A function the built-in list already has keeps its sourced entry.
    pub fn load_operator_list(mut self, list: &Value) -> Result<Catalogue, RiskError> {
        let items = match list {
            Value::Array(items) => items,
            Value::Object(doc) => doc
                .get("functions")
                .and_then(Value::as_array)
                .ok_or_else(|| RiskError::new("functions", "expected an array of functions"))?,
            _ => {
                return Err(RiskError::new(
                    "$",
                    "expected an array of functions or {\"functions\": [...]}",
                ));
            }
        };
        if items.len() > MAX_FUNCTIONS {
            return Err(RiskError::new(
                "functions",
                format!("at most {MAX_FUNCTIONS} functions"),
            ));
        }
        for (i, item) in items.iter().enumerate() {
            let field = format!("functions[{i}]");
            let (name, id, group) = match item {
                Value::String(name) => (name.clone(), None, None),
                Value::Object(_) => (
                    text(item, "name").ok_or_else(|| RiskError::new(format!("{field}.name"), "missing"))?,
                    text(item, "id"),
                    text(item, "group"),
                ),
                _ => return Err(RiskError::new(field, "expected a name or an object")),
            };
            if name.trim().is_empty() || name.len() > 200 {
                return Err(RiskError::new(format!("{field}.name"), "1 to 200 characters"));
            }
            let id = id.unwrap_or_else(|| slug(&name));
            if id.is_empty() || id != slug(&id) {
                return Err(RiskError::new(
                    format!("{field}.id"),
                    format!("{id:?} is not a slug"),
                ));
            }
            if self.functions.iter().any(|f| f.id == id) {
                continue;
            }
            self.functions.push(Function {
                id,
                name: name.trim().to_owned(),
                group,
                status: NameStatus::Operator,
                source: None,
                note: None,
            });
        }
        Ok(self)
    }

    /// The function with this id.
    pub fn function(&self, id: &str) -> Option<&Function> {
        self.functions.iter().find(|f| f.id == id)
    }

    /// The sector with this id.
    pub fn sector(&self, id: &str) -> Option<&Sector> {
        self.sectors.iter().find(|s| s.id == id)
    }

    /// How many functions of the set are not named in this catalogue.
    pub fn unnamed(&self) -> usize {
        self.expected.saturating_sub(self.functions.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_has_the_sixteen_sectors_and_only_sourced_functions() {
        let c = Catalogue::builtin();
        assert_eq!(c.sectors.iter().filter(|s| s.parent.is_none()).count(), 16);
        assert!(c.sector("energy").is_some());
        assert!(c.sector("election-infrastructure").is_some());
        assert!(c.function("supply-water").is_some());
        assert!(c.functions.iter().all(|f| f.status == NameStatus::Sourced));
        assert_eq!(c.unnamed(), 55 - c.functions.len());
    }

    #[test]
    fn operator_list_adds_names_marked_as_operator() {
        let list = serde_json::json!(["Supply Water", "Provide Capital Markets", {"name": "Generate Electricity", "group": "supply"}]);
        let c = Catalogue::builtin().load_operator_list(&list).unwrap();
        assert_eq!(c.function("supply-water").unwrap().status, NameStatus::Sourced);
        assert_eq!(
            c.function("provide-capital-markets").unwrap().status,
            NameStatus::Operator
        );
        assert_eq!(
            c.function("generate-electricity").unwrap().group.as_deref(),
            Some("supply")
        );
        let bad = serde_json::json!([{"name": "x", "id": "Not A Slug"}]);
        assert_eq!(
            Catalogue::builtin().load_operator_list(&bad).unwrap_err().field,
            "functions[0].id"
        );
    }
}
