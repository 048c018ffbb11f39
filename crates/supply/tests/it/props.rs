//! Property tests of version ordering: for every scheme, `cmp` is a total order (antisymmetric, transitive,
//! consistent with equality) on generated versions, and parsing is stable: a version printed (its text) parses
//! to an equal version.

use std::cmp::Ordering;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use supply::versions::{Scheme, Version};

const SCHEMES: [Scheme; 7] = [
    Scheme::Semver,
    Scheme::Pep440,
    Scheme::Maven,
    Scheme::Composer,
    Scheme::Rpm,
    Scheme::Debian,
    Scheme::Alpine,
];

/// Version-like text per scheme: numbers, separators and the qualifiers each scheme gives meaning to.
fn version_text(scheme: Scheme) -> BoxedStrategy<String> {
    let num = (0u32..12).prop_map(|n| n.to_string());
    let words: Vec<&'static str> = match scheme {
        Scheme::Semver => vec!["alpha", "beta", "rc", "1", "x-y"],
        Scheme::Pep440 => vec!["a", "b", "rc", "post", "dev", "alpha", "c"],
        Scheme::Maven => vec![
            "alpha", "beta", "m", "rc", "cr", "snapshot", "ga", "final", "sp", "foo",
        ],
        Scheme::Composer => vec!["alpha", "beta", "RC", "patch", "dev", "p", "a", "b"],
        Scheme::Rpm => vec!["el7", "el7_0", "rc", "a", "~rc", "^post", "fc30"],
        Scheme::Debian => vec!["ubuntu", "deb", "~rc", "+dfsg", "build", "a"],
        Scheme::Alpine => vec!["_alpha", "_beta", "_pre", "_rc", "_p", "_git", "a", "_p1_rc"],
    };
    let word = proptest::sample::select(words);
    let core = proptest::collection::vec(num.clone(), 1..4).prop_map(|v| v.join("."));
    (
        core,
        proptest::option::of((word, proptest::option::of(num))),
        0u8..3,
    )
        .prop_map(move |(core, suffix, rel)| {
            let mut s = core;
            if let Some((w, n)) = suffix {
                let sep = match scheme {
                    Scheme::Semver | Scheme::Composer => "-",
                    Scheme::Pep440 => "",
                    Scheme::Maven => "-",
                    Scheme::Rpm | Scheme::Debian | Scheme::Alpine => "",
                };
                let w = if matches!(scheme, Scheme::Rpm | Scheme::Debian) && !w.starts_with(['~', '^', '+']) {
                    format!(".{w}")
                } else {
                    w.to_owned()
                };
                s.push_str(sep);
                s.push_str(&w);
                if let Some(n) = n {
                    if scheme == Scheme::Semver {
                        s.push('.');
                    }
                    s.push_str(&n);
                }
            }
            if scheme == Scheme::Alpine && rel > 0 {
                s = format!("{s}-r{rel}");
            }
            if matches!(scheme, Scheme::Rpm | Scheme::Debian) && rel > 0 {
                s = format!("{}{s}-{rel}", if rel == 2 { "1:" } else { "" });
            }
            s
        })
        .boxed()
}

fn parsed(scheme: Scheme) -> BoxedStrategy<Version> {
    version_text(scheme)
        .prop_filter_map("parses", move |t| Version::parse(scheme, &t).ok())
        .boxed()
}

fn triple() -> impl Strategy<Value = (Scheme, Version, Version, Version)> {
    (0usize..SCHEMES.len()).prop_flat_map(|i| {
        let s = SCHEMES[i];
        (Just(s), parsed(s), parsed(s), parsed(s))
    })
}

fn text() -> impl Strategy<Value = (Scheme, String)> {
    (0usize..SCHEMES.len()).prop_flat_map(|i| (Just(SCHEMES[i]), version_text(SCHEMES[i])))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn every_scheme_is_a_total_order((_scheme, a, b, c) in triple()) {
        prop_assert_eq!(a.cmp(&b), b.cmp(&a).reverse(), "{} vs {}", a, b);
        prop_assert_eq!(a.cmp(&a), Ordering::Equal);
        prop_assert_eq!(a == b, a.cmp(&b) == Ordering::Equal);
        if a <= b && b <= c {
            prop_assert!(a <= c, "{} <= {} <= {} but not {} <= {}", a, b, c, a, c);
        }
        if a == b {
            prop_assert_eq!(a.cmp(&c), b.cmp(&c), "{} == {} but they order differently against {}", a, b, c);
        }
    }

    #[test]
    fn printing_then_parsing_gives_an_equal_version((scheme, text) in text()) {
        if let Ok(v) = Version::parse(scheme, &text) {
            let again = Version::parse(scheme, &v.to_string()).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(&again, &v);
            prop_assert_eq!(again.to_string(), v.to_string());
            let padded = Version::parse(scheme, &format!(" {text}\t")).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(padded.to_string(), text);
        }
    }
}

/// Sorting a mixed list twice from different starting orders gives the same order (a cheap check that the
/// comparator is consistent over many elements, which a non-transitive order breaks).
#[test]
fn sorting_is_independent_of_the_starting_order() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    for scheme in SCHEMES {
        let strategy = parsed(scheme);
        let mut vs: Vec<Version> = (0..300)
            .map(|_| strategy.new_tree(&mut runner).expect("a value").current())
            .collect();
        let mut a = vs.clone();
        a.sort();
        vs.reverse();
        vs.sort();
        let a: Vec<String> = a.iter().map(ToString::to_string).collect();
        let b: Vec<String> = vs.iter().map(ToString::to_string).collect();
        // Equal versions may print differently (`1.0` and `1.0.0`); compare their order, not their spelling.
        for (x, y) in a.iter().zip(&b) {
            let (x, y) = (
                Version::parse(scheme, x).expect("x"),
                Version::parse(scheme, y).expect("y"),
            );
            assert_eq!(x.cmp(&y), Ordering::Equal, "{scheme:?}: {x} vs {y}");
        }
    }
}
