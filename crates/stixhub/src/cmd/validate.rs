//! `stixhub validate FILE...`: prints one line per diagnostic, `file: json-path: code: message`.
//!
//! Exit 0 when every file is valid, 1 when some file breaks a rule, 2 when some file cannot be read or is not
//! JSON. Each file is split into objects without building its whole tree (`stix::bundle::Document`), so memory
//! stays near the file's own size.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use stix::bundle::Document;

use super::input::read_input;

/// Arguments of `stixhub validate`.
#[derive(Debug, clap::Args)]
pub(crate) struct ValidateArgs {
    /// Files to check; `-` reads standard input.
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

enum FileVerdict {
    Valid,
    Invalid,
    Unreadable,
}

pub(crate) fn run(args: &ValidateArgs) -> anyhow::Result<ExitCode> {
    let mut stdout = std::io::stdout().lock();
    let mut worst = 0u8;
    for file in &args.files {
        let verdict = validate_file(file, &mut stdout)?;
        worst = worst.max(match verdict {
            FileVerdict::Valid => 0,
            FileVerdict::Invalid => 1,
            FileVerdict::Unreadable => 2,
        });
    }
    stdout.flush()?;
    Ok(ExitCode::from(worst))
}

fn validate_file(file: &Path, out: &mut impl Write) -> anyhow::Result<FileVerdict> {
    let name = file.display();
    let text = match read_input(file) {
        Ok(text) => text,
        Err(err) => {
            eprintln!("{name}: cannot read: {err:#}");
            return Ok(FileVerdict::Unreadable);
        }
    };
    let document = match Document::split(&text) {
        Ok(document) => document,
        Err(err) => {
            eprintln!("{name}: not JSON: {err}");
            return Ok(FileVerdict::Unreadable);
        }
    };
    let diagnostics = document.validate();
    for diagnostic in &diagnostics {
        writeln!(
            out,
            "{name}: {}: {}: {}",
            diagnostic.path, diagnostic.code, diagnostic.message
        )?;
    }
    Ok(if diagnostics.is_empty() {
        FileVerdict::Valid
    } else {
        FileVerdict::Invalid
    })
}
