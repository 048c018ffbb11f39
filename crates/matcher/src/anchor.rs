//! Anchors: for one observation expression (`[…]`) and one object type, the index entries that every object
//! of that type satisfying the expression must hit.
//!
//! The rules (every one keeps "no anchor hit ⇒ no match" true):
//! - `=`/`IN` with string, number or boolean constants: exact values (for `IN`, booleans also as 0/1). An IP constant on a path ending in
//!   `value` is indexed as a CIDR instead (a value with the same text parses to the same network, so an
//!   exact match is always found; and `=` is also answered when it means containment).
//! - `ISSUBSET`/`ISSUPERSET` with a CIDR constant: CIDR containment.
//! - `LIKE`/`MATCHES`: the substring every match contains (see `literal`).
//! - Anything negated, `!=`, `<`…`>=`, `EXISTS`, timestamps, `h''`/`b''`, and `_bin`/`_hex` properties
//!   (compared as bytes): no anchor.
//! - Under root type `T`, a comparison on another type is never true (its path is missing), so it drops
//!   out of an `OR` and makes an `AND` impossible.
//! - `AND`: the most selective anchored side (see [`Anchor::cost`]); `OR`: the union, if both sides are
//!   anchored. Otherwise the expression is *unanchored* for `T` and goes on `T`'s fallback list.

use stix_pattern::ast::{CompOp, Comparison, ComparisonExpr, Literal, ObjectPath, PathStep};

use crate::cidr::IpNet;
use crate::literal::{like_required_literal, regex_required_literal};

/// An exact scalar value as it is hashed into the index.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Scalar<'a> {
    Str(&'a str),
    /// The number as an `f64` (integers convert; `-0.0` is folded into `0.0`).
    Num(f64),
    Bool(bool),
}

impl Scalar<'_> {
    /// The value-kind tag and the bytes that go into the key hash.
    pub(crate) fn key_parts(&self) -> (u8, KeyBytes<'_>) {
        match self {
            Scalar::Str(text) => (1, KeyBytes::Borrowed(text.as_bytes())),
            Scalar::Num(number) => {
                let folded = if *number == 0.0 { 0.0f64 } else { *number };
                (2, KeyBytes::Owned(folded.to_bits().to_le_bytes()))
            }
            Scalar::Bool(flag) => (3, KeyBytes::Owned(u64::from(*flag).to_le_bytes())),
        }
    }
}

/// Key bytes, borrowed from a string or built from a number.
#[derive(Debug)]
pub(crate) enum KeyBytes<'a> {
    Borrowed(&'a [u8]),
    Owned([u8; 8]),
}

impl KeyBytes<'_> {
    pub(crate) fn as_bytes(&self) -> &[u8] {
        match self {
            KeyBytes::Borrowed(bytes) => bytes,
            KeyBytes::Owned(bytes) => bytes,
        }
    }
}

/// What a matching object must contain at `path`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Anchor<'a> {
    /// A value equal to this scalar.
    Exact { path: &'a ObjectPath, value: Scalar<'a> },
    /// A value (an IP network) inside this network.
    CidrSubset { path: &'a ObjectPath, net: IpNet },
    /// A value (an IP network) containing this network.
    CidrSuperset { path: &'a ObjectPath, net: IpNet },
    /// A string value containing these bytes.
    Literal { path: &'a ObjectPath, literal: Vec<u8> },
}

impl<'a> Anchor<'a> {
    pub(crate) fn path(&self) -> &'a ObjectPath {
        match self {
            Anchor::Exact { path, .. }
            | Anchor::CidrSubset { path, .. }
            | Anchor::CidrSuperset { path, .. }
            | Anchor::Literal { path, .. } => path,
        }
    }

    /// A rough guess of how many objects hit this anchor without matching; lower is better.
    pub(crate) fn cost(&self) -> u32 {
        match self {
            Anchor::Exact { .. } => 1,
            Anchor::CidrSubset { net, .. } => 2 + u32::from(net.host_bits()),
            Anchor::Literal { literal, .. } => 200 - (literal.len().min(100) as u32),
            Anchor::CidrSuperset { .. } => 300,
        }
    }
}

/// How one observation expression is found for objects of one type.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TypePlan<'a> {
    /// No object of this type can satisfy the expression.
    Never,
    /// Every satisfying object hits at least one of these anchors.
    Anchored(Vec<Anchor<'a>>),
    /// No anchor is known; every object of the type is a candidate.
    Unanchored,
}

impl TypePlan<'_> {
    fn cost(&self) -> u32 {
        match self {
            TypePlan::Never => 0,
            TypePlan::Anchored(anchors) => anchors.iter().map(Anchor::cost).sum(),
            TypePlan::Unanchored => u32::MAX,
        }
    }
}

/// The object types the comparisons of `expr` name, sorted and deduplicated.
pub(crate) fn object_types(expr: &ComparisonExpr) -> Vec<&str> {
    let mut types = Vec::new();
    collect_types(expr, &mut types);
    types.sort_unstable();
    types.dedup();
    types
}

fn collect_types<'a>(expr: &'a ComparisonExpr, out: &mut Vec<&'a str>) {
    match expr {
        ComparisonExpr::And(left, right) | ComparisonExpr::Or(left, right) => {
            collect_types(left, out);
            collect_types(right, out);
        }
        ComparisonExpr::Comparison(comparison) => out.push(&comparison.path.object_type),
        ComparisonExpr::Exists { path, .. } => out.push(&path.object_type),
    }
}

/// The plan for finding objects of `object_type` that satisfy `expr`.
pub(crate) fn plan_for_type<'a>(expr: &'a ComparisonExpr, object_type: &str) -> TypePlan<'a> {
    match expr {
        ComparisonExpr::Comparison(comparison) => {
            if comparison.path.object_type != object_type {
                return TypePlan::Never;
            }
            let mut anchors = Vec::new();
            if comparison_anchors(comparison, &mut anchors) {
                TypePlan::Anchored(anchors)
            } else {
                TypePlan::Unanchored
            }
        }
        ComparisonExpr::Exists { path, .. } => {
            if path.object_type == object_type {
                TypePlan::Unanchored
            } else {
                TypePlan::Never
            }
        }
        ComparisonExpr::And(left, right) => {
            let (left, right) = (
                plan_for_type(left, object_type),
                plan_for_type(right, object_type),
            );
            if left == TypePlan::Never || right == TypePlan::Never {
                return TypePlan::Never;
            }
            if left.cost() <= right.cost() { left } else { right }
        }
        ComparisonExpr::Or(left, right) => {
            match (
                plan_for_type(left, object_type),
                plan_for_type(right, object_type),
            ) {
                (TypePlan::Never, other) | (other, TypePlan::Never) => other,
                (TypePlan::Anchored(mut left), TypePlan::Anchored(right)) => {
                    left.extend(right);
                    TypePlan::Anchored(left)
                }
                _ => TypePlan::Unanchored,
            }
        }
    }
}

/// Pushes the anchors of one comparison; `false` if it has none.
fn comparison_anchors<'a>(comparison: &'a Comparison, out: &mut Vec<Anchor<'a>>) -> bool {
    if comparison.negated || is_byte_property(&comparison.path) {
        return false;
    }
    let path = &comparison.path;
    match (comparison.op, &comparison.value) {
        (CompOp::Eq, literal) => equality_anchor(path, literal)
            .map(|anchor| out.push(anchor))
            .is_some(),
        (CompOp::In, Literal::List(items)) => {
            let start = out.len();
            for item in items {
                match equality_anchor(path, item) {
                    Some(anchor) => out.push(anchor),
                    None => {
                        out.truncate(start);
                        return false;
                    }
                }
                // `IN` compares like a Python set, where `true == 1` and `false == 0.0`.
                match item {
                    Literal::Bool(flag) => out.push(Anchor::Exact {
                        path,
                        value: Scalar::Num(f64::from(u8::from(*flag))),
                    }),
                    Literal::Int(0) => out.push(Anchor::Exact {
                        path,
                        value: Scalar::Bool(false),
                    }),
                    Literal::Int(1) => out.push(Anchor::Exact {
                        path,
                        value: Scalar::Bool(true),
                    }),
                    Literal::Float(number) if *number == 0.0 || *number == 1.0 => {
                        out.push(Anchor::Exact {
                            path,
                            value: Scalar::Bool(*number == 1.0),
                        });
                    }
                    _ => {}
                }
            }
            // `IN ()` can never be true; an empty anchor list says exactly that.
            true
        }
        (CompOp::Like, Literal::Str(constant)) => like_required_literal(constant)
            .map(|literal| out.push(Anchor::Literal { path, literal }))
            .is_some(),
        (CompOp::Matches, Literal::Str(regex)) => regex_required_literal(regex)
            .map(|literal| out.push(Anchor::Literal { path, literal }))
            .is_some(),
        (CompOp::IsSubset, Literal::Str(constant)) => IpNet::parse(constant)
            .map(|net| out.push(Anchor::CidrSubset { path, net }))
            .is_some(),
        (CompOp::IsSuperset, Literal::Str(constant)) => IpNet::parse(constant)
            .map(|net| out.push(Anchor::CidrSuperset { path, net }))
            .is_some(),
        _ => false,
    }
}

fn equality_anchor<'a>(path: &'a ObjectPath, literal: &'a Literal) -> Option<Anchor<'a>> {
    let value = match literal {
        Literal::Str(text) => {
            if last_key(path) == Some("value")
                && let Some(net) = IpNet::parse(text)
            {
                return Some(Anchor::CidrSubset { path, net });
            }
            Scalar::Str(text)
        }
        Literal::Int(number) => Scalar::Num(*number as f64),
        Literal::Float(number) => Scalar::Num(*number),
        Literal::Bool(flag) => Scalar::Bool(*flag),
        Literal::Timestamp(_) | Literal::Hex(_) | Literal::Binary(_) | Literal::List(_) => return None,
    };
    Some(Anchor::Exact { path, value })
}

fn last_key(path: &ObjectPath) -> Option<&str> {
    path.steps.iter().rev().find_map(|step| match step {
        PathStep::Key(key) => Some(key.as_str()),
        PathStep::Index(_) | PathStep::AnyIndex => None,
    })
}

/// `_bin` and `_hex` properties compare as bytes, not as the JSON text.
fn is_byte_property(path: &ObjectPath) -> bool {
    last_key(path).is_some_and(|key| key.ends_with("_bin") || key.ends_with("_hex"))
}

#[cfg(test)]
mod tests;
