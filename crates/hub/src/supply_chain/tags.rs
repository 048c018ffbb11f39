//! Sector and National Critical Function tags of organisations, assets and products, and the catalogue they
//! name (the built-in one plus the list an operator loads).
//!
//! Who: an organisation's admins (and hub admins) tag it, its assets and its products
//! (`AdminAction::ManageAssets`, the same right that claims assets); its accounts and hub admins read them.
//! Only hub admins load a function list. Every change is audited.

use std::collections::BTreeMap;

use risk::{Catalogue, Tags};
use serde_json::{Value, json};
use store::{Expect, RecordWrite};

use super::{NS_TAGS, key_part, put, read, scan};
use crate::delegation::AdminAction;
use crate::{Caller, Hub, HubError, HubResult};

const CATALOGUE_KEY: &str = "catalogue/functions";

/// What is tagged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagTarget {
    /// The organisation itself.
    Organisation,
    /// One of its verified or unverified asset claims (by id).
    Asset(String),
    /// One of its products (by name, as SBOMs are imported with `--product`).
    Product(String),
}

/// An organisation's tags.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TagsView {
    /// The organisation.
    pub org: String,
    /// Its own tags.
    pub tags: Tags,
    /// Its assets' tags, by asset id.
    pub assets: BTreeMap<String, Tags>,
    /// Its products' tags, by product name.
    pub products: BTreeMap<String, Tags>,
}

impl TagsView {
    /// The JSON form of the REST API and CLI.
    pub fn to_json(&self) -> Value {
        json!({"org": self.org, "sectors": self.tags.sectors, "functions": self.tags.functions,
            "assets": self.assets, "products": self.products})
    }
}

/// Every stored tag, by organisation.
#[derive(Debug, Clone, Default)]
pub(crate) struct AllTags {
    pub(crate) orgs: BTreeMap<String, TagsView>,
}

impl AllTags {
    /// The tags of `org` (empty when untagged).
    pub(crate) fn of(&self, org: &str) -> TagsView {
        self.orgs.get(org).cloned().unwrap_or_else(|| TagsView {
            org: org.to_owned(),
            ..TagsView::default()
        })
    }
}

fn target_key(org: &str, target: &TagTarget) -> String {
    match target {
        TagTarget::Organisation => format!("org/{}", key_part(org)),
        TagTarget::Asset(id) => format!("asset/{}/{}", key_part(org), key_part(id)),
        TagTarget::Product(name) => format!("product/{}/{}", key_part(org), key_part(name)),
    }
}

/// Un-escapes a key component.
fn unkey(part: &str) -> String {
    part.replace("%2F", "/").replace("%25", "%")
}

impl Hub {
    /// The catalogue tags may name: the built-in one plus the operator's list.
    pub async fn risk_catalogue(&self) -> HubResult<Catalogue> {
        let builtin = Catalogue::builtin();
        match read::<Value>(self, NS_TAGS, CATALOGUE_KEY).await? {
            None => Ok(builtin),
            Some((list, _)) => builtin
                .load_operator_list(&list)
                .map_err(|err| HubError::Internal(format!("stored function list: {err}"))),
        }
    }

    /// Loads an operator's list of National Critical Functions (hub admins only); returns the catalogue.
    pub async fn load_functions(&self, caller: &Caller, list: &Value) -> HubResult<Catalogue> {
        self.authorize(caller, AdminAction::HubAdministration).await?;
        let catalogue = Catalogue::builtin()
            .load_operator_list(list)
            .map_err(|err| HubError::BadRequest(err.to_string()))?;
        self.store
            .write_records(
                vec![put(NS_TAGS, CATALOGUE_KEY, list, Expect::Any)?],
                crate::now_micros(),
            )
            .await?;
        let n = catalogue.functions.len();
        self.audit(&caller.account, "risk.functions.load", 0, json!({"functions": n}))
            .await?;
        Ok(catalogue)
    }

    /// Sets the tags of `org`'s `target` (replacing the previous ones; empty lists remove them).
    pub async fn set_tags(
        &self,
        caller: &Caller,
        org: Option<&str>,
        target: TagTarget,
        sectors: &[String],
        functions: &[String],
    ) -> HubResult<TagsView> {
        let org = match org.or(caller.org.as_deref()) {
            Some(org) => org.to_owned(),
            None => {
                return Err(HubError::BadRequest(
                    "org: your account has no organisation; name one".into(),
                ));
            }
        };
        self.authorize(caller, AdminAction::ManageAssets { org: &org })
            .await?;
        if !self.org_exists(&org).await? {
            return Err(HubError::NotFound);
        }
        match &target {
            TagTarget::Organisation => {}
            TagTarget::Asset(id) => {
                let owned = self.store.assets(Some(org.clone())).await?;
                if !owned.iter().any(|a| &a.id == id) {
                    return Err(HubError::NotFound);
                }
            }
            TagTarget::Product(name) => risk::plan::check_text("product", name, 200)
                .map_err(|err| HubError::BadRequest(err.to_string()))?,
        }
        let catalogue = self.risk_catalogue().await?;
        let tags = Tags::checked(&catalogue, sectors, functions)
            .map_err(|err| HubError::BadRequest(err.to_string()))?;
        let key = target_key(&org, &target);
        let write = if tags.is_empty() {
            RecordWrite::delete(NS_TAGS, key.clone())
        } else {
            put(NS_TAGS, &key, &tags, Expect::Any)?
        };
        self.store.write_records(vec![write], crate::now_micros()).await?;
        let details =
            json!({"org": org, "target": key, "sectors": tags.sectors, "functions": tags.functions});
        self.audit(&caller.account, "risk.tags.set", 0, details).await?;
        Ok(self.all_tags().await?.of(&org))
    }

    /// The tags of `org` (the caller's own when `None`): for its accounts and hub admins.
    pub async fn org_tags(&self, caller: &Caller, org: Option<&str>) -> HubResult<TagsView> {
        let org = self.org_scope(caller, org)?;
        Ok(self.all_tags().await?.of(&org))
    }

    /// Every stored tag.
    pub(crate) async fn all_tags(&self) -> HubResult<AllTags> {
        let mut all = AllTags::default();
        for (key, tags) in scan::<Value>(self, NS_TAGS, "").await? {
            if key.starts_with("catalogue/") {
                continue;
            }
            let parts: Vec<&str> = key.split('/').collect();
            let Ok(tags) = serde_json::from_value::<Tags>(tags) else {
                continue;
            };
            let (kind, org) = match parts.as_slice() {
                [kind, org] | [kind, org, _] => (*kind, unkey(org)),
                _ => continue,
            };
            let view = all.orgs.entry(org.clone()).or_insert_with(|| TagsView {
                org,
                ..TagsView::default()
            });
            match (kind, parts.get(2)) {
                ("org", None) => view.tags = tags,
                ("asset", Some(id)) => {
                    view.assets.insert(unkey(id), tags);
                }
                ("product", Some(name)) => {
                    view.products.insert(unkey(name), tags);
                }
                _ => {}
            }
        }
        Ok(all)
    }
}
