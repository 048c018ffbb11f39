//! `stixhub drill list|purge` on a store (`--data DIR | --database URL`), as the operator, like the other admin
//! commands (they work while `serve` runs on the same store). Drill data is everything carrying the EXERCISE
//! marking (and the marking-definition itself) and the exercise cases; each deletion is audited
//! (`objects.delete`), the purges as a whole too (`marking.purge`, `incident.purge-exercise`).

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use drill::exercise::EXERCISE_MARKING_ID;
use hub::Caller;

use crate::cmd::admin::with_hub;
use crate::cmd::store_args::StoreArgs;

pub(crate) fn list(store: &StoreArgs, json: bool) -> anyhow::Result<ExitCode> {
    let (objects, cases) = with_hub(store, async |hub| {
        let objects = hub
            .marked_objects(&Caller::operator(), EXERCISE_MARKING_ID)
            .await
            .context("listing drill data")?;
        let query = hub::CaseQuery {
            exercise: Some(true),
            limit: Some(usize::MAX),
            ..hub::CaseQuery::default()
        };
        let cases = hub
            .incidents(&Caller::operator(), &query)
            .await
            .context("listing exercise cases")?;
        hub.flush_audit().await.context("writing the audit log")?;
        Ok((objects, cases))
    })?;
    let mut stdout = std::io::stdout().lock();
    for case in &cases {
        if json {
            let line = serde_json::json!({"case": case["id"], "title": case["title"], "status": case["status"],
                "jurisdiction": case["jurisdiction"], "created": case["created"]});
            writeln!(stdout, "{line}")?;
        } else {
            writeln!(
                stdout,
                "case\t{}\t{}\t{}",
                case["id"].as_str().unwrap_or_default(),
                case["status"].as_str().unwrap_or_default(),
                case["title"].as_str().unwrap_or_default()
            )?;
        }
    }
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
        writeln!(
            std::io::stderr().lock(),
            "{} drill object(s), {} exercise case(s) (lists show the newest 500 cases at most)",
            objects.len(),
            cases.len(),
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn purge(store: &StoreArgs) -> anyhow::Result<ExitCode> {
    let (deleted, cases) = with_hub(store, async |hub| {
        let deleted = hub
            .purge_marked(&Caller::operator(), EXERCISE_MARKING_ID)
            .await
            .context("purging drill data")?;
        let cases = hub
            .purge_exercise_cases(&Caller::operator())
            .await
            .context("purging exercise cases")?;
        hub.flush_audit().await.context("writing the audit log")?;
        Ok((deleted, cases))
    })?;
    let versions: u64 = deleted.iter().map(|o| o.versions).sum();
    writeln!(
        std::io::stdout().lock(),
        "purged {} drill object(s) ({versions} version(s)) and {cases} exercise case(s)",
        deleted.len()
    )?;
    Ok(ExitCode::SUCCESS)
}
