//! Paging: keyset order by `date_added`, and `added_after` walks under concurrent writers.

use std::collections::BTreeSet;
use std::sync::Arc;

use store::{Position, Store};

use crate::fixtures::{collection, indicator, ingest, query, run};

/// Pages of 10 over 25 objects in three ingests: ascending, unique `date_added`, `more` exact, nothing lost.
pub async fn keyset_paging_in_date_added_order(store: &dyn Store) {
    let coll = collection(store, "paging").await;
    for batch in 0..3u32 {
        let objects = (0..25u32)
            .filter(|n| n % 3 == batch)
            .map(|n| indicator(n, 1))
            .collect();
        ingest(store, &coll, objects).await;
    }
    let mut seen = Vec::new();
    let mut after = None;
    let mut n_pages = 0;
    loop {
        let mut page_query = query(&coll);
        page_query.limit = 10;
        page_query.after = after;
        let page = run(store, page_query).await;
        n_pages += 1;
        assert!(page.records.len() <= 10, "a page never exceeds its limit");
        seen.extend(page.records.iter().map(|r| (r.date_added, r.id.clone())));
        after = page.records.last().map(|r| r.position());
        if !page.more {
            break;
        }
    }
    assert_eq!(n_pages, 3);
    assert_eq!(seen.len(), 25);
    assert!(
        seen.windows(2).all(|w| w[0].0 < w[1].0),
        "date_added strictly increases: {seen:?}"
    );
    let ids: BTreeSet<&String> = seen.iter().map(|s| &s.1).collect();
    assert_eq!(ids.len(), 25);
    let mut past_end = query(&coll);
    past_end.after = Some(Position(i64::MAX));
    assert!(run(store, past_end).await.records.is_empty());
}

/// Eight writers post concurrently while a reader pages with `added_after` = the last `date_added` it saw;
/// the walk, finished after the writers, sees every object exactly once (standards §5 traps 2 and 18).
pub async fn added_after_paging_never_loses_or_repeats(store: &dyn Store) {
    let coll = collection(store, "concurrent").await;
    // Borrowed `&dyn Store` cannot move into tasks; the writers share a clone of the collection id and an
    // `Arc` of the objects they post, and run in this task's scope via `join`.
    let posts: Arc<Vec<Vec<u32>>> = Arc::new(
        (0..8u32)
            .map(|w| (0..40u32).map(|n| w * 1000 + n).collect())
            .collect(),
    );
    let writers = async {
        let mut futures = Vec::new();
        for writer_idx in 0..8 {
            let posts = Arc::clone(&posts);
            let coll = coll.clone();
            futures.push(async move {
                for chunk in posts[writer_idx].chunks(5) {
                    ingest(store, &coll, chunk.iter().map(|&n| indicator(n, 1)).collect()).await;
                }
            });
        }
        join_all(futures).await;
    };
    let mut seen: Vec<String> = Vec::new();
    let mut added_after = None;
    let reader = async {
        for _ in 0..40 {
            let mut page_query = query(&coll);
            page_query.limit = 7;
            page_query.added_after = added_after;
            let page = run(store, page_query).await;
            if let Some(last) = page.records.last() {
                added_after = Some(last.date_added);
            }
            seen.extend(page.records.into_iter().map(|r| r.id));
            tokio::task::yield_now().await;
        }
    };
    tokio::join!(writers, reader);
    loop {
        let mut page_query = query(&coll);
        page_query.limit = 7;
        page_query.added_after = added_after;
        let page = run(store, page_query).await;
        let Some(last) = page.records.last() else { break };
        added_after = Some(last.date_added);
        seen.extend(page.records.into_iter().map(|r| r.id));
    }
    let distinct: BTreeSet<&String> = seen.iter().collect();
    assert_eq!(distinct.len(), seen.len(), "no object is repeated");
    assert_eq!(seen.len(), 8 * 40, "no object is lost");
}

pub(crate) async fn join_all<F: std::future::Future<Output = ()>>(futures: Vec<F>) {
    let mut pinned: Vec<std::pin::Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    std::future::poll_fn(|cx| {
        pinned.retain_mut(|future| future.as_mut().poll(cx).is_pending());
        if pinned.is_empty() {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
}
