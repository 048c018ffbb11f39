//! Alpine (apk) versions: `N(.N)*[letter](_suffix[N])*[~hash][-rN]`, compared as apk-tools and Gentoo do:
//! dotted numbers pairwise (numerically, except that a part starting with `0` compares as a decimal fraction,
//! so `1.02 < 1.1`), more parts above fewer, then the letter (none below any), then the suffixes pairwise
//! (`_alpha < _beta < _pre < _rc <` none `< _cvs < _svn < _git < _hg < _p`, then their numbers), then the
//! `-r` package revision. Alpine's ranges are per release (`Alpine:v3.16`) and hold Alpine's own builds.

use std::cmp::Ordering;

use super::Num;

const SUFFIXES: [(&str, i8); 9] = [
    ("alpha", -4),
    ("beta", -3),
    ("pre", -2),
    ("rc", -1),
    ("cvs", 1),
    ("svn", 2),
    ("git", 3),
    ("hg", 4),
    ("p", 5),
];

#[derive(Clone, Debug)]
pub(crate) struct Key {
    parts: Vec<String>,
    letter: Option<u8>,
    suffixes: Vec<(i8, Num)>,
    revision: Num,
}

fn cmp_part(a: &str, b: &str) -> Ordering {
    if a.starts_with('0') || b.starts_with('0') {
        a.trim_end_matches('0').cmp(b.trim_end_matches('0'))
    } else {
        super::cmp_digits(a, b)
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        for (a, b) in self.parts.iter().zip(&other.parts) {
            let c = cmp_part(a, b);
            if c != Ordering::Equal {
                return c;
            }
        }
        let by_suffix = |x: &[(i8, Num)], y: &[(i8, Num)]| {
            for i in 0..x.len().max(y.len()) {
                let c = match (x.get(i), y.get(i)) {
                    (Some(a), Some(b)) => a.cmp(b),
                    // One side has another suffix: a release-side one (`_p`, `_git`…) raises it, a pre-release
                    // one lowers it.
                    (Some((v, _)), None) => v.cmp(&0),
                    (None, Some((v, _))) => 0.cmp(v),
                    (None, None) => Ordering::Equal,
                };
                if c != Ordering::Equal {
                    return c;
                }
            }
            Ordering::Equal
        };
        self.parts
            .len()
            .cmp(&other.parts.len())
            .then_with(|| self.letter.cmp(&other.letter))
            .then_with(|| by_suffix(&self.suffixes, &other.suffixes))
            .then_with(|| self.revision.cmp(&other.revision))
    }
}

super::order_from_cmp!(Key);

pub(crate) fn parse(text: &str) -> Result<Key, &'static str> {
    let (rest, revision) = match text.rsplit_once("-r") {
        Some((r, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => (r, Num::new(n)),
        _ => (text, Num::new("0")),
    };
    let rest = match rest.split_once('~') {
        Some((r, hash)) if !hash.is_empty() && hash.bytes().all(|b| b.is_ascii_hexdigit()) => r,
        Some(_) => return Err("a ~ must be followed by a commit hash"),
        None => rest,
    };
    let mut pieces = rest.split('_');
    let dotted = pieces.next().unwrap_or_default();
    let (dotted, letter) = match dotted.as_bytes().last() {
        Some(&c) if c.is_ascii_lowercase() => (&dotted[..dotted.len() - 1], Some(c)),
        _ => (dotted, None),
    };
    let parts: Vec<String> = dotted.split('.').map(str::to_owned).collect();
    if parts
        .iter()
        .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err("expected dotted numbers");
    }
    let mut suffixes = Vec::new();
    for s in pieces {
        let name_len = s.bytes().take_while(u8::is_ascii_lowercase).count();
        let (name, num) = s.split_at(name_len);
        let value = SUFFIXES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
            .ok_or("unknown suffix")?;
        if !num.bytes().all(|b| b.is_ascii_digit()) {
            return Err("a suffix number must be digits");
        }
        suffixes.push((value, Num::new(num)));
    }
    Ok(Key {
        parts,
        letter,
        suffixes,
        revision,
    })
}
