//! [`CompiledComparison`]: a comparison expression with its regular expressions built once, evaluated
//! against one root SCO at a time.
//!
//! Paths are resolved by `path.rs`; a path that does not resolve yields no value, so every test on it is
//! false.
//!
//! `LIKE` matches the whole NFC-normalized string (`%` any run, `_` one character, no newline). `MATCHES` is
//! a search with the spec's DOTALL; strings are NFC-normalized; a bytes value is searched with a byte
//! regex when every code point of the expression is below U+0100.

use std::cmp::Ordering;

use regex::Regex;
use serde_json::Value;
use unicode_normalization::UnicodeNormalization;

use super::EvalError;
use super::net::is_within;
use super::path::resolve_path;
use super::values::{PathValue, Scalar, compare, equal, is_order_defined, literal_scalar, set_member_equal};
use crate::ast::{CompOp, Comparison, ComparisonExpr, Literal, ObjectPath, Timestamp};
use crate::timestamp::is_calendar_valid;

/// Object types `stix2-matcher` never matches in STIX 2.1 (they are not SCOs).
const NON_SCO_TYPES: &[&str] = &[
    "attack-pattern",
    "bundle",
    "campaign",
    "course-of-action",
    "extension-definition",
    "grouping",
    "identity",
    "incident",
    "indicator",
    "infrastructure",
    "intrusion-set",
    "language-content",
    "location",
    "malware",
    "malware-analysis",
    "marking-definition",
    "note",
    "observed-data",
    "opinion",
    "relationship",
    "report",
    "threat-actor",
    "tool",
    "sighting",
    "vulnerability",
];

/// A comparison expression ready to be evaluated against many objects.
#[derive(Debug, Clone)]
pub struct CompiledComparison {
    node: Node,
}

#[derive(Debug, Clone)]
enum Node {
    /// Every operand holds (a flattened `AND` chain).
    All(Vec<Node>),
    /// Some operand holds (a flattened `OR` chain).
    Any(Vec<Node>),
    Test {
        path: ObjectPath,
        negated: bool,
        test: Test,
    },
    Exists {
        path: ObjectPath,
        negated: bool,
    },
}

#[derive(Debug, Clone)]
enum Test {
    Equal {
        literal: Literal,
        not_equal: bool,
    },
    Order {
        op: CompOp,
        literal: Literal,
    },
    In(Vec<Literal>),
    Like {
        regex: Regex,
        bytes_convertible: bool,
    },
    Matches {
        regex: Regex,
        bytes_regex: Option<regex::bytes::Regex>,
    },
    IsSubset(String),
    IsSuperset(String),
}

impl CompiledComparison {
    /// Compiles `expr`.
    ///
    /// # Errors
    /// [`EvalError::Unsupported`] for a `MATCHES` expression the `regex` crate cannot compile;
    /// [`EvalError::InvalidPattern`] for an `IN` list mixing types, or a literal of the wrong kind for its
    /// operator (only possible in a hand-built tree).
    pub fn new(expr: &ComparisonExpr) -> Result<CompiledComparison, EvalError> {
        Ok(CompiledComparison {
            node: compile_node(expr)?,
        })
    }

    /// Whether the expression holds for the SCO `root`, resolving `_ref`/`_refs` ids through `resolve`.
    pub fn matches_object<'v>(&self, root: &'v Value, resolve: &dyn Fn(&str) -> Option<&'v Value>) -> bool {
        let root_type = root.get("type").and_then(Value::as_str);
        eval_node(&self.node, root, root_type, resolve)
    }
}

/// The operands of a left-leaning chain of one operator, left to right, found without recursion (a chain
/// may be as long as the operator limit; only parenthesised right operands nest).
fn chain_operands(
    expr: &ComparisonExpr,
    split: fn(&ComparisonExpr) -> Option<(&ComparisonExpr, &ComparisonExpr)>,
) -> Vec<&ComparisonExpr> {
    let mut operands = Vec::new();
    let mut current = expr;
    while let Some((left, right)) = split(current) {
        operands.push(right);
        current = left;
    }
    operands.push(current);
    operands.reverse();
    operands
}

fn compile_node(expr: &ComparisonExpr) -> Result<Node, EvalError> {
    fn split_and(e: &ComparisonExpr) -> Option<(&ComparisonExpr, &ComparisonExpr)> {
        match e {
            ComparisonExpr::And(l, r) => Some((l, r)),
            _ => None,
        }
    }
    fn split_or(e: &ComparisonExpr) -> Option<(&ComparisonExpr, &ComparisonExpr)> {
        match e {
            ComparisonExpr::Or(l, r) => Some((l, r)),
            _ => None,
        }
    }
    Ok(match expr {
        ComparisonExpr::And(..) => Node::All(
            chain_operands(expr, split_and)
                .into_iter()
                .map(compile_node)
                .collect::<Result<_, _>>()?,
        ),
        ComparisonExpr::Or(..) => Node::Any(
            chain_operands(expr, split_or)
                .into_iter()
                .map(compile_node)
                .collect::<Result<_, _>>()?,
        ),
        ComparisonExpr::Exists { path, negated } => Node::Exists {
            path: path.clone(),
            negated: *negated,
        },
        ComparisonExpr::Comparison(comparison) => Node::Test {
            path: comparison.path.clone(),
            negated: comparison.negated,
            test: compile_test(comparison)?,
        },
    })
}

fn string_operand(comparison: &Comparison) -> Result<&str, EvalError> {
    match &comparison.value {
        Literal::Str(s) => Ok(s),
        _ => Err(EvalError::InvalidPattern(format!(
            "{} needs a string literal",
            comparison.op.as_str()
        ))),
    }
}

/// `stix2-matcher` rejects a timestamp literal that is not a real instant (`2024-02-30`, second `60`).
pub(crate) fn check_calendar_valid(timestamp: &Timestamp) -> Result<(), EvalError> {
    if is_calendar_valid(timestamp.as_str()) {
        Ok(())
    } else {
        Err(EvalError::InvalidPattern(format!(
            "t'{timestamp}' is not a calendar date and time"
        )))
    }
}

fn compile_test(comparison: &Comparison) -> Result<Test, EvalError> {
    let literal = comparison.value.clone();
    let items = match &literal {
        Literal::List(items) => items.as_slice(),
        single => std::slice::from_ref(single),
    };
    for item in items {
        if let Literal::Timestamp(timestamp) = item {
            check_calendar_valid(timestamp)?;
        }
    }
    Ok(match comparison.op {
        CompOp::Eq | CompOp::Neq => Test::Equal {
            literal,
            not_equal: comparison.op == CompOp::Neq,
        },
        CompOp::Lt | CompOp::Le | CompOp::Gt | CompOp::Ge => Test::Order {
            op: comparison.op,
            literal,
        },
        CompOp::In => match literal {
            Literal::List(items) => {
                check_homogeneous(&items)?;
                Test::In(items)
            }
            _ => return Err(EvalError::InvalidPattern("IN needs a list".to_owned())),
        },
        CompOp::Like => {
            let operand: String = string_operand(comparison)?.nfc().collect();
            let mut source = String::from("^");
            for c in operand.chars() {
                match c {
                    '%' => source.push_str(".*"),
                    '_' => source.push('.'),
                    _ => source.push_str(&regex::escape(c.encode_utf8(&mut [0; 4]))),
                }
            }
            // Python's `$` also matches before one final newline.
            source.push_str("\n?\\z");
            let regex = Regex::new(&source)
                .map_err(|e| EvalError::Unsupported(format!("LIKE operand {operand:?}: {e}")))?;
            Test::Like {
                regex,
                bytes_convertible: operand.chars().all(|c| u32::from(c) < 256),
            }
        }
        CompOp::Matches => {
            let source = python_dollar(&string_operand(comparison)?.nfc().collect::<String>());
            let unsupported =
                |e: regex::Error| EvalError::Unsupported(format!("MATCHES expression {source:?}: {e}"));
            let regex = regex::RegexBuilder::new(&source)
                .dot_matches_new_line(true)
                .build()
                .map_err(unsupported)?;
            let bytes_regex = match latin1_byte_pattern(&source) {
                Some(byte_source) => Some(
                    regex::bytes::RegexBuilder::new(&byte_source)
                        .dot_matches_new_line(true)
                        .unicode(false)
                        .build()
                        .map_err(unsupported)?,
                ),
                None => None,
            };
            Test::Matches { regex, bytes_regex }
        }
        CompOp::IsSubset => Test::IsSubset(string_operand(comparison)?.to_owned()),
        CompOp::IsSuperset => Test::IsSuperset(string_operand(comparison)?.to_owned()),
    })
}

/// `stix2-matcher` rejects a set whose members are not all of one type (ints and floats mix).
fn check_homogeneous(items: &[Literal]) -> Result<(), EvalError> {
    let kind = |literal: &Literal| match literal {
        Literal::Str(_) => 0,
        Literal::Int(_) => 1,
        Literal::Float(_) => 2,
        Literal::Bool(_) => 3,
        Literal::Timestamp(_) => 4,
        Literal::Hex(_) | Literal::Binary(_) => 5,
        Literal::List(_) => 6,
    };
    let Some(first) = items.first().map(kind) else {
        return Ok(());
    };
    let homogeneous = items.iter().all(|item| kind(item) == first);
    let numeric = items.iter().all(|item| matches!(kind(item), 1 | 2));
    if homogeneous || numeric {
        Ok(())
    } else {
        Err(EvalError::InvalidPattern(
            "the IN list mixes literal types".to_owned(),
        ))
    }
}

/// Rewrites each unescaped `$` outside a character class to `(?:\n?\z)`: in PCRE and Python (without
/// multi-line mode) `$` also matches before a final newline, while the `regex` crate's `$` is only the end.
fn python_dollar(source: &str) -> String {
    let mut out = String::with_capacity(source.len() + 8);
    let (mut escaped, mut in_class) = (false, false);
    for c in source.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '[' if !in_class => in_class = true,
            ']' if in_class => in_class = false,
            '$' if !in_class => {
                out.push_str("(?:\\n?\\z)");
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

/// The expression as a byte regex (each code point below U+0100 read as that byte), or `None` when a code
/// point is U+0100 or above.
fn latin1_byte_pattern(source: &str) -> Option<String> {
    let mut out = String::with_capacity(source.len());
    let mut escaped = false;
    for c in source.chars() {
        let code = u32::from(c);
        if code >= 256 {
            return None;
        }
        if code >= 128 {
            if escaped {
                out.pop();
            }
            out.push_str(&format!("\\x{code:02X}"));
            escaped = false;
        } else {
            escaped = c == '\\' && !escaped;
            out.push(c);
        }
    }
    Some(out)
}

fn eval_node<'v>(
    node: &Node,
    root: &'v Value,
    root_type: Option<&str>,
    resolve: &dyn Fn(&str) -> Option<&'v Value>,
) -> bool {
    match node {
        Node::All(operands) => operands
            .iter()
            .all(|node| eval_node(node, root, root_type, resolve)),
        Node::Any(operands) => operands
            .iter()
            .any(|node| eval_node(node, root, root_type, resolve)),
        Node::Exists { path, negated } => {
            is_root_of(path, root_type) && resolve_path(root, &path.steps, resolve).is_empty() == *negated
        }
        Node::Test { path, negated, test } => {
            is_root_of(path, root_type)
                && resolve_path(root, &path.steps, resolve)
                    .iter()
                    .any(|value| run_test(test, value, *negated))
        }
    }
}

fn is_root_of(path: &ObjectPath, root_type: Option<&str>) -> bool {
    root_type == Some(path.object_type.as_str()) && !NON_SCO_TYPES.contains(&path.object_type.as_str())
}

/// The test on one value, `NOT` included.
fn run_test(test: &Test, value: &PathValue<'_>, negated: bool) -> bool {
    let scalar = value.scalar();
    if let Test::Order { literal, .. } = test
        && !is_order_defined(scalar, literal_scalar(literal))
    {
        return false;
    }
    run_positive_test(test, scalar) != negated
}

fn run_positive_test(test: &Test, scalar: Scalar<'_>) -> bool {
    match test {
        Test::Equal { literal, not_equal } => {
            let is_equal = equal(scalar, literal_scalar(literal)).unwrap_or(false);
            is_equal != *not_equal
        }
        Test::Order { op, literal } => match compare(scalar, literal_scalar(literal)) {
            None => false,
            Some(ordering) => match op {
                CompOp::Lt => ordering == Ordering::Less,
                CompOp::Le => ordering != Ordering::Greater,
                CompOp::Gt => ordering == Ordering::Greater,
                _ => ordering != Ordering::Less,
            },
        },
        Test::In(items) => items
            .iter()
            .any(|item| set_member_equal(scalar, literal_scalar(item))),
        Test::Like {
            regex,
            bytes_convertible,
        } => match scalar {
            Scalar::Str(s) => regex.is_match(&nfc(s)),
            Scalar::Bytes(bytes) if *bytes_convertible => {
                std::str::from_utf8(bytes).is_ok_and(|s| regex.is_match(&nfc(s)))
            }
            _ => false,
        },
        Test::Matches { regex, bytes_regex } => match scalar {
            Scalar::Str(s) => regex.is_match(&nfc(s)),
            Scalar::Bytes(bytes) => bytes_regex.as_ref().is_some_and(|r| r.is_match(bytes)),
            _ => false,
        },
        Test::IsSubset(network) => matches!(scalar, Scalar::Str(s) if is_within(s, network)),
        Test::IsSuperset(address) => matches!(scalar, Scalar::Str(s) if is_within(address, s)),
    }
}

fn nfc(text: &str) -> std::borrow::Cow<'_, str> {
    if unicode_normalization::is_nfc_quick(text.chars()) == unicode_normalization::IsNormalized::Yes {
        std::borrow::Cow::Borrowed(text)
    } else {
        std::borrow::Cow::Owned(text.nfc().collect())
    }
}
