//! `serve` with an `[email]` section (issue 13): a real process mails a subscription's events through the
//! test SMTP sink over STARTTLS, trusting the sink's certificate through `ca_file`.

use std::time::Duration;

use crate::operations::{envelope, indicator, stixhub};
use crate::smtp_sink::{Sink, SinkOptions, body_of, header_of};
use crate::taxii_server::{ServerProcess, admin_basic, fresh_data_dir, http};

#[test]
fn serve_mails_a_subscriptions_events_through_the_configured_relay() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sink = runtime.block_on(Sink::start(SinkOptions {
        starttls: true,
        ..SinkOptions::default()
    }));
    let dir = fresh_data_dir("email-serve");
    let data = dir.to_str().unwrap();
    let ca = dir.join("relay-ca.pem");
    std::fs::write(&ca, sink.cert_pem.clone().unwrap()).unwrap();
    let config = dir.join("stixhub.toml");
    let text = format!(
        "version = 1\ndata = {data:?}\n[email]\nrelay = \"localhost:{}\"\nfrom = \"alerts@hub.example\"\nweb_url = \"https://hub.example\"\nca_file = {:?}\n",
        sink.addr.port(),
        ca.display().to_string()
    );
    std::fs::write(&config, text).unwrap();
    let config = config.to_str().unwrap();
    let server = ServerProcess::start_with_store_flags(&[
        std::ffi::OsStr::new("--config"),
        std::ffi::OsStr::new(config),
    ]);
    let (code, _, stderr) = stixhub(
        &[
            "subscription",
            "add",
            "admin",
            "--email",
            "alice@example.org",
            "--data",
            data,
        ],
        "",
    );
    assert_eq!(code, 0, "{stderr}");
    let headers = [
        ("Accept", "application/taxii+json;version=2.1"),
        ("Content-Type", "application/taxii+json;version=2.1"),
        ("Authorization", &admin_basic()),
    ];
    let body = envelope(&[indicator(1, 1)]);
    let (status, _, reply) = http(
        &server.address,
        "POST",
        "/api1/collections/default/objects/",
        &headers,
        &body,
    )
    .unwrap();
    assert_eq!(status, 202, "{reply}");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while sink.mails().is_empty() {
        assert!(std::time::Instant::now() < deadline, "no mail arrived");
        std::thread::sleep(Duration::from_millis(100));
    }
    let mail = &sink.mails()[0];
    assert!(mail.tls, "STARTTLS is required by default");
    assert_eq!(mail.to, ["<alice@example.org>"]);
    let subject = header_of(&mail.data, "Subject").unwrap();
    assert!(subject.starts_with("[stixhub] New indicator"), "{subject}");
    let body = body_of(&mail.data);
    assert!(body.contains("Open:       https://hub.example/ui/c/"), "{body}");
    let (_, _, metrics) = http(&server.address, "GET", "/metrics", &[], "").unwrap();
    assert!(metrics.contains("stixhub_email_deliveries_total 1"), "{metrics}");
    drop(server);
}
