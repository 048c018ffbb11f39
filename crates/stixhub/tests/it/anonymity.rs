//! Issue 6 acceptance, second slice, end to end over a real server: a county that does not consent to be
//! named posts a TLP:AMBER indicator and a sighting for the state community. The state sees them republished
//! by the hub (new ids, the hub as creator, references rewritten, the county's identity withheld), cannot link
//! them to the original ids, and the county keeps its originals; the private mapping is shown by
//! `stixhub anonymity map`. Personal data in free text is redacted at ingest; an unsure finding holds the
//! object as `pending` until `stixhub review approve`.

use std::process::Command;

use serde_json::Value;

use crate::sharing::{AMBER, Client, TAXII, basic, id, indicator, set_up};
use crate::taxii_server::{ServerProcess, fresh_data_dir, http};

const COUNTY_IDENTITY: &str = "identity--6b0e5f4c-0000-4000-8000-0000000000aa";
const SIGHTING: &str = "sighting--6b0e5f4c-0000-4000-8000-0000000000bb";

fn stixhub_stdout(data: &str, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_stixhub"))
        .args(args)
        .args(["--data", data])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn note(n: u32, content: &str) -> String {
    format!(
        r#"{{"type":"note","spec_version":"2.1","id":"note--6b0e5f4c-0000-4000-8000-{n:012}","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:00.000Z","content":"{content}","object_refs":["{}"],"object_marking_refs":["{AMBER}"]}}"#,
        id(2)
    )
}

fn post(server: &ServerProcess, account: &str, objects: &[String]) -> Value {
    let (status, body) = post_to(server, account, objects, None);
    assert_eq!(status, 202, "{body}");
    serde_json::from_str(&body).unwrap()
}

fn post_to(
    server: &ServerProcess,
    account: &str,
    objects: &[String],
    recipients: Option<&str>,
) -> (u16, String) {
    let auth = basic(account);
    let mut headers = vec![
        ("Accept", TAXII),
        ("Content-Type", TAXII),
        ("Authorization", auth.as_str()),
    ];
    if let Some(recipients) = recipients {
        headers.push(("Stixhub-Recipients", recipients));
    }
    let envelope = format!(r#"{{"objects":[{}]}}"#, objects.join(","));
    let (status, _, body) = http(
        &server.address,
        "POST",
        "/api1/collections/ohio/objects/",
        &headers,
        &envelope,
    )
    .unwrap();
    (status, body)
}

#[test]
fn an_anonymous_county_submission_reaches_the_state_republished_by_the_hub() {
    let data_dir = fresh_data_dir("anonymity");
    let data = data_dir.to_str().unwrap();
    set_up(data, "none");
    let server = ServerProcess::start(&data_dir);
    let client = |account: &str| Client {
        server: &server,
        auth: basic(account),
    };
    let identity = format!(
        r#"{{"type":"identity","spec_version":"2.1","id":"{COUNTY_IDENTITY}","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:00.000Z","name":"County A Board of Elections","identity_class":"organization"}}"#
    );
    let amber =
        indicator(2, Some(AMBER)).replacen('{', &format!(r#"{{"created_by_ref":"{COUNTY_IDENTITY}","#), 1);
    let sighting = format!(
        r#"{{"type":"sighting","spec_version":"2.1","id":"{SIGHTING}","created":"2026-11-02T00:00:00.000Z","modified":"2026-11-02T00:00:00.000Z","created_by_ref":"{COUNTY_IDENTITY}","sighting_of_ref":"{}","where_sighted_refs":["{COUNTY_IDENTITY}"],"object_marking_refs":["{AMBER}"]}}"#,
        id(2)
    );
    let status = post(&server, "a", &[identity, amber, sighting]);
    assert_eq!(status["success_count"], 3, "{status}");

    let objects = "/api1/collections/ohio/objects/";
    // The county sees its own originals.
    let (own, _, _) = client("a").ids(objects);
    assert_eq!(own, vec![COUNTY_IDENTITY.to_owned(), id(2), SIGHTING.to_owned()]);

    // The state sees the indicator and the sighting republished; the identity is withheld.
    let (state_ids, body, _) = client("state").ids(objects);
    assert_eq!(state_ids.len(), 2, "{body}");
    let (public_indicator, public_sighting) = (&state_ids[0], &state_ids[1]);
    assert!(public_indicator.starts_with("indicator--") && *public_indicator != id(2));
    assert!(public_sighting.starts_with("sighting--") && public_sighting != SIGHTING);
    let hub_identity = body["objects"][0]["created_by_ref"].as_str().unwrap().to_owned();
    assert!(hub_identity.starts_with("identity--") && hub_identity != COUNTY_IDENTITY);
    assert_eq!(body["objects"][1]["created_by_ref"], hub_identity.as_str());
    assert_eq!(body["objects"][1]["sighting_of_ref"], public_indicator.as_str());
    assert_eq!(body["objects"][1]["where_sighted_refs"][0], hub_identity.as_str());
    assert!(!body.to_string().contains("County A"), "{body}");
    assert_eq!(
        body["objects"][0]["pattern"],
        "[ipv4-addr:value = '198.51.100.2']"
    );

    // By its public id the state reads it; by the original id it finds nothing (no linking).
    let (status, _, _) = client("state").get(&format!("{objects}{public_indicator}/"));
    assert_eq!(status, 200);
    let (status, _, _) = client("state").get(&format!("{objects}{}/", id(2)));
    assert_eq!(status, 404);
    let (matched, _, _) = client("state").ids(&format!("{objects}?match[id]={}", id(2)));
    assert!(matched.is_empty());
    let (matched, _, _) = client("state").ids(&format!("{objects}?match[id]={public_indicator}"));
    assert_eq!(matched, vec![public_indicator.clone()]);
    // The other county sees nothing of it by any id.
    for path in [
        format!("{objects}{public_indicator}/"),
        format!("{objects}{}/", id(2)),
    ] {
        assert_eq!(client("b").get(&path).0, 404, "{path}");
    }
    assert!(client("b").ids(objects).0.is_empty());

    // The private mapping, for the operator.
    let mapping = stixhub_stdout(data, &["anonymity", "map", "ohio", "--org", "county-a"]);
    assert!(
        mapping.contains(&format!("{}\t{public_indicator}", id(2))),
        "{mapping}"
    );
    assert!(
        mapping.contains(&format!("{SIGHTING}\t{public_sighting}")),
        "{mapping}"
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&data_dir);
}

#[test]
fn personal_data_is_redacted_at_ingest_and_unsure_findings_wait_for_review() {
    let data_dir = fresh_data_dir("review");
    let data = data_dir.to_str().unwrap();
    set_up(data, "none");
    let server = ServerProcess::start(&data_dir);
    let client = |account: &str| Client {
        server: &server,
        auth: basic(account),
    };
    let status = post(
        &server,
        "a",
        &[
            indicator(2, Some(AMBER)),
            note(1, "Call 555-867-5309 for details."),
            note(2, "Reported by Dana."),
        ],
    );
    assert_eq!(status["success_count"], 2, "{status}");
    assert_eq!(status["pending_count"], 1, "{status}");
    assert_eq!(status["status"], "pending");
    let status_path = format!("/api1/status/{}/", status["id"].as_str().unwrap());

    // The confident finding was redacted and stored; the unsure one is not served yet.
    let (_, body, _) = client("state").ids("/api1/collections/ohio/objects/?match[type]=note");
    let notes = body["objects"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "{body}");
    let content = notes[0]["content"].as_str().unwrap();
    assert!(
        content.contains("[REDACTED:phone]") && !content.contains("867"),
        "{content}"
    );

    let report = |field: &str| -> u64 {
        let text = stixhub_stdout(data, &["audit", "report", "--json"]);
        let report: Value = serde_json::from_str(&text).unwrap();
        let rows = report["organisations"].as_array().unwrap();
        let county = rows.iter().find(|row| row["org"] == "county-a").unwrap();
        county[field].as_u64().unwrap()
    };
    assert_eq!((report("redacted"), report("pending_review")), (1, 1));
    let listed = stixhub_stdout(data, &["review", "list", "--json"]);
    let reviews: Vec<Value> = listed
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(reviews.len(), 1, "{listed}");
    assert_eq!(reviews[0]["findings"][0]["kind"], "name");
    let review_id = reviews[0]["id"].as_str().unwrap();
    stixhub_stdout(data, &["review", "approve", review_id]);

    let (code, _, status) = client("a").get(&status_path);
    assert_eq!(code, 200);
    assert_eq!(status["status"], "complete", "{status}");
    assert_eq!(status["success_count"], 3, "{status}");
    let (_, body, _) = client("state").ids("/api1/collections/ohio/objects/?match[type]=note");
    let text = body.to_string();
    assert!(
        text.contains("[REDACTED:name]") && !text.contains("Dana"),
        "{text}"
    );
    assert!(stixhub_stdout(data, &["review", "list", "--json"]).is_empty());
    assert_eq!(
        (report("redacted"), report("pending_review"), report("rejected")),
        (1, 0, 0)
    );
    stixhub_stdout(data, &["audit", "verify"]);
    drop(server);
    let _ = std::fs::remove_dir_all(&data_dir);
}

#[test]
fn named_recipients_receive_amber_and_red() {
    const RED: &str = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";
    let data_dir = fresh_data_dir("recipients");
    let data = data_dir.to_str().unwrap();
    set_up(data, "none");
    let server = ServerProcess::start(&data_dir);
    let client = |account: &str| Client {
        server: &server,
        auth: basic(account),
    };
    let (status, body) = post_to(&server, "a", &[indicator(6, Some(RED))], Some("account:state"));
    assert_eq!(status, 202, "{body}");
    let (status, body) = post_to(&server, "a", &[indicator(7, Some(AMBER))], Some("org:county-b"));
    assert_eq!(status, 202, "{body}");
    for bad in ["account:ghost", "team:x", "county-b"] {
        let (status, body) = post_to(&server, "a", &[indicator(8, None)], Some(bad));
        assert_eq!(status, 400, "{bad}: {body}");
    }
    let patterns = |account: &str| -> Vec<String> {
        let (_, body, _) = client(account).ids("/api1/collections/ohio/objects/");
        body["objects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["pattern"].as_str().unwrap().to_owned())
            .collect()
    };
    let red = "[ipv4-addr:value = '198.51.100.6']".to_owned();
    let amber = "[ipv4-addr:value = '198.51.100.7']".to_owned();
    assert_eq!(patterns("a"), vec![red.clone(), amber.clone()]);
    assert_eq!(
        patterns("state"),
        vec![red],
        "RED to the named account; AMBER not named to the state"
    );
    assert_eq!(patterns("b"), vec![amber], "AMBER to the named organisation");
    drop(server);
    let _ = std::fs::remove_dir_all(&data_dir);
}

/// Issue 12: a recipient that does not exist and one the poster may not name (an organisation, its account and
/// a community outside the poster's community trees) get the same 400, word for word but the name echoed.
#[test]
fn unknown_and_unnameable_recipients_answer_alike() {
    let data_dir = fresh_data_dir("recipients-uniform");
    let data = data_dir.to_str().unwrap();
    set_up(data, "none");
    crate::sharing::stixhub(data, &["org", "create", "faraway"], "");
    crate::sharing::stixhub(data, &["community", "create", "elsewhere"], "");
    crate::sharing::stixhub(data, &["community", "add-member", "elsewhere", "faraway"], "");
    crate::sharing::stixhub(
        data,
        &["account", "create", "far", "--password-stdin", "--org", "faraway"],
        "pw-far\n",
    );
    let server = ServerProcess::start(&data_dir);
    let answer = |recipient: &str| {
        let (status, body) = post_to(&server, "a", &[indicator(9, None)], Some(recipient));
        let body: Value = serde_json::from_str(&body).unwrap();
        let text = body["description"]
            .as_str()
            .unwrap_or_default()
            .replace(recipient, "X");
        (status, text)
    };
    let refused = answer("account:ghost");
    assert_eq!(refused.0, 400);
    for hidden in [
        "account:far",
        "org:faraway",
        "org:no-such-org",
        "community:elsewhere",
        "community:no-such-community",
    ] {
        assert_eq!(answer(hidden), refused, "{hidden}");
    }
    // Within its trees a county still names the state (an ancestor's member) and its own community.
    for named in [
        "account:state",
        "org:ohio",
        "community:ohio-state",
        "community:ohio-counties",
    ] {
        assert_eq!(answer(named).0, 202, "{named}");
    }
    drop(server);
    let _ = std::fs::remove_dir_all(&data_dir);
}
