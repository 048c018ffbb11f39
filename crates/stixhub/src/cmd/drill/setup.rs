//! Setting a scenario up on the hub through the admin REST API, as the admin account given: organisations,
//! accounts (fresh random passwords; an account left by an earlier run gets a new one), communities and their
//! members, collections and their audiences, rights (writers read and write, readers and the audience's
//! organisations read, responders write where they share), the EXERCISE marking granted to every drill account
//! (nobody else is cleared for drill data), and a bearer token per account for the run. Safe to repeat:
//! what exists already is reused.

use std::collections::{BTreeSet, HashMap};

use anyhow::{Context, anyhow, bail};
use drill::Scenario;
use drill::exercise::EXERCISE_MARKING_ID;
use serde_json::{Value, json};
use tokio::task::JoinSet;

use super::api::{Api, Reply};

/// A collection as the drill addresses it.
#[derive(Debug, Clone)]
pub(crate) struct CollectionRef {
    /// The API root's path (`/name/`).
    pub(crate) api_root: String,
    /// The collection id.
    pub(crate) id: String,
}

impl CollectionRef {
    /// The TAXII objects path.
    pub(crate) fn objects_path(&self) -> String {
        format!("{}collections/{}/objects/", self.api_root, self.id)
    }
}

/// What the run needs from the setup.
#[derive(Debug, Default)]
pub(crate) struct Provisioned {
    /// `Authorization` per drill account.
    pub(crate) auth: HashMap<String, String>,
    /// Collections by alias.
    pub(crate) collections: HashMap<String, CollectionRef>,
}

fn expect_ok(reply: Result<Reply, String>, what: &str, also_fine: &[u16]) -> anyhow::Result<Reply> {
    let reply = reply.map_err(|err| anyhow!("{what}: {err}"))?;
    if reply.ok() || also_fine.contains(&reply.status) {
        Ok(reply)
    } else {
        bail!("{}", reply.describe(what))
    }
}

fn random_secret() -> anyhow::Result<String> {
    let mut bytes = [0u8; 18];
    getrandom::fill(&mut bytes).map_err(|err| anyhow!("random password: {err}"))?;
    Ok(base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        bytes,
    ))
}

/// Runs `work` for every item, at most the API's concurrency at once; the first error wins.
async fn each<T, F, Fut>(items: Vec<T>, work: F) -> anyhow::Result<()>
where
    T: Send + 'static,
    F: Fn(T) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send + 'static,
{
    let mut set = JoinSet::new();
    for item in items {
        set.spawn(work(item));
    }
    while let Some(done) = set.join_next().await {
        done.context("a setup task failed")??;
    }
    Ok(())
}

/// Sets the scenario up; `say` reports progress.
pub(crate) async fn provision(
    api: &Api,
    admin: &str,
    scenario: &Scenario,
    say: &(dyn Fn(&str) + Sync),
) -> anyhow::Result<Provisioned> {
    let discovery = expect_ok(api.taxii_get("/taxii2/", admin).await, "GET /taxii2/", &[])?;
    let api_root = discovery.body["default"]
        .as_str()
        .context("the hub's discovery names no default API root")?;
    // `default` is a path (`/name/`) or an absolute URL; the drill needs the path.
    let api_root = match api_root.find("://") {
        Some(scheme) => {
            let rest = &api_root[scheme + 3..];
            rest.find('/').map_or("/", |slash| &rest[slash..]).to_owned()
        }
        None => api_root.to_owned(),
    };

    say("organisations");
    for org in &scenario.organisations {
        let body = json!({"name": org.name, "consent": org.consent, "government": org.government});
        let what = format!("creating organisation {}", org.name);
        expect_ok(
            api.call("POST", "/admin/v1/organisations/", admin, Some(&body))
                .await,
            &what,
            &[409],
        )?;
    }

    say("accounts");
    let mut accounts = Vec::new();
    for (account, org) in scenario.accounts() {
        accounts.push((
            account.to_owned(),
            org.name.clone(),
            org.role.clone(),
            random_secret()?,
        ));
    }
    let tokens = std::sync::Arc::new(std::sync::Mutex::new(HashMap::new()));
    {
        let (api, admin, tokens) = (api.clone(), admin.to_owned(), tokens.clone());
        each(accounts, move |(name, org, role, password)| {
            let (api, admin, tokens) = (api.clone(), admin.clone(), tokens.clone());
            async move {
                let body = json!({"name": name, "password": password, "org": org, "role": role});
                let what = format!("creating account {name}");
                let created = expect_ok(
                    api.call("POST", "/admin/v1/accounts/", &admin, Some(&body)).await,
                    &what,
                    &[409],
                )?;
                if created.status == 409 {
                    let path = format!("/admin/v1/accounts/{name}/password");
                    let what = format!("resetting the password of {name}");
                    expect_ok(
                        api.call("PUT", &path, &admin, Some(&json!({"password": password})))
                            .await,
                        &what,
                        &[],
                    )?;
                    let path = format!("/admin/v1/accounts/{name}/enable");
                    let _ = api.call("POST", &path, &admin, None).await;
                }
                let path = format!("/admin/v1/accounts/{name}/markings/{EXERCISE_MARKING_ID}");
                let what = format!("clearing {name} for the EXERCISE marking");
                expect_ok(api.call("PUT", &path, &admin, None).await, &what, &[])?;
                let path = format!("/admin/v1/accounts/{name}/tokens/");
                let what = format!("creating a token for {name}");
                let token = expect_ok(
                    api.call("POST", &path, &admin, Some(&json!({"expires_in": 7 * 24 * 3600})))
                        .await,
                    &what,
                    &[],
                )?;
                let token = token.body["token"]
                    .as_str()
                    .context("a token answer without token")?
                    .to_owned();
                tokens
                    .lock()
                    .map_err(|_| anyhow!("poisoned"))?
                    .insert(name, format!("Bearer {token}"));
                Ok(())
            }
        })
        .await?;
    }
    let auth = std::mem::take(&mut *tokens.lock().map_err(|_| anyhow!("poisoned"))?);

    say("communities");
    for community in &scenario.communities {
        let body = json!({"name": community.name, "parent": community.parent});
        let what = format!("creating community {}", community.name);
        expect_ok(
            api.call("POST", "/admin/v1/communities/", admin, Some(&body))
                .await,
            &what,
            &[409],
        )?;
        for member in &community.members {
            let path = format!("/admin/v1/communities/{}/members/", community.name);
            let what = format!("adding {member} to community {}", community.name);
            expect_ok(
                api.call("POST", &path, admin, Some(&json!({"org": member})))
                    .await,
                &what,
                &[409],
            )?;
        }
    }

    say("collections");
    let mut collections = HashMap::new();
    for collection in &scenario.collections {
        let body = json!({"title": collection.title, "alias": collection.alias, "description": "Drill collection (EXERCISE)"});
        let what = format!("creating collection {}", collection.alias);
        let created = expect_ok(
            api.call("POST", "/admin/v1/collections/", admin, Some(&body))
                .await,
            &what,
            &[409],
        )?;
        let id = match created.body["id"].as_str() {
            Some(id) if created.ok() => id.to_owned(),
            _ => find_collection(api, admin, &api_root, &collection.alias).await?,
        };
        for community in &collection.audience {
            let path = format!("/admin/v1/collections/{id}/audience/");
            let what = format!("sharing collection {} with {community}", collection.alias);
            expect_ok(
                api.call("POST", &path, admin, Some(&json!({"community": community})))
                    .await,
                &what,
                &[409],
            )?;
        }
        collections.insert(
            collection.alias.clone(),
            CollectionRef {
                api_root: api_root.clone(),
                id,
            },
        );
    }

    say("rights");
    for (alias, read, write) in rights(scenario) {
        let Some(collection) = collections.get(&alias) else {
            continue;
        };
        for account in read.iter().filter(|a| !write.contains(*a)) {
            grant(api, admin, account, &collection.id, false).await?;
        }
        for account in &write {
            grant(api, admin, account, &collection.id, true).await?;
        }
    }
    Ok(Provisioned { auth, collections })
}

/// Per collection alias: the accounts that read it and those that also write.
fn rights(scenario: &Scenario) -> Vec<(String, BTreeSet<String>, BTreeSet<String>)> {
    let mut out = Vec::new();
    for collection in &scenario.collections {
        let mut write: BTreeSet<String> = collection.writers.iter().cloned().collect();
        for org in &scenario.organisations {
            let shares_here = org
                .behaviour
                .as_ref()
                .and_then(|b| b.share.as_ref())
                .is_some_and(|share| share.collection == collection.alias);
            if shares_here {
                write.extend(org.accounts.iter().cloned());
            }
        }
        let mut read: BTreeSet<String> = collection.readers.iter().cloned().collect();
        let audience_orgs = drill::members_below(scenario, &collection.audience);
        for org in scenario
            .organisations
            .iter()
            .filter(|o| audience_orgs.contains(&o.name))
        {
            read.extend(org.accounts.iter().cloned());
        }
        out.push((collection.alias.clone(), read, write));
    }
    out
}

async fn grant(api: &Api, admin: &str, account: &str, collection: &str, write: bool) -> anyhow::Result<()> {
    let body = json!({"account": account, "collection": collection, "read": true, "write": write});
    let what = format!("granting {account} on {collection}");
    expect_ok(
        api.call("POST", "/admin/v1/grants/", admin, Some(&body)).await,
        &what,
        &[],
    )?;
    Ok(())
}

async fn find_collection(api: &Api, admin: &str, api_root: &str, alias: &str) -> anyhow::Result<String> {
    let path = format!("{api_root}collections/");
    let list = expect_ok(api.taxii_get(&path, admin).await, "listing collections", &[])?;
    list.body["collections"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["alias"].as_str() == Some(alias))
        .and_then(|c| c["id"].as_str())
        .map(str::to_owned)
        .with_context(|| format!("collection {alias} exists but the admin cannot see it"))
}

/// The admin API's view of a stage: used by the audit comparison to know where the drill started.
pub(crate) async fn audit_head(api: &Api, admin: &str) -> anyhow::Result<u64> {
    let verify = expect_ok(
        api.call("GET", "/admin/v1/audit/verify", admin, None).await,
        "reading the audit head",
        &[],
    )?;
    verify.body["head_entries"]
        .as_u64()
        .or_else(|| verify.body["n_entries"].as_u64())
        .context("the audit verification has no entry count")
}

/// Reads audit entries from `from_seq` to the end.
pub(crate) async fn audit_entries(api: &Api, admin: &str, from_seq: u64) -> anyhow::Result<Vec<Value>> {
    let mut out = Vec::new();
    let mut seq = from_seq;
    loop {
        let path = format!("/admin/v1/audit/?from_seq={seq}&limit=1000");
        let page = expect_ok(
            api.call("GET", &path, admin, None).await,
            "reading the audit log",
            &[],
        )?;
        let entries = page.body["entries"].as_array().cloned().unwrap_or_default();
        if entries.is_empty() {
            return Ok(out);
        }
        seq = page.body["next_seq"]
            .as_u64()
            .unwrap_or(seq + entries.len() as u64);
        out.extend(entries);
    }
}

/// The incident configuration a scenario needs: the categories its reports name that the hub lacks are added,
/// and its routing rules installed — one per drill jurisdiction when a rule names none, so a drill rule never
/// routes a real jurisdiction's case to drill responders. Returns the ids of the rules installed (removed
/// at the end of the run by `remove_routes`).
pub(crate) async fn incident_config(
    api: &Api,
    admin: &str,
    scenario: &Scenario,
) -> anyhow::Result<Vec<String>> {
    let used: BTreeSet<&str> = scenario
        .injects
        .iter()
        .filter_map(|inject| match &inject.body {
            drill::scenario::InjectBody::Report(report) => Some(report.category.as_str()),
            drill::scenario::InjectBody::Indicator(_) => None,
        })
        .chain(scenario.routes.iter().filter_map(|r| r.category.as_deref()))
        .collect();
    if !used.is_empty() {
        let known = expect_ok(
            api.call("GET", "/incidents/v1/categories/", admin, None).await,
            "GET /incidents/v1/categories/",
            &[404],
        )?;
        if known.status == 404 {
            // A hub without the incident API: the indicators still play; each report records the failure.
            return Ok(Vec::new());
        }
        let known: BTreeSet<String> = known.body["categories"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["id"].as_str().or(c.as_str()).map(str::to_owned))
            .collect();
        for category in used.iter().filter(|c| !known.contains(**c)) {
            let body = json!({"id": category, "name": category, "description": format!("Added by drill {:?}", scenario.name)});
            let what = format!("adding incident category {category}");
            expect_ok(
                api.call("POST", "/incidents/v1/categories/", admin, Some(&body))
                    .await,
                &what,
                &[409],
            )?;
        }
    }
    let jurisdictions: Vec<&str> = scenario
        .organisations
        .iter()
        .filter(|o| o.kind == drill::scenario::OrgKind::Jurisdiction)
        .map(|o| o.name.as_str())
        .collect();
    let mut installed = Vec::new();
    for route in &scenario.routes {
        let scoped: Vec<&str> = match &route.jurisdiction {
            Some(jurisdiction) => vec![jurisdiction.as_str()],
            None => jurisdictions.clone(),
        };
        for jurisdiction in scoped {
            let mut body = json!({
                "jurisdiction": jurisdiction,
                "tiers": [{"orgs": route.responders, "accounts": []}],
                "note": format!("drill {:?}", scenario.name),
            });
            if let Some(category) = &route.category {
                body["categories"] = json!([category]);
            }
            if let Some(severity) = &route.severity {
                body["severities"] = json!([severity]);
            }
            let what = format!("adding a routing rule for {jurisdiction}");
            let added = expect_ok(
                api.call("POST", "/incidents/v1/routes/", admin, Some(&body))
                    .await,
                &what,
                &[],
            );
            match added {
                Ok(added) => match added.body["id"].as_str() {
                    Some(id) => installed.push(id.to_owned()),
                    None => bail!("{what}: the answer has no id"),
                },
                Err(err) => {
                    remove_routes(api, admin, &installed).await;
                    return Err(err);
                }
            }
        }
    }
    Ok(installed)
}

/// Removes the routing rules a drill installed (cases keep the routing they were created with).
pub(crate) async fn remove_routes(api: &Api, admin: &str, ids: &[String]) -> Vec<String> {
    let mut problems = Vec::new();
    for id in ids {
        let path = format!("/incidents/v1/routes/{id}");
        match api.call("DELETE", &path, admin, None).await {
            Ok(reply) if reply.ok() || reply.status == 404 => {}
            Ok(reply) => problems.push(reply.describe(&format!("removing routing rule {id}"))),
            Err(err) => problems.push(format!("removing routing rule {id}: {err}")),
        }
    }
    problems
}
