//! Incident timers with an injected clock (issue 16): a breached deadline escalates the case to its next tier
//! within 1 s (real time) of the clock reaching it, the new tier may then read the case and gets an
//! `incident-alert`, a met timer never breaches, and exercise cases are purged by hub admins only. On SQLite,
//! and on PostgreSQL when `STIXHUB_TEST_DATABASE_URL` is set.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use hub::{Caller, EventFilter, Hub, HubConfig, HubError, IncidentClock, NewAccount};
use serde_json::{Value, json};
use store::Store;

use crate::read_paths_prop::{run_sql, runtime};

/// A clock the test moves by hand.
#[derive(Debug)]
struct ManualClock(AtomicI64);

impl IncidentClock for ManualClock {
    fn now_micros(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

fn member(account: &str, org: &str) -> Caller {
    Caller {
        account: account.to_owned(),
        org: Some(org.to_owned()),
        is_admin: false,
        role: "member".to_owned(),
    }
}

async fn alerts(hub: &Hub, who: &Caller) -> Vec<Value> {
    let batch = hub
        .events_for(who, 0, &EventFilter::default(), 1000)
        .await
        .unwrap();
    batch
        .events
        .iter()
        .filter(|e| e.kind == "incident-alert")
        .map(|e| serde_json::from_str(&e.json).unwrap())
        .collect()
}

async fn check(store: Arc<dyn Store>) {
    let hub = Arc::new(Hub::new(store, HubConfig::default()).await.unwrap());
    let operator = Caller::operator();
    for org in ["wake", "state", "fusion"] {
        hub.create_organisation(&operator, org, "none", true)
            .await
            .unwrap();
    }
    for (name, org) in [("clerk", "wake"), ("officer", "state"), ("analyst", "fusion")] {
        let new = NewAccount {
            name: name.to_owned(),
            password: format!("pw-{name}-long-enough"),
            org: Some(org.to_owned()),
            role: None,
        };
        hub.create_account(&operator, new).await.unwrap();
    }
    let t0: i64 = 1_793_714_700_000_000;
    let clock = Arc::new(ManualClock(AtomicI64::new(t0)));
    hub.set_incident_clock(Arc::clone(&clock) as Arc<dyn IncidentClock>);
    let rule = json!({"severities": ["critical"], "tiers": [{"orgs": ["state"]}, {"orgs": ["fusion"]}]});
    hub.add_route_rule(&operator, &rule).await.unwrap();
    let seconds = hub::StageSeconds {
        acknowledge: 60,
        triage: 120,
        resolve: 600,
    };
    hub.set_incident_timers(&operator, hub::parse_severity("critical").unwrap(), seconds)
        .await
        .unwrap();
    let (clerk, officer, analyst) = (
        member("clerk", "wake"),
        member("officer", "state"),
        member("analyst", "fusion"),
    );
    let report = json!({"title": "Results site defaced", "category": "unauthorized-access",
                        "severity": "critical", "description": "The results page shows a banner."});
    let case = hub.report_incident(&clerk, &report, "rest").await.unwrap();
    let id = case["id"].as_str().unwrap().to_owned();
    assert!(matches!(
        hub.incident(&analyst, &id).await,
        Err(HubError::NotFound)
    ));
    assert_eq!(alerts(&hub, &officer).await.len(), 1);
    assert!(alerts(&hub, &analyst).await.is_empty());

    let timers = tokio::spawn(Arc::clone(&hub).run_incident_timers());
    // Just before the deadline nothing happens.
    clock.0.store(t0 + 59_999_999, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(hub.incident(&clerk, &id).await.unwrap()["routing"]["tier"], 0);
    // At the deadline: escalated within 1 s.
    let deadline = t0 + 60_000_000;
    clock.0.store(deadline, Ordering::SeqCst);
    let started = Instant::now();
    let escalated = loop {
        let case = hub.incident(&clerk, &id).await.unwrap();
        if case["routing"]["tier"] == 1 {
            break case;
        }
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "not escalated within 1 s: {case}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(escalated["timers"]["acknowledge"]["breached"], true);
    let history = escalated["history"].as_array().unwrap();
    let step = history.iter().find(|h| h["action"] == "escalated").unwrap();
    assert_eq!(step["to"], "tier 1");
    // The new tier reads the case and is alerted; the board shows the breach.
    let seen = hub.incident(&analyst, &id).await.unwrap();
    assert_eq!(seen["id"], id.as_str());
    // The alert is appended right after the case is saved: within the same second.
    let analyst_alerts = loop {
        let found = alerts(&hub, &analyst).await;
        if !found.is_empty() || started.elapsed() > Duration::from_secs(1) {
            break found;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert_eq!(analyst_alerts.len(), 1, "{analyst_alerts:?}");
    assert_eq!(analyst_alerts[0]["escalated"], true);
    let board = hub.incident_board(&officer, None).await.unwrap();
    assert_eq!(board.cases[0]["breached"], json!(["acknowledge"]));
    assert_eq!(board.kpis[0].n_breached, 1);

    // Triage met in time: it never breaches, even long after its deadline.
    hub.transition_incident(&officer, &id, "acknowledged", None, None)
        .await
        .unwrap();
    hub.transition_incident(&analyst, &id, "in-progress", Some("working"), Some("analyst"))
        .await
        .unwrap();
    clock.0.store(t0 + 200_000_000, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(600)).await;
    let case = hub.incident(&officer, &id).await.unwrap();
    assert_eq!(case["timers"]["triage"]["state"], "met");
    assert_eq!(case["timers"]["resolve"]["state"], "pending");
    // Resolve breached with no tier left: recorded, no further escalation.
    clock.0.store(t0 + 600_000_000, Ordering::SeqCst);
    let started = Instant::now();
    loop {
        let case = hub.incident(&officer, &id).await.unwrap();
        if case["timers"]["resolve"]["state"] == "breached" {
            assert_eq!(case["routing"]["tier"], 1);
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(1), "{case}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // Exercise cases: purged by hub admins only, real cases stay.
    let mut drill = report.clone();
    drill["exercise"] = true.into();
    // Reported by the operator (an account without an organisation), so keys without one are exercised too.
    let drill_case = hub.report_incident(&operator, &drill, "rest").await.unwrap();
    assert_eq!(
        drill_case["reporter_org"],
        format!("account:{}", operator.account)
    );
    assert!(matches!(
        hub.purge_exercise_cases(&officer).await,
        Err(HubError::Forbidden)
    ));
    assert_eq!(hub.purge_exercise_cases(&operator).await.unwrap(), 1);
    assert!(matches!(
        hub.incident(&clerk, drill_case["id"].as_str().unwrap()).await,
        Err(HubError::NotFound)
    ));
    assert!(hub.incident(&clerk, &id).await.is_ok());
    let listed = hub.incidents(&clerk, &hub::CaseQuery::default()).await.unwrap();
    assert_eq!(listed.len(), 1);
    timers.abort();
}

#[test]
fn a_breached_timer_escalates_within_a_second_sqlite() {
    let dir = std::env::temp_dir().join(format!("stixhub-hub-incidents-{}", uuid::Uuid::new_v4()));
    let store: Arc<dyn Store> = Arc::new(store_sqlite::SqliteStore::open(&dir).unwrap());
    runtime().block_on(check(store));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_breached_timer_escalates_within_a_second_postgres() {
    let Ok(url) = std::env::var("STIXHUB_TEST_DATABASE_URL") else {
        return;
    };
    runtime().block_on(async {
        let schema = format!("hub_incidents_{}", uuid::Uuid::new_v4().simple());
        run_sql(&url, &format!("CREATE SCHEMA {schema}")).await;
        let separator = if url.contains('?') { '&' } else { '?' };
        let schema_url = format!("{url}{separator}options=-csearch_path%3D{schema}");
        let store: Arc<dyn Store> =
            Arc::new(store_postgres::PostgresStore::connect(&schema_url).await.unwrap());
        check(store).await;
        run_sql(&url, &format!("DROP SCHEMA {schema} CASCADE")).await;
    });
}
