//! Object ownership on the write path (issue 12): who may version, revoke and delete which versions.
//!
//! The version rules and the hub-wide owner of each id live in the store's one ingest plan
//! (`store::plan`): versions are grouped by submitter organisation, the first organisation to store a
//! claimable id owns it, and another organisation's versions of it are *shadows*, served under their public id
//! to everyone outside that organisation (`release`). What the hub adds here:
//! - **Refusal where there is nothing to hide.** A version of an id another organisation owns is refused
//!   ("only the object's creator …") when the writer is released a version of that id *under that id* in the
//!   target collection; otherwise it is stored as the writer's shadow, exactly as if the id were new to it.
//!   The store decides "owned by another" again inside its transaction, so a concurrent first claim can only
//!   turn a would-be owner into a shadow, which is safe.
//! - **Deletes** touch the versions released to the caller under the id it names, and of those only its own
//!   organisation's; a hub admin's touch every organisation's (audited with the groups touched).
//!
//! Invariant (no oracle): every answer to a write is what it would be if no version the writer cannot see
//! existed. See ARCHITECTURE.md.

use std::collections::BTreeSet;

use store::plan::submitter_group;
use store::{Collection, NewObject, ObjectQuery, Projection, StatusEntry, VersionSelector};

use crate::catalog::Need;
use crate::release::SharingView;
use crate::{Caller, Hub, HubError, HubResult};

/// Versions of one organisation stored under one id, as released to a reader.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Released {
    /// The id the reader is served them under.
    served_id: String,
    /// The id they are stored under.
    stored_id: String,
    /// Their submitter group.
    group: String,
}

/// Why a version of another organisation's object is refused.
pub const CREATOR_ONLY: &str = "only the object's creator may version or revoke it (STIX 2.1 §3.6)";

/// The group (`store::plan::submitter_group`) of the caller's submissions.
pub(crate) fn caller_group(caller: &Caller) -> String {
    submitter_group(&caller.account, caller.org.as_deref())
}

/// Whether the caller may delete other organisations' versions.
fn is_hub_admin(caller: &Caller) -> bool {
    caller.is_admin || caller.role == "hub-admin"
}

impl Hub {
    /// Moves to `failures` the objects that version an id another organisation owns and that the caller is
    /// released under that id in `collection` (one owner lookup per POST; the release check only when such
    /// ids exist).
    pub(crate) async fn refuse_foreign_versions(
        &self,
        caller: &Caller,
        api_root: &str,
        collection: &Collection,
        objects: Vec<NewObject>,
        failures: &mut Vec<StatusEntry>,
    ) -> HubResult<Vec<NewObject>> {
        let mut claimable: Vec<String> = objects
            .iter()
            .filter(|o| o.public_id.is_some())
            .map(|o| o.id.clone())
            .collect();
        if claimable.is_empty() {
            return Ok(objects);
        }
        claimable.sort_unstable();
        claimable.dedup();
        let group = caller_group(caller);
        let foreign: Vec<String> = self
            .store
            .object_owners(claimable)
            .await?
            .into_iter()
            .filter(|(_, owner)| *owner != group)
            .map(|(id, _)| id)
            .collect();
        if foreign.is_empty() {
            return Ok(objects);
        }
        let readable = self
            .collection_for(caller, api_root, collection.id.as_str(), Need::Read)
            .await
            .is_ok();
        if !readable {
            return Ok(objects);
        }
        let mut view = self.sharing_view(caller, collection).await?;
        view.wanted_ids = Some(foreign.iter().cloned().collect());
        // A posted id may be the public id another organisation's versions are served under.
        let ids = self.ids_to_query(collection, &foreign).await?;
        let visible: BTreeSet<String> = self
            .released_groups(&view, collection, &ids)
            .await?
            .into_iter()
            // The writer's own versions (shadows of an id another organisation owns) reveal nothing.
            .filter(|released| released.group != group)
            .map(|released| released.served_id)
            .collect();
        let (refused, kept): (Vec<NewObject>, Vec<NewObject>) =
            objects.into_iter().partition(|o| visible.contains(&o.id));
        failures.extend(refused.into_iter().map(|object| {
            StatusEntry {
                version: object
                    .version
                    .as_ref()
                    .map(|v| v.as_str().to_owned())
                    .unwrap_or_default(),
                id: object.id,
                message: Some(CREATOR_ONLY.to_owned()),
            }
        }));
        Ok(kept)
    }

    /// Every (served id, stored id, group) with a version stored under `ids` released to the view's reader
    /// (under a wanted id when the view has some).
    pub(crate) async fn released_groups(
        &self,
        view: &SharingView,
        collection: &Collection,
        ids: &[String],
    ) -> HubResult<BTreeSet<Released>> {
        let mut query = ObjectQuery {
            collection: collection.id.clone(),
            ids: ids.to_vec(),
            types: Vec::new(),
            added_after: None,
            spec_versions: Vec::new(),
            versions: VersionSelector::All,
            after: None,
            limit: self.config.max_page_size.max(1),
            projection: Projection::Manifest,
        };
        let mut groups = BTreeSet::new();
        loop {
            let page = self.store.query_objects(query.clone()).await?;
            for stored in &page.records {
                let group =
                    submitter_group(&stored.sharing.submitter, stored.sharing.submitter_org.as_deref());
                let stored_id = stored.id.clone();
                if let Some(served) = self.release_one(view, stored.clone(), None)? {
                    groups.insert(Released {
                        served_id: served.id,
                        stored_id,
                        group,
                    });
                }
            }
            match (page.more, page.records.last()) {
                (true, Some(last)) => query.after = Some(last.position()),
                _ => break,
            }
        }
        Ok(groups)
    }

    /// The (stored id, group) pairs a delete of `object_id` by `caller` touches: those released to it under
    /// that id, only its own group's unless it is a hub admin. `NotFound` when nothing is released (as for
    /// an id that never existed); `NotPermitted` when only other organisations' versions are.
    pub(crate) async fn deletable_groups(
        &self,
        caller: &Caller,
        view: &SharingView,
        collection: &Collection,
        ids: &[String],
    ) -> HubResult<Vec<(String, String)>> {
        let released = self.released_groups(view, collection, ids).await?;
        if released.is_empty() {
            return Err(HubError::NotFound);
        }
        let own = caller_group(caller);
        let mut pairs: Vec<(String, String)> = released
            .into_iter()
            .filter(|released| is_hub_admin(caller) || released.group == own)
            .map(|released| (released.stored_id, released.group))
            .collect();
        pairs.dedup();
        if pairs.is_empty() {
            return Err(HubError::NotPermitted(
                "only the object's creator may delete it (STIX 2.1 §3.6)".to_owned(),
            ));
        }
        Ok(pairs)
    }
}
