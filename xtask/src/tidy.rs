//! The tidy check: crate dependency edges, a `//!` header on every Rust file, file length, crate metadata.
//!
//! The rules come from docs in ARCHITECTURE.md ("Invariants"); a rule that nothing checks wears away, so each one
//! is enforced here and `cargo test` runs it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context;
use serde_json::Value;

/// Files longer than this are flagged: split them by reason to change.
const MAX_FILE_LINES: usize = 800;

/// The internal crates each crate may depend on (normal and build dependencies). A crate missing from this
/// table may not exist: adding a crate is a design change recorded here and in ARCHITECTURE.md.
const ALLOWED_EDGES: &[(&str, &[&str])] = &[
    ("stix-pattern", &[]),
    ("webhook", &[]),
    ("mail", &[]),
    ("score", &[]),
    ("risk", &[]),
    ("stix", &["stix-pattern"]),
    ("matcher", &["stix-pattern", "stix"]),
    ("policy", &["stix"]),
    ("events", &["stix"]),
    ("assets", &["stix-pattern"]),
    ("supply", &[]),
    ("drill", &["stix", "stix-pattern"]),
    ("incident", &["stix"]),
    ("detect", &["stix-pattern", "stix"]),
    ("taxii", &["stix"]),
    ("store", &["stix"]),
    ("store-sqlite", &["store", "stix"]),
    ("store-postgres", &["store", "stix"]),
    ("store-tests", &["store", "stix"]),
    (
        "hub",
        &[
            "stix",
            "stix-pattern",
            "matcher",
            "policy",
            "events",
            "taxii",
            "store",
            "detect",
            "webhook",
            "mail",
            "assets",
            "risk",
            "supply",
            "score",
            "incident",
        ],
    ),
    ("server", &["hub", "taxii", "stix", "webhook", "mail"]),
    // The TAXII client (issue 17): an adapter beside `server`; the binary wires it into the hub's `FeedSource`.
    ("taxii-client", &["taxii"]),
    ("loadgen", &["taxii", "stix"]),
    ("stixhub", &["*"]),
    ("xtask", &[]),
];

/// Crates that must stay pure: no async runtime, no I/O framework, no HTTP, no database driver.
const PURE_CRATES: &[&str] = &[
    "stix",
    "stix-pattern",
    "matcher",
    "policy",
    "events",
    "taxii",
    "store",
    "detect",
    "webhook",
    "mail",
    "score",
    "assets",
    "supply",
    "risk",
    "drill",
    "incident",
];

/// External crates a pure crate may not use.
const IMPURE_DEPENDENCIES: &[&str] = &[
    "tokio",
    "axum",
    "hyper",
    "tower",
    "tower-http",
    "rusqlite",
    "tokio-postgres",
    "deadpool-postgres",
    "reqwest",
];

/// Database drivers, allowed only in their backend crate.
const DRIVERS: &[(&str, &str)] = &[
    ("rusqlite", "store-sqlite"),
    ("tokio-postgres", "store-postgres"),
    ("deadpool-postgres", "store-postgres"),
];

/// The repository root (the directory holding the workspace `Cargo.toml`).
pub(crate) fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Runs every check and returns one line per problem.
pub(crate) fn run(root: &Path) -> anyhow::Result<Vec<String>> {
    let mut problems = Vec::new();
    check_dependency_edges(root, &mut problems)?;
    for file in rust_files(root)? {
        check_rust_file(root, &file, &mut problems)?;
    }
    Ok(problems)
}

fn check_dependency_edges(root: &Path, problems: &mut Vec<String>) -> anyhow::Result<()> {
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
        .args(["metadata", "--format-version", "1", "--no-deps", "--offline"])
        .current_dir(root)
        .output()
        .context("running cargo metadata")?;
    anyhow::ensure!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout)?;
    check_default_members(&metadata, problems);
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED_EDGES.iter().copied().collect();
    let packages = metadata["packages"]
        .as_array()
        .context("metadata without packages")?;
    let internal: Vec<&str> = packages.iter().filter_map(|p| p["name"].as_str()).collect();
    for package in packages {
        let name = package["name"].as_str().unwrap_or_default();
        let Some(allowed_deps) = allowed.get(name) else {
            problems.push(format!(
                "crate {name} is not in xtask's ALLOWED_EDGES table (a new crate is a design change)"
            ));
            continue;
        };
        check_package_metadata(package, name, problems);
        for dep in package["dependencies"].as_array().into_iter().flatten() {
            let dep_name = dep["name"].as_str().unwrap_or_default();
            let is_dev = dep["kind"].as_str() == Some("dev");
            if is_dev {
                continue;
            }
            if internal.contains(&dep_name)
                && !allowed_deps.contains(&"*")
                && !allowed_deps.contains(&dep_name)
            {
                problems.push(format!(
                    "{name} may not depend on {dep_name} (see ARCHITECTURE.md, Invariants)"
                ));
            }
            if PURE_CRATES.contains(&name) && IMPURE_DEPENDENCIES.contains(&dep_name) {
                problems.push(format!("{name} is a pure crate and may not depend on {dep_name}"));
            }
            if let Some((_, owner)) = DRIVERS.iter().find(|(driver, _)| *driver == dep_name)
                && name != *owner
                && name != "stixhub"
            {
                problems.push(format!(
                    "{name} may not use the database driver {dep_name}; only {owner} does"
                ));
            }
        }
    }
    Ok(())
}

/// The README's `cargo run --release -- serve` works only while the hub is the workspace's one default member.
fn check_default_members(metadata: &Value, problems: &mut Vec<String>) {
    let default_members = metadata["workspace_default_members"].as_array();
    let only_stixhub = default_members.is_some_and(|members| {
        members.len() == 1
            && members[0]
                .as_str()
                .is_some_and(|id| id.contains("crates/stixhub"))
    });
    if !only_stixhub {
        problems.push(
            "the workspace's default-members must be exactly crates/stixhub (README: cargo run -- serve)"
                .to_owned(),
        );
    }
}

fn check_package_metadata(package: &Value, name: &str, problems: &mut Vec<String>) {
    if package["version"].as_str() != Some("0.0.0") {
        problems.push(format!("{name} must have version 0.0.0 (internal crate)"));
    }
    if package["publish"]
        .as_array()
        .is_none_or(|registries| !registries.is_empty())
    {
        problems.push(format!("{name} must set publish = false"));
    }
    for target in package["targets"].as_array().into_iter().flatten() {
        let is_lib = target["kind"]
            .as_array()
            .is_some_and(|kinds| kinds.iter().any(|k| k == "lib"));
        if is_lib && target["doctest"].as_bool() != Some(false) {
            problems.push(format!("{name} must set doctest = false on its library"));
        }
    }
}

fn check_rust_file(root: &Path, file: &Path, problems: &mut Vec<String>) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let shown = file.strip_prefix(root).unwrap_or(file).display();
    let first_code_line = text
        .lines()
        .find(|line| !line.trim().is_empty() && !line.starts_with("#!["));
    if !first_code_line.is_some_and(|line| line.starts_with("//!")) {
        problems.push(format!(
            "{shown}: must open with a `//!` comment saying what it owns"
        ));
    }
    let n_lines = text.lines().count();
    if n_lines > MAX_FILE_LINES {
        problems.push(format!(
            "{shown}: {n_lines} lines, over {MAX_FILE_LINES}: split it by reason to change"
        ));
    }
    Ok(())
}

fn rust_files(root: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut pending: Vec<PathBuf> = ["crates", "xtask", "fuzz/fuzz_targets"]
        .iter()
        .map(|d| root.join(d))
        .collect();
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry?.path();
            let skip = path
                .file_name()
                .is_some_and(|n| n == "target" || n == "node_modules" || n == "test_data");
            if skip {
                continue;
            }
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_repository_is_tidy() {
        let problems = run(&workspace_root()).unwrap();
        assert!(
            problems.is_empty(),
            "tidy found problems:\n{}",
            problems.join("\n")
        );
    }

    #[test]
    fn flags_a_file_without_a_header() {
        let dir = std::env::temp_dir().join(format!("stixhub-tidy-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("bare.rs");
        std::fs::write(&file, "fn main() {}\n").unwrap();
        let mut problems = Vec::new();
        check_rust_file(&dir, &file, &mut problems).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(problems.len(), 1, "{problems:?}");
    }
}
