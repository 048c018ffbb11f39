//! Vulnerability knowledge (OSV records, CSAF 2.0 advisories incl. VEX, CycloneDX VEX, the KEV catalogue):
//! imported by hub admins, kept as the documents themselves (`supply-knowledge`), built into one knowledge
//! base per generation (cached in memory), and every SBOM re-evaluated when it changes.
//!
//! Why documents and not parsed records: the parser and matcher are the `supply` crate's; storing what came
//! in lets a newer parser re-read everything. A KEV catalogue replaces the previous one (one key), other
//! documents are keyed by their SHA-256, so importing the same file twice changes nothing.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::Digest;
use store::{Expect, RecordWrite};

use super::glue::{Knowledge, knowledge_info};
use super::{NS_KNOWLEDGE, put, read, scan};
use crate::delegation::AdminAction;
use crate::{Caller, Hub, HubError, HubResult};

/// The largest knowledge document accepted (the KEV catalogue is ~1.5 MB; CSAF documents can be large).
pub const MAX_KNOWLEDGE_BYTES: usize = 64 * 1024 * 1024;
const GENERATION_KEY: &str = "generation";

/// One stored document.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredDoc {
    name: String,
    kind: String,
    records: usize,
    added_micros: i64,
    body: String,
}

/// The answer of one document's import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnowledgeImport {
    /// The name given (a file name).
    pub name: String,
    /// `osv`, `csaf`, `cyclonedx-vex`, `kev`; or `None` when refused.
    pub kind: Option<String>,
    /// Records it holds.
    pub records: usize,
    /// Why it was refused.
    pub error: Option<String>,
}

/// What a knowledge import changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KnowledgeSummary {
    /// Per document.
    pub documents: Vec<KnowledgeImport>,
    /// The knowledge generation now.
    pub generation: i64,
    /// SBOMs re-evaluated.
    pub sboms_reevaluated: usize,
    /// Findings after re-evaluation (all SBOMs).
    pub findings: usize,
}

/// The cached knowledge base and its generation.
#[derive(Debug, Default)]
pub(crate) struct KnowledgeCache {
    built: tokio::sync::Mutex<Option<(i64, Arc<Knowledge>)>>,
}

impl Hub {
    /// Imports knowledge documents (hub admins only), then re-evaluates every SBOM once. A document that
    /// cannot be read is refused with its reason and nothing of it is stored; the others are.
    pub async fn import_knowledge(
        &self,
        caller: &Caller,
        documents: Vec<(String, Vec<u8>)>,
    ) -> HubResult<KnowledgeSummary> {
        self.authorize(caller, AdminAction::HubAdministration).await?;
        let mut summary = KnowledgeSummary::default();
        let mut writes = Vec::new();
        let now = crate::now_micros();
        for (name, bytes) in documents {
            let checked = if bytes.len() > MAX_KNOWLEDGE_BYTES {
                Err(format!("larger than {MAX_KNOWLEDGE_BYTES} bytes"))
            } else {
                let copy = bytes.clone();
                tokio::task::spawn_blocking(move || knowledge_info(&copy))
                    .await
                    .map_err(|err| HubError::Internal(format!("knowledge check: {err}")))?
            };
            let info = match checked {
                Ok(info) => info,
                Err(error) => {
                    summary.documents.push(KnowledgeImport {
                        name,
                        kind: None,
                        records: 0,
                        error: Some(error),
                    });
                    continue;
                }
            };
            let Ok(body) = String::from_utf8(bytes) else {
                summary.documents.push(KnowledgeImport {
                    name,
                    kind: None,
                    records: 0,
                    error: Some("not UTF-8".to_owned()),
                });
                continue;
            };
            let key = if info.kind == "kev" {
                "doc/kev".to_owned()
            } else {
                {
                    let digest: [u8; 32] = sha2::Sha256::digest(body.as_bytes()).into();
                    format!("doc/{}", hex(&digest))
                }
            };
            let doc = StoredDoc {
                name: name.clone(),
                kind: info.kind.clone(),
                records: info.records,
                added_micros: now,
                body,
            };
            writes.push(put(NS_KNOWLEDGE, &key, &doc, Expect::Any)?);
            summary.documents.push(KnowledgeImport {
                name,
                kind: Some(info.kind),
                records: info.records,
                error: None,
            });
        }
        if !writes.is_empty() {
            let generation = self.knowledge_generation().await?;
            writes.push(RecordWrite::put(
                NS_KNOWLEDGE,
                GENERATION_KEY,
                (generation + 1).to_string(),
            ));
            self.store.write_records(writes, now).await?;
        }
        let n_stored = summary.documents.iter().filter(|d| d.error.is_none()).count();
        self.audit(
            &caller.account,
            "vulns.import",
            n_stored as u64,
            json!({"documents": n_stored}),
        )
        .await?;
        let (generation, sboms, findings) = self.reevaluate_all().await?;
        summary.generation = generation;
        summary.sboms_reevaluated = sboms;
        summary.findings = findings;
        Ok(summary)
    }

    /// The current knowledge generation (0 before any import).
    pub(crate) async fn knowledge_generation(&self) -> HubResult<i64> {
        Ok(read::<i64>(self, NS_KNOWLEDGE, GENERATION_KEY)
            .await?
            .map_or(0, |(g, _)| g))
    }

    /// The knowledge base of the current generation (built once per generation per process).
    pub(crate) async fn knowledge(&self) -> HubResult<(i64, Arc<Knowledge>)> {
        let generation = self.knowledge_generation().await?;
        let mut cache = self.knowledge_cache.built.lock().await;
        if let Some((g, kb)) = cache.as_ref()
            && *g == generation
        {
            return Ok((generation, Arc::clone(kb)));
        }
        let docs: Vec<StoredDoc> = scan::<StoredDoc>(self, NS_KNOWLEDGE, "doc/")
            .await?
            .into_iter()
            .map(|(_, d)| d)
            .collect();
        let kb =
            tokio::task::spawn_blocking(move || Knowledge::build(docs.iter().map(|d| d.body.as_bytes())))
                .await
                .map_err(|err| HubError::Internal(format!("knowledge build: {err}")))?;
        let kb = Arc::new(kb);
        *cache = Some((generation, Arc::clone(&kb)));
        Ok((generation, kb))
    }

    /// The stored knowledge documents: (name, kind, records, added µs).
    pub async fn knowledge_documents(&self, caller: &Caller) -> HubResult<Vec<(String, String, usize, i64)>> {
        self.authorize(caller, AdminAction::HubAdministration).await?;
        Ok(scan::<StoredDoc>(self, NS_KNOWLEDGE, "doc/")
            .await?
            .into_iter()
            .map(|(_, d)| (d.name, d.kind, d.records, d.added_micros))
            .collect())
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
