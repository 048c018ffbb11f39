//! Issue 12, write path, against the real server: a writer with write access to a shared collection cannot
//! version, revoke, hide or delete another organisation's object, nor give a republished id a version of its
//! own; and a writer learns nothing from objects it cannot see (same id and version, an older version, a
//! deterministic SCO: each answers as if the hidden object never existed). Set-up as in `sharing.rs`: county
//! `a`, county `b`, the state; collection `ohio` shared with the state's community.

use serde_json::Value;

use crate::sharing::{AMBER, Client, TAXII, basic, set_up};
use crate::taxii_server::{ServerProcess, fresh_data_dir, http};

const RED: &str = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";
const OBJECTS: &str = "/api1/collections/ohio/objects/";
const X: &str = "indicator--6b0e5f4c-0000-4000-8000-00000000aaaa";
const CREATOR_ONLY: &str = "only the object's creator may version or revoke it (STIX 2.1 §3.6)";

/// Version `second` (`modified` = 2026-11-01T00:00:0{second}Z) of indicator `id`, by `by`.
fn version(id: &str, second: u32, by: &str, marking: Option<&str>, revoked: bool) -> String {
    let markings = marking.map_or(String::new(), |m| format!(r#","object_marking_refs":["{m}"]"#));
    let revoked = if revoked { r#","revoked":true"# } else { "" };
    format!(
        r#"{{"type":"indicator","spec_version":"2.1","id":"{id}","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:0{second}.000Z","description":"by {by}","pattern":"[ipv4-addr:value = '198.51.100.7']","pattern_type":"stix","valid_from":"2026-11-01T00:00:00Z"{markings}{revoked}}}"#
    )
}

fn ipv4() -> String {
    r#"{"type":"ipv4-addr","spec_version":"2.1","id":"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd","value":"198.51.100.3"}"#
        .to_owned()
}

fn post(server: &ServerProcess, account: &str, object: &str) -> Value {
    let auth = basic(account);
    let headers = [
        ("Accept", TAXII),
        ("Content-Type", TAXII),
        ("Authorization", auth.as_str()),
    ];
    let envelope = format!(r#"{{"objects":[{object}]}}"#);
    let (status, _, body) = http(&server.address, "POST", OBJECTS, &headers, &envelope).unwrap();
    assert_eq!(status, 202, "{body}");
    serde_json::from_str(&body).unwrap()
}

fn delete(server: &ServerProcess, account: &str, path: &str) -> u16 {
    let auth = basic(account);
    let headers = [("Accept", TAXII), ("Authorization", auth.as_str())];
    http(&server.address, "DELETE", path, &headers, "").unwrap().0
}

/// The descriptions (`by …`) of what `account` reads at `path`.
fn authors(server: &ServerProcess, account: &str, path: &str) -> (u16, Vec<String>) {
    let client = Client {
        server,
        auth: basic(account),
    };
    let (status, _, body) = client.get(path);
    let authors = body["objects"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|o| {
            format!(
                "{} {}",
                o["description"].as_str().unwrap_or("-"),
                o["modified"].as_str().unwrap_or("-")
            )
        })
        .collect();
    (status, authors)
}

fn refused(status: &Value) -> bool {
    status["success_count"] == 0 && status["failures"][0]["message"] == CREATOR_ONLY
}

#[test]
fn another_organisations_object_cannot_be_versioned_revoked_hidden_or_deleted() {
    let data_dir = fresh_data_dir("ownership-visible");
    let data = data_dir.to_str().unwrap();
    set_up(data, "everyone");
    let server = ServerProcess::start(&data_dir);
    assert_eq!(
        post(&server, "a", &version(X, 1, "a", None, false))["success_count"],
        1
    );

    // County B sees X, so every version of it is refused, with a reason that reveals nothing it cannot see.
    for attack in [
        version(X, 2, "b", None, false),
        version(X, 2, "b", None, true),
        version(X, 3, "b", Some(RED), false),
        version(X, 1, "b", None, false),
    ] {
        let status = post(&server, "b", &attack);
        assert!(refused(&status), "{status}");
    }
    for path in [
        format!("{OBJECTS}{X}/"),
        format!("{OBJECTS}{X}/?match[version]=2026-11-01T00:00:01.000Z"),
    ] {
        assert_eq!(delete(&server, "b", &path), 403, "{path}");
    }
    // The owner is untouched: its version is the last for everyone, and its next version is accepted.
    for reader in ["a", "b", "state"] {
        let (status, seen) = authors(&server, reader, &format!("{OBJECTS}{X}/"));
        assert_eq!(
            (status, seen),
            (200, vec!["by a 2026-11-01T00:00:01.000Z".to_owned()]),
            "{reader}"
        );
    }
    assert_eq!(
        post(&server, "a", &version(X, 4, "a", None, false))["success_count"],
        1
    );
    assert_eq!(
        delete(&server, "a", &format!("{OBJECTS}{X}/?match[version]=first")),
        200
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&data_dir);
}

#[test]
fn a_republished_id_cannot_be_given_a_version() {
    let data_dir = fresh_data_dir("ownership-republished");
    let data = data_dir.to_str().unwrap();
    // County A stays anonymous: the state reads its AMBER indicator under a hub-minted id.
    set_up(data, "none");
    let server = ServerProcess::start(&data_dir);
    assert_eq!(
        post(&server, "a", &version(X, 1, "a", Some(AMBER), false))["success_count"],
        1
    );
    let state = Client {
        server: &server,
        auth: basic("state"),
    };
    let (ids, _, _) = state.ids(OBJECTS);
    let minted = ids[0].clone();
    assert_ne!(minted, X);
    for attack in [
        version(&minted, 2, "state", None, false),
        version(&minted, 2, "state", None, true),
    ] {
        assert!(refused(&post(&server, "state", &attack)));
    }
    assert_eq!(delete(&server, "state", &format!("{OBJECTS}{minted}/")), 403);
    let (status, seen) = authors(&server, "state", &format!("{OBJECTS}{minted}/versions/"));
    assert_eq!(status, 200);
    let (_, seen_versions) = authors(&server, "state", &format!("{OBJECTS}{minted}/"));
    assert_eq!(
        seen_versions,
        vec!["by a 2026-11-01T00:00:01.000Z".to_owned()],
        "{seen:?}"
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&data_dir);
}

#[test]
fn a_hidden_object_answers_every_write_as_if_it_never_existed() {
    let data_dir = fresh_data_dir("ownership-hidden");
    let data = data_dir.to_str().unwrap();
    set_up(data, "everyone");
    let server = ServerProcess::start(&data_dir);
    // County A's RED indicator X (versions 2 and 3) and its observable, neither visible to county B.
    assert_eq!(
        post(&server, "a", &version(X, 2, "a", Some(RED), false))["success_count"],
        1
    );
    assert_eq!(
        post(&server, "a", &version(X, 3, "a", Some(RED), false))["success_count"],
        1
    );
    let hidden_sco = post(
        &server,
        "a",
        &ipv4().replace(
            r#""value""#,
            &format!(r#""object_marking_refs":["{RED}"],"value""#),
        ),
    );
    let hidden_added = hidden_sco["successes"][0]["version"].clone();

    // An older version under the hidden id: stored as county B's own, and served to it (not `200 {}`).
    let older = post(&server, "b", &version(X, 1, "b", None, false));
    assert_eq!(older["success_count"], 1, "{older}");
    let (status, seen) = authors(&server, "b", &format!("{OBJECTS}{X}/"));
    assert_eq!(
        (status, seen),
        (200, vec!["by b 2026-11-01T00:00:01.000Z".to_owned()])
    );
    // The same id and version as the hidden one: a success that stores county B's version.
    assert_eq!(
        post(&server, "b", &version(X, 2, "b", None, false))["success_count"],
        1
    );
    let (_, seen) = authors(
        &server,
        "b",
        &format!("{OBJECTS}{X}/?match[version]=2026-11-01T00:00:02.000Z"),
    );
    assert_eq!(seen, vec!["by b 2026-11-01T00:00:02.000Z".to_owned()]);
    // A newer, revoked version: county B's own; county A's object is neither revoked nor hidden by it.
    assert_eq!(
        post(&server, "b", &version(X, 4, "b", Some(RED), true))["success_count"],
        1
    );
    let (_, seen) = authors(&server, "a", &format!("{OBJECTS}{X}/"));
    assert_eq!(seen, vec!["by a 2026-11-01T00:00:03.000Z".to_owned()]);
    assert_eq!(
        post(&server, "a", &version(X, 5, "a", Some(RED), false))["success_count"],
        1
    );
    // The deterministic SCO: county B's own submission, with its own date_added, never county A's.
    let sco = post(&server, "b", &ipv4());
    assert_eq!(sco["success_count"], 1);
    assert_ne!(sco["successes"][0]["version"], hidden_added);
    let again = post(&server, "b", &ipv4());
    assert_eq!(again["successes"][0]["version"], sco["successes"][0]["version"]);
    // Deletes reach county B's versions only; county A keeps all of its own.
    assert_eq!(
        delete(
            &server,
            "b",
            &format!("{OBJECTS}{X}/?match[version]=2026-11-01T00:00:03.000Z")
        ),
        404,
        "county A's version 3 is invisible to county B: as for an id that never existed"
    );
    assert_eq!(delete(&server, "b", &format!("{OBJECTS}{X}/")), 200);
    assert_eq!(authors(&server, "b", &format!("{OBJECTS}{X}/")).0, 404);
    let (_, seen) = authors(&server, "a", &format!("{OBJECTS}{X}/versions/"));
    assert_eq!(seen.len(), 0, "the versions endpoint lists no bytes");
    let (_, seen) = authors(&server, "a", &format!("{OBJECTS}{X}/?match[version]=all"));
    assert_eq!(
        seen,
        vec![
            "by a 2026-11-01T00:00:02.000Z".to_owned(),
            "by a 2026-11-01T00:00:03.000Z".to_owned(),
            "by a 2026-11-01T00:00:05.000Z".to_owned(),
        ]
    );
    // No reader sees two organisations' versions under X: county B's (while they existed) were served to
    // the state under another id.
    drop(server);
    let _ = std::fs::remove_dir_all(&data_dir);
}
