//! The ranked register: risk per National Critical Function rolled up from its contributors.
//!
//! A contributor is one finding (weighted by its SSVC outcome) or one piece of threat activity (a sighting,
//! an incident, a victim notification) on something tagged with the function, or one overdue action of a
//! joint action plan. The score of a function is the sum of its contributors' points, so every number
//! decomposes into the rows listed beside it; the weights are fixed and documented (docs/supply-chain.md).
//! The trend comes from stored snapshots of per-organisation scores, so a reader's trend sums only the
//! organisations that reader may see, like its current score.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::Catalogue;

/// What a contributor is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A finding whose SSVC outcome is Act.
    FindingAct,
    /// … Attend.
    FindingAttend,
    /// … Track*.
    FindingTrackStar,
    /// … Track.
    FindingTrack,
    /// A sighting of something that mentions a CVE a finding of the organisation has.
    Sighting,
    /// An incident case of the organisation.
    Incident,
    /// A victim notification on an asset of the organisation that supports the function.
    VictimNotification,
    /// An overdue action of a joint action plan for the function.
    OverdueAction,
}

impl Kind {
    /// The points one contributor of this kind adds.
    pub fn points(self) -> u64 {
        match self {
            Kind::FindingAct => 10,
            Kind::FindingAttend => 5,
            Kind::FindingTrackStar => 2,
            Kind::FindingTrack => 1,
            Kind::Sighting => 3,
            Kind::Incident => 5,
            Kind::VictimNotification => 4,
            Kind::OverdueAction => 2,
        }
    }

    /// The kind of a finding with this SSVC outcome (`track`, `track*`, `attend`, `act`, any case).
    pub fn of_outcome(outcome: &str) -> Option<Kind> {
        match outcome.to_ascii_lowercase().as_str() {
            "act" => Some(Kind::FindingAct),
            "attend" => Some(Kind::FindingAttend),
            "track*" | "track-star" | "trackstar" => Some(Kind::FindingTrackStar),
            "track" => Some(Kind::FindingTrack),
            _ => None,
        }
    }

    /// Whether this is a finding (else threat activity or a plan).
    pub fn is_finding(self) -> bool {
        matches!(
            self,
            Kind::FindingAct | Kind::FindingAttend | Kind::FindingTrackStar | Kind::FindingTrack
        )
    }

    /// Its name in JSON and CSV.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::FindingAct => "finding-act",
            Kind::FindingAttend => "finding-attend",
            Kind::FindingTrackStar => "finding-track-star",
            Kind::FindingTrack => "finding-track",
            Kind::Sighting => "sighting",
            Kind::Incident => "incident",
            Kind::VictimNotification => "victim-notification",
            Kind::OverdueAction => "overdue-action",
        }
    }
}

/// One contributor to a function's risk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contributor {
    /// The function it counts for.
    pub function: String,
    /// The organisation it belongs to.
    pub org: String,
    /// What it is.
    pub kind: Kind,
    /// Its points (`kind.points()`).
    pub points: u64,
    /// What it is, for people (`CVE-2021-44228 in pkg:maven/…: Act`).
    pub label: String,
    /// Where to see it (a UI path).
    pub link: String,
}

impl Contributor {
    /// A contributor with its kind's points.
    pub fn new(function: &str, org: &str, kind: Kind, label: String, link: String) -> Contributor {
        Contributor {
            function: function.to_owned(),
            org: org.to_owned(),
            kind,
            points: kind.points(),
            label,
            link,
        }
    }
}

/// One function of the register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// Its rank (1 = highest risk).
    pub rank: usize,
    /// The function id.
    pub function: String,
    /// Its name as the catalogue has it (the id when the catalogue no longer names it).
    pub name: String,
    /// The score: the sum of `contributors[].points`.
    pub score: u64,
    /// Points from findings.
    pub findings_points: u64,
    /// Points from threat activity and overdue actions.
    pub activity_points: u64,
    /// Points per organisation.
    pub by_org: BTreeMap<String, u64>,
    /// Contributors per kind (count).
    pub by_kind: BTreeMap<String, u64>,
    /// The contributors, highest points first.
    pub contributors: Vec<Contributor>,
}

/// Ranks functions by score, highest first (ties by id). Every function some contributor names is listed,
/// and every tagged function in `tagged`, even with score 0.
pub fn rank(catalogue: &Catalogue, tagged: &BTreeSet<String>, contributors: Vec<Contributor>) -> Vec<Entry> {
    let mut per: BTreeMap<String, Vec<Contributor>> =
        tagged.iter().map(|f| (f.clone(), Vec::new())).collect();
    for c in contributors {
        per.entry(c.function.clone()).or_default().push(c);
    }
    let mut entries: Vec<Entry> = per
        .into_iter()
        .map(|(function, mut contributors)| {
            contributors.sort_by(|a, b| b.points.cmp(&a.points).then_with(|| a.label.cmp(&b.label)));
            let mut entry = Entry {
                rank: 0,
                name: catalogue
                    .function(&function)
                    .map_or_else(|| function.clone(), |f| f.name.clone()),
                function,
                score: 0,
                findings_points: 0,
                activity_points: 0,
                by_org: BTreeMap::new(),
                by_kind: BTreeMap::new(),
                contributors: Vec::new(),
            };
            for c in &contributors {
                entry.score += c.points;
                if c.kind.is_finding() {
                    entry.findings_points += c.points;
                } else {
                    entry.activity_points += c.points;
                }
                *entry.by_org.entry(c.org.clone()).or_default() += c.points;
                *entry.by_kind.entry(c.kind.as_str().to_owned()).or_default() += 1;
            }
            entry.contributors = contributors;
            entry
        })
        .collect();
    entries.sort_by(|a, b| b.score.cmp(&a.score).then_with(|| a.function.cmp(&b.function)));
    for (i, e) in entries.iter_mut().enumerate() {
        e.rank = i + 1;
    }
    entries
}

/// A stored snapshot: per function, per organisation, its score at one instant.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// When (µs since the epoch).
    pub at_micros: i64,
    /// Function → organisation → score.
    pub scores: BTreeMap<String, BTreeMap<String, u64>>,
}

impl Snapshot {
    /// The snapshot of the full (ungated) contributors at `at_micros`.
    pub fn of(at_micros: i64, contributors: &[Contributor]) -> Snapshot {
        let mut scores: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
        for c in contributors {
            *scores
                .entry(c.function.clone())
                .or_default()
                .entry(c.org.clone())
                .or_default() += c.points;
        }
        Snapshot { at_micros, scores }
    }
}

/// The trend of one function over the snapshots (oldest first), counting only the organisations `visible`
/// accepts.
pub fn trend(snapshots: &[Snapshot], function: &str, visible: impl Fn(&str) -> bool) -> Vec<(i64, u64)> {
    snapshots
        .iter()
        .map(|s| {
            let score = s
                .scores
                .get(function)
                .map(|orgs| orgs.iter().filter(|(o, _)| visible(o)).map(|(_, p)| *p).sum())
                .unwrap_or(0);
            (s.at_micros, score)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(f: &str, org: &str, kind: Kind) -> Contributor {
        Contributor::new(f, org, kind, format!("{f}/{org}/{}", kind.as_str()), "/x".into())
    }

    #[test]
    fn scores_are_the_sum_of_their_contributors_and_ranked() {
        let cat = Catalogue::builtin();
        let tagged: BTreeSet<String> = ["manage-wastewater".to_owned()].into();
        let entries = rank(
            &cat,
            &tagged,
            vec![
                c("supply-water", "a", Kind::FindingAct),
                c("supply-water", "b", Kind::Sighting),
                c("operate-core-network", "a", Kind::FindingTrack),
            ],
        );
        assert_eq!(entries[0].function, "supply-water");
        assert_eq!(entries[0].score, 13);
        assert_eq!(
            entries[0].score,
            entries[0].contributors.iter().map(|c| c.points).sum::<u64>()
        );
        assert_eq!(entries[0].findings_points, 10);
        assert_eq!(entries[0].by_org["b"], 3);
        assert_eq!(entries.last().unwrap().function, "manage-wastewater");
        assert_eq!(entries.last().unwrap().score, 0);
        assert_eq!(entries.iter().map(|e| e.rank).collect::<Vec<_>>(), vec![1, 2, 3]);
    }

    #[test]
    fn trend_counts_only_visible_orgs() {
        let s1 = Snapshot::of(
            1,
            &[c("f", "a", Kind::FindingAct), c("f", "b", Kind::FindingAttend)],
        );
        let s2 = Snapshot::of(2, &[c("f", "a", Kind::FindingTrack)]);
        assert_eq!(
            trend(&[s1.clone(), s2.clone()], "f", |_| true),
            vec![(1, 15), (2, 1)]
        );
        assert_eq!(trend(&[s1, s2], "f", |o| o == "b"), vec![(1, 5), (2, 0)]);
    }

    #[test]
    fn outcomes_map_to_kinds() {
        assert_eq!(Kind::of_outcome("Track*"), Some(Kind::FindingTrackStar));
        assert_eq!(Kind::of_outcome("ACT"), Some(Kind::FindingAct));
        assert_eq!(Kind::of_outcome("defer"), None);
    }
}
