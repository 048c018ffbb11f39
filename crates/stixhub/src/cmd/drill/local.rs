//! `stixhub drill list|purge` on a store (`--data DIR | --database URL`), as the operator, like the other admin
//! commands (they work while `serve` runs on the same store). Drill data is everything carrying the EXERCISE
//! marking (and the marking-definition itself); each deletion is audited (`objects.delete`), the purge as a
//! whole too (`marking.purge`).

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use drill::exercise::EXERCISE_MARKING_ID;
use hub::Caller;

use crate::cmd::admin::with_hub;
use crate::cmd::store_args::StoreArgs;

pub(crate) fn list(store: &StoreArgs, json: bool) -> anyhow::Result<ExitCode> {
    let objects = with_hub(store, async |hub| {
        let objects = hub
            .marked_objects(&Caller::operator(), EXERCISE_MARKING_ID)
            .await
            .context("listing drill data")?;
        hub.flush_audit().await.context("writing the audit log")?;
        Ok(objects)
    })?;
    let mut stdout = std::io::stdout().lock();
    for object in &objects {
        if json {
            writeln!(stdout, "{}", object.to_json())?;
        } else {
            writeln!(
                stdout,
                "{}\t{}\t{}",
                object.collection, object.object_type, object.id
            )?;
        }
    }
    if !json {
        writeln!(std::io::stderr().lock(), "{} drill object(s)", objects.len())?;
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn purge(store: &StoreArgs) -> anyhow::Result<ExitCode> {
    let deleted = with_hub(store, async |hub| {
        let deleted = hub
            .purge_marked(&Caller::operator(), EXERCISE_MARKING_ID)
            .await
            .context("purging drill data")?;
        hub.flush_audit().await.context("writing the audit log")?;
        Ok(deleted)
    })?;
    let versions: u64 = deleted.iter().map(|o| o.versions).sum();
    writeln!(
        std::io::stdout().lock(),
        "purged {} drill object(s) ({versions} version(s))",
        deleted.len()
    )?;
    Ok(ExitCode::SUCCESS)
}
