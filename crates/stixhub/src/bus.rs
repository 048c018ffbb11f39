//! The NATS JetStream adapter of the hub's `EventBus`: cross-node wake-ups for the event stream (issue 13).
//!
//! The store's event log is the truth; NATS carries only "events up to position N are committed" between the
//! nodes of one store. Each node publishes to `stixhub.events.<bus name>` (a memory stream keeping the last
//! minutes) when its tail finds new events, and follows the stream with an ordered consumer from "new"; any
//! message wakes its tail, which reads the log. A lost or late message costs latency only: every tail also
//! polls the log every second.
//!
//! Outage: the client reconnects by itself; the connection state is the `stixhub_events_bus_connected` gauge
//! and the `bus` of `/admin/v1/events/stats`; a failure of the stream set-up is logged and retried every
//! second. After a reconnect the stream and the consumer are set up again (a restarted server has lost the
//! memory stream) and the tail is woken once so it catches up from the log.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_nats::jetstream::{self, consumer, stream};
use futures_util::StreamExt;
use hub::{EventBus, Hub};
use tokio::sync::{Notify, mpsc};
use tokio::task::JoinHandle;

/// Announcements waiting to be published; beyond that they are dropped (the next one supersedes them).
const QUEUE: usize = 1024;

#[derive(Debug)]
struct NatsBus {
    announcements: mpsc::Sender<u64>,
    connected: Arc<AtomicBool>,
}

impl EventBus for NatsBus {
    fn announce(&self, seq: u64) {
        // Never blocks the tail: a full queue means newer announcements are pending anyway.
        let _ = self.announcements.try_send(seq);
    }

    fn connected(&self) -> bool {
        self.connected.load(Ordering::Relaxed)
    }
}

/// The running adapter.
#[derive(Debug)]
pub(crate) struct BusHandle {
    task: JoinHandle<()>,
}

impl BusHandle {
    /// Stops the adapter.
    pub(crate) fn abort(self) {
        self.task.abort();
    }
}

/// Installs a NATS bus on `hub` and starts it (connecting in the background: an unreachable server is
/// retried, and the hub works meanwhile by polling).
pub(crate) async fn start(url: &str, hub: Arc<Hub>) -> anyhow::Result<BusHandle> {
    let name = hub.event_bus_name().await?;
    let (announcements, queue) = mpsc::channel(QUEUE);
    let connected = Arc::new(AtomicBool::new(false));
    hub.set_event_bus(Arc::new(NatsBus {
        announcements,
        connected: Arc::clone(&connected),
    }));
    let task = tokio::spawn(supervise(url.to_owned(), name, hub, queue, connected));
    Ok(BusHandle { task })
}

async fn supervise(
    url: String,
    name: String,
    hub: Arc<Hub>,
    mut queue: mpsc::Receiver<u64>,
    connected: Arc<AtomicBool>,
) {
    loop {
        match run(&url, &name, &hub, &mut queue, &connected).await {
            Ok(()) => return,
            Err(err) => {
                connected.store(false, Ordering::Relaxed);
                tracing::warn!(error = %err, "event bus (NATS) unavailable; polling the log meanwhile, retrying");
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn run(
    url: &str,
    name: &str,
    hub: &Arc<Hub>,
    queue: &mut mpsc::Receiver<u64>,
    connected: &Arc<AtomicBool>,
) -> Result<(), async_nats::Error> {
    let flag = Arc::clone(connected);
    let woken = Arc::clone(hub);
    // Set on every (re)connection: a restarted NATS server has lost the memory stream, and the ordered
    // consumer would retry against a missing stream for ever; the loop below sets both up again.
    let reconnected = Arc::new(Notify::new());
    let notify = Arc::clone(&reconnected);
    let client = async_nats::ConnectOptions::new()
        .event_callback(move |event| {
            let (flag, woken, notify) = (Arc::clone(&flag), Arc::clone(&woken), Arc::clone(&notify));
            async move {
                match event {
                    async_nats::Event::Connected => {
                        flag.store(true, Ordering::Relaxed);
                        tracing::info!("event bus (NATS) reconnected");
                        notify.notify_one();
                        woken.wake_events();
                    }
                    async_nats::Event::Disconnected => {
                        flag.store(false, Ordering::Relaxed);
                        tracing::warn!("event bus (NATS) disconnected; polling the log meanwhile");
                    }
                    _ => {}
                }
            }
        })
        .connect(url)
        .await?;
    let subject = format!("stixhub.events.{name}");
    let context = jetstream::new(client.clone());
    loop {
        let mut messages = follow(&context, &client, name, &subject).await?;
        connected.store(true, Ordering::Relaxed);
        tracing::info!(subject = %subject, "event bus (NATS) connected");
        // Whatever was announced while the bus was down is in the log: catch up from it.
        hub.wake_events();
        loop {
            tokio::select! {
                () = reconnected.notified() => break,
                announced = queue.recv() => {
                    let Some(mut seq) = announced else { return Ok(()) };
                    while let Ok(newer) = queue.try_recv() {
                        seq = seq.max(newer);
                    }
                    // The acknowledgement is not awaited: a lost wake-up costs latency, never events.
                    drop(context.publish(subject.clone(), seq.to_string().into()).await?);
                }
                message = messages.next() => match message {
                    Some(Ok(_)) => hub.wake_events(),
                    Some(Err(err)) => return Err(err.into()),
                    None => return Err("the event bus consumer ended".into()),
                },
            }
        }
    }
}

/// Creates (or finds) the stream and an ordered consumer following it from now on.
async fn follow(
    context: &jetstream::Context,
    client: &async_nats::Client,
    name: &str,
    subject: &str,
) -> Result<consumer::push::Ordered, async_nats::Error> {
    let events = context
        .get_or_create_stream(stream::Config {
            name: format!("STIXHUB_EVENTS_{name}"),
            subjects: vec![subject.to_owned()],
            storage: stream::StorageType::Memory,
            max_messages: 10_000,
            max_age: Duration::from_secs(600),
            ..stream::Config::default()
        })
        .await?;
    let follower = events
        .create_consumer(consumer::push::OrderedConfig {
            deliver_subject: client.new_inbox(),
            deliver_policy: consumer::DeliverPolicy::New,
            ..consumer::push::OrderedConfig::default()
        })
        .await?;
    Ok(follower.messages().await?)
}
