//! Personal names: lists, titles and cues, with the threat-data exceptions.
//!
//! A name is one of:
//! - a listed first name, optional middle names or initials, and a surname-like word ("Jane Q. Doe");
//! - a title and one to three capitalised words ("Det. Alvarez", "Dr. Chinonso Eze");
//! - after a personal cue ("reported by", "contact", "POC:"), two capitalised words, or one listed first name;
//!
//! It is not a name inside a bibliographic citation (`Slowik, J. (2019, April 10)`: public attribution of a
//! source), nor when it lies in a listed threat, malware or company name (`data/not_person_names.txt`), when a
//! threat cue ("alias", "threat actor", "indicted") comes just before it, or when the word after it makes it a
//! group, place or organisation ("… Group", "… County", "… Technologies": `data/not_name_words.txt`).

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;

use super::name_runs::{self, PARTICLES, PLACE_HEADS, name_shaped};
use super::{PiiKind, TextFinding};
use super::{cues, name_context, name_model};

pub(super) fn word_list(text: &'static str) -> HashSet<&'static str> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .flat_map(str::split_whitespace)
        .collect()
}

pub(super) static FIRST_NAMES: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| word_list(include_str!("data/first_names.txt")));
pub(super) static SURNAMES: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| word_list(include_str!("data/surnames.txt")));
pub(super) static NOT_NAME_WORDS: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| word_list(include_str!("data/not_name_words.txt")));
static NOT_PERSON_NAMES: LazyLock<Regex> = LazyLock::new(|| {
    let phrases: Vec<String> = include_str!("data/not_person_names.txt")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| regex::escape(line).replace(r"\ ", r"\s+"))
        .collect();
    Regex::new(&format!(r"(?i)(?-u:\b)(?:{})(?-u:\b)", phrases.join("|")))
        .expect("escaped constant phrases form a regex")
});
static TOKEN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[\p{L}\p{M}](?:[\p{L}\p{M}'’-]*[\p{L}\p{M}])?")
        .expect("constant regex, compiled by every test run")
});

/// A bibliographic citation ("Slowik, J. (2019, April 10). … Retrieved May 1, 2020."): its author names
/// attribute a public source and are kept, so the context survives.
static CITATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"\(\d{4}(?:, [A-Z][a-z]+(?: \d{1,2})?)?\)|\d{4}, (?:January|February|March|April|May|June|July|August|",
        r"September|October|November|December)(?-u:\b)|Retrieved(?: on)? (?:[A-Z][a-z]+ \d{1,2}, )?\d{4}|(?-u:\b)et al\.|",
        r"Retrieved\. \d{4}|(?-u:\b)\d{4}--\d{2}|(?-u:\b)In Proceedings(?-u:\b)|(?-u:\b)Proceedings of(?-u:\b)|(?-u:\b)Vol\. \d|(?-u:\b)pp\. \d",
        r"|^(?:[A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*){1,3}, )+.*[^\d\s] ?, (?:19|20)\d{2}(?:--[\d-]+)?(?:, [A-Z]|$)",
    ))
    .expect("constant regex, compiled by every test run")
});

#[rustfmt::skip]
const TITLES: &[&str] = &[
    "Mr", "Mrs", "Ms", "Miss", "Mx", "Dr", "Prof", "Sgt", "Det", "Lt", "Capt", "Cpl", "Officer", "Deputy",
    "Detective", "Sergeant", "Sheriff", "Trooper", "Commissioner", "Mayor", "Senator", "Rep", "Judge",
    "Councilmember", "Councilman", "Councilwoman", "Professor", "Lieutenant", "Captain", "Corporal",
    "Inspector", "Clerk", "Chief", "Director", "Supervisor", "Treasurer", "Auditor", "Recorder", "Registrar",
    "Secretary", "Governor", "Superintendent", "Representative", "Assemblymember", "Assemblyman",
    "Assemblywoman", "Delegate", "Alderman", "Alderwoman", "Marshal", "Constable", "Councillor", "Frau", "Herr",
    "Herrn", "Mme", "Mlle", "Madame", "Monsieur", "Sr", "Sra", "Srta", "Dott", "Dottssa", "Ing", "Alhaji",
    "Alhaja", "Sir", "Dame", "Rev", "Hon", "Pastor", "Father", "Sister", "Imam", "Rabbi",
];
static TITLE_SET: LazyLock<HashSet<&'static str>> = LazyLock::new(|| TITLES.iter().copied().collect());

pub(super) fn is_title(word: &str) -> bool {
    TITLE_SET.contains(word)
}

/// Cues match as word prefixes ("impersonat…"); "persona " keeps "personal mailbox, Laura Marsh" personal.
#[rustfmt::skip]
const NAME_THREAT_CUES: &[&str] = &[
    "threat actor", "alias", "aliases", "aka", "a.k.a", "handle ", "handle:", "handles", "persona ", "persona:",
    "personas", "indicted", "charged", "sanctioned", "moniker", "also known as", "tracked as", "malware", "ransomware", "backdoor", "variant",
    "operation", "username", "nickname", "pseudonym", "wanted", "extradited", "convicted", "contributors",
    "contributor", "called himself", "called herself", "calls himself", "calls herself", "calling himself",
    "calling herself", "going by", "goes by",
];
/// Words after a name that make it a fabricated persona (threat data), not a person.
#[rustfmt::skip]
const PERSONA_CUES_AFTER: &[&str] =
    &["persona", "no such", "does not exist", "doesn't exist", "fictitious", "sock puppet", "fake profile"];
#[rustfmt::skip]
const NAME_PERSONAL_CUES: &[&str] = &[
    "reported by", "submitted by", "written by", "prepared by", "approved by", "contact", "contacted", "poc",
    "point of contact", "analyst", "spoke with", "spoke to", "talked to", "assigned to", "employee", "user",
    "victim", "resident", "voter", "caller", "attn", "attention", "signed", "thanks to", "owner", "manager",
    "administrator", "director", "clerk", "coordinator", "supervisor", "technician", "officer", "cc",
    "named", "customer", "patient", "student", "staff member", "intern", "contractor", "registrar",
    "auditor", "recorder", "treasurer", "name:", "ask", "email", "call", "notify", "notified", "holder",
    "account holder", "reporter", "owned by", "witness", "complainant", "requester", "requestor", "caller",
    "judge",
    "this is", "name is", "name was", "i'm", "i am", "named", "sent to",
    "captain", "volunteer", "warden", "chair", "inspector", "investigator", "deputy", "commissioner", "counsel",
    "attorney", "dpo", "ciso", "cio", "cto", "ceo", "pio", "spokesperson", "homeowner", "tenant", "parent",
    "teacher", "nurse", "doctor", "journalist", "reporter:", "worker",
];

#[derive(Debug, Clone, Copy)]
pub(super) struct Token<'t> {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) text: &'t str,
}

/// Whether `word` is a listed first name, as written, in capitals ("JOHN"), or as one part of a hyphenated
/// first name ("Jean-Luc").
fn is_first_name(word: &str) -> bool {
    FIRST_NAMES.contains(word)
        || title_case(word).is_some_and(|titled| FIRST_NAMES.contains(titled.as_str()))
        || (word.contains('-') && word.split('-').any(|part| FIRST_NAMES.contains(part)))
}

/// Whether `word` is a listed surname, as written or in capitals.
fn is_listed_surname(word: &str) -> bool {
    SURNAMES.contains(word) || title_case(word).is_some_and(|titled| SURNAMES.contains(titled.as_str()))
}

/// "JOHN" → "John"; `None` unless the word is all capitals and at least two letters.
fn title_case(word: &str) -> Option<String> {
    if word.chars().count() < 2 || !word.chars().all(char::is_uppercase) {
        return None;
    }
    let mut chars = word.chars();
    let first = chars.next()?;
    Some(first.to_string() + &chars.as_str().to_lowercase())
}

fn is_capitalised(word: &str) -> bool {
    let mut chars = word.chars();
    chars.next().is_some_and(char::is_uppercase)
        && word.chars().any(char::is_lowercase)
        && word.chars().count() >= 2
}

fn is_surname_like(word: &str) -> bool {
    match title_case(word) {
        Some(titled) => SURNAMES.contains(titled.as_str()),
        None => is_capitalised(word) && !NOT_NAME_WORDS.contains(word) && !is_title(word),
    }
}

fn is_initial(tokens: &[Token<'_>], text: &str, idx: usize) -> bool {
    tokens.get(idx).is_some_and(|t| {
        t.text.chars().count() == 1
            && t.text.chars().all(char::is_uppercase)
            && text.get(t.end..).is_some_and(|rest| rest.starts_with('.'))
    })
}

/// Whether tokens `a` and `b` (consecutive) are separated only by spaces (or the `.` of an initial).
fn adjacent(text: &str, a: &Token<'_>, b: &Token<'_>) -> bool {
    let gap = text.get(a.end..b.start).unwrap_or_default();
    let gap = gap.strip_prefix('.').unwrap_or(gap);
    !gap.is_empty() && gap.len() <= 3 && gap.chars().all(|c| c == ' ' || c == '\u{a0}')
}

fn tokens(text: &str) -> Vec<Token<'_>> {
    TOKEN
        .find_iter(text)
        .map(|m| {
            let word = m.as_str();
            let word = word
                .strip_suffix("'s")
                .or_else(|| word.strip_suffix("’s"))
                .unwrap_or(word);
            Token {
                start: m.start(),
                end: m.start() + word.len(),
                text: word,
            }
        })
        .collect()
}

/// The span of a surname run starting at `idx`: one surname-like word, plus a second when it is a listed
/// surname ("Garcia Lopez"). Returns the index of the last token.
fn surname_run(text: &str, tokens: &[Token<'_>], idx: usize) -> Option<usize> {
    let token = tokens.get(idx)?;
    if !is_surname_like(token.text) {
        return None;
    }
    match tokens.get(idx + 1) {
        Some(next) if adjacent(text, token, next) && is_listed_surname(next.text) => Some(idx + 1),
        _ => Some(idx),
    }
}

pub(super) fn find_names(text: &str, out: &mut Vec<TextFinding>) {
    if CITATION.is_match(text) {
        return;
    }
    let tokens = tokens(text);
    let excluded: Vec<(usize, usize)> = NOT_PERSON_NAMES
        .find_iter(text)
        .map(|m| (m.start(), m.end()))
        .collect();
    let mut idx = 0;
    while idx < tokens.len() {
        match candidate_at(text, &tokens, idx) {
            Some((last, confidence)) => {
                let (start, end) = (tokens[idx].start, tokens[last].end);
                if accept(text, &tokens, idx, last, &excluded) {
                    out.push(TextFinding {
                        start,
                        end,
                        kind: PiiKind::Name,
                        confidence,
                    });
                }
                idx = last + 1;
            }
            None => idx += 1,
        }
    }
    add_coordinated_names(text, &tokens, &excluded, out);
}

/// "Hamid Rezaei and Ngozi Adebayo": two capitalised words joined to a found name by `and` or `&` are a name
/// too, whether or not the first name is listed. (Not by a bare comma: "Grossman, Attribute-Based Cross-Site
/// Scripting" is a citation's title.)
fn add_coordinated_names(
    text: &str,
    tokens: &[Token<'_>],
    excluded: &[(usize, usize)],
    out: &mut Vec<TextFinding>,
) {
    let mut idx = 0;
    while idx < tokens.len() {
        let joined = out.iter().filter(|f| f.kind == PiiKind::Name).any(|f| {
            let gap = text.get(f.end..tokens[idx].start).unwrap_or_default();
            matches!(gap, " and " | " & " | ", and ")
        });
        let first = &tokens[idx];
        // "Thanks to Ewa and Jonas": a listed first name alone, joined to a found name.
        let alone = tokens
            .get(idx + 1)
            .is_none_or(|next| !adjacent(text, first, next) || !is_capitalised(next.text));
        let taken = out.iter().any(|f| f.start < first.end && first.start < f.end);
        if joined && alone && !taken && is_first_name(first.text) && accept(text, tokens, idx, idx, excluded)
        {
            out.push(TextFinding {
                start: first.start,
                end: first.end,
                kind: PiiKind::Name,
                confidence: 65,
            });
            idx += 1;
            continue;
        }
        let Some(second) = tokens.get(idx + 1) else {
            break;
        };
        let pair =
            is_surname_like(first.text) && is_surname_like(second.text) && adjacent(text, first, second);
        let taken = out.iter().any(|f| f.start < second.end && first.start < f.end);
        if joined && pair && !taken && accept(text, tokens, idx, idx + 1, excluded) {
            out.push(TextFinding {
                start: first.start,
                end: second.end,
                kind: PiiKind::Name,
                confidence: 70,
            });
            idx += 2;
        } else {
            idx += 1;
        }
    }
}

/// A name starting at token `idx`: the index of its last token and a confidence.
fn candidate_at(text: &str, tokens: &[Token<'_>], idx: usize) -> Option<(usize, u8)> {
    let token = tokens.get(idx)?;
    let adjacent_next = |from: usize| {
        tokens
            .get(from + 1)
            .filter(|next| tokens.get(from).is_some_and(|t| adjacent(text, t, next)))
            .is_some()
    };
    let previous = idx.checked_sub(1).and_then(|p| tokens.get(p));
    let after_title = previous.is_some_and(|p| is_title(p.text) && adjacent(text, p, token));
    if after_title && is_surname_like(token.text) {
        let mut last = idx;
        while last < idx + 2
            && adjacent_next(last)
            && tokens.get(last + 1).is_some_and(|t| is_surname_like(t.text))
        {
            last += 1;
        }
        return Some((last, 90));
    }
    if is_first_name(token.text) && adjacent_next(idx) {
        let mut next = idx + 1;
        while (is_initial(tokens, text, next) || is_first_name(tokens.get(next).map_or("", |t| t.text)))
            && adjacent_next(next)
            && next < idx + 3
        {
            next += 1;
        }
        // "Christopher Lee says": a first name can be the surname when nothing follows it.
        let found = surname_run(text, tokens, next).or_else(|| {
            (next > idx + 1)
                .then(|| surname_run(text, tokens, next - 1))
                .flatten()
        });
        if let Some(last) = found {
            let known = is_listed_surname(tokens[last].text);
            // "Jackson Hole", "Virginia Beach": an unlisted surname that is an English word needs context.
            let word = !known && name_model::is_common_word(&tokens[last].text.to_lowercase());
            let context = name_context::evidence(text, token.start, tokens[last].end).score;
            if !word || context >= 1.5 || personal_cue_before(text, token.start) {
                return Some((last, if known { 92 } else { 80 }));
            }
        }
    }
    if !is_capitalised(token.text) && title_case(token.text).is_none() && !is_initial(tokens, text, idx) {
        return None;
    }
    // The cue look-up costs more than the word tests: only when a word test passed.
    let cue_cell = std::cell::OnceCell::new();
    let cue_before = || *cue_cell.get_or_init(|| personal_cue_before(text, token.start));
    if is_surname_like(token.text) && adjacent_next(idx) && cue_before() {
        let next = tokens.get(idx + 1).map_or("", |t| t.text);
        // A Title Case heading ("Configure User Mapping Using …") is no name: one of the words must be listed.
        let listed = is_listed_surname(next) || is_first_name(token.text) || is_listed_surname(token.text);
        if is_surname_like(next) && listed {
            return Some((idx + 1, if is_listed_surname(next) { 75 } else { 60 }));
        }
    }
    if is_listed_surname(token.text) && !is_first_name(token.text) {
        let comma = text.get(token.end..).is_some_and(|rest| rest.starts_with(", "));
        if let Some(next) = tokens.get(idx + 1)
            && comma
            && next.start == token.end + 2
            && is_first_name(next.text)
        {
            return Some((idx + 1, 75));
        }
    }
    if is_initial(tokens, text, idx) && adjacent_next(idx) {
        let next = tokens.get(idx + 1).map_or("", |t| t.text);
        if is_listed_surname(next) || (is_surname_like(next) && cue_before()) {
            return Some((idx + 1, 75));
        }
    }
    if let Some(found) = name_runs::modelled_run(text, tokens, idx) {
        return Some(found);
    }
    (FIRST_NAMES.contains(token.text) && cue_before()).then_some((idx, 55))
}

/// The span of a name right before `(` or `<` at the end of `head`, as in `Thandiwe Mokoena (t.mokoena@…)` or
/// `"Siobhán O'Riordan" <…>`: two to four name-shaped words that the name model does not take for English words
/// ("Accounts Payable <ap@…>" is no name), whether or not the first name is listed.
pub(super) fn name_before_bracket(head: &str) -> Option<(usize, usize)> {
    let stripped = head.trim_end_matches(['(', '<']);
    if stripped.len() == head.len() || !stripped.ends_with(' ') {
        return None;
    }
    let stripped = stripped.trim_end_matches([' ', '"', '\'']);
    let tokens = tokens(stripped);
    let last = tokens.last()?;
    if !stripped.get(last.end..).unwrap_or_default().is_empty() {
        return None;
    }
    let mut first = tokens.len() - 1;
    while first > 0
        && tokens.len() - first < 4
        && adjacent(stripped, &tokens[first - 1], &tokens[first])
        && (name_shaped(tokens[first - 1].text) || PARTICLES.contains(&tokens[first - 1].text))
        && !is_title(tokens[first - 1].text)
    {
        first -= 1;
    }
    let words: Vec<&Token<'_>> = tokens[first..]
        .iter()
        .filter(|t| !PARTICLES.contains(&t.text))
        .collect();
    let scores: Vec<f32> = words
        .iter()
        .enumerate()
        .map(|(position, t)| name_model::part_score(t.text, position == 0))
        .collect();
    let name_like = words.len() >= 2
        && words.iter().all(|t| name_shaped(t.text))
        && scores.iter().all(|score| *score > -1.0)
        && scores.iter().sum::<f32>() > 0.0;
    name_like.then_some((tokens[first].start, last.end))
}

pub(super) fn personal_cue_before(text: &str, start: usize) -> bool {
    let before = cues::before(text, start, 40);
    let stripped = before.trim_end_matches([' ', ':', ',', '-', '(']);
    let spaced = before.trim_end_matches([' ', '(']);
    NAME_PERSONAL_CUES.iter().any(|cue| {
        // "name:" keeps its colon; other cues may be followed by punctuation ("POC:", "reported by -").
        let trimmed = if cue.ends_with(':') { spaced } else { stripped };
        trimmed.ends_with(cue)
            && trimmed
                .get(..trimmed.len() - cue.len())
                .and_then(|head| head.chars().next_back())
                .is_none_or(|c| !c.is_alphanumeric())
    })
}

fn accept(text: &str, tokens: &[Token<'_>], first: usize, last: usize, excluded: &[(usize, usize)]) -> bool {
    let (start, end) = (tokens[first].start, tokens[last].end);
    if excluded.iter().any(|(s, e)| start < *e && *s < end) {
        return false;
    }
    // "Tyler Technologies" is a company; "Agnieszka Nowak. Please …" is a name before a new sentence.
    if let Some(next) = tokens.get(last + 1)
        && adjacent(text, &tokens[last], next)
        && !text
            .get(tokens[last].end..next.start)
            .is_some_and(|gap| gap.starts_with('.') && tokens[last].text.chars().count() > 1)
        && NOT_NAME_WORDS.contains(next.text)
        && (is_capitalised(next.text) || title_case(next.text).is_some())
    {
        return false;
    }
    // "Prince George's County": a place or organisation word after the possessive makes the whole a place.
    if let Some(next) = tokens.get(last + 1)
        && text
            .get(tokens[last].end..next.start)
            .is_some_and(|gap| gap == "'s " || gap == "’s ")
        && NOT_NAME_WORDS.contains(next.text)
        && is_capitalised(next.text)
    {
        return false;
    }
    if let Some(previous) = first.checked_sub(1).and_then(|p| tokens.get(p))
        && adjacent(text, previous, &tokens[first])
        && PLACE_HEADS.contains(&previous.text)
    {
        return false;
    }
    let mut window_end = (end + 60).min(text.len());
    while !text.is_char_boundary(window_end) {
        window_end -= 1;
    }
    let after = text.get(end..window_end).unwrap_or_default().to_lowercase();
    let fabricated = cues::parenthetical_after(text, end).is_some_and(|inner| {
        [
            "fake",
            "fictitious",
            "persona",
            "alias",
            "handle",
            "spoofed",
            "impersonat",
            "not a real",
        ]
        .iter()
        .any(|cue| inner.contains(cue))
    });
    // Whole words: "persona" is a cue, "personal" is not.
    let persona_after = PERSONA_CUES_AFTER.iter().any(|cue| {
        after.match_indices(cue).any(|(idx, _)| {
            after
                .get(idx + cue.len()..)
                .and_then(|rest| rest.chars().next())
                .is_none_or(|c| !c.is_alphanumeric())
        })
    });
    if fabricated || persona_after {
        return false;
    }
    let before = cues::before(text, start, 40);
    let threat = cues::distance_from_end(&before, NAME_THREAT_CUES);
    let personal = cues::distance_from_end(&before, NAME_PERSONAL_CUES);
    !matches!((threat, personal), (Some(t), None) if t < 40)
        && !matches!((threat, personal), (Some(t), Some(p)) if t < p)
}
