//! `stixhub pattern scan --indicators FILE --observations FILE`: every match of many indicators over a stream
//! of observations, one JSON line each: `{"indicator": id, "observed_data": id}` (plus `observed_data_refs`
//! with every observation involved when a pattern needed several).
//!
//! Indicators go into the `matcher` index, so the cost per observation depends on the candidates it hits,
//! not on how many indicators there are. Observations are fed in `first_observed` order, which is what the
//! stream's time windows assume. A progress bar is drawn on stderr when it is a terminal.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use matcher::index::IndicatorIndex;
use matcher::stream::{ObservationStream, StreamConfig};
use serde_json::Value;

use super::pattern::read_objects;

/// Skipped indicators named one by one on stderr; beyond this only the count is given.
const MAX_REPORTED_SKIPS: usize = 20;

/// Arguments of `stixhub pattern scan`.
#[derive(Debug, clap::Args)]
pub(crate) struct ScanArgs {
    /// A STIX bundle (or JSON array) holding the indicators; other objects are ignored.
    #[arg(long)]
    indicators: PathBuf,
    /// A STIX bundle (or JSON array) of observed-data and the SCOs they reference.
    #[arg(long)]
    observations: PathBuf,
}

pub(crate) fn run(args: &ScanArgs) -> anyhow::Result<ExitCode> {
    let indicators = read_objects(&args.indicators)?;
    let mut index = IndicatorIndex::new();
    let mut n_skipped = 0usize;
    let progress = progress_bar(indicators.len(), "indexing indicators");
    for indicator in indicators
        .iter()
        .filter(|o| o.get("type").and_then(Value::as_str) == Some("indicator"))
    {
        if let Err(err) = index.add_indicator(indicator) {
            n_skipped += 1;
            if n_skipped <= MAX_REPORTED_SKIPS {
                let id = indicator.get("id").and_then(Value::as_str).unwrap_or("(no id)");
                eprintln!("skipping {id}: {err}");
            }
        }
        progress.inc(1);
    }
    progress.finish_and_clear();
    if n_skipped > 0 {
        eprintln!("skipped {n_skipped} indicators that cannot be matched (invalid or unsupported pattern)");
    }

    let objects = read_objects(&args.observations)?;
    let (mut observed_data, scos_by_id) = split_observations(objects);
    observed_data.sort_by_cached_key(first_observed_nanos);
    let mut stream = ObservationStream::new(StreamConfig::default());
    let mut stdout = std::io::stdout().lock();
    let progress = progress_bar(observed_data.len(), "matching observations");
    let mut n_matches = 0usize;
    for observation in &observed_data {
        for found in stream.push(&index, observation, &scos_by_id)? {
            let completing = found.observed_data_ids.last().cloned().unwrap_or_default();
            let mut line = serde_json::json!({"indicator": found.indicator_id, "observed_data": completing});
            if found.observed_data_ids.len() > 1 {
                line["observed_data_refs"] = Value::from(found.observed_data_ids);
            }
            writeln!(stdout, "{line}")?;
            n_matches += 1;
        }
        progress.inc(1);
    }
    progress.finish_and_clear();
    stdout.flush()?;
    eprintln!(
        "{n_matches} matches: {} indicators, {} observed-data",
        index.len(),
        observed_data.len()
    );
    Ok(ExitCode::SUCCESS)
}

fn split_observations(objects: Vec<Value>) -> (Vec<Value>, HashMap<String, Value>) {
    let mut observed_data = Vec::new();
    let mut scos_by_id = HashMap::new();
    for object in objects {
        if object.get("type").and_then(Value::as_str) == Some("observed-data") {
            observed_data.push(object);
        } else if let Some(id) = object.get("id").and_then(Value::as_str) {
            scos_by_id.insert(id.to_owned(), object);
        }
    }
    (observed_data, scos_by_id)
}

fn first_observed_nanos(observed_data: &Value) -> i128 {
    observed_data
        .get("first_observed")
        .and_then(Value::as_str)
        .and_then(|text| stix::timestamp::Timestamp::parse(text).ok())
        .map_or(i128::MIN, |t| t.unix_nanos())
}

fn progress_bar(len: usize, message: &'static str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(len as u64).with_message(message);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{msg} {bar:40} {pos}/{len} ({per_sec}, eta {eta})")
    {
        bar.set_style(style);
    }
    bar
}
