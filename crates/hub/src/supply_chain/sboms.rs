//! SBOM intake per organisation and product, and the findings of each SBOM against the current knowledge.
//!
//! Records: `supply-sbom-meta/{org}/{id}` (the summary), `supply-sbom/{org}/{id}` (the document as sent),
//! `supply-findings/{org}/{id}` (the evaluation), written in one batch so an SBOM never exists without its
//! evaluation. Bad input is refused before anything is stored: larger than `MAX_SBOM_BYTES`, nested deeper
//! than `MAX_DEPTH` (checked on the bytes before any parser builds a tree), not an SBOM the parser reads, or
//! more than `MAX_COMPONENTS` components; each answer names the field (`sbom`, `product`).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use store::{Expect, RecordWrite};

use super::glue::{SbomInfo, StoredEvaluation, sbom_info};
use super::{NS_FINDINGS, NS_SBOM, key_part, put, read, scan};
use crate::delegation::require_hub_admin;
use crate::{Caller, Hub, HubError, HubResult};

/// The largest SBOM accepted.
pub const MAX_SBOM_BYTES: usize = 32 * 1024 * 1024;
/// The deepest JSON nesting accepted.
pub(crate) const MAX_DEPTH: usize = 64;
/// The most components of one SBOM.
pub(crate) const MAX_COMPONENTS: usize = 100_000;
/// The most SBOMs of one organisation.
pub(crate) const MAX_SBOMS_PER_ORG: usize = 10_000;

const NS_META: &str = "supply-sbom-meta";
/// SBOMs re-evaluated per batch (one read page, one blocking task, one write).
const REEVALUATE_PAGE: usize = 100;

/// An SBOM to import.
#[derive(Debug, Clone)]
pub struct SbomUpload {
    /// The organisation (the caller's own when `None`).
    pub org: Option<String>,
    /// The product it describes.
    pub product: Option<String>,
    /// A name (a file name).
    pub name: Option<String>,
    /// The document.
    pub body: Vec<u8>,
}

/// An SBOM as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SbomSummary {
    /// Its id.
    pub id: String,
    /// Its organisation.
    pub org: String,
    /// Its product.
    pub product: Option<String>,
    /// Its name.
    pub name: Option<String>,
    /// Format (`cyclonedx-1.5`, `spdx-2.3`, …).
    pub format: String,
    /// Components.
    pub components: usize,
    /// Parser diagnostics.
    pub diagnostics: Vec<String>,
    /// Who imported it.
    pub imported_by: String,
    /// When (µs).
    pub imported_micros: i64,
    /// Findings (affected), not affected, not evaluated: as of the last evaluation.
    #[serde(default)]
    pub counts: (usize, usize, usize),
}

impl SbomSummary {
    /// The JSON form of the REST API and CLI.
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id, "org": self.org, "product": self.product, "name": self.name,
            "format": self.format, "components": self.components, "diagnostics": self.diagnostics,
            "imported_by": self.imported_by,
            "imported": crate::event_read::taxii_timestamp(self.imported_micros),
            "affected": self.counts.0, "not_affected": self.counts.1, "not_evaluated": self.counts.2,
        })
    }
}

/// The deepest nesting of arrays and objects in `bytes` (strings skipped), stopping past `limit`.
pub(crate) fn json_depth(bytes: &[u8], limit: usize) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for &b in bytes {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
                if deepest > limit {
                    return deepest;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

fn counts(evaluation: &StoredEvaluation) -> (usize, usize, usize) {
    let affected = evaluation
        .findings
        .iter()
        .filter(|f| f.status == "affected")
        .count();
    (
        affected,
        evaluation.findings.len() - affected,
        evaluation.not_evaluated.len(),
    )
}

impl Hub {
    /// Imports an SBOM for an organisation the caller belongs to (or any, for hub admins) and evaluates it.
    pub async fn import_sbom(&self, caller: &Caller, upload: SbomUpload) -> HubResult<SbomSummary> {
        let org = self.org_scope(caller, upload.org.as_deref())?;
        if !self.org_exists(&org).await? {
            return Err(HubError::NotFound);
        }
        if let Some(product) = &upload.product {
            risk::plan::check_text("product", product, 200)
                .map_err(|e| HubError::BadRequest(e.to_string()))?;
        }
        if upload.body.len() > MAX_SBOM_BYTES {
            return Err(HubError::BadRequest(format!(
                "sbom: larger than {MAX_SBOM_BYTES} bytes"
            )));
        }
        if json_depth(&upload.body, MAX_DEPTH) > MAX_DEPTH {
            return Err(HubError::BadRequest(format!(
                "sbom: JSON nested deeper than {MAX_DEPTH} levels"
            )));
        }
        let body = String::from_utf8(upload.body)
            .map_err(|_| HubError::BadRequest("sbom: not UTF-8 JSON".to_owned()))?;
        let (generation, kb) = self.knowledge().await?;
        let now = crate::now_micros();
        let (info, evaluation) = tokio::task::spawn_blocking(move || {
            let info: SbomInfo = sbom_info(body.as_bytes())?;
            if info.components > MAX_COMPONENTS {
                return Err(format!("more than {MAX_COMPONENTS} components"));
            }
            let evaluation = kb.evaluate(body.as_bytes(), generation, now)?;
            Ok::<_, String>((info, (evaluation, body)))
        })
        .await
        .map_err(|err| HubError::Internal(format!("sbom evaluation: {err}")))?
        .map_err(|err| HubError::BadRequest(format!("sbom: {err}")))?;
        let (evaluation, body) = evaluation;
        let existing = self
            .store
            .records(store::RecordScan::prefix(
                NS_META,
                format!("{}/", key_part(&org)),
                MAX_SBOMS_PER_ORG,
            ))
            .await?;
        if existing.len() >= MAX_SBOMS_PER_ORG {
            return Err(HubError::BadRequest(format!(
                "sbom: an organisation keeps at most {MAX_SBOMS_PER_ORG} SBOMs"
            )));
        }
        let summary = SbomSummary {
            id: uuid::Uuid::new_v4().to_string(),
            org: org.clone(),
            product: upload.product.map(|p| p.trim().to_owned()),
            name: upload.name.or(info.name),
            format: info.format,
            components: info.components,
            diagnostics: info.diagnostics,
            imported_by: caller.account.clone(),
            imported_micros: now,
            counts: counts(&evaluation),
        };
        let key = format!("{}/{}", key_part(&org), summary.id);
        self.store
            .write_records(
                vec![
                    put(NS_META, &key, &summary, Expect::Absent)?,
                    RecordWrite::put(NS_SBOM, key.clone(), body).expecting(Expect::Absent),
                    put(NS_FINDINGS, &key, &evaluation, Expect::Absent)?,
                ],
                now,
            )
            .await?;
        let details = json!({"org": org, "sbom": summary.id, "product": summary.product, "components": summary.components});
        self.audit(&caller.account, "sbom.import", 0, details).await?;
        Ok(summary)
    }

    /// The SBOMs of `org` (the caller's own when `None`).
    pub async fn sboms(&self, caller: &Caller, org: Option<&str>) -> HubResult<Vec<SbomSummary>> {
        let org = self.org_scope(caller, org)?;
        Ok(
            scan::<SbomSummary>(self, NS_META, &format!("{}/", key_part(&org)))
                .await?
                .into_iter()
                .map(|(_, s)| s)
                .collect(),
        )
    }

    /// One SBOM by id: the caller's organisation's, or any for hub admins; `NotFound` otherwise.
    pub async fn sbom(&self, caller: &Caller, id: &str) -> HubResult<SbomSummary> {
        self.find_sbom(caller, id).await.map(|(s, _)| s)
    }

    async fn find_sbom(&self, caller: &Caller, id: &str) -> HubResult<(SbomSummary, String)> {
        let orgs: Vec<String> = if require_hub_admin(caller).is_ok() {
            self.sbom_orgs().await?.into_iter().collect()
        } else {
            caller.org.iter().cloned().collect()
        };
        for org in orgs {
            let key = format!("{}/{}", key_part(&org), key_part(id));
            if let Some((summary, _)) = read::<SbomSummary>(self, NS_META, &key).await? {
                self.org_scope(caller, Some(&summary.org))?;
                return Ok((summary, key));
            }
        }
        Err(HubError::NotFound)
    }

    /// Deletes an SBOM and its findings.
    pub async fn delete_sbom(&self, caller: &Caller, id: &str) -> HubResult<()> {
        let (summary, key) = self.find_sbom(caller, id).await?;
        self.store
            .write_records(
                vec![
                    RecordWrite::delete(NS_META, key.clone()),
                    RecordWrite::delete(NS_SBOM, key.clone()),
                    RecordWrite::delete(NS_FINDINGS, key),
                ],
                crate::now_micros(),
            )
            .await?;
        self.audit(
            &caller.account,
            "sbom.delete",
            0,
            json!({"org": summary.org, "sbom": id}),
        )
        .await
    }

    /// Organisations with at least one SBOM.
    pub(crate) async fn sbom_orgs(&self) -> HubResult<BTreeSet<String>> {
        Ok(scan::<SbomSummary>(self, NS_META, "")
            .await?
            .into_iter()
            .map(|(_, s)| s.org)
            .collect())
    }

    /// Every stored evaluation of `org`, with its SBOM's summary.
    pub(crate) async fn evaluations(&self, org: &str) -> HubResult<Vec<(SbomSummary, StoredEvaluation)>> {
        let prefix = format!("{}/", key_part(org));
        let metas = scan::<SbomSummary>(self, NS_META, &prefix).await?;
        let mut evaluations = scan::<StoredEvaluation>(self, NS_FINDINGS, &prefix)
            .await?
            .into_iter()
            .peekable();
        let mut out = Vec::new();
        for (key, meta) in metas {
            while evaluations.peek().is_some_and(|(k, _)| k < &key) {
                evaluations.next();
            }
            if let Some((k, evaluation)) = evaluations.peek()
                && k == &key
            {
                out.push((meta, evaluation.clone()));
            }
        }
        Ok(out)
    }

    /// Re-evaluates every SBOM against the current knowledge; returns (generation, SBOMs, findings). Reads the
    /// documents a page at a time (memory stays bounded), evaluates a page on a blocking thread, and writes each
    /// page's evaluations and counts in one batch.
    pub(crate) async fn reevaluate_all(&self) -> HubResult<(i64, usize, usize)> {
        let (generation, kb) = self.knowledge().await?;
        let (mut n_sboms, mut n_findings) = (0, 0);
        let mut after = None;
        loop {
            let page = self
                .store
                .records(store::RecordScan {
                    ns: NS_SBOM.to_owned(),
                    prefix: String::new(),
                    after: after.clone(),
                    limit: REEVALUATE_PAGE,
                })
                .await?;
            let Some(last) = page.last() else { break };
            after = Some(last.key.clone());
            let full = page.len() == REEVALUATE_PAGE;
            let kb = std::sync::Arc::clone(&kb);
            let now = crate::now_micros();
            let evaluated = tokio::task::spawn_blocking(move || {
                page.into_iter()
                    .map(|r| {
                        let evaluation = kb.evaluate(r.body.as_bytes(), generation, now);
                        (r.key, evaluation)
                    })
                    .collect::<Vec<_>>()
            })
            .await
            .map_err(|err| HubError::Internal(format!("re-evaluation: {err}")))?;
            let mut writes = Vec::new();
            for (key, evaluation) in evaluated {
                let evaluation = match evaluation {
                    Ok(e) => e,
                    Err(err) => {
                        tracing::warn!(sbom = %key, error = %err, "stored SBOM no longer evaluates");
                        continue;
                    }
                };
                let Some((mut meta, _)) = read::<SbomSummary>(self, NS_META, &key).await? else {
                    continue;
                };
                meta.counts = counts(&evaluation);
                n_findings += evaluation.findings.len();
                n_sboms += 1;
                writes.push(put(NS_FINDINGS, &key, &evaluation, Expect::Any)?);
                writes.push(put(NS_META, &key, &meta, Expect::Any)?);
            }
            if !writes.is_empty() {
                self.store.write_records(writes, now).await?;
            }
            if !full {
                break;
            }
        }
        Ok((generation, n_sboms, n_findings))
    }
}

#[cfg(test)]
mod tests {
    use super::json_depth;

    #[test]
    fn depth_skips_strings_and_stops_early() {
        assert_eq!(json_depth(br#"{"a":[1,{"b":"[[[[{"}]}"#, 10), 3);
        let deep = "[".repeat(100_000);
        assert_eq!(json_depth(deep.as_bytes(), 64), 65);
    }
}
