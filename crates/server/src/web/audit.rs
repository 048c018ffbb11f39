//! The audit log for hub administrators: entries as stored, in order, 100 a page, and chain verification
//! (`Hub::verify_audit`) on request, showing the first break if there is one.
//!
//! Invariant: only hub admins see it: `Hub::audit_entries` and `Hub::verify_audit_as` check (as for the admin
//! API); the page holds no rule of its own.

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;

use crate::AppState;
use crate::web::pages::layout;
use crate::web::session;
use crate::web::view::Layout;
use crate::web::{WebError, page};

/// Entries per page.
const PAGE_SIZE: usize = 100;

/// One entry as shown.
#[derive(Debug, Clone)]
pub(crate) struct EntryRow {
    pub(crate) seq: u64,
    pub(crate) at: String,
    pub(crate) actor: String,
    pub(crate) action: String,
    pub(crate) n_objects: u64,
    pub(crate) details: String,
}

/// The audit page.
#[derive(askama::Template)]
#[template(path = "audit.html")]
pub(crate) struct AuditPage {
    pub(crate) layout: Layout,
    pub(crate) entries: Vec<EntryRow>,
    pub(crate) next_href: Option<String>,
    pub(crate) verified: bool,
    pub(crate) intact: bool,
    pub(crate) n_verified: u64,
    pub(crate) head_hash: String,
    pub(crate) break_seq: u64,
    pub(crate) break_reason: String,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct AuditQuery {
    #[serde(default)]
    from_seq: u64,
    #[serde(default)]
    verify: String,
}

pub(crate) async fn overview(
    State(state): State<AppState>,
    Query(query): Query<AuditQuery>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let session = session::current(&state, &headers).await?;
    let entries = state
        .hub
        .audit_entries(&session.caller, query.from_seq, PAGE_SIZE)
        .await?;
    let next_href = (entries.len() == PAGE_SIZE)
        .then(|| {
            entries
                .last()
                .map(|last| format!("/ui/audit?from_seq={}", last.seq + 1))
        })
        .flatten();
    let mut template = AuditPage {
        layout: layout(&session, "Audit log"),
        entries: entries
            .into_iter()
            .map(|entry| EntryRow {
                seq: entry.seq,
                at: entry.at,
                actor: entry.actor,
                action: entry.action,
                n_objects: entry.n_objects,
                details: entry.details.to_string(),
            })
            .collect(),
        next_href,
        verified: false,
        intact: false,
        n_verified: 0,
        head_hash: String::new(),
        break_seq: 0,
        break_reason: String::new(),
    };
    if !query.verify.is_empty() {
        let verification = state.hub.verify_audit_as(&session.caller).await?;
        template.verified = true;
        template.intact = verification.is_intact();
        template.n_verified = verification.n_entries;
        template.head_hash = verification.head_hash.clone();
        if let Some(broken) = verification.broken {
            template.break_seq = broken.seq;
            template.break_reason = broken.reason;
        }
    }
    page(&template)
}
