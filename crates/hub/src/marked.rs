//! Objects carrying one marking-definition, hub-wide: listing them and purging them (issue 16: drill data
//! carries the EXERCISE statement marking; `stixhub drill list|purge`). Hub admins only.
//!
//! Both walk every collection of every API root through `Hub::list` (the release gate, as the caller: a hub
//! admin is released everything) and delete through `Hub::delete_object`, so each deletion is its own
//! `objects.delete` audit entry and event; the purge adds one `marking.purge` entry with the totals.

use serde_json::{Value, json};
use taxii::query::{ListParams, VersionParam};

use crate::delegation::AdminAction;
use crate::read::ListKind;
use crate::{Caller, Hub, HubResult};

/// The most objects listed or purged in one call (a drill of 50 × 20 makes a few thousand).
pub const MARKED_MAX: usize = 1_000_000;

/// One object carrying the marking (its latest version's summary).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkedObject {
    /// The API root.
    pub api_root: String,
    /// The collection id.
    pub collection: String,
    /// The STIX id.
    pub id: String,
    /// The STIX type.
    pub object_type: String,
    /// Versions stored.
    pub versions: u64,
}

impl MarkedObject {
    /// As JSON (`stixhub drill list --json`).
    pub fn to_json(&self) -> Value {
        json!({
            "api_root": self.api_root,
            "collection": self.collection,
            "id": self.id,
            "type": self.object_type,
            "versions": self.versions,
        })
    }
}

fn params(versions: VersionParam) -> ListParams {
    ListParams {
        added_after: None,
        limit: None,
        next: None,
        ids: Vec::new(),
        types: Vec::new(),
        versions,
        spec_versions: Vec::new(),
    }
}

fn carries(raw: &str, marking_id: &str) -> bool {
    let Ok(value) = serde_json::from_str::<Value>(raw) else {
        return false;
    };
    let object_level = value
        .get("object_marking_refs")
        .and_then(Value::as_array)
        .is_some_and(|refs| refs.iter().any(|r| r.as_str() == Some(marking_id)));
    let granular = value
        .get("granular_markings")
        .and_then(Value::as_array)
        .is_some_and(|list| {
            list.iter()
                .any(|g| g.get("marking_ref").and_then(Value::as_str) == Some(marking_id))
        });
    object_level || granular || value.get("id").and_then(Value::as_str) == Some(marking_id)
}

impl Hub {
    /// Every object (any version) carrying `marking_id` in `object_marking_refs` or `granular_markings`, and the
    /// marking-definition itself, in every collection. Hub admins only.
    pub async fn marked_objects(&self, caller: &Caller, marking_id: &str) -> HubResult<Vec<MarkedObject>> {
        self.authorize(caller, AdminAction::HubAdministration).await?;
        let mut out: Vec<MarkedObject> = Vec::new();
        for root in self.store.api_roots().await? {
            for collection in self.store.collections(&root.name).await? {
                let mut next = None;
                loop {
                    let params = ListParams {
                        limit: Some(1000),
                        next: next.take(),
                        ..params(VersionParam::All)
                    };
                    let page = self
                        .list(caller, &root.name, collection.id.as_str(), ListKind::Objects, &params)
                        .await?;
                    for record in &page.records {
                        let Some(raw) = record.raw.as_deref() else { continue };
                        if !carries(raw, marking_id) {
                            continue;
                        }
                        let same = |o: &MarkedObject| o.id == record.id && o.collection == collection.id.as_str();
                        if let Some(seen) = out.iter_mut().rev().find(|o| same(o)) {
                            seen.versions += 1;
                            continue;
                        }
                        let object_type = record.id.split("--").next().unwrap_or_default().to_owned();
                        out.push(MarkedObject {
                            api_root: root.name.clone(),
                            collection: collection.id.to_string(),
                            id: record.id.clone(),
                            object_type,
                            versions: 1,
                        });
                        if out.len() >= MARKED_MAX {
                            return Ok(out);
                        }
                    }
                    if !page.more || page.next.is_none() {
                        break;
                    }
                    next = page.next;
                }
            }
        }
        Ok(out)
    }

    /// Deletes every version of every object `marked_objects` finds (each an `objects.delete` entry), then
    /// appends one `marking.purge` entry with the totals. Returns the objects deleted.
    pub async fn purge_marked(&self, caller: &Caller, marking_id: &str) -> HubResult<Vec<MarkedObject>> {
        let found = self.marked_objects(caller, marking_id).await?;
        let params = params(VersionParam::Default);
        let mut deleted = Vec::with_capacity(found.len());
        for object in found {
            match self
                .delete_object(caller, &object.api_root, &object.collection, &object.id, &params)
                .await
            {
                Ok(()) => deleted.push(object),
                // Gone meanwhile (another purge): nothing to do.
                Err(crate::HubError::NotFound) => {}
                Err(err) => return Err(err),
            }
        }
        let versions: u64 = deleted.iter().map(|o| o.versions).sum();
        self.audit(
            &caller.account,
            "marking.purge",
            versions,
            json!({ "marking": marking_id, "objects": deleted.len(), "org": caller.org }),
        )
        .await?;
        Ok(deleted)
    }
}
