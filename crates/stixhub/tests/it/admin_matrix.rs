//! Issue 12, point 4: every admin route (REST under `/admin/v1/`) and every administration action of the web UI,
//! tried by every role against a real `stixhub serve`, each answer checked against a rule table.
//!
//! The table is written from `policy::admin` (crates/policy/src/admin.rs), not from the server: a hub admin may
//! do everything; an org admin (and a community admin, whose powers include an org admin's) creates and manages
//! accounts of its own organisation up to org-admin; a community admin administers the communities it is named
//! admin of (sub-communities, members, co-admins) and shares with them only collections it may write; the
//! anonymity mapping is the submitting organisation's and the hub admin's; everything else (organisations,
//! top-level communities, collections, rights, tokens for others, markings it does not hold, reviews, the audit
//! log) is the hub admin's. A token of an account the caller may not manage answers 404, like an absent one.
//! Roles: `member`, `orgadmin` and `commadmin` of org-a (commadmin named admin of community c1), the hub admin,
//! and `other`, the org admin of org-b.

use serde_json::{Value, json};

use crate::revocation::{basic, dashboard, sign_in};
use crate::taxii_server::{ADMIN_PASSWORD, ServerProcess, admin_basic, fresh_data_dir, http};

const ROLES: [&str; 5] = ["member", "orgadmin", "commadmin", "hub", "other"];
const MARKING: &str = "marking-definition--0b1f3a1c-3b8f-4c4e-9a51-3f2c1a6f7e01";
const NO_REVIEW: &str = "00000000-0000-4000-8000-000000000000";

/// Allowed for the hub admin only (`created` is the success status).
fn hub_only(created: u16) -> [u16; 5] {
    [403, 403, 403, created, 403]
}

/// Allowed for the admins of org-a (org admin, community admin) and the hub admin.
fn org_a_admins(ok: u16) -> [u16; 5] {
    [403, ok, ok, ok, 403]
}

/// Allowed for the admin of community c1 and the hub admin.
fn c1_admins(ok: u16) -> [u16; 5] {
    [403, 403, ok, ok, 403]
}

fn account_of(role: &str) -> (String, String) {
    let name = match role {
        "hub" => return ("admin".to_owned(), ADMIN_PASSWORD.to_owned()),
        other => format!("{other}-acct"),
    };
    let password = format!("pw-{name}-12345");
    (name, password)
}

fn call(address: &str, auth: &str, method: &str, path: &str, body: &str) -> (u16, Value) {
    let headers = [("Authorization", auth), ("Content-Type", "application/json")];
    let (status, _, reply) = http(address, method, path, &headers, body).unwrap();
    (status, serde_json::from_str(&reply).unwrap_or(Value::Null))
}

fn admin_ok(address: &str, method: &str, path: &str, body: &Value) -> Value {
    let (status, reply) = call(address, &admin_basic(), method, path, &body.to_string());
    assert!((200..300).contains(&status), "{method} {path}: {status} {reply}");
    reply
}

fn create_account(address: &str, name: &str, org: &str, role: &str) {
    let body = json!({"name": name, "password": format!("pw-{name}-12345"), "org": org, "role": role});
    admin_ok(address, "POST", "/admin/v1/accounts/", &body);
}

/// Orgs org-a and org-b, community c1 (member org-a) administered by commadmin, collection `own` that commadmin
/// may write, account ca2 (community-admin role) to name and remove, and per role the targets it acts on.
fn set_up(address: &str) -> Vec<[(String, String); 3]> {
    for org in ["org-a", "org-b"] {
        admin_ok(address, "POST", "/admin/v1/organisations/", &json!({"name": org}));
    }
    admin_ok(address, "POST", "/admin/v1/communities/", &json!({"name": "c1"}));
    admin_ok(
        address,
        "POST",
        "/admin/v1/communities/c1/members/",
        &json!({"org": "org-a"}),
    );
    create_account(address, "member-acct", "org-a", "member");
    create_account(address, "orgadmin-acct", "org-a", "org-admin");
    create_account(address, "commadmin-acct", "org-a", "community-admin");
    create_account(address, "other-acct", "org-b", "org-admin");
    create_account(address, "ca2", "org-a", "community-admin");
    admin_ok(
        address,
        "POST",
        "/admin/v1/communities/c1/admins/",
        &json!({"account": "commadmin-acct"}),
    );
    admin_ok(
        address,
        "POST",
        "/admin/v1/collections/",
        &json!({"title": "Own", "alias": "own"}),
    );
    admin_ok(
        address,
        "POST",
        "/admin/v1/grants/",
        &json!({"account": "commadmin-acct", "collection": "own", "write": true}),
    );
    ROLES
        .iter()
        .map(|role| {
            for prefix in ["t", "d", "ut", "ud"] {
                create_account(address, &format!("{prefix}-{role}"), "org-a", "member");
            }
            let mut tokens = Vec::new();
            for owner in ["t", "t", "ut"] {
                let created = admin_ok(
                    address,
                    "POST",
                    &format!("/admin/v1/accounts/{owner}-{role}/tokens/"),
                    &json!({}),
                );
                let id = created["id"].as_str().unwrap().to_owned();
                tokens.push((id, created["token"].as_str().unwrap().to_owned()));
            }
            [tokens[0].clone(), tokens[1].clone(), tokens[2].clone()]
        })
        .collect()
}

/// (method, path, body, expected status per role), `{r}` standing for the role, `{tid}`/`{tok}` for a token
/// id and secret of its target.
fn rest_table() -> Vec<(&'static str, &'static str, &'static str, [u16; 5])> {
    vec![
        ("GET", "/admin/v1/openapi.json", "", [200; 5]),
        (
            "POST",
            "/admin/v1/collections/",
            r#"{"title":"coll-{r}"}"#,
            hub_only(201),
        ),
        ("GET", "/admin/v1/accounts/", "", hub_only(200)),
        (
            "POST",
            "/admin/v1/accounts/",
            r#"{"name":"new-{r}","password":"pw-new-12345","org":"org-a"}"#,
            org_a_admins(201),
        ),
        (
            "POST",
            "/admin/v1/accounts/",
            r#"{"name":"lifted-{r}","password":"pw-new-12345","org":"org-a","role":"community-admin"}"#,
            hub_only(201),
        ),
        ("GET", "/admin/v1/accounts/t-{r}/tokens/", "", org_a_admins(200)),
        ("POST", "/admin/v1/accounts/t-{r}/tokens/", "{}", hub_only(201)),
        ("DELETE", "/admin/v1/tokens/{tid}", "", [404, 200, 200, 200, 404]),
        (
            "POST",
            "/admin/v1/tokens/revoke",
            r#"{"token":"{tok}"}"#,
            [404, 200, 200, 200, 404],
        ),
        ("POST", "/admin/v1/accounts/t-{r}/disable", "", org_a_admins(200)),
        ("POST", "/admin/v1/accounts/t-{r}/enable", "", org_a_admins(200)),
        (
            "PUT",
            "/admin/v1/accounts/t-{r}/password",
            r#"{"password":"pw-reset-12345"}"#,
            org_a_admins(200),
        ),
        ("DELETE", "/admin/v1/accounts/d-{r}", "", org_a_admins(200)),
        ("POST", "/admin/v1/accounts/ca2/disable", "", hub_only(200)),
        ("POST", "/admin/v1/accounts/ca2/enable", "", hub_only(200)),
        (
            "POST",
            "/admin/v1/grants/",
            r#"{"account":"t-{r}","collection":"default","read":true}"#,
            hub_only(200),
        ),
        (
            "POST",
            "/admin/v1/grants/",
            r#"{"account":"t-{r}","collection":"default","read":true,"revoke":true}"#,
            hub_only(200),
        ),
        (
            "POST",
            "/admin/v1/organisations/",
            r#"{"name":"org-{r}"}"#,
            hub_only(201),
        ),
        (
            "POST",
            "/admin/v1/communities/",
            r#"{"name":"top-{r}"}"#,
            hub_only(201),
        ),
        (
            "POST",
            "/admin/v1/communities/",
            r#"{"name":"sub-{r}","parent":"c1"}"#,
            c1_admins(201),
        ),
        (
            "POST",
            "/admin/v1/communities/c1/members/",
            r#"{"org":"org-b"}"#,
            c1_admins(200),
        ),
        (
            "DELETE",
            "/admin/v1/communities/c1/members/org-b",
            "",
            c1_admins(200),
        ),
        (
            "POST",
            "/admin/v1/communities/c1/admins/",
            r#"{"account":"ca2"}"#,
            c1_admins(200),
        ),
        (
            "DELETE",
            "/admin/v1/communities/c1/admins/ca2",
            "",
            c1_admins(200),
        ),
        // The escalation of the review: administering c1 is no right on `default`.
        (
            "POST",
            "/admin/v1/collections/default/audience/",
            r#"{"community":"c1"}"#,
            hub_only(200),
        ),
        (
            "POST",
            "/admin/v1/collections/own/audience/",
            r#"{"community":"c1"}"#,
            c1_admins(200),
        ),
        ("PUT", "/admin/v1/accounts/t-{r}/markings/{m}", "", hub_only(200)),
        (
            "DELETE",
            "/admin/v1/accounts/t-{r}/markings/{m}",
            "",
            hub_only(200),
        ),
        ("GET", "/admin/v1/reviews/", "", hub_only(200)),
        ("GET", "/admin/v1/reviews/{review}", "", hub_only(404)),
        (
            "POST",
            "/admin/v1/reviews/{review}/decision",
            r#"{"verdict":"approve"}"#,
            hub_only(404),
        ),
        (
            "GET",
            "/admin/v1/collections/default/anonymity/org-a",
            "",
            [200, 200, 200, 200, 403],
        ),
        ("GET", "/admin/v1/audit/", "", hub_only(200)),
        ("GET", "/admin/v1/audit/verify", "", hub_only(200)),
        ("GET", "/admin/v1/audit/report", "", hub_only(200)),
    ]
}

/// (action, form fields, expected status per role) for `POST /ui/admin/{action}`.
fn ui_table() -> Vec<(&'static str, &'static str, [u16; 5])> {
    vec![
        ("organisation", "name=uorg-{r}&consent=none", hub_only(200)),
        ("community", "name=utop-{r}", hub_only(200)),
        ("community", "name=usub-{r}&parent=c1", c1_admins(200)),
        ("member", "community=c1&organisation=org-b", c1_admins(200)),
        ("remove-member", "community=c1&organisation=org-b", c1_admins(200)),
        (
            "account",
            "name=unew-{r}&password=pw-new-12345&organisation=org-a&role=member",
            org_a_admins(200),
        ),
        ("collection", "title=ucoll-{r}", hub_only(200)),
        (
            "grant",
            "account=ut-{r}&collection=default&read=on",
            hub_only(200),
        ),
        (
            "revoke-grant",
            "account=ut-{r}&collection=default&read=on",
            hub_only(200),
        ),
        ("share", "collection=default&community=c1", hub_only(200)),
        ("share", "collection=own&community=c1", c1_admins(200)),
        ("token", "account=ut-{r}", hub_only(200)),
        ("revoke-token", "token={utid}", [404, 200, 200, 200, 404]),
        ("disable", "account=ut-{r}", org_a_admins(200)),
        ("enable", "account=ut-{r}", org_a_admins(200)),
        ("delete", "account=ud-{r}", org_a_admins(200)),
    ]
}

#[test]
fn every_admin_route_and_ui_action_answers_every_role_by_the_rule_table() {
    let data = fresh_data_dir("admin-matrix");
    let server = ServerProcess::start(&data);
    let address = server.address.as_str();
    let tokens = set_up(address);
    let mut mismatches = Vec::new();
    let mut checked = 0;
    for (index, role) in ROLES.iter().enumerate() {
        let (name, password) = account_of(role);
        let auth = basic(&name, &password);
        let [(tid, _), (_, tok), (utid, _)] = &tokens[index];
        let fill = |text: &str| {
            text.replace("{r}", role)
                .replace("{tid}", tid)
                .replace("{tok}", tok)
                .replace("{utid}", utid)
                .replace("{m}", MARKING)
                .replace("{review}", NO_REVIEW)
        };
        for (method, path, body, expected) in rest_table() {
            let (path, body) = (fill(path), fill(body));
            let (status, reply) = call(address, &auth, method, &path, &body);
            checked += 1;
            if status != expected[index] {
                mismatches.push(format!(
                    "{role}: {method} {path} answered {status}, the rule says {}: {reply}",
                    expected[index]
                ));
            }
        }

        let (_, session) = sign_in(address, &name, &password);
        let session = session.expect("a session");
        let (_, csrf) = dashboard(address, &session);
        let csrf = csrf.expect("a CSRF token");
        for (page, expected) in [("/ui/admin", hub_only(200)), ("/ui/audit", hub_only(200))] {
            let (status, _, _) = http(address, "GET", page, &[("Cookie", session.as_str())], "").unwrap();
            checked += 1;
            if status != expected[index] {
                mismatches.push(format!(
                    "{role}: GET {page} answered {status}, the rule says {}",
                    expected[index]
                ));
            }
        }
        for (action, fields, expected) in ui_table() {
            let body = format!("csrf={csrf}&{}", fill(fields));
            let headers = [
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Cookie", session.as_str()),
            ];
            let path = format!("/ui/admin/{action}");
            let (status, _, page) = http(address, "POST", &path, &headers, &body).unwrap();
            checked += 1;
            if status != expected[index] {
                let said = page
                    .split("role=\"alert\">")
                    .nth(1)
                    .and_then(|rest| rest.split('<').next())
                    .unwrap_or("");
                mismatches.push(format!(
                    "{role}: UI {action} ({fields}) answered {status}, the rule says {}: {said}",
                    expected[index]
                ));
            }
        }

        // Last: everyone may change their own password (the current one is asked).
        let body = json!({"current": password, "new": format!("{password}-changed")}).to_string();
        let (status, reply) = call(address, &auth, "PUT", "/admin/v1/password", &body);
        checked += 1;
        if status != 200 {
            mismatches.push(format!(
                "{role}: PUT /admin/v1/password answered {status}: {reply}"
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {checked} answers break the rule table:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
}
