//! The validated scenario (docs/drills.md): who takes part, what is injected when, what is expected.
//! `parse` reads a file and answers either a whole `Scenario` or every problem found, each with its line and
//! column, so a drill with errors is refused before anything reaches the hub.

use std::fmt;

/// One problem in a scenario file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
    /// What is wrong, naming the field.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}: {}", self.line, self.column, self.message)
    }
}

/// What an organisation is in the drill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgKind {
    /// Reports incidents (a county, a city).
    Jurisdiction,
    /// Is alerted and responds (the state election office, a fusion centre).
    Responder,
    /// Publishes indicators.
    Producer,
}

impl OrgKind {
    /// The section name.
    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Jurisdiction => "jurisdiction",
            OrgKind::Responder => "responder",
            OrgKind::Producer => "producer",
        }
    }
}

/// An organisation and its accounts.
#[derive(Debug, Clone, PartialEq)]
pub struct Organisation {
    /// Its name on the hub.
    pub name: String,
    /// Its part in the drill.
    pub kind: OrgKind,
    /// Its accounts (created with random passwords by `drill run`).
    pub accounts: Vec<String>,
    /// The accounts' role (`member` unless the file says otherwise).
    pub role: String,
    /// Anonymity consent (`none`, `government`, `everyone`).
    pub consent: String,
    /// A government organisation.
    pub government: bool,
    /// What a responder does when alerted.
    pub behaviour: Option<Behaviour>,
}

/// A responder's scripted behaviour; every delay counts from the alert.
#[derive(Debug, Clone, PartialEq)]
pub struct Behaviour {
    /// Acknowledge after this long.
    pub acknowledge_after_ms: u64,
    /// Move to in progress after this long.
    pub triage_after_ms: Option<u64>,
    /// Share the cleaned bundle after this long.
    pub share_after_ms: Option<u64>,
    /// Resolve (or call a false alarm) after this long.
    pub resolve_after_ms: Option<u64>,
    /// `resolved` or `false-alarm`.
    pub outcome: String,
    /// The jurisdictions it acts for (`None`: all).
    pub jurisdictions: Option<Vec<String>>,
    /// Where it shares.
    pub share: Option<ShareSpec>,
}

/// Where and how a responder shares a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareSpec {
    /// Communities.
    pub communities: Vec<String>,
    /// TLP 2.0 level (`clear`, `green`, `amber`, `amber+strict`, `red`).
    pub tlp: String,
    /// The collection alias.
    pub collection: String,
}

/// A community.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Community {
    /// Name.
    pub name: String,
    /// Parent community.
    pub parent: Option<String>,
    /// Member organisations.
    pub members: Vec<String>,
}

/// A collection the drill creates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collection {
    /// Alias (the drill refers to it by this).
    pub alias: String,
    /// Title.
    pub title: String,
    /// Communities it is shared with.
    pub audience: Vec<String>,
    /// Accounts granted read and write.
    pub writers: Vec<String>,
    /// Accounts granted read.
    pub readers: Vec<String>,
}

/// An account whose event stream the drill listens to, to time delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscriber {
    /// The account.
    pub account: String,
    /// Only this collection's events.
    pub collection: Option<String>,
}

/// A routing rule the drill installs (when the hub offers routing rules).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// Reports from this jurisdiction only.
    pub jurisdiction: Option<String>,
    /// Of this category only.
    pub category: Option<String>,
    /// Of this severity only.
    pub severity: Option<String>,
    /// Responder organisations alerted.
    pub responders: Vec<String>,
}

/// An incident report a jurisdiction files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportSpec {
    /// Title.
    pub title: String,
    /// Category.
    pub category: String,
    /// `low`, `medium`, `high`, `critical`.
    pub severity: String,
    /// Free text.
    pub description: String,
    /// Systems affected.
    pub systems: Vec<String>,
    /// `(type, value)` observables.
    pub observables: Vec<(String, String)>,
}

/// An indicator a producer publishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndicatorSpec {
    /// The collection alias.
    pub collection: String,
    /// STIX pattern.
    pub pattern: String,
    /// Name.
    pub name: String,
    /// TLP 2.0 level.
    pub tlp: String,
}

/// What an inject is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InjectBody {
    /// An incident report.
    Report(ReportSpec),
    /// An indicator.
    Indicator(IndicatorSpec),
}

/// One timed inject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inject {
    /// Its id in the file.
    pub id: String,
    /// When, from the drill's start (before `speed`).
    pub at_ms: u64,
    /// The account that submits it.
    pub from: String,
    /// That account's organisation.
    pub org: String,
    /// The report or indicator.
    pub body: InjectBody,
    /// Its line in the file.
    pub line: usize,
}

impl Inject {
    /// `report` or `indicator`.
    pub fn kind(&self) -> &'static str {
        match self.body {
            InjectBody::Report(_) => "report",
            InjectBody::Indicator(_) => "indicator",
        }
    }
}

/// An expectation: deadlines (from submission) for the injects it selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expectation {
    /// One inject.
    pub inject: Option<String>,
    /// The injects of one jurisdiction.
    pub jurisdiction: Option<String>,
    /// The responder organisation expected to act.
    pub by: Option<String>,
    /// Acknowledged within.
    pub acknowledge_within_ms: Option<u64>,
    /// Shared (published) within.
    pub share_within_ms: Option<u64>,
    /// Resolved within.
    pub resolve_within_ms: Option<u64>,
    /// Delivered to every subscriber within.
    pub deliver_within_ms: Option<u64>,
    /// Its line in the file.
    pub line: usize,
}

impl Expectation {
    /// True when it applies to this inject.
    pub fn selects(&self, inject: &Inject) -> bool {
        self.inject.as_ref().is_none_or(|id| *id == inject.id)
            && self.jurisdiction.as_ref().is_none_or(|org| *org == inject.org)
    }
}

/// A validated scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Time compression: 2.0 plays the timeline twice as fast.
    pub speed: f64,
    /// Every organisation, in file order (jurisdictions, responders, producers).
    pub organisations: Vec<Organisation>,
    /// Communities, parents before children.
    pub communities: Vec<Community>,
    /// Collections.
    pub collections: Vec<Collection>,
    /// Subscribers.
    pub subscribers: Vec<Subscriber>,
    /// Routing rules.
    pub routes: Vec<Route>,
    /// Injects, by time then file order.
    pub injects: Vec<Inject>,
    /// Expectations.
    pub expectations: Vec<Expectation>,
}

impl Scenario {
    /// The organisation an account belongs to.
    pub fn org_of(&self, account: &str) -> Option<&Organisation> {
        self.organisations
            .iter()
            .find(|org| org.accounts.iter().any(|a| a == account))
    }

    /// The organisation of this name.
    pub fn organisation(&self, name: &str) -> Option<&Organisation> {
        self.organisations.iter().find(|org| org.name == name)
    }

    /// Every account of the scenario with its organisation.
    pub fn accounts(&self) -> impl Iterator<Item = (&str, &Organisation)> {
        self.organisations
            .iter()
            .flat_map(|org| org.accounts.iter().map(move |a| (a.as_str(), org)))
    }

    /// The expectations that apply to an inject, merged: the tightest deadline of each kind wins.
    pub fn deadlines(&self, inject: &Inject) -> Deadlines {
        let mut out = Deadlines::default();
        // Nobody acknowledges or resolves an indicator: those deadlines are for reports.
        let report = matches!(inject.body, InjectBody::Report(_));
        for expectation in self.expectations.iter().filter(|e| e.selects(inject)) {
            if report {
                tighten(&mut out.acknowledge_ms, expectation.acknowledge_within_ms);
                tighten(&mut out.resolve_ms, expectation.resolve_within_ms);
                if out.by.is_none() {
                    out.by.clone_from(&expectation.by);
                }
            }
            tighten(&mut out.share_ms, expectation.share_within_ms);
            tighten(&mut out.deliver_ms, expectation.deliver_within_ms);
        }
        out
    }
}

fn tighten(slot: &mut Option<u64>, candidate: Option<u64>) {
    if let Some(ms) = candidate {
        *slot = Some(slot.map_or(ms, |current| current.min(ms)));
    }
}

impl Deadlines {
    /// The deadlines in wall time when the timeline plays `speed` times faster.
    pub fn scaled(&self, speed: f64) -> Deadlines {
        let scale = |ms: Option<u64>| ms.map(|ms| (ms as f64 / speed).round() as u64);
        Deadlines {
            acknowledge_ms: scale(self.acknowledge_ms),
            share_ms: scale(self.share_ms),
            resolve_ms: scale(self.resolve_ms),
            deliver_ms: scale(self.deliver_ms),
            by: self.by.clone(),
        }
    }
}

/// The deadlines of one inject, from its submission.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Deadlines {
    /// Acknowledged within (ms).
    pub acknowledge_ms: Option<u64>,
    /// Shared within (ms).
    pub share_ms: Option<u64>,
    /// Resolved within (ms).
    pub resolve_ms: Option<u64>,
    /// Delivered to every subscriber within (ms).
    pub deliver_ms: Option<u64>,
    /// Who is expected to act.
    pub by: Option<String>,
}

/// Reads and checks a scenario file.
///
/// # Errors
/// Every problem found, with lines, in file order; nothing is half-accepted.
pub fn parse(text: &str) -> Result<Scenario, Vec<Diagnostic>> {
    crate::check::check(text)
}

/// Line and column (1-based) of a byte offset.
pub(crate) fn position(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |at| at + 1);
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    (line, column)
}
