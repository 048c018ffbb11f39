//! Context cues: the words around a match that say whether it is a person's data or threat data.
//!
//! The window is the text before (or after) the match within its sentence, at most a few dozen bytes. The cue
//! nearest the match decides: in "the phishing e-mail was sent to jane@county.gov", "sent to" (personal) is
//! nearer than "phishing" (threat).

/// What the nearest cue says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CueVerdict {
    /// A threat cue is nearest: keep the value.
    Threat,
    /// A personal cue is nearest: it is a person's.
    Personal,
    /// No cue.
    Neutral,
}

/// Byte ranges of ATT&CK-style `(Citation: …)` markers, which name sources, not people to protect.
pub(super) fn citation_ranges(text: &str) -> Vec<(usize, usize)> {
    let mut ranges = Vec::new();
    let mut from = 0;
    while let Some(offset) = text.get(from..).and_then(|rest| rest.find("(Citation:")) {
        let start = from + offset;
        let end = text
            .get(start..)
            .and_then(|rest| rest.find(')'))
            .map_or(text.len(), |close| start + close + 1);
        ranges.push((start, end));
        from = end;
    }
    ranges
}

/// The lowercased text before byte `start`, back to the start of its sentence or at most `max_bytes`.
pub(super) fn before(text: &str, start: usize, max_bytes: usize) -> String {
    let head = text.get(..start).unwrap_or_default();
    let mut from = start.saturating_sub(max_bytes);
    while !head.is_char_boundary(from) {
        from += 1;
    }
    let mut window = head.get(from..).unwrap_or_default();
    if let Some(boundary) = sentence_break_last(window) {
        window = window.get(boundary..).unwrap_or_default();
    }
    window.to_lowercase()
}

/// The lowercased text after byte `end`, up to the end of its sentence or at most `max_bytes`.
pub(super) fn after(text: &str, end: usize, max_bytes: usize) -> String {
    let tail = text.get(end..).unwrap_or_default();
    let mut to = max_bytes.min(tail.len());
    while !tail.is_char_boundary(to) {
        to -= 1;
    }
    let mut window = tail.get(..to).unwrap_or_default();
    if let Some(boundary) = sentence_break_first(window) {
        window = window.get(..boundary).unwrap_or_default();
    }
    window.to_lowercase()
}

/// Abbreviations whose full stop ends no sentence ("Tel. 555-0100", "Dr. Eze", "Lt. Col. Okafor").
const ABBREVIATIONS: &[&str] = &[
    "tel", "no", "nr", "ext", "ph", "mob", "fax", "dr", "mr", "mrs", "ms", "mme", "st", "lt", "col", "sgt",
    "det", "capt", "cpl", "prof", "rev", "hon", "gen", "maj", "insp", "supt", "ing", "dott", "sr", "sra",
    "jr", "co", "inc", "ltd", "corp", "dept", "approx", "ca", "vs", "etc", "e.g", "i.e", "ul", "av", "apt",
    "ste", "attn",
];

/// Whether the `.` at byte `dot` of `window` ends an abbreviation or an initial rather than a sentence.
fn abbreviation_at(window: &str, dot: usize) -> bool {
    let head = window.get(..dot).unwrap_or_default();
    let word_start = head
        .rfind(|c: char| !(c.is_alphanumeric() || c == '.'))
        .map_or(0, |idx| idx + 1);
    let word = head.get(word_start..).unwrap_or_default();
    let lower = word.to_lowercase();
    ABBREVIATIONS.contains(&lower.as_str())
        || (word.chars().count() == 1 && word.chars().all(char::is_uppercase))
}

/// Byte offsets just after each sentence break in `window`.
fn sentence_breaks(window: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    [". ", "! ", "? ", "\n", "; "].into_iter().flat_map(move |sep| {
        window
            .match_indices(sep)
            .filter(move |(idx, _)| sep != ". " || !abbreviation_at(window, *idx))
            .map(move |(idx, _)| (idx, idx + sep.len()))
    })
}

fn sentence_break_last(window: &str) -> Option<usize> {
    sentence_breaks(window).map(|(_, after)| after).max()
}

fn sentence_break_first(window: &str) -> Option<usize> {
    sentence_breaks(window).map(|(at, _)| at).min()
}

/// How far from the end of `window` the nearest whole-word occurrence of any cue ends (`None`: no cue).
pub(super) fn distance_from_end(window: &str, cues: &[&str]) -> Option<usize> {
    cues.iter()
        .filter_map(|cue| {
            occurrences(window, cue)
                .filter(|idx| starts_word(window, *idx))
                .map(|idx| window.len() - (idx + cue.len()))
                .min()
        })
        .min()
}

/// How far from the start of `window` the nearest whole-word occurrence of any cue starts.
pub(super) fn distance_from_start(window: &str, cues: &[&str]) -> Option<usize> {
    cues.iter()
        .filter_map(|cue| occurrences(window, cue).find(|idx| starts_word(window, *idx)))
        .min()
}

/// Byte offsets where `cue` occurs in `window`. Windows are a few dozen bytes and cue lists long: a plain scan
/// for the first byte beats setting up a substring searcher per cue.
fn occurrences<'w>(window: &'w str, cue: &'w str) -> impl Iterator<Item = usize> + 'w {
    let (haystack, needle) = (window.as_bytes(), cue.as_bytes());
    let first = needle.first().copied();
    (0..(haystack.len() + 1).saturating_sub(needle.len())).filter(move |idx| {
        Some(haystack[*idx]) == first && haystack.get(*idx..*idx + needle.len()) == Some(needle)
    })
}

fn starts_word(window: &str, idx: usize) -> bool {
    window
        .get(..idx)
        .and_then(|head| head.chars().next_back())
        .is_none_or(|c| !c.is_alphanumeric())
}

/// The cue lists of one kind of contact data.
#[derive(Debug, Clone, Copy)]
pub(super) struct CueSet {
    /// Words that make a value threat data ("spoofed sender", "call-back number", "scam").
    pub(super) threat: &'static [&'static str],
    /// Words that make it a person's, when they stand right before it ("sent to", "his cell", "user").
    pub(super) strong_personal: &'static [&'static str],
    /// Words that make it a person's unless the sentence speaks of a threat ("contact", "call").
    pub(super) weak_personal: &'static [&'static str],
}

/// How near (in bytes) a strong personal cue must stand before the value to override threat cues.
const STRONG_REACH: usize = 32;

/// The verdict of the cues around a contact value: a strong personal cue right before it wins; otherwise any
/// threat cue in the sentence before it; otherwise any personal cue; otherwise the cues after it.
pub(super) fn contact_verdict(before: &str, after: &str, cues: &CueSet) -> CueVerdict {
    if distance_from_end(before, cues.strong_personal).is_some_and(|distance| distance <= STRONG_REACH) {
        return CueVerdict::Personal;
    }
    if distance_from_end(before, cues.threat).is_some() {
        return CueVerdict::Threat;
    }
    if distance_from_end(before, cues.strong_personal)
        .or(distance_from_end(before, cues.weak_personal))
        .is_some()
    {
        return CueVerdict::Personal;
    }
    // After the value, only an appositive describes it: "x@y.z (spoofed)", "x@y.z, the sender". In
    // "x@y.z came from a VPS" or "(x@y.z) saw the ransom note", the words describe something else.
    let appositive = after
        .trim_start_matches(['"', '\'', '>', ')'])
        .trim_start()
        .starts_with(['(', ',', '-', '—']);
    if !appositive {
        return CueVerdict::Neutral;
    }
    let personal = [cues.strong_personal, cues.weak_personal].concat();
    verdict("", after, cues.threat, &personal)
}

/// The lowercased text of a parenthesis right after byte `end` (`"Robert Jameson" (fake registrant details)`).
pub(super) fn parenthetical_after(text: &str, end: usize) -> Option<String> {
    let tail = text.get(end..)?.trim_start_matches(['"', '\'', '’', '”']);
    let inner = tail.trim_start().strip_prefix('(')?;
    let close = inner.find(')')?;
    inner.get(..close).map(str::to_lowercase)
}

/// The verdict of the nearest cue before the match, or failing that after it.
pub(super) fn verdict(before: &str, after: &str, threat: &[&str], personal: &[&str]) -> CueVerdict {
    let pick = |threat_distance: Option<usize>, personal_distance: Option<usize>| match (
        threat_distance,
        personal_distance,
    ) {
        (Some(t), Some(p)) if t < p => Some(CueVerdict::Threat),
        (Some(_), Some(_)) | (None, Some(_)) => Some(CueVerdict::Personal),
        (Some(_), None) => Some(CueVerdict::Threat),
        (None, None) => None,
    };
    pick(
        distance_from_end(before, threat),
        distance_from_end(before, personal),
    )
    .or_else(|| {
        pick(
            distance_from_start(after, threat),
            distance_from_start(after, personal),
        )
    })
    .unwrap_or(CueVerdict::Neutral)
}
