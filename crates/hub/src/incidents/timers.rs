//! The timer task: breaches deadlines and escalates cases (within `TICK` of a deadline by the incident clock).
//!
//! Every node may run it: a breach is written by compare-and-swap on the case, so when two nodes see the same
//! deadline one writes it and the other, re-reading, finds nothing due. The task is woken early whenever a
//! case with a new deadline is saved on this node, and otherwise looks every `TICK`.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use store::RecordScan;

use super::{CAS_ATTEMPTS, INCIDENT_TIMER_ACTOR, NS_TIMER};
use crate::{Hub, HubError, HubResult};

/// How often the task looks for due deadlines (so a breach is acted on well within 1 s).
pub(crate) const TICK: Duration = Duration::from_millis(200);
/// The most due timers handled per look.
const BATCH: usize = 200;

impl Hub {
    /// Breaches due timers until the hub is dropped. Errors are logged and retried at the next tick.
    pub async fn run_incident_timers(self: Arc<Hub>) {
        loop {
            if let Err(err) = self.check_incident_timers().await {
                tracing::warn!(error = %err, "incident timers failed; retrying");
            }
            if Arc::strong_count(&self) == 1 {
                return;
            }
            tokio::select! {
                () = self.incidents.wake.notified() => {}
                () = tokio::time::sleep(TICK) => {}
            }
        }
    }

    /// Breaches every timer due by the incident clock now; returns how many cases moved.
    pub async fn check_incident_timers(&self) -> HubResult<usize> {
        let now = self.incident_now();
        let entries = self
            .store
            .records(RecordScan::prefix(NS_TIMER, "", BATCH))
            .await?;
        let mut n_moved = 0;
        for entry in entries {
            let Some((deadline, id)) = entry.key.split_once('/') else {
                continue;
            };
            let Ok(deadline) = deadline.parse::<i64>() else {
                continue;
            };
            if deadline > now {
                break;
            }
            if self.breach_case(id, now).await? {
                n_moved += 1;
            } else {
                // A stale entry (the case moved on, or was purged): drop it.
                let stale = match self.load_case(id).await? {
                    Some((case, _)) => case.next_deadline() != Some(deadline),
                    None => true,
                };
                if stale {
                    self.store
                        .write_records(
                            vec![store::RecordWrite::delete(NS_TIMER, entry.key.clone())],
                            crate::now_micros(),
                        )
                        .await?;
                }
            }
        }
        Ok(n_moved)
    }

    /// Breaches the due timers of one case; whether anything changed.
    async fn breach_case(&self, id: &str, now: i64) -> HubResult<bool> {
        for _ in 0..CAS_ATTEMPTS {
            let Some((mut case, version)) = self.load_case(id).await? else {
                return Ok(false);
            };
            let old = case.clone();
            let before = case.tier;
            let (stages, tier) = case.breach_due(now);
            if stages.is_empty() {
                return Ok(false);
            }
            match self.save_case(&case, Some(version), Some(&old)).await {
                Ok(()) => {}
                Err(HubError::Conflict(_)) => continue,
                Err(err) => return Err(err),
            }
            // Alerts first: the escalation is what the next tier must hear about soonest.
            if let Some(tier) = tier {
                for reached in before + 1..=tier {
                    self.append_incident_alert(&case, reached, true).await?;
                }
            }
            self.append_incident_updated(&case, "breached").await?;
            let stage_names: Vec<&str> = stages.iter().map(|s| s.as_str()).collect();
            self.audit(
                INCIDENT_TIMER_ACTOR,
                "incident.breach",
                0,
                json!({"case": case.id, "stages": stage_names, "tier_from": before, "tier_to": case.tier,
                       "exercise": case.exercise}),
            )
            .await?;
            return Ok(true);
        }
        Err(HubError::Unavailable(
            "a case kept changing under its timer".to_owned(),
        ))
    }
}
