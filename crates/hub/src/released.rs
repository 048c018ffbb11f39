//! The one reader of released rows: every path that hands stored versions to a caller — the TAXII list
//! endpoints, the web UI's search, browse, recent additions, counts and relationships — walks a collection
//! through [`Hub::scan_released`].
//!
//! Invariants:
//! - A visitor sees released versions only, in `date_added` order, each already passed through the gate
//!   (`Hub::release_one`: clearance, granular markings, anonymity) in the form the caller is served. Hidden
//!   versions are skipped before the visitor, so nothing built from what it saw (a page, `more`, a cursor's
//!   position, a count, a "recent" list) depends on them.
//! - The gate always sees the bytes: manifest-like reads are read in full and their bytes dropped after the
//!   gate, so a granular marking that withholds a version hides it from the manifest and versions endpoints
//!   exactly as from the objects endpoints.
//! - The visitor bounds the work it accepts (limits and budgets count released rows); hidden rows cost store
//!   reads but never end a scan early, since a stop among them would have to resume at a hidden position.

use store::{ObjectQuery, Projection, StoredObject};

use crate::release::SharingView;
use crate::{Hub, HubResult};

/// What a visitor wants after one released row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Visit {
    /// Give me the next released row.
    Continue,
    /// Stop here.
    Stop,
}

impl Hub {
    /// Walks the released versions of `query` (from `query.after`, in `date_added` order), reading the store in
    /// pages that start at `first_fetch` rows and grow while rows are hidden. Returns true when the visitor
    /// stopped the walk, false when the collection ended.
    pub(crate) async fn scan_released(
        &self,
        view: &SharingView,
        mut query: ObjectQuery,
        first_fetch: usize,
        mut visit: impl FnMut(StoredObject) -> HubResult<Visit>,
    ) -> HubResult<bool> {
        let without_bytes = query.projection == Projection::Manifest;
        query.projection = Projection::Full;
        let mut fetch = first_fetch.clamp(1, self.config.max_page_size + 1);
        loop {
            query.limit = fetch;
            let page = self.store.query_objects(query.clone()).await?;
            if let Some(last) = page.records.last() {
                query.after = Some(last.position());
            }
            let republish = self.republish_facts(view, &page.records).await?;
            for stored in page.records {
                let facts = republish.get(&stored.date_added);
                let Some(mut released) = self.release_one(view, stored, facts)? else {
                    continue;
                };
                if without_bytes {
                    released.raw = None;
                }
                if visit(released)? == Visit::Stop {
                    return Ok(true);
                }
            }
            if !page.more {
                return Ok(false);
            }
            // Mostly hidden so far: read bigger pages (bounded by the largest page served).
            fetch = (fetch * 2).min(self.config.max_page_size + 1);
        }
    }
}
