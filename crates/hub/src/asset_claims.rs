//! Asset claims (issue 14, victim notification): organisations register the networks, domains, e-mail
//! domains, AS numbers and software they own; admins of their communities (or hub admins) verify them.
//!
//! Rules (`policy::admin::may_manage_assets`, `may_verify_assets`; docs/assets.md):
//! - An org admin claims, lists and removes its own organisation's assets; a claim starts unverified.
//! - A verifier (an admin of a community the organisation is a direct member of, or of an ancestor, or a hub
//!   admin) verifies claims and sees, for each, the *overlapping* claims of other organisations (the same
//!   domain, intersecting networks, …), so a county cannot quietly claim the state's range.
//! - Nobody else learns anything about a claim: an asset id the caller may not act on answers `NotFound`
//!   exactly like an unknown id, a claim's answer never says whether another organisation claims the same
//!   value, and no listing shows another organisation's assets to an ordinary account.
//! - Only verified assets notify (`victims`). Every change is audited.

use assets::{Asset, AssetKind};
use serde_json::json;
use store::AssetRecord;

use crate::delegation::AdminAction;
use crate::{Caller, Hub, HubError, HubResult};

/// The most assets one organisation may claim.
pub const MAX_ASSETS_PER_ORG: usize = 10_000;

/// A claim as shown to its organisation or a verifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetView {
    /// Its id.
    pub id: String,
    /// The claiming organisation.
    pub org: String,
    /// Its kind (`cidr`, `domain`, `email-domain`, `asn`, `software`).
    pub kind: String,
    /// Its normalised value.
    pub value: String,
    /// Who claimed it.
    pub created_by: String,
    /// When, µs since the epoch.
    pub created_micros: i64,
    /// Who verified it (unverified: `None`).
    pub verified_by: Option<String>,
    /// When it was verified.
    pub verified_micros: Option<i64>,
    /// Overlapping claims of other organisations: shown to verifiers only (empty for the owner).
    pub overlaps: Vec<AssetOverlap>,
}

/// Another organisation's claim overlapping one being verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetOverlap {
    /// Its id.
    pub id: String,
    /// Its organisation.
    pub org: String,
    /// Its value.
    pub value: String,
    /// Whether it is verified.
    pub verified: bool,
}

impl AssetView {
    fn of(record: AssetRecord) -> AssetView {
        AssetView {
            id: record.id,
            org: record.org,
            kind: record.kind,
            value: record.value,
            created_by: record.created_by,
            created_micros: record.created_micros,
            verified_by: record.verified_by,
            verified_micros: record.verified_micros,
            overlaps: Vec::new(),
        }
    }

    /// The JSON form the REST API and the CLI print.
    pub fn to_json(&self) -> serde_json::Value {
        json!({
            "id": self.id,
            "org": self.org,
            "kind": self.kind,
            "value": self.value,
            "created_by": self.created_by,
            "created": crate::event_read::taxii_timestamp(self.created_micros),
            "verified": self.verified_by.is_some(),
            "verified_by": self.verified_by,
            "verified_at": self.verified_micros.map(crate::event_read::taxii_timestamp),
            "overlaps": self.overlaps.iter().map(|o| json!({
                "id": o.id, "org": o.org, "value": o.value, "verified": o.verified,
            })).collect::<Vec<_>>(),
        })
    }
}

/// A stored record's claim (stored values were normalised at claim time).
pub(crate) fn parsed(record: &AssetRecord) -> Option<Asset> {
    AssetKind::parse(&record.kind).and_then(|kind| Asset::parse(kind, &record.value).ok())
}

impl Hub {
    /// Claims `value` of `kind` for `org` (the caller's own organisation when `None`). The answer is the
    /// unverified claim; it never says whether another organisation claims the same.
    pub async fn claim_asset(
        &self,
        caller: &Caller,
        org: Option<&str>,
        kind: &str,
        value: &str,
    ) -> HubResult<AssetView> {
        let org = match org.or(caller.org.as_deref()) {
            Some(org) => org.to_owned(),
            None => {
                return Err(HubError::BadRequest(
                    "org: your account has no organisation; name one".to_owned(),
                ));
            }
        };
        self.authorize(caller, AdminAction::ManageAssets { org: &org })
            .await?;
        let kind = AssetKind::parse(kind).ok_or_else(|| {
            HubError::BadRequest(format!(
                "kind: unknown asset kind {kind:?} (cidr, domain, email-domain, asn or software)"
            ))
        })?;
        let asset = Asset::parse(kind, value).map_err(|err| HubError::BadRequest(err.to_string()))?;
        let existing = self.store.assets(Some(org.clone())).await?;
        if existing.len() >= MAX_ASSETS_PER_ORG {
            return Err(HubError::BadRequest(format!(
                "an organisation claims at most {MAX_ASSETS_PER_ORG} assets"
            )));
        }
        let record = AssetRecord {
            id: uuid::Uuid::new_v4().to_string(),
            org: org.clone(),
            kind: kind.as_str().to_owned(),
            value: asset.value(),
            created_by: caller.account.clone(),
            created_micros: crate::now_micros(),
            verified_by: None,
            verified_micros: None,
        };
        self.store
            .create_asset(record.clone())
            .await
            .map_err(|err| match err {
                store::StoreError::Conflict(_) => {
                    HubError::Conflict(format!("{org} already claims {} {}", record.kind, record.value))
                }
                other => other.into(),
            })?;
        let details = json!({"asset": record.id, "org": org, "kind": record.kind, "value": record.value});
        self.audit(&caller.account, "asset.claim", 0, details).await?;
        Ok(AssetView::of(record))
    }

    /// The assets of `org` (the caller's own when `None`): for its admins, without overlaps; for its
    /// verifiers, with the overlapping claims of other organisations.
    pub async fn org_assets(&self, caller: &Caller, org: Option<&str>) -> HubResult<Vec<AssetView>> {
        let org = org
            .or(caller.org.as_deref())
            .ok_or_else(|| {
                HubError::BadRequest("org: your account has no organisation; name one".to_owned())
            })?
            .to_owned();
        let verifier = self
            .authorize(caller, AdminAction::VerifyAssets { org: &org })
            .await
            .is_ok();
        if !verifier {
            self.authorize(caller, AdminAction::ManageAssets { org: &org })
                .await?;
        }
        let records = self.store.assets(Some(org)).await?;
        if verifier {
            self.with_overlaps(records).await
        } else {
            Ok(records.into_iter().map(AssetView::of).collect())
        }
    }

    /// The unverified claims the caller may verify, with their overlaps (the verification queue).
    pub async fn pending_assets(&self, caller: &Caller) -> HubResult<Vec<AssetView>> {
        let mut pending = Vec::new();
        let mut decided: std::collections::HashMap<String, bool> = std::collections::HashMap::new();
        for record in self.store.assets(None).await? {
            if record.verified_by.is_some() {
                continue;
            }
            let may = match decided.get(&record.org) {
                Some(may) => *may,
                None => {
                    let may = self
                        .authorize(caller, AdminAction::VerifyAssets { org: &record.org })
                        .await
                        .is_ok();
                    decided.insert(record.org.clone(), may);
                    may
                }
            };
            if may {
                pending.push(record);
            }
        }
        self.with_overlaps(pending).await
    }

    /// Verifies a claim. An id the caller may not verify answers `NotFound`, like an unknown one.
    pub async fn verify_asset(&self, caller: &Caller, id: &str) -> HubResult<AssetView> {
        let record = self.asset_for(caller, id, true).await?;
        self.store
            .verify_asset(&record.id, &caller.account, crate::now_micros())
            .await?;
        let record = self.store.asset(&record.id).await?.ok_or(HubError::NotFound)?;
        let view = self
            .with_overlaps(vec![record])
            .await?
            .pop()
            .ok_or(HubError::NotFound)?;
        let details = json!({
            "asset": view.id, "org": view.org, "kind": view.kind, "value": view.value,
            "overlaps": view.overlaps.iter().map(|o| &o.id).collect::<Vec<_>>(),
        });
        self.audit(&caller.account, "asset.verify", 0, details).await?;
        self.victims.invalidate();
        Ok(view)
    }

    /// Removes a claim (its organisation's admins and its verifiers). Unknown and not allowed look alike.
    pub async fn remove_asset(&self, caller: &Caller, id: &str) -> HubResult<()> {
        let record = self.asset_for(caller, id, false).await?;
        self.store.delete_asset(&record.id).await?;
        let details =
            json!({"asset": record.id, "org": record.org, "kind": record.kind, "value": record.value});
        self.audit(&caller.account, "asset.remove", 0, details).await?;
        self.victims.invalidate();
        Ok(())
    }

    /// The asset `id` when the caller may verify it (`verify`) or manage or verify it; `NotFound` otherwise.
    async fn asset_for(&self, caller: &Caller, id: &str, verify: bool) -> HubResult<AssetRecord> {
        let Some(record) = self.store.asset(id).await? else {
            return Err(HubError::NotFound);
        };
        let org = record.org.as_str();
        let verifier = self
            .authorize(caller, AdminAction::VerifyAssets { org })
            .await
            .is_ok();
        let manager = !verify
            && self
                .authorize(caller, AdminAction::ManageAssets { org })
                .await
                .is_ok();
        if verifier || manager {
            Ok(record)
        } else {
            Err(HubError::NotFound)
        }
    }

    /// Each record with the claims of other organisations overlapping it.
    async fn with_overlaps(&self, records: Vec<AssetRecord>) -> HubResult<Vec<AssetView>> {
        if records.is_empty() {
            return Ok(Vec::new());
        }
        let all = self.store.assets(None).await?;
        let others: Vec<(AssetRecord, Asset)> = all
            .into_iter()
            .filter_map(|record| parsed(&record).map(|asset| (record, asset)))
            .collect();
        Ok(records
            .into_iter()
            .map(|record| {
                let mine = parsed(&record);
                let mut view = AssetView::of(record);
                if let Some(mine) = mine {
                    view.overlaps = others
                        .iter()
                        .filter(|(other, asset)| other.org != view.org && asset.overlaps(&mine))
                        .map(|(other, _)| AssetOverlap {
                            id: other.id.clone(),
                            org: other.org.clone(),
                            value: other.value.clone(),
                            verified: other.verified_by.is_some(),
                        })
                        .collect();
                }
                view
            })
            .collect())
    }
}
