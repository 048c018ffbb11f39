//! The SMTP side of e-mail delivery: `SmtpMailer`, a small SMTP client (RFC 5321) over tokio and rustls that
//! hands one message at a time to the configured relay. The wire rules (replies, dot-stuffing, AUTH
//! encodings) are in the pure `mail` crate.
//!
//! Invariants:
//! - `starttls = required` never sends anything past EHLO in clear text: a relay without STARTTLS fails the
//!   attempt with a message that says so. `opportunistic` upgrades when offered.
//! - Credentials are never sent over an unencrypted connection.
//! - After `220` to STARTTLS, bytes the relay sent ahead of the handshake are refused (a man in the middle
//!   could otherwise inject replies that the client would read as if encrypted).
//! - Every attempt is bounded by one timeout (connect, TLS, dialogue), and every reply by `mail::smtp`'s
//!   line and length limits.
//! - A 4xx reply, a broken connection or a timeout is `SendError::Transient` (the retry schedule applies);
//!   a 5xx reply is `SendError::Permanent` (a dead letter).

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use mail::smtp::{self, ReplyReader, SendError};
use mail::{Address, Extensions, Reply, ReplyClass};
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// How the client uses STARTTLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartTls {
    /// Refuse to send unless the relay offers STARTTLS and the upgrade succeeds (the default).
    Required,
    /// Upgrade when offered, else send in clear text (never with credentials).
    Opportunistic,
    /// Never upgrade (a relay on the same host).
    Never,
}

/// Where and how mail is handed over.
#[derive(Clone)]
pub struct SmtpSettings {
    /// The relay's host name (also the name its certificate must carry).
    pub host: String,
    /// The relay's port (587 for submission, 25 for relay).
    pub port: u16,
    /// The envelope sender and `From:`.
    pub from: Address,
    /// STARTTLS policy.
    pub starttls: StartTls,
    /// `AUTH PLAIN` / `AUTH LOGIN` user and password.
    pub credentials: Option<(String, String)>,
    /// The longest one attempt may take.
    pub timeout: Duration,
    /// Certificates trusted besides the platform's roots (an internal relay's CA).
    pub extra_roots: Vec<CertificateDer<'static>>,
    /// The name this host gives in EHLO.
    pub helo: String,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("from", &self.from)
            .field("starttls", &self.starttls)
            .field("user", &self.credentials.as_ref().map(|(user, _)| user))
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// Sends mail through one relay.
#[derive(Clone)]
pub struct SmtpMailer {
    settings: Arc<SmtpSettings>,
    tls: tokio_rustls::TlsConnector,
}

impl std::fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpMailer")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

fn transient(what: &str) -> impl Fn(std::io::Error) -> SendError + '_ {
    move |err| SendError::Transient(format!("{what}: {err}"))
}

/// One SMTP dialogue over a plain or encrypted stream.
struct Conn<S> {
    io: BufReader<S>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Conn<S> {
    fn new(stream: S) -> Conn<S> {
        Conn {
            io: BufReader::new(stream),
        }
    }

    async fn reply(&mut self) -> Result<Reply, SendError> {
        let mut reader = ReplyReader::default();
        loop {
            let mut line = Vec::new();
            let limit = u64::try_from(smtp::MAX_LINE_BYTES).unwrap_or(u64::MAX);
            (&mut self.io)
                .take(limit)
                .read_until(b'\n', &mut line)
                .await
                .map_err(transient("reading from the relay"))?;
            if line.is_empty() {
                return Err(SendError::Transient("the relay closed the connection".to_owned()));
            }
            if !line.ends_with(b"\n") {
                return Err(SendError::Transient(
                    "the relay sent an overlong reply line".to_owned(),
                ));
            }
            match reader.push(&line) {
                Ok(Some(reply)) => return Ok(reply),
                Ok(None) => {}
                Err(err) => return Err(SendError::Transient(err.to_string())),
            }
        }
    }

    /// Sends `line` (a command without its CRLF) and reads the reply.
    async fn command(&mut self, line: &str) -> Result<Reply, SendError> {
        self.send_raw(format!("{line}\r\n").as_bytes()).await?;
        self.reply().await
    }

    async fn send_raw(&mut self, bytes: &[u8]) -> Result<(), SendError> {
        let io = self.io.get_mut();
        io.write_all(bytes)
            .await
            .map_err(transient("writing to the relay"))?;
        io.flush().await.map_err(transient("writing to the relay"))
    }

    /// `reply` must be positive (and `expected` when given); otherwise the error for `what`.
    fn check(reply: &Reply, what: &str, expected: Option<u16>) -> Result<(), SendError> {
        let message = || format!("{what}: the relay answered {}", reply.summary());
        match reply.class() {
            ReplyClass::Positive if expected.is_none_or(|code| code == reply.code) => Ok(()),
            ReplyClass::Positive | ReplyClass::Transient => Err(SendError::Transient(message())),
            ReplyClass::Permanent => Err(SendError::Permanent(message())),
        }
    }

    async fn expect(&mut self, line: &str, what: &str, expected: Option<u16>) -> Result<(), SendError> {
        let reply = self.command(line).await?;
        Self::check(&reply, what, expected)
    }

    async fn ehlo(&mut self, helo: &str) -> Result<Extensions, SendError> {
        let reply = self.command(&format!("EHLO {helo}")).await?;
        Self::check(&reply, "EHLO", Some(250))?;
        Ok(Extensions::from_ehlo(&reply))
    }

    /// The stream for the TLS handshake; refused when the relay sent anything ahead of it.
    fn into_stream(self) -> Result<S, SendError> {
        if !self.io.buffer().is_empty() {
            return Err(SendError::Transient(
                "the relay sent data ahead of the TLS handshake (refused: possible injection)".to_owned(),
            ));
        }
        Ok(self.io.into_inner())
    }

    /// AUTH (only when encrypted), MAIL, RCPT, DATA, QUIT.
    async fn transaction(
        &mut self,
        settings: &SmtpSettings,
        ext: &Extensions,
        encrypted: bool,
        to: &Address,
        message: &[u8],
    ) -> Result<(), SendError> {
        if let Some((user, password)) = &settings.credentials {
            if !encrypted {
                return Err(SendError::Transient(format!(
                    "the relay at {}:{} offers no STARTTLS and credentials are never sent in clear text",
                    settings.host, settings.port
                )));
            }
            if ext.auth.iter().any(|m| m == "PLAIN") {
                let line = format!("AUTH PLAIN {}", smtp::auth_plain(user, password));
                self.expect(&line, "AUTH PLAIN", Some(235)).await?;
            } else if ext.auth.iter().any(|m| m == "LOGIN") {
                self.expect("AUTH LOGIN", "AUTH LOGIN", Some(334)).await?;
                self.expect(&smtp::auth_login(user), "AUTH LOGIN user", Some(334))
                    .await?;
                self.expect(&smtp::auth_login(password), "AUTH LOGIN password", Some(235))
                    .await?;
            } else {
                return Err(SendError::Transient(
                    "the relay offers neither AUTH PLAIN nor AUTH LOGIN".to_owned(),
                ));
            }
        }
        self.expect(&format!("MAIL FROM:<{}>", settings.from), "MAIL FROM", None)
            .await?;
        self.expect(&format!("RCPT TO:<{to}>"), "RCPT TO", None).await?;
        self.expect("DATA", "DATA", Some(354)).await?;
        self.send_raw(&smtp::data_payload(message)).await?;
        let reply = self.reply().await?;
        Self::check(&reply, "end of DATA", None)?;
        // The mail is the relay's now; a failed QUIT changes nothing.
        let _ = self.command("QUIT").await;
        Ok(())
    }
}

impl SmtpMailer {
    /// A mailer for `settings`.
    pub fn new(settings: SmtpSettings) -> SmtpMailer {
        let tls = crate::webhook_client::client_tls(&settings.extra_roots);
        SmtpMailer {
            settings: Arc::new(settings),
            tls,
        }
    }

    /// The sender address.
    pub fn sender(&self) -> &Address {
        &self.settings.from
    }

    /// Hands `message` (RFC 5322 bytes) for `to` to the relay, within the timeout.
    pub async fn send(&self, to: &Address, message: &[u8]) -> Result<(), SendError> {
        let settings = &*self.settings;
        match tokio::time::timeout(settings.timeout, self.dialogue(to, message)).await {
            Ok(result) => result,
            Err(_) => Err(SendError::Transient(format!(
                "no answer from the relay {}:{} within {} s",
                settings.host,
                settings.port,
                settings.timeout.as_secs()
            ))),
        }
    }

    async fn dialogue(&self, to: &Address, message: &[u8]) -> Result<(), SendError> {
        let settings = &*self.settings;
        let relay = format!("{}:{}", settings.host, settings.port);
        let tcp = TcpStream::connect((settings.host.as_str(), settings.port))
            .await
            .map_err(|err| SendError::Transient(format!("cannot connect to the relay {relay}: {err}")))?;
        let mut conn = Conn::new(tcp);
        let greeting = conn.reply().await?;
        Conn::<TcpStream>::check(&greeting, "greeting", Some(220))?;
        let ext = conn.ehlo(&settings.helo).await?;
        if ext.starttls && settings.starttls != StartTls::Never {
            conn.expect("STARTTLS", "STARTTLS", Some(220)).await?;
            let name = ServerName::try_from(settings.host.clone())
                .map_err(|err| SendError::Transient(format!("relay name {:?}: {err}", settings.host)))?;
            let tls = self
                .tls
                .connect(name, conn.into_stream()?)
                .await
                .map_err(transient("TLS with the relay"))?;
            let mut conn = Conn::new(tls);
            let ext = conn.ehlo(&settings.helo).await?;
            return conn.transaction(settings, &ext, true, to, message).await;
        }
        if settings.starttls == StartTls::Required {
            return Err(SendError::Transient(format!(
                "the relay {relay} does not offer STARTTLS, which [email] starttls = \"required\" demands"
            )));
        }
        conn.transaction(settings, &ext, false, to, message).await
    }
}

#[async_trait]
impl hub::MailSender for SmtpMailer {
    fn sender(&self) -> &Address {
        &self.settings.from
    }

    async fn send(&self, to: &Address, message: &[u8]) -> Result<(), SendError> {
        SmtpMailer::send(self, to, message).await
    }
}
