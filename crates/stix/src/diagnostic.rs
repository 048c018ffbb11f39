//! `Diagnostic`: one broken rule, where it is, and why.
//!
//! Every check in this crate reports through this type, so the CLI, the TAXII status resource and the web UI
//! print the same rule codes. Codes are stable kebab-case names (`required-property`, `timestamp-format`, …);
//! paths are JSONPath-like (`$.objects[3].created`).

use std::fmt;

/// One violated rule at one place in a JSON document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The rule code, stable across releases.
    pub code: &'static str,
    /// Where the violation is, as a JSON path from the document root.
    pub path: String,
    /// A sentence for a person.
    pub message: String,
}

impl Diagnostic {
    /// A diagnostic for `code` at `path`.
    pub fn new(code: &'static str, path: impl Into<String>, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.path, self.code, self.message)
    }
}

/// Extends a JSON path with an object key, quoting keys that are not plain identifiers.
pub fn path_key(base: &str, key: &str) -> String {
    if !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        format!("{base}.{key}")
    } else {
        format!("{base}[{}]", serde_json::Value::from(key))
    }
}

/// Extends a JSON path with a list index.
pub fn path_index(base: &str, index: usize) -> String {
    format!("{base}[{index}]")
}
