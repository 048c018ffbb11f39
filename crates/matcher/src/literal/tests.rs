//! Tests of required-literal extraction and the per-path literal index.

use super::*;

fn text(bytes: Option<Vec<u8>>) -> Option<String> {
    bytes.map(|bytes| String::from_utf8(bytes).unwrap())
}

#[test]
fn like_requires_its_longest_fixed_segment() {
    assert_eq!(
        text(like_required_literal("%.evil-domain.com")),
        Some(".evil-domain.com".to_owned())
    );
    assert_eq!(text(like_required_literal("ab_cdef%g")), Some("cdef".to_owned()));
    assert_eq!(
        text(like_required_literal("C:\\Windows\\%")),
        Some("C:\\Windows\\".to_owned())
    );
    assert_eq!(like_required_literal("%_%"), None);
    assert_eq!(
        like_required_literal("caf\u{e9}%"),
        None,
        "non-ASCII constants are NFC-normalized"
    );
}

#[test]
fn regex_requires_literals_of_concatenations_only() {
    assert_eq!(
        text(regex_required_literal("^Mozilla/4\\.0 .*MSIE")),
        Some("Mozilla/4.0 ".to_owned())
    );
    assert_eq!(
        text(regex_required_literal("(evil)+\\.co\\.uk$")),
        Some(".co.uk".to_owned())
    );
    assert_eq!(
        text(regex_required_literal("x(abcdef)y")),
        Some("abcdef".to_owned())
    );
    assert_eq!(regex_required_literal("abc|def"), None);
    assert_eq!(regex_required_literal("(?i)evil"), None);
    assert_eq!(regex_required_literal("a*"), None);
    assert_eq!(regex_required_literal("(unclosed"), None);
    assert_eq!(regex_required_literal("\u{e9}t\u{e9}"), None);
}

#[test]
fn finds_literals_in_values_before_and_after_rebuilds() {
    let mut literals = PathLiterals::default();
    let n = 200;
    for idx in 0..n {
        literals.insert(
            format!("needle{idx:03}x").as_bytes(),
            Posting { slot: idx, leaf: 0 },
        );
    }
    assert!(
        literals.automaton.is_some(),
        "enough literals were added to trigger a rebuild"
    );
    for idx in [0, 57, 199] {
        let mut out = Vec::new();
        literals.occurring_in(&format!("hay needle{idx:03}x stack"), &mut out);
        assert_eq!(out, vec![Posting { slot: idx, leaf: 0 }]);
    }
    literals.remove(b"needle057x", Posting { slot: 57, leaf: 0 });
    let mut out = Vec::new();
    literals.occurring_in("needle057x", &mut out);
    assert!(out.is_empty());
    let mut out = Vec::new();
    // U+212A KELVIN SIGN normalizes to an ASCII `K`: the NFC form is what is searched.
    literals.insert(b"xKx", Posting { slot: 999, leaf: 0 });
    literals.occurring_in("needle001x x\u{212a}x \u{e9}", &mut out);
    out.sort();
    assert_eq!(
        out,
        vec![Posting { slot: 1, leaf: 0 }, Posting { slot: 999, leaf: 0 }]
    );
}
