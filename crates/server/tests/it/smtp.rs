//! `SmtpMailer` against the test SMTP sink on 127.0.0.1:0: plain and STARTTLS dialogues, AUTH PLAIN/LOGIN,
//! multi-line replies, dot-stuffing, 4xx as transient and 5xx as permanent, a relay without STARTTLS when it
//! is required, an untrusted certificate, bytes injected ahead of the TLS handshake, and a silent relay.

use std::time::Duration;

use mail::{Address, Message, SendError};
use server::{SmtpMailer, SmtpSettings, StartTls};

use crate::smtp_sink::{Sink, SinkOptions, body_of, header_of};

fn settings(sink: &Sink, starttls: StartTls) -> SmtpSettings {
    SmtpSettings {
        host: "localhost".to_owned(),
        port: sink.addr.port(),
        from: Address::parse("hub@stixhub.test").unwrap(),
        starttls,
        credentials: None,
        timeout: Duration::from_secs(5),
        extra_roots: sink.cert.iter().cloned().collect(),
        helo: "stixhub.test".to_owned(),
    }
}

fn message(subject: &str, body: &str) -> Vec<u8> {
    Message {
        from: Address::parse("hub@stixhub.test").unwrap(),
        to: Address::parse("alice@example.org").unwrap(),
        subject: subject.to_owned(),
        body: body.to_owned(),
        id: "1.test".to_owned(),
        date_secs: 1_796_662_800,
    }
    .to_bytes()
}

fn alice() -> Address {
    Address::parse("alice@example.org").unwrap()
}

#[tokio::test]
async fn a_plain_relay_gets_the_message_dot_stuffed_and_back() {
    let sink = Sink::start(SinkOptions::default()).await;
    let mailer = SmtpMailer::new(settings(&sink, StartTls::Never));
    let body = "first line\n.a line starting with a dot\n.\nlast";
    mailer.send(&alice(), &message("Hello", body)).await.unwrap();
    let mails = sink.mails();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].from, "<hub@stixhub.test>");
    assert_eq!(mails[0].to, ["<alice@example.org>"]);
    assert!(!mails[0].tls);
    assert_eq!(header_of(&mails[0].data, "Subject").as_deref(), Some("Hello"));
    // What the sink un-stuffed is exactly the body sent, so a lone "." line did not end the DATA early.
    assert_eq!(
        body_of(&mails[0].data),
        "first line\r\n.a line starting with a dot\r\n.\r\nlast\r\n"
    );
    assert_eq!(
        sink.commands.lock().unwrap().last().map(String::as_str),
        Some("QUIT")
    );
}

#[tokio::test]
async fn starttls_required_fails_clearly_against_a_relay_without_it() {
    let sink = Sink::start(SinkOptions::default()).await;
    let mailer = SmtpMailer::new(settings(&sink, StartTls::Required));
    let err = mailer.send(&alice(), &message("s", "b")).await.unwrap_err();
    match err {
        SendError::Transient(text) => assert!(text.contains("does not offer STARTTLS"), "{text}"),
        other => panic!("{other:?}"),
    }
    assert!(sink.mails().is_empty());
    let commands = sink.commands.lock().unwrap().clone();
    assert!(commands.iter().all(|c| !c.starts_with("MAIL")), "{commands:?}");
}

#[tokio::test]
async fn starttls_with_auth_plain_and_login() {
    let options = SinkOptions {
        starttls: true,
        auth: Some(("hub".to_owned(), "s3cret".to_owned())),
        ..SinkOptions::default()
    };
    let sink = Sink::start(options).await;
    // The PEM form (what an operator's ca_file holds) is the certificate the sink serves.
    let pem_file = std::env::temp_dir().join(format!("stixhub-sink-{}.pem", sink.addr.port()));
    std::fs::write(&pem_file, sink.cert_pem.as_deref().unwrap()).unwrap();
    assert_eq!(
        server::read_certs(&pem_file).unwrap(),
        vec![sink.cert.clone().unwrap()]
    );
    let _ = std::fs::remove_file(&pem_file);
    let mut with_auth = settings(&sink, StartTls::Required);
    with_auth.credentials = Some(("hub".to_owned(), "s3cret".to_owned()));
    let mailer = SmtpMailer::new(with_auth.clone());
    mailer.send(&alice(), &message("Ёжик «x»", "тело")).await.unwrap();
    let mails = sink.mails();
    assert_eq!(mails.len(), 1);
    assert!(mails[0].tls);
    assert_eq!(mails[0].user.as_deref(), Some("hub"));
    assert_eq!(header_of(&mails[0].data, "Subject").as_deref(), Some("Ёжик «x»"));
    assert_eq!(body_of(&mails[0].data), "тело", "base64 body decoded");
    // Wrong credentials: a permanent 535.
    let mut wrong = with_auth;
    wrong.credentials = Some(("hub".to_owned(), "nope".to_owned()));
    let err = SmtpMailer::new(wrong)
        .send(&alice(), &message("s", "b"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, SendError::Permanent(t) if t.contains("535")),
        "{err:?}"
    );
}

#[tokio::test]
async fn auth_login_is_used_when_plain_is_not_offered() {
    let options = SinkOptions {
        starttls: true,
        auth: Some(("hub".to_owned(), "s3cret".to_owned())),
        login_only: true,
        ..SinkOptions::default()
    };
    let sink = Sink::start(options).await;
    let mut s = settings(&sink, StartTls::Opportunistic);
    s.credentials = Some(("hub".to_owned(), "s3cret".to_owned()));
    SmtpMailer::new(s)
        .send(&alice(), &message("s", "b"))
        .await
        .unwrap();
    let mails = sink.mails();
    assert!(mails[0].tls, "opportunistic STARTTLS is taken when offered");
    assert_eq!(mails[0].user.as_deref(), Some("hub"));
    assert!(sink.commands.lock().unwrap().iter().any(|c| c == "AUTH LOGIN"));
}

#[tokio::test]
async fn credentials_never_go_in_clear_text() {
    let options = SinkOptions {
        auth: Some(("hub".to_owned(), "s3cret".to_owned())),
        ..SinkOptions::default()
    };
    let sink = Sink::start(options).await;
    let mut s = settings(&sink, StartTls::Opportunistic);
    s.credentials = Some(("hub".to_owned(), "s3cret".to_owned()));
    let err = SmtpMailer::new(s)
        .send(&alice(), &message("s", "b"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, SendError::Transient(t) if t.contains("clear text")),
        "{err:?}"
    );
    let commands = sink.commands.lock().unwrap().clone();
    assert!(commands.iter().all(|c| !c.starts_with("AUTH")), "{commands:?}");
}

#[tokio::test]
async fn an_untrusted_certificate_is_refused() {
    let sink = Sink::start(SinkOptions {
        starttls: true,
        ..SinkOptions::default()
    })
    .await;
    let mut s = settings(&sink, StartTls::Required);
    s.extra_roots.clear();
    let err = SmtpMailer::new(s)
        .send(&alice(), &message("s", "b"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, SendError::Transient(t) if t.contains("TLS")),
        "{err:?}"
    );
    assert!(sink.mails().is_empty());
}

#[tokio::test]
async fn bytes_ahead_of_the_tls_handshake_are_refused() {
    let sink = Sink::start(SinkOptions {
        starttls: true,
        inject_after_starttls: true,
        ..SinkOptions::default()
    })
    .await;
    let err = SmtpMailer::new(settings(&sink, StartTls::Required))
        .send(&alice(), &message("s", "b"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, SendError::Transient(t) if t.contains("injection")),
        "{err:?}"
    );
}

#[tokio::test]
async fn four_hundreds_are_transient_and_five_hundreds_permanent() {
    let sink = Sink::start(SinkOptions::default()).await;
    sink.script(&["451-4.3.0 busy\r\n451 4.3.0 try later", "554 5.7.1 refused"]);
    let mailer = SmtpMailer::new(settings(&sink, StartTls::Never));
    let first = mailer.send(&alice(), &message("s", "b")).await.unwrap_err();
    assert!(
        matches!(&first, SendError::Transient(t) if t.contains("451 4.3.0 busy")),
        "{first:?}"
    );
    let second = mailer.send(&alice(), &message("s", "b")).await.unwrap_err();
    assert!(
        matches!(&second, SendError::Permanent(t) if t.contains("554")),
        "{second:?}"
    );
    mailer.send(&alice(), &message("s", "b")).await.unwrap();
    assert_eq!(sink.mails().len(), 1);
}

#[tokio::test]
async fn a_silent_relay_times_out_and_a_closed_port_fails() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((tcp, _)) = listener.accept().await {
            open.push(tcp);
        }
    });
    let sink = Sink::start(SinkOptions::default()).await;
    let mut s = settings(&sink, StartTls::Never);
    s.port = port;
    s.timeout = Duration::from_millis(300);
    let err = SmtpMailer::new(s.clone())
        .send(&alice(), &message("s", "b"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, SendError::Transient(t) if t.contains("no answer")),
        "{err:?}"
    );
    held.abort();
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    s.port = closed.local_addr().unwrap().port();
    drop(closed);
    let err = SmtpMailer::new(s)
        .send(&alice(), &message("s", "b"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, SendError::Transient(t) if t.contains("cannot connect")),
        "{err:?}"
    );
}
