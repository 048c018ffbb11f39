//! Random trees for the property tests: every shape the parser can produce (and some text it quotes).

use proptest::prelude::*;
use stix_pattern::ast::{
    CompOp, Comparison, ComparisonExpr, Literal, ObjectPath, ObservationExpr, PathStep, Qualifier, Timestamp,
};

fn object_type() -> impl Strategy<Value = String> {
    let common = prop_oneof![
        Just("x".to_owned()),
        Just("file".to_owned()),
        Just("a".to_owned())
    ];
    let any_name = "[a-zA-Z_][a-zA-Z0-9_-]{0,10}".prop_filter("not a keyword", |name| {
        !matches!(
            name.as_str(),
            "AND"
                | "OR"
                | "NOT"
                | "FOLLOWEDBY"
                | "LIKE"
                | "MATCHES"
                | "ISSUPERSET"
                | "ISSUBSET"
                | "EXISTS"
                | "LAST"
                | "IN"
                | "START"
                | "STOP"
                | "SECONDS"
                | "WITHIN"
                | "REPEATS"
                | "TIMES"
                | "true"
                | "false"
        )
    });
    prop_oneof![1 => common, 1 => any_name]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "a", "b", "c", "d", "e_hex", "f_bin", "g_ref", "h_refs", "name", "size", "hashes"
        ])
        .prop_map(str::to_owned),
        "[a-z_][a-z0-9_]{0,8}",
        "[A-Z]{1,6}",
        "[a-zA-Z0-9 '\\\\.:\\-\\[\\]é✓]{0,8}",
        Just("true".to_owned()),
        Just("AND".to_owned()),
    ]
}

fn path() -> impl Strategy<Value = ObjectPath> {
    let step = prop_oneof![
        key().prop_map(PathStep::Key),
        any::<i64>().prop_map(PathStep::Index),
        Just(PathStep::AnyIndex),
    ];
    (object_type(), key(), prop::collection::vec(step, 0..4)).prop_map(|(object_type, first, rest)| {
        let mut steps = vec![PathStep::Key(first)];
        steps.extend(rest);
        ObjectPath { object_type, steps }
    })
}

fn timestamp() -> impl Strategy<Value = Timestamp> {
    (
        0u32..10000,
        1u32..=12,
        1u32..=31,
        0u32..24,
        0u32..60,
        0u32..=60,
        prop::option::of("[0-9]{1,12}"),
    )
        .prop_map(|(y, mo, d, h, mi, s, fraction)| {
            let fraction = fraction.map(|f| format!(".{f}")).unwrap_or_default();
            let text = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{fraction}Z");
            Timestamp::parse(&text).unwrap()
        })
}

fn finite_float() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>().prop_filter("finite", |x| x.is_finite()),
        -1000.0f64..1000.0,
        Just(0.5)
    ]
}

fn scalar_literal() -> impl Strategy<Value = Literal> {
    prop_oneof![
        any::<String>().prop_map(Literal::Str),
        any::<i64>().prop_map(Literal::Int),
        finite_float().prop_map(Literal::Float),
        any::<bool>().prop_map(Literal::Bool),
        timestamp().prop_map(Literal::Timestamp),
        prop::collection::vec(any::<u8>(), 0..8).prop_map(Literal::Hex),
        prop::collection::vec(any::<u8>(), 1..8).prop_map(Literal::Binary),
    ]
}

fn comparison() -> impl Strategy<Value = ComparisonExpr> {
    let op = prop_oneof![
        Just(CompOp::Eq),
        Just(CompOp::Neq),
        Just(CompOp::Lt),
        Just(CompOp::Le),
        Just(CompOp::Gt),
        Just(CompOp::Ge),
        Just(CompOp::In),
        Just(CompOp::Like),
        Just(CompOp::Matches),
        Just(CompOp::IsSubset),
        Just(CompOp::IsSuperset),
    ];
    let test = (
        path(),
        op,
        any::<bool>(),
        scalar_literal(),
        prop::collection::vec(scalar_literal(), 0..4),
        any::<String>(),
    )
        .prop_map(|(path, op, negated, scalar, list, text)| {
            let value = match op {
                CompOp::In => Literal::List(list),
                CompOp::Like | CompOp::Matches | CompOp::IsSubset | CompOp::IsSuperset => Literal::Str(text),
                CompOp::Lt | CompOp::Le | CompOp::Gt | CompOp::Ge if matches!(scalar, Literal::Bool(_)) => {
                    Literal::Int(1)
                }
                _ => scalar,
            };
            ComparisonExpr::Comparison(Comparison {
                path,
                op,
                negated,
                value,
            })
        });
    let exists = (path(), any::<bool>()).prop_map(|(path, negated)| ComparisonExpr::Exists { path, negated });
    prop_oneof![4 => test, 1 => exists]
}

fn comparison_expr() -> impl Strategy<Value = ComparisonExpr> {
    comparison().prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(l, r)| ComparisonExpr::And(Box::new(l), Box::new(r))),
            (inner.clone(), inner).prop_map(|(l, r)| ComparisonExpr::Or(Box::new(l), Box::new(r))),
        ]
    })
}

fn qualifier() -> impl Strategy<Value = Qualifier> {
    prop_oneof![
        prop_oneof![
            0.0f64..1e6,
            (0u32..100000).prop_map(f64::from),
            any::<f64>().prop_map(f64::abs)
        ]
        .prop_filter("finite", |x| x.is_finite())
        .prop_map(Qualifier::Within),
        any::<u64>().prop_map(Qualifier::Repeats),
        (timestamp(), timestamp()).prop_map(|(start, stop)| Qualifier::StartStop { start, stop }),
    ]
}

pub(crate) fn observation_expr() -> impl Strategy<Value = ObservationExpr> {
    comparison_expr()
        .prop_map(ObservationExpr::Observation)
        .prop_recursive(4, 16, 2, |inner| {
            prop_oneof![
                (inner.clone(), inner.clone())
                    .prop_map(|(l, r)| ObservationExpr::And(Box::new(l), Box::new(r))),
                (inner.clone(), inner.clone())
                    .prop_map(|(l, r)| ObservationExpr::Or(Box::new(l), Box::new(r))),
                (inner.clone(), inner.clone())
                    .prop_map(|(l, r)| ObservationExpr::FollowedBy(Box::new(l), Box::new(r))),
                (inner, qualifier()).prop_map(|(e, q)| ObservationExpr::Qualified(Box::new(e), q)),
            ]
        })
}
