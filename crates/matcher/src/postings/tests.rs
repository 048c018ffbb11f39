//! Tests of posting lists and the filtered posting map.

use super::*;

fn posting(slot: u32) -> Posting {
    Posting { slot, leaf: 0 }
}

#[test]
fn postings_keep_one_inline_and_shrink_back() {
    let mut postings = Postings::default();
    postings.push(posting(1));
    assert!(matches!(postings, Postings::One(_)));
    postings.push(posting(2));
    postings.push(posting(3));
    postings.remove(posting(2));
    postings.remove(posting(9));
    assert_eq!(postings.as_slice(), &[posting(1), posting(3)]);
    postings.remove(posting(1));
    assert!(matches!(postings, Postings::One(_)));
    postings.remove(posting(3));
    assert!(postings.is_empty());
}

#[test]
fn the_map_finds_every_key_through_growth_and_removals() {
    let mut map = PostingMap::default();
    let keys: Vec<u64> = (0..20_000u32)
        .map(|idx| key_hash(idx % 7, 1, &idx.to_le_bytes()))
        .collect();
    for (idx, key) in keys.iter().enumerate() {
        map.insert(*key, posting(idx as u32));
    }
    for (idx, key) in keys.iter().enumerate() {
        assert_eq!(
            map.get(*key).map(Postings::as_slice),
            Some(&[posting(idx as u32)][..])
        );
    }
    for (idx, key) in keys.iter().enumerate().filter(|(idx, _)| idx % 2 == 0) {
        map.remove(*key, posting(idx as u32));
    }
    assert_eq!(map.len(), 10_000);
    for (idx, key) in keys.iter().enumerate() {
        assert_eq!(map.get(*key).is_some(), idx % 2 == 1, "key {idx}");
    }
    let n_absent_passing_filter = (0..10_000u32)
        .filter(|idx| map.filter.may_contain(key_hash(99, 1, &idx.to_le_bytes())))
        .count();
    assert!(
        n_absent_passing_filter < 500,
        "false-positive rate too high: {n_absent_passing_filter} / 10000"
    );
}
