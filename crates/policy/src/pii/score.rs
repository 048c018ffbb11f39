//! Scoring the detector against a labelled set (`crates/policy/test_data/pii-labelled.jsonl`).
//!
//! Span-level: a found span is a true positive when an expected span of the same kind overlaps it (each
//! expected span is matched at most once); unmatched found spans are false positives, unmatched expected spans
//! false negatives. Overlap rather than exact bounds, because "Dr. Jane Doe" and "Jane Doe" redact the same
//! person.
//!
//! Context kept: of the bytes outside every expected span, the share that no finding redacts (redact, don't
//! strip: a detector that blanks whole sentences would score full recall and destroy the intelligence).

use std::collections::BTreeMap;
use std::fmt::Write;

use serde_json::Value;

use super::{PiiKind, ThreatContext, find_in_text};

/// One labelled free-text field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelledField {
    /// Its id in the set.
    pub id: String,
    /// The text.
    pub text: String,
    /// The expected spans: byte offsets and kind.
    pub spans: Vec<(usize, usize, PiiKind)>,
}

/// Counts for one kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Found and expected.
    pub true_positives: usize,
    /// Found, not expected.
    pub false_positives: usize,
    /// Expected, not found.
    pub false_negatives: usize,
}

impl Counts {
    /// TP / (TP + FN); 1 when nothing was expected.
    pub fn recall(&self) -> f64 {
        ratio(self.true_positives, self.true_positives + self.false_negatives)
    }

    /// TP / (TP + FP); 1 when nothing was found.
    pub fn precision(&self) -> f64 {
        ratio(self.true_positives, self.true_positives + self.false_positives)
    }

    fn add(&mut self, other: Counts) {
        self.true_positives += other.true_positives;
        self.false_positives += other.false_positives;
        self.false_negatives += other.false_negatives;
    }
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        1.0
    } else {
        part as f64 / whole as f64
    }
}

/// The scores of a run: counts per kind, and the mistakes for inspection.
#[derive(Debug, Clone, Default)]
pub struct Scores {
    /// Counts per kind.
    pub per_kind: BTreeMap<PiiKind, Counts>,
    /// `(field id, kind, text)` of every false positive and false negative, prefixed `FP`/`FN`.
    pub mistakes: Vec<String>,
    /// How many fields were scored.
    pub n_fields: usize,
    /// Bytes outside every expected span.
    pub context_bytes: usize,
    /// Of those, bytes a finding redacted.
    pub context_lost: usize,
}

impl Scores {
    /// The counts over all kinds.
    pub fn overall(&self) -> Counts {
        let mut total = Counts::default();
        self.per_kind.values().for_each(|counts| total.add(*counts));
        total
    }

    /// The share of the non-personal bytes that redaction keeps.
    pub fn context_kept(&self) -> f64 {
        ratio(self.context_bytes - self.context_lost, self.context_bytes)
    }

    /// A Markdown table: kind, expected, found, TP, recall, precision.
    pub fn table(&self) -> String {
        let mut out = String::from("| kind | expected | found | true positives | recall | precision |\n");
        out.push_str("|---|---:|---:|---:|---:|---:|\n");
        let rows = self
            .per_kind
            .iter()
            .map(|(kind, counts)| (kind.as_str(), *counts));
        for (name, counts) in rows.chain(std::iter::once(("**overall**", self.overall()))) {
            let _ = writeln!(
                out,
                "| {name} | {} | {} | {} | {:.1} % | {:.1} % |",
                counts.true_positives + counts.false_negatives,
                counts.true_positives + counts.false_positives,
                counts.true_positives,
                counts.recall() * 100.0,
                counts.precision() * 100.0
            );
        }
        let _ = writeln!(out, "\ncontext kept: {:.1} %", self.context_kept() * 100.0);
        out
    }
}

/// Parses the labelled set: one JSON object a line with `id`, `text` and `spans` (`kind`, `start`, `end`).
pub fn parse_labelled_jsonl(text: &str) -> Result<Vec<LabelledField>, String> {
    let mut fields = Vec::new();
    for (line_idx, line) in text
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
    {
        let bad = |what: &str| format!("line {}: {what}", line_idx + 1);
        let row: Value = serde_json::from_str(line).map_err(|err| bad(&err.to_string()))?;
        let id = row
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let text = row
            .get("text")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("no text"))?
            .to_owned();
        let mut spans = Vec::new();
        for span in row.get("spans").and_then(Value::as_array).into_iter().flatten() {
            let kind = span
                .get("kind")
                .and_then(Value::as_str)
                .and_then(PiiKind::from_name);
            let start = span
                .get("start")
                .and_then(Value::as_u64)
                .and_then(|n| usize::try_from(n).ok());
            let end = span
                .get("end")
                .and_then(Value::as_u64)
                .and_then(|n| usize::try_from(n).ok());
            match (kind, start, end) {
                (Some(kind), Some(start), Some(end)) if start < end && end <= text.len() => {
                    spans.push((start, end, kind));
                }
                _ => return Err(bad("a span needs a known kind and start < end <= text length")),
            }
        }
        fields.push(LabelledField { id, text, spans });
    }
    Ok(fields)
}

/// Runs the detector over every field (with no observables in context) and scores it.
pub fn score(fields: &[LabelledField]) -> Scores {
    let mut scores = Scores {
        n_fields: fields.len(),
        ..Scores::default()
    };
    for kind in PiiKind::ALL {
        scores.per_kind.insert(kind, Counts::default());
    }
    let context = ThreatContext::new();
    for field in fields {
        let found = find_in_text(&field.text, &context);
        let mut personal = vec![false; field.text.len()];
        let mut redacted = vec![false; field.text.len()];
        for (start, end, _) in &field.spans {
            personal[*start..*end].fill(true);
        }
        for finding in &found {
            redacted[finding.start..finding.end].fill(true);
        }
        scores.context_bytes += personal.iter().filter(|p| !**p).count();
        scores.context_lost += personal
            .iter()
            .zip(&redacted)
            .filter(|(p, r)| !**p && **r)
            .count();
        let mut matched = vec![false; field.spans.len()];
        for finding in &found {
            let hit = field
                .spans
                .iter()
                .enumerate()
                .find(|(span_idx, (start, end, kind))| {
                    !matched[*span_idx]
                        && *kind == finding.kind
                        && finding.start < *end
                        && *start < finding.end
                });
            let counts = scores.per_kind.entry(finding.kind).or_default();
            match hit {
                Some((span_idx, _)) => {
                    matched[span_idx] = true;
                    counts.true_positives += 1;
                }
                None => {
                    counts.false_positives += 1;
                    let snippet = field.text.get(finding.start..finding.end).unwrap_or_default();
                    scores
                        .mistakes
                        .push(format!("FP {} {}: {snippet:?}", field.id, finding.kind.as_str()));
                }
            }
        }
        for (span_idx, (start, end, kind)) in field.spans.iter().enumerate() {
            if !matched[span_idx] {
                scores.per_kind.entry(*kind).or_default().false_negatives += 1;
                let snippet = field.text.get(*start..*end).unwrap_or_default();
                scores
                    .mistakes
                    .push(format!("FN {} {}: {snippet:?}", field.id, kind.as_str()));
            }
        }
    }
    scores
}
