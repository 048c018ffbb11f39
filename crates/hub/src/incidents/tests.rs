//! Unit tests of the incident use cases' helpers.

use super::*;

#[test]
fn key_parts_cannot_collide_across_names() {
    assert_ne!(key_part("a/b"), format!("{}/b", key_part("a")));
    assert!(!key_part("a/b").contains('/'));
    assert!(newest_first(2) < newest_first(1), "newer sorts first");
    assert!(!plausible_id("../case"));
    assert!(plausible_id("0f8fad5b-d9cb-469f-a165-70867728950e"));
}
