//! RPM versions: `[epoch:]version[-release]` compared as rpm does (epoch numerically, then `rpmvercmp` on the
//! version, then on the release). `rpmvercmp` walks alternating runs of digits and letters, skipping other
//! separators; numbers compare numerically, letters lexically, a number beats letters; `~` sorts before
//! anything (even the end), `^` after the end but before anything else. This is what makes a distribution's
//! backported fix (`4.2.45-5.el7_0.2`) comparable with its builds, independent of the upstream version.

use std::cmp::Ordering;

use super::{Evr, cmp_digits};

pub(crate) fn rpmvercmp(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    let at = |s: &[u8], k: usize| s.get(k).copied().unwrap_or(0);
    let skippable = |c: u8| c != 0 && !c.is_ascii_alphanumeric() && c != b'~' && c != b'^';
    while i < a.len() || j < b.len() {
        while skippable(at(a, i)) {
            i += 1;
        }
        while skippable(at(b, j)) {
            j += 1;
        }
        let (x, y) = (at(a, i), at(b, j));
        if x == b'~' || y == b'~' {
            if x != b'~' {
                return Ordering::Greater;
            }
            if y != b'~' {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        if x == b'^' || y == b'^' {
            if x == 0 {
                return Ordering::Less;
            }
            if y == 0 {
                return Ordering::Greater;
            }
            if x != b'^' {
                return Ordering::Greater;
            }
            if y != b'^' {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        if x == 0 || y == 0 {
            break;
        }
        let numeric = x.is_ascii_digit();
        let same_kind = |c: u8| {
            if numeric {
                c.is_ascii_digit()
            } else {
                c.is_ascii_alphabetic()
            }
        };
        let run = |s: &[u8], mut k: usize| {
            while k < s.len() && same_kind(s[k]) {
                k += 1;
            }
            k
        };
        let (ei, ej) = (run(a, i), run(b, j));
        if ej == j {
            // The other side has the other kind of run here: a number beats letters.
            return if numeric {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        let (sa, sb) = (&a[i..ei], &b[j..ej]);
        let r = if numeric {
            cmp_digits(
                std::str::from_utf8(sa).unwrap_or(""),
                std::str::from_utf8(sb).unwrap_or(""),
            )
        } else {
            sa.cmp(sb)
        };
        if r != Ordering::Equal {
            return r;
        }
        i = ei;
        j = ej;
    }
    match (i >= a.len(), j >= b.len()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        _ => Ordering::Greater,
    }
}

pub(crate) fn parse(text: &str) -> Result<Evr, &'static str> {
    if !text.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("only printable ASCII without spaces");
    }
    let evr = Evr::split(text, rpmvercmp)?;
    if !evr.version().bytes().any(|b| b.is_ascii_alphanumeric()) {
        return Err("empty version");
    }
    Ok(evr)
}
