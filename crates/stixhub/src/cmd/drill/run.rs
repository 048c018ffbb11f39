//! `stixhub drill run`: checks the scenario (refusing it with line-level diagnostics before any call), sets it
//! up, opens the event streams, plays the timeline, waits for the scripted responses and deliveries (or the
//! grace period), compares with the audit log, and writes `report.json`, `report.csv` and `report.html`.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use drill::Scenario;
use drill::report::Report;
use indicatif::{ProgressBar, ProgressStyle};
use tokio::sync::oneshot;

use super::api::Api;
use super::listen::{Ear, listen};
use super::play::{Ctx, now_us};
use super::{reconcile, setup};

/// How the run goes.
#[derive(Debug, Clone)]
pub(crate) struct RunOptions {
    pub(crate) url: String,
    pub(crate) admin_auth: String,
    pub(crate) speed: Option<f64>,
    pub(crate) grace: Duration,
    pub(crate) concurrency: usize,
    pub(crate) quiet: bool,
}

/// Plays the scenario; returns the report.
pub(crate) async fn run(scenario: Scenario, options: &RunOptions) -> anyhow::Result<Report> {
    let speed = options.speed.unwrap_or(scenario.speed);
    let scenario = Arc::new(scenario);
    let api = Api::new(&options.url, options.concurrency);
    let admin = options.admin_auth.as_str();
    let say = |text: &str| {
        if !options.quiet {
            eprintln!("drill: setting up {text}");
        }
    };
    let audit_from = setup::audit_head(&api, admin)
        .await
        .context("the admin credentials must be a hub admin's (the audit log is read at the end)")?;
    let provisioned = setup::provision(&api, admin, &scenario, &say).await?;
    say("incident categories and routing rules");
    let routes = setup::incident_config(&api, admin, &scenario).await?;
    let ctx = Arc::new(Ctx::new(api.clone(), scenario.clone(), provisioned, speed));

    // Ears first: a delivery or alert must not happen before anyone listens.
    let mut ears: BTreeMap<String, Ear> = BTreeMap::new();
    for subscriber in &scenario.subscribers {
        ears.insert(
            subscriber.account.clone(),
            Ear {
                account: subscriber.account.clone(),
                subscriber: true,
                responder: false,
                collection: subscriber
                    .collection
                    .as_ref()
                    .and_then(|alias| ctx.provisioned.collections.get(alias))
                    .map(|c| c.id.clone()),
            },
        );
    }
    for org in scenario.organisations.iter().filter(|o| o.behaviour.is_some()) {
        for account in &org.accounts {
            ears.entry(account.clone())
                .or_insert_with(|| Ear {
                    account: account.clone(),
                    subscriber: false,
                    responder: true,
                    collection: None,
                })
                .responder = true;
        }
    }
    if !options.quiet {
        eprintln!("drill: opening {} event streams", ears.len());
    }
    let mut listeners = Vec::new();
    for ear in ears.into_values() {
        let (ready, opened) = oneshot::channel();
        let account = ear.account.clone();
        listeners.push(tokio::spawn(listen(ctx.clone(), ear, ready)));
        match opened.await {
            Ok(Ok(())) => {}
            Ok(Err(err)) => bail!("the event stream of {account}: {err}"),
            Err(_) => bail!("the event stream of {account} ended before it opened"),
        }
    }

    let started = now_us();
    let start = Instant::now();
    let bar = if options.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(scenario.injects.len() as u64)
    };
    bar.set_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} injects  {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut submissions = Vec::new();
    let mut last_at = Duration::ZERO;
    for (index, inject) in scenario.injects.iter().enumerate() {
        let at = Duration::from_secs_f64(inject.at_ms as f64 / 1000.0 / speed);
        last_at = last_at.max(at);
        tokio::time::sleep_until((start + at).into()).await;
        submissions.push(tokio::spawn(ctx.clone().submit(index)));
        bar.set_position(index as u64 + 1);
        update(&bar, &ctx);
    }
    for submission in submissions {
        let _ = submission.await;
    }
    let longest_script = scenario
        .organisations
        .iter()
        .filter_map(|o| o.behaviour.as_ref())
        .flat_map(|b| {
            [
                Some(b.acknowledge_after_ms),
                b.triage_after_ms,
                b.share_after_ms,
                b.resolve_after_ms,
            ]
        })
        .flatten()
        .max()
        .unwrap_or(0);
    let give_up =
        start + last_at + Duration::from_secs_f64(longest_script as f64 / 1000.0 / speed) + options.grace;
    while !ctx.complete() && Instant::now() < give_up {
        update(&bar, &ctx);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Deliveries of the last acts need a moment to arrive when everything else is done.
    update(&bar, &ctx);
    bar.finish();
    let finished = now_us();
    for listener in &listeners {
        listener.abort();
    }
    if !ctx.complete() {
        ctx.note("the grace period ended before every scripted stage and delivery happened".to_owned());
    }

    let (records, mut notes) = {
        let state = ctx.state();
        (state.records.clone(), state.notes.clone())
    };
    notes.extend(setup::remove_routes(&api, admin, &routes).await);
    let audit = match setup::audit_entries(&api, admin, audit_from).await {
        Ok(entries) => Some(reconcile::compare(&records, &entries)),
        Err(err) => {
            notes.push(format!("the audit log could not be read: {err:#}"));
            None
        }
    };
    Ok(Report {
        scenario: scenario.name.clone(),
        description: scenario.description.clone(),
        url: options.url.clone(),
        started,
        finished,
        speed,
        subscribers: scenario.subscribers.iter().map(|s| s.account.clone()).collect(),
        injects: records,
        notes,
        audit,
    })
}

fn update(bar: &ProgressBar, ctx: &Ctx) {
    let (submitted, acknowledged, published, delivered, expected) = ctx.progress();
    bar.set_message(format!(
        "submitted {submitted}, acknowledged {acknowledged}, published {published}, delivered {delivered}/{expected}"
    ));
}

/// Writes the three renderings into `dir` (created); returns their paths.
pub(crate) fn write_report(report: &Report, dir: &Path) -> anyhow::Result<[std::path::PathBuf; 3]> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let json = dir.join("report.json");
    let csv = dir.join("report.csv");
    let html = dir.join("report.html");
    let text = serde_json::to_string_pretty(&drill::render::to_json(report))?;
    std::fs::write(&json, text).with_context(|| format!("writing {}", json.display()))?;
    std::fs::write(&csv, drill::render::to_csv(report))
        .with_context(|| format!("writing {}", csv.display()))?;
    std::fs::write(&html, drill::html::to_html(report))
        .with_context(|| format!("writing {}", html.display()))?;
    Ok([json, csv, html])
}
