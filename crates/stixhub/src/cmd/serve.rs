//! `stixhub serve`: opens the store, bootstraps it on first start, and serves TAXII 2.1 until SIGTERM/SIGINT.
//!
//! Contract (docs/interface.md): prints `listening on http://HOST:PORT` (`https://` with `--tls-cert`; the real
//! port, also with `:0`) on stderr once ready; on SIGHUP re-reads the TLS files (a bad file keeps the old ones); on first start with no accounts prints the generated `admin` password once (unless
//! `$STIXHUB_ADMIN_PASSWORD` is set); on SIGTERM/SIGINT stops accepting, finishes requests in flight, appends
//! the buffered audit entries of reads, exits 0.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use hub::{Hub, HubConfig};

use crate::config::ConfigFlags;
use crate::config::env;
use crate::config::validated::Config;

/// How often expired statuses are purged.
const STATUS_PURGE_PERIOD: Duration = Duration::from_secs(3600);
/// How often `serve` looks for feeds that are due (each has its own `--every`).
const FEED_TICK: Duration = Duration::from_secs(5);

/// Arguments of `stixhub serve`.
#[derive(Debug, clap::Args)]
pub(crate) struct ServeArgs {
    /// A TOML configuration file (docs/taxii-server.md, "Configuration"); flags and environment override it.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(flatten)]
    flags: ConfigFlags,
    /// On a new store, create demo organisations and accounts (fixed, published passwords: demo only) and
    /// load the demo dataset (ATT&CK for ICS subset, sample indicators and sightings).
    #[arg(long)]
    demo: bool,
}

/// What a new store is filled with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seed {
    /// Only what bootstrap creates.
    Nothing,
    /// The demo organisations, accounts and dataset (`--demo`).
    Demo,
}

pub(crate) fn run(args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let config = crate::config::load(args.config.as_deref(), &args.flags)?;
    crate::logging::install(&config);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting tokio")?;
    let seed = if args.demo { Seed::Demo } else { Seed::Nothing };
    runtime.block_on(serve(&config, seed))
}

async fn serve(config: &Config, seed: Seed) -> anyhow::Result<ExitCode> {
    let store_args = config.store_args();
    let keys = crate::cmd::audit_key::load_or_create(&store_args)?;
    let hub_config = HubConfig {
        quotas: config.operations.quotas.clone(),
        max_page_bytes: config.operations.max_page_bytes,
        events: config.events.hub.clone(),
        ..HubConfig::default()
    };
    let hub = Arc::new(
        crate::cmd::admin::open_hub(&store_args, keys, hub_config)
            .await
            .context("starting the hub")?,
    );
    let admin_password = std::env::var(env::ADMIN_PASSWORD).ok();
    let bootstrap = hub
        .bootstrap(admin_password)
        .await
        .context("preparing the store")?;
    if let Some(password) = bootstrap.generated_admin_password {
        eprintln!("created account admin with password: {password}");
    }
    if seed == Seed::Demo && bootstrap.created_admin {
        crate::cmd::demo::load(&hub).await.context("loading the demo")?;
    } else if seed == Seed::Demo {
        eprintln!("demo: the store is not new, so nothing was loaded");
    }
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let address = listener.local_addr().context("reading the bound address")?;
    let tls = match config.operations.tls.clone() {
        Some(files) => Some(server::TlsConfigSource::load(files).context("loading the TLS files")?),
        None => None,
    };
    tracing::info!(%address, tls = tls.is_some(), "listening");
    let purger = tokio::spawn(purge_statuses_periodically(Arc::clone(&hub)));
    let flusher = tokio::spawn({
        let hub = Arc::clone(&hub);
        async move { hub.run_audit_flusher(hub::AUDIT_FLUSH_PERIOD).await }
    });
    // The event stream: this node's tail of the log, and NATS wake-ups between nodes when configured.
    let bus = match &config.events.nats {
        Some(url) => Some(crate::bus::start(url, Arc::clone(&hub)).await?),
        None => None,
    };
    hub.start_event_tail();
    // Victim notification (issue 14): new versions against the verified assets, from now on.
    let victims = tokio::spawn(Arc::clone(&hub).run_victim_notifier());
    // Incident timers (issue 16): breached deadlines escalate cases to their next tier.
    let incident_timers = tokio::spawn(Arc::clone(&hub).run_incident_timers());
    // The live indicator index (issue 14): built in the background from the store, then kept current from
    // the event log; `POST /match/v1/` answers 503 until it is built.
    hub.start_live_index();
    // The risk register's trend (issue 18): one snapshot per hour, overdue actions announced.
    let risk_snapshots = tokio::spawn({
        let hub = Arc::clone(&hub);
        async move { hub.run_risk_snapshots(std::time::Duration::from_secs(3600)).await }
    });
    // Feedback scores (issue 15): built in the background, then kept current from the event log.
    hub.start_scores();
    let webhook_sender: Arc<dyn hub::WebhookSender> = Arc::new(server::HttpWebhookSender::new(
        config.push.allow_private,
        config.push.timeout,
    ));
    let deliveries = tokio::spawn(Arc::clone(&hub).run_webhook_deliveries(
        Arc::clone(&webhook_sender),
        hub::WebhookDeliveryConfig {
            schedule: config.push.schedule.clone(),
            lease: config.push.lease,
            ..hub::WebhookDeliveryConfig::default()
        },
    ));
    let mail_deliveries = match &config.email {
        Some(email) => Some(tokio::spawn(Arc::clone(&hub).run_mail_deliveries(
            Arc::new(smtp_mailer(email)?),
            email.web_url.clone(),
            hub::WebhookDeliveryConfig {
                schedule: config.push.schedule.clone(),
                lease: config.push.lease,
                ..hub::WebhookDeliveryConfig::default()
            },
        ))),
        None => None,
    };
    // Feeds (issue 17): every upstream collection pulled on its schedule through the TAXII client.
    let feed_source: Arc<dyn hub::FeedSource> = Arc::new(crate::feed_source::TaxiiFeedSource::default());
    let feeds = tokio::spawn(Arc::clone(&hub).run_feed_scheduler(Arc::clone(&feed_source), FEED_TICK));
    // Feeds out: subscriptions pushed to other TAXII servers' collections by the push worker.
    let pushes = tokio::spawn(Arc::clone(&hub).run_push_deliveries(
        Arc::clone(&feed_source),
        hub::WebhookDeliveryConfig {
            schedule: config.push.schedule.clone(),
            lease: config.push.lease,
            ..hub::WebhookDeliveryConfig::default()
        },
    ));
    let state = server::AppState::with_limits(Arc::clone(&hub), config.operations.limits.clone())
        .with_webhook_sender(webhook_sender)
        .with_feed_source(feed_source);
    match tls {
        Some(tls) => {
            let reloader = tokio::spawn(reload_on_sighup(tls.clone()));
            eprintln!("listening on https://{address}");
            server::serve_tls(listener, tls, state, shutdown_signal())
                .await
                .context("serving")?;
            reloader.abort();
        }
        None => {
            eprintln!("listening on http://{address}");
            server::serve(listener, state, shutdown_signal())
                .await
                .context("serving")?;
        }
    }
    purger.abort();
    if let Some(bus) = bus {
        bus.abort();
    }
    deliveries.abort();
    if let Some(mail) = mail_deliveries {
        mail.abort();
    }
    victims.abort();
    risk_snapshots.abort();
    feeds.abort();
    pushes.abort();
    incident_timers.abort();
    // The requests in flight have finished: append the read entries they buffered.
    hub.stop_audit_flusher();
    if let Err(err) = flusher.await {
        tracing::error!(error = %err, "the audit flusher failed");
    }
    hub.flush_audit()
        .await
        .context("appending the last audit entries")?;
    Ok(ExitCode::SUCCESS)
}

async fn purge_statuses_periodically(hub: Arc<Hub>) {
    let mut ticks = tokio::time::interval(STATUS_PURGE_PERIOD);
    loop {
        ticks.tick().await;
        if let Err(err) = hub.purge_expired_statuses().await {
            tracing::warn!(error = %err, "status purge failed");
        }
    }
}

/// Re-reads the TLS files on each SIGHUP; a failed reload keeps the configuration in use.
async fn reload_on_sighup(tls: server::TlsConfigSource) {
    #[cfg(unix)]
    {
        let Ok(mut hangups) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) else {
            tracing::error!("cannot listen for SIGHUP; TLS reload disabled");
            return;
        };
        while hangups.recv().await.is_some() {
            match tls.reload() {
                Ok(()) => tracing::warn!("SIGHUP: TLS certificate reloaded"),
                Err(err) => {
                    tracing::error!(error = %err, "SIGHUP: TLS reload failed, keeping the old certificate")
                }
            }
        }
    }
    #[cfg(not(unix))]
    std::future::pending::<()>().await;
}

async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}

/// The SMTP client of `[email]`.
fn smtp_mailer(email: &crate::config::email::EmailConfig) -> anyhow::Result<server::SmtpMailer> {
    use crate::config::email::StartTlsMode;
    let from = mail::Address::parse(&email.from).map_err(|err| anyhow::anyhow!("email.from: {err}"))?;
    let extra_roots = match &email.ca_file {
        Some(path) => server::read_certs(path).context("email.ca_file")?,
        None => Vec::new(),
    };
    Ok(server::SmtpMailer::new(server::SmtpSettings {
        host: email.host.clone(),
        port: email.port,
        helo: from.domain().to_owned(),
        from,
        starttls: match email.starttls {
            StartTlsMode::Required => server::StartTls::Required,
            StartTlsMode::Opportunistic => server::StartTls::Opportunistic,
            StartTlsMode::Never => server::StartTls::Never,
        },
        credentials: email.credentials.clone(),
        timeout: email.timeout,
        extra_roots,
    }))
}
