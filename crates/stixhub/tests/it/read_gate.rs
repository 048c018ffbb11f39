//! Issue 12, the read side, end to end over a real server: each attack of the review, as an attacker with an
//! ordinary account would try it.
//!
//! - An extension-definition from a county that does not consent to be named made every other reader's
//!   `GET objects/` and dashboard answer 500, and the manifest showed its original id.
//! - A granular marking that withholds a version whole still listed it in the manifest and versions.
//! - "Recent additions" counted hidden rows; the web search's cursor carried hidden rows' `date_added` and its
//!   position was not signed (nor was the TAXII one's).
//! - The object page re-indented JSON per nesting level; TAXII pages were bounded by count only.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use crate::sharing::{AMBER, Client, TAXII, basic, id, indicator, set_up};
use crate::taxii_server::{ServerProcess, fresh_data_dir, http};

const COUNTY_IDENTITY: &str = "identity--6b0e5f4c-0000-4000-8000-0000000000aa";
const EXTENSION: &str = "extension-definition--6b0e5f4c-0000-4000-8000-0000000000ee";
const RED: &str = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";
const OBJECTS: &str = "/api1/collections/ohio/objects/";

/// Posts `objects` to collection `ohio` as `account`; asserts 202 and returns the status.
pub(crate) fn post(server: &ServerProcess, account: &str, objects: &[String]) -> Value {
    let auth = basic(account);
    let headers = [
        ("Accept", TAXII),
        ("Content-Type", TAXII),
        ("Authorization", auth.as_str()),
    ];
    let envelope = format!(r#"{{"objects":[{}]}}"#, objects.join(","));
    let (status, _, body) = http(&server.address, "POST", OBJECTS, &headers, &envelope).unwrap();
    assert_eq!(status, 202, "{body}");
    serde_json::from_str(&body).unwrap()
}

/// A signed-in web session over the test's HTTP client.
pub(crate) struct Browser<'a> {
    server: &'a ServerProcess,
    cookies: Vec<(String, String)>,
}

impl<'a> Browser<'a> {
    pub(crate) fn sign_in(server: &'a ServerProcess, account: &str) -> Browser<'a> {
        let mut browser = Browser {
            server,
            cookies: Vec::new(),
        };
        let (_, form) = browser.get("/ui/login");
        let token = hidden_value(&form, "login_token");
        let body = format!("name={account}&password=pw-{account}&login_token={token}");
        let (status, _) = browser.send("POST", "/ui/login", &body);
        assert_eq!(status, 303, "signing in as {account}");
        browser
    }

    pub(crate) fn send(&mut self, method: &str, path: &str, body: &str) -> (u16, String) {
        let cookie = self
            .cookies
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let headers = [
            ("Cookie", cookie.as_str()),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ];
        let (status, headers, body) = http(&self.server.address, method, path, &headers, body).unwrap();
        for (_, value) in headers.iter().filter(|(name, _)| name == "set-cookie") {
            let (name, rest) = value.split_once('=').unwrap();
            let value = rest.split(';').next().unwrap().to_owned();
            self.cookies.retain(|(n, _)| n != name);
            self.cookies.push((name.to_owned(), value));
        }
        (status, body)
    }

    pub(crate) fn get(&mut self, path: &str) -> (u16, String) {
        self.send("GET", path, "")
    }
}

fn hidden_value(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap() + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

fn started(label: &str, county_a_consent: &str, flags: &[&str]) -> (std::path::PathBuf, ServerProcess) {
    let data_dir = fresh_data_dir(label);
    set_up(data_dir.to_str().unwrap(), county_a_consent);
    let mut all: Vec<&std::ffi::OsStr> = vec!["--data".as_ref(), data_dir.as_os_str()];
    all.extend(flags.iter().map(std::ffi::OsStr::new));
    let server = ServerProcess::start_with_store_flags(&all);
    (data_dir, server)
}

#[test]
fn an_anonymous_countys_extension_definition_breaks_no_read_and_names_nobody() {
    let (data_dir, server) = started("gate-extension", "none", &[]);
    let identity = format!(
        r#"{{"type":"identity","spec_version":"2.1","id":"{COUNTY_IDENTITY}","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:00.000Z","name":"County A Board of Elections","identity_class":"organization"}}"#
    );
    let definition = format!(
        r#"{{"type":"extension-definition","spec_version":"2.1","id":"{EXTENSION}","created_by_ref":"{COUNTY_IDENTITY}","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:00.000Z","name":"County A Board of Elections ticket","schema":"https://county-a.example/ticket.json","version":"1.0.0","extension_types":["property-extension"]}}"#
    );
    let using = indicator(2, None).replacen(
        '{',
        &format!(
            r#"{{"created_by_ref":"{COUNTY_IDENTITY}","extensions":{{"{EXTENSION}":{{"extension_type":"property-extension","ticket":"CA-7"}}}},"x_county_a_case":"County A case 7","external_references":[{{"source_name":"county-a-tickets","external_id":"CA-7"}},{{"source_name":"mitre-attack","external_id":"T1566"}}],"#
        ),
        1,
    );
    let status = post(&server, "a", &[identity, definition, using]);
    assert_eq!(status["success_count"], 3, "{status}");

    let state = Client {
        server: &server,
        auth: basic("state"),
    };
    let (ids, body, _) = state.ids(OBJECTS);
    assert_eq!(ids.len(), 2, "the identity is withheld: {body}");
    let text = body.to_string();
    for secret in [
        EXTENSION,
        COUNTY_IDENTITY,
        &id(2),
        "County A",
        "county-a",
        "x_county",
    ] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    let served_definition = &body["objects"][0];
    assert!(ids[0].starts_with("extension-definition--"), "{body}");
    let hub_identity = served_definition["created_by_ref"].as_str().unwrap();
    assert_eq!(body["objects"][1]["created_by_ref"], hub_identity);
    // The object stays interpretable: its extension is keyed by the definition's served id.
    assert_eq!(body["objects"][1]["extensions"][&ids[0]]["ticket"], "CA-7");
    assert_eq!(
        body["objects"][1]["external_references"],
        serde_json::json!([{"source_name": "mitre-attack", "external_id": "T1566"}])
    );
    // The manifest and the definition's own endpoint agree with the objects endpoint.
    let (manifest, _, _) = state.ids("/api1/collections/ohio/manifest/");
    assert_eq!(manifest, ids);
    assert_eq!(state.get(&format!("{OBJECTS}{}/", ids[0])).0, 200);
    assert_eq!(state.get(&format!("{OBJECTS}{EXTENSION}/")).0, 404);
    // The county keeps its originals.
    let (own, _, _) = Client {
        server: &server,
        auth: basic("a"),
    }
    .ids(OBJECTS);
    assert_eq!(own, vec![COUNTY_IDENTITY.to_owned(), EXTENSION.to_owned(), id(2)]);

    // The dashboard and the collection page answer too.
    let mut browser = Browser::sign_in(&server, "state");
    for page in ["/ui/", "/ui/c/api1/ohio/"] {
        let (status, html) = browser.get(page);
        assert_eq!(status, 200, "{page}: {html}");
        assert!(!html.contains("County A") && !html.contains(EXTENSION), "{html}");
    }
    drop(server);
    let _ = std::fs::remove_dir_all(&data_dir);
}

#[test]
fn a_version_a_granular_marking_withholds_is_listed_nowhere() {
    let (data_dir, server) = started("gate-granular", "everyone", &[]);
    let withheld = indicator(3, None).replacen(
        '{',
        &format!(r#"{{"granular_markings":[{{"marking_ref":"{RED}","selectors":["id"]}}],"#),
        1,
    );
    post(&server, "a", &[indicator(1, None), withheld]);
    let client = |account: &str| Client {
        server: &server,
        auth: basic(account),
    };
    for reader in ["state", "b"] {
        for path in [OBJECTS, "/api1/collections/ohio/manifest/"] {
            let (ids, body, _) = client(reader).ids(path);
            assert_eq!(ids, vec![id(1)], "{reader} {path}: {body}");
        }
        for path in [
            format!("{OBJECTS}{}/", id(3)),
            format!("{OBJECTS}{}/versions/", id(3)),
        ] {
            assert_eq!(client(reader).get(&path).0, 404, "{reader} {path}");
        }
    }
    // The submitter is cleared for what it posted.
    let (ids, _, _) = client("a").ids("/api1/collections/ohio/manifest/");
    assert_eq!(ids, vec![id(1), id(3)]);
    drop(server);
    let _ = std::fs::remove_dir_all(&data_dir);
}

#[test]
fn hidden_rows_show_in_no_count_recent_list_or_cursor_and_cursors_cannot_be_forged() {
    let (data_dir, server) = started("gate-cursor", "everyone", &[]);
    // One visible indicator, 2,100 that county B may not read (AMBER for the state community: more than a
    // search's scan budget), then a second visible one.
    let mut objects = vec![indicator(1, None)];
    objects.extend((10..2110).map(|n| indicator(n, Some(AMBER))));
    objects.push(indicator(5000, None));
    let status = post(&server, "a", &objects);
    assert_eq!(status["success_count"], 2102, "{}", status["failures"]);

    let mut browser = Browser::sign_in(&server, "b");
    let (_, dashboard) = browser.get("/ui/");
    // Recent additions: the two visible ones, though the last 2,100 additions before the newest are hidden.
    assert!(
        dashboard.contains(&id(1)) && dashboard.contains(&id(5000)),
        "{dashboard}"
    );
    assert!(!dashboard.contains(&id(10)));
    // A search scans past the hidden rows (they cost no budget) and finds the second one at once, without a
    // cursor that would carry a hidden row's position.
    let (status, found) = browser.get(&format!("/ui/c/api1/ohio/?q={}", id(5000)));
    assert_eq!(status, 200);
    assert!(found.contains(&format!("{}/", id(5000))), "{found}");
    assert!(!found.contains("Keep searching"), "{found}");

    // TAXII cursors are authenticated: moving the position breaks them.
    let state = Client {
        server: &server,
        auth: basic("b"),
    };
    let (ids, body, _) = state.ids(&format!("{OBJECTS}?limit=1"));
    assert_eq!(ids, vec![id(1)]);
    let next = body["next"].as_str().unwrap();
    let plain = String::from_utf8(URL_SAFE_NO_PAD.decode(next).unwrap()).unwrap();
    let mut parts = plain.splitn(3, '.');
    let (version, position, tag) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    let position: i64 = position.parse().unwrap();
    let forged = URL_SAFE_NO_PAD.encode(format!("{version}.{}.{tag}", position + 1));
    assert_eq!(state.get(&format!("{OBJECTS}?limit=1&next={forged}")).0, 400);
    let (ids, _, _) = state.ids(&format!("{OBJECTS}?limit=1&next={next}"));
    assert_eq!(ids, vec![id(5000)]);
    drop(server);
    let _ = std::fs::remove_dir_all(&data_dir);
}

#[test]
fn large_objects_render_bounded_and_taxii_pages_are_bounded_in_bytes() {
    let (data_dir, server) = started("gate-bounded", "everyone", &["--max-page-bytes", "2000"]);
    // A deeply nested 1 MB note: an array of arrays, 40 levels deep, repeated.
    let nested = format!("{}1{}", "[".repeat(40), "]".repeat(40));
    let items = vec![nested; 12_000].join(",");
    let note = format!(
        r#"{{"type":"note","spec_version":"2.1","id":"note--6b0e5f4c-0000-4000-8000-000000000001","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:00.000Z","content":"big","object_refs":["{}"],"x_deep":[{items}]}}"#,
        id(1)
    );
    let small: Vec<String> = (1..=9).map(|n| indicator(n, None)).collect();
    let mut objects = small.clone();
    objects.push(note.clone());
    post(&server, "a", &objects);

    let mut browser = Browser::sign_in(&server, "state");
    let page = "/ui/c/api1/ohio/objects/note--6b0e5f4c-0000-4000-8000-000000000001/";
    let (status, html) = browser.get(page);
    assert_eq!(status, 200);
    assert!(html.len() < 64 * 1024, "{} bytes of HTML", html.len());
    assert!(html.contains("too large to show here"));
    let (status, raw) = browser.get(&format!("{page}raw"));
    assert_eq!((status, raw.len()), (200, note.len()));
    // The download goes through the same gate: a missing object is the 404 of a hidden one.
    let (status, _) = browser.get("/ui/c/api1/ohio/objects/note--6b0e5f4c-0000-4000-8000-000000000002/raw");
    assert_eq!(status, 404);
    // A small object renders in size linear in the object.
    let (_, html) = browser.get(&format!("/ui/c/api1/ohio/objects/{}/", id(1)));
    assert!(html.contains("198.51.100.1"));

    // TAXII pages of at most 2,000 bytes (at least one object): every object exactly once, `more` exact.
    let state = Client {
        server: &server,
        auth: basic("state"),
    };
    let mut seen = Vec::new();
    let mut path = OBJECTS.to_owned();
    loop {
        let (ids, body, _) = state.ids(&path);
        let bytes: usize = body["objects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o.to_string().len())
            .sum();
        assert!(
            ids.len() == 1 || bytes <= 2000,
            "{} objects, {bytes} bytes",
            ids.len()
        );
        seen.extend(ids);
        match body["next"].as_str() {
            Some(next) => {
                assert_eq!(body["more"], true);
                path = format!("{OBJECTS}?next={next}");
            }
            None => {
                assert_ne!(body["more"], true);
                break;
            }
        }
    }
    assert_eq!(seen.len(), 10, "{seen:?}");
    assert_eq!(seen.iter().collect::<std::collections::BTreeSet<_>>().len(), 10);
    drop(server);
    let _ = std::fs::remove_dir_all(&data_dir);
}
