//! Objects carrying one marking-definition, hub-wide: listing and purging them (issue 16: drill data carries
//! the EXERCISE statement marking; `stixhub drill list|purge`). Hub admins only (`HubAdministration`).
//!
//! This is an administrative operation on stored rows, not a read: hub admins get no read bypass (policy), and
//! drill data is mostly AMBER and marked with a marking nobody outside the drill is cleared for, so the release
//! gate would hide most of what must be removed. It therefore walks the stored originals, judges the marking
//! on them (the recorded markings and the bytes), and hands out only what identifies a row (collection, stored
//! id, type, version count) — never an object's content — like the review queue and the anonymity mapping,
//! which are the policy's other audited admin operations. Listing is audited (`marking.list`), each deletion
//! too (`objects.delete`, with an `object-deleted` event per version through the store), then the purge as a
//! whole (`marking.purge`).

use serde_json::{Value, json};
use store::{ObjectQuery, Projection, VersionSelector};

use crate::delegation::AdminAction;
use crate::{Caller, Hub, HubResult};

/// The most objects listed or purged in one call (a drill of 50 × 20 makes a few thousand).
pub const MARKED_MAX: usize = 1_000_000;

/// One object carrying the marking, per submitter group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkedObject {
    /// The API root.
    pub api_root: String,
    /// The collection id.
    pub collection: String,
    /// The STIX id as stored.
    pub id: String,
    /// The STIX type.
    pub object_type: String,
    /// Versions stored.
    pub versions: u64,
    /// The submitter group (`store::plan::submitter_group`) the versions belong to.
    group: String,
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

/// True when the object's bytes name the marking (object-level, granular) or are its definition.
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
    async fn find_marked(&self, marking_id: &str) -> HubResult<Vec<MarkedObject>> {
        let mut out: Vec<MarkedObject> = Vec::new();
        for root in self.store.api_roots().await? {
            for collection in self.store.collections(&root.name).await? {
                let mut query = ObjectQuery {
                    collection: collection.id.clone(),
                    ids: Vec::new(),
                    types: Vec::new(),
                    added_after: None,
                    spec_versions: Vec::new(),
                    versions: VersionSelector::All,
                    after: None,
                    limit: 1000,
                    projection: Projection::Full,
                };
                loop {
                    let page = self.store.query_objects(query.clone()).await?;
                    if let Some(last) = page.records.last() {
                        query.after = Some(last.position());
                    }
                    for stored in page.records {
                        let marked = stored.sharing.markings.iter().any(|m| m == marking_id)
                            || stored.id == marking_id
                            || stored.raw.as_deref().is_some_and(|raw| carries(raw, marking_id));
                        if !marked {
                            continue;
                        }
                        let group = store::plan::submitter_group(
                            &stored.sharing.submitter,
                            stored.sharing.submitter_org.as_deref(),
                        );
                        let same = |o: &MarkedObject| {
                            o.id == stored.id && o.group == group && o.collection == collection.id.as_str()
                        };
                        if let Some(seen) = out.iter_mut().rev().find(|o| same(o)) {
                            seen.versions += 1;
                            continue;
                        }
                        out.push(MarkedObject {
                            api_root: root.name.clone(),
                            collection: collection.id.to_string(),
                            id: stored.id,
                            object_type: stored.object_type,
                            versions: 1,
                            group,
                        });
                        if out.len() >= MARKED_MAX {
                            return Ok(out);
                        }
                    }
                    if !page.more {
                        break;
                    }
                }
            }
        }
        Ok(out)
    }

    /// Every object (per submitter group) carrying `marking_id` in `object_marking_refs` or
    /// `granular_markings`, and the marking-definition itself, in every collection. Hub admins only; audited
    /// (`marking.list`).
    pub async fn marked_objects(&self, caller: &Caller, marking_id: &str) -> HubResult<Vec<MarkedObject>> {
        self.authorize(caller, AdminAction::HubAdministration).await?;
        let found = self.find_marked(marking_id).await?;
        self.audit(
            &caller.account,
            "marking.list",
            found.len() as u64,
            json!({ "marking": marking_id, "org": caller.org }),
        )
        .await?;
        Ok(found)
    }

    /// Deletes every version of every object carrying `marking_id` (each an `objects.delete` entry), then
    /// appends one `marking.purge` entry with the totals. Returns the objects deleted. Hub admins only.
    pub async fn purge_marked(&self, caller: &Caller, marking_id: &str) -> HubResult<Vec<MarkedObject>> {
        self.authorize(caller, AdminAction::HubAdministration).await?;
        let found = self.find_marked(marking_id).await?;
        let mut deleted = Vec::with_capacity(found.len());
        for mut object in found {
            let collection = store::CollectionId::new(object.collection.as_str());
            let versions = self
                .store
                .delete_object(
                    &collection,
                    &object.id,
                    Some(object.group.clone()),
                    VersionSelector::All,
                    Vec::new(),
                )
                .await?;
            if versions == 0 {
                // Gone meanwhile (another purge).
                continue;
            }
            self.events_committed();
            let details = json!({
                "api_root": object.api_root,
                "collection": object.collection,
                "org": caller.org,
                "object_id": object.id,
                "groups": [object.group],
                "marking": marking_id,
            });
            self.audit(&caller.account, "objects.delete", versions, details)
                .await?;
            object.versions = versions;
            deleted.push(object);
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
