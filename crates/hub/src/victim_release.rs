//! The two ends of victim notification a person touches: releasing a hidden object to its victim (the
//! "victim found" task's one action), and reading a notification (delivery per reader, from `event_read`).
//!
//! Invariants:
//! - A task is acted on only by the version's submitter or a hub admin; any other caller, an unknown
//!   position and a position that is not a task all answer `NotFound`.
//! - Releasing names the owner as a recipient of that one version — `org:OWNER` for TLP:AMBER (and anything
//!   but RED), the owner's accounts for TLP:RED — through `Store::add_recipients`, then notifies the owner
//!   through the same gate as the notifier (nothing when it still may not read it, e.g. AMBER+STRICT or no
//!   grant on the collection). Audited.
//! - A notification is delivered only to accounts of the named organisation, and only when the release gate
//!   serves that reader the version now; its object is the served copy.

use serde_json::{Value, json};
use stix::markings::TlpLevel;
use store::NewEvent;

use crate::event_read::{DeliveredEvent, EventReader};
use crate::victims::{NOTIFICATION, TASK};
use crate::{Caller, Hub, HubError, HubResult};

/// What releasing a task did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VictimRelease {
    /// The owner organisation.
    pub owner: String,
    /// The recipients added to the version.
    pub recipients: Vec<String>,
    /// Whether the owner was notified (false: it still may not read it, or was notified before).
    pub notified: bool,
}

/// The object reference in a notification or task payload.
struct ObjectRef {
    collection: String,
    id: String,
    date_added: i64,
}

fn object_ref(payload: &Value) -> Option<ObjectRef> {
    let object = payload.get("object")?;
    Some(ObjectRef {
        collection: object.get("collection")?.as_str()?.to_owned(),
        id: object.get("id")?.as_str()?.to_owned(),
        date_added: object.get("date_added")?.as_i64()?,
    })
}

impl Hub {
    /// Releases the object of the `victim-found` task at position `seq` to its owner organisation.
    pub async fn release_to_victim(&self, caller: &Caller, seq: u64) -> HubResult<VictimRelease> {
        let record = self
            .store
            .events_after(seq.saturating_sub(1), 1)
            .await?
            .into_iter()
            .find(|r| r.seq == seq && r.kind == TASK)
            .ok_or(HubError::NotFound)?;
        let payload: Value = record
            .payload
            .as_deref()
            .and_then(|text| serde_json::from_str(text).ok())
            .ok_or(HubError::NotFound)?;
        let (Some(target), Some(owner), Some(asset_id)) = (
            object_ref(&payload),
            payload.get("owner").and_then(Value::as_str),
            payload.get("asset").and_then(Value::as_str),
        ) else {
            return Err(HubError::NotFound);
        };
        let Some(collection) = self.store.find_collection(&target.collection).await? else {
            return Err(HubError::NotFound);
        };
        let Some(version) = self
            .stored_version(&collection.id, &target.id, target.date_added)
            .await?
        else {
            return Err(HubError::NotFound);
        };
        if !caller.is_admin && version.sharing.submitter != caller.account {
            return Err(HubError::NotFound);
        }
        let tlp = crate::search::tlp_of_markings(version.sharing.markings.iter().map(String::as_str));
        let accounts = self.store.accounts().await?;
        let readers = self.org_readers(&accounts, owner).await;
        let recipients: Vec<String> = if tlp == Some(TlpLevel::Red) {
            readers.iter().map(|r| format!("account:{}", r.account)).collect()
        } else {
            vec![format!("org:{owner}")]
        };
        self.store
            .add_recipients(&collection.id, version.date_added, recipients.clone())
            .await?;
        let details = json!({
            "task": seq, "owner": owner, "object": target.id, "collection": target.collection,
            "date_added": target.date_added, "recipients": recipients,
        });
        self.audit(&caller.account, "victim.release", 1, details).await?;
        let mut notified = false;
        if let Some(version) = self
            .stored_version(&collection.id, &target.id, target.date_added)
            .await?
        {
            let mut reads = false;
            for reader in &readers {
                if self
                    .released_to(reader, &collection, version.clone())
                    .await?
                    .is_some()
                {
                    reads = true;
                    break;
                }
            }
            let key = format!("n|{asset_id}|{}", target.id);
            if reads && !self.store.claim_notices(vec![key]).await?.is_empty() {
                let asset = self.store.asset(asset_id).await?;
                let (kind, value) =
                    asset.map_or((Value::Null, Value::Null), |a| (a.kind.into(), a.value.into()));
                let event = NewEvent {
                    kind: NOTIFICATION.to_owned(),
                    collection: None,
                    payload: json!({
                        "audience": {"orgs": [owner]},
                        "asset": {"id": asset_id, "kind": kind, "value": value},
                        "object": payload.get("object"),
                        "matched": payload.get("matched"),
                    })
                    .to_string(),
                };
                self.store.append_events(vec![event]).await?;
                self.events_committed();
                let details = json!({"asset": asset_id, "owner": owner, "object": target.id, "released_by": caller.account});
                self.audit(crate::victims::VICTIM_ACTOR, "victim.notify", 0, details)
                    .await?;
                notified = true;
            }
        }
        Ok(VictimRelease {
            owner: owner.to_owned(),
            recipients,
            notified,
        })
    }

    /// A `victim-notification` for one reader: only an account of the named organisation, only when the
    /// gate serves it the version now, with the served copy.
    pub(crate) async fn release_notification(
        &self,
        reader: &EventReader,
        record: &store::EventRecord,
    ) -> HubResult<Option<DeliveredEvent>> {
        let filter = reader.filter();
        if !filter.admits_kind(&record.kind) {
            return Ok(None);
        }
        let Some(payload) = record
            .payload
            .as_deref()
            .and_then(|text| serde_json::from_str::<Value>(text).ok())
        else {
            return Ok(None);
        };
        let caller = reader.caller();
        let owner = payload["audience"]["orgs"][0].as_str();
        if owner.is_none() || caller.org.as_deref() != owner {
            return Ok(None);
        }
        let Some(target) = object_ref(&payload) else {
            return Ok(None);
        };
        if !filter.collections.is_empty() && !filter.collections.contains(&target.collection) {
            return Ok(None);
        }
        let Some(collection) = self.store.find_collection(&target.collection).await? else {
            return Ok(None);
        };
        if collection.id.as_str() != target.collection {
            return Ok(None);
        }
        let Some(version) = self
            .stored_version(&collection.id, &target.id, target.date_added)
            .await?
        else {
            return Ok(None);
        };
        let Some(served) = self.released_to(caller, &collection, version).await? else {
            return Ok(None);
        };
        let tlp = crate::search::tlp_of_markings(served.sharing.markings.iter().map(String::as_str));
        let object: Value = match (&served.raw, filter.delivers_thin(tlp)) {
            (Some(raw), false) => serde_json::from_str(raw)
                .map_err(|err| HubError::Internal(format!("a stored object is not JSON: {err}")))?,
            _ => json!({"id": served.id, "type": served.object_type}),
        };
        let data = json!({
            "seq": record.seq,
            "kind": record.kind,
            "collection": collection.id.as_str(),
            "asset": payload["asset"],
            "matched": payload["matched"],
            "object": object,
        });
        Ok(Some(DeliveredEvent {
            seq: record.seq,
            kind: record.kind.clone(),
            created_micros: record.created_micros,
            json: data.to_string(),
        }))
    }
}
