//! Maven's `ComparableVersion` (the 3.x algorithm): the version is split into items at `.`, at `-` (which opens
//! a sub-list) and at digit/letter transitions (which also open a sub-list); numbers compare numerically,
//! qualifiers by the list alpha < beta < milestone < rc = cr < snapshot < "" = ga = final = release < sp, then
//! unknown qualifiers lexically; `a1`/`b1`/`m1` mean alpha/beta/milestone; trailing zeros and release
//! qualifiers are removed before comparing. A number sorts above a qualifier and above a sub-list.

use std::cmp::Ordering;

use super::Num;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Item {
    Int(Num),
    Str(String),
    List(Vec<Item>),
}

const QUALIFIERS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];
const RELEASE_INDEX: usize = 5;

/// The comparable form of a qualifier: its index in `QUALIFIERS`, or after all of them, lexically.
fn qualifier_rank(q: &str) -> (usize, &str) {
    match QUALIFIERS.iter().position(|k| *k == q) {
        Some(i) => (i, ""),
        None => (QUALIFIERS.len(), q),
    }
}

fn string_item(value: &str, followed_by_digit: bool) -> Item {
    let value = if followed_by_digit && value.len() == 1 {
        match value {
            "a" => "alpha",
            "b" => "beta",
            "m" => "milestone",
            other => other,
        }
    } else {
        value
    };
    let value = match value {
        "ga" | "final" | "release" => "",
        "cr" => "rc",
        other => other,
    };
    Item::Str(value.to_owned())
}

impl Item {
    fn is_null(&self) -> bool {
        match self {
            Item::Int(n) => n.is_zero(),
            Item::Str(s) => qualifier_rank(s) == (RELEASE_INDEX, ""),
            Item::List(l) => l.is_empty(),
        }
    }

    /// Comparison with an absent item (the shorter version padded).
    fn cmp_null(&self) -> Ordering {
        match self {
            Item::Int(n) => {
                if n.is_zero() {
                    Ordering::Equal
                } else {
                    Ordering::Greater
                }
            }
            Item::Str(s) => qualifier_rank(s).cmp(&(RELEASE_INDEX, "")),
            Item::List(l) => l.first().map_or(Ordering::Equal, Item::cmp_null),
        }
    }

    fn compare(&self, other: &Item) -> Ordering {
        match (self, other) {
            (Item::Int(a), Item::Int(b)) => a.cmp(b),
            (Item::Int(_), _) => Ordering::Greater,
            (Item::Str(_), Item::Int(_)) => Ordering::Less,
            (Item::Str(a), Item::Str(b)) => qualifier_rank(a).cmp(&qualifier_rank(b)),
            (Item::Str(_), Item::List(_)) => Ordering::Less,
            (Item::List(_), Item::Int(_)) => Ordering::Less,
            (Item::List(_), Item::Str(_)) => Ordering::Greater,
            (Item::List(a), Item::List(b)) => cmp_lists(a, b),
        }
    }
}

fn cmp_lists(a: &[Item], b: &[Item]) -> Ordering {
    for i in 0..a.len().max(b.len()) {
        let r = match (a.get(i), b.get(i)) {
            (Some(x), Some(y)) => x.compare(y),
            (Some(x), None) => x.cmp_null(),
            (None, Some(y)) => y.cmp_null().reverse(),
            (None, None) => Ordering::Equal,
        };
        if r != Ordering::Equal {
            return r;
        }
    }
    Ordering::Equal
}

/// Removes trailing null items; stops at the first non-null item that is not a list (Maven's `normalize`).
fn normalize(list: &mut Vec<Item>) {
    let mut i = list.len();
    while i > 0 {
        i -= 1;
        if list[i].is_null() {
            list.remove(i);
        } else if !matches!(list[i], Item::List(_)) {
            break;
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Key(Vec<Item>);

impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_lists(&self.0, &other.0)
    }
}

super::order_from_cmp!(Key);

fn item(is_digit: bool, text: &str) -> Item {
    if is_digit {
        Item::Int(Num::new(text))
    } else {
        string_item(text, false)
    }
}

/// Nested lists as a stack of vectors; closing folds each into its parent (Maven pushes every list it opens
/// and normalises them all at the end, innermost first).
pub(crate) fn parse(text: &str) -> Result<Key, &'static str> {
    if !text.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("only printable ASCII without spaces");
    }
    let v = text.to_ascii_lowercase();
    let bytes = v.as_bytes();
    let mut stack: Vec<Vec<Item>> = vec![Vec::new()];
    let mut is_digit = false;
    let mut start = 0;
    let top = |stack: &mut Vec<Vec<Item>>| -> usize { stack.len() - 1 };
    for (i, &c) in bytes.iter().enumerate() {
        if c == b'.' || c == b'-' {
            let t = top(&mut stack);
            if i == start {
                stack[t].push(Item::Int(Num::new("0")));
            } else {
                stack[t].push(item(is_digit, &v[start..i]));
            }
            start = i + 1;
            if c == b'-' {
                stack.push(Vec::new());
            }
        } else if c.is_ascii_digit() {
            if !is_digit && i > start {
                let t = top(&mut stack);
                stack[t].push(string_item(&v[start..i], true));
                start = i;
                stack.push(Vec::new());
            }
            is_digit = true;
        } else {
            if is_digit && i > start {
                let t = top(&mut stack);
                stack[t].push(item(true, &v[start..i]));
                start = i;
                stack.push(Vec::new());
            }
            is_digit = false;
        }
    }
    if bytes.len() > start {
        let t = top(&mut stack);
        stack[t].push(item(is_digit, &v[start..]));
    }
    while stack.len() > 1 {
        let mut list = stack.pop().unwrap_or_default();
        normalize(&mut list);
        let t = top(&mut stack);
        stack[t].push(Item::List(list));
    }
    let mut root = stack.pop().unwrap_or_default();
    normalize(&mut root);
    Ok(Key(root))
}
