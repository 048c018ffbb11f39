//! Administration: first-start bootstrap, collections, accounts, grants and bearer tokens.
//!
//! Each use case authorizes its `actor` itself (`Hub::authorize`, rules in `policy::admin`); the admin CLI
//! runs them as the operator of the store (`Caller::operator`, a hub admin). The `actor` is also who the audit
//! log records. Bootstrap is idempotent and safe to race between processes.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;
use store::{Access, Account, ApiRoot, Collection, CollectionId, StoreError};
use taxii::resources::CollectionResource;

use crate::audit::HUB_ACTOR;
use crate::auth::hash_password;
use crate::{AdminAction, Caller, Hub, HubError, HubResult};

/// The API root a fresh store gets.
pub const DEFAULT_API_ROOT: &str = "api1";
/// The alias of the collection a fresh store gets.
pub const DEFAULT_COLLECTION_ALIAS: &str = "default";
/// The account first start creates.
pub const ADMIN_ACCOUNT: &str = "admin";

/// What bootstrap did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bootstrap {
    /// The admin password, when bootstrap generated one (print it once).
    pub generated_admin_password: Option<String>,
    /// Bootstrap created the admin account.
    pub created_admin: bool,
}

/// A collection to create.
#[derive(Debug, Clone)]
pub struct NewCollection {
    /// Title.
    pub title: String,
    /// Optional alias.
    pub alias: Option<String>,
    /// Optional description.
    pub description: Option<String>,
    /// API root name; the default (first) API root when absent.
    pub api_root: Option<String>,
}

/// Rights on a collection, as granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rights {
    /// May read objects.
    pub can_read: bool,
    /// May add objects.
    pub can_write: bool,
}

/// An account to create.
#[derive(Debug, Clone)]
pub struct NewAccount {
    /// Name (the Basic user name).
    pub name: String,
    /// Password, hashed with argon2id before storage.
    pub password: String,
    /// Organisation (must exist).
    pub org: Option<String>,
    /// Sharing-policy role (`member` when `None`); `hub-admin` also gives every right on every collection.
    pub role: Option<String>,
}

pub(crate) fn random_secret(n_bytes: usize) -> HubResult<String> {
    let mut bytes = vec![0u8; n_bytes];
    getrandom::fill(&mut bytes).map_err(|err| HubError::Internal(format!("no randomness: {err}")))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

fn ignore_conflict(outcome: Result<(), StoreError>) -> HubResult<()> {
    ignore_conflict_created(outcome).map(|_| ())
}

/// Like `ignore_conflict`; true when this call created the thing.
fn ignore_conflict_created(outcome: Result<(), StoreError>) -> HubResult<bool> {
    match outcome {
        Ok(()) => Ok(true),
        Err(StoreError::Conflict(_)) => Ok(false),
        Err(err) => Err(err.into()),
    }
}

impl Hub {
    /// `Forbidden` unless the caller is a hub admin (`policy::admin::may_create_collection`, the rule of hub
    /// administration); for the use cases that need no directory beyond the caller.
    pub fn require_admin(&self, caller: &Caller) -> HubResult<()> {
        crate::delegation::require_hub_admin(caller)
    }

    /// Prepares a store for first use: a default API root holding a collection aliased `default` (only on a
    /// store with no API root), and the `admin` account (only when there is no account) with
    /// `admin_password`, or a generated one that is returned to be printed once.
    pub async fn bootstrap(&self, admin_password: Option<String>) -> HubResult<Bootstrap> {
        if self.store.api_roots().await?.is_empty() {
            let api_root = ApiRoot {
                name: DEFAULT_API_ROOT.to_owned(),
                title: "Default API root".to_owned(),
                description: Some("The API root every stixhub starts with".to_owned()),
                max_content_length: self.config.default_max_content_length,
            };
            ignore_conflict(self.store.create_api_root(api_root).await)?;
            if self.store.collections(DEFAULT_API_ROOT).await?.is_empty() {
                let collection = Collection {
                    id: CollectionId::new(uuid::Uuid::new_v4().to_string()),
                    api_root: DEFAULT_API_ROOT.to_owned(),
                    title: "Default collection".to_owned(),
                    description: None,
                    alias: Some(DEFAULT_COLLECTION_ALIAS.to_owned()),
                };
                let details = json!({ "collection": collection.id.as_str(), "api_root": DEFAULT_API_ROOT });
                if ignore_conflict_created(self.store.create_collection(collection).await)? {
                    self.audit(HUB_ACTOR, "collection.create", 0, details).await?;
                }
            }
        }
        let mut outcome = Bootstrap::default();
        if self.store.count_accounts().await? == 0 {
            let (password, generated) = match admin_password {
                Some(password) if !password.is_empty() => (password, false),
                _ => (random_secret(18)?, true),
            };
            let account = Account {
                name: ADMIN_ACCOUNT.to_owned(),
                password_hash: hash_password(&password)?,
                org: None,
                is_admin: true,
                role: "hub-admin".to_owned(),
                disabled: false,
                epoch: 0,
            };
            match self.store.create_account(account).await {
                Ok(()) => {
                    outcome.created_admin = true;
                    outcome.generated_admin_password = generated.then_some(password);
                    let details = json!({ "account": ADMIN_ACCOUNT, "role": "hub-admin", "org": null });
                    self.audit(HUB_ACTOR, "account.create", 0, details).await?;
                }
                Err(StoreError::Conflict(_)) => {}
                Err(err) => return Err(err.into()),
            }
        }
        Ok(outcome)
    }

    /// Creates a collection; returns its resource as an admin sees it.
    pub async fn create_collection(
        &self,
        actor: &Caller,
        new: NewCollection,
    ) -> HubResult<CollectionResource> {
        self.authorize(actor, AdminAction::HubAdministration).await?;
        let api_root = match new.api_root {
            Some(name) => self.find_api_root(&name).await?.name,
            None => {
                self.store
                    .api_roots()
                    .await?
                    .into_iter()
                    .next()
                    .ok_or(HubError::NotFound)?
                    .name
            }
        };
        if new.title.trim().is_empty() {
            return Err(HubError::BadRequest("a collection needs a title".to_owned()));
        }
        let collection = Collection {
            id: CollectionId::new(uuid::Uuid::new_v4().to_string()),
            api_root,
            title: new.title,
            description: new.description,
            alias: new.alias.filter(|alias| !alias.is_empty()),
        };
        self.store.create_collection(collection.clone()).await?;
        let details = json!({
            "collection": collection.id.as_str(),
            "api_root": collection.api_root,
            "alias": collection.alias,
            "org": actor.org,
        });
        self.audit(&actor.account, "collection.create", 0, details)
            .await?;
        let admin = Caller {
            account: ADMIN_ACCOUNT.to_owned(),
            org: None,
            is_admin: true,
            role: "hub-admin".to_owned(),
        };
        self.collection(&admin, &collection.api_root, collection.id.as_str())
            .await
    }

    /// Creates an account with an argon2id-hashed password.
    pub async fn create_account(&self, actor: &Caller, new: NewAccount) -> HubResult<()> {
        let action = match &new.org {
            Some(org) => AdminAction::CreateAccount {
                org,
                role: new.role.as_deref().unwrap_or("member"),
            },
            None => AdminAction::HubAdministration,
        };
        self.authorize(actor, action).await?;
        if new.name.is_empty() || new.name.contains(':') {
            return Err(HubError::BadRequest(
                "an account name must be non-empty and contain no ':'".to_owned(),
            ));
        }
        let role = new.role.unwrap_or_else(|| "member".to_owned());
        let is_admin = crate::parse_role(&role)? == policy::model::Role::HubAdmin;
        if let Some(org) = &new.org {
            let directory = self.store.sharing_directory().await?;
            if !directory.organisations.iter().any(|o| o.name == *org) {
                return Err(HubError::BadRequest(format!(
                    "no organisation named {org:?} (create it with `stixhub org create`)"
                )));
            }
        }
        let password = new.password;
        let password_hash = self.login.hash(move || hash_password(&password)).await??;
        let details = json!({ "account": new.name, "role": role, "org": new.org });
        let account = Account {
            name: new.name,
            password_hash,
            org: new.org,
            is_admin,
            role,
            disabled: false,
            epoch: 0,
        };
        self.store.create_account(account).await?;
        self.audit(&actor.account, "account.create", 0, details).await
    }

    /// Adds rights on a collection (by id or alias, in any API root) to an account; rights already held are
    /// kept. Returns the collection id.
    pub async fn grant(
        &self,
        actor: &Caller,
        account: &str,
        collection: &str,
        add: Rights,
    ) -> HubResult<String> {
        self.authorize(actor, AdminAction::HubAdministration).await?;
        let collection = self
            .store
            .find_collection(collection)
            .await?
            .ok_or(HubError::NotFound)?;
        let held = self.store.access(account, &collection.id).await?;
        let access = Access {
            can_read: held.can_read || add.can_read,
            can_write: held.can_write || add.can_write,
        };
        self.store.set_access(account, &collection.id, access).await?;
        let details = json!({
            "account": account,
            "collection": collection.id.as_str(),
            "read": access.can_read,
            "write": access.can_write,
            "org": actor.org,
        });
        self.audit(&actor.account, "grant", 0, details).await?;
        Ok(collection.id.to_string())
    }

    /// Creates a bearer token for an account and returns it (only its SHA-256 is stored); it never expires.
    pub async fn create_token(&self, actor: &Caller, account: &str) -> HubResult<String> {
        Ok(self.create_token_expiring(actor, account, None).await?.token)
    }
}
