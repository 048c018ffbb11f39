//! Literal prefilters for `LIKE` and `MATCHES`: the substring every matching value must contain, and the
//! per-path index that finds, for a value, the patterns whose required substring occurs in it.
//!
//! Extraction is conservative: when it cannot prove a substring is required it returns `None` and the
//! comparison falls back to full evaluation. `LIKE` constants and `MATCHES` expressions that are not pure
//! ASCII get no literal: the evaluator NFC-normalizes them, which could change which bytes are required.
//! Likewise the evaluator normalizes non-ASCII values, so such a value is a candidate for every literal.
//!
//! The index per path is an Aho–Corasick automaton over the literals it held at its last rebuild, plus a
//! short list of literals added since, checked one by one. The automaton is rebuilt (dropping literals no
//! indicator uses any more) when the pending list outgrows a quarter of the automaton, so the cost of
//! rebuilding stays proportional to the number of literals added (amortized O(total literal bytes)).

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex_syntax::hir::{Hir, HirKind};

use crate::postings::{Posting, Postings};

/// The pending list is scanned linearly; below this size it is never worth a rebuild.
const MIN_PENDING_BEFORE_REBUILD: usize = 32;

/// The longest substring every value matching `LIKE 'constant'` contains, if any. (The evaluator escapes
/// every character but `%` and `_`, so a backslash is an ordinary character.)
pub(crate) fn like_required_literal(constant: &str) -> Option<Vec<u8>> {
    if !constant.is_ascii() {
        return None;
    }
    constant
        .split(['%', '_'])
        .max_by_key(|segment| segment.len())
        .filter(|segment| !segment.is_empty())
        .map(|segment| segment.as_bytes().to_vec())
}

/// The longest substring every string `MATCHES 'regex'` finds a match in contains, if any.
pub(crate) fn regex_required_literal(regex: &str) -> Option<Vec<u8>> {
    // The evaluator NFC-normalizes the expression; for ASCII text that changes nothing.
    if !regex.is_ascii() {
        return None;
    }
    let hir = regex_syntax::ParserBuilder::new()
        .dot_matches_new_line(true)
        .build()
        .parse(regex)
        .ok()?;
    required_literal_of_hir(&hir).filter(|literal| !literal.is_empty())
}

fn required_literal_of_hir(hir: &Hir) -> Option<Vec<u8>> {
    match hir.kind() {
        HirKind::Literal(literal) => Some(literal.0.to_vec()),
        HirKind::Capture(capture) => required_literal_of_hir(&capture.sub),
        HirKind::Repetition(repetition) if repetition.min >= 1 => required_literal_of_hir(&repetition.sub),
        HirKind::Concat(children) => {
            let mut best: Option<Vec<u8>> = None;
            let mut run: Vec<u8> = Vec::new();
            let consider = |candidate: Vec<u8>, best: &mut Option<Vec<u8>>| {
                if best
                    .as_ref()
                    .is_none_or(|current| candidate.len() > current.len())
                {
                    *best = Some(candidate);
                }
            };
            for child in children {
                if let HirKind::Literal(literal) = child.kind() {
                    run.extend_from_slice(&literal.0);
                    continue;
                }
                if !run.is_empty() {
                    consider(std::mem::take(&mut run), &mut best);
                }
                if let Some(inner) = required_literal_of_hir(child) {
                    consider(inner, &mut best);
                }
            }
            if !run.is_empty() {
                consider(run, &mut best);
            }
            best
        }
        _ => None,
    }
}

/// The literals of one object path.
#[derive(Debug, Default)]
pub(crate) struct PathLiterals {
    texts: Vec<Box<[u8]>>,
    postings: Vec<Postings>,
    by_text: hashbrown::HashMap<Box<[u8]>, u32>,
    /// Covers literal ids `0..n_sealed`.
    automaton: Option<AhoCorasick>,
    n_sealed: usize,
    n_postings: usize,
}

impl PathLiterals {
    pub(crate) fn insert(&mut self, literal: &[u8], posting: Posting) {
        let literal_id = match self.by_text.get(literal) {
            Some(literal_id) => *literal_id,
            None => {
                let literal_id = self.texts.len() as u32;
                self.texts.push(literal.into());
                self.postings.push(Postings::default());
                self.by_text.insert(literal.into(), literal_id);
                literal_id
            }
        };
        self.postings[literal_id as usize].push(posting);
        self.n_postings += 1;
        let n_pending = self.texts.len() - self.n_sealed;
        if n_pending > MIN_PENDING_BEFORE_REBUILD.max(self.n_sealed / 4) {
            self.rebuild();
        }
    }

    pub(crate) fn remove(&mut self, literal: &[u8], posting: Posting) {
        if let Some(literal_id) = self.by_text.get(literal) {
            let postings = &mut self.postings[*literal_id as usize];
            let before = postings.as_slice().len();
            postings.remove(posting);
            self.n_postings -= before - postings.as_slice().len();
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.n_postings == 0
    }

    /// Adds to `out` the postings of every literal that occurs in `value` (all of them for a non-ASCII
    /// value, see the module comment).
    pub(crate) fn occurring_in(&self, value: &[u8], out: &mut Vec<Posting>) {
        if !value.is_ascii() {
            for postings in &self.postings {
                out.extend_from_slice(postings.as_slice());
            }
            return;
        }
        if let Some(automaton) = &self.automaton {
            for found in automaton.find_overlapping_iter(value) {
                out.extend_from_slice(self.postings[found.pattern().as_usize()].as_slice());
            }
        }
        for literal_id in self.n_sealed..self.texts.len() {
            let literal = &self.texts[literal_id];
            if value.windows(literal.len()).any(|window| window == &literal[..]) {
                out.extend_from_slice(self.postings[literal_id].as_slice());
            }
        }
    }

    /// Drops unused literals and builds one automaton over the rest.
    fn rebuild(&mut self) {
        let mut texts = Vec::with_capacity(self.texts.len());
        let mut postings = Vec::with_capacity(self.texts.len());
        for (text, posting_list) in self.texts.drain(..).zip(self.postings.drain(..)) {
            if !posting_list.is_empty() {
                texts.push(text);
                postings.push(posting_list);
            }
        }
        self.by_text = texts
            .iter()
            .enumerate()
            .map(|(literal_id, text)| (text.clone(), literal_id as u32))
            .collect();
        // Building can only fail on limits far above what an index holds; on failure every literal stays on
        // the pending list, which is slower but still exact.
        self.automaton = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .build(&texts)
            .ok();
        self.n_sealed = if self.automaton.is_some() { texts.len() } else { 0 };
        self.texts = texts;
        self.postings = postings;
    }
}

#[cfg(test)]
mod tests;
