//! The single writer: one thread, one connection, batching concurrent writes into one transaction.
//!
//! Invariant: every write to the database from this process goes through `Writer::run`. Jobs that arrive while
//! a transaction is open wait for the next one; all jobs queued at that moment are taken together (up to
//! `MAX_BATCH_JOBS`), each inside its own SAVEPOINT so one failing job rolls back alone, and the replies are sent
//! only after COMMIT, so a caller never hears of a write that is not durable. Because one transaction at a time
//! assigns `date_added`, it follows commit order (standards §5 trap 18).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::thread;

use rusqlite::Connection;
use store::{StoreError, StoreResult};
use tokio::sync::oneshot;

use crate::error::from_sqlite;

/// The largest number of jobs committed together.
const MAX_BATCH_JOBS: usize = 512;
/// The most jobs waiting for the writer; a caller beyond that waits (off the async threads) for room.
pub(crate) const QUEUE_CAPACITY: usize = 1024;

/// Work to run inside the writer's transaction.
pub(crate) type WriteWork = Box<dyn FnOnce(&Connection) -> StoreResult<WriteOutput> + Send>;

/// What a write job produced.
#[derive(Debug)]
pub(crate) enum WriteOutput {
    /// Nothing to report.
    Done,
    /// A status resource (ingest).
    Status(store::StatusRecord),
    /// A count (delete, purge).
    Count(u64),
    /// A decided review.
    Review(Box<store::Review>),
    /// The new head of the audit log.
    AuditHead(store::AuditHead),
    /// Keys (notice keys recorded).
    Keys(Vec<String>),
    /// Versions (records written).
    Versions(Vec<i64>),
}

struct WriteJob {
    work: WriteWork,
    reply: oneshot::Sender<StoreResult<WriteOutput>>,
}

/// The handle to the writer thread. Dropping every handle stops the thread after its last batch.
#[derive(Debug, Clone)]
pub(crate) struct Writer {
    jobs: mpsc::SyncSender<WriteJob>,
    /// Jobs sent and not yet taken by the writer thread, plus callers blocked on a full queue (for metrics).
    queued: Arc<AtomicUsize>,
}

impl Writer {
    /// Starts the writer thread over `conn`.
    pub(crate) fn start(conn: Connection) -> std::io::Result<Writer> {
        let (jobs, queue) = mpsc::sync_channel::<WriteJob>(QUEUE_CAPACITY);
        let queued = Arc::new(AtomicUsize::new(0));
        thread::Builder::new()
            .name("stixhub-sqlite-writer".to_owned())
            .spawn({
                let queued = Arc::clone(&queued);
                move || run(conn, &queue, &queued)
            })?;
        Ok(Writer { jobs, queued })
    }

    /// Jobs waiting for the writer thread now.
    pub(crate) fn queue_depth(&self) -> usize {
        self.queued.load(Ordering::Relaxed)
    }

    /// Runs `work` in the next transaction and returns its output once committed.
    pub(crate) async fn write(&self, work: WriteWork) -> StoreResult<WriteOutput> {
        let (reply, answer) = oneshot::channel();
        let jobs = self.jobs.clone();
        let job = WriteJob { work, reply };
        self.queued.fetch_add(1, Ordering::Relaxed);
        // The queue is bounded, so sending may block: do it off the async threads.
        let sent = tokio::task::spawn_blocking(move || jobs.send(job)).await;
        if !matches!(sent, Ok(Ok(()))) {
            self.queued.fetch_sub(1, Ordering::Relaxed);
        }
        sent.map_err(|err| StoreError::Backend(err.to_string()))?
            .map_err(|_| StoreError::Unavailable("the writer has stopped".to_owned()))?;
        answer
            .await
            .map_err(|_| StoreError::Unavailable("the writer stopped mid-write".to_owned()))?
    }
}

fn run(mut conn: Connection, queue: &mpsc::Receiver<WriteJob>, queued: &AtomicUsize) {
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH_JOBS {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        queued.fetch_sub(batch.len(), Ordering::Relaxed);
        commit_batch(&mut conn, batch);
    }
}

fn commit_batch(conn: &mut Connection, batch: Vec<WriteJob>) {
    let mut outcomes = Vec::with_capacity(batch.len());
    let mut replies = Vec::with_capacity(batch.len());
    let begun = conn.execute_batch("BEGIN IMMEDIATE").map_err(from_sqlite);
    if let Err(err) = begun {
        for job in batch {
            let _ = job.reply.send(Err(StoreError::Unavailable(err.to_string())));
        }
        return;
    }
    for job in batch {
        let outcome = run_in_savepoint(conn, job.work);
        outcomes.push(outcome);
        replies.push(job.reply);
    }
    let committed = conn.execute_batch("COMMIT").map_err(from_sqlite);
    if let Err(err) = committed {
        tracing::error!(error = %err, "sqlite commit failed");
        let _ = conn.execute_batch("ROLLBACK");
        for reply in replies {
            // Keep the kind (a full disk stays "storage full") so the caller can answer accordingly.
            let failure = match &err {
                StoreError::StorageFull(message) => {
                    StoreError::StorageFull(format!("commit failed: {message}"))
                }
                StoreError::Unavailable(message) => {
                    StoreError::Unavailable(format!("commit failed: {message}"))
                }
                other => StoreError::Backend(format!("commit failed: {other}")),
            };
            let _ = reply.send(Err(failure));
        }
        return;
    }
    for (reply, outcome) in replies.into_iter().zip(outcomes) {
        let _ = reply.send(outcome);
    }
}

fn run_in_savepoint(conn: &Connection, work: WriteWork) -> StoreResult<WriteOutput> {
    conn.execute_batch("SAVEPOINT job").map_err(from_sqlite)?;
    // A panic inside one job must not kill the only writer: it becomes that job's error.
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(conn)))
        .unwrap_or_else(|_| Err(StoreError::Backend("a write job panicked".to_owned())));
    let closed = match outcome {
        Ok(_) => conn.execute_batch("RELEASE job"),
        Err(_) => conn.execute_batch("ROLLBACK TO job; RELEASE job"),
    };
    closed.map_err(from_sqlite)?;
    outcome
}
