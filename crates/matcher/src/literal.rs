//! Literal prefilters for `LIKE` and `MATCHES`: the substring every matching value must contain, and the
//! per-path index that finds, for a value, the patterns whose required substring occurs in it.
//!
//! Extraction is conservative: when it cannot prove a substring is required it returns `None` and the
//! comparison falls back to full evaluation. `LIKE` constants and `MATCHES` expressions that are not pure
//! ASCII get no literal: the evaluator NFC-normalizes them, which could change which bytes are required.
//! The evaluator searches the NFC form of a value, so that is what the automata search too.
//!
//! The index per path is an Aho–Corasick automaton over the literals it held at its last rebuild, plus a
//! small automaton over the literals added since (rebuilt on every insertion). Everything is rebuilt into
//! one automaton (dropping literals no indicator uses any more) when the small one outgrows
//! max(32, min(256, n/64)) literals, so a query runs at most two automata and insertion stays cheap.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use regex_syntax::hir::{Hir, HirKind};
use unicode_normalization::UnicodeNormalization;

use crate::postings::{Posting, Postings};

/// Literals added since the last full rebuild sit in a small second automaton, rebuilt on each insertion;
/// it grows to `n_sealed / 64` literals, at least 32 and at most 256, before everything is rebuilt.
const MIN_PENDING_BEFORE_REBUILD: usize = 32;
const MAX_PENDING: usize = 256;

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
    /// Covers literal ids `n_sealed..`, rebuilt on every insertion (it is small).
    pending: Option<AhoCorasick>,
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
        if n_pending
            > MIN_PENDING_BEFORE_REBUILD
                .max(self.n_sealed / 64)
                .min(MAX_PENDING)
        {
            self.rebuild();
        } else if n_pending > 0 {
            self.pending = build_automaton(&self.texts[self.n_sealed..], AhoCorasickKind::NoncontiguousNFA);
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

    /// Adds to `out` the postings of every literal that occurs in `value`, or in its NFC form (which is
    /// what the evaluator searches; literals come only from ASCII constants, unchanged by NFC).
    pub(crate) fn occurring_in(&self, value: &str, out: &mut Vec<Posting>) {
        if value.is_ascii() {
            self.search(value.as_bytes(), out);
        } else {
            let normalized: String = value.nfc().collect();
            self.search(normalized.as_bytes(), out);
        }
    }

    fn search(&self, value: &[u8], out: &mut Vec<Posting>) {
        if let Some(automaton) = &self.automaton {
            for found in automaton.find_overlapping_iter(value) {
                out.extend_from_slice(self.postings[found.pattern().as_usize()].as_slice());
            }
        }
        if let Some(pending) = &self.pending {
            for found in pending.find_overlapping_iter(value) {
                out.extend_from_slice(self.postings[self.n_sealed + found.pattern().as_usize()].as_slice());
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
        self.automaton = build_automaton(&texts, AhoCorasickKind::DFA);
        self.pending = None;
        self.n_sealed = texts.len();
        self.texts = texts;
        self.postings = postings;
    }
}

/// An automaton over `literals`. Building fails only on limits far above what an index holds. The small
/// pending automaton is an NFA (cheap to build), the sealed one a DFA (fastest to search).
fn build_automaton(literals: &[Box<[u8]>], kind: AhoCorasickKind) -> Option<AhoCorasick> {
    let built = AhoCorasickBuilder::new()
        .match_kind(MatchKind::Standard)
        .kind(Some(kind))
        .build(literals);
    debug_assert!(built.is_ok(), "building an Aho-Corasick automaton failed");
    built.ok()
}

#[cfg(test)]
mod tests;
