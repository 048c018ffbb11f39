//! Reading objects: the four TAXII list GETs and DELETE, with filters, cursors and the release gate.
//!
//! Invariant: every stored object handed out passes `Hub::release_to_caller`, the seam where issue 6's
//! sharing policy filters per object. Today it releases everything the collection grant allows.

use store::{Collection, ObjectQuery, Page, Projection, StoredObject, VersionSelector};
use taxii::query::{ListParams, VersionParam};

use crate::catalog::Need;
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
        if let ListKind::Object(object_id) | ListKind::Versions(object_id) = &kind
            && !self.store.object_exists(&collection.id, object_id).await?
        {
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
        let (ids, types, versions, projection) = match &kind {
            ListKind::Objects => (
                params.ids.clone(),
                params.types.clone(),
                selector(&params.versions),
                Projection::Full,
            ),
            ListKind::Manifest => (
                params.ids.clone(),
                params.types.clone(),
                selector(&params.versions),
                Projection::Manifest,
            ),
            ListKind::Object(id) => (
                vec![id.clone()],
                Vec::new(),
                selector(&params.versions),
                Projection::Full,
            ),
            ListKind::Versions(id) => (
                vec![id.clone()],
                Vec::new(),
                VersionSelector::All,
                Projection::Manifest,
            ),
        };
        let query = ObjectQuery {
            collection: collection.id.clone(),
            ids,
            types,
            added_after: params.added_after,
            spec_versions: params.spec_versions.clone(),
            versions,
            after,
            limit: limit.max(1),
            projection,
        };
        let page = self.store.query_objects(query).await?;
        let page = self.release_to_caller(caller, &collection, page);
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
        Ok(ListPage {
            records: page.records.into_iter().map(ListedObject::from).collect(),
            more,
            next,
        })
    }

    /// Deletes the versions of an object selected by `match[version]` (default: all) and
    /// `match[spec_version]`. Needs read and write rights.
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
        let versions = match &params.versions {
            VersionParam::Default => VersionSelector::All,
            other => selector(other),
        };
        let deleted = self
            .store
            .delete_object(&collection.id, object_id, versions, params.spec_versions.clone())
            .await?;
        if deleted == 0 {
            return Err(HubError::NotFound);
        }
        Ok(())
    }

    /// The release gate: the one place every stored object passes before a caller sees it. The sharing
    /// policy of issue 6 (markings, communities, consent, redaction) filters or rewrites here, per object.
    /// Today a collection read grant releases every object in it.
    fn release_to_caller(&self, _caller: &Caller, _collection: &Collection, page: Page) -> Page {
        page
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
