//! Unit tests of the parser, printer and semantic pass (the goldens in `test_data/` cover more).

use crate::ast::{CompOp, ComparisonExpr, Literal, ObservationExpr, PathStep, Qualifier};
use crate::{check, parse};

fn only_comparison(text: &str) -> crate::ast::Comparison {
    let pattern = parse(text).unwrap();
    let ObservationExpr::Observation(ComparisonExpr::Comparison(comparison)) = pattern.expression else {
        panic!("not a single comparison: {text}")
    };
    comparison
}

#[test]
fn observation_operators_bind_and_over_or_over_followedby() {
    let pattern = parse("[a:a = 1] FOLLOWEDBY [a:b = 1] OR [a:c = 1] AND [a:d = 1]").unwrap();
    let ObservationExpr::FollowedBy(_, right) = pattern.expression else {
        panic!("FOLLOWEDBY is the root")
    };
    let ObservationExpr::Or(_, and) = *right else {
        panic!("OR below FOLLOWEDBY")
    };
    assert!(matches!(*and, ObservationExpr::And(..)));
}

#[test]
fn binary_operators_are_left_associative() {
    let pattern = parse("[a:a = 1 AND a:b = 1 AND a:c = 1]").unwrap();
    let ObservationExpr::Observation(ComparisonExpr::And(left, _)) = pattern.expression else {
        panic!()
    };
    assert!(matches!(*left, ComparisonExpr::And(..)));
    assert_eq!(
        parse("[a:a = 1 AND (a:b = 1 AND a:c = 1)]").unwrap().to_string(),
        "[a:a = 1 AND (a:b = 1 AND a:c = 1)]"
    );
}

#[test]
fn qualifiers_wrap_the_expression_in_order() {
    let pattern = parse("[a:a = 1] REPEATS 2 TIMES WITHIN 5 SECONDS").unwrap();
    let ObservationExpr::Qualified(inner, Qualifier::Within(seconds)) = pattern.expression else {
        panic!()
    };
    assert_eq!(seconds, 5.0);
    assert!(matches!(
        *inner,
        ObservationExpr::Qualified(_, Qualifier::Repeats(2))
    ));
}

#[test]
fn literals_decode() {
    assert_eq!(
        only_comparison("[a:b = 'it\\'s \\\\ ok']").value,
        Literal::Str("it's \\ ok".to_owned())
    );
    assert_eq!(
        only_comparison("[a:b = h'00fF']").value,
        Literal::Hex(vec![0, 255])
    );
    assert_eq!(
        only_comparison("[a:b = b'aGk=']").value,
        Literal::Binary(b"hi".to_vec())
    );
    assert_eq!(only_comparison("[a:b = -.5]").value, Literal::Float(-0.5));
    assert_eq!(only_comparison("[a:b = +7]").value, Literal::Int(7));
    assert_eq!(only_comparison("[a:b NOT != false]").op, CompOp::Neq);
}

#[test]
fn quoted_steps_are_keys() {
    let comparison = only_comparison("[file:hashes.'SHA-256' = 'x']");
    assert_eq!(
        comparison.path.steps,
        vec![PathStep::Key("hashes".into()), PathStep::Key("SHA-256".into())]
    );
    assert_eq!(comparison.path.to_string(), "file:hashes.'SHA-256'");
}

#[test]
fn printer_quotes_keys_that_would_not_lex_as_identifiers() {
    for text in [
        "[a:'AND' = 1]",
        "[a:'true' = 1]",
        "[a:b.'it\\'s' = 1]",
        "[a:'1x' = 1]",
        "[a:b.'' = 1]",
    ] {
        let pattern = parse(text).unwrap();
        assert_eq!(pattern.to_string(), text);
    }
}

#[test]
fn errors_carry_spans_and_say_what_was_expected() {
    let errors = parse("[file:name = 'a' file:size = 1]").unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].span, 17..21);
    assert!(
        errors[0]
            .message
            .starts_with("expected ']' to close the observation opened at 0"),
        "{}",
        errors[0]
    );
    assert_eq!(errors[0].to_string(), format!("{} at 17", errors[0].message));
}

#[test]
fn parser_recovers_to_report_every_broken_observation() {
    let errors = parse("[a:b = ] AND [a:c = 1] AND [a:d = ]").unwrap_err();
    assert_eq!(
        errors.iter().map(|e| e.span.start).collect::<Vec<_>>(),
        vec![7, 34]
    );
}

#[test]
fn check_applies_the_reference_validators_extra_rules() {
    assert!(check("[file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f']").is_empty());
    assert!(!check("[file:hashes.MD5 = 'cead3f77']").is_empty());
    assert!(!check("[file:hashes.'SHA-256' LIKE 'ab%']").is_empty());
    assert!(check("[file:hashes.'x-custom' = 'anything']").is_empty());
    assert!(!check("[a:b = 1] REPEATS 2 TIMES REPEATS 3 TIMES").is_empty());
    assert!(check("([a:b = 1] REPEATS 2 TIMES) REPEATS 3 TIMES").is_empty());
    assert!(check("[a:b = 1] START t'2020-01-01T00:00:00Z' STOP t'2019-01-01T00:00:00Z'").is_empty());
    assert!(!check("[a:b[-1] = 1]").is_empty());
    assert!(!check("  a:b = 1").is_empty());
}

#[test]
fn parse_accepts_what_only_check_rejects() {
    let text = "[a:b = 1] WITHIN 1 SECONDS WITHIN 2 SECONDS";
    let pattern = parse(text).unwrap();
    assert!(!check(text).is_empty());
    // The printer parenthesises so that its output passes the check.
    assert_eq!(
        pattern.to_string(),
        "([a:b = 1] WITHIN 1 SECONDS) WITHIN 2 SECONDS"
    );
    assert!(check(&pattern.to_string()).is_empty());
}

#[test]
fn nesting_and_size_are_bounded_so_no_input_can_exhaust_the_stack() {
    let deep = format!("{}[a:b = 1]{}", "(".repeat(500), ")".repeat(500));
    let errors = parse(&deep).unwrap_err();
    assert!(errors[0].message.contains("nested deeper than"), "{errors:?}");
    let long_ok = format!("[{}]", vec!["a:b = 1"; 1001].join(" OR "));
    assert!(check(&long_ok).is_empty());
    let too_long = format!("[{}]", vec!["a:b = 1"; 1002].join(" OR "));
    assert!(
        parse(&too_long).unwrap_err()[0]
            .message
            .contains("more than 1000 operators")
    );
}
