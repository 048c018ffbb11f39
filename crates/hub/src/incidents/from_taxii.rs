//! Reports by TAXII: a STIX `incident` a TAXII POST stored becomes a case of the poster (with the observables
//! of the indicators and observed-data related to it in the same posting, `incident::from_stix`). The
//! incidents the hub itself publishes from a case (`share`) are skipped, so a share never makes a new case.
//! A failure is logged, never turned into a failure of the posting (the objects are already stored).

use serde_json::Value;
use store::StatusEntry;

use super::IncidentError;
use crate::{Caller, Hub};

impl Hub {
    /// Files a case for each stored `incident` of a posting.
    pub(crate) async fn cases_from_posting(
        &self,
        caller: &Caller,
        posting: &[Value],
        stored: &[StatusEntry],
    ) {
        let taxonomy = match self.incident_taxonomy().await {
            Ok(taxonomy) => taxonomy,
            Err(err) => {
                tracing::warn!(error = %err, "reading the incident taxonomy failed");
                return;
            }
        };
        for (id, report) in incident::from_stix::reports_from_objects(posting, &taxonomy) {
            if !stored.iter().any(|s| s.id == id) || self.is_publishing(&id) {
                continue;
            }
            match self.file_report(caller, &report, "taxii", Some(&id)).await {
                Ok(case) => {
                    tracing::debug!(case = %case.id, incident = %id, "a TAXII incident became a case")
                }
                Err(IncidentError::Invalid(errors)) => {
                    tracing::info!(incident = %id, ?errors, "a TAXII incident could not become a case")
                }
                Err(IncidentError::Hub(err)) => {
                    tracing::warn!(incident = %id, error = %err, "a TAXII incident could not become a case")
                }
            }
        }
    }

    /// Whether `incident_id` is being published by `share_incident` on this node.
    fn is_publishing(&self, incident_id: &str) -> bool {
        self.incidents
            .publishing
            .lock()
            .is_ok_and(|ids| ids.contains(incident_id))
    }
}
