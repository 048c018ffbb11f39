//! The canonical printer: `Display` for the tree types.
//!
//! Invariant: for every tree `ast`, `parse(&ast.to_string()) == Ok(ast)`, and printing is a fixed point
//! (`print(parse(print(ast))) == print(ast)`). Parentheses are emitted only where precedence or
//! left-associativity requires them, plus one case the checker needs: a qualifier chain applied directly to
//! `[…]` must not repeat a qualifier kind, so the printer wraps the chain in `( … )` before a repeated kind
//! (`([a] WITHIN 1 SECONDS) WITHIN 2 SECONDS`), which is valid and parses to the same tree.
//! Canonical spellings: `=`, `!=`, single spaces, keys quoted only when they are not bare identifiers,
//! floats always with a `.`.

use std::fmt::{self, Display, Formatter, Write};

use crate::ast::{
    ComparisonExpr, Literal, ObjectPath, ObservationExpr, PathStep, Pattern, Qualifier, QualifierKind,
};
use crate::lexer::is_bare_identifier;

impl Display for Pattern {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        self.expression.fmt(f)
    }
}

/// Binding strength at the observation level (higher binds tighter).
fn observation_level(expr: &ObservationExpr) -> u8 {
    match expr {
        ObservationExpr::FollowedBy(..) => 1,
        ObservationExpr::Or(..) => 2,
        ObservationExpr::And(..) => 3,
        ObservationExpr::Qualified(..) | ObservationExpr::Observation(_) => 4,
    }
}

fn write_observation_operand(f: &mut Formatter<'_>, expr: &ObservationExpr, min_level: u8) -> fmt::Result {
    if observation_level(expr) < min_level {
        write!(f, "({expr})")
    } else {
        expr.fmt(f)
    }
}

impl Display for ObservationExpr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let (left, keyword, right, level) = match self {
            ObservationExpr::Observation(comparison) => return write!(f, "[{comparison}]"),
            ObservationExpr::Qualified(..) => return write_qualified_chain(f, self),
            ObservationExpr::FollowedBy(l, r) => (l, "FOLLOWEDBY", r, 1),
            ObservationExpr::Or(l, r) => (l, "OR", r, 2),
            ObservationExpr::And(l, r) => (l, "AND", r, 3),
        };
        write_observation_operand(f, left, level)?;
        write!(f, " {keyword} ")?;
        write_observation_operand(f, right, level + 1)
    }
}

/// Prints `base q1 q2 …`, wrapping in parentheses before a qualifier kind repeats on a `[…]` base.
fn write_qualified_chain(f: &mut Formatter<'_>, expr: &ObservationExpr) -> fmt::Result {
    let mut qualifiers: Vec<&Qualifier> = Vec::new();
    let mut base = expr;
    while let ObservationExpr::Qualified(inner, qualifier) = base {
        qualifiers.push(qualifier);
        base = inner;
    }
    qualifiers.reverse();
    let mut text = String::new();
    if let ObservationExpr::Observation(_) = base {
        let _ = write!(text, "{base}");
        let mut seen: Vec<QualifierKind> = Vec::new();
        let mut checked = true;
        for qualifier in qualifiers {
            if checked && seen.contains(&qualifier.kind()) {
                text = format!("({text})");
                checked = false;
            }
            seen.push(qualifier.kind());
            let _ = write!(text, " {qualifier}");
        }
    } else {
        let _ = write!(text, "({base})");
        for qualifier in qualifiers {
            let _ = write!(text, " {qualifier}");
        }
    }
    f.write_str(&text)
}

impl Display for Qualifier {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Qualifier::Within(seconds) => write!(f, "WITHIN {seconds} SECONDS"),
            Qualifier::Repeats(count) => write!(f, "REPEATS {count} TIMES"),
            Qualifier::StartStop { start, stop } => write!(f, "START t'{start}' STOP t'{stop}'"),
        }
    }
}

/// Binding strength at the comparison level (higher binds tighter).
fn comparison_level(expr: &ComparisonExpr) -> u8 {
    match expr {
        ComparisonExpr::Or(..) => 1,
        ComparisonExpr::And(..) => 2,
        ComparisonExpr::Comparison(_) | ComparisonExpr::Exists { .. } => 3,
    }
}

fn write_comparison_operand(f: &mut Formatter<'_>, expr: &ComparisonExpr, min_level: u8) -> fmt::Result {
    if comparison_level(expr) < min_level {
        write!(f, "({expr})")
    } else {
        expr.fmt(f)
    }
}

impl Display for ComparisonExpr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let (left, keyword, right, level) = match self {
            ComparisonExpr::Comparison(c) => {
                let not = if c.negated { "NOT " } else { "" };
                return write!(f, "{} {not}{} {}", c.path, c.op.as_str(), c.value);
            }
            ComparisonExpr::Exists { path, negated } => {
                let not = if *negated { "NOT " } else { "" };
                return write!(f, "{not}EXISTS {path}");
            }
            ComparisonExpr::Or(l, r) => (l, "OR", r, 1),
            ComparisonExpr::And(l, r) => (l, "AND", r, 2),
        };
        write_comparison_operand(f, left, level)?;
        write!(f, " {keyword} ")?;
        write_comparison_operand(f, right, level + 1)
    }
}

impl Display for ObjectPath {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(&self.object_type)?;
        f.write_char(':')?;
        for (step_idx, step) in self.steps.iter().enumerate() {
            match step {
                PathStep::Key(key) => {
                    if step_idx > 0 {
                        f.write_char('.')?;
                    }
                    if is_bare_identifier(key) {
                        f.write_str(key)?
                    } else {
                        write_quoted(f, key)?
                    }
                }
                PathStep::Index(index) => write!(f, "[{index}]")?,
                PathStep::AnyIndex => f.write_str("[*]")?,
            }
        }
        Ok(())
    }
}

fn write_quoted(f: &mut Formatter<'_>, text: &str) -> fmt::Result {
    f.write_char('\'')?;
    for c in text.chars() {
        if c == '\'' || c == '\\' {
            f.write_char('\\')?;
        }
        f.write_char(c)?;
    }
    f.write_char('\'')
}

impl Display for Literal {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Str(s) => write_quoted(f, s),
            Literal::Int(i) => write!(f, "{i}"),
            Literal::Float(x) => {
                let text = x.to_string();
                if text.contains('.') {
                    f.write_str(&text)
                } else {
                    write!(f, "{text}.0")
                }
            }
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Timestamp(t) => write!(f, "t'{t}'"),
            Literal::Hex(bytes) => {
                f.write_str("h'")?;
                for byte in bytes {
                    write!(f, "{byte:02x}")?;
                }
                f.write_char('\'')
            }
            Literal::Binary(bytes) => write!(f, "b'{}'", encode_base64(bytes)),
            Literal::List(items) => {
                f.write_char('(')?;
                for (item_idx, item) in items.iter().enumerate() {
                    if item_idx > 0 {
                        f.write_str(", ")?;
                    }
                    item.fmt(f)?;
                }
                f.write_char(')')
            }
        }
    }
}

/// Standard padded base64.
fn encode_base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for char_idx in 0..4 {
            if char_idx <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * char_idx)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}
