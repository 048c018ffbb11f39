//! Debian versions: `[epoch:]upstream[-revision]` compared as dpkg does (epoch numerically, then `verrevcmp` on
//! the upstream version, then on the revision). `verrevcmp` alternates non-digit runs, compared character by
//! character with letters before other characters and `~` before everything including the end, and digit
//! runs compared numerically. Distribution ranges (Debian, Ubuntu) are per release and hold the distribution's
//! own package versions, so a backported fix (`-0ubuntu1.6`) is compared with the build, not with upstream.

use std::cmp::Ordering;

use super::Evr;

fn order(c: u8) -> i32 {
    if c.is_ascii_digit() {
        0
    } else if c.is_ascii_alphabetic() {
        i32::from(c)
    } else if c == b'~' {
        -1
    } else if c != 0 {
        i32::from(c) + 256
    } else {
        0
    }
}

pub(crate) fn verrevcmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let at = |s: &[u8], k: usize| s.get(k).copied().unwrap_or(0);
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        while (at(a, i) != 0 && !at(a, i).is_ascii_digit()) || (at(b, j) != 0 && !at(b, j).is_ascii_digit()) {
            let (x, y) = (order(at(a, i)), order(at(b, j)));
            if x != y {
                return x.cmp(&y);
            }
            i += 1;
            j += 1;
        }
        while at(a, i) == b'0' {
            i += 1;
        }
        while at(b, j) == b'0' {
            j += 1;
        }
        let mut first_diff = Ordering::Equal;
        while at(a, i).is_ascii_digit() && at(b, j).is_ascii_digit() {
            if first_diff == Ordering::Equal {
                first_diff = at(a, i).cmp(&at(b, j));
            }
            i += 1;
            j += 1;
        }
        if at(a, i).is_ascii_digit() {
            return Ordering::Greater;
        }
        if at(b, j).is_ascii_digit() {
            return Ordering::Less;
        }
        if first_diff != Ordering::Equal {
            return first_diff;
        }
    }
    Ordering::Equal
}

pub(crate) fn parse(text: &str) -> Result<Evr, &'static str> {
    let evr = Evr::split(text, verrevcmp)?;
    if !evr.version().bytes().next().is_some_and(|b| b.is_ascii_digit()) {
        return Err("the upstream version must start with a digit");
    }
    let ok = |s: &str, extra: &[u8]| s.bytes().all(|b| b.is_ascii_alphanumeric() || extra.contains(&b));
    if !ok(evr.version(), b".+~-:") || !ok(evr.release(), b".+~") {
        return Err("characters outside [A-Za-z0-9.+~-]");
    }
    Ok(evr)
}
