//! Joint action plans: for one function of the register, organisations commit actions (owner, due date,
//! status), shared with a community under TLP.
//!
//! Who reads a plan (the TLP of the plan, applied to the plan's community; docs/supply-chain.md):
//! - CLEAR: every account of the hub; GREEN: members of the community or of its sub-communities;
//! - AMBER: direct members of the community; AMBER+STRICT and RED: the organisations taking part (the
//!   creator and every organisation with an action).
//!
//! The organisations taking part always read it; hub admins read every plan. Who may add an action: any
//! organisation that reads the plan. Who may change an action: its own organisation.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::RiskError;

/// The most actions of one plan.
pub const MAX_ACTIONS: usize = 500;

/// An action's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Committed, not started.
    Open,
    /// Under way.
    InProgress,
    /// Finished.
    Done,
}

impl Status {
    /// Parses `open`, `in-progress` or `done`.
    pub fn parse(text: &str) -> Result<Status, RiskError> {
        match text {
            "open" => Ok(Status::Open),
            "in-progress" => Ok(Status::InProgress),
            "done" => Ok(Status::Done),
            other => Err(RiskError::new(
                "status",
                format!("{other:?} is not open, in-progress or done"),
            )),
        }
    }

    /// Its name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::InProgress => "in-progress",
            Status::Done => "done",
        }
    }
}

/// The plan's TLP level (TLP 2.0 names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tlp {
    /// TLP:CLEAR.
    Clear,
    /// TLP:GREEN.
    Green,
    /// TLP:AMBER.
    Amber,
    /// TLP:AMBER+STRICT.
    AmberStrict,
    /// TLP:RED.
    Red,
}

impl Tlp {
    /// Parses `clear`, `green`, `amber`, `amber+strict` (or `amber-strict`), `red`, any case, `TLP:` optional.
    pub fn parse(text: &str) -> Result<Tlp, RiskError> {
        let lower = text.trim().to_ascii_lowercase();
        match lower.strip_prefix("tlp:").unwrap_or(&lower) {
            "clear" | "white" => Ok(Tlp::Clear),
            "green" => Ok(Tlp::Green),
            "amber" => Ok(Tlp::Amber),
            "amber+strict" | "amber-strict" => Ok(Tlp::AmberStrict),
            "red" => Ok(Tlp::Red),
            _ => Err(RiskError::new(
                "tlp",
                format!("{text:?} is not clear, green, amber, amber+strict or red"),
            )),
        }
    }

    /// Its label (`TLP:AMBER+STRICT`).
    pub fn label(self) -> &'static str {
        match self {
            Tlp::Clear => "TLP:CLEAR",
            Tlp::Green => "TLP:GREEN",
            Tlp::Amber => "TLP:AMBER",
            Tlp::AmberStrict => "TLP:AMBER+STRICT",
            Tlp::Red => "TLP:RED",
        }
    }
}

/// One committed action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    /// Its id.
    pub id: String,
    /// The organisation committing it.
    pub org: String,
    /// Who owns it (a person or team, free text).
    pub owner: String,
    /// What will be done.
    pub description: String,
    /// Due date, `YYYY-MM-DD`.
    pub due: String,
    /// Its status.
    pub status: Status,
    /// Last change (µs since the epoch).
    pub updated_micros: i64,
}

/// A joint action plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// Its id.
    pub id: String,
    /// The function (risk) it addresses.
    pub function: String,
    /// Its title.
    pub title: String,
    /// Its TLP.
    pub tlp: Tlp,
    /// The community it is shared with.
    pub community: String,
    /// The organisation that opened it.
    pub org: String,
    /// When (µs since the epoch).
    pub created_micros: i64,
    /// The actions.
    pub actions: Vec<Action>,
}

/// A reader of plans.
#[derive(Debug, Clone, Default)]
pub struct PlanReader {
    /// Its organisation.
    pub org: Option<String>,
    /// Hub admin.
    pub hub_admin: bool,
    /// Communities its organisation is a direct member of.
    pub direct: BTreeSet<String>,
    /// Direct communities and their ancestors.
    pub effective: BTreeSet<String>,
}

impl Plan {
    /// The organisations taking part (the creator and every organisation with an action).
    pub fn participants(&self) -> BTreeSet<&str> {
        std::iter::once(self.org.as_str())
            .chain(self.actions.iter().map(|a| a.org.as_str()))
            .collect()
    }

    /// Whether `reader` reads this plan (see the module's rule).
    pub fn readable_by(&self, reader: &PlanReader) -> bool {
        if reader.hub_admin {
            return true;
        }
        let Some(org) = reader.org.as_deref() else {
            return self.tlp == Tlp::Clear;
        };
        if self.participants().contains(org) {
            return true;
        }
        match self.tlp {
            Tlp::Clear => true,
            Tlp::Green => reader.effective.contains(&self.community),
            Tlp::Amber => reader.direct.contains(&self.community),
            Tlp::AmberStrict | Tlp::Red => false,
        }
    }

    /// The actions overdue on `today` (`YYYY-MM-DD`): not done and due before today.
    pub fn overdue<'a>(&'a self, today: &'a str) -> impl Iterator<Item = &'a Action> + 'a {
        self.actions
            .iter()
            .filter(move |a| a.status != Status::Done && a.due.as_str() < today)
    }

    /// (done, total) actions.
    pub fn progress(&self) -> (usize, usize) {
        let done = self.actions.iter().filter(|a| a.status == Status::Done).count();
        (done, self.actions.len())
    }
}

/// Checks a due date: `YYYY-MM-DD` with a real month and day.
pub fn check_due(due: &str) -> Result<(), RiskError> {
    let bad = || RiskError::new("due", format!("{due:?} is not a date YYYY-MM-DD"));
    let parts: Vec<&str> = due.split('-').collect();
    if parts.len() != 3 || parts[0].len() != 4 || parts[1].len() != 2 || parts[2].len() != 2 {
        return Err(bad());
    }
    let n = |s: &str| s.parse::<u32>().map_err(|_| bad());
    let (year, month, day) = (n(parts[0])?, n(parts[1])?, n(parts[2])?);
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(bad()),
    };
    if year < 1970 || day == 0 || day > days {
        return Err(bad());
    }
    Ok(())
}

/// Checks free text of a field: 1 to `max` characters, no control characters.
pub fn check_text(field: &str, text: &str, max: usize) -> Result<(), RiskError> {
    if text.trim().is_empty() || text.chars().count() > max || text.chars().any(char::is_control) {
        return Err(RiskError::new(
            field,
            format!("1 to {max} characters, no control characters"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(tlp: Tlp) -> Plan {
        Plan {
            id: "p".into(),
            function: "supply-water".into(),
            title: "t".into(),
            tlp,
            community: "ohio".into(),
            org: "state".into(),
            created_micros: 0,
            actions: vec![Action {
                id: "a".into(),
                org: "county-a".into(),
                owner: "ops".into(),
                description: "patch".into(),
                due: "2026-01-10".into(),
                status: Status::Open,
                updated_micros: 0,
            }],
        }
    }

    #[test]
    fn tlp_decides_who_reads() {
        let member = PlanReader {
            org: Some("x".into()),
            direct: ["ohio-counties".to_owned()].into(),
            effective: ["ohio-counties".to_owned(), "ohio".to_owned()].into(),
            ..PlanReader::default()
        };
        assert!(plan(Tlp::Green).readable_by(&member));
        assert!(!plan(Tlp::Amber).readable_by(&member));
        assert!(!plan(Tlp::Red).readable_by(&member));
        let participant = PlanReader {
            org: Some("county-a".into()),
            ..PlanReader::default()
        };
        assert!(plan(Tlp::Red).readable_by(&participant));
    }

    #[test]
    fn overdue_and_dates() {
        let p = plan(Tlp::Clear);
        assert_eq!(p.overdue("2026-01-11").count(), 1);
        assert_eq!(p.overdue("2026-01-10").count(), 0);
        assert!(check_due("2026-02-29").is_err());
        assert!(check_due("2028-02-29").is_ok());
        assert_eq!(check_due("tomorrow").unwrap_err().field, "due");
        assert_eq!(Tlp::parse("TLP:AMBER+STRICT").unwrap(), Tlp::AmberStrict);
    }
}
