//! `stixhub redact [FILE|-]`: prints the STIX JSON (object, bundle or array) as the hub would store it after
//! PII redaction, and one JSON line per finding on stderr: `{"json_path", "kind", "confidence", "review"}`.
//!
//! Exit 0 when nothing was found (the input is printed unchanged), 1 when something was redacted, 2 when the
//! input cannot be read or is not JSON. Objects without findings keep their exact bytes; a redacted object is
//! re-serialised. The threat context (pattern literals, SCO values) is the whole document, as at ingest.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use policy::pii::object::{redact_object, threat_context};
use serde_json::Value;
use serde_json::value::RawValue;
use stix::bundle::{Document, DocumentShape};

use super::input::read_input;

/// Arguments of `stixhub redact`.
#[derive(Debug, clap::Args)]
pub(crate) struct RedactArgs {
    /// A STIX object, bundle or array of objects; `-` (the default) reads standard input.
    #[arg(default_value = "-")]
    file: PathBuf,
}

pub(crate) fn run(args: &RedactArgs) -> anyhow::Result<ExitCode> {
    let name = args.file.display();
    let text = match read_input(&args.file) {
        Ok(text) => text,
        Err(err) => {
            eprintln!("{name}: cannot read: {err:#}");
            return Ok(ExitCode::from(2));
        }
    };
    let document = match Document::split(&text) {
        Ok(document) => document,
        Err(err) => {
            eprintln!("{name}: not JSON: {err}");
            return Ok(ExitCode::from(2));
        }
    };
    let mut values = Vec::with_capacity(document.objects.len());
    for raw in &document.objects {
        values.push(serde_json::from_str::<Value>(raw.get())?);
    }
    let context = threat_context(&values);
    let mut stderr = std::io::stderr().lock();
    let mut redacted: Vec<Option<String>> = Vec::with_capacity(values.len());
    for (object_idx, value) in values.iter().enumerate() {
        let redaction = redact_object(value, &context);
        let object_path = document.object_path(object_idx);
        for finding in &redaction.findings {
            let line = serde_json::json!({
                "json_path": format!("{object_path}{}", finding.json_path.trim_start_matches('$')),
                "kind": finding.kind.as_str(),
                "confidence": finding.confidence,
                "review": finding.confidence < policy::pii::REVIEW_BELOW,
            });
            writeln!(stderr, "{line}")?;
        }
        redacted.push(redaction.object.map(|object| object.to_string()));
    }
    let mut stdout = std::io::stdout().lock();
    if redacted.iter().all(Option::is_none) {
        stdout.write_all(text.as_bytes())?;
        stdout.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    let objects: Vec<&str> = document
        .objects
        .iter()
        .zip(&redacted)
        .map(|(raw, changed)| changed.as_deref().unwrap_or(raw.get()))
        .collect();
    match document.shape {
        DocumentShape::Object => writeln!(stdout, "{}", objects.concat())?,
        DocumentShape::Array => writeln!(stdout, "[{}]", objects.join(","))?,
        DocumentShape::Bundle => {
            let envelope: BTreeMap<String, Box<RawValue>> = serde_json::from_str(&text)?;
            let members: Vec<String> = envelope
                .iter()
                .map(|(key, raw)| {
                    let value = if key == "objects" {
                        format!("[{}]", objects.join(","))
                    } else {
                        raw.get().to_owned()
                    };
                    format!("{}:{value}", Value::from(key.as_str()))
                })
                .collect();
            writeln!(stdout, "{{{}}}", members.join(","))?;
        }
    }
    stdout.flush()?;
    Ok(ExitCode::from(1))
}
