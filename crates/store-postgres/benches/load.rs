//! Load benchmark of `PostgresStore` through the `Store` API: ingest N objects, then first-page latency,
//! a full walk by keyset cursor and by `added_after`, and random `match[id]` lookups. Prints one line per
//! figure. Runs in a fresh schema of the database at `--url` (default: `STIXHUB_TEST_DATABASE_URL`, else
//! the local test database), dropped at the end unless `--keep`.
//!
//! `cargo bench -p store-postgres --bench load -- --n 1000000 [--batch 1000] [--writers 4] [--url URL]`

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use stix::timestamp::Timestamp;
use store::{
    ApiRoot, Collection, CollectionId, IngestRequest, NewObject, ObjectQuery, Projection, Store,
    VersionSelector,
};
use store_postgres::PostgresStore;
use tokio_postgres::NoTls;

#[derive(Debug)]
struct Options {
    n_objects: u64,
    batch: u64,
    writers: u64,
    url: String,
    keep: bool,
}

fn options() -> Options {
    let mut options = Options {
        n_objects: 100_000,
        batch: 1000,
        writers: 4,
        url: std::env::var("STIXHUB_TEST_DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned()),
        keep: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> u64 {
            args.next()
                .and_then(|value| value.replace('_', "").parse().ok())
                .unwrap_or_else(|| panic!("{name} needs a number"))
        };
        match arg.as_str() {
            "--n" => options.n_objects = number("--n"),
            "--batch" => options.batch = number("--batch").max(1),
            "--writers" => options.writers = number("--writers").max(1),
            "--url" => options.url = args.next().expect("--url needs a value"),
            "--keep" => options.keep = true,
            // `cargo bench` passes `--bench`; ignore it and anything unknown.
            _ => {}
        }
    }
    options
}

fn object_id(n: u64) -> String {
    format!("indicator--{:08x}-0000-4000-8000-{:012x}", n >> 16, n)
}

/// An indicator of about 500 bytes, shaped like real feed content.
fn indicator(n: u64) -> NewObject {
    let id = object_id(n);
    let modified = "2024-05-01T12:00:00.000Z";
    let raw = format!(
        r#"{{"type":"indicator","spec_version":"2.1","id":"{id}","created":"2024-05-01T12:00:00.000Z","modified":"{modified}","name":"Malicious host {n}","description":"Observed in phishing campaign {c}; block at the perimeter.","indicator_types":["malicious-activity"],"pattern":"[ipv4-addr:value = '10.{a}.{b}.{d}']","pattern_type":"stix","valid_from":"2024-05-01T12:00:00Z","labels":["bench"],"confidence":80,"created_by_ref":"identity--f431f809-377b-45e0-aa1c-6a4751cae5ff"}}"#,
        c = n % 97,
        a = (n >> 16) & 255,
        b = (n >> 8) & 255,
        d = n & 255,
    );
    NewObject {
        id,
        object_type: "indicator".to_owned(),
        version: Some(Timestamp::parse(modified).expect("fixed timestamp")),
        spec_version: "2.1".to_owned(),
        revoked: false,
        raw,
        markings: Vec::new(),
        public_id: None,
    }
}

fn query(collection: &CollectionId, limit: usize) -> ObjectQuery {
    ObjectQuery {
        collection: collection.clone(),
        ids: Vec::new(),
        types: Vec::new(),
        added_after: None,
        spec_versions: Vec::new(),
        versions: VersionSelector::last(),
        after: None,
        limit,
        projection: Projection::Full,
    }
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted.get(idx).copied().unwrap_or_default()
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}

async fn run_sql(url: &str, sql: &str) {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await.expect("database");
    let connection = tokio::spawn(connection);
    client.batch_execute(sql).await.expect("sql");
    drop(client);
    let _ = connection.await;
}

fn report(line: &str) {
    let _ = writeln!(std::io::stdout(), "{line}");
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let options = options();
    let schema = format!("bench_{}", uuid::Uuid::new_v4().simple());
    run_sql(&options.url, &format!("CREATE SCHEMA {schema}")).await;
    let separator = if options.url.contains('?') { '&' } else { '?' };
    let url = format!("{}{separator}options=-csearch_path%3D{schema}", options.url);
    let store = Arc::new(PostgresStore::connect(&url).await.expect("connect"));
    store
        .create_api_root(ApiRoot {
            name: "bench".to_owned(),
            title: "bench".to_owned(),
            description: None,
            max_content_length: 100 << 20,
        })
        .await
        .expect("api root");
    let collection = CollectionId::new("8b0e5f4c-0000-4000-8000-000000000001");
    store
        .create_collection(Collection {
            id: collection.clone(),
            api_root: "bench".to_owned(),
            title: "bench".to_owned(),
            description: None,
            alias: None,
        })
        .await
        .expect("collection");
    report(&format!(
        "postgres load: n={} batch={} writers={} schema={schema}",
        options.n_objects, options.batch, options.writers
    ));

    // Ingest: `writers` tasks take the next batch number until all N objects are posted.
    let next_batch = Arc::new(AtomicU64::new(0));
    let n_batches = options.n_objects.div_ceil(options.batch);
    let started = Instant::now();
    let mut writers = Vec::new();
    for _ in 0..options.writers {
        let (store, collection, next_batch) =
            (Arc::clone(&store), collection.clone(), Arc::clone(&next_batch));
        let (batch, n_objects) = (options.batch, options.n_objects);
        writers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let batch_idx = next_batch.fetch_add(1, Ordering::Relaxed);
                if batch_idx >= n_batches {
                    break;
                }
                let first = batch_idx * batch;
                let objects = (first..(first + batch).min(n_objects)).map(indicator).collect();
                let request = IngestRequest {
                    collection: collection.clone(),
                    api_root: "bench".to_owned(),
                    status_id: format!("bench-status-{batch_idx}"),
                    account: "bench".to_owned(),
                    submitter_org: None,
                    recipients: Vec::new(),
                    request_timestamp: 0,
                    objects,
                    failures: Vec::new(),
                    pending: Vec::new(),
                };
                let posted = Instant::now();
                store.ingest(request).await.expect("ingest");
                latencies.push(posted.elapsed());
            }
            latencies
        }));
    }
    let mut post_latencies = Vec::new();
    for writer in writers {
        post_latencies.extend(writer.await.expect("writer"));
    }
    let ingest_secs = started.elapsed().as_secs_f64();
    post_latencies.sort();
    report(&format!(
        "ingest: {} objects in {ingest_secs:.1} s = {:.0} objects/s (POST of {} p50 {:.1} ms, p99 {:.1} ms)",
        options.n_objects,
        options.n_objects as f64 / ingest_secs,
        options.batch,
        millis(percentile(&post_latencies, 0.5)),
        millis(percentile(&post_latencies, 0.99)),
    ));
    run_sql(&url, "ANALYZE objects").await;

    // First page: the default query (match[version]=last, full objects), limit 1000, repeated.
    let mut first_page = Vec::new();
    for _ in 0..50 {
        let asked = Instant::now();
        let page = store.query_objects(query(&collection, 1000)).await.expect("page");
        first_page.push(asked.elapsed());
        assert_eq!(page.records.len() as u64, options.n_objects.min(1000));
    }
    first_page.sort();
    report(&format!(
        "first page (limit 1000, full): p50 {:.2} ms, p99 {:.2} ms",
        millis(percentile(&first_page, 0.5)),
        millis(percentile(&first_page, 0.99)),
    ));

    // Walks: by keyset position (what a `next` cursor carries) and by `added_after` (what taxii2-client does).
    for by_added_after in [false, true] {
        let started = Instant::now();
        let (mut n_seen, mut after) = (0u64, None::<i64>);
        loop {
            let mut page_query = query(&collection, 1000);
            if by_added_after {
                page_query.added_after = after;
            } else {
                page_query.after = after.map(store::Position);
            }
            let page = store.query_objects(page_query).await.expect("page");
            n_seen += page.records.len() as u64;
            after = page.records.last().map(|r| r.date_added);
            if !page.more {
                break;
            }
        }
        let secs = started.elapsed().as_secs_f64();
        assert_eq!(n_seen, options.n_objects, "the walk sees every object once");
        report(&format!(
            "walk by {}: {n_seen} objects in {secs:.1} s = {:.0} objects/s",
            if by_added_after {
                "added_after"
            } else {
                "next position"
            },
            n_seen as f64 / secs
        ));
    }

    // match[type]: a common type first (enough executions that a cached generic plan would be chosen),
    // then a rare one, which must not scan the collection.
    let malware = NewObject {
        id: "malware--8b0e5f4c-0000-4000-8000-000000000001".to_owned(),
        object_type: "malware".to_owned(),
        version: Some(Timestamp::parse("2024-05-01T12:00:00.000Z").expect("fixed timestamp")),
        spec_version: "2.1".to_owned(),
        revoked: false,
        raw: r#"{"type":"malware","spec_version":"2.1","id":"malware--8b0e5f4c-0000-4000-8000-000000000001","created":"2024-05-01T12:00:00.000Z","modified":"2024-05-01T12:00:00.000Z","name":"rare","is_family":false}"#.to_owned(),
        markings: Vec::new(),
        public_id: None,
    };
    store
        .ingest(IngestRequest {
            collection: collection.clone(),
            api_root: "bench".to_owned(),
            status_id: "bench-status-rare".to_owned(),
            account: "bench".to_owned(),
            submitter_org: None,
            recipients: Vec::new(),
            request_timestamp: 0,
            objects: vec![malware],
            failures: Vec::new(),
            pending: Vec::new(),
        })
        .await
        .expect("ingest");
    let mut by_type = Vec::new();
    for object_type in ["indicator", "malware"] {
        let mut latencies = Vec::new();
        for _ in 0..20 {
            let mut typed = query(&collection, 1000);
            typed.types = vec![object_type.to_owned()];
            let asked = Instant::now();
            store.query_objects(typed).await.expect("page");
            latencies.push(asked.elapsed());
        }
        latencies.sort();
        by_type.push(format!(
            "{object_type} p50 {:.2} ms",
            millis(percentile(&latencies, 0.5))
        ));
    }
    report(&format!("match[type] first page: {}", by_type.join(", ")));

    // Random match[id] lookups.
    let mut lookups = Vec::new();
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    for _ in 0..2000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let mut by_id = query(&collection, 100);
        by_id.ids = vec![object_id(state % options.n_objects.max(1))];
        let asked = Instant::now();
        let page = store.query_objects(by_id).await.expect("page");
        lookups.push(asked.elapsed());
        assert_eq!(page.records.len(), 1);
    }
    lookups.sort();
    report(&format!(
        "match[id]: p50 {:.2} ms, p99 {:.2} ms",
        millis(percentile(&lookups, 0.5)),
        millis(percentile(&lookups, 0.99)),
    ));
    report(&format!("client peak RSS: {:.0} MiB", peak_rss_mib()));

    let (client, connection) = tokio_postgres::connect(&options.url, NoTls)
        .await
        .expect("database");
    let connection = tokio::spawn(connection);
    let size: i64 = client
        .query_one(
            "SELECT sum(pg_total_relation_size(c.oid))::bigint FROM pg_class c JOIN pg_namespace n \
             ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'",
            &[&schema],
        )
        .await
        .expect("size")
        .get(0);
    report(&format!(
        "database size: {:.0} MiB",
        size as f64 / (1 << 20) as f64
    ));
    drop(client);
    let _ = connection.await;
    drop(store);
    if !options.keep {
        run_sql(&options.url, &format!("DROP SCHEMA {schema} CASCADE")).await;
    }
}
