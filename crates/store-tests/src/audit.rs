//! The audit log (issue 6): appends are a compare-and-swap on the head, entries come back as stored, and
//! concurrent appenders that retry on `Conflict` form one gap-free log.
//!
//! The store hashes nothing: these checks use made-up hashes, since the chain itself is the hub's.

use store::{AuditHead, AuditRecord, Store, StoreError};

fn record(seq: u64, actor: &str) -> AuditRecord {
    let mut hash = [0u8; 32];
    hash[..8].copy_from_slice(&seq.to_be_bytes());
    hash[8..16].copy_from_slice(&(actor.len() as u64).to_be_bytes());
    hash[31] = 0xa5;
    AuditRecord {
        seq,
        actor: actor.to_owned(),
        action: "objects.read".to_owned(),
        at: "2026-11-25T08:00:00.123456Z".to_owned(),
        n_objects: seq * 10,
        details: format!(r#"{{"collection":"c-{seq}","org":"gr\u00fcn é","n":{seq}}}"#),
        hash,
    }
}

/// An empty log has the empty head; an append moves the head only when the caller's expected head is
/// current (else `Conflict`, nothing written); entries come back byte-identical, ascending, paged by
/// `from_seq` and `limit`.
pub async fn audit_log_appends_under_compare_and_swap(store: &dyn Store) {
    assert_eq!(store.audit_head().await.expect("head"), AuditHead::EMPTY);
    assert!(store.audit_entries(0, 10).await.expect("entries").is_empty());

    let first = vec![record(0, "alice"), record(1, "böb")];
    let head = store
        .append_audit(AuditHead::EMPTY, first.clone())
        .await
        .expect("first append");
    assert_eq!(
        head,
        AuditHead {
            n_entries: 2,
            last_hash: first[1].hash
        }
    );
    assert_eq!(store.audit_head().await.expect("head"), head);

    // A stale head (count or hash) is refused and writes nothing.
    let stale = store
        .append_audit(AuditHead::EMPTY, vec![record(0, "mallory")])
        .await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
    let wrong_hash = AuditHead {
        n_entries: 2,
        last_hash: [7; 32],
    };
    let refused = store.append_audit(wrong_hash, vec![record(2, "mallory")]).await;
    assert!(matches!(refused, Err(StoreError::Conflict(_))), "{refused:?}");
    assert_eq!(store.audit_head().await.expect("head"), head);

    let more = vec![record(2, "carol"), record(3, "dave"), record(4, "erin")];
    let head = store
        .append_audit(head, more.clone())
        .await
        .expect("second append");
    assert_eq!(head.n_entries, 5);
    assert_eq!(head.last_hash, more[2].hash);

    let all: Vec<AuditRecord> = first.into_iter().chain(more).collect();
    assert_eq!(store.audit_entries(0, 100).await.expect("all"), all);
    assert_eq!(store.audit_entries(1, 2).await.expect("page"), all[1..3].to_vec());
    assert_eq!(store.audit_entries(4, 2).await.expect("tail"), all[4..].to_vec());
    assert!(store.audit_entries(5, 2).await.expect("past the end").is_empty());

    // Records that do not follow the head are refused whole.
    let gap = store.append_audit(head, vec![record(6, "gap")]).await;
    assert!(gap.is_err(), "{gap:?}");
    assert_eq!(store.audit_head().await.expect("head"), head);
}

/// Appenders racing on one store, each re-reading the head after `Conflict`, end with one log: every entry
/// once, `seq` without gaps, the head at the last one.
pub async fn audit_appenders_racing_form_one_log(store: &dyn Store) {
    const N_APPENDERS: u64 = 4;
    const N_APPENDS: u64 = 5;
    let appender = |appender_idx: u64| async move {
        for append_idx in 0..N_APPENDS {
            let actor = format!("node-{appender_idx}-{append_idx}");
            loop {
                let head = store.audit_head().await.expect("head");
                let mut entry = record(head.n_entries, &actor);
                entry.hash[16..24].copy_from_slice(&appender_idx.to_be_bytes());
                match store.append_audit(head, vec![entry]).await {
                    Ok(_) => break,
                    Err(StoreError::Conflict(_)) => tokio::task::yield_now().await,
                    Err(err) => panic!("append failed: {err}"),
                }
            }
        }
    };
    tokio::join!(appender(0), appender(1), appender(2), appender(3));
    let entries = store.audit_entries(0, 1000).await.expect("entries");
    assert_eq!(entries.len() as u64, N_APPENDERS * N_APPENDS);
    for (entry_idx, entry) in entries.iter().enumerate() {
        assert_eq!(entry.seq, entry_idx as u64);
    }
    let mut actors: Vec<&str> = entries.iter().map(|e| e.actor.as_str()).collect();
    actors.sort_unstable();
    actors.dedup();
    assert_eq!(
        actors.len() as u64,
        N_APPENDERS * N_APPENDS,
        "each entry exactly once"
    );
    let head = store.audit_head().await.expect("head");
    assert_eq!(head.n_entries, N_APPENDERS * N_APPENDS);
    assert_eq!(entries.last().map(|e| e.hash), Some(head.last_hash));
}
