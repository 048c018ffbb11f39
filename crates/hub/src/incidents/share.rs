//! Share in one step: a responder publishes a case as a cleaned STIX bundle (`incident::share`) through the
//! normal ingest (`Hub::add_objects_for`, so validation, PII screening, ownership, events and audit apply) to
//! chosen communities under a TLP, and the case records when (time-to-share).
//!
//! The reporting jurisdiction is named in the bundle only when its organisation's consent allows it for every
//! reader: consent `everyone`; or consent `government` when the TLP keeps the bundle to named recipients
//! (AMBER, AMBER+STRICT) and every direct member of every chosen community is a government organisation.
//! Otherwise its names are removed from the text (`incident::share::scrub`). The responder publishes under its
//! own organisation, so the county is not the submitter of record either way.

use incident::share::{ShareOptions, bundle_objects, parse_tlp};
use incident::{FieldError, ShareRecord};
use serde_json::{Value, json};
use stix::markings::{EXERCISE_MARKING_ID, TlpLevel};

use super::{CAS_ATTEMPTS, IncidentError, IncidentResult, caller_org};
use crate::{Caller, Hub, HubError};

/// The most communities one share names.
const MAX_COMMUNITIES: usize = 20;

/// A parsed share request.
struct ShareRequest {
    communities: Vec<String>,
    tlp: TlpLevel,
    tlp_name: String,
    collection: String,
}

fn parse_request(body: &Value) -> Result<ShareRequest, Vec<FieldError>> {
    let mut errors = Vec::new();
    let Some(map) = body.as_object() else {
        return Err(vec![FieldError::new("", "the body must be a JSON object")]);
    };
    for key in map
        .keys()
        .filter(|k| !["communities", "tlp", "collection"].contains(&k.as_str()))
    {
        errors.push(FieldError::new(
            key.chars().take(64).collect::<String>(),
            "unknown field",
        ));
    }
    let communities: Vec<String> = match map.get("communities") {
        Some(Value::Array(items)) if !items.is_empty() && items.len() <= MAX_COMMUNITIES => {
            let names: Vec<String> = items
                .iter()
                .filter_map(|i| {
                    i.as_str()
                        .map(str::trim)
                        .filter(|n| !n.is_empty() && !n.contains(','))
                })
                .map(str::to_owned)
                .collect();
            if names.len() != items.len() {
                errors.push(FieldError::new(
                    "communities",
                    "every entry must be a community name",
                ));
            }
            names
        }
        _ => {
            errors.push(FieldError::new(
                "communities",
                format!("must be an array of 1 to {MAX_COMMUNITIES} community names"),
            ));
            Vec::new()
        }
    };
    let tlp_name = map
        .get("tlp")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_ascii_lowercase();
    let tlp = match parse_tlp(&tlp_name) {
        Some(TlpLevel::Red) => {
            errors.push(FieldError::new(
                "tlp",
                "TLP:RED goes to named people, not communities",
            ));
            None
        }
        Some(level) => Some(level),
        None => {
            errors.push(FieldError::new(
                "tlp",
                "must be clear, green, amber or amber+strict",
            ));
            None
        }
    };
    let collection = match map.get("collection").and_then(Value::as_str).map(str::trim) {
        Some(c) if !c.is_empty() && c.len() <= 200 => c.to_owned(),
        _ => {
            errors.push(FieldError::new(
                "collection",
                "is required (a collection id or alias)",
            ));
            String::new()
        }
    };
    match tlp {
        Some(tlp) if errors.is_empty() => Ok(ShareRequest {
            communities,
            tlp,
            tlp_name,
            collection,
        }),
        _ => Err(errors),
    }
}

impl Hub {
    /// Publishes case `id` as a cleaned STIX bundle (responders and hub admins); answers the case.
    pub async fn share_incident(&self, caller: &Caller, id: &str, body: &Value) -> IncidentResult<Value> {
        let (case, _) = self.readable_case(caller, id).await?;
        if !case.may_act(&caller.account, &caller_org(caller), caller.is_admin) {
            return Err(HubError::Forbidden.into());
        }
        let request = parse_request(body).map_err(IncidentError::Invalid)?;
        let directory = self.sharing_directory().await?;
        let mut unknown = Vec::new();
        for (i, name) in request.communities.iter().enumerate() {
            if !directory.communities.iter().any(|c| c.name == *name) {
                unknown.push(FieldError::new(
                    format!("communities[{i}]"),
                    "no community of this name",
                ));
            }
        }
        if !unknown.is_empty() {
            return Err(IncidentError::Invalid(unknown));
        }
        let Some(collection) = self.store.find_collection(&request.collection).await? else {
            return Err(IncidentError::Invalid(vec![FieldError::new(
                "collection",
                "no such collection",
            )]));
        };
        let reporter = directory
            .organisations
            .iter()
            .find(|o| o.name == case.reporter_org);
        let all_government = request.communities.iter().all(|community| {
            directory
                .members
                .iter()
                .filter(|(c, _)| c == community)
                .all(|(_, org)| {
                    directory
                        .organisations
                        .iter()
                        .any(|o| o.name == *org && o.government)
                })
        });
        let restricted = matches!(request.tlp, TlpLevel::Amber | TlpLevel::AmberStrict);
        let name_jurisdiction = match reporter.map(|o| o.consent.as_str()) {
            Some("everyone") => true,
            Some("government") => restricted && all_government,
            _ => false,
        };
        let names = vec![
            case.reporter_org.clone(),
            case.jurisdiction.clone(),
            case.reporter_account.clone(),
        ];
        let now = self.incident_now();
        let objects = bundle_objects(
            &case,
            &ShareOptions {
                tlp: request.tlp,
                name_jurisdiction,
                names: &names,
                now_micros: now,
            },
        );
        let incident_id = objects
            .first()
            .and_then(|o| o["id"].as_str())
            .unwrap_or_default()
            .to_owned();
        let envelope = json!({"objects": objects}).to_string();
        let recipients = request
            .communities
            .iter()
            .map(|c| format!("community:{c}"))
            .collect::<Vec<_>>()
            .join(",");
        if let Ok(mut ids) = self.incidents.publishing.lock() {
            ids.insert(incident_id.clone());
        }
        let status = self
            .add_objects_for(
                caller,
                &collection.api_root,
                collection.id.as_str(),
                envelope.into_bytes(),
                Some(&recipients),
            )
            .await;
        if let Ok(mut ids) = self.incidents.publishing.lock() {
            ids.remove(&incident_id);
        }
        let status = status?;
        // The EXERCISE definition may already be stored by another organisation: that failure is harmless.
        let failures: Vec<String> = status
            .failures
            .iter()
            .filter(|f| f.id != EXERCISE_MARKING_ID)
            .map(|f| format!("{}: {}", f.id, f.message.clone().unwrap_or_default()))
            .collect();
        if !failures.is_empty()
            || !status
                .successes
                .iter()
                .chain(&status.pendings)
                .any(|s| s.id == incident_id)
        {
            return Err(
                HubError::Unprocessable(format!("the bundle was refused: {}", failures.join("; "))).into(),
            );
        }
        let mut stored: Vec<String> = status.successes.iter().map(|s| s.id.clone()).collect();
        stored.sort_by_key(|s| s != &incident_id);
        let record = ShareRecord {
            at_micros: now,
            actor: caller.account.clone(),
            collection: collection.id.as_str().to_owned(),
            objects: stored,
            communities: request.communities.clone(),
            tlp: request.tlp_name.clone(),
            jurisdiction_named: name_jurisdiction,
        };
        for _ in 0..CAS_ATTEMPTS {
            let (mut case, version) = self.readable_case(caller, id).await?;
            let old = case.clone();
            case.shared.push(record.clone());
            case.history.push(incident::HistoryEntry {
                at_micros: now,
                actor: caller.account.clone(),
                action: "shared".to_owned(),
                from: None,
                to: Some(format!(
                    "TLP:{} to {}",
                    request.tlp_name.to_ascii_uppercase(),
                    request.communities.join(", ")
                )),
                note: None,
            });
            match self.save_case(&case, Some(version), Some(&old)).await {
                Ok(()) => {}
                Err(HubError::Conflict(_)) => continue,
                Err(err) => return Err(err.into()),
            }
            self.audit(
                &caller.account,
                "incident.share",
                record.objects.len() as u64,
                json!({"case": case.id, "collection": record.collection, "communities": record.communities,
                       "tlp": record.tlp, "objects": record.objects, "jurisdiction_named": name_jurisdiction,
                       "status_id": status.id, "exercise": case.exercise}),
            )
            .await?;
            self.append_incident_updated(&case, "shared").await?;
            let mut answer = case.to_json();
            answer["status_id"] = status.id.clone().into();
            answer["pending_review"] = status.pending_count.into();
            return Ok(answer);
        }
        Err(HubError::Unavailable("the case kept changing; retry".to_owned()).into())
    }
}
