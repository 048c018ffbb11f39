//! Sector and National Critical Function tags of an organisation, an asset or a product.
//!
//! Tags name catalogue entries only (`Catalogue`), so a typo never creates a function nobody else has; a
//! function the catalogue does not name yet is loaded by the operator first.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::Catalogue;

/// The most tags of one kind on one thing.
pub const MAX_TAGS: usize = 64;

/// What a thing is tagged with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tags {
    /// Sector ids.
    #[serde(default)]
    pub sectors: BTreeSet<String>,
    /// National Critical Function ids.
    #[serde(default)]
    pub functions: BTreeSet<String>,
}

/// A tag the catalogue does not know, or too many.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TagError {
    /// An unknown sector id.
    #[error("sectors: unknown sector {0:?} (one of the 16 sector ids, e.g. energy)")]
    UnknownSector(String),
    /// An unknown function id.
    #[error(
        "functions: unknown National Critical Function {0:?} (an id from the catalogue; an operator can load the full list)"
    )]
    UnknownFunction(String),
    /// Too many tags.
    #[error("{0}: at most {MAX_TAGS} tags")]
    TooMany(&'static str),
}

impl Tags {
    /// Tags from ids, checked against the catalogue.
    pub fn checked<S: AsRef<str>>(
        catalogue: &Catalogue,
        sectors: &[S],
        functions: &[S],
    ) -> Result<Tags, TagError> {
        if sectors.len() > MAX_TAGS {
            return Err(TagError::TooMany("sectors"));
        }
        if functions.len() > MAX_TAGS {
            return Err(TagError::TooMany("functions"));
        }
        let mut tags = Tags::default();
        for s in sectors {
            let s = s.as_ref().trim();
            if catalogue.sector(s).is_none() {
                return Err(TagError::UnknownSector(s.to_owned()));
            }
            tags.sectors.insert(s.to_owned());
        }
        for f in functions {
            let f = f.as_ref().trim();
            if catalogue.function(f).is_none() {
                return Err(TagError::UnknownFunction(f.to_owned()));
            }
            tags.functions.insert(f.to_owned());
        }
        Ok(tags)
    }

    /// Whether nothing is tagged.
    pub fn is_empty(&self) -> bool {
        self.sectors.is_empty() && self.functions.is_empty()
    }

    /// The union of two sets of tags (an organisation's and a product's).
    pub fn union(&self, other: &Tags) -> Tags {
        Tags {
            sectors: self.sectors.union(&other.sectors).cloned().collect(),
            functions: self.functions.union(&other.functions).cloned().collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_tags_are_refused_naming_the_field() {
        let c = Catalogue::builtin();
        let ok = Tags::checked(&c, &["energy"], &["supply-water"]).unwrap();
        assert!(ok.functions.contains("supply-water"));
        let err = Tags::checked(&c, &["nope"], &[]).unwrap_err();
        assert!(err.to_string().starts_with("sectors:"));
        let err = Tags::checked(&c, &[], &["provide-nonsense"]).unwrap_err();
        assert!(err.to_string().starts_with("functions:"));
    }
}
