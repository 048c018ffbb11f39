//! Detection exports over a collection (docs/exports.md): the collection's current indicators, as the caller may
//! read them, rendered by `detect` into rules or lists and handed out chunk by chunk.
//!
//! Invariants:
//! - The walk is `Hub::list` as the caller (objects endpoint, `match[type]=indicator`, current versions), so
//!   every object passes the release gate: hidden indicators never appear, and an anonymised one appears under
//!   the id the caller knows it by. A collection the caller cannot read is `NotFound`, exactly like one that
//!   does not exist (write-only callers included: an export is a read).
//! - Memory is bounded: one page of objects and one rendered chunk at a time, whatever the collection's size.
//! - Errors a caller can cause (format, type, confidence, warninglist names) are found before the first byte.

use std::sync::{Arc, OnceLock};

use detect::export::{ExportOptions, Exporter, Format};
use detect::observable::ObservableKind;
use detect::record::Filter;
use detect::rules::SidRange;
use detect::warninglist::Warninglists;
use taxii::query::{ListParams, VersionParam};

use crate::read::{ListKind, ListPage};
use crate::{Caller, Hub, HubError, HubResult};

/// How many indicators one page of the walk (and one chunk of output) holds.
const EXPORT_WALK_PAGE: u32 = 1000;

/// The hub's export settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportConfig {
    /// First sid of the hub's rule range.
    pub sid_base: u32,
    /// How many sids the range holds.
    pub sid_count: u32,
}

impl Default for ExportConfig {
    /// The local-use range (1,000,000–1,999,999).
    fn default() -> ExportConfig {
        let range = SidRange::default();
        ExportConfig {
            sid_base: range.base,
            sid_count: range.count,
        }
    }
}

/// What a caller asks to export (the route's query, the command's flags).
#[derive(Debug, Clone, Default)]
pub struct ExportRequest {
    /// `suricata`, `snort`, `zeek`, `csv`, `rpz` or `plain`.
    pub format: String,
    /// Observable types to keep (`ipv4-addr`, …); empty keeps all.
    pub types: Vec<String>,
    /// Minimum `confidence`.
    pub min_confidence: Option<u8>,
    /// Minimum hub score (issue 15, `Hub::indicator_score`); indicators the scores do not know yet are kept.
    pub min_score: Option<u8>,
    /// Only indicators added after this instant (µs since the epoch).
    pub added_after: Option<i64>,
    /// Keep expired and not-yet-valid indicators.
    pub include_expired: bool,
    /// Keep revoked indicators.
    pub include_revoked: bool,
    /// `default` (or empty), `all` or `none`.
    pub warninglists: String,
    /// The hub's base URL for references (`https://hub.example`), without a trailing slash.
    pub hub_url: String,
}

/// An export under way: call [`ExportStream::next_chunk`] until it answers `None`.
#[derive(Debug)]
pub struct ExportStream {
    hub: Arc<Hub>,
    caller: Caller,
    api_root: String,
    collection: String,
    params: ListParams,
    exporter: Option<Exporter>,
    min_score: Option<u8>,
    pending: Option<ListPage>,
    started: bool,
    finished: bool,
}

impl ExportStream {
    /// The media type of the output.
    pub fn media_type(&self) -> &'static str {
        self.exporter
            .as_ref()
            .map_or("text/plain; charset=utf-8", |e| e.format().media_type())
    }

    /// The next piece of output, or `None` at the end. The first holds the head, the last the trailer.
    pub async fn next_chunk(&mut self) -> HubResult<Option<String>> {
        if self.finished {
            return Ok(None);
        }
        let page = match self.pending.take() {
            Some(page) => Some(page),
            None if self.params.next.is_some() => Some(self.read_page().await?),
            None => None,
        };
        let mut exporter = self
            .exporter
            .take()
            .ok_or_else(|| HubError::Internal("export used after a failure".to_owned()))?;
        // The hub's scores, by the ids the caller is served (issue 15), when a minimum is asked.
        let scores = match (self.min_score, &page) {
            (Some(_), Some(page)) => self
                .hub
                .scores_of_served(page.records.iter().map(|record| record.id.as_str())),
            _ => std::collections::HashMap::new(),
        };
        let min_score = self.min_score;
        let write_head = !self.started;
        self.started = true;
        let last = page.is_none();
        if last {
            self.finished = true;
        }
        // Rendering a page is CPU work (parsing patterns): off the async threads.
        let (exporter, chunk) = tokio::task::spawn_blocking(move || {
            let mut out = String::new();
            if write_head {
                exporter.write_head(&mut out);
            }
            for record in page.iter().flat_map(|page| page.records.iter()) {
                if let (Some(minimum), Some(score)) = (min_score, scores.get(&record.id))
                    && *score < minimum
                {
                    exporter.count_filtered(detect::record::FilterReason::LowScore);
                    continue;
                }
                if let Some(raw) = &record.raw {
                    exporter.add_json(raw, &mut out);
                }
            }
            if last {
                exporter.write_trailer(&mut out);
            }
            (exporter, out)
        })
        .await
        .map_err(|err| HubError::Internal(format!("export rendering failed: {err}")))?;
        self.exporter = Some(exporter);
        Ok(Some(chunk))
    }

    async fn read_page(&mut self) -> HubResult<ListPage> {
        let page = self
            .hub
            .list(
                &self.caller,
                &self.api_root,
                &self.collection,
                ListKind::Objects,
                &self.params,
            )
            .await
            .map_err(hidden_as_absent)?;
        self.params.next = if page.more { page.next.clone() } else { None };
        Ok(page)
    }
}

/// A write-only caller gets `Forbidden` from the list endpoint; an export says "no such collection" instead.
fn hidden_as_absent(err: HubError) -> HubError {
    match err {
        HubError::Forbidden => HubError::NotFound,
        other => other,
    }
}

/// The embedded warninglists, parsed once per process (immutable data, shared by every export).
fn embedded_lists(all: bool) -> HubResult<Arc<Warninglists>> {
    static DEFAULT: OnceLock<Arc<Warninglists>> = OnceLock::new();
    static ALL: OnceLock<Arc<Warninglists>> = OnceLock::new();
    let (cell, load): (_, fn() -> _) = if all {
        (&ALL, Warninglists::embedded_all)
    } else {
        (&DEFAULT, Warninglists::embedded_default)
    };
    if let Some(lists) = cell.get() {
        return Ok(Arc::clone(lists));
    }
    let lists = Arc::new(load().map_err(|err| HubError::Internal(err.to_string()))?);
    Ok(Arc::clone(cell.get_or_init(|| lists)))
}

fn export_options(
    request: &ExportRequest,
    config: ExportConfig,
    reference_base: String,
) -> HubResult<ExportOptions> {
    let bad = |message: String| HubError::BadRequest(message);
    let format = Format::parse(&request.format).ok_or_else(|| {
        let names: Vec<&str> = Format::ALL.iter().map(|f| f.as_str()).collect();
        bad(format!(
            "unknown export format {:?}: one of {}",
            request.format,
            names.join(", ")
        ))
    })?;
    let mut kinds = Vec::new();
    for name in &request.types {
        let kind = ObservableKind::parse(name).ok_or_else(|| {
            let names: Vec<&str> = ObservableKind::ALL.iter().map(|k| k.as_str()).collect();
            bad(format!("unknown type {name:?}: one of {}", names.join(", ")))
        })?;
        kinds.push(kind);
    }
    if request.min_confidence.is_some_and(|c| c > 100) {
        return Err(bad("min_confidence must be 0 to 100".to_owned()));
    }
    if request.min_score.is_some_and(|c| c > 100) {
        return Err(bad("min_score must be 0 to 100".to_owned()));
    }
    let warninglists = match request.warninglists.as_str() {
        "" | "default" => Some(embedded_lists(false)?),
        "all" => Some(embedded_lists(true)?),
        "none" => None,
        other => {
            return Err(bad(format!(
                "unknown warninglists choice {other:?}: default, all or none"
            )));
        }
    };
    let now_micros = crate::now_micros();
    let filter = Filter {
        kinds,
        valid_at: (!request.include_expired).then_some(i128::from(now_micros) * 1000),
        include_revoked: request.include_revoked,
        min_confidence: request.min_confidence,
    };
    Ok(ExportOptions {
        format,
        filter,
        warninglists,
        sids: SidRange {
            base: config.sid_base,
            count: config.sid_count,
        },
        reference_base,
        source: "stixhub".to_owned(),
        now_seconds: now_micros / 1_000_000,
    })
}

/// A path segment with everything but unreserved characters percent-encoded.
fn path_segment(text: &str) -> String {
    detect::escape::percent_encode(text, |b| {
        b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
    })
}

impl Hub {
    /// Starts an export of `collection` (an id or alias in any API root) for `caller`. Fails before any output
    /// when the request is malformed (`BadRequest`) or the caller may not read the collection (`NotFound`).
    pub async fn export_start(
        self: &Arc<Self>,
        caller: &Caller,
        collection: &str,
        request: &ExportRequest,
    ) -> HubResult<ExportStream> {
        let found = self
            .store
            .find_collection(collection)
            .await?
            .ok_or(HubError::NotFound)?;
        let reference_base = format!(
            "{}/ui/c/{}/{}/objects/",
            request.hub_url.trim_end_matches('/'),
            path_segment(&found.api_root),
            path_segment(found.id.as_str())
        );
        let options = export_options(request, self.config.exports, reference_base)?;
        if request.min_score.is_some() {
            self.scores_ready(std::time::Duration::from_secs(60)).await?;
        }
        let mut stream = ExportStream {
            hub: Arc::clone(self),
            caller: caller.clone(),
            api_root: found.api_root.clone(),
            collection: found.id.to_string(),
            params: ListParams {
                added_after: request.added_after,
                limit: Some(EXPORT_WALK_PAGE),
                next: None,
                ids: Vec::new(),
                types: vec!["indicator".to_owned()],
                versions: VersionParam::Default,
                spec_versions: Vec::new(),
            },
            exporter: Some(Exporter::new(options)),
            min_score: request.min_score,
            pending: None,
            started: false,
            finished: false,
        };
        // The first page is read now, so a caller without read rights gets its answer before any output.
        stream.pending = Some(stream.read_page().await?);
        Ok(stream)
    }
}
