//! Tombstones of feeds (issue 17, docs/federation.md): deletions an upstream made reach this hub.
//!
//! Every `reconcile_every` runs a feed reads the upstream's whole manifest and deletes the local versions
//! *it* brought in (its provenance records) that the upstream no longer lists, leaving a tombstone record
//! (`tomb/{collection}/{id}|{version}`) that no feed ingests again, so a peer that has not reconciled yet cannot
//! bring a deleted version back.
//!
//! Invariant: nothing is judged deleted from an incomplete or empty manifest (a stuck walk fails the
//! reconciliation; an empty one is a warning, since a revoked grant must not wipe a collection).

use std::collections::HashSet;

use store::{RecordScan, RecordWrite};
use taxii::paging::{Position, Step};
use taxii::query::{ListParams, VersionParam};

use crate::feed_run::{FeedRun, Provenance, push_warning, version_key};
use crate::feeds::{FeedConfig, FeedSource, NS, UpstreamQuery, json};
use crate::{Caller, Hub, HubError, HubResult, now_micros};

/// The most upstream manifest records one reconciliation holds in memory.
const MAX_RECONCILE_RECORDS: usize = 5_000_000;

pub(crate) fn prov_prefix(collection: &str) -> String {
    format!("prov/{collection}/")
}

pub(crate) fn tomb_prefix(collection: &str) -> String {
    format!("tomb/{collection}/")
}

impl Hub {
    /// Calls `visit` with the key (after `prefix`) and body of every record of namespace `feed` under `prefix`,
    /// reading them in batches (memory does not grow with their number).
    async fn scan_feed_records(&self, prefix: &str, mut visit: impl FnMut(&str, &str)) -> HubResult<()> {
        const BATCH: usize = 1000;
        let mut after = None;
        loop {
            let batch = self
                .store
                .records(RecordScan {
                    ns: NS.to_owned(),
                    prefix: prefix.to_owned(),
                    after: after.take(),
                    limit: BATCH,
                })
                .await?;
            for record in &batch {
                if let Some(key) = record.key.strip_prefix(prefix) {
                    visit(key, &record.body);
                }
            }
            if batch.len() < BATCH {
                return Ok(());
            }
            after = batch.last().map(|r| r.key.clone());
        }
    }

    pub(crate) async fn tombstones(&self, collection: &str) -> HubResult<HashSet<String>> {
        let mut keys = HashSet::new();
        self.scan_feed_records(&tomb_prefix(collection), |key, _| {
            keys.insert(key.to_owned());
        })
        .await?;
        Ok(keys)
    }

    /// Deletes the versions this feed stored that the upstream no longer has (its deletions, as tombstones).
    pub(crate) async fn reconcile_feed(
        &self,
        source: &dyn FeedSource,
        config: &FeedConfig,
        run: &mut FeedRun,
    ) -> HubResult<()> {
        let upstream = self.feed_upstream(config).await?;
        let mut there = HashSet::new();
        let mut position = Position::default();
        loop {
            let query = UpstreamQuery {
                added_after: position.added_after.clone(),
                next: position.next.clone(),
                limit: 10_000,
            };
            let page = source
                .manifest(&upstream, &query)
                .await
                .map_err(|err| HubError::Unavailable(format!("upstream manifest: {err}")))?;
            let step = taxii::paging::step(
                &position,
                &taxii::paging::PageAnswer {
                    more: page.more,
                    next: page.next.as_deref(),
                    date_added_last: page.date_added_last.as_deref(),
                    n_objects: page.records.len(),
                    fingerprint: taxii::paging::fingerprint(
                        page.records.first().map(|(id, v)| format!("{id}|{v}")).as_deref(),
                        page.records.last().map(|(id, v)| format!("{id}|{v}")).as_deref(),
                        page.records.len(),
                    ),
                },
            );
            there.extend(page.records.into_iter().map(|(id, v)| version_key(&id, Some(&v))));
            if there.len() > MAX_RECONCILE_RECORDS {
                push_warning(
                    run,
                    Some("the upstream manifest is too large to reconcile; deletions not checked".into()),
                );
                return Ok(());
            }
            match step {
                Step::Continue { position: to, .. } => position = to,
                Step::Done { .. } => break,
                // Without the whole manifest nothing may be judged deleted.
                Step::Stuck(reason) => {
                    return Err(HubError::Unavailable(format!("upstream manifest: {reason}")));
                }
            }
        }
        if there.is_empty() {
            // An upstream that suddenly lists nothing (a revoked grant, a wiped store) is not taken as a
            // deletion of everything.
            push_warning(
                run,
                Some("the upstream manifest is empty; deletions not applied".into()),
            );
            return Ok(());
        }
        // What this feed brought in that the upstream no longer lists.
        let mut gone = Vec::new();
        self.scan_feed_records(&prov_prefix(&config.collection), |key, body| {
            let Ok(provenance) = serde_json::from_str::<Provenance>(body) else {
                return;
            };
            if provenance.feed != config.id || there.contains(key) {
                return;
            }
            // An unversioned object's manifest version is its date_added: judge it by id.
            if let Some(id) = key.strip_suffix('|')
                && there.iter().any(|k| k.starts_with(&format!("{id}|")))
            {
                return;
            }
            gone.push((key.to_owned(), provenance));
        })
        .await?;
        for (key, provenance) in gone {
            let Some((id, version)) = key.split_once('|') else {
                continue;
            };
            self.delete_feed_version(config, id, version).await?;
            self.store
                .write_records(
                    vec![
                        RecordWrite::delete(NS, format!("{}{key}", prov_prefix(&config.collection))),
                        RecordWrite::put(
                            NS,
                            format!("{}{key}", tomb_prefix(&config.collection)),
                            json(&provenance)?,
                        ),
                    ],
                    now_micros(),
                )
                .await?;
            run.deleted += 1;
        }
        Ok(())
    }

    async fn delete_feed_version(&self, config: &FeedConfig, id: &str, version: &str) -> HubResult<()> {
        let versions = match version.parse::<i128>() {
            Ok(nanos) => VersionParam::Pick {
                first: false,
                last: false,
                exact: vec![stix::timestamp::Timestamp::from_unix_nanos(nanos, 9)],
            },
            Err(_) => VersionParam::All,
        };
        let params = ListParams {
            added_after: None,
            limit: None,
            next: None,
            ids: Vec::new(),
            types: Vec::new(),
            versions,
            spec_versions: Vec::new(),
        };
        match self
            .delete_object(
                &Caller::operator(),
                &config.api_root,
                &config.collection,
                id,
                &params,
            )
            .await
        {
            Ok(()) | Err(HubError::NotFound) => Ok(()),
            Err(err) => Err(err),
        }
    }
}
