//! Supply-chain risk and the National Critical Function risk register (issue 18, the hub half): tags on
//! organisations, assets and products (`tags`), vulnerability knowledge and SBOM intake with their findings
//! (`knowledge`, `sboms`), SSVC per finding with its sources (`decide`, from the threat intelligence a reader
//! is served, `intel`), the ranked register with its trend (`register`), joint action plans (`plans`) and a
//! supplier's risk as STIX (`supplier`). Parsing, matching and the SSVC table are the `supply` crate's; the
//! register's rules (roll-up, visibility, plans) are the `risk` crate's.
//!
//! Invariants:
//! - An organisation's SBOMs and findings are read and written by accounts of that organisation and by hub
//!   admins only (`org_scope`); anybody else is answered `NotFound`, exactly like an unknown organisation or
//!   SBOM id.
//! - Everything is kept in hub-owned records (`store::records`) under this feature's namespaces; every write
//!   is audited.
//! - Threat intelligence (vulnerability objects, sightings, indicators) is read through the release gate
//!   (`Hub::scan_released`) for the caller, so a decision never rests on an object the caller may not read.

mod decide;
mod glue;
mod intel;
mod knowledge;
mod plans;
mod register;
mod sboms;
mod supplier;
mod tags;

use serde::Serialize;
use serde::de::DeserializeOwned;
use store::{Expect, Record, RecordScan, RecordWrite};

use crate::delegation::require_hub_admin;
use crate::{Caller, Hub, HubError, HubResult};

pub use self::decide::{DecisionView, FindingView};
pub(crate) use self::knowledge::KnowledgeCache;
pub use self::knowledge::{KnowledgeImport, KnowledgeSummary, MAX_KNOWLEDGE_BYTES};
pub use self::plans::{NewAction, NewPlan, PlanView};
pub use self::register::{Register, RegisterEntry};
pub use self::sboms::{MAX_SBOM_BYTES, SbomSummary, SbomUpload};
pub use self::tags::{TagTarget, TagsView};

/// Namespace of tags and the operator's function list.
const NS_TAGS: &str = "risk-tags";
/// Namespace of imported vulnerability knowledge (advisory documents).
const NS_KNOWLEDGE: &str = "supply-knowledge";
/// Namespace of SBOMs.
const NS_SBOM: &str = "supply-sbom";
/// Namespace of evaluations (findings per SBOM).
const NS_FINDINGS: &str = "supply-findings";
/// Namespace of register snapshots.
const NS_SNAPSHOTS: &str = "risk-snapshots";
/// Namespace of joint action plans.
const NS_PLANS: &str = "risk-plans";

/// Records read per round trip of a scan.
const PAGE: usize = 500;

/// A key component: `/` and `%` escaped, so a name never spans two components of a key.
pub(crate) fn key_part(text: &str) -> String {
    text.replace('%', "%25").replace('/', "%2F")
}

/// Reads one record as `T` (`None`: absent).
async fn read<T: DeserializeOwned>(hub: &Hub, ns: &str, key: &str) -> HubResult<Option<(T, i64)>> {
    match hub.store.record(ns, key).await? {
        None => Ok(None),
        Some(record) => Ok(Some((decode(&record)?, record.version))),
    }
}

fn decode<T: DeserializeOwned>(record: &Record) -> HubResult<T> {
    serde_json::from_str(&record.body)
        .map_err(|err| HubError::Internal(format!("record {}/{} unreadable: {err}", record.ns, record.key)))
}

/// Every record of `ns` under `prefix`, decoded.
async fn scan<T: DeserializeOwned>(hub: &Hub, ns: &str, prefix: &str) -> HubResult<Vec<(String, T)>> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = hub
            .store
            .records(RecordScan {
                ns: ns.to_owned(),
                prefix: prefix.to_owned(),
                after: after.clone(),
                limit: PAGE,
            })
            .await?;
        let full = page.len() == PAGE;
        for record in &page {
            out.push((record.key.clone(), decode(record)?));
        }
        match (full, page.last()) {
            (true, Some(last)) => after = Some(last.key.clone()),
            _ => return Ok(out),
        }
    }
}

/// A write of `value` at `ns/key` under `expect`.
fn put<T: Serialize>(ns: &str, key: &str, value: &T, expect: Expect) -> HubResult<RecordWrite> {
    let body = serde_json::to_string(value).map_err(|err| HubError::Internal(format!("encode: {err}")))?;
    Ok(RecordWrite::put(ns, key, body).expecting(expect))
}

impl Hub {
    /// The organisation whose SBOMs and findings `caller` acts on: `org` (or its own when `None`), if the
    /// caller belongs to it or is a hub admin; `NotFound` otherwise (like an unknown organisation).
    pub(crate) fn org_scope(&self, caller: &Caller, org: Option<&str>) -> HubResult<String> {
        let org = match org.or(caller.org.as_deref()) {
            Some(org) => org.to_owned(),
            None => {
                return Err(HubError::BadRequest(
                    "org: your account has no organisation; name one".to_owned(),
                ));
            }
        };
        if caller.org.as_deref() == Some(org.as_str()) || require_hub_admin(caller).is_ok() {
            Ok(org)
        } else {
            Err(HubError::NotFound)
        }
    }

    /// Whether `org` exists in the sharing model (operators may also act on organisations only named in
    /// SBOM records; the check keeps typos out).
    pub(crate) async fn org_exists(&self, org: &str) -> HubResult<bool> {
        Ok(self
            .sharing_directory()
            .await?
            .organisations
            .iter()
            .any(|o| o.name == org))
    }
}
