//! How a TAXII client walks a collection without stalling: the paging rule of the federation client (issue 17).
//!
//! A walk follows `next` while the server gives one. Servers differ (OpenCTI #1683, #7604): some answer
//! `more: true` without `next`, some repeat a `next`, some give pages whose `date_added` never moves. The walk
//! then continues by `added_after` set to the page's `X-TAXII-Date-Added-Last`. When even that does not move (every
//! object on the page has the same `date_added`), the walk steps 1 µs past it and says so in a warning: objects
//! sharing that instant beyond this page may be skipped, which is reported rather than looping for ever.
//!
//! Invariant: every `Step::Continue` strictly advances the walk (a new cursor, or a later `added_after`), so a walk
//! ends after finitely many pages whatever the server answers.

use crate::timestamp::{format_date_added, parse_added_after};

/// Where a walk is: the request to make next, and the newest `date_added` fully received so far.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Position {
    /// The `added_after` of the next request (the one the current `next` cursor was issued for).
    pub added_after: Option<String>,
    /// The `next` cursor to send, if any.
    pub next: Option<String>,
    /// The newest `date_added` of every page received so far: where a later walk resumes.
    pub watermark: Option<String>,
    /// The `PageAnswer::fingerprint` of the page this position followed (a server repeating a cursor is fine,
    /// as medallion does; one repeating a cursor *and* its page is looping).
    pub page: Option<u64>,
}

impl Position {
    /// A walk of everything added after `watermark` (`None`: from the start).
    pub fn resume(watermark: Option<String>) -> Position {
        Position {
            added_after: watermark.clone(),
            next: None,
            watermark,
            page: None,
        }
    }
}

/// What a server answered for one page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageAnswer<'a> {
    /// The envelope's `more`.
    pub more: bool,
    /// The envelope's `next`.
    pub next: Option<&'a str>,
    /// The `X-TAXII-Date-Added-Last` header.
    pub date_added_last: Option<&'a str>,
    /// How many objects (or records) the page held.
    pub n_objects: usize,
    /// Identifies the page's content (`fingerprint`), to tell a repeated page from a repeated cursor.
    pub fingerprint: u64,
}

/// A fingerprint of a page from its first and last items (their bytes or ids) and its size.
pub fn fingerprint(first: Option<&str>, last: Option<&str>, n_items: usize) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (first, last, n_items).hash(&mut hasher);
    hasher.finish()
}

/// The walk's next step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Ask again from this position (`warning`: something the operator should read).
    Continue {
        /// The next request.
        position: Position,
        /// Set when the server's paging was broken and the walk had to work around it.
        warning: Option<String>,
    },
    /// The collection is read to its end; resume later from `watermark`.
    Done {
        /// The newest `date_added` received.
        watermark: Option<String>,
    },
    /// The server gives no way forward (the message says why); the walk stops with what it has.
    Stuck(String),
}

fn micros(text: Option<&str>) -> Option<i64> {
    text.and_then(|t| parse_added_after(t).ok())
}

/// The later of two timestamps (unparsable values never win).
fn later(current: Option<&str>, candidate: Option<&str>) -> Option<String> {
    match (micros(current), micros(candidate)) {
        (Some(c), Some(n)) if n > c => candidate.map(str::to_owned),
        (None, Some(_)) => candidate.map(str::to_owned),
        _ => current.map(str::to_owned),
    }
}

/// The step after `answer` to the request made at `current`.
pub fn step(current: &Position, answer: &PageAnswer<'_>) -> Step {
    let watermark = later(current.watermark.as_deref(), answer.date_added_last);
    let page_last = micros(answer.date_added_last);
    let from = micros(current.added_after.as_deref());
    if let (Some(last), Some(from)) = (page_last, from)
        && answer.n_objects > 0
        && last < from
    {
        return Step::Stuck(format!(
            "the server answered objects added up to {} for added_after {}: it ignores added_after",
            answer.date_added_last.unwrap_or_default(),
            current.added_after.as_deref().unwrap_or_default()
        ));
    }
    if !answer.more {
        return Step::Done { watermark };
    }
    let next = answer.next.filter(|next| !next.is_empty());
    let repeated = current.next.as_deref() == next && current.page == Some(answer.fingerprint);
    if let Some(next) = next
        && !repeated
        && answer.n_objects > 0
    {
        return Step::Continue {
            position: Position {
                added_after: current.added_after.clone(),
                next: Some(next.to_owned()),
                watermark,
                page: Some(answer.fingerprint),
            },
            warning: None,
        };
    }
    // No usable cursor: continue by `added_after`, which must move forward.
    let why = match next {
        Some(_) if answer.n_objects == 0 => "an empty page with more=true",
        Some(_) => "the same next cursor and the same page again",
        None => "more=true without next",
    };
    match page_last {
        Some(last) if from.is_none_or(|from| last > from) => Step::Continue {
            position: Position {
                added_after: answer.date_added_last.map(str::to_owned),
                next: None,
                watermark,
                page: Some(answer.fingerprint),
            },
            warning: None,
        },
        // The page ends at the instant asked "after": the server counts added_after inclusively, or every
        // object of the page shares one date_added. Step 1 µs past it.
        Some(last) if answer.n_objects > 0 => {
            let past = format_date_added(last.saturating_add(1));
            Step::Continue {
                warning: Some(format!(
                    "the server answered {why} and repeats date_added {}; continuing after {past}: objects \
                     added at that instant beyond this page may be missing",
                    answer.date_added_last.unwrap_or_default()
                )),
                position: Position {
                    added_after: Some(past.clone()),
                    next: None,
                    watermark: Some(past),
                    page: Some(answer.fingerprint),
                },
            }
        }
        _ => Step::Stuck(format!(
            "the server answered {why} and no X-TAXII-Date-Added-Last beyond added_after {}: no way forward",
            current.added_after.as_deref().unwrap_or("(none)")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T1: &str = "2026-01-01T00:00:00.000001Z";
    const T2: &str = "2026-01-01T00:00:00.000002Z";

    fn answer<'a>(more: bool, next: Option<&'a str>, last: Option<&'a str>, n: usize) -> PageAnswer<'a> {
        PageAnswer {
            more,
            next,
            date_added_last: last,
            n_objects: n,
            fingerprint: fingerprint(next, last, n),
        }
    }

    #[test]
    fn follows_next_and_keeps_the_query_added_after() {
        let start = Position::resume(Some(T1.to_owned()));
        let Step::Continue { position, warning } = step(&start, &answer(true, Some("c1"), Some(T2), 10))
        else {
            panic!("expected continue");
        };
        assert_eq!(warning, None);
        assert_eq!(position.next.as_deref(), Some("c1"));
        assert_eq!(position.added_after.as_deref(), Some(T1));
        assert_eq!(position.watermark.as_deref(), Some(T2));
        assert_eq!(
            step(&position, &answer(false, None, None, 0)),
            Step::Done {
                watermark: Some(T2.to_owned())
            }
        );
    }

    #[test]
    fn more_without_next_falls_back_to_added_after() {
        let Step::Continue { position, .. } = step(&Position::default(), &answer(true, None, Some(T1), 5))
        else {
            panic!("expected continue");
        };
        assert_eq!(position.added_after.as_deref(), Some(T1));
        assert_eq!(position.next, None);
    }

    #[test]
    fn a_repeated_date_added_steps_past_it_with_a_warning() {
        let at = Position::resume(Some(T1.to_owned()));
        let Step::Continue { position, warning } = step(&at, &answer(true, None, Some(T1), 5)) else {
            panic!("expected continue");
        };
        assert!(warning.unwrap().contains("repeats date_added"));
        assert_eq!(position.added_after.as_deref(), Some(T2));
    }

    #[test]
    fn a_repeated_cursor_is_not_followed_and_no_header_means_stuck() {
        let at = Position {
            added_after: None,
            next: Some("c1".to_owned()),
            watermark: None,
            page: Some(fingerprint(Some("c1"), None, 3)),
        };
        assert!(matches!(
            step(&at, &answer(true, Some("c1"), None, 3)),
            Step::Stuck(_)
        ));
        // The same cursor over a different page (medallion reuses its cursor id) is followed.
        let other = PageAnswer {
            fingerprint: 7,
            ..answer(true, Some("c1"), None, 3)
        };
        assert!(matches!(step(&at, &other), Step::Continue { .. }));
        assert!(matches!(
            step(&Position::default(), &answer(true, Some("c9"), None, 0)),
            Step::Stuck(_)
        ));
    }

    #[test]
    fn a_server_ignoring_added_after_gets_stuck_instead_of_looping() {
        // The same page for ever: one cursor, one date_added.
        let reply = answer(true, Some("a"), Some(T1), 1);
        let mut seen = std::collections::HashSet::new();
        let mut at = Position::default();
        for _ in 0..10 {
            match step(&at, &reply) {
                Step::Continue { position, .. } => {
                    assert!(seen.insert(position.clone()), "{position:?} repeated");
                    at = position;
                }
                Step::Stuck(reason) => {
                    assert!(reason.contains("ignores added_after"), "{reason}");
                    return;
                }
                Step::Done { .. } => panic!("not done"),
            }
        }
        panic!("never stuck");
    }
}
