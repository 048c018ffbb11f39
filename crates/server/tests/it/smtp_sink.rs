//! A small SMTP server for tests on 127.0.0.1:0: EHLO (multi-line), optional STARTTLS with a self-signed
//! certificate (rcgen), AUTH PLAIN/LOGIN, MAIL/RCPT/DATA with dot-unstuffing, and scripted answers to DATA
//! (e.g. `451` then `250`) so retries and dead letters can be checked. It records every accepted mail.
//! The stixhub binary's tests include this file too (`#[path]`), so there is one sink.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// One accepted mail.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    pub(crate) from: String,
    pub(crate) to: Vec<String>,
    /// The message as sent, dot-unstuffed, CRLF line ends, without the final `.` line.
    pub(crate) data: String,
    /// It came over TLS.
    pub(crate) tls: bool,
    /// The user that authenticated, if any.
    pub(crate) user: Option<String>,
}

#[derive(Debug, Default)]
pub(crate) struct SinkOptions {
    /// Offer STARTTLS with a self-signed certificate for `localhost`.
    pub(crate) starttls: bool,
    /// Offer AUTH PLAIN and LOGIN and accept this user and password.
    pub(crate) auth: Option<(String, String)>,
    /// Offer only AUTH LOGIN.
    pub(crate) login_only: bool,
    /// Send this before the greeting's CRLF is read by the client, right after `220` to STARTTLS (an injection).
    pub(crate) inject_after_starttls: bool,
}

/// A running sink.
#[derive(Debug, Clone)]
pub(crate) struct Sink {
    pub(crate) addr: SocketAddr,
    /// The certificate clients must trust (when STARTTLS is offered), and its PEM form.
    pub(crate) cert: Option<CertificateDer<'static>>,
    pub(crate) cert_pem: Option<String>,
    pub(crate) mails: Arc<Mutex<Vec<Received>>>,
    /// Answers to the next DATA ends (default `250 2.0.0 queued`).
    pub(crate) data_replies: Arc<Mutex<VecDeque<String>>>,
    /// Every command line seen (AUTH lines included), for assertions.
    pub(crate) commands: Arc<Mutex<Vec<String>>>,
}

impl Sink {
    pub(crate) async fn start(options: SinkOptions) -> Sink {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (cert, cert_pem, acceptor) = if options.starttls {
            let key = rcgen::KeyPair::generate().unwrap();
            let params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
            let cert = params.self_signed(&key).unwrap();
            let der = cert.der().clone();
            let config = rustls::ServerConfig::builder_with_provider(Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![der.clone()],
                PrivateKeyDer::try_from(key.serialize_der()).unwrap(),
            )
            .unwrap();
            let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
            (Some(der), Some(cert.pem()), Some(acceptor))
        } else {
            (None, None, None)
        };
        let sink = Sink {
            addr,
            cert,
            cert_pem,
            mails: Arc::default(),
            data_replies: Arc::default(),
            commands: Arc::default(),
        };
        let options = Arc::new(options);
        let shared = sink.clone();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (sink, options, acceptor) = (shared.clone(), Arc::clone(&options), acceptor.clone());
                tokio::spawn(async move {
                    let _ = sink.session(Box::new(tcp), &options, acceptor).await;
                });
            }
        });
        sink
    }

    pub(crate) fn mails(&self) -> Vec<Received> {
        self.mails.lock().unwrap().clone()
    }

    pub(crate) fn script(&self, replies: &[&str]) {
        self.data_replies
            .lock()
            .unwrap()
            .extend(replies.iter().map(|r| (*r).to_owned()));
    }

    async fn session(
        &self,
        stream: Box<dyn Io>,
        options: &SinkOptions,
        acceptor: Option<tokio_rustls::TlsAcceptor>,
    ) -> std::io::Result<()> {
        let mut io = BufReader::new(stream);
        let mut tls = false;
        let mut user = None;
        let mut from = String::new();
        let mut to = Vec::new();
        io.get_mut().write_all(b"220 sink.test ESMTP\r\n").await?;
        loop {
            let mut line = String::new();
            if io.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let command = line.trim_end().to_owned();
            self.commands.lock().unwrap().push(command.clone());
            let upper = command.to_ascii_uppercase();
            let reply: String = if upper.starts_with("EHLO") {
                let mut text = String::from("250-sink.test hello\r\n250-SIZE 10000000\r\n");
                if acceptor.is_some() && !tls {
                    text.push_str("250-STARTTLS\r\n");
                }
                if options.auth.is_some() {
                    text.push_str(if options.login_only {
                        "250-AUTH LOGIN\r\n"
                    } else {
                        "250-AUTH PLAIN LOGIN\r\n"
                    });
                }
                text.push_str("250 8BITMIME\r\n");
                text
            } else if upper == "STARTTLS" && !tls {
                let Some(acceptor) = acceptor.clone() else {
                    io.get_mut().write_all(b"502 no\r\n").await?;
                    continue;
                };
                let mut reply = b"220 go ahead\r\n".to_vec();
                if options.inject_after_starttls {
                    reply.extend_from_slice(b"250 injected\r\n");
                }
                io.get_mut().write_all(&reply).await?;
                let inner = io.into_inner();
                let stream = acceptor.accept(inner).await?;
                io = BufReader::new(Box::new(stream));
                tls = true;
                continue;
            } else if upper.starts_with("AUTH PLAIN ") {
                let decoded = STANDARD.decode(command[11..].trim()).unwrap_or_default();
                let text = String::from_utf8_lossy(&decoded).to_string();
                let parts: Vec<&str> = text.split('\0').collect();
                self.check_auth(options, parts.get(1).copied(), parts.get(2).copied(), &mut user)
            } else if upper == "AUTH LOGIN" {
                io.get_mut().write_all(b"334 VXNlcm5hbWU6\r\n").await?;
                let mut name = String::new();
                io.read_line(&mut name).await?;
                io.get_mut().write_all(b"334 UGFzc3dvcmQ6\r\n").await?;
                let mut password = String::new();
                io.read_line(&mut password).await?;
                let decode = |s: &str| {
                    String::from_utf8(STANDARD.decode(s.trim()).unwrap_or_default()).unwrap_or_default()
                };
                let (name, password) = (decode(&name), decode(&password));
                self.check_auth(options, Some(&name), Some(&password), &mut user)
            } else if upper.starts_with("MAIL FROM:") {
                if options.auth.is_some() && user.is_none() {
                    "530 5.7.0 authentication required\r\n".to_owned()
                } else {
                    from = command[10..].to_owned();
                    to.clear();
                    "250 ok\r\n".to_owned()
                }
            } else if upper.starts_with("RCPT TO:") {
                to.push(command[8..].to_owned());
                "250 ok\r\n".to_owned()
            } else if upper == "DATA" {
                io.get_mut().write_all(b"354 end with .\r\n").await?;
                let mut data = String::new();
                loop {
                    let mut line = String::new();
                    if io.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" {
                        break;
                    }
                    data.push_str(line.strip_prefix('.').unwrap_or(&line));
                }
                let scripted = self.data_replies.lock().unwrap().pop_front();
                let reply = scripted.unwrap_or_else(|| "250-2.0.0 ok\r\n250 2.0.0 queued".to_owned());
                if reply.starts_with('2') {
                    self.mails.lock().unwrap().push(Received {
                        from: from.clone(),
                        to: to.clone(),
                        data,
                        tls,
                        user: user.clone(),
                    });
                }
                format!("{reply}\r\n")
            } else if upper == "QUIT" {
                io.get_mut().write_all(b"221 bye\r\n").await?;
                return Ok(());
            } else if upper == "RSET" || upper == "NOOP" {
                "250 ok\r\n".to_owned()
            } else {
                "500 5.5.1 unknown command\r\n".to_owned()
            };
            io.get_mut().write_all(reply.as_bytes()).await?;
        }
    }

    fn check_auth(
        &self,
        options: &SinkOptions,
        name: Option<&str>,
        password: Option<&str>,
        user: &mut Option<String>,
    ) -> String {
        match &options.auth {
            Some((want_user, want_password))
                if Some(want_user.as_str()) == name && Some(want_password.as_str()) == password =>
            {
                *user = name.map(str::to_owned);
                "235 2.7.0 accepted\r\n".to_owned()
            }
            _ => "535 5.7.8 bad credentials\r\n".to_owned(),
        }
    }
}

/// The decoded body of a message (7bit as is, base64 decoded).
pub(crate) fn body_of(data: &str) -> String {
    let (head, body) = data.split_once("\r\n\r\n").unwrap();
    if head.contains("Content-Transfer-Encoding: base64") {
        String::from_utf8(STANDARD.decode(body.replace("\r\n", "")).unwrap()).unwrap()
    } else {
        body.to_owned()
    }
}

/// The decoded value of header `name` (RFC 2047 B-words joined).
pub(crate) fn header_of(data: &str, name: &str) -> Option<String> {
    let head = data.split_once("\r\n\r\n")?.0;
    let unfolded = head.replace("\r\n ", " ");
    let line = unfolded
        .split("\r\n")
        .find(|l| l.starts_with(&format!("{name}: ")))?;
    let value = &line[name.len() + 2..];
    if !value.starts_with("=?UTF-8?B?") {
        return Some(value.to_owned());
    }
    let mut bytes = Vec::new();
    for word in value.split(' ') {
        let inner = word.strip_prefix("=?UTF-8?B?")?.strip_suffix("?=")?;
        bytes.extend(STANDARD.decode(inner).ok()?);
    }
    String::from_utf8(bytes).ok()
}
