//! A small Prometheus registry (text exposition format 0.0.4), hand-written over mutex-guarded maps so the
//! server needs no metrics crate. `observe` is the middleware that feeds it, names each request with a request id
//! and wraps the request in a `tracing` span.
//!
//! Invariants: labels are route templates (`/{api_root}/collections/{collection}/objects`), never raw paths, so
//! the number of series is bounded by the routes; no lock is held across an `.await`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tracing::Instrument;

use crate::AppState;

/// The header carrying the request id, in and out.
pub(crate) const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");
/// Upper bounds (seconds) of the latency histogram buckets; `+Inf` is implied.
pub(crate) const LATENCY_BUCKETS: [f64; 12] = [
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// The longest client-supplied request id kept; longer (or non-printable) ones are replaced.
const MAX_REQUEST_ID_LEN: usize = 128;
/// The route label of requests no route matched.
const UNMATCHED_ROUTE: &str = "unmatched";

/// Counters and histograms of one server.
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    requests: Mutex<BTreeMap<RequestKey, u64>>,
    latencies: Mutex<BTreeMap<String, Histogram>>,
    objects_ingested: AtomicU64,
    /// Requests answered 503 by admission (issue 8).
    shed_requests: AtomicU64,
    /// Connections refused over `max_connections` (issue 8).
    refused_connections: AtomicU64,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct RequestKey {
    route: String,
    method: String,
    status: u16,
}

#[derive(Debug, Default, Clone)]
struct Histogram {
    bucket_counts: [u64; LATENCY_BUCKETS.len()],
    count: u64,
    sum_seconds: f64,
}

impl Metrics {
    /// Counts one finished request.
    pub(crate) fn record_request(&self, route: &str, method: &str, status: u16, latency: Duration) {
        let key = RequestKey {
            route: route.to_owned(),
            method: method.to_owned(),
            status,
        };
        *lock(&self.requests).entry(key).or_insert(0) += 1;
        let seconds = latency.as_secs_f64();
        let mut latencies = lock(&self.latencies);
        let histogram = latencies.entry(route.to_owned()).or_default();
        for (bucket_idx, upper) in LATENCY_BUCKETS.iter().enumerate() {
            if seconds <= *upper {
                histogram.bucket_counts[bucket_idx] += 1;
            }
        }
        histogram.count += 1;
        histogram.sum_seconds += seconds;
    }

    /// Counts a request shed by admission.
    pub(crate) fn record_shed(&self) {
        self.shed_requests.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a connection refused over the connection bound.
    pub(crate) fn record_refused_connection(&self) {
        self.refused_connections.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts objects a POST stored.
    pub(crate) fn record_objects_ingested(&self, n_objects: u64) {
        self.objects_ingested.fetch_add(n_objects, Ordering::Relaxed);
    }

    /// The registry in the Prometheus text exposition format, with the hub's policy denial count.
    pub(crate) fn render(&self, policy_denials: u64) -> String {
        let mut text = String::new();
        text.push_str(
            "# HELP stixhub_http_requests_total HTTP requests by route template, method and status.\n",
        );
        text.push_str("# TYPE stixhub_http_requests_total counter\n");
        for (key, count) in lock(&self.requests).iter() {
            let _ = writeln!(
                text,
                "stixhub_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{}\"}} {count}",
                escape_label(&key.route),
                escape_label(&key.method),
                key.status
            );
        }
        text.push_str(
            "# HELP stixhub_http_request_duration_seconds HTTP request latency by route template.\n",
        );
        text.push_str("# TYPE stixhub_http_request_duration_seconds histogram\n");
        for (route, histogram) in lock(&self.latencies).iter() {
            let route = escape_label(route);
            for (bucket_idx, upper) in LATENCY_BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    text,
                    "stixhub_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{upper}\"}} {}",
                    histogram.bucket_counts[bucket_idx]
                );
            }
            let _ = writeln!(
                text,
                "stixhub_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                histogram.count
            );
            let _ = writeln!(
                text,
                "stixhub_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                histogram.sum_seconds
            );
            let _ = writeln!(
                text,
                "stixhub_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                histogram.count
            );
        }
        text.push_str("# HELP stixhub_objects_ingested_total STIX objects stored by TAXII POSTs.\n");
        text.push_str("# TYPE stixhub_objects_ingested_total counter\n");
        let _ = writeln!(
            text,
            "stixhub_objects_ingested_total {}",
            self.objects_ingested.load(Ordering::Relaxed)
        );
        text.push_str(
            "# HELP stixhub_policy_denials_total Collection requests answered 404: no right on the collection, or no such collection (counted alike).\n",
        );
        text.push_str("# TYPE stixhub_policy_denials_total counter\n");
        let _ = writeln!(text, "stixhub_policy_denials_total {policy_denials}");
        text
    }
}

/// Middleware: takes (or makes) the request id, runs the request in a span carrying it, echoes it in the
/// response, and records the request in the metrics.
pub(crate) async fn observe(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let request_id = request
        .headers()
        .get(&REQUEST_ID_HEADER)
        .and_then(|value| value.to_str().ok())
        .filter(|value| is_acceptable_request_id(value))
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned);
    let route = request.extensions().get::<MatchedPath>().map_or_else(
        || UNMATCHED_ROUTE.to_owned(),
        |path| route_template(path.as_str()),
    );
    let method = request.method().as_str().to_owned();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        request.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    let span = tracing::info_span!("request", request_id = %request_id, method = %method, route = %route);
    let mut response = next.run(request).instrument(span.clone()).await;
    let latency = started.elapsed();
    let status = response.status().as_u16();
    state.metrics.record_request(&route, &method, status, latency);
    span.in_scope(|| {
        tracing::info!(
            status,
            latency_ms = latency.as_secs_f64() * 1000.0,
            "request finished"
        );
    });
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    response
}

/// `GET /metrics`: the registry, unauthenticated (it holds counts and route templates, no data or names).
pub(crate) async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        state.metrics.render(state.hub.policy_denials())
            + &render_operations(&state)
            + &render_events(&state)
            + &render_webhooks(&state).await
            + &crate::feeds_api::render_feeds(&state).await,
    )
}

/// Push figures (issue 13): sums over every webhook and every e-mail destination, never a URL, address, id
/// or account (the scrape is unauthenticated). Per-endpoint figures are in the APIs for their owners.
async fn render_webhooks(state: &AppState) -> String {
    let (Ok(webhooks), Ok(mails)) = (state.hub.webhook_totals().await, state.hub.email_totals().await) else {
        return String::new();
    };
    let mut text = String::new();
    for (channel, totals, what, plural, ok) in [
        ("webhook", webhooks, "webhook", "stixhub_webhooks", "2xx"),
        (
            "email",
            mails,
            "e-mail",
            "stixhub_email_destinations",
            "accepted by the relay",
        ),
    ] {
        let _ = writeln!(
            text,
            "# HELP {plural} {what} destinations by state.\n# TYPE {plural} gauge"
        );
        let _ = writeln!(text, "{plural}{{state=\"enabled\"}} {}", totals.enabled);
        let _ = writeln!(text, "{plural}{{state=\"disabled\"}} {}", totals.disabled);
        let series = [
            (
                "deliveries_total",
                "counter",
                format!("Events delivered by {what} ({ok})."),
                totals.delivered,
            ),
            (
                "failed_attempts_total",
                "counter",
                format!("Failed {what} attempts."),
                totals.failed_attempts,
            ),
            (
                "pending",
                "gauge",
                format!("{what} deliveries waiting for a retry."),
                totals.pending,
            ),
            (
                "dead_letters",
                "gauge",
                format!("{what} deliveries dead-lettered (schedule spent or refused)."),
                totals.dead,
            ),
        ];
        for (suffix, kind, help, value) in series {
            let name = format!("stixhub_{channel}_{suffix}");
            let _ = writeln!(text, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}");
        }
    }
    text
}

/// Back-pressure and store metrics (issue 8): admission and connection gauges, shed counts, the store's
/// queue depths, and the latency histogram of every store operation.
fn render_operations(state: &AppState) -> String {
    let mut text = String::new();
    let (in_flight, waiting, connections) = state.admission.depths();
    let limits = &state.admission.limits;
    let gauges: [(&str, &str, f64); 6] = [
        (
            "stixhub_http_requests_in_flight",
            "Requests admitted and being processed.",
            in_flight as f64,
        ),
        (
            "stixhub_http_requests_waiting",
            "Requests waiting for admission (the admission queue).",
            waiting as f64,
        ),
        (
            "stixhub_http_max_in_flight",
            "The bound on requests in flight.",
            limits.max_in_flight as f64,
        ),
        (
            "stixhub_http_max_waiting",
            "The bound on requests waiting for admission.",
            limits.max_waiting as f64,
        ),
        (
            "stixhub_http_connections",
            "Open connections.",
            connections as f64,
        ),
        (
            "stixhub_http_max_connections",
            "The bound on open connections.",
            limits.max_connections as f64,
        ),
    ];
    for (name, help, value) in gauges.into_iter().chain(state.hub.store_gauges()) {
        let _ = writeln!(
            text,
            "# HELP {name} {help}
# TYPE {name} gauge
{name} {value}"
        );
    }
    let counters = [
        (
            "stixhub_http_requests_shed_total",
            "Requests answered 503 because too many were in flight and waiting.",
            state.metrics.shed_requests.load(Ordering::Relaxed),
        ),
        (
            "stixhub_http_connections_refused_total",
            "Connections refused because max_connections were open.",
            state.metrics.refused_connections.load(Ordering::Relaxed),
        ),
    ];
    for (name, help, value) in counters {
        let _ = writeln!(
            text,
            "# HELP {name} {help}
# TYPE {name} counter
{name} {value}"
        );
    }
    let name = "stixhub_store_operation_duration_seconds";
    let _ = writeln!(
        text,
        "# HELP {name} Store call latency by operation.
# TYPE {name} histogram"
    );
    let operations = state.hub.store_operation_stats();
    for stats in &operations {
        let operation = stats.operation;
        for (bucket_idx, upper) in hub::STORE_LATENCY_BUCKETS.iter().enumerate() {
            let _ = writeln!(
                text,
                "{name}_bucket{{operation=\"{operation}\",le=\"{upper}\"}} {}",
                stats.bucket_counts[bucket_idx]
            );
        }
        let _ = writeln!(
            text,
            "{name}_bucket{{operation=\"{operation}\",le=\"+Inf\"}} {count}\n\
             {name}_sum{{operation=\"{operation}\"}} {sum}\n{name}_count{{operation=\"{operation}\"}} {count}",
            count = stats.count,
            sum = stats.sum_seconds
        );
    }
    let failures = "stixhub_store_operation_failures_total";
    let _ = writeln!(
        text,
        "# HELP {failures} Store calls that failed (store unavailable, full or broken) by operation.\n\
         # TYPE {failures} counter"
    );
    for stats in &operations {
        let _ = writeln!(
            text,
            "{failures}{{operation=\"{}\"}} {}",
            stats.operation, stats.failures
        );
    }
    text
}

/// A route template without its trailing slash, so `/x/` and `/x` count as one route.
fn route_template(path: &str) -> String {
    match path.strip_suffix('/') {
        Some(bare) if !bare.is_empty() => bare.to_owned(),
        _ => path.to_owned(),
    }
}

fn is_acceptable_request_id(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= MAX_REQUEST_ID_LEN
        && value.bytes().all(|byte| byte.is_ascii_graphic())
}

fn escape_label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The guarded value, also after a panic elsewhere poisoned the lock (counters stay usable).
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Event stream metrics (issue 13), as aggregates only: no subscription, account or collection label, so an
/// unauthenticated scraper learns nothing about who subscribes to what (per-subscription figures are in
/// `/admin/v1/events/stats`).
fn render_events(state: &AppState) -> String {
    let hub = &state.hub;
    let latest = hub.latest_event();
    let stats = hub.subscription_stats();
    let open: Vec<&hub::SubscriptionStats> = stats.iter().filter(|s| s.streams > 0).collect();
    let max_lag = open
        .iter()
        .map(|s| latest.saturating_sub(s.delivered_seq))
        .max()
        .unwrap_or(0);
    let mut gauges = vec![
        (
            "stixhub_events_latest_seq",
            "The newest event position this node has read from the log.",
            latest as f64,
        ),
        (
            "stixhub_events_oldest_seq",
            "The oldest event position the log retains.",
            hub.oldest_event() as f64,
        ),
        (
            "stixhub_events_streams",
            "Event streams (SSE) open on this node.",
            open.iter().map(|s| s.streams).sum::<u64>() as f64,
        ),
        (
            "stixhub_events_subscriptions_streaming",
            "Subscriptions (and ad-hoc accounts) with an open stream on this node.",
            open.len() as f64,
        ),
        (
            "stixhub_events_max_lag",
            "The largest lag (newest position minus newest delivered) of an open stream on this node.",
            max_lag as f64,
        ),
    ];
    if let Some(connected) = hub.event_bus_connected() {
        gauges.push((
            "stixhub_events_bus_connected",
            "1 when the cross-node event bus (NATS) is connected.",
            if connected { 1.0 } else { 0.0 },
        ));
    }
    let mut text = String::new();
    for (name, help, value) in gauges {
        let _ = writeln!(text, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}");
    }
    let counters = [
        (
            "stixhub_events_deliveries_total",
            "Events delivered on streams of this node.",
            stats.iter().map(|s| s.deliveries).sum::<u64>(),
        ),
        (
            "stixhub_events_delivery_failures_total",
            "Streams that broke with events still to deliver, on this node.",
            stats.iter().map(|s| s.failures).sum::<u64>(),
        ),
    ];
    for (name, help, value) in counters {
        let _ = writeln!(
            text,
            "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}"
        );
    }
    text
}
