//! E-mail on the command line (issue 13): `subscription add --email`, `stixhub email add|list|remove` with
//! their refusals, and the `[email]` section of `config check` (checked, printed without the password).

use crate::operations::stixhub;
use crate::taxii_server::fresh_data_dir;

fn ok(args: &[&str]) -> String {
    let (code, stdout, stderr) = stixhub(args, "");
    assert_eq!(code, 0, "{args:?}: {stderr}");
    stdout
}

#[test]
fn email_destinations_from_the_command_line() {
    let dir = fresh_data_dir("email-cli");
    let data = dir.to_str().unwrap();
    let out = ok(&[
        "subscription",
        "add",
        "admin",
        "--name",
        "county",
        "--email",
        "ops@example.org",
        "--digest",
        "15m",
        "--data",
        data,
    ]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    let (subscription, email) = (lines[0], lines[1]);
    let listed = ok(&["email", "list", "--json", "--data", data]);
    let row: serde_json::Value = serde_json::from_str(listed.lines().next().unwrap()).unwrap();
    assert_eq!(row["id"], email);
    assert_eq!(row["subscription"], subscription);
    assert_eq!(row["address"], "ops@example.org");
    assert_eq!(row["digest_seconds"], 900);
    // An e-mail destination is not a webhook.
    assert_eq!(ok(&["webhook", "list", "--data", data]), "");
    // Refusals: a header-injecting address, a bad interval (nothing stored), an unknown subscription.
    let (code, _, stderr) = stixhub(
        &[
            "email",
            "add",
            subscription,
            "--to",
            "a@b.org\r\nBcc: e@v.il",
            "--data",
            data,
        ],
        "",
    );
    assert_ne!(code, 0);
    assert!(stderr.contains("address"), "{stderr}");
    let (code, _, stderr) = stixhub(
        &[
            "subscription",
            "add",
            "admin",
            "--email",
            "x@y.org",
            "--digest",
            "soon",
            "--data",
            data,
        ],
        "",
    );
    assert_ne!(code, 0);
    assert!(stderr.contains("--digest"), "{stderr}");
    assert_eq!(
        ok(&["subscription", "list", "admin", "--data", data])
            .lines()
            .count(),
        1
    );
    let (code, _, _) = stixhub(
        &[
            "email",
            "add",
            "no-such-subscription",
            "--to",
            "x@y.org",
            "--data",
            data,
        ],
        "",
    );
    assert_ne!(code, 0);
    let second = ok(&[
        "email",
        "add",
        subscription,
        "--to",
        "desk@example.org",
        "--data",
        data,
    ]);
    assert_eq!(ok(&["email", "list", "--data", data]).lines().count(), 2);
    ok(&["email", "disable", second.trim(), "--data", data]);
    ok(&["email", "remove", second.trim(), "--data", data]);
    assert_eq!(ok(&["email", "list", "--data", data]).lines().count(), 1);
    // Removing the subscription removes its destinations.
    ok(&["subscription", "remove", "admin", subscription, "--data", data]);
    assert_eq!(ok(&["email", "list", "--data", data]), "");
}

#[test]
fn config_check_reads_the_email_section_and_never_prints_the_password() {
    let dir = fresh_data_dir("email-config");
    let password = dir.join("smtp-password");
    std::fs::write(&password, "hunter2-secret\n").unwrap();
    let config = dir.join("stixhub.toml");
    let text = format!(
        "version = 1\n[email]\nrelay = \"smtp.example.org:587\"\nfrom = \"hub@example.org\"\nweb_url = \"https://hub.example.org\"\nusername = \"hub\"\npassword_file = {:?}\n",
        password.display().to_string()
    );
    std::fs::write(&config, text).unwrap();
    let out = ok(&["config", "check", config.to_str().unwrap()]);
    assert!(out.contains("[email]\nrelay = \"smtp.example.org:587\"\nfrom = \"hub@example.org\"\nstarttls = \"required\"\nusername = \"hub\""), "{out}");
    assert!(!out.contains("hunter2"), "{out}");
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "version = 1\n[email]\nrelay = \"smtp\"\nfrom = \"not an address\"\nstarttls = \"none\"\nusername = \"hub\"\n").unwrap();
    let (code, _, stderr) = stixhub(&["config", "check", bad.to_str().unwrap()], "");
    assert_eq!(code, 1);
    for key in ["email.relay", "email.from", "email.username", "email.web_url"] {
        assert!(stderr.contains(key), "{key}: {stderr}");
    }
}
