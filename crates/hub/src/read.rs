//! Reading objects: the four TAXII list GETs and DELETE, with filters, cursors and the release gate.
//!
//! Invariant: every stored object handed out passes `Hub::scan_released` (in `released`), where issue 6's
//! sharing policy decides per object version (hidden versions are dropped before paging; see there). Pages are
//! bounded in versions (`limit`) and in bytes (`HubConfig::max_page_bytes`).

use std::collections::BTreeSet;

use store::{Collection, ObjectQuery, Page, Projection, StoredObject, VersionSelector};
use taxii::query::{ListParams, VersionParam};

use crate::catalog::Need;
use crate::release::SharingView;
use crate::released::Visit;
use crate::{Caller, Hub, HubError, HubResult, cursor};

/// Which list endpoint is being served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListKind {
    /// `…/objects/`: envelopes of objects.
    Objects,
    /// `…/manifest/`: one record per version.
    Manifest,
    /// `…/objects/{id}/`: the versions of one object (default `last`).
    Object(String),
    /// `…/objects/{id}/versions/`: every version of one object.
    Versions(String),
}

impl ListKind {
    /// The endpoint's name in the audit log.
    fn endpoint_name(&self) -> &'static str {
        match self {
            ListKind::Objects => "objects",
            ListKind::Manifest => "manifest",
            ListKind::Object(_) => "object",
            ListKind::Versions(_) => "versions",
        }
    }

    fn scope_name(&self) -> String {
        match self {
            ListKind::Objects => "objects".to_owned(),
            ListKind::Manifest => "manifest".to_owned(),
            ListKind::Object(id) => format!("object:{id}"),
            ListKind::Versions(id) => format!("versions:{id}"),
        }
    }
}

/// One object version as a list endpoint serves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedObject {
    /// STIX id.
    pub id: String,
    /// When added to the collection, µs since the epoch.
    pub date_added: i64,
    /// The version as written in the object; `None` for unversioned objects.
    pub version: Option<String>,
    /// Spec version.
    pub spec_version: String,
    /// The exact bytes, for `Objects` and `Object`.
    pub raw: Option<String>,
}

impl From<StoredObject> for ListedObject {
    fn from(stored: StoredObject) -> ListedObject {
        ListedObject {
            id: stored.id,
            date_added: stored.date_added,
            version: stored.version,
            spec_version: stored.spec_version,
            raw: stored.raw,
        }
    }
}

/// One page of a list endpoint.
#[derive(Debug, Clone)]
pub struct ListPage {
    /// Rows, ascending by `date_added`; `raw` is set for `Objects` and `Object`.
    pub records: Vec<ListedObject>,
    /// More rows follow.
    pub more: bool,
    /// The cursor of the next page, set whenever `more` is.
    pub next: Option<String>,
}

impl Hub {
    /// Serves one page of a list endpoint.
    #[tracing::instrument(skip_all, fields(api_root = %api_root, collection = %collection, kind = ?kind))]
    pub async fn list(
        &self,
        caller: &Caller,
        api_root: &str,
        collection: &str,
        kind: ListKind,
        params: &ListParams,
    ) -> HubResult<ListPage> {
        let collection = self
            .collection_for(caller, api_root, collection, Need::Read)
            .await?;
        let mut view = self.sharing_view(caller, &collection).await?;
        let requested_ids = match &kind {
            ListKind::Objects | ListKind::Manifest => params.ids.clone(),
            ListKind::Object(id) | ListKind::Versions(id) => vec![id.clone()],
        };
        if !requested_ids.is_empty() {
            view.wanted_ids = Some(requested_ids.iter().cloned().collect());
        }
        let query_ids = self.ids_to_query(&collection, &requested_ids).await?;
        if let ListKind::Object(_) | ListKind::Versions(_) = &kind
            && !self.any_version_released(&view, &collection, &query_ids).await?
        {
            // Hidden and absent are the same to the caller.
            return Err(HubError::NotFound);
        }
        let scope = format!("{api_root}|{}|{}", collection.id, kind.scope_name());
        let filters = canonical_filters(&kind, params);
        let after = match &params.next {
            Some(next) => Some(cursor::decode(&self.cursor_key, &scope, &filters, next)?),
            None => None,
        };
        let limit = params
            .limit
            .map_or(self.config.default_page_size, |l| l as usize)
            .min(self.config.max_page_size);
        let (types, versions, projection) = match &kind {
            ListKind::Objects => (params.types.clone(), selector(&params.versions), Projection::Full),
            ListKind::Manifest => (
                params.types.clone(),
                selector(&params.versions),
                Projection::Manifest,
            ),
            ListKind::Object(_) => (Vec::new(), selector(&params.versions), Projection::Full),
            ListKind::Versions(_) => (Vec::new(), VersionSelector::All, Projection::Manifest),
        };
        let query = ObjectQuery {
            collection: collection.id.clone(),
            ids: query_ids,
            types,
            added_after: params.added_after,
            spec_versions: params.spec_versions.clone(),
            versions,
            after,
            limit: limit.max(1),
            projection,
        };
        let page = self.release_to_caller(&view, query).await?;
        let next = match (page.more, page.records.last()) {
            (true, Some(last)) => Some(cursor::encode(
                &self.cursor_key,
                &scope,
                &filters,
                last.position(),
            )),
            _ => None,
        };
        let more = page.more && next.is_some();
        let mut details = crate::audit::collection_details(caller, api_root, collection.id.as_str());
        details["endpoint"] = kind.endpoint_name().into();
        if let ListKind::Object(object_id) | ListKind::Versions(object_id) = &kind {
            details["object_id"] = object_id.as_str().into();
        }
        self.audit_read(caller, page.records.len() as u64, details)
            .await?;
        Ok(ListPage {
            records: page.records.into_iter().map(ListedObject::from).collect(),
            more,
            next,
        })
    }

    /// Deletes the versions of an object selected by `match[version]` (default: all) and
    /// `match[spec_version]`, per organisation. Needs read and write rights; touches only versions released
    /// to the caller under `object_id`, and of those only its own organisation's unless it is a hub admin
    /// (`ownership`): what a caller cannot see, it cannot delete, nor learn exists.
    pub async fn delete_object(
        &self,
        caller: &Caller,
        api_root: &str,
        collection: &str,
        object_id: &str,
        params: &ListParams,
    ) -> HubResult<()> {
        let collection = self
            .collection_for(caller, api_root, collection, Need::ReadAndWrite)
            .await?;
        let mut view = self.sharing_view(caller, &collection).await?;
        view.wanted_ids = Some(BTreeSet::from([object_id.to_owned()]));
        let ids = self.ids_to_query(&collection, &[object_id.to_owned()]).await?;
        let targets = self.deletable_groups(caller, &view, &collection, &ids).await?;
        let versions = match &params.versions {
            VersionParam::Default => VersionSelector::All,
            other => selector(other),
        };
        let mut deleted = 0;
        let mut groups = Vec::with_capacity(targets.len());
        for (stored_id, group) in targets {
            deleted += self
                .store
                .delete_object(
                    &collection.id,
                    &stored_id,
                    Some(group.clone()),
                    versions.clone(),
                    params.spec_versions.clone(),
                )
                .await?;
            groups.push(group);
        }
        if deleted == 0 {
            return Err(HubError::NotFound);
        }
        self.events_committed();
        let mut details = crate::audit::collection_details(caller, api_root, collection.id.as_str());
        details["object_id"] = object_id.into();
        details["groups"] = groups.into();
        self.audit(&caller.account, "objects.delete", deleted, details)
            .await
    }

    /// One page of released versions (`Hub::scan_released`, the one reader of released rows): at most `limit`
    /// versions and at most `HubConfig::max_page_bytes` bytes of objects (but always at least one version).
    ///
    /// The page is made of released versions only, so `more` (true only when a released version follows),
    /// `next` (the position of the page's last version) and the Date-Added headers say nothing about hidden
    /// ones. Resuming after that position re-examines the hidden versions that followed it, so nothing is
    /// repeated or skipped.
    async fn release_to_caller(&self, view: &SharingView, query: ObjectQuery) -> HubResult<Page> {
        let limit = query.limit.max(1);
        let byte_budget = self.config.max_page_bytes;
        let mut released = Vec::with_capacity(limit.min(1024));
        let mut bytes = 0usize;
        let more = self
            .scan_released(view, query, limit + 1, |stored| {
                let size = stored.raw.as_ref().map_or(0, String::len);
                if released.len() == limit || (!released.is_empty() && bytes + size > byte_budget) {
                    // A released version follows the page: `more` is exact.
                    return Ok(Visit::Stop);
                }
                bytes += size;
                released.push(stored);
                Ok(Visit::Continue)
            })
            .await?;
        Ok(Page {
            records: released,
            more,
        })
    }

    /// True when the caller is released at least one version stored under one of `ids`.
    async fn any_version_released(
        &self,
        view: &SharingView,
        collection: &Collection,
        ids: &[String],
    ) -> HubResult<bool> {
        let mut exists = false;
        for id in ids {
            exists = exists || self.store.object_exists(&collection.id, id).await?;
        }
        if !exists {
            return Ok(false);
        }
        let query = ObjectQuery {
            collection: collection.id.clone(),
            ids: ids.to_vec(),
            types: Vec::new(),
            added_after: None,
            spec_versions: Vec::new(),
            versions: VersionSelector::All,
            after: None,
            limit: 1,
            projection: Projection::Manifest,
        };
        Ok(!self.release_to_caller(view, query).await?.records.is_empty())
    }
}

fn selector(param: &VersionParam) -> VersionSelector {
    match param {
        VersionParam::Default => VersionSelector::last(),
        VersionParam::All => VersionSelector::All,
        VersionParam::Pick { first, last, exact } => VersionSelector::Pick {
            first: *first,
            last: *last,
            exact: exact.clone(),
        },
    }
}

/// The filters that define the result set of `kind`: the parameters that endpoint honours, canonically.
fn canonical_filters(kind: &ListKind, params: &ListParams) -> String {
    let mut relevant = params.clone();
    match kind {
        ListKind::Objects | ListKind::Manifest => {}
        ListKind::Object(_) => {
            relevant.ids.clear();
            relevant.types.clear();
        }
        ListKind::Versions(_) => {
            relevant.ids.clear();
            relevant.types.clear();
            relevant.versions = VersionParam::Default;
        }
    }
    relevant.canonical_filters()
}
