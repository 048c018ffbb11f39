//! Tests of anchor planning: which index entries each leaf is filed under, per object type.

use stix_pattern::ast::{ObservationExpr, Pattern};

use super::*;

fn leaf(pattern: &Pattern) -> &ComparisonExpr {
    match &pattern.expression {
        ObservationExpr::Observation(expr) => expr,
        other => panic!("not a single observation: {other:?}"),
    }
}

/// A compact description of a plan: `never`, `fallback`, or the anchors as `kind(path=value)`.
fn describe(text: &str, object_type: &str) -> String {
    let pattern = stix_pattern::parse(text).unwrap();
    match plan_for_type(leaf(&pattern), object_type) {
        TypePlan::Never => "never".to_owned(),
        TypePlan::Unanchored => "fallback".to_owned(),
        TypePlan::Anchored(anchors) => anchors
            .iter()
            .map(|anchor| {
                let path = anchor.path().steps.len();
                match anchor {
                    Anchor::Exact { value, .. } => format!("exact{path}({value:?})"),
                    Anchor::CidrSubset { net, .. } => format!("subset{path}(/{})", 32 - net.host_bits()),
                    Anchor::CidrSuperset { .. } => format!("superset{path}"),
                    Anchor::Literal { literal, .. } => {
                        format!("literal{path}({})", String::from_utf8_lossy(literal))
                    }
                }
            })
            .collect::<Vec<_>>()
            .join(" "),
    }
}

#[test]
fn equality_and_in_are_exact_values() {
    assert_eq!(
        describe("[file:hashes.MD5 = 'abc']", "file"),
        "exact2(Str(\"abc\"))"
    );
    assert_eq!(describe("[file:size = 10]", "file"), "exact1(Num(10.0))");
    assert_eq!(
        describe("[file:name IN ('a', 'b')]", "file"),
        "exact1(Str(\"a\")) exact1(Str(\"b\"))"
    );
    assert_eq!(
        describe("[x:flag IN (1, 2)]", "x"),
        "exact1(Num(1.0)) exact1(Bool(true)) exact1(Num(2.0))"
    );
    assert_eq!(describe("[x:flag = true]", "x"), "exact1(Bool(true))");
}

#[test]
fn ip_values_and_cidr_operators_use_the_prefix_structure() {
    assert_eq!(
        describe("[ipv4-addr:value = '198.51.100.0/24']", "ipv4-addr"),
        "subset1(/24)"
    );
    assert_eq!(
        describe("[ipv4-addr:value ISSUBSET '10.0.0.0/8']", "ipv4-addr"),
        "subset1(/8)"
    );
    assert_eq!(
        describe("[ipv4-addr:value ISSUPERSET '10.0.0.1']", "ipv4-addr"),
        "superset1"
    );
    assert_eq!(
        describe("[network-traffic:dst_ref.value = '10.0.0.1']", "network-traffic"),
        "subset2(/32)"
    );
    assert_eq!(
        describe("[ipv4-addr:value = 'not an ip']", "ipv4-addr"),
        "exact1(Str(\"not an ip\"))"
    );
}

#[test]
fn like_and_matches_use_required_literals() {
    assert_eq!(
        describe("[url:value LIKE 'http://evil.%']", "url"),
        "literal1(http://evil.)"
    );
    assert_eq!(
        describe("[url:value MATCHES '^https?://bad\\\\.example/']", "url"),
        "literal1(://bad.example/)"
    );
    assert_eq!(describe("[url:value LIKE '%']", "url"), "fallback");
    assert_eq!(describe("[url:value MATCHES 'a|b']", "url"), "fallback");
}

#[test]
fn negations_orderings_exists_and_bytes_fall_back() {
    for text in [
        "[file:name != 'a']",
        "[file:name NOT = 'a']",
        "[file:size > 10]",
        "[file:name NOT IN ('a')]",
        "[file:created = t'2020-01-01T00:00:00Z']",
        "[artifact:payload_bin = 'abc']",
        "[file:hashes.MD5 = h'ff']",
    ] {
        let object_type = &text[1..text.find(':').unwrap()];
        assert_eq!(describe(text, object_type), "fallback", "{text}");
    }
    assert_eq!(describe("[EXISTS file:name]", "file"), "fallback");
}

#[test]
fn and_takes_the_most_selective_side_and_or_needs_every_side() {
    assert_eq!(
        describe("[file:size > 10 AND file:name = 'a']", "file"),
        "exact1(Str(\"a\"))"
    );
    assert_eq!(
        describe("[file:name LIKE 'abc%' AND file:hashes.MD5 = 'x']", "file"),
        "exact2(Str(\"x\"))"
    );
    assert_eq!(
        describe("[file:name = 'a' OR file:name = 'b']", "file"),
        "exact1(Str(\"a\")) exact1(Str(\"b\"))"
    );
    assert_eq!(describe("[file:name = 'a' OR file:size > 1]", "file"), "fallback");
}

#[test]
fn comparisons_on_other_types_never_hold() {
    let text = "[file:name = 'a' OR domain-name:value != 'b']";
    assert_eq!(describe(text, "file"), "exact1(Str(\"a\"))");
    assert_eq!(describe(text, "domain-name"), "fallback");
    assert_eq!(
        describe("[file:name = 'a' AND directory:path = 'b']", "file"),
        "never"
    );
    assert_eq!(describe("[file:name = 'a']", "url"), "never");
    let pattern = stix_pattern::parse(text).unwrap();
    assert_eq!(object_types(leaf(&pattern)), vec!["domain-name", "file"]);
}
