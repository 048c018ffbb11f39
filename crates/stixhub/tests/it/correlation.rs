//! Issue 14, part 4, end to end over a real server: the object page lists the objects that share observable
//! values with it and names the ends of its relationships; the dashboard searches every readable collection.
//! Attacks: a hidden object that shares a value must change nothing a reader sees (the section is byte for byte
//! what it was before the hidden object existed), and neither a search nor a name may reveal it.

use crate::read_gate::{Browser, post};
use crate::sharing::{AMBER, id, set_up};
use crate::taxii_server::{ServerProcess, fresh_data_dir};

fn indicator(n: u32, name: &str, pattern: &str, marking: Option<&str>) -> String {
    let markings = marking.map_or(String::new(), |m| format!(r#","object_marking_refs":["{m}"]"#));
    format!(
        r#"{{"type":"indicator","spec_version":"2.1","id":"{}","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:00.000Z","name":"{name}","pattern":"{pattern}","pattern_type":"stix","valid_from":"2026-11-01T00:00:00Z"{markings}}}"#,
        id(n)
    )
}

fn relationship(n: u32, source: &str, target: &str) -> String {
    format!(
        r#"{{"type":"relationship","spec_version":"2.1","id":"relationship--6b0e5f4c-0000-4000-8000-{n:012}","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:00.000Z","relationship_type":"related-to","source_ref":"{source}","target_ref":"{target}"}}"#
    )
}

/// The "Shares values with" section of an object page (empty when absent).
fn shared_section(html: &str) -> String {
    let start = html.find(r#"<section aria-labelledby="shared-h">"#);
    start.map_or(String::new(), |start| {
        let end = html[start..].find("</section>").unwrap() + start;
        html[start..end].to_owned()
    })
}

#[test]
fn pages_correlate_by_shared_values_and_hidden_objects_change_nothing() {
    let data_dir = fresh_data_dir("correlation");
    set_up(data_dir.to_str().unwrap(), "everyone");
    let server = ServerProcess::start(&data_dir);
    let page_of = |n: u32| format!("/ui/c/api1/ohio/objects/{}/", id(n));

    post(
        &server,
        "a",
        &[
            indicator(1, "Botnet C2", "[ipv4-addr:value = '198.51.100.7']", None),
            relationship(1, &id(1), &id(4)),
        ],
    );
    post(
        &server,
        "state",
        &[indicator(
            4,
            "State blocklist",
            "[ipv4-addr:value IN ('198.51.100.7', '203.0.113.9')] FOLLOWEDBY [domain-name:value = 'x.example']",
            None,
        )],
    );
    let mut county_b = Browser::sign_in(&server, "b");
    let (status, before) = county_b.get(&page_of(1));
    assert_eq!(status, 200);
    let section = shared_section(&before);
    assert!(
        section.contains("198.51.100.7") && section.contains("State blocklist"),
        "{section}"
    );
    assert!(section.contains(&format!("{}/", id(4))), "{section}");
    // The relationship names its other end.
    assert!(before.contains(">State blocklist</a> "), "{before}");

    // County A now shares an AMBER indicator naming the same address: the state may read it, county B not.
    post(
        &server,
        "a",
        &[indicator(
            2,
            "Amber secret",
            "[ipv4-addr:value = '198.51.100.7' AND domain-name:value = 'secret.example']",
            Some(AMBER),
        )],
    );
    let (_, after) = county_b.get(&page_of(1));
    assert_eq!(
        shared_section(&after),
        section,
        "a hidden object changed what county B sees"
    );
    assert!(!after.contains("Amber secret") && !after.contains(&id(2)));
    // Its page is the 404 of an id that never existed, and a search does not find it.
    let (hidden, _) = county_b.get(&page_of(2));
    let (absent, _) = county_b.get(&page_of(999));
    assert_eq!((hidden, absent), (404, 404));
    let (status, found) = county_b.get("/ui/search?q=198.51.100.7");
    assert_eq!(status, 200);
    assert!(found.contains(&id(1)) && found.contains(&id(4)), "{found}");
    assert!(
        !found.contains(&id(2)) && !found.contains("Amber secret"),
        "{found}"
    );
    let (_, by_name) = county_b.get("/ui/search?q=amber%20secret");
    assert!(by_name.contains("Nothing found"), "{by_name}");

    // The state reads it, and sees it correlated both ways.
    let mut state = Browser::sign_in(&server, "state");
    let (_, state_page) = state.get(&page_of(1));
    let state_section = shared_section(&state_page);
    assert!(
        state_section.contains("Amber secret") && state_section.contains("State blocklist"),
        "{state_section}"
    );
    let (_, amber_page) = state.get(&page_of(2));
    assert!(shared_section(&amber_page).contains("Botnet C2"), "{amber_page}");
    let (_, found) = state.get("/ui/search?q=198.51.100.7");
    assert!(found.contains(&id(2)), "{found}");
    // The dashboard offers the search.
    let (_, dashboard) = state.get("/ui/");
    assert!(dashboard.contains(r#"action="/ui/search""#), "{dashboard}");
    drop(server);
    let _ = std::fs::remove_dir_all(&data_dir);
}
