//! Taking access back (issue 12): accounts (list, disable, enable, delete, password), tokens (create with an
//! expiry, list, revoke), collection rights and community roles removed, web sessions ended.
//!
//! Every use case authorizes itself (`Hub::authorize`, rules in `policy::admin`) and is audited. A change is
//! effective at once on this node (its cached credentials for the account are dropped) and within
//! `auth::ACCOUNT_STALENESS` on every other node (they re-read the account's epoch).

use std::time::Duration;

use serde_json::json;
use store::{Access, Account, AccountChange, TokenRecord};

use crate::admin::{Rights, random_secret};
use crate::auth::{hash_password, password_matches, token_digest};
use crate::{AdminAction, Caller, Hub, HubError, HubResult, now_micros};

/// The shortest password accepted by a password change.
const MIN_PASSWORD_CHARS: usize = 8;

/// A bearer token as listed: never the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    /// The token's id (what `token revoke` takes besides the token itself).
    pub id: String,
    /// The owning account.
    pub account: String,
    /// When it was created, microseconds since the epoch.
    pub created_micros: i64,
    /// When it stops working, if ever.
    pub expires_micros: Option<i64>,
    /// Whether it has stopped working already.
    pub expired: bool,
}

/// A freshly created token: the secret, shown once, and its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewToken {
    /// The bearer token (only its SHA-256 is stored).
    pub token: String,
    /// Its id.
    pub id: String,
    /// When it stops working, if ever.
    pub expires_micros: Option<i64>,
}

fn info(record: TokenRecord, now: i64) -> TokenInfo {
    TokenInfo {
        expired: record.expires_micros.is_some_and(|at| at <= now),
        id: record.id,
        account: record.account,
        created_micros: record.created_micros,
        expires_micros: record.expires_micros,
    }
}

fn check_password(password: &str) -> HubResult<()> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(HubError::BadRequest(format!(
            "a password must have at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    Ok(())
}

impl Hub {
    /// Creates a bearer token for `account`, valid for `expires_in` (forever when `None`).
    pub async fn create_token_expiring(
        &self,
        actor: &Caller,
        account: &str,
        expires_in: Option<Duration>,
    ) -> HubResult<NewToken> {
        self.authorize(actor, AdminAction::HubAdministration).await?;
        if expires_in.is_some_and(|d| d.is_zero()) {
            return Err(HubError::BadRequest(
                "a token must live longer than 0 s".to_owned(),
            ));
        }
        let token = format!("shx_{}", random_secret(32)?);
        let id = format!("tok_{}", random_secret(9)?);
        let created_micros = now_micros();
        let expires_micros = expires_in
            .map(|d| created_micros.saturating_add(i64::try_from(d.as_micros()).unwrap_or(i64::MAX)));
        let record = TokenRecord {
            sha256: token_digest(&token),
            account: account.to_owned(),
            created_micros,
            id: id.clone(),
            expires_micros,
        };
        self.store.create_token(record).await?;
        let details = json!({ "account": account, "token": id, "expires": expires_micros, "org": actor.org });
        self.audit(&actor.account, "token.create", 0, details).await?;
        Ok(NewToken {
            token,
            id,
            expires_micros,
        })
    }

    /// The tokens of `account` (ids, never secrets), oldest first.
    pub async fn list_tokens(&self, actor: &Caller, account: &str) -> HubResult<Vec<TokenInfo>> {
        self.authorize(actor, AdminAction::ManageAccount { account })
            .await?;
        let now = now_micros();
        let tokens = self.store.tokens(account).await?;
        Ok(tokens.into_iter().map(|record| info(record, now)).collect())
    }

    /// Revokes a token given as the token itself or its id; returns the owning account. An unknown token, or
    /// one of an account the actor may not manage, is `NotFound` alike.
    pub async fn revoke_token(&self, actor: &Caller, token_or_id: &str) -> HubResult<String> {
        let sha256 = token_digest(token_or_id);
        let id = token_or_id.trim();
        let found = self.store.find_token(id, &sha256).await?;
        let Some(owner) = found.map(|token| token.account) else {
            return Err(HubError::NotFound);
        };
        match self
            .authorize(actor, AdminAction::ManageAccount { account: &owner })
            .await
        {
            Ok(()) => {}
            Err(HubError::NotPermitted(_) | HubError::Forbidden) if !actor.is_admin => {
                return Err(HubError::NotFound);
            }
            Err(err) => return Err(err),
        }
        let revoked = self
            .store
            .revoke_token(id, &sha256)
            .await?
            .ok_or(HubError::NotFound)?;
        self.credentials.forget_account(&revoked);
        let details = json!({ "account": revoked, "org": actor.org });
        self.audit(&actor.account, "token.revoke", 0, details).await?;
        Ok(revoked)
    }

    /// Every account (for administrators): name, organisation, role, disabled.
    pub async fn list_accounts(&self, actor: &Caller) -> HubResult<Vec<Account>> {
        self.authorize(actor, AdminAction::HubAdministration).await?;
        let mut accounts = self.store.accounts().await?;
        for account in &mut accounts {
            account.password_hash.clear();
        }
        Ok(accounts)
    }

    /// Disables (`true`) or enables an account: a disabled account is refused everywhere, its sessions end.
    pub async fn set_account_disabled(&self, actor: &Caller, account: &str, disabled: bool) -> HubResult<()> {
        let (change, action) = if disabled {
            (AccountChange::Disable, "account.disable")
        } else {
            (AccountChange::Enable, "account.enable")
        };
        self.change_account(actor, account, change, action).await
    }

    /// Deletes an account: its tokens, grants, marking grants and community roles go; the name stays taken.
    pub async fn delete_account(&self, actor: &Caller, account: &str) -> HubResult<()> {
        self.change_account(actor, account, AccountChange::Delete, "account.delete")
            .await?;
        self.sharing_changed();
        Ok(())
    }

    /// Sets another account's password (an administrator's reset); its sessions end.
    pub async fn set_password(&self, actor: &Caller, account: &str, password: &str) -> HubResult<()> {
        check_password(password)?;
        let password = password.to_owned();
        let hash = self.login.hash(move || hash_password(&password)).await??;
        self.change_account(actor, account, AccountChange::Password(hash), "account.password")
            .await
    }

    /// Changes the caller's own password, given the current one; every session of the account ends (the
    /// transport signs the caller in again).
    pub async fn change_own_password(&self, caller: &Caller, current: &str, new: &str) -> HubResult<()> {
        check_password(new)?;
        let account = self
            .store
            .account(&caller.account)
            .await?
            .ok_or(HubError::Unauthenticated)?;
        self.login.check(Some(&caller.account), None)?;
        let (current, phc) = (current.to_owned(), account.password_hash.clone());
        if !self.login.hash(move || password_matches(&current, &phc)).await? {
            self.login.failed(Some(&caller.account), None);
            return Err(HubError::BadRequest(
                "the current password is not right".to_owned(),
            ));
        }
        let new = new.to_owned();
        let hash = self.login.hash(move || hash_password(&new)).await??;
        self.store
            .change_account(&caller.account, AccountChange::Password(hash))
            .await?;
        self.credentials.forget_account(&caller.account);
        let details = json!({ "account": caller.account, "org": caller.org });
        self.audit(&caller.account, "account.password", 0, details).await
    }

    /// Ends every web session of the caller's account (signing out), on every node.
    pub async fn end_sessions(&self, caller: &Caller) -> HubResult<()> {
        self.store
            .change_account(&caller.account, AccountChange::EndSessions)
            .await?;
        self.credentials.forget_account(&caller.account);
        Ok(())
    }

    async fn change_account(
        &self,
        actor: &Caller,
        account: &str,
        change: AccountChange,
        action: &str,
    ) -> HubResult<()> {
        self.authorize(actor, AdminAction::ManageAccount { account })
            .await?;
        self.store.change_account(account, change).await?;
        self.credentials.forget_account(account);
        let details = json!({ "account": account, "org": actor.org });
        self.audit(&actor.account, action, 0, details).await
    }

    /// Takes rights on a collection (id or alias) away from an account; rights not named are kept. Returns
    /// the collection id.
    pub async fn revoke_grant(
        &self,
        actor: &Caller,
        account: &str,
        collection: &str,
        remove: Rights,
    ) -> HubResult<String> {
        self.authorize(actor, AdminAction::HubAdministration).await?;
        let collection = self
            .store
            .find_collection(collection)
            .await?
            .ok_or(HubError::NotFound)?;
        let held = self.store.access(account, &collection.id).await?;
        let access = Access {
            can_read: held.can_read && !remove.can_read,
            can_write: held.can_write && !remove.can_write,
        };
        self.store.set_access(account, &collection.id, access).await?;
        let details = json!({
            "account": account,
            "collection": collection.id.as_str(),
            "read": access.can_read,
            "write": access.can_write,
            "org": actor.org,
        });
        self.audit(&actor.account, "grant.revoke", 0, details).await?;
        Ok(collection.id.to_string())
    }

    /// Removes an organisation from a community's direct members.
    pub async fn remove_community_member(&self, actor: &Caller, community: &str, org: &str) -> HubResult<()> {
        self.authorize(actor, AdminAction::ManageMember { community, org })
            .await?;
        self.store.remove_community_member(community, org).await?;
        self.sharing_changed();
        let details = json!({ "community": community, "organisation": org });
        self.audit(&actor.account, "community.remove-member", 0, details)
            .await
    }

    /// Stops an account administering a community.
    pub async fn remove_community_admin(
        &self,
        actor: &Caller,
        community: &str,
        account: &str,
    ) -> HubResult<()> {
        self.authorize(actor, AdminAction::RemoveCommunityAdmin { community })
            .await?;
        self.store.remove_community_admin(community, account).await?;
        self.sharing_changed();
        let details = json!({ "community": community, "account": account });
        self.audit(&actor.account, "community.remove-admin", 0, details)
            .await
    }
}
