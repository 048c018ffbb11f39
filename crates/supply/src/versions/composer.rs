//! Composer (Packagist) versions: `VersionParser::normalize` (a leading `v`, up to four numeric parts padded
//! to four, a stability suffix `alpha|a|beta|b|RC|patch|pl|p` with an optional number, `-dev`, build metadata
//! dropped), then PHP's `version_compare` on the normal form: parts split at `.`, `-`, `_`, `+` and at
//! digit/letter transitions; special forms ordered dev < alpha = a < beta = b < RC = rc < number < pl = p
//! (matched by prefix, so `patch` is `p`); an unknown word sorts below `dev`.

use std::cmp::Ordering;

use super::Num;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Num(Num),
    /// A word, by its special-form order.
    Word(i8),
}

/// The order PHP gives a number part (`#`).
const NUMBER: i8 = 4;

fn special_order(word: &str) -> i8 {
    const FORMS: [(&str, i8); 10] = [
        ("dev", 0),
        ("alpha", 1),
        ("a", 1),
        ("beta", 2),
        ("b", 2),
        ("RC", 3),
        ("rc", 3),
        ("#", 4),
        ("pl", 5),
        ("p", 5),
    ];
    FORMS
        .iter()
        .find(|(name, _)| word.starts_with(name))
        .map_or(-1, |(_, order)| *order)
}

#[derive(Clone, Debug)]
pub(crate) struct Key(Vec<Part>);

impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        for i in 0..self.0.len().max(other.0.len()) {
            let r = match (self.0.get(i), other.0.get(i)) {
                (Some(Part::Num(a)), Some(Part::Num(b))) => a.cmp(b),
                (Some(Part::Num(_)), Some(Part::Word(w))) => NUMBER.cmp(w),
                (Some(Part::Word(w)), Some(Part::Num(_))) => w.cmp(&NUMBER),
                (Some(Part::Word(a)), Some(Part::Word(b))) => a.cmp(b),
                // One side is exhausted: a remaining number makes the longer side greater, a remaining word
                // compares with a number (PHP's "#N#").
                (Some(Part::Num(_)), None) => Ordering::Greater,
                (None, Some(Part::Num(_))) => Ordering::Less,
                (Some(Part::Word(w)), None) => w.cmp(&NUMBER),
                (None, Some(Part::Word(w))) => NUMBER.cmp(w),
                (None, None) => Ordering::Equal,
            };
            if r != Ordering::Equal {
                return r;
            }
            if i >= self.0.len() || i >= other.0.len() {
                return Ordering::Equal;
            }
        }
        Ordering::Equal
    }
}

super::order_from_cmp!(Key);

/// Composer's normal form, e.g. `v1.2-beta2` → `1.2.0.0-beta2`.
pub(crate) fn normalize(text: &str) -> Result<String, &'static str> {
    let s = text.split_once('+').map_or(text, |(head, _)| head);
    let s = s.strip_prefix(['v', 'V']).unwrap_or(s);
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut parts: Vec<&str> = Vec::new();
    loop {
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return Err("expected a number");
        }
        parts.push(&s[start..i]);
        if parts.len() < 4 && bytes.get(i) == Some(&b'.') && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)
        {
            i += 1;
            continue;
        }
        break;
    }
    if parts.len() == 1 && parts[0].len() > 5 {
        return Err("date versions are not supported");
    }
    let mut out = parts.join(".");
    for _ in parts.len()..4 {
        out.push_str(".0");
    }
    let rest = s[i..].to_ascii_lowercase();
    let rest = rest.strip_prefix(['.', '_', '-']).unwrap_or(&rest);
    let (rest, dev) = match rest.strip_suffix("dev") {
        Some(head) => (head.strip_suffix(['.', '-']).unwrap_or(head), true),
        None => (rest, false),
    };
    if !rest.is_empty() {
        const STABILITIES: [(&str, &str); 9] = [
            ("stable", ""),
            ("beta", "beta"),
            ("b", "beta"),
            ("rc", "RC"),
            ("alpha", "alpha"),
            ("a", "alpha"),
            ("patch", "patch"),
            ("pl", "patch"),
            ("p", "patch"),
        ];
        let (word, expanded) = STABILITIES
            .iter()
            .find(|(w, _)| rest.starts_with(w))
            .ok_or("unknown stability suffix")?;
        let number = &rest[word.len()..];
        let digits = number.trim_start_matches(['.', '-']);
        if !number
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
            || (!number.is_empty() && digits.is_empty())
        {
            return Err("malformed stability suffix");
        }
        if !expanded.is_empty() {
            out.push('-');
            out.push_str(expanded);
            out.push_str(digits);
        }
    }
    if dev {
        out.push_str("-dev");
    }
    Ok(out)
}

/// PHP's canonical parts of a version string.
fn php_parts(s: &str) -> Vec<Part> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut cur_digit = false;
    let flush = |cur: &mut String, digit: bool, parts: &mut Vec<Part>| {
        if !cur.is_empty() {
            parts.push(if digit {
                Part::Num(Num::new(cur))
            } else {
                Part::Word(special_order(cur))
            });
            cur.clear();
        }
    };
    for c in s.chars() {
        if matches!(c, '.' | '-' | '_' | '+') {
            flush(&mut cur, cur_digit, &mut parts);
            continue;
        }
        let digit = c.is_ascii_digit();
        if !cur.is_empty() && digit != cur_digit {
            flush(&mut cur, cur_digit, &mut parts);
        }
        cur_digit = digit;
        cur.push(c);
    }
    flush(&mut cur, cur_digit, &mut parts);
    parts
}

pub(crate) fn parse(text: &str) -> Result<Key, &'static str> {
    Ok(Key(php_parts(&normalize(text)?)))
}
