//! The audit chain's key file (issue 12, docs/audit.md): outside the database, so whoever can rewrite the
//! audit table and its head still cannot forge the chain.
//!
//! - Where: `--audit-key-file FILE`, else `STIXHUB_AUDIT_KEY_FILE`, else `audit_key_file` in the configuration
//!   (for `serve`), else `DIR/audit.key` beside an SQLite store. A PostgreSQL store has no default place: every
//!   node must be given the same file, so without one the chain stays unkeyed (with a warning).
//! - What: one key a line, 64 hex digits, the last one current; older lines stay so entries hashed with them
//!   still verify after a rotation (`stixhub audit rotate-key`).
//! - First start: a missing file is created (mode 0600, never overwritten) with a fresh key, and the hub
//!   appends the `audit.key` entry from which that key hashes the chain.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use crate::cmd::store_args::StoreArgs;
use crate::config::env;

/// The keys of a store's audit chain, as read (or created) from its key file.
#[derive(Debug, Default)]
pub(crate) struct AuditKeys {
    /// Every key, oldest first; the last one is current. Empty: the chain is unkeyed.
    pub(crate) keys: Vec<[u8; 32]>,
    /// True when this call created the file or added a key: the hub must append the key entry.
    pub(crate) introduced: bool,
}

/// The key file `store` uses, if any.
pub(crate) fn key_path(store: &StoreArgs) -> Option<PathBuf> {
    if let Some(path) = &store.audit_key_file {
        return Some(path.clone());
    }
    if let Some(path) = std::env::var_os(env::AUDIT_KEY_FILE).filter(|value| !value.is_empty()) {
        return Some(PathBuf::from(path));
    }
    store.database.is_none().then(|| store.data.join("audit.key"))
}

/// Reads the keys of `store`'s chain, creating the key file with a fresh key when it is missing.
pub(crate) fn load_or_create(store: &StoreArgs) -> anyhow::Result<AuditKeys> {
    let Some(path) = key_path(store) else {
        tracing::warn!(
            "no audit key file (--audit-key-file, STIXHUB_AUDIT_KEY_FILE or audit_key_file): the audit chain \
             of this PostgreSQL store is not keyed"
        );
        return Ok(AuditKeys::default());
    };
    if path.exists() {
        return Ok(AuditKeys {
            keys: read_keys(&path)?,
            introduced: false,
        });
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    }
    let key = fresh_key()?;
    let mut file = private_file(&path, true)?;
    writeln!(file, "{}", policy::audit::hex(&key)).with_context(|| format!("writing {}", path.display()))?;
    file.sync_all()
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(AuditKeys {
        keys: vec![key],
        introduced: true,
    })
}

/// Adds a fresh key to `store`'s key file (it becomes current); the old ones stay for verification.
pub(crate) fn rotate(store: &StoreArgs) -> anyhow::Result<AuditKeys> {
    let Some(path) = key_path(store) else {
        bail!("no audit key file to rotate: give --audit-key-file (a PostgreSQL store has no default)");
    };
    let mut keys = if path.exists() {
        read_keys(&path)?
    } else {
        Vec::new()
    };
    let key = fresh_key()?;
    let mut file = private_file(&path, !path.exists())?;
    writeln!(file, "{}", policy::audit::hex(&key)).with_context(|| format!("writing {}", path.display()))?;
    file.sync_all()
        .with_context(|| format!("writing {}", path.display()))?;
    keys.push(key);
    Ok(AuditKeys {
        keys,
        introduced: true,
    })
}

fn read_keys(path: &Path) -> anyhow::Result<Vec<[u8; 32]>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut keys = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some(key) = policy::audit::parse_hex_hash(line) else {
            bail!(
                "{} line {}: not a key (64 hex digits)",
                path.display(),
                number + 1
            );
        };
        keys.push(key);
    }
    if keys.is_empty() {
        bail!("{} holds no audit key", path.display());
    }
    Ok(keys)
}

fn fresh_key() -> anyhow::Result<[u8; 32]> {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).map_err(|err| anyhow::anyhow!("no randomness for an audit key: {err}"))?;
    Ok(key)
}

/// Opens the key file for appending, readable by its owner only; `new` refuses to replace an existing file.
fn private_file(path: &Path, new: bool) -> anyhow::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.append(true);
    if new {
        options.create_new(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(path)
        .with_context(|| format!("opening the audit key file {}", path.display()))
}
