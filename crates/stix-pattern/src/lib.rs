//! The STIX 2.1 patterning language: lexer, parser, tree, checks, printer and evaluation.
//!
//! - [`parse`] turns text into an [`ast::Pattern`] or every syntax error it can find (with byte spans).
//! - [`check`] runs the parse and then the semantic pass, and answers exactly what the reference validator
//!   (`stix2-patterns` 2.1.2, `validate-patterns -v 2.1`) answers: an empty list means valid.
//! - `Display` on [`ast::Pattern`] is the canonical printer; `parse(print(p)) == p`.
//! - [`eval`] matches a pattern against observed-data, with the semantics of `stix2-matcher` 3.0.0.
//!
//! Architecture invariant: no I/O and no global state; every input error is a value, never a panic. To keep
//! that true for hostile input, a pattern may nest parentheses at most 100 deep and hold at most 1,000
//! operators and qualifiers (the reference validator itself fails with a Python RecursionError near 250
//! and 1,000); larger patterns are rejected with an error.
#![deny(missing_docs)]

pub mod ast;
pub mod eval;
mod lexer;
mod parser;
mod printer;
mod semantic;
mod timestamp;

#[cfg(test)]
mod tests;

use std::fmt;

/// A syntax or semantic error in a pattern, with its byte span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError {
    /// Byte range in the pattern text (empty at the end of the text for "unexpected end").
    pub span: std::ops::Range<usize>,
    /// What was expected or what is wrong.
    pub message: String,
}

impl PatternError {
    pub(crate) fn new(span: std::ops::Range<usize>, message: String) -> PatternError {
        PatternError { span, message }
    }
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at {}", self.message, self.span.start)
    }
}

impl std::error::Error for PatternError {}

/// Parses a pattern. Only the grammar is checked; [`check`] adds the semantic pass.
///
/// # Errors
/// Every syntax error found, in source order (the parser recovers at `]` to find more than one).
pub fn parse(text: &str) -> Result<ast::Pattern, Vec<PatternError>> {
    let output = parser::parse_pattern(text);
    match output.pattern {
        Some(pattern) => Ok(pattern),
        None => Err(output.errors),
    }
}

/// Checks a pattern's syntax and semantics; an empty list means the pattern is valid.
pub fn check(text: &str) -> Vec<PatternError> {
    let output = parser::parse_pattern(text);
    let mut errors = semantic::check_brackets(text);
    match &output.pattern {
        Some(pattern) => errors.extend(semantic::check_parsed(text, pattern, &output)),
        None => {
            // The bracket rule and the parser often flag the same first token; say it once.
            let first_parse_error_start = output.errors.first().map(|e| e.span.start);
            if errors.first().map(|e| e.span.start) == first_parse_error_start {
                errors.clear();
            }
            errors.extend(output.errors);
        }
    }
    errors
}
