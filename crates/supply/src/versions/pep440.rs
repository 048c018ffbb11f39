//! PEP 440 versions (PyPI): `[N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local]` with the spelling normalisation the
//! PEP defines (case-insensitive; `alpha`/`beta`/`c`/`pre`/`preview`, `rev`/`r`, implicit numbers, optional
//! separators, `1.0-1` as a post-release, a leading `v`), and the ordering of its "Summary of permitted suffixes
//! and relative ordering": dev releases before pre-releases before the release before post-releases; trailing
//! zeros of the release are insignificant; a local label sorts after the public version, numeric local segments
//! above alphanumeric ones.

use super::Num;

/// An optional component with the "absent sorts lowest/highest" rules of the PEP.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Bound<T> {
    NegInf,
    Val(T),
    Inf,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum LocalPart {
    Str(String),
    Int(Num),
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Key {
    epoch: Num,
    release: Vec<Num>,
    pre: Bound<(u8, Num)>,
    post: Bound<Num>,
    dev: Bound<Num>,
    local: Bound<Vec<LocalPart>>,
}

struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn digits(&mut self) -> Option<Num> {
        let start = self.i;
        while self.i < self.s.len() && self.s[self.i].is_ascii_digit() {
            self.i += 1;
        }
        (self.i > start).then(|| Num::new(std::str::from_utf8(&self.s[start..self.i]).unwrap_or("0")))
    }

    fn sep(&mut self) {
        if matches!(self.s.get(self.i), Some(b'-' | b'_' | b'.')) {
            self.i += 1;
        }
    }

    /// Consumes the first of `words` found here (callers list longer spellings first).
    fn word(&mut self, words: &[&str]) -> Option<usize> {
        for (n, w) in words.iter().enumerate() {
            if self.s[self.i..].starts_with(w.as_bytes()) {
                self.i += w.len();
                return Some(n);
            }
        }
        None
    }

    /// `[-_.]?WORD[-_.]?N?` as one optional group; restores the position when WORD is absent.
    fn labelled(&mut self, words: &[&str]) -> Option<(usize, Num)> {
        let save = self.i;
        self.sep();
        let Some(n) = self.word(words) else {
            self.i = save;
            return None;
        };
        let before_sep = self.i;
        self.sep();
        let num = match self.digits() {
            Some(num) => num,
            None => {
                self.i = before_sep;
                Num::new("0")
            }
        };
        Some((n, num))
    }
}

pub(crate) fn parse(text: &str) -> Result<Key, &'static str> {
    let lower = text.to_ascii_lowercase();
    let mut c = Cursor {
        s: lower.as_bytes(),
        i: 0,
    };
    if c.s.first() == Some(&b'v') {
        c.i = 1;
    }
    let first = c.digits().ok_or("a release number is required")?;
    let (epoch, mut release) = if c.s.get(c.i) == Some(&b'!') {
        c.i += 1;
        (
            first,
            vec![c.digits().ok_or("a release number must follow the epoch")?],
        )
    } else {
        (Num::new("0"), vec![first])
    };
    while c.s.get(c.i) == Some(&b'.') && c.s.get(c.i + 1).is_some_and(u8::is_ascii_digit) {
        c.i += 1;
        release.push(c.digits().ok_or("empty release segment")?);
    }
    while release.len() > 1 && release.last().is_some_and(Num::is_zero) {
        release.pop();
    }
    const PRE: [&str; 8] = ["alpha", "a", "beta", "b", "preview", "pre", "c", "rc"];
    let pre = c.labelled(&PRE).map(|(n, num)| {
        let rank = match PRE[n] {
            "alpha" | "a" => 0,
            "beta" | "b" => 1,
            _ => 2,
        };
        (rank, num)
    });
    let post = if c.s.get(c.i) == Some(&b'-') && c.s.get(c.i + 1).is_some_and(u8::is_ascii_digit) {
        c.i += 1;
        c.digits()
    } else {
        c.labelled(&["post", "rev", "r"]).map(|(_, n)| n)
    };
    let dev = c.labelled(&["dev"]).map(|(_, n)| n);
    let local = if c.s.get(c.i) == Some(&b'+') {
        c.i += 1;
        let rest = &lower[c.i..];
        c.i = c.s.len();
        let mut parts = Vec::new();
        for part in rest.split(['-', '_', '.']) {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err("malformed local version label");
            }
            parts.push(if part.bytes().all(|b| b.is_ascii_digit()) {
                LocalPart::Int(Num::new(part))
            } else {
                LocalPart::Str(part.to_owned())
            });
        }
        Some(parts)
    } else {
        None
    };
    if c.i != c.s.len() {
        return Err("unexpected text after the version");
    }
    let pre = match (&pre, &post, &dev) {
        (None, None, Some(_)) => Bound::NegInf,
        (None, _, _) => Bound::Inf,
        (Some(p), _, _) => Bound::Val(p.clone()),
    };
    Ok(Key {
        epoch,
        release,
        pre,
        post: post.map_or(Bound::NegInf, Bound::Val),
        dev: dev.map_or(Bound::Inf, Bound::Val),
        local: local.map_or(Bound::NegInf, Bound::Val),
    })
}
