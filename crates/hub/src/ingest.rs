//! Ingest: validate every posted object, store the valid ones, report each in a status resource.
//!
//! Invariant: an object that fails STIX validation is a failure in the status and never reaches the store;
//! the status is returned (and retrievable) only after the store committed the valid objects, so every
//! success it lists is durable. Parsing, validation and PII redaction run on the blocking pool.
//!
//! PII (issue 6): free text is scanned with the whole posting as threat context (`policy::pii`). An object
//! with confident findings only is stored redacted; one with a finding below `policy::pii::REVIEW_BELOW` is
//! held for review (its status entry is `pending` until a reviewer decides, see `review`); one without findings
//! keeps its exact bytes.

use policy::pii::ThreatContext;
use policy::pii::object::{Finding, redact_object, threat_context};
use serde_json::Value;
use serde_json::value::RawValue;
use stix::object::StixObject;
use stix::vocab::ObjectFamily;
use store::{IngestRequest, NewObject, PendingObject, StatusEntry, StatusRecord};
use taxii::resources::{EnvelopeIn, StatusDetail, StatusResource};
use taxii::timestamp::format_date_added;

use crate::catalog::Need;
use crate::{Caller, Hub, HubError, HubResult, now_micros};

/// How many diagnostics of one invalid object the status message quotes.
const DIAGNOSTICS_QUOTED: usize = 3;

impl Hub {
    /// Adds the objects of a TAXII envelope (`body`, already size-checked by the transport), with the
    /// collection's audience as their TLP:AMBER recipients.
    pub async fn add_objects<B>(
        &self,
        caller: &Caller,
        api_root: &str,
        collection: &str,
        body: B,
    ) -> HubResult<StatusResource>
    where
        B: AsRef<[u8]> + Send + 'static,
    {
        self.add_objects_for(caller, api_root, collection, body, None)
            .await
    }

    /// As `add_objects`, naming the recipients (`Recipients::parse`): TLP:AMBER goes to the organisations
    /// and communities named, TLP:RED to the accounts named. `None`: the collection's audience.
    #[tracing::instrument(skip_all, fields(api_root = %api_root, collection = %collection, account = %caller.account))]
    pub async fn add_objects_for<B>(
        &self,
        caller: &Caller,
        api_root: &str,
        collection: &str,
        body: B,
        named: Option<&str>,
    ) -> HubResult<StatusResource>
    where
        B: AsRef<[u8]> + Send + 'static,
    {
        let collection = self
            .collection_for(caller, api_root, collection, Need::Write)
            .await?;
        let request_timestamp = now_micros();
        let Screened {
            mut objects,
            mut pending,
            failures,
            n_redacted,
        } = tokio::task::spawn_blocking(move || validate_envelope(body.as_ref()))
            .await
            .map_err(|err| HubError::Internal(format!("validation task failed: {err}")))??;
        let n_objects = objects.len() as u64;
        let n_bytes: u64 = objects.iter().map(|object| object.raw.len() as u64).sum();
        if let Some(organisation) = &caller.org {
            self.check_quota(organisation, n_objects, n_bytes).await?;
        }
        // Every claimable object carries the id it is served under outside its organisation (anonymity, and
        // shadows of ids another organisation owns: see `ownership`).
        let org = crate::sharing::effective_org(&caller.account, caller.org.as_deref());
        let proposed = pending.iter_mut().map(|held| &mut held.proposed);
        for object in objects.iter_mut().chain(proposed) {
            object.public_id = self.public_id(&org, &object.id);
        }
        let mut failures = failures;
        let objects = self
            .refuse_foreign_versions(caller, api_root, &collection, objects, &mut failures)
            .await?;
        for held in &mut pending {
            held.review_id = uuid::Uuid::new_v4().to_string();
        }
        let recipients = match named {
            Some(text) => self.named_recipients(caller, text).await?,
            None => self
                .audience_names(&collection)
                .await?
                .into_iter()
                .map(|community| format!("community:{community}"))
                .collect(),
        };
        // Posted observations are matched after the commit (issue 14, `live_match::sightings`); the
        // posting's objects are kept for that only when it holds observed-data.
        let posted: Vec<Value> = if objects.iter().any(|object| object.object_type == "observed-data") {
            objects
                .iter()
                .filter_map(|object| serde_json::from_str(&object.raw).ok())
                .collect()
        } else {
            Vec::new()
        };
        // A posted STIX incident is also a report (issue 16, `incidents::from_taxii`); kept only then.
        let incident_posting: Vec<Value> = if objects.iter().any(|object| object.object_type == "incident") {
            objects
                .iter()
                .filter_map(|object| serde_json::from_str(&object.raw).ok())
                .collect()
        } else {
            Vec::new()
        };
        let request = IngestRequest {
            collection: collection.id.clone(),
            api_root: api_root.to_owned(),
            status_id: uuid::Uuid::new_v4().to_string(),
            account: caller.account.clone(),
            submitter_org: caller.org.clone(),
            recipients,
            request_timestamp,
            objects,
            failures,
            pending,
        };
        let status = self.store.ingest(request).await?;
        self.events_committed();
        if let Some(organisation) = &caller.org {
            self.count_stored(organisation, n_objects, n_bytes);
        }
        let mut details = crate::audit::collection_details(caller, api_root, collection.id.as_str());
        details["status_id"] = status.id.clone().into();
        details["n_failures"] = (status.failures.len() as u64).into();
        self.audit(
            &caller.account,
            "objects.write",
            status.successes.len() as u64,
            details.clone(),
        )
        .await?;
        // Transparency counts (`audit report`): what PII screening did to this organisation's posting.
        for (action, n) in [
            ("objects.redacted", n_redacted as u64),
            ("review.pending", status.pendings.len() as u64),
        ] {
            if n > 0 {
                self.audit(&caller.account, action, n, details.clone()).await?;
            }
        }
        tracing::debug!(
            n_successes = status.successes.len(),
            n_failures = status.failures.len(),
            n_pendings = status.pendings.len(),
            n_redacted,
            status_id = %status.id,
            "ingest committed"
        );
        if !incident_posting.is_empty() {
            self.cases_from_posting(caller, &incident_posting, &status.successes)
                .await;
        }
        if !posted.is_empty() {
            let stored: std::collections::BTreeSet<String> =
                status.successes.iter().map(|entry| entry.id.clone()).collect();
            match self
                .sight_posted(caller, api_root, collection.id.as_str(), posted, &stored)
                .await
            {
                Ok(0) => {}
                Ok(n) => tracing::debug!(n_sightings = n, "posted observations matched indicators"),
                Err(err) => tracing::warn!(error = %err, "matching posted observations failed"),
            }
        }
        Ok(status_resource(&status))
    }

    /// A status resource, visible to the account that posted it and to admins.
    pub async fn status(
        &self,
        caller: &Caller,
        api_root: &str,
        status_id: &str,
    ) -> HubResult<StatusResource> {
        self.find_api_root(api_root).await?;
        let status = self
            .store
            .status(api_root, status_id)
            .await?
            .ok_or(HubError::NotFound)?;
        if status.account != caller.account && !caller.is_admin {
            return Err(HubError::NotFound);
        }
        Ok(status_resource(&status))
    }
}

/// An envelope split by validation and PII screening, each list in posting order.
pub(crate) struct Screened {
    /// To store now (redacted where confident findings were made).
    pub(crate) objects: Vec<NewObject>,
    /// To hold for review (review ids are filled in by the caller).
    pub(crate) pending: Vec<PendingObject>,
    /// Invalid objects.
    pub(crate) failures: Vec<StatusEntry>,
    /// How many of `objects` were redacted.
    pub(crate) n_redacted: usize,
}

/// Validates and screens an envelope (also `contribute::check_document`, which stores nothing).
pub(crate) fn validate_envelope(body: &[u8]) -> HubResult<Screened> {
    let text =
        std::str::from_utf8(body).map_err(|_| HubError::Unprocessable("the body is not UTF-8".to_owned()))?;
    // serde also reads a struct from a JSON array (`[]`, `[[...]]`): an envelope is a JSON object only.
    if !text.trim_start().starts_with('{') {
        return Err(HubError::Unprocessable(
            "the body is not a TAXII envelope: expected a JSON object".to_owned(),
        ));
    }
    let envelope: EnvelopeIn<'_> = serde_json::from_str(text)
        .map_err(|err| HubError::Unprocessable(format!("the body is not a TAXII envelope: {err}")))?;
    let raws = envelope.objects.unwrap_or_default();
    let mut valid = Vec::with_capacity(raws.len());
    let mut failures = Vec::new();
    for raw in raws {
        match StixObject::from_raw(raw.to_owned()) {
            Ok(object) => valid.push(object),
            Err(diagnostics) => {
                let quoted: Vec<String> = diagnostics
                    .iter()
                    .take(DIAGNOSTICS_QUOTED)
                    .map(ToString::to_string)
                    .collect();
                let (id, version) = best_effort_identity(raw);
                let message = format!("invalid STIX 2.1 object: {}", quoted.join("; "));
                failures.push(StatusEntry {
                    id,
                    version,
                    message: Some(message),
                });
            }
        }
    }
    let context = threat_context_of(&valid);
    let mut screened = Screened {
        objects: Vec::with_capacity(valid.len()),
        pending: Vec::new(),
        failures,
        n_redacted: 0,
    };
    for object in &valid {
        let redaction = redact_object(object.value(), &context);
        let Some(copy) = redaction.object.as_ref() else {
            screened.objects.push(new_object(object));
            continue;
        };
        let mut proposed = new_object(object);
        proposed.raw = copy.to_string();
        if redaction.needs_review() {
            screened.pending.push(PendingObject {
                review_id: String::new(),
                proposed,
                original: object.raw_json().to_owned(),
                findings: findings_json(&redaction.findings),
            });
        } else {
            screened.n_redacted += 1;
            screened.objects.push(proposed);
        }
    }
    Ok(screened)
}

/// The threat context of a posting: its pattern literals and observable values (borrowing the parsed views).
fn threat_context_of(objects: &[StixObject]) -> ThreatContext {
    threat_context(objects.iter().map(StixObject::value).filter(|value| {
        value.get("pattern").is_some()
            || value.get("objects").is_some()
            || value
                .get("type")
                .and_then(Value::as_str)
                .is_some_and(|t| stix::object::object_kind(t) == ObjectFamily::Observable)
    }))
}

/// The findings of one object as the review queue keeps them: a JSON array of
/// `{json_path, kind, confidence, start, end}` (byte offsets into the posted string).
pub(crate) fn findings_json(findings: &[Finding]) -> String {
    let items: Vec<Value> = findings
        .iter()
        .map(|finding| {
            serde_json::json!({
                "json_path": finding.json_path,
                "kind": finding.kind.as_str(),
                "confidence": finding.confidence,
                "start": finding.start,
                "end": finding.end,
            })
        })
        .collect();
    Value::Array(items).to_string()
}

pub(crate) fn new_object(object: &StixObject) -> NewObject {
    NewObject {
        id: object.id().as_str().to_owned(),
        object_type: object.object_type().to_owned(),
        version: object.version().cloned(),
        spec_version: object.spec_version().unwrap_or("2.1").to_owned(),
        revoked: object.revoked(),
        raw: object.raw_json().to_owned(),
        markings: object.object_marking_refs().map(str::to_owned).collect(),
        public_id: None,
    }
}

/// The id and version of an object that failed validation, as far as they can be read.
fn best_effort_identity(raw: &RawValue) -> (String, String) {
    let value: Value = serde_json::from_str(raw.get()).unwrap_or(Value::Null);
    let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
    let id = text("id").unwrap_or_default();
    let version = text("modified").or_else(|| text("created")).unwrap_or_default();
    (id, version)
}

fn details(entries: &[StatusEntry]) -> Vec<StatusDetail> {
    entries
        .iter()
        .map(|entry| StatusDetail {
            id: entry.id.clone(),
            version: entry.version.clone(),
            message: entry.message.clone(),
        })
        .collect()
}

/// The TAXII status resource of a stored status.
pub(crate) fn status_resource(status: &StatusRecord) -> StatusResource {
    let (n_successes, n_failures, n_pendings) = (
        status.successes.len() as u64,
        status.failures.len() as u64,
        status.pendings.len() as u64,
    );
    StatusResource {
        id: status.id.clone(),
        status: if n_pendings == 0 { "complete" } else { "pending" }.to_owned(),
        request_timestamp: Some(format_date_added(status.request_timestamp)),
        total_count: n_successes + n_failures + n_pendings,
        success_count: n_successes,
        successes: details(&status.successes),
        failure_count: n_failures,
        failures: details(&status.failures),
        pending_count: n_pendings,
        pendings: details(&status.pendings),
    }
}
