//! Discovery, API roots and collections as a caller sees them, and the access checks every collection
//! endpoint shares.
//!
//! Invariant: a collection the caller has no right on is reported exactly like a missing one (`NotFound`),
//! and is left out of the collections list.

use store::{Access, ApiRoot, Collection};
use taxii::media::{STIX_MEDIA_TYPE, TAXII_MEDIA_TYPE};
use taxii::resources::{ApiRootResource, CollectionResource, CollectionsResource, Discovery};

use crate::{Caller, Hub, HubError, HubResult};

/// What an endpoint needs from the caller on a collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Need {
    /// GET of objects, manifest, object, versions.
    Read,
    /// POST of objects.
    Write,
    /// DELETE of an object: both rights.
    ReadAndWrite,
}

impl Hub {
    /// The discovery resource. API roots are relative URLs (`/name/`), the first one is the default.
    pub async fn discovery(&self, _caller: &Caller) -> HubResult<Discovery> {
        let roots = self.store.api_roots().await?;
        let urls: Vec<String> = roots.iter().map(|root| format!("/{}/", root.name)).collect();
        Ok(Discovery {
            title: self.config.title.clone(),
            description: Some("STIX 2.1 / TAXII 2.1 threat-intelligence hub".to_owned()),
            contact: None,
            default: urls.first().cloned(),
            api_roots: urls,
        })
    }

    /// An API root's resource.
    pub async fn api_root(&self, _caller: &Caller, name: &str) -> HubResult<ApiRootResource> {
        let root = self.find_api_root(name).await?;
        Ok(ApiRootResource {
            title: root.title,
            description: root.description,
            versions: vec![TAXII_MEDIA_TYPE.to_owned()],
            max_content_length: root.max_content_length,
        })
    }

    /// The largest body a POST to this API root may have.
    pub async fn max_content_length(&self, api_root: &str) -> HubResult<u64> {
        Ok(self.find_api_root(api_root).await?.max_content_length)
    }

    /// The collections of an API root the caller has any right on, in creation order.
    pub async fn collections(&self, caller: &Caller, api_root: &str) -> HubResult<CollectionsResource> {
        self.find_api_root(api_root).await?;
        let mut visible = Vec::new();
        for collection in self.store.collections(api_root).await? {
            let access = self.access(caller, &collection).await?;
            if access.can_read || access.can_write {
                visible.push(collection_resource(&collection, access));
            }
        }
        Ok(CollectionsResource { collections: visible })
    }

    /// One collection, if the caller has any right on it.
    pub async fn collection(
        &self,
        caller: &Caller,
        api_root: &str,
        id_or_alias: &str,
    ) -> HubResult<CollectionResource> {
        let (collection, access) = self.visible_collection(caller, api_root, id_or_alias).await?;
        Ok(collection_resource(&collection, access))
    }

    pub(crate) async fn find_api_root(&self, name: &str) -> HubResult<ApiRoot> {
        let roots = self.store.api_roots().await?;
        roots
            .into_iter()
            .find(|root| root.name == name)
            .ok_or(HubError::NotFound)
    }

    /// The caller's rights on a collection (an admin has all).
    pub(crate) async fn access(&self, caller: &Caller, collection: &Collection) -> HubResult<Access> {
        if caller.is_admin {
            return Ok(Access {
                can_read: true,
                can_write: true,
            });
        }
        Ok(self.store.access(&caller.account, &collection.id).await?)
    }

    async fn visible_collection(
        &self,
        caller: &Caller,
        api_root: &str,
        id_or_alias: &str,
    ) -> HubResult<(Collection, Access)> {
        let Some(collection) = self.store.collection(api_root, id_or_alias).await? else {
            // Counted, and looked up, exactly like a collection without rights (issue 12): neither the denial
            // count nor the per-operation store counts on the unauthenticated `/metrics` may tell an absent
            // collection from a hidden one.
            if !caller.is_admin {
                let absent = store::CollectionId::new(id_or_alias);
                self.store.access(&caller.account, &absent).await?;
            }
            self.policy_denials
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            return Err(HubError::NotFound);
        };
        let access = self.access(caller, &collection).await?;
        if !access.can_read && !access.can_write {
            self.policy_denials
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            return Err(HubError::NotFound);
        }
        Ok((collection, access))
    }

    /// Resolves a collection for an endpoint needing `need`: `NotFound` without any right (as if absent),
    /// `Forbidden` when the caller has some right but not the one needed (standards §1.5).
    pub(crate) async fn collection_for(
        &self,
        caller: &Caller,
        api_root: &str,
        id_or_alias: &str,
        need: Need,
    ) -> HubResult<Collection> {
        let (collection, access) = self.visible_collection(caller, api_root, id_or_alias).await?;
        let allowed = match need {
            Need::Read => access.can_read,
            Need::Write => access.can_write,
            Need::ReadAndWrite => access.can_read && access.can_write,
        };
        if !allowed {
            return Err(HubError::Forbidden);
        }
        Ok(collection)
    }
}

fn collection_resource(collection: &Collection, access: Access) -> CollectionResource {
    CollectionResource {
        id: collection.id.to_string(),
        title: collection.title.clone(),
        description: collection.description.clone(),
        alias: collection.alias.clone(),
        can_read: access.can_read,
        can_write: access.can_write,
        media_types: vec![STIX_MEDIA_TYPE.to_owned()],
    }
}
