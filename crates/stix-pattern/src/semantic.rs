//! The semantic pass: what the reference validator (`stix2-patterns` 2.1.2) rejects beyond the grammar.
//!
//! Read from its source, that is exactly:
//! 1. the first character that is neither `(` nor (Python) whitespace must be `[` ("missing square
//!    brackets"; this runs even when the parse fails, and comments are not skipped);
//! 2. a qualifier kind may not repeat in a chain applied directly to a `[…]`
//!    (`[a] WITHIN 1 SECONDS WITHIN 2 SECONDS`; applied to a parenthesised group it may);
//! 3. a comparison whose path has a step `hashes` and ends in a known hash name (`MD5`, `SHA-256`, …)
//!    must compare against text of that hash's shape (the check reads the literal's raw text with quotes
//!    removed, whatever the operator);
//! 4. where the reference validator crashes instead of answering, we reject: a negative list index, and a
//!    `hashes` path ending in a numeric index.
//!
//! It does *not* check object type or property names beyond the grammar, `START < STOP`, calendar validity
//! of timestamps, or the types in an `IN` list; neither do we, so that `check` gives the same answers.

use crate::PatternError;
use crate::ast::{ComparisonExpr, ObservationExpr, PathStep, Pattern};
use crate::lexer::Token;
use crate::parser::{ParseOutput, SyntaxFacts};

/// Rule 1, on the raw text.
pub(crate) fn check_brackets(text: &str) -> Vec<PatternError> {
    let first = text
        .char_indices()
        .find(|&(_, c)| c != '(' && !is_python_whitespace(c));
    match first {
        Some((_, '[')) => Vec::new(),
        Some((idx, c)) => vec![PatternError::new(
            idx..idx + c.len_utf8(),
            "expected '[' to start the pattern: it is missing square brackets".to_owned(),
        )],
        None => vec![PatternError::new(0..text.len(), "empty pattern".to_owned())],
    }
}

/// Rules 2–4, on a parsed pattern.
pub(crate) fn check_parsed(text: &str, pattern: &Pattern, output: &ParseOutput) -> Vec<PatternError> {
    let facts: &SyntaxFacts = &output.facts;
    let mut errors = Vec::new();
    for (span, kind) in &facts.duplicate_qualifiers {
        errors.push(PatternError::new(
            span.clone(),
            format!("duplicate {kind:?} qualifier on the same observation (parenthesise to apply it again)"),
        ));
    }
    for span in &facts.negative_indexes {
        errors.push(PatternError::new(
            span.clone(),
            "list index must not be negative".to_owned(),
        ));
    }
    let mut comparison_idx = 0;
    visit_observation(&pattern.expression, &mut |expr| {
        let ComparisonExpr::Comparison(comparison) = expr else {
            return;
        };
        let Some(site) = facts.comparisons.get(comparison_idx) else {
            return;
        };
        comparison_idx += 1;
        if !comparison
            .path
            .steps
            .iter()
            .any(|step| matches!(step, PathStep::Key(k) if k == "hashes"))
        {
            return;
        }
        match comparison.path.steps.last() {
            Some(PathStep::Key(selector)) => {
                let raw = raw_literal_text(text, &output.tokens[site.literal_tokens.clone()]);
                if let Some(hash_name) = hash_shape_violation(selector, &raw) {
                    errors.push(PatternError::new(
                        site.span.clone(),
                        format!("'{raw}' is not a valid {hash_name} hash"),
                    ));
                }
            }
            Some(PathStep::Index(_)) => errors.push(PatternError::new(
                site.span.clone(),
                "a hashes path may not end in a list index".to_owned(),
            )),
            Some(PathStep::AnyIndex) | None => {}
        }
    });
    errors.sort_by_key(|e| e.span.start);
    errors
}

/// Calls `visit` on every comparison-level node, left to right (parse order for leaves).
fn visit_observation(expr: &ObservationExpr, visit: &mut dyn FnMut(&ComparisonExpr)) {
    match expr {
        ObservationExpr::Observation(comparison) => visit_comparison(comparison, visit),
        ObservationExpr::And(l, r) | ObservationExpr::Or(l, r) | ObservationExpr::FollowedBy(l, r) => {
            visit_observation(l, visit);
            visit_observation(r, visit);
        }
        ObservationExpr::Qualified(inner, _) => visit_observation(inner, visit),
    }
}

fn visit_comparison(expr: &ComparisonExpr, visit: &mut dyn FnMut(&ComparisonExpr)) {
    match expr {
        ComparisonExpr::And(l, r) | ComparisonExpr::Or(l, r) => {
            visit_comparison(l, visit);
            visit_comparison(r, visit);
        }
        ComparisonExpr::Comparison(_) | ComparisonExpr::Exists { .. } => visit(expr),
    }
}

/// The literal's tokens concatenated without whitespace, with every `'` removed (the reference's view).
fn raw_literal_text(text: &str, tokens: &[Token]) -> String {
    tokens
        .iter()
        .flat_map(|token| text[token.span()].chars())
        .filter(|&c| c != '\'')
        .collect()
}

/// If `selector` names a known hash and `value` does not have its shape, the hash's display name.
fn hash_shape_violation(selector: &str, value: &str) -> Option<&'static str> {
    let normalized: String = selector
        .to_uppercase()
        .chars()
        .filter(|&c| c != '-' && c != '\'')
        .collect();
    let (ok, name) = match normalized.as_str() {
        "MD5" => (is_hex_of_len(value, &[32]), "MD5"),
        "MD6" => (is_md6_shape(value), "MD6"),
        "RIPEMD160" => (is_hex_of_len(value, &[40]), "RIPEMD-160"),
        "SHA1" => (is_hex_of_len(value, &[40]), "SHA-1"),
        "SHA224" => (is_hex_of_len(value, &[56]), "SHA-224"),
        "SHA256" => (is_hex_of_len(value, &[64]), "SHA-256"),
        "SHA384" => (is_hex_of_len(value, &[96]), "SHA-384"),
        "SHA512" => (is_hex_of_len(value, &[128]), "SHA-512"),
        "SHA3224" => (is_hex_of_len(value, &[56]), "SHA3-224"),
        "SHA3256" => (is_hex_of_len(value, &[64]), "SHA3-256"),
        "SHA3384" => (is_hex_of_len(value, &[96]), "SHA3-384"),
        "SHA3512" => (is_hex_of_len(value, &[128]), "SHA3-512"),
        "SSDEEP" => (is_ssdeep_shape(value), "SSDEEP"),
        "WHIRLPOOL" => (is_hex_of_len(value, &[128]), "WHIRLPOOL"),
        _ => return None,
    };
    (!ok).then_some(name)
}

/// Python's `^…$` lets one trailing newline follow the match.
fn strip_one_trailing_newline(value: &str) -> &str {
    value.strip_suffix('\n').unwrap_or(value)
}

fn is_hex_of_len(value: &str, lengths: &[usize]) -> bool {
    let value = strip_one_trailing_newline(value);
    lengths.contains(&value.len()) && value.bytes().all(|c| c.is_ascii_hexdigit())
}

/// The reference's MD6 expression, as Python reads it: 32 leading hex digits, or a newline, four spaces
/// and 64 hex digits at the start.
fn is_md6_shape(value: &str) -> bool {
    let leading_hex = |s: &str| s.bytes().take_while(u8::is_ascii_hexdigit).count();
    leading_hex(value) >= 32
        || value
            .strip_prefix("\n    ")
            .is_some_and(|rest| leading_hex(rest) >= 64)
}

fn is_ssdeep_shape(value: &str) -> bool {
    let value = strip_one_trailing_newline(value);
    (1..=128).contains(&value.len())
        && value
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'/' | b'+' | b':' | b'.'))
}

/// Python's `str.isspace`: Unicode whitespace plus the separators U+001C–U+001F.
fn is_python_whitespace(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}
