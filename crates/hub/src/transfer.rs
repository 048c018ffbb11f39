//! Collection export and import for operators (issue 8): `stixhub collection export|import`.
//!
//! Both act as the operator (`Caller::operator`, every right) and go through the same paths as TAXII: export
//! reads pages through `Hub::list` (so the release gate is passed, as the hub-wide admin), import posts
//! envelopes through `Hub::add_objects` (validation, quotas, status). Neither is reachable over HTTP.

use taxii::query::{ListParams, VersionParam};
use taxii::resources::StatusResource;

use crate::read::{ListKind, ListPage};
use crate::{Caller, Hub, HubError, HubResult};

/// How many object versions one export page holds.
pub(crate) const EXPORT_PAGE_SIZE: u32 = 1000;

impl Hub {
    /// One page of every version of every object in `collection` (an id or alias in any API root), oldest
    /// `date_added` first; pass the page's `next` to get the following one.
    pub async fn export_page(&self, collection: &str, next: Option<String>) -> HubResult<ListPage> {
        let found = self
            .store
            .find_collection(collection)
            .await?
            .ok_or(HubError::NotFound)?;
        let params = ListParams {
            added_after: None,
            limit: Some(EXPORT_PAGE_SIZE),
            next,
            ids: Vec::new(),
            types: Vec::new(),
            versions: VersionParam::All,
            spec_versions: Vec::new(),
        };
        self.list(
            &Caller::operator(),
            &found.api_root,
            found.id.as_str(),
            ListKind::Objects,
            &params,
        )
        .await
    }

    /// Adds the objects of one TAXII envelope body (`{"objects":[…]}`) to `collection` as the operator.
    pub async fn import_envelope(&self, collection: &str, body: Vec<u8>) -> HubResult<StatusResource> {
        let found = self
            .store
            .find_collection(collection)
            .await?
            .ok_or(HubError::NotFound)?;
        self.add_objects(&Caller::operator(), &found.api_root, found.id.as_str(), body)
            .await
    }
}
