//! Names the lists do not know: runs of name-shaped words scored by the name model and their context.
//!
//! A run is up to four name-shaped words (and particles: "de Vries", "van den Berg"), with only spaces between
//! them (after an initial, its full stop). Each word is scored by `name_model` (lists, English words, letters),
//! the run's surroundings by `name_context`; the sum and the context decide, and unsure runs get a confidence
//! under the review threshold.

use super::names::{Token, is_title};
use super::{name_context, name_model};

/// Words that start a place name ("San Antonio", "Fort Worth"): the capitalised words after them are no name.
pub(super) const PLACE_HEADS: &[&str] = &[
    "San", "Santa", "St", "Saint", "Fort", "Lake", "Mount", "Port", "Los", "Las", "El", "New", "Camp",
];

/// Lowercase particles inside a name ("Hendrik de Vries", "Sanne van den Berg").
pub(super) const PARTICLES: &[&str] = &[
    "van", "von", "de", "der", "den", "da", "das", "do", "dos", "del", "della", "di", "du", "la", "le",
    "ter", "ten", "bin", "binti", "ibn", "al", "el", "y",
];

/// Whether `word` is a particle, in lower case or capitalised ("van", "Van").
pub(super) fn is_particle(word: &str) -> bool {
    PARTICLES.contains(&word)
        || ((2..=5).contains(&word.len()) && PARTICLES.iter().any(|p| p.eq_ignore_ascii_case(word)))
}

/// Whether `word` has the shape of a name part: a capital, then lowercase letters (parts joined by `-` or `'`
/// each capitalised; `Mc`/`Mac`/`O'` may be followed by a second capital). "McTavish", "O'Riordan",
/// "Abernathy-Cole"; not "ManageEngine", "NOBELIUM" or "iPhone".
pub(super) fn name_shaped(word: &str) -> bool {
    if word.chars().count() == 1 {
        return word.chars().all(char::is_uppercase);
    }
    word.split(['-', '\'', '’']).enumerate().all(|(idx, part)| {
        let rest = part
            .strip_prefix("Mc")
            .or_else(|| {
                part.strip_prefix("Mac")
                    .filter(|r| r.starts_with(char::is_uppercase))
            })
            .unwrap_or(part);
        let mut chars = rest.chars();
        let capital = chars.next().is_some_and(char::is_uppercase);
        let lower = chars.all(|c| c.is_lowercase() || matches!(c, '\u{300}'..='\u{36f}'));
        // "O'Riordan", "D'Angelo": a one-letter first part before an apostrophe.
        (capital && lower && (part.chars().count() >= 2 || idx > 0 || word.contains(['\'', '’'])))
            || (idx == 0 && part == "al")
    })
}

/// A name found by the model: a run of up to four name-shaped words (and particles), scored word by word
/// (`name_model`) plus the context (`name_context`). A run of two or more words needs some evidence from both;
/// a single word needs a strong context cue (greeting, signature, header, `wrote:`). Unsure runs get a
/// confidence below the review threshold: redacted, and held for a person to check.
pub(super) fn modelled_run(text: &str, tokens: &[Token<'_>], idx: usize) -> Option<(usize, u8)> {
    let token = tokens.get(idx)?;
    if !name_shaped(token.text) || is_title(token.text) || PLACE_HEADS.contains(&token.text) {
        return None;
    }
    // Most capitalised words in prose are English words ("The", "Attackers"): reject them before the run.
    let first_score = name_model::part_score(token.text, true);
    if first_score <= -3.0 {
        return None;
    }
    // Only spaces between the words: "Dr. Emeka" is a title and a name, "Pittsburgh. Maria" two sentences.
    let spaced = |a: &Token<'_>, b: &Token<'_>| {
        let gap = text.get(a.end..b.start).unwrap_or_default();
        // After an initial ("R. Castellano") the full stop belongs to the name.
        let gap = if a.text.chars().count() == 1 {
            gap.strip_prefix('.').unwrap_or(gap)
        } else {
            gap
        };
        !gap.is_empty() && gap.chars().all(|c| c == ' ' || c == '\u{a0}')
    };
    let mut last = idx;
    let mut n_words = 1;
    while n_words < 4 {
        let Some(next) = tokens.get(last + 1) else { break };
        if !spaced(&tokens[last], next) {
            break;
        }
        // Inside a run a particle may be capitalised ("Pham Van Duc", "Maria Del Carmen"): it joins two names.
        let capital_particle = is_particle(next.text)
            && !PARTICLES.contains(&next.text)
            && tokens
                .get(last + 2)
                .is_some_and(|after| spaced(next, after) && name_shaped(after.text));
        if name_shaped(next.text) && !capital_particle {
            last += 1;
            n_words += 1;
        } else if is_particle(next.text)
            && tokens
                .get(last + 2)
                .is_some_and(|after| spaced(next, after) && name_shaped(after.text))
        {
            last += 2;
            n_words += 1;
        } else {
            break;
        }
    }
    let words: Vec<&Token<'_>> = tokens[idx..=last]
        .iter()
        .enumerate()
        .filter(|(position, t)| *position == 0 || !is_particle(t.text))
        .map(|(_, t)| t)
        .collect();
    let scores: Vec<f32> = words
        .iter()
        .enumerate()
        .map(|(position, word)| {
            if position == 0 {
                first_score
            } else {
                name_model::part_score(word.text, false)
            }
        })
        .collect();
    // A run that ends in a word ("Marisol Echeverría Opened") is cut back to its name-like head.
    let mut keep = scores.len();
    while keep > 1 && scores[keep - 1] <= -3.0 {
        keep -= 1;
    }
    let last = tokens
        .iter()
        .position(|t| t.start == words[keep - 1].start)
        .unwrap_or(last);
    let scores = &scores[..keep];
    // Only a listed word vetoes (an English word, a place or organisation word); letters alone do not.
    if scores.iter().any(|score| *score <= -3.0) {
        return None;
    }
    let words_score: f32 = scores.iter().sum();
    if (scores.len() == 1 && scores[0] <= -0.5) || words_score < -3.0 {
        return None;
    }
    let context = name_context::evidence(text, token.start, tokens[last].end);
    let total = words_score + context.score;
    if scores.len() == 1 {
        // A single word: a strong cue (greeting, signature, header), or a listed first name after a role
        // ("per Dmitri", "our engineer Rajesh will…").
        let listed_with_role = scores[0] >= 4.0 && context.score >= 2.0;
        // A lone first name stays unsure (review) unless a greeting, signature or header frames it.
        let confidence = if context.strong && scores[0] >= 2.5 {
            75
        } else {
            60
        };
        return (context.strong || listed_with_role).then_some((last, confidence));
    }
    let confidence = match total {
        t if context.score >= 2.0 && t >= 5.0 => 85,
        t if context.score >= 1.5 && t >= 3.0 => 72,
        t if context.score >= 2.0 && t >= 1.0 => 62,
        t if context.score >= 1.0 && t >= 2.0 => 62,
        // No context at all: only a listed first name, or a listed part beside another name-like word.
        t if t >= 2.5
            && scores.iter().all(|s| *s >= 1.0)
            && (scores[0] >= 4.0 || scores.iter().any(|s| *s >= 3.0)) =>
        {
            60
        }
        _ => return None,
    };
    Some((last, confidence))
}
