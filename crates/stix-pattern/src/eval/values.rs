//! Comparing one resolved value with a literal: the type-compatibility tables of `stix2-matcher`.
//!
//! Equality and ordering are defined only between compatible types: numbers (int and float, exactly),
//! strings (by code point), binary (bytes; a string compares with bytes only when all its code points are
//! below U+0100, as Latin-1), booleans (equality only) and timestamps (a timestamp literal converts a string
//! value). Anything else is *incompatible*: `=` and ordering are false, `!=` is true, and `NOT` then
//! inverts. `IN` uses plain value equality instead (where `true == 1`, and strings never equal bytes).

use std::cmp::Ordering;

use serde_json::Value;

use crate::ast::Literal;
use crate::timestamp::{is_calendar_valid, stix_timestamp_nanos, truncate_to_micros};

/// A value reached by an object path.
#[derive(Debug, Clone)]
pub(crate) enum PathValue<'v> {
    /// A JSON value of the object.
    Json(&'v Value),
    /// The decoded content of a `_hex` or `_bin` property.
    Bytes(Vec<u8>),
    /// The objects a `_refs` list resolved to (unresolved ids dropped).
    Objects(Vec<&'v Value>),
}

/// A scalar view of a value or literal for comparison.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Scalar<'a> {
    Int(i128),
    Float(f64),
    Str(&'a str),
    Bool(bool),
    Bytes(&'a [u8]),
    /// Nanoseconds since the epoch (only literals are timestamps; strings convert on demand).
    Timestamp(i128),
    /// null, a list or a dictionary: compatible with nothing.
    Other,
}

impl PathValue<'_> {
    pub(crate) fn scalar(&self) -> Scalar<'_> {
        match self {
            PathValue::Json(value) => json_scalar(value),
            PathValue::Bytes(bytes) => Scalar::Bytes(bytes),
            PathValue::Objects(_) => Scalar::Other,
        }
    }
}

fn json_scalar(value: &Value) -> Scalar<'_> {
    match value {
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Scalar::Int(i128::from(i))
            } else if let Some(u) = n.as_u64() {
                Scalar::Int(i128::from(u))
            } else {
                n.as_f64().map_or(Scalar::Other, Scalar::Float)
            }
        }
        Value::String(s) => Scalar::Str(s),
        Value::Bool(b) => Scalar::Bool(*b),
        Value::Null | Value::Array(_) | Value::Object(_) => Scalar::Other,
    }
}

/// The scalar view of a (non-list) literal.
pub(crate) fn literal_scalar(literal: &Literal) -> Scalar<'_> {
    match literal {
        Literal::Str(s) => Scalar::Str(s),
        Literal::Int(i) => Scalar::Int(i128::from(*i)),
        Literal::Float(x) => Scalar::Float(*x),
        Literal::Bool(b) => Scalar::Bool(*b),
        Literal::Timestamp(t) => Scalar::Timestamp(truncate_to_micros(t.epoch_nanos())),
        Literal::Hex(bytes) | Literal::Binary(bytes) => Scalar::Bytes(bytes),
        Literal::List(_) => Scalar::Other,
    }
}

/// When the literal is a timestamp, a string value converts to one (an unparseable string stays a string,
/// which is then incompatible).
fn coerce_for_timestamp<'a>(value: Scalar<'a>, literal: Scalar<'_>) -> Scalar<'a> {
    match (value, literal) {
        (Scalar::Str(s), Scalar::Timestamp(_)) => parse_stix_timestamp(s).map_or(value, Scalar::Timestamp),
        _ => value,
    }
}

/// A JSON timestamp as `stix2-matcher` reads it: the STIX shape (upper-case `T` and `Z`), a real calendar
/// instant, compared at microsecond precision.
fn parse_stix_timestamp(text: &str) -> Option<i128> {
    if !is_calendar_valid(text) {
        return None;
    }
    stix_timestamp_nanos(text).map(truncate_to_micros)
}

/// Compares `value` with `literal` under the compatibility table; `None` when they are incompatible.
/// Booleans are compatible with booleans only for equality, which `equal` handles.
pub(crate) fn compare(value: Scalar<'_>, literal: Scalar<'_>) -> Option<Ordering> {
    let value = coerce_for_timestamp(value, literal);
    match (value, literal) {
        (Scalar::Int(a), Scalar::Int(b)) => Some(a.cmp(&b)),
        (Scalar::Float(a), Scalar::Float(b)) => a.partial_cmp(&b),
        (Scalar::Int(a), Scalar::Float(b)) => compare_int_float(a, b),
        (Scalar::Float(a), Scalar::Int(b)) => compare_int_float(b, a).map(Ordering::reverse),
        (Scalar::Str(a), Scalar::Str(b)) => Some(a.cmp(b)),
        (Scalar::Bytes(a), Scalar::Bytes(b)) => Some(a.cmp(b)),
        (Scalar::Bytes(a), Scalar::Str(b)) => latin1_cmp(b, a).map(Ordering::reverse),
        (Scalar::Str(a), Scalar::Bytes(b)) => latin1_cmp(a, b),
        (Scalar::Timestamp(a), Scalar::Timestamp(b)) => Some(a.cmp(&b)),
        _ => None,
    }
}

/// Whether ordering `value` against `literal` is defined at all (`stix2-matcher` answers false for an
/// undefined ordering even under `NOT`; a string that is not Latin-1 against bytes is defined but fails,
/// so `NOT` turns it true).
pub(crate) fn is_order_defined(value: Scalar<'_>, literal: Scalar<'_>) -> bool {
    let value = coerce_for_timestamp(value, literal);
    matches!(
        (value, literal),
        (
            Scalar::Int(_) | Scalar::Float(_),
            Scalar::Int(_) | Scalar::Float(_)
        ) | (
            Scalar::Str(_) | Scalar::Bytes(_),
            Scalar::Str(_) | Scalar::Bytes(_)
        ) | (Scalar::Timestamp(_), Scalar::Timestamp(_))
    )
}

/// Equality under the compatibility table: `None` when incompatible.
pub(crate) fn equal(value: Scalar<'_>, literal: Scalar<'_>) -> Option<bool> {
    match (value, literal) {
        (Scalar::Bool(a), Scalar::Bool(b)) => Some(a == b),
        _ => compare(value, literal).map(|ordering| ordering == Ordering::Equal),
    }
}

/// Plain value equality, as Python's `in` on a set uses it: numbers (booleans included) compare
/// numerically, strings with strings, bytes with bytes, timestamps with timestamps.
pub(crate) fn set_member_equal(value: Scalar<'_>, member: Scalar<'_>) -> bool {
    let value = coerce_for_timestamp(value, member);
    let numeric = |s: Scalar<'_>| match s {
        Scalar::Int(i) => Some(Scalar::Int(i)),
        Scalar::Float(x) => Some(Scalar::Float(x)),
        Scalar::Bool(b) => Some(Scalar::Int(i128::from(b))),
        _ => None,
    };
    match (numeric(value), numeric(member)) {
        (Some(a), Some(b)) => compare(a, b) == Some(Ordering::Equal),
        (None, None) => match (value, member) {
            (Scalar::Str(a), Scalar::Str(b)) => a == b,
            (Scalar::Bytes(a), Scalar::Bytes(b)) => a == b,
            (Scalar::Timestamp(a), Scalar::Timestamp(b)) => a == b,
            _ => false,
        },
        _ => false,
    }
}

/// Exact comparison of an integer with a float (no rounding of the integer).
fn compare_int_float(int: i128, float: f64) -> Option<Ordering> {
    if float.is_nan() {
        return None;
    }
    // Every integer of magnitude below 2^100 converts to f64 with its truncation exact enough to decide
    // the order, except when the two are within one unit: compare the float's integer part exactly.
    let floor = float.floor();
    if floor < -1.0e38 {
        return Some(Ordering::Greater);
    }
    if floor > 1.0e38 {
        return Some(Ordering::Less);
    }
    // `floor` is integral and within i128 range, so the cast is exact.
    let floor_int = floor as i128;
    match int.cmp(&floor_int) {
        Ordering::Equal if float > floor => Some(Ordering::Less),
        ordering => Some(ordering),
    }
}

/// Compares a string, read as Latin-1 bytes, with bytes; `None` when a code point is ≥ U+0100.
fn latin1_cmp(text: &str, bytes: &[u8]) -> Option<Ordering> {
    let mut latin1 = Vec::with_capacity(text.len());
    for c in text.chars() {
        latin1.push(u8::try_from(u32::from(c)).ok()?);
    }
    Some(latin1.as_slice().cmp(bytes))
}
