//! Ingest: validate every posted object, store the valid ones, report each in a status resource.
//!
//! Invariant: an object that fails STIX validation is a failure in the status and never reaches the store;
//! the status is returned (and retrievable) only after the store committed the valid objects, so every
//! success it lists is durable. Parsing and validation run on the blocking pool.

use serde_json::Value;
use serde_json::value::RawValue;
use stix::object::StixObject;
use store::{IngestRequest, NewObject, StatusEntry, StatusRecord};
use taxii::resources::{EnvelopeIn, StatusDetail, StatusResource};
use taxii::timestamp::format_date_added;

use crate::catalog::Need;
use crate::{Caller, Hub, HubError, HubResult, now_micros};

/// How many diagnostics of one invalid object the status message quotes.
const DIAGNOSTICS_QUOTED: usize = 3;

impl Hub {
    /// Adds the objects of a TAXII envelope (`body`, already size-checked by the transport).
    #[tracing::instrument(skip_all, fields(api_root = %api_root, collection = %collection, account = %caller.account))]
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
        let collection = self
            .collection_for(caller, api_root, collection, Need::Write)
            .await?;
        let request_timestamp = now_micros();
        let (objects, failures) = tokio::task::spawn_blocking(move || validate_envelope(body.as_ref()))
            .await
            .map_err(|err| HubError::Internal(format!("validation task failed: {err}")))??;
        let recipients = self.audience_names(&collection).await?;
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
        };
        let status = self.store.ingest(request).await?;
        tracing::debug!(
            n_successes = status.successes.len(),
            n_failures = status.failures.len(),
            status_id = %status.id,
            "ingest committed"
        );
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

/// Splits an envelope into valid objects and failures, in posting order.
pub(crate) fn validate_envelope(body: &[u8]) -> HubResult<(Vec<NewObject>, Vec<StatusEntry>)> {
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
    let mut objects = Vec::with_capacity(raws.len());
    let mut failures = Vec::new();
    for raw in raws {
        match StixObject::from_raw(raw.to_owned()) {
            Ok(object) => objects.push(new_object(&object)),
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
    Ok((objects, failures))
}

fn new_object(object: &StixObject) -> NewObject {
    NewObject {
        id: object.id().as_str().to_owned(),
        object_type: object.object_type().to_owned(),
        version: object.version().cloned(),
        spec_version: object.spec_version().unwrap_or("2.1").to_owned(),
        revoked: object.revoked(),
        raw: object.raw_json().to_owned(),
        markings: object.object_marking_refs().map(str::to_owned).collect(),
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
