//! Issue 6 acceptance, first slice: a state and two of its counties; a county posts a TLP:AMBER indicator to
//! a collection shared with the state community; the state sees it, the other county sees nothing of it on
//! any read path (objects, object, versions, manifest), and `more`, `next` and the Date-Added headers reveal
//! nothing. Anonymity (the hub as creator) and the PII review queue are in `anonymity.rs`.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::taxii_server::{ServerProcess, fresh_data_dir, http};

pub(crate) const TAXII: &str = "application/taxii+json;version=2.1";
pub(crate) const AMBER: &str = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421";
const GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";

pub(crate) fn stixhub(data: &str, args: &[&str], stdin: &str) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_stixhub"))
        .args(args)
        .args(["--data", data])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "stixhub {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

pub(crate) fn basic(account: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{account}:pw-{account}"))
    )
}

pub(crate) fn indicator(n: u32, marking: Option<&str>) -> String {
    let markings = marking.map_or(String::new(), |m| format!(r#","object_marking_refs":["{m}"]"#));
    format!(
        r#"{{"type":"indicator","spec_version":"2.1","id":"{}","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '198.51.100.{n}']","pattern_type":"stix","valid_from":"2026-11-01T00:00:00Z"{markings}}}"#,
        id(n)
    )
}

pub(crate) fn id(n: u32) -> String {
    format!("indicator--6b0e5f4c-0000-4000-8000-{n:012}")
}

pub(crate) struct Client<'a> {
    pub(crate) server: &'a ServerProcess,
    pub(crate) auth: String,
}

impl Client<'_> {
    pub(crate) fn get(&self, path: &str) -> (u16, Vec<(String, String)>, Value) {
        let headers = [("Accept", TAXII), ("Authorization", self.auth.as_str())];
        let (status, headers, body) = http(&self.server.address, "GET", path, &headers, "").unwrap();
        (
            status,
            headers,
            serde_json::from_str(&body).unwrap_or(Value::Null),
        )
    }

    pub(crate) fn ids(&self, path: &str) -> (Vec<String>, Value, Vec<(String, String)>) {
        let (status, headers, body) = self.get(path);
        assert_eq!(status, 200, "{path}: {body}");
        let ids = body["objects"]
            .as_array()
            .map(|objects| {
                objects
                    .iter()
                    .map(|o| o["id"].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default();
        (ids, body, headers)
    }
}

pub(crate) fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

/// A state and two counties: organisations `ohio` (consent `government`), `county-a` (consent as given) and
/// `county-b` (`none`), all government; the state is a direct member of `ohio-state`, the counties of its child
/// `ohio-counties`, so they receive what is shared with the state community as TLP:GREEN but not a county's
/// TLP:AMBER for it. Collection `ohio` is shared with `ohio-state`; accounts `state`, `a`, `b` may read and
/// write it.
pub(crate) fn set_up(data: &str, county_a_consent: &str) {
    let government = |name: &str, consent: &str| {
        stixhub(
            data,
            &["org", "create", name, "--government", "--consent", consent],
            "",
        );
    };
    government("ohio", "government");
    government("county-a", county_a_consent);
    government("county-b", "none");
    stixhub(data, &["community", "create", "ohio-state"], "");
    stixhub(
        data,
        &["community", "create", "ohio-counties", "--parent", "ohio-state"],
        "",
    );
    stixhub(data, &["community", "add-member", "ohio-state", "ohio"], "");
    stixhub(
        data,
        &["community", "add-member", "ohio-counties", "county-a"],
        "",
    );
    stixhub(
        data,
        &["community", "add-member", "ohio-counties", "county-b"],
        "",
    );
    stixhub(
        data,
        &["collection", "create", "--title", "Ohio", "--alias", "ohio"],
        "",
    );
    stixhub(
        data,
        &["collection", "share", "ohio", "--community", "ohio-state"],
        "",
    );
    for (account, org) in [("state", "ohio"), ("a", "county-a"), ("b", "county-b")] {
        let password = format!("pw-{account}\n");
        stixhub(
            data,
            &["account", "create", account, "--password-stdin", "--org", org],
            &password,
        );
        stixhub(data, &["grant", account, "--collection", "ohio"], "");
    }
}

#[test]
fn a_county_amber_indicator_reaches_the_state_and_not_the_other_county() {
    let data_dir = fresh_data_dir("sharing");
    let data = data_dir.to_str().unwrap();
    // County A consents to be named to everyone here, so every reader sees its original ids (anonymity has
    // its own test, `anonymity.rs`).
    set_up(data, "everyone");
    let server = ServerProcess::start(&data_dir);
    let client = |account: &str| Client {
        server: &server,
        auth: basic(account),
    };

    // County A posts: CLEAR 1, AMBER 2, GREEN 3, unmarked 4, AMBER 5 (the last row of the collection).
    let envelope = format!(
        r#"{{"objects":[{},{},{},{},{}]}}"#,
        indicator(
            1,
            Some("marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487")
        ),
        indicator(2, Some(AMBER)),
        indicator(3, Some(GREEN)),
        indicator(4, None),
        indicator(5, Some(AMBER)),
    );
    let auth = basic("a");
    let headers = [
        ("Accept", TAXII),
        ("Content-Type", TAXII),
        ("Authorization", auth.as_str()),
    ];
    let (status, _, body) = http(
        &server.address,
        "POST",
        "/api1/collections/ohio/objects/",
        &headers,
        &envelope,
    )
    .unwrap();
    assert_eq!(status, 202, "{body}");
    let status: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(status["success_count"], 5, "{body}");

    let all: Vec<String> = (1..=5).map(id).collect();
    let objects = "/api1/collections/ohio/objects/";
    let manifest = "/api1/collections/ohio/manifest/";
    // The submitter and the state see everything.
    for reader in ["a", "state"] {
        assert_eq!(client(reader).ids(objects).0, all, "{reader}");
        assert_eq!(client(reader).ids(manifest).0, all, "{reader}");
        let (status, _, _) = client(reader).get(&format!("{objects}{}/", id(2)));
        assert_eq!(status, 200, "{reader}");
    }
    // County B: the CLEAR, GREEN and unmarked ones only, by every path.
    let b = client("b");
    let visible = vec![id(1), id(3), id(4)];
    let (ids, body, headers) = b.ids(objects);
    assert_eq!(ids, visible);
    assert!(
        !body.get("more").and_then(Value::as_bool).unwrap_or(false),
        "{body}"
    );
    assert!(body.get("next").is_none(), "{body}");
    let (manifest_ids, manifest_body, manifest_headers) = b.ids(manifest);
    assert_eq!(manifest_ids, visible);
    let last_visible_added = manifest_body["objects"][2]["date_added"]
        .as_str()
        .unwrap()
        .to_owned();
    for headers in [&headers, &manifest_headers] {
        assert_eq!(
            header(headers, "x-taxii-date-added-last"),
            Some(last_visible_added.as_str()),
            "the last header is the last visible object's, not the hidden one's"
        );
    }
    for hidden in [id(2), id(5)] {
        for path in [
            format!("{objects}{hidden}/"),
            format!("{objects}{hidden}/versions/"),
        ] {
            let (status, _, body) = b.get(&path);
            assert_eq!(status, 404, "{path}: {body}");
        }
        let (ids, _, _) = b.ids(&format!("{objects}?match[id]={hidden}"));
        assert!(ids.is_empty());
        let (ids, _, _) = b.ids(&format!("{manifest}?match[id]={hidden}"));
        assert!(ids.is_empty());
    }
    // Paging one at a time: the hidden objects neither appear nor make `more` true at the end.
    let mut walked = Vec::new();
    let mut path = format!("{objects}?limit=1");
    loop {
        let (ids, body, _) = b.ids(&path);
        walked.extend(ids);
        match body.get("next").and_then(Value::as_str) {
            Some(next) => {
                assert_eq!(body["more"], true);
                path = format!("{objects}?limit=1&next={next}");
            }
            None => {
                assert!(!body.get("more").and_then(Value::as_bool).unwrap_or(false));
                break;
            }
        }
    }
    assert_eq!(walked, visible);
    drop(server);
    let _ = std::fs::remove_dir_all(&data_dir);
}
