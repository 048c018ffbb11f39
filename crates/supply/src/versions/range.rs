//! OSV affected ranges ("Evaluation" in the OSV schema): events `introduced` (`"0"` = before every version),
//! `fixed` (that version is not affected), `last_affected` (that version is affected) and `limit` (versions at or
//! above every limit are outside the range), evaluated in version order: a version is in the range when the
//! last event at or below it opened the range. `SEMVER` ranges use SemVer ordering whatever the ecosystem;
//! `ECOSYSTEM` ranges use the ecosystem's; `GIT` ranges (commit hashes) cannot be evaluated against a version
//! and say so.

use serde::{Deserialize, Serialize};

use super::{Scheme, Version, VersionError};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RangeKind {
    Semver,
    Ecosystem,
    Git,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    Introduced(String),
    Fixed(String),
    LastAffected(String),
    Limit(String),
}

impl Event {
    pub fn version(&self) -> &str {
        match self {
            Event::Introduced(v) | Event::Fixed(v) | Event::LastAffected(v) | Event::Limit(v) => v,
        }
    }
}

/// One OSV range as written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Range {
    pub kind: RangeKind,
    pub events: Vec<Event>,
}

/// Why a range cannot be evaluated.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RangeError {
    #[error("GIT ranges name commits, not versions")]
    Git,
    #[error("the range has no introduced event")]
    NoIntroduced,
    #[error("no version ordering for ecosystem {0}")]
    NoOrdering(String),
    #[error(transparent)]
    Version(#[from] VersionError),
}

/// Whether a version is inside a range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Affected,
    NotAffected,
}

#[derive(Clone, Debug)]
enum Bound {
    /// `introduced: "0"`: below every version.
    Zero,
    At(Version),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Introduced,
    Fixed,
    LastAffected,
}

/// A range with its versions parsed and its events sorted, ready to evaluate many versions.
#[derive(Clone, Debug)]
pub struct CompiledRange {
    scheme: Scheme,
    events: Vec<(Kind, Bound)>,
    limits: Vec<Version>,
}

impl Range {
    /// The scheme this range's versions are ordered by, given its package's ecosystem scheme.
    pub fn scheme(&self, ecosystem: Scheme) -> Scheme {
        match self.kind {
            RangeKind::Semver => Scheme::Semver,
            _ => ecosystem,
        }
    }

    /// Parses every event version under the range's scheme and sorts the events.
    pub fn compile(&self, ecosystem: Scheme) -> Result<CompiledRange, RangeError> {
        if self.kind == RangeKind::Git {
            return Err(RangeError::Git);
        }
        let scheme = self.scheme(ecosystem);
        let mut events = Vec::with_capacity(self.events.len());
        let mut limits = Vec::new();
        for event in &self.events {
            let text = event.version();
            let (kind, bound) = match event {
                Event::Introduced(v) if v.trim() == "0" => (Kind::Introduced, Bound::Zero),
                Event::Introduced(v) => (Kind::Introduced, Bound::At(Version::parse(scheme, v)?)),
                Event::Fixed(v) => (Kind::Fixed, Bound::At(Version::parse(scheme, v)?)),
                Event::LastAffected(v) => (Kind::LastAffected, Bound::At(Version::parse(scheme, v)?)),
                Event::Limit(v) if v.trim() == "*" => continue,
                Event::Limit(_) => {
                    limits.push(Version::parse(scheme, text)?);
                    continue;
                }
            };
            events.push((kind, bound));
        }
        if !events.iter().any(|(k, _)| *k == Kind::Introduced) {
            return Err(RangeError::NoIntroduced);
        }
        // Stable: events at one version keep their written order.
        events.sort_by(|(_, a), (_, b)| match (a, b) {
            (Bound::Zero, Bound::Zero) => std::cmp::Ordering::Equal,
            (Bound::Zero, _) => std::cmp::Ordering::Less,
            (_, Bound::Zero) => std::cmp::Ordering::Greater,
            (Bound::At(x), Bound::At(y)) => x.cmp(y),
        });
        Ok(CompiledRange {
            scheme,
            events,
            limits,
        })
    }
}

impl CompiledRange {
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// Whether `version` (parsed under `self.scheme()`) is in the range.
    pub fn contains(&self, version: &Version) -> bool {
        if !self.limits.is_empty() && !self.limits.iter().any(|limit| version < limit) {
            return false;
        }
        let mut affected = false;
        for (kind, bound) in &self.events {
            match (kind, bound) {
                (Kind::Introduced, Bound::Zero) => affected = true,
                (Kind::Introduced, Bound::At(v)) if v <= version => affected = true,
                (Kind::Fixed, Bound::At(v)) if v <= version => affected = false,
                (Kind::LastAffected, Bound::At(v)) if v < version => affected = false,
                _ => {}
            }
        }
        affected
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(events: Vec<Event>) -> CompiledRange {
        Range {
            kind: RangeKind::Ecosystem,
            events,
        }
        .compile(Scheme::Maven)
        .unwrap()
    }

    fn v(s: &str) -> Version {
        Version::parse(Scheme::Maven, s).unwrap()
    }

    #[test]
    fn events_follow_the_osv_rules() {
        let r = range(vec![
            Event::Introduced("0".into()),
            Event::Fixed("2.6.7.4".into()),
            Event::Introduced("2.10.0.0".into()),
            Event::Fixed("2.10.5.1".into()),
        ]);
        assert!(r.contains(&v("2.10.0")));
        assert!(r.contains(&v("1.0")));
        assert!(!r.contains(&v("2.6.7.4")), "fixed is not affected");
        assert!(!r.contains(&v("2.9.10.8")));
        assert!(!r.contains(&v("2.10.5.1")));
        let last = range(vec![
            Event::Introduced("1.0".into()),
            Event::LastAffected("1.5".into()),
        ]);
        assert!(last.contains(&v("1.5")), "last_affected is affected");
        assert!(!last.contains(&v("1.5.1")));
        assert!(!last.contains(&v("0.9")));
        let open = range(vec![Event::Introduced("0".into())]);
        assert!(open.contains(&v("99")));
        let limited = range(vec![Event::Introduced("1.0".into()), Event::Limit("2.0".into())]);
        assert!(limited.contains(&v("1.9")));
        assert!(!limited.contains(&v("2.0")));
    }

    #[test]
    fn ranges_that_cannot_be_evaluated_say_why() {
        let git = Range {
            kind: RangeKind::Git,
            events: vec![Event::Introduced("abc".into())],
        };
        assert_eq!(git.compile(Scheme::Semver).unwrap_err(), RangeError::Git);
        let fixed_only = Range {
            kind: RangeKind::Semver,
            events: vec![Event::Fixed("1.0.0".into())],
        };
        assert_eq!(
            fixed_only.compile(Scheme::Semver).unwrap_err(),
            RangeError::NoIntroduced
        );
        let bad = Range {
            kind: RangeKind::Semver,
            events: vec![Event::Introduced("x.y".into())],
        };
        assert!(matches!(bad.compile(Scheme::Semver), Err(RangeError::Version(_))));
    }
}
