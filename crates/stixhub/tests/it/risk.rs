//! Issue 18 (the hub half) end to end through the real binary and server: vulnerability knowledge and SBOMs
//! imported with the CLI and REST (samples of `shared/reference/`), findings with SSVC decisions and KEV
//! flags, re-evaluation after a KEV update, tags, the register gated by the sharing policy (a state sees a
//! consenting county, not one that does not consent), joint action plans with events, supplier risk as STIX;
//! and the abuse an ordinary account would try: other organisations' SBOM, finding and plan ids (404 like
//! unknown ones), deeply nested and oversized SBOMs (clear 4xx, nothing stored).

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

use crate::assets::{of_kind, stream_events};
use crate::sharing::{TAXII, basic, set_up, stixhub};
use crate::taxii_server::{ServerProcess, fresh_data_dir, http};

fn reference(path: &str) -> PathBuf {
    let root = std::env::var("STIXHUB_REFERENCE").map_or_else(
        |_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference"),
        PathBuf::from,
    );
    let path = root.join(path);
    assert!(
        path.exists(),
        "the shared reference data is missing: {}",
        path.display()
    );
    path
}

/// Runs `stixhub ARGS --data DATA`: (exit code, stdout, stderr).
fn run(data: &str, args: &[&str]) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_stixhub"))
        .args(args)
        .args(["--data", data])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"").unwrap();
    let output = child.wait_with_output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn ok(data: &str, args: &[&str]) -> String {
    let (code, out, err) = run(data, args);
    assert_eq!(code, 0, "stixhub {args:?}: {err}");
    out
}

fn api(server: &ServerProcess, account: &str, method: &str, path: &str, body: &str) -> (u16, Value, String) {
    let auth = basic(account);
    let headers = [
        ("Content-Type", "application/json"),
        ("Authorization", auth.as_str()),
    ];
    let (status, _, reply) = http(&server.address, method, path, &headers, body).unwrap();
    (status, serde_json::from_str(&reply).unwrap_or(Value::Null), reply)
}

fn findings_lines(data: &str, org: &str) -> Vec<Value> {
    ok(data, &["sbom", "findings", org, "--json"])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The real KEV catalogue with `cve` added (a KEV update).
fn kev_with(dir: &std::path::Path, cve: &str) -> PathBuf {
    let mut kev: Value = serde_json::from_slice(
        &std::fs::read(reference("kev/known_exploited_vulnerabilities.json")).unwrap(),
    )
    .unwrap();
    kev["vulnerabilities"].as_array_mut().unwrap().push(json!({
        "cveID": cve, "vendorProject": "indutny", "product": "elliptic", "vulnerabilityName": "test entry",
        "dateAdded": "2026-12-01", "shortDescription": "added by the test", "requiredAction": "update",
        "dueDate": "2026-12-22", "knownRansomwareCampaignUse": "Unknown", "notes": "", "cwes": [],
    }));
    kev["count"] = json!(kev["vulnerabilities"].as_array().unwrap().len());
    let path = dir.join("kev-update.json");
    std::fs::write(&path, kev.to_string()).unwrap();
    path
}

#[test]
fn sboms_findings_register_and_plans_end_to_end() {
    let dir = fresh_data_dir("risk");
    let data = dir.to_str().unwrap();
    // county-a consents to government readers; county-b to nobody (see `sharing::set_up`).
    set_up(data, "government");
    let ghsa = reference("osv/ghsa");
    let kev = reference("kev/known_exploited_vulnerabilities.json");
    let out = ok(
        data,
        &["vulns", "import", ghsa.to_str().unwrap(), kev.to_str().unwrap()],
    );
    assert!(out.contains("\tkev\t"), "{out}");
    // A file that is not vulnerability knowledge is refused with its reason (exit 1), the rest stays.
    let (code, _, err) = run(
        data,
        &[
            "vulns",
            "import",
            reference("osv/schema/osv-schema.json").to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("refused"), "{err}");

    ok(
        data,
        &[
            "risk",
            "tag",
            "county-a",
            "--function",
            "supply-water",
            "--sector",
            "water-and-wastewater-systems",
        ],
    );
    ok(data, &["risk", "tag", "county-b", "--function", "supply-water"]);
    let (code, _, err) = run(
        data,
        &["risk", "tag", "county-a", "--function", "provide-nonsense"],
    );
    assert_ne!(code, 0);
    assert!(err.contains("functions:"), "{err}");

    // The operator loads a function the built-in catalogue does not name; it is shown as operator-supplied.
    let list = dir.join("functions.json");
    std::fs::write(&list, r#"["Provide Capital Markets", {"name": "Supply Water"}]"#).unwrap();
    let catalogue: Value = serde_json::from_str(&ok(
        data,
        &["risk", "functions", "--load", list.to_str().unwrap()],
    ))
    .unwrap();
    let status_of = |id: &str| {
        catalogue["functions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == id)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(status_of("provide-capital-markets"), "operator");
    assert_eq!(status_of("supply-water"), "sourced");
    ok(
        data,
        &["risk", "tag", "ohio", "--function", "provide-capital-markets"],
    );

    let acme = reference("sbom/spdx-2.3-acme-app.spdx.json");
    let sbom_a = ok(
        data,
        &[
            "sbom",
            "import",
            "county-a",
            acme.to_str().unwrap(),
            "--product",
            "acme-app",
        ],
    );
    let sbom_a = sbom_a.trim().to_owned();
    let rust = reference("sbom/spdx-2.3-rust-hello-server.spdx.json");
    let sbom_b = ok(data, &["sbom", "import", "county-b", rust.to_str().unwrap()])
        .trim()
        .to_owned();

    // Findings: the elliptic advisories affect acme-app; every line has the interface's fields.
    let lines = findings_lines(data, "county-a");
    assert!(!lines.is_empty());
    for line in &lines {
        for field in ["component", "vulnerability", "status", "kev", "ssvc"] {
            assert!(line.get(field).is_some(), "{field} missing: {line}");
        }
        assert!(
            line["status"] == "affected" || line["status"] == "not_affected",
            "{line}"
        );
    }
    let elliptic = lines
        .iter()
        .find(|l| {
            l["vulnerability"] == "CVE-2020-28498" || l["aliases"].to_string().contains("CVE-2020-28498")
        })
        .unwrap_or_else(|| panic!("no CVE-2020-28498 finding: {lines:#?}"))
        .clone();
    assert_eq!(elliptic["status"], "affected");
    assert_eq!(elliptic["kev"], false);
    let decision = &elliptic["ssvc"];
    assert!(decision["outcome"].is_string(), "{decision}");
    let mission = decision["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["point"] == "mission_wellbeing")
        .unwrap();
    assert_eq!(mission["value"], "high", "tagged with a function: {mission}");
    assert!(mission["source"].as_str().unwrap().contains("supply-water"));

    // A KEV update: the finding is re-evaluated, now flagged KEV with exploitation active.
    let update = kev_with(&dir, "CVE-2020-28498");
    let out = ok(data, &["vulns", "import", update.to_str().unwrap()]);
    assert!(out.contains("kev"), "{out}");
    let lines = findings_lines(data, "county-a");
    let elliptic = lines
        .iter()
        .find(|l| l["vulnerability"] == elliptic["vulnerability"] && l["component"] == elliptic["component"])
        .unwrap();
    assert_eq!(elliptic["kev"], true, "{elliptic}");
    let exploitation = elliptic["ssvc"]["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["point"] == "exploitation")
        .unwrap();
    assert_eq!(exploitation["value"], "active");
    assert!(exploitation["source"].as_str().unwrap().contains("KEV"));

    // A verified asset of county-a supporting another function: victim notifications on it count there.
    let asset = ok(data, &["asset", "add", "county-a", "--cidr", "198.51.100.0/24"])
        .trim()
        .to_owned();
    ok(data, &["asset", "verify", &asset]);
    ok(
        data,
        &[
            "risk",
            "tag",
            "county-a",
            "--asset",
            &asset,
            "--function",
            "manage-wastewater",
        ],
    );

    let server = ServerProcess::start_with_store_flags(&["--data".as_ref(), data.as_ref()]);

    // REST: county-a's member reads its findings; county-b's member gets exactly what an unknown id gets.
    let (status, own, _) = api(
        &server,
        "a",
        "GET",
        &format!("/risk/v1/sboms/{sbom_a}/findings"),
        "",
    );
    assert_eq!(status, 200);
    assert!(!own["findings"].as_array().unwrap().is_empty());
    let unknown = "00000000-0000-4000-8000-000000000000";
    let (s1, _, hidden) = api(
        &server,
        "b",
        "GET",
        &format!("/risk/v1/sboms/{sbom_a}/findings"),
        "",
    );
    let (s2, _, absent) = api(
        &server,
        "b",
        "GET",
        &format!("/risk/v1/sboms/{unknown}/findings"),
        "",
    );
    assert_eq!((s1, &hidden), (s2, &absent));
    assert_eq!(s1, 404);
    let (s1, _, hidden) = api(&server, "b", "GET", "/risk/v1/findings?org=county-a", "");
    let (s2, _, absent) = api(&server, "b", "GET", "/risk/v1/findings?org=no-such-org", "");
    assert_eq!((s1, &hidden), (s2, &absent));
    let (s1, _, _) = api(&server, "b", "DELETE", &format!("/risk/v1/sboms/{sbom_a}"), "");
    assert_eq!(s1, 404);
    let (status, listed, _) = api(&server, "b", "GET", "/risk/v1/sboms", "");
    assert_eq!(status, 200);
    assert_eq!(listed["sboms"].as_array().unwrap().len(), 1);
    assert_eq!(listed["sboms"][0]["id"], sbom_b.as_str());

    // STIX vulnerability objects arriving by TAXII are linked to findings by CVE id, through the release gate:
    // a GREEN one (and a sighting of it) reaches county-a; an AMBER+STRICT one of the state does not.
    let cves: Vec<String> = lines
        .iter()
        .filter(|l| l["status"] == "affected" && l["kev"] == false)
        .filter_map(|l| {
            l["vulnerability"]
                .as_str()
                .filter(|v| v.starts_with("CVE-"))
                .map(str::to_owned)
        })
        .collect();
    assert!(cves.len() >= 2, "two more elliptic CVEs: {cves:?}");
    let vuln = |n: u32, cve: &str, marking: &str| {
        json!({"type": "vulnerability", "spec_version": "2.1", "id": format!("vulnerability--7a1e0000-0000-4000-8000-{n:012}"),
            "created": "2026-11-01T00:00:00.000Z", "modified": "2026-11-01T00:00:00.000Z", "name": cve,
            "external_references": [{"source_name": "cve", "external_id": cve}], "object_marking_refs": [marking]})
    };
    let green = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
    let strict = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003";
    let sighting = json!({"type": "sighting", "spec_version": "2.1", "id": "sighting--7a1e0000-0000-4000-8000-000000000009",
        "created": "2026-11-01T00:00:00.000Z", "modified": "2026-11-01T00:00:00.000Z",
        "sighting_of_ref": "vulnerability--7a1e0000-0000-4000-8000-000000000001", "object_marking_refs": [green]});
    let envelope =
        json!({"objects": [vuln(1, &cves[0], green), sighting, vuln(2, &cves[1], strict)]}).to_string();
    let auth = basic("state");
    let headers = [
        ("Accept", TAXII),
        ("Content-Type", TAXII),
        ("Authorization", auth.as_str()),
    ];
    let (status, _, reply) = http(
        &server.address,
        "POST",
        "/api1/collections/ohio/objects/",
        &headers,
        &envelope,
    )
    .unwrap();
    assert_eq!(status, 202, "{reply}");
    let (_, own, _) = api(
        &server,
        "a",
        "GET",
        &format!("/risk/v1/sboms/{sbom_a}/findings"),
        "",
    );
    let finding = |cve: &str| {
        own["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["vulnerability"] == cve)
            .unwrap()
            .clone()
    };
    let linked = finding(&cves[0]);
    assert_eq!(
        linked["stix"]["vulnerabilities"][0]["id"], "vulnerability--7a1e0000-0000-4000-8000-000000000001",
        "{linked}"
    );
    assert_eq!(
        linked["stix"]["sightings"][0]["id"],
        "sighting--7a1e0000-0000-4000-8000-000000000009"
    );
    let exploitation = linked["ssvc"]["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["point"] == "exploitation")
        .unwrap()
        .clone();
    assert_eq!(
        exploitation["value"], "active",
        "a sighting in the hub: {exploitation}"
    );
    let hidden = finding(&cves[1]);
    assert_eq!(
        hidden["stix"]["vulnerabilities"],
        json!([]),
        "AMBER+STRICT of the state is not county-a's: {hidden}"
    );

    // The state posts a GREEN indicator of an address in that range: county-a is notified, and the
    // notification counts for Manage Wastewater in the state's register.
    let indicator = json!({"type": "indicator", "spec_version": "2.1", "id": "indicator--7a1e0000-0000-4000-8000-000000000003",
        "created": "2026-11-01T00:00:00.000Z", "modified": "2026-11-01T00:00:00.000Z", "name": "scanner",
        "pattern": "[ipv4-addr:value = '198.51.100.7']", "pattern_type": "stix", "valid_from": "2026-11-01T00:00:00Z",
        "object_marking_refs": [green]});
    let envelope = json!({"objects": [indicator]}).to_string();
    let (status, _, reply) = http(
        &server.address,
        "POST",
        "/api1/collections/ohio/objects/",
        &headers,
        &envelope,
    )
    .unwrap();
    assert_eq!(status, 202, "{reply}");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let wastewater = loop {
        let (_, register, _) = api(&server, "state", "GET", "/risk/v1/register", "");
        let entry = register["functions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["function"] == "manage-wastewater")
            .cloned();
        if let Some(entry) = entry.filter(|e| e["score"].as_u64().unwrap_or(0) > 0) {
            break entry;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no victim notification counted: {register}"
        );
        std::thread::sleep(Duration::from_millis(500));
    };
    assert_eq!(
        wastewater["contributors"][0]["kind"], "victim-notification",
        "{wastewater}"
    );
    assert_eq!(wastewater["contributors"][0]["org"], "county-a");
    assert_eq!(wastewater["activity_points"], 4);

    // Bad SBOMs: deeply nested, not an SBOM, too large: 4xx naming the field, nothing stored.
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let (status, reply, _) = api(&server, "a", "POST", "/risk/v1/sboms", &deep);
    assert_eq!(status, 400, "{reply}");
    assert!(reply.to_string().contains("sbom"), "{reply}");
    let (status, reply, _) = api(&server, "a", "POST", "/risk/v1/sboms", r#"{"hello": "world"}"#);
    assert_eq!(status, 400, "{reply}");
    let huge = format!("{{\"x\":\"{}\"}}", "a".repeat(33 * 1024 * 1024));
    let (status, _, _) = api(&server, "a", "POST", "/risk/v1/sboms", &huge);
    assert_eq!(status, 413);
    let (_, listed, _) = api(&server, "a", "GET", "/risk/v1/sboms", "");
    assert_eq!(
        listed["sboms"].as_array().unwrap().len(),
        1,
        "nothing partially stored"
    );

    // The register: the state sees county-a (consents to government) and not county-b (consents to none).
    let (status, register, _) = api(&server, "state", "GET", "/risk/v1/register", "");
    assert_eq!(status, 200, "{register}");
    assert_eq!(
        register["organisations"],
        json!(["county-a", "ohio"]),
        "{register}"
    );
    let markets = register["functions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["function"] == "provide-capital-markets")
        .unwrap();
    assert_eq!(
        (markets["name_status"].clone(), markets["score"].clone()),
        (json!("operator"), json!(0))
    );
    let water = register["functions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["function"] == "supply-water")
        .unwrap()
        .clone();
    let sum: u64 = water["contributors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["points"].as_u64().unwrap())
        .sum();
    assert_eq!(
        water["score"].as_u64().unwrap(),
        sum,
        "the score decomposes into its contributors"
    );
    assert!(
        water["contributors"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["org"] == "county-a")
    );
    // Following a contributor down to its finding and its sources.
    let link = water["contributors"][0]["link"]
        .as_str()
        .unwrap()
        .replace("/ui/risk/", "/risk/v1/");
    let (status, finding, _) = api(&server, "state", "GET", &link, "");
    assert_eq!(status, 200, "{link}: {finding}");
    assert!(
        finding["ssvc"]["inputs"].as_array().unwrap().len() == 4,
        "{finding}"
    );
    // county-b's own register holds its own findings; its contributions never reach the state.
    let (_, b_register, _) = api(&server, "b", "GET", "/risk/v1/register", "");
    assert!(
        b_register["organisations"]
            .as_array()
            .unwrap()
            .contains(&json!("county-b"))
    );
    let b_link = format!("/risk/v1/register/supply-water/findings/county-b/{sbom_b}/0");
    let (status, _, hidden) = api(&server, "state", "GET", &b_link, "");
    let (status2, _, absent) = api(
        &server,
        "state",
        "GET",
        "/risk/v1/register/supply-water/findings/county-b/nope/0",
        "",
    );
    assert_eq!((status, hidden), (status2, absent));
    assert_eq!(status, 404);
    let (status, _, csv) = api(&server, "state", "GET", "/risk/v1/register.csv", "");
    assert_eq!(status, 200);
    assert!(
        csv.starts_with("rank,function,name,score,org,kind,points,label,link\n"),
        "{csv}"
    );
    assert!(!csv.contains("county-b"));

    // A joint action plan: the state opens one (GREEN, its community); county-a commits an overdue action.
    let (status, plan, _) = api(
        &server,
        "state",
        "POST",
        "/risk/v1/plans",
        &json!({"function": "supply-water", "title": "Patch elliptic", "tlp": "green", "community": "ohio-state"}).to_string(),
    );
    assert_eq!(status, 201, "{plan}");
    let plan_id = plan["id"].as_str().unwrap().to_owned();
    let (status, plan, _) = api(
        &server,
        "a",
        "POST",
        &format!("/risk/v1/plans/{plan_id}/actions"),
        &json!({"owner": "county-a IT", "description": "update elliptic to 6.5.4", "due": "2026-01-02"})
            .to_string(),
    );
    assert_eq!(status, 201, "{plan}");
    assert_eq!(plan["progress"]["overdue"], 1);
    let action = plan["actions"][0]["id"].as_str().unwrap().to_owned();
    let (status, _, _) = api(
        &server,
        "state",
        "POST",
        &format!("/risk/v1/plans/{plan_id}/actions/{action}"),
        r#"{"status":"done"}"#,
    );
    assert_eq!(status, 403, "only county-a changes its action");
    let (status, _, _) = api(
        &server,
        "a",
        "POST",
        &format!("/risk/v1/plans/{plan_id}/actions/{action}"),
        r#"{"status":"bogus"}"#,
    );
    assert_eq!(status, 400);
    let (_, register, _) = api(&server, "state", "GET", "/risk/v1/register", "");
    let water = register["functions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["function"] == "supply-water")
        .unwrap()
        .clone();
    assert_eq!(water["plans"][0]["overdue"], 1, "{water}");
    assert!(water["contributors"].to_string().contains("overdue-action"));
    let (status, plan, _) = api(
        &server,
        "a",
        "POST",
        &format!("/risk/v1/plans/{plan_id}/actions/{action}"),
        r#"{"status":"done"}"#,
    );
    assert_eq!(status, 200);
    assert_eq!(plan["progress"]["done"], 1);
    // The plan's changes arrive as events for the organisations that read it, not for outsiders.
    let events = stream_events(&server, "a", Duration::from_millis(1500));
    assert!(of_kind(&events, "action-plan").len() >= 3, "{events:#?}");
    assert_eq!(
        of_kind(&events, "action-plan")[0]["payload"]["plan"]["id"],
        plan_id.as_str()
    );
    // An organisation outside the plan's community: the plan is a 404 like an unknown one.
    stixhub(data, &["org", "create", "outsider"], "");
    stixhub(
        data,
        &["account", "create", "x", "--password-stdin", "--org", "outsider"],
        "pw-x\n",
    );
    let events = stream_events(&server, "x", Duration::from_millis(1000));
    assert!(of_kind(&events, "action-plan").is_empty(), "{events:#?}");
    let (s1, _, hidden) = api(&server, "x", "GET", &format!("/risk/v1/plans/{plan_id}"), "");
    let (s2, _, absent) = api(&server, "x", "GET", &format!("/risk/v1/plans/{unknown}"), "");
    assert_eq!((s1, hidden), (s2, absent));

    // Supplier risk as STIX, published through the normal ingest to the collection.
    let (status, published, _) = api(
        &server,
        "a",
        "POST",
        "/risk/v1/suppliers/publish",
        &json!({"supplier": "ACME Corp", "products": ["acme-app"], "tlp": "amber", "collection": "ohio"})
            .to_string(),
    );
    assert_eq!(status, 200, "{published}");
    let types: Vec<&str> = published["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["type"].as_str().unwrap())
        .collect();
    assert!(
        types.contains(&"identity") && types.contains(&"vulnerability") && types.contains(&"note"),
        "{types:?}"
    );
    assert_eq!(published["status"]["failure_count"], 0, "{published}");
    assert!(
        published["status"]["success_count"].as_u64().unwrap() >= 3,
        "{published}"
    );
}
