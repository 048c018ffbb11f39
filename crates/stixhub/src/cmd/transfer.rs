//! `stixhub collection export ID --to FILE` and `stixhub collection import ID FILE` (issue 8): a collection as
//! one STIX bundle, every version of every object, each object byte-for-byte as stored.
//!
//! Both stream: export writes page by page (`Hub::export_page`), import parses the bundle incrementally on a
//! blocking thread and posts it in envelopes of `--batch` objects through `Hub::import_envelope` (validation,
//! quotas and sharing facts as for a TAXII POST by `admin`). `--progress` draws a progress line on stderr when
//! it is a terminal.

use std::fmt;
use std::fs::File;
use std::io::{BufReader, BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use tokio::sync::mpsc;

use crate::cmd::admin::with_hub;
use crate::cmd::store_args::StoreArgs;

/// Arguments of `stixhub collection export`.
#[derive(Debug, clap::Args)]
pub(crate) struct ExportArgs {
    /// Collection id or alias.
    collection: String,
    /// The bundle file to write.
    #[arg(long, value_name = "FILE")]
    to: PathBuf,
    /// Show progress on stderr (when it is a terminal).
    #[arg(long)]
    progress: bool,
    #[command(flatten)]
    store: StoreArgs,
}

/// Arguments of `stixhub collection import`.
#[derive(Debug, clap::Args)]
pub(crate) struct ImportArgs {
    /// Collection id or alias.
    collection: String,
    /// A STIX bundle (`{"type":"bundle","objects":[…]}`), e.g. from `collection export`.
    file: PathBuf,
    /// Objects posted per envelope.
    #[arg(long, value_name = "N", default_value_t = 500)]
    batch: usize,
    /// Show progress on stderr (when it is a terminal).
    #[arg(long)]
    progress: bool,
    #[command(flatten)]
    store: StoreArgs,
}

pub(crate) fn run_export(args: &ExportArgs) -> anyhow::Result<ExitCode> {
    let file = File::create(&args.to).with_context(|| format!("creating {}", args.to.display()))?;
    let mut out = BufWriter::new(file);
    let progress = progress_line(args.progress, "exported");
    let n_objects = with_hub(&args.store, async |hub| {
        let bundle_id = format!("bundle--{}", uuid::Uuid::new_v4());
        write!(out, "{{\"type\":\"bundle\",\"id\":\"{bundle_id}\",\"objects\":[")?;
        let mut n_objects = 0u64;
        let mut next = None;
        loop {
            let page = hub
                .export_page(&args.collection, next.take())
                .await
                .with_context(|| format!("reading collection {}", args.collection))?;
            for record in &page.records {
                let raw = record
                    .raw
                    .as_deref()
                    .context("a stored object without its bytes")?;
                out.write_all(if n_objects == 0 { b"\n" } else { b",\n" })?;
                out.write_all(raw.as_bytes())?;
                n_objects += 1;
            }
            progress.set_position(n_objects);
            match page.next {
                Some(cursor) if page.more => next = Some(cursor),
                _ => break,
            }
        }
        out.write_all(b"\n]}\n")?;
        out.flush()?;
        out.get_ref().sync_all()?;
        Ok(n_objects)
    })
    .with_context(|| format!("writing {}", args.to.display()))?;
    progress.finish_and_clear();
    writeln!(
        std::io::stderr().lock(),
        "exported {n_objects} object versions to {}",
        args.to.display()
    )?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn run_import(args: &ImportArgs) -> anyhow::Result<ExitCode> {
    let file = File::open(&args.file).with_context(|| format!("opening {}", args.file.display()))?;
    let batch = args.batch.max(1);
    let progress = progress_line(args.progress, "imported");
    let (n_stored, n_failed) = with_hub(&args.store, async |hub| {
        let (batches, mut received) = mpsc::channel::<Vec<Box<RawValue>>>(2);
        let parser = tokio::task::spawn_blocking(move || parse_bundle(BufReader::new(file), batch, &batches));
        let (mut n_stored, mut n_failed) = (0u64, 0u64);
        while let Some(objects) = received.recv().await {
            let mut body = String::from("{\"objects\":[");
            for (object_idx, object) in objects.iter().enumerate() {
                if object_idx > 0 {
                    body.push(',');
                }
                body.push_str(object.get());
            }
            body.push_str("]}");
            let status = hub
                .import_envelope(&args.collection, body.into_bytes())
                .await
                .with_context(|| format!("importing into collection {}", args.collection))?;
            n_stored += status.success_count;
            n_failed += status.failure_count;
            for failure in &status.failures {
                tracing::warn!(id = %failure.id, message = ?failure.message, "object refused");
            }
            progress.set_position(n_stored + n_failed);
        }
        parser.await.context("the bundle reader stopped")??;
        Ok((n_stored, n_failed))
    })?;
    progress.finish_and_clear();
    writeln!(
        std::io::stderr().lock(),
        "imported {n_stored} object versions from {}; {n_failed} refused",
        args.file.display()
    )?;
    Ok(if n_failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// A progress line on stderr, hidden unless asked for and stderr is a terminal.
fn progress_line(wanted: bool, verb: &'static str) -> indicatif::ProgressBar {
    if !(wanted && std::io::stderr().is_terminal()) {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new_spinner();
    if let Ok(style) = indicatif::ProgressStyle::with_template(&format!(
        "{{spinner}} {verb} {{pos}} object versions ({{per_sec}}, {{elapsed}})"
    )) {
        bar.set_style(style);
    }
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}

/// Reads a bundle from `reader`, sending its `objects` in batches of `batch` without holding the whole file.
fn parse_bundle(
    reader: impl std::io::Read,
    batch: usize,
    batches: &mpsc::Sender<Vec<Box<RawValue>>>,
) -> anyhow::Result<()> {
    let mut deserializer = serde_json::Deserializer::from_reader(reader);
    deserializer
        .deserialize_map(BundleVisitor { batch, batches })
        .context("reading the bundle")?;
    deserializer.end().context("reading the bundle")?;
    Ok(())
}

struct BundleVisitor<'a> {
    batch: usize,
    batches: &'a mpsc::Sender<Vec<Box<RawValue>>>,
}

impl<'de> Visitor<'de> for BundleVisitor<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a STIX bundle")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == "objects" {
                map.next_value_seed(ObjectsSeed {
                    batch: self.batch,
                    batches: self.batches,
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

struct ObjectsSeed<'a> {
    batch: usize,
    batches: &'a mpsc::Sender<Vec<Box<RawValue>>>,
}

impl<'de> DeserializeSeed<'de> for ObjectsSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ObjectsSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of STIX objects")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut objects = Vec::with_capacity(self.batch);
        while let Some(object) = seq.next_element::<Box<RawValue>>()? {
            objects.push(object);
            if objects.len() == self.batch {
                let full = std::mem::replace(&mut objects, Vec::with_capacity(self.batch));
                if self.batches.blocking_send(full).is_err() {
                    return Err(serde::de::Error::custom("the import stopped"));
                }
            }
        }
        if !objects.is_empty() && self.batches.blocking_send(objects).is_err() {
            return Err(serde::de::Error::custom("the import stopped"));
        }
        Ok(())
    }
}
