//! Timers per severity: how long responders have to acknowledge, triage (start work: `in-progress`) and
//! resolve (or call a false alarm) a case, counted from the report. A timer is met when the case reaches its
//! stage in time; at its deadline an unmet timer is breached, which escalates the case to the next tier of
//! responders (see `case::Case::breach`).
//!
//! Defaults (operators change them with `stixhub incident-timers set`): critical 15 min / 1 h / 4 h, high
//! 30 min / 2 h / 8 h, medium 2 h / 8 h / 24 h, low 8 h / 24 h / 72 h.

use serde::{Deserialize, Serialize};

use crate::model::{Severity, Status};

/// A stage a timer watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    /// Somebody acknowledged it (any status but `new`).
    Acknowledge,
    /// Work started (`in-progress`, or closed).
    Triage,
    /// Closed (`resolved` or `false-alarm`).
    Resolve,
}

impl Stage {
    /// Every stage, in order.
    pub const ALL: [Stage; 3] = [Stage::Acknowledge, Stage::Triage, Stage::Resolve];

    /// The text form.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Acknowledge => "acknowledge",
            Stage::Triage => "triage",
            Stage::Resolve => "resolve",
        }
    }

    /// Whether a case in `status` has reached this stage.
    pub fn reached(self, status: Status) -> bool {
        match self {
            Stage::Acknowledge => status != Status::New,
            Stage::Triage => matches!(status, Status::InProgress | Status::Resolved | Status::FalseAlarm),
            Stage::Resolve => status.is_closed(),
        }
    }
}

/// Seconds allowed per stage, counted from the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageSeconds {
    /// To acknowledge.
    pub acknowledge: u64,
    /// To start work.
    pub triage: u64,
    /// To close.
    pub resolve: u64,
}

impl StageSeconds {
    /// The seconds of `stage`.
    pub fn of(&self, stage: Stage) -> u64 {
        match stage {
            Stage::Acknowledge => self.acknowledge,
            Stage::Triage => self.triage,
            Stage::Resolve => self.resolve,
        }
    }

    /// Each stage must be positive and not longer than the next (a triage deadline before the acknowledge
    /// deadline would escalate a case nobody was asked to see yet); at most 30 days.
    pub fn check(&self) -> Result<(), String> {
        const MAX: u64 = 30 * 86_400;
        if self.acknowledge == 0 || self.resolve > MAX {
            return Err("each timer must be between 1 second and 30 days".to_owned());
        }
        if !(self.acknowledge <= self.triage && self.triage <= self.resolve) {
            return Err("acknowledge <= triage <= resolve must hold".to_owned());
        }
        Ok(())
    }
}

/// The timers of every severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimerPolicy {
    /// Low.
    pub low: StageSeconds,
    /// Medium.
    pub medium: StageSeconds,
    /// High.
    pub high: StageSeconds,
    /// Critical.
    pub critical: StageSeconds,
}

const MIN: u64 = 60;
const HOUR: u64 = 3600;

impl Default for TimerPolicy {
    fn default() -> TimerPolicy {
        let s = |acknowledge, triage, resolve| StageSeconds {
            acknowledge,
            triage,
            resolve,
        };
        TimerPolicy {
            low: s(8 * HOUR, 24 * HOUR, 72 * HOUR),
            medium: s(2 * HOUR, 8 * HOUR, 24 * HOUR),
            high: s(30 * MIN, 2 * HOUR, 8 * HOUR),
            critical: s(15 * MIN, HOUR, 4 * HOUR),
        }
    }
}

impl TimerPolicy {
    /// The timers of `severity`.
    pub fn of(&self, severity: Severity) -> StageSeconds {
        match severity {
            Severity::Low => self.low,
            Severity::Medium => self.medium,
            Severity::High => self.high,
            Severity::Critical => self.critical,
        }
    }

    /// Sets the timers of `severity`.
    pub fn set(&mut self, severity: Severity, seconds: StageSeconds) {
        match severity {
            Severity::Low => self.low = seconds,
            Severity::Medium => self.medium = seconds,
            Severity::High => self.high = seconds,
            Severity::Critical => self.critical = seconds,
        }
    }

    /// The timers of a case of `severity` reported at `created_micros`.
    pub fn timers(&self, severity: Severity, created_micros: i64) -> Vec<Timer> {
        let seconds = self.of(severity);
        Stage::ALL
            .into_iter()
            .map(|stage| Timer {
                stage,
                deadline_micros: created_micros.saturating_add(
                    i64::try_from(seconds.of(stage)).unwrap_or(i64::MAX / 2_000_000) * 1_000_000,
                ),
                state: TimerState::Pending,
                at_micros: None,
            })
            .collect()
    }
}

/// Where a timer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TimerState {
    /// Running.
    Pending,
    /// The stage was reached in time.
    Met,
    /// The deadline passed first.
    Breached,
}

impl TimerState {
    /// The text form.
    pub fn as_str(self) -> &'static str {
        match self {
            TimerState::Pending => "pending",
            TimerState::Met => "met",
            TimerState::Breached => "breached",
        }
    }
}

/// One timer of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timer {
    /// The stage.
    pub stage: Stage,
    /// The deadline, µs since the epoch.
    pub deadline_micros: i64,
    /// Where it is.
    pub state: TimerState,
    /// When it was met or breached.
    pub at_micros: Option<i64>,
}
