//! Finds the shared corpus: `$STIXHUB_CORPUS`, else `../shared/corpus` beside the repository root.

use std::path::{Path, PathBuf};

/// The corpus folder; panics with a clear message when it is missing, so no test passes vacuously.
pub(crate) fn corpus_dir() -> PathBuf {
    let dir = match std::env::var_os("STIXHUB_CORPUS") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"),
    };
    assert!(
        dir.join("MANIFEST.md").is_file(),
        "STIX corpus not found at {} (set STIXHUB_CORPUS)",
        dir.display()
    );
    dir
}

/// Every `*.json` file under `dir`, recursively, sorted.
pub(crate) fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}
