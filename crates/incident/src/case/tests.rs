//! The state machine, timers and escalation of a case.

use super::*;
use crate::routing::Routing;

fn case(severity: Severity) -> Case {
    let report = Report {
        title: "t".to_owned(),
        category: "other".to_owned(),
        severity,
        description: "d".to_owned(),
        jurisdiction: None,
        systems: Vec::new(),
        occurred_micros: None,
        observables: Vec::new(),
        exercise: false,
    };
    let routing = Routing {
        rules: vec!["r".to_owned()],
        tiers: vec![
            Tier {
                orgs: vec!["state".to_owned()],
                accounts: Vec::new(),
            },
            Tier {
                orgs: vec!["fusion".to_owned()],
                accounts: vec!["national".to_owned()],
            },
        ],
    };
    let origin = Origin {
        id: "c1",
        account: "clerk",
        org: "wake",
        source: "rest",
        stix_incident: None,
        now_micros: 0,
    };
    Case::new(report, &origin, routing, &TimerPolicy::default())
}

#[test]
fn only_the_documented_transitions_are_allowed() {
    let allowed: Vec<(Status, Status)> = Status::ALL
        .into_iter()
        .flat_map(|from| Status::ALL.into_iter().map(move |to| (from, to)))
        .filter(|(from, to)| transition_allowed(*from, *to) && from != to)
        .collect();
    use Status::*;
    assert_eq!(
        allowed,
        vec![
            (New, Acknowledged),
            (New, FalseAlarm),
            (Acknowledged, InProgress),
            (Acknowledged, Resolved),
            (Acknowledged, FalseAlarm),
            (InProgress, Resolved),
            (InProgress, FalseAlarm),
        ]
    );
    assert!(!transition_allowed(Resolved, Resolved));
}

#[test]
fn transitions_meet_timers_and_keep_history() {
    let mut case = case(Severity::High);
    assert!(case.transition(Status::Resolved, "s", None, None, 1).is_err());
    assert_eq!(case.history.len(), 1, "a refused transition changes nothing");
    case.transition(
        Status::Acknowledged,
        "s",
        Some("seen".into()),
        Some("ann".into()),
        5_000_000,
    )
    .expect("allowed");
    assert_eq!(case.timers[0].state, TimerState::Met);
    assert_eq!(case.timers[1].state, TimerState::Pending);
    assert_eq!(case.assignee.as_deref(), Some("ann"));
    assert_eq!(case.time_to(Stage::Acknowledge), Some(5_000_000));
    case.transition(Status::FalseAlarm, "s", None, None, 9_000_000)
        .expect("allowed");
    assert!(case.timers.iter().all(|t| t.state == TimerState::Met));
    assert_eq!(case.next_deadline(), None);
}

#[test]
fn a_breach_escalates_one_tier_and_widens_the_readers() {
    let mut case = case(Severity::Critical);
    assert!(!case.may_read("analyst", "fusion", false));
    assert!(case.may_read("clerk2", "wake", false));
    assert!(case.may_act("officer", "state", false));
    assert!(!case.may_act("clerk2", "wake", false));
    let deadline = case.next_deadline().expect("pending");
    assert_eq!(deadline, 15 * 60 * 1_000_000);
    assert_eq!(case.breach_due(deadline - 1), (vec![], None));
    assert_eq!(case.breach_due(deadline), (vec![Stage::Acknowledge], Some(1)));
    assert!(case.may_read("analyst", "fusion", false));
    assert!(case.may_act("national", "elsewhere", false));
    // No tier beyond the last: a later breach is recorded without escalating.
    let (stages, tier) = case.breach_due(i64::MAX / 2);
    assert_eq!((stages.len(), tier), (2, None));
    assert_eq!(case.tier, 1);
}
