//! The STIX 2.1 patterning language. (Placeholder API until the parser lands; see issue 4.)
//!
//! `ast` holds the tree every other part works on.
#![deny(missing_docs)]

pub mod ast;
mod timestamp;

use std::fmt;

/// A syntax or semantic error in a pattern, with its byte span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError {
    /// Byte range in the pattern text.
    pub span: std::ops::Range<usize>,
    /// What was expected or what is wrong.
    pub message: String,
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at {}", self.message, self.span.start)
    }
}

/// Checks a pattern's syntax and semantics; an empty list means the pattern is valid.
pub fn check(text: &str) -> Vec<PatternError> {
    let _ = text;
    Vec::new()
}
