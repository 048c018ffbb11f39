//! Reading command inputs: a path, or `-` for standard input.

use std::io::Read;
use std::path::Path;

use anyhow::Context;

/// The whole text of `file`, or of standard input when `file` is `-`.
pub(crate) fn read_input(file: &Path) -> anyhow::Result<String> {
    let mut text = String::new();
    if file.as_os_str() == "-" {
        std::io::stdin()
            .read_to_string(&mut text)
            .context("reading standard input")?;
    } else {
        text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    }
    Ok(text)
}
