//! PII redaction: find personal data that is not threat data in free text, and replace it with typed
//! placeholders (`[REDACTED:email]`), keeping the rest of the text — redact, don't strip.
//!
//! - [`find_in_text`] scans one string; [`redact_text`] applies the findings.
//! - [`object::redact_object`] scans the free-text fields of a STIX object (never `pattern`, SCOs, ids, hashes or
//!   timestamps) and returns the redacted copy with one finding per span (JSON path, kind, confidence).
//!
//! The rules (each is a detector in `patterns` or `names`, with the context cues in `cues`):
//! - **Threat data is kept.** An e-mail address or phone number that also appears in the submission's
//!   observables (pattern literals, SCO values) is threat data. So is one the surrounding words make threat
//!   data: the sender of a phishing lure, an attacker's call-back number, a defanged address (`[@]`, `[.]`).
//!   Role mailboxes (`soc@`, `abuse@`, `helpdesk@`, …) and template placeholders (`user@`) are not a person's
//!   and are kept; a reserved example domain (`example.com`, `.test`) is no exemption (`emails`).
//! - **Checksums and ranges.** Card numbers must pass Luhn and have a card-network prefix; SSNs must have a valid
//!   area, group and serial. Phone numbers need a phone shape (3-3-4 with separators, or `+` and a country code),
//!   and never sit inside an IP address, version number, CVE id, hash or date.
//! - **Names** need a listed first name followed by a surname-like word, a title (`Dr.`, `Officer`), a
//!   personal cue ("reported by", "contact"), or enough evidence (`name_runs`) from the name model
//!   (`name_model`: lists, English words, a letter-trigram model) and the context (`name_context`: e-mail
//!   headers, signatures, greetings, roles, apposition, verbs). Threat-actor, malware and company names that look like personal
//!   names ("Fancy Bear", "Agent Tesla", "Charles Schwab"), names after threat cues ("alias", "indicted") and text
//!   inside ATT&CK `(Citation: …)` markers are kept.
//!
//! Confidence is 0–100. A finding below [`REVIEW_BELOW`] is still redacted, and sends the submission to human
//! review (TAXII status `pending`).

mod cues;
mod emails;
mod name_context;
mod name_model;
mod name_runs;
mod names;
pub mod object;
mod patterns;
pub mod score;

/// Findings with a confidence below this send the submission to human review.
pub const REVIEW_BELOW: u8 = 70;

/// A kind of personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PiiKind {
    /// A person's e-mail address.
    Email,
    /// A person's phone number.
    Phone,
    /// A US social security number.
    Ssn,
    /// A payment card number (Luhn-valid).
    Card,
    /// A street address.
    Address,
    /// A personal name.
    Name,
}

impl PiiKind {
    /// Every kind, in report order.
    pub const ALL: [PiiKind; 6] = [
        PiiKind::Email,
        PiiKind::Phone,
        PiiKind::Ssn,
        PiiKind::Card,
        PiiKind::Address,
        PiiKind::Name,
    ];

    /// The kind's name: `email`, `phone`, `ssn`, `card`, `address`, `name`.
    pub fn as_str(self) -> &'static str {
        match self {
            PiiKind::Email => "email",
            PiiKind::Phone => "phone",
            PiiKind::Ssn => "ssn",
            PiiKind::Card => "card",
            PiiKind::Address => "address",
            PiiKind::Name => "name",
        }
    }

    /// The kind named `name`.
    pub fn from_name(name: &str) -> Option<PiiKind> {
        PiiKind::ALL.into_iter().find(|kind| kind.as_str() == name)
    }

    /// The placeholder that replaces a match: `[REDACTED:email]`.
    pub fn placeholder(self) -> String {
        format!("[REDACTED:{}]", self.as_str())
    }

    /// When two detectors claim overlapping text, the higher priority wins (a name inside an address is part
    /// of the address; digits inside an e-mail address are not a phone number).
    fn priority(self) -> u8 {
        match self {
            PiiKind::Email => 6,
            PiiKind::Card => 5,
            PiiKind::Ssn => 4,
            PiiKind::Address => 3,
            PiiKind::Phone => 2,
            PiiKind::Name => 1,
        }
    }
}

/// One span of personal data in a string (byte offsets into it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextFinding {
    /// Start byte offset.
    pub start: usize,
    /// End byte offset (exclusive).
    pub end: usize,
    /// What it is.
    pub kind: PiiKind,
    /// How sure the detector is, 0–100.
    pub confidence: u8,
}

/// What the submission says is threat data: values of its observables, lowercased.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThreatContext {
    values: std::collections::BTreeSet<String>,
}

impl ThreatContext {
    /// An empty context (no observables).
    pub fn new() -> ThreatContext {
        ThreatContext::default()
    }

    /// Adds an observable value (an e-mail address, a phone number, a domain…).
    pub fn add(&mut self, value: &str) {
        self.values.insert(value.trim().to_lowercase());
    }

    /// Whether `value` is one of the observables.
    pub fn contains(&self, value: &str) -> bool {
        self.values.contains(&value.trim().to_lowercase())
    }

    /// Whether any observable contains `needle` (phone numbers are compared on their digits).
    fn contains_digits(&self, digits: &str) -> bool {
        self.values.iter().any(|value| {
            let value_digits: String = value.chars().filter(char::is_ascii_digit).collect();
            value_digits.len() >= 7 && (value_digits.ends_with(digits) || digits.ends_with(&value_digits))
        })
    }
}

/// Finds the personal data in `text`, sorted by position, without overlaps.
pub fn find_in_text(text: &str, context: &ThreatContext) -> Vec<TextFinding> {
    // Most fields lack what a detector needs (an `@`, a digit, a capital): skip those detectors cheaply.
    let bytes = text.as_bytes();
    let has_digit = bytes.iter().any(u8::is_ascii_digit);
    let has_capital = text.chars().any(char::is_uppercase);
    let skipped = cues::citation_ranges(text);
    let mut candidates = Vec::new();
    if bytes.contains(&b'@') {
        emails::find_emails(text, context, &mut candidates);
    }
    if has_digit {
        patterns::find_phones(text, context, &mut candidates);
        patterns::find_ssns(text, &mut candidates);
        patterns::find_cards(text, &mut candidates);
        patterns::find_addresses(text, &mut candidates);
    }
    if has_capital {
        names::find_names(text, &mut candidates);
    }
    addressee_apart(text, &mut candidates);
    candidates.retain(|f| {
        !skipped
            .iter()
            .any(|(start, end)| f.start < *end && *start < f.end)
    });
    candidates.sort_by(|a, b| {
        b.kind
            .priority()
            .cmp(&a.kind.priority())
            .then((b.end - b.start).cmp(&(a.end - a.start)))
    });
    let mut kept: Vec<TextFinding> = Vec::new();
    for candidate in candidates {
        if !kept
            .iter()
            .any(|k| candidate.start < k.end && k.start < candidate.end)
        {
            kept.push(candidate);
        }
    }
    kept.sort_by_key(|f| f.start);
    kept
}

/// "Ms Harriet Okonjo, 22 Kingsley Road, Hounslow TW3 1QA": an address whose first comma-separated part is a
/// name found there starts after the name (the addressee is a name, the rest the address).
fn addressee_apart(text: &str, candidates: &mut [TextFinding]) {
    let names: Vec<(usize, usize)> = candidates
        .iter()
        .filter(|f| f.kind == PiiKind::Name)
        .map(|f| (f.start, f.end))
        .collect();
    for address in candidates.iter_mut().filter(|f| f.kind == PiiKind::Address) {
        let addressee = names.iter().find(|(start, end)| {
            // The name fills the first part (a title before it may stay in it: "Ms Harriet Okonjo, …").
            *start >= address.start
                && text
                    .get(address.start..*start)
                    .is_some_and(|title| title.len() <= 6 && !title.contains(','))
                && *end + 2 < address.end
                && text.get(*end..).is_some_and(|rest| rest.starts_with(", "))
        });
        if let Some((_, end)) = addressee {
            address.start = end + 2;
        }
    }
}

/// `text` with every finding replaced by its placeholder. `findings` must be sorted and non-overlapping, as
/// [`find_in_text`] returns them.
pub fn redact_text(text: &str, findings: &[TextFinding]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut cursor = 0;
    for finding in findings {
        if finding.start < cursor || finding.end > text.len() {
            continue;
        }
        out.push_str(text.get(cursor..finding.start).unwrap_or_default());
        out.push_str(&finding.kind.placeholder());
        cursor = finding.end;
    }
    out.push_str(text.get(cursor..).unwrap_or_default());
    out
}
