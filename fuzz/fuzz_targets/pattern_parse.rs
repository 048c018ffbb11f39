//! Fuzz target: the pattern parser and checker never panic, and a parsed pattern round-trips through the
//! canonical printer (print → parse gives the same tree, and printing again gives the same text).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = stix_pattern::check(text);
    let Ok(pattern) = stix_pattern::parse(text) else { return };
    let printed = pattern.to_string();
    let reparsed = stix_pattern::parse(&printed)
        .unwrap_or_else(|errors| panic!("printed form does not parse: {printed:?}: {errors:?}"));
    assert_eq!(reparsed, pattern, "round trip changed the tree: {text:?} -> {printed:?}");
    assert_eq!(reparsed.to_string(), printed, "printing is not a fixed point");
});
