//! The abstract syntax tree of a STIX 2.1 pattern.
//!
//! The tree is what the pattern *means*, not how it was written: parentheses, comments, `==` versus `=`,
//! `<>` versus `!=`, quoting of path steps and the spelling of numbers are not kept. The canonical printer
//! (`Display` on [`Pattern`]) puts back whatever parentheses and quotes are needed, so that
//! `parse(print(ast)) == ast` always holds.
//!
//! Binary operators are kept binary and left-associative, exactly as the grammar builds them:
//! `a AND b AND c` is `And(And(a, b), c)`. A qualifier wraps the observation expression it applies to.
//!
//! Invariants the parser guarantees (and the printer relies on): object type names match
//! `[a-zA-Z_][a-zA-Z0-9_-]*`; a [`Timestamp`] always has the `YYYY-MM-DDTHH:MM:SS[.f+]Z` form of the
//! grammar; floats are finite.

use std::fmt;

/// A whole pattern: one observation expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    /// The root observation expression.
    pub expression: ObservationExpr,
}

/// An observation expression: what must be seen across observed-data objects.
#[derive(Debug, Clone, PartialEq)]
pub enum ObservationExpr {
    /// `[ … ]`: one observed-data object whose objects satisfy the comparison expression.
    Observation(ComparisonExpr),
    /// `a AND b`: both hold, on different observations.
    And(Box<ObservationExpr>, Box<ObservationExpr>),
    /// `a OR b`: either holds.
    Or(Box<ObservationExpr>, Box<ObservationExpr>),
    /// `a FOLLOWEDBY b`: both hold on different observations, and `b` is not earlier than `a`.
    FollowedBy(Box<ObservationExpr>, Box<ObservationExpr>),
    /// `a WITHIN … / REPEATS … / START … STOP …`: a qualified observation expression.
    Qualified(Box<ObservationExpr>, Qualifier),
}

/// A qualifier on an observation expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Qualifier {
    /// `WITHIN n SECONDS`: all matching observations fall within a window of `n` seconds.
    /// The grammar accepts a non-negative integer or float; both are kept as `f64` (finite: a number beyond
    /// the `f64` range saturates to `f64::MAX`).
    Within(f64),
    /// `REPEATS n TIMES`: the expression matches `n` times on distinct observations. (A count beyond `u64`
    /// saturates to `u64::MAX`.)
    Repeats(u64),
    /// `START t'…' STOP t'…'`: every matching observation lies in the half-open range `[start, stop)`.
    StartStop {
        /// Inclusive start of the range.
        start: Timestamp,
        /// Exclusive end of the range.
        stop: Timestamp,
    },
}

/// A comparison expression: the inside of `[ … ]`.
#[derive(Debug, Clone, PartialEq)]
pub enum ComparisonExpr {
    /// `a AND b`: both hold for the same object.
    And(Box<ComparisonExpr>, Box<ComparisonExpr>),
    /// `a OR b`: either holds.
    Or(Box<ComparisonExpr>, Box<ComparisonExpr>),
    /// `path [NOT] op value`.
    Comparison(Comparison),
    /// `[NOT] EXISTS path`: the path resolves (does not resolve) to a value on an object of the path's type.
    Exists {
        /// The property whose presence is tested.
        path: ObjectPath,
        /// `true` for `NOT EXISTS`.
        negated: bool,
    },
}

/// One test of an object path against a literal.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The property being tested.
    pub path: ObjectPath,
    /// The operator.
    pub op: CompOp,
    /// `true` when the operator was preceded by `NOT`.
    pub negated: bool,
    /// The right-hand side. For [`CompOp::In`] it is always a [`Literal::List`]; for `LIKE`, `MATCHES`,
    /// `ISSUBSET` and `ISSUPERSET` always a [`Literal::Str`]; for `<`, `<=`, `>`, `>=` never a `Bool`
    /// nor a `List`.
    pub value: Literal,
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompOp {
    /// `=` or `==`.
    Eq,
    /// `!=` or `<>`.
    Neq,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
    /// `IN (…)`.
    In,
    /// `LIKE '…'` (SQL-style `%` and `_` wildcards).
    Like,
    /// `MATCHES '…'` (a regular-expression search).
    Matches,
    /// `ISSUBSET '…'` (CIDR containment: the value lies inside the constant).
    IsSubset,
    /// `ISSUPERSET '…'` (CIDR containment: the value contains the constant).
    IsSuperset,
}

/// An object path: `type:step.step[0].'quoted-step'[*]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObjectPath {
    /// The SCO type, e.g. `file` or `network-traffic`.
    pub object_type: String,
    /// The property steps. The first step is always a [`PathStep::Key`].
    pub steps: Vec<PathStep>,
}

/// One step of an object path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathStep {
    /// A dictionary key or property name (unquoted in the tree, whatever its spelling in the text).
    Key(String),
    /// A list index, `[n]`. The grammar admits negative indexes; the checks reject them (see `check`).
    /// An index beyond `i64` saturates.
    Index(i64),
    /// `[*]`: any element of the list.
    AnyIndex,
}

/// A literal value.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `'text'`, unescaped.
    Str(String),
    /// An integer, e.g. `1280` or `-3`.
    Int(i64),
    /// A float, e.g. `7.0` or `-.5`. Also holds integer literals too large for `i64`. Always finite (a number
    /// beyond the `f64` range saturates to `±f64::MAX`).
    Float(f64),
    /// `true` or `false`.
    Bool(bool),
    /// `t'2016-06-01T01:30:00.123Z'`.
    Timestamp(Timestamp),
    /// `h'ffd8'`, decoded.
    Hex(Vec<u8>),
    /// `b'SGVsbG8='`, decoded. Never empty (the grammar needs at least one base64 group).
    Binary(Vec<u8>),
    /// `(a, b, …)`, only as the right-hand side of `IN`. Elements are never lists.
    List(Vec<Literal>),
}

/// A timestamp literal in the exact form the grammar admits: `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, UTC.
///
/// The grammar checks ranges field by field (month 01–12, day 01–31, hour 00–23, minute 00–59, second
/// 00–60) but not the calendar: `2024-02-30` is a valid literal. The text is kept so printing is exact.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Timestamp {
    text: String,
}

impl Timestamp {
    /// Validates `text` (without the `t'` and `'`) against the grammar's timestamp form.
    pub fn parse(text: &str) -> Option<Timestamp> {
        crate::timestamp::is_valid_literal(text).then(|| Timestamp {
            text: text.to_owned(),
        })
    }

    /// The literal's text, without `t'` and `'`.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Nanoseconds since 1970-01-01T00:00:00Z (fraction digits past the ninth are truncated; `60` seconds
    /// and out-of-calendar days count forward, e.g. `02-30` is `03-01` or `03-02`).
    pub fn epoch_nanos(&self) -> i128 {
        crate::timestamp::epoch_nanos_of_literal(&self.text)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl CompOp {
    /// The canonical spelling of the operator.
    pub fn as_str(self) -> &'static str {
        match self {
            CompOp::Eq => "=",
            CompOp::Neq => "!=",
            CompOp::Lt => "<",
            CompOp::Le => "<=",
            CompOp::Gt => ">",
            CompOp::Ge => ">=",
            CompOp::In => "IN",
            CompOp::Like => "LIKE",
            CompOp::Matches => "MATCHES",
            CompOp::IsSubset => "ISSUBSET",
            CompOp::IsSuperset => "ISSUPERSET",
        }
    }
}

impl Qualifier {
    /// Which of the three qualifier kinds this is.
    pub fn kind(&self) -> QualifierKind {
        match self {
            Qualifier::Within(_) => QualifierKind::Within,
            Qualifier::Repeats(_) => QualifierKind::Repeats,
            Qualifier::StartStop { .. } => QualifierKind::StartStop,
        }
    }
}

/// The kind of a [`Qualifier`], without its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QualifierKind {
    /// `WITHIN`.
    Within,
    /// `REPEATS`.
    Repeats,
    /// `START … STOP`.
    StartStop,
}
