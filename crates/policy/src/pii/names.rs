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

use super::cues;
use super::{PiiKind, TextFinding};

fn word_list(text: &'static str) -> HashSet<&'static str> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .flat_map(str::split_whitespace)
        .collect()
}

static FIRST_NAMES: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| word_list(include_str!("data/first_names.txt")));
static SURNAMES: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| word_list(include_str!("data/surnames.txt")));
static NOT_NAME_WORDS: LazyLock<HashSet<&'static str>> =
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
    "Assemblywoman", "Delegate", "Alderman", "Alderwoman", "Marshal", "Constable",
];
#[rustfmt::skip]
const NAME_THREAT_CUES: &[&str] = &[
    "threat actor", "alias", "aliases", "aka", "a.k.a", "handle", "persona", "indicted", "charged",
    "sanctioned", "moniker", "also known as", "tracked as", "malware", "ransomware", "backdoor", "variant",
    "operation", "username", "nickname", "pseudonym", "wanted", "extradited", "convicted", "contributors",
    "contributor",
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
struct Token<'t> {
    start: usize,
    end: usize,
    text: &'t str,
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
        None => is_capitalised(word) && !NOT_NAME_WORDS.contains(word) && !TITLES.contains(&word),
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
    while idx + 1 < tokens.len() {
        let joined = out.iter().filter(|f| f.kind == PiiKind::Name).any(|f| {
            let gap = text.get(f.end..tokens[idx].start).unwrap_or_default();
            matches!(gap, " and " | " & " | ", and ")
        });
        let (first, second) = (&tokens[idx], &tokens[idx + 1]);
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
    let after_title = previous.is_some_and(|p| TITLES.contains(&p.text) && adjacent(text, p, token));
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
            return Some((last, if known { 92 } else { 80 }));
        }
    }
    if !is_capitalised(token.text) && title_case(token.text).is_none() && !is_initial(tokens, text, idx) {
        return None;
    }
    let cue_before = personal_cue_before(text, token.start);
    if cue_before && is_surname_like(token.text) && adjacent_next(idx) {
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
        if is_listed_surname(next) || (cue_before && is_surname_like(next)) {
            return Some((idx + 1, 75));
        }
    }
    if cue_before && FIRST_NAMES.contains(token.text) {
        return Some((idx, 55));
    }
    None
}

/// The span of two capitalised words right before `(` or `<` at the end of `head`, as in
/// `Thandiwe Mokoena (t.mokoena@…)`: a name, whether or not its first name is listed.
pub(super) fn name_before_bracket(head: &str) -> Option<(usize, usize)> {
    let stripped = head.trim_end_matches(['(', '<']);
    if stripped.len() == head.len() || !stripped.ends_with(' ') {
        return None;
    }
    let tokens = tokens(stripped);
    let (first, last) = (tokens.get(tokens.len().checked_sub(2)?)?, tokens.last()?);
    let both_names =
        is_surname_like(first.text) && is_surname_like(last.text) && adjacent(stripped, first, last);
    let trailing = stripped.get(last.end..).unwrap_or_default().trim();
    (both_names && trailing.is_empty()).then_some((first.start, last.end))
}

/// Whether `head` (the text before something) ends with a personal name, as in `Linda Park <lpark@…>`.
pub(super) fn ends_with_person_name(head: &str) -> bool {
    let tokens = tokens(head);
    let trailing = head.get(tokens.last().map_or(0, |t| t.end)..).unwrap_or_default();
    if !trailing.trim_end_matches(['"', ' ', '<', '(']).is_empty() || tokens.len() < 2 {
        return false;
    }
    let (first, last) = (&tokens[tokens.len() - 2], &tokens[tokens.len() - 1]);
    is_first_name(first.text) && adjacent(head, first, last) && is_surname_like(last.text)
}

fn personal_cue_before(text: &str, start: usize) -> bool {
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
    if let Some(next) = tokens.get(last + 1)
        && adjacent(text, &tokens[last], next)
        && NOT_NAME_WORDS.contains(next.text)
        && is_capitalised(next.text)
    {
        return false;
    }
    if let Some(previous) = first.checked_sub(1).and_then(|p| tokens.get(p))
        && adjacent(text, previous, &tokens[first])
        && [
            "San", "Santa", "St", "Saint", "Fort", "Lake", "Mount", "Port", "Los", "Las", "El", "New", "Camp",
        ]
        .contains(&previous.text)
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
    if fabricated || cues::distance_from_start(&after, PERSONA_CUES_AFTER).is_some() {
        return false;
    }
    let before = cues::before(text, start, 40);
    let threat = cues::distance_from_end(&before, NAME_THREAT_CUES);
    let personal = cues::distance_from_end(&before, NAME_PERSONAL_CUES);
    !matches!((threat, personal), (Some(t), None) if t < 40)
        && !matches!((threat, personal), (Some(t), Some(p)) if t < p)
}
