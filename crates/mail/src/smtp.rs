//! What an SMTP client needs besides a socket (RFC 5321): reading replies (multi-line, bounded), the EHLO
//! extensions, the DATA payload (CRLF line ends, dot-stuffing, the terminator) and AUTH encodings.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// The most lines one reply may have (a relay cannot make the client collect without end).
pub const MAX_REPLY_LINES: usize = 64;
/// The longest reply line read (RFC 5321 allows 512 with CRLF; some relays send more).
pub const MAX_LINE_BYTES: usize = 2048;

/// What a reply means for the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyClass {
    /// 2xx or 3xx: go on.
    Positive,
    /// 4xx: try again later.
    Transient,
    /// 5xx: the relay refuses for good.
    Permanent,
}

/// A complete reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The three-digit code.
    pub code: u16,
    /// The text of each line (after the code and separator).
    pub lines: Vec<String>,
}

impl Reply {
    /// Its class by the first digit.
    pub fn class(&self) -> ReplyClass {
        match self.code {
            400..=499 => ReplyClass::Transient,
            200..=399 => ReplyClass::Positive,
            _ => ReplyClass::Permanent,
        }
    }

    /// `code text` of the first line, printable only, for logs and dead letters.
    pub fn summary(&self) -> String {
        let text: String = self
            .lines
            .first()
            .map(String::as_str)
            .unwrap_or("")
            .chars()
            .filter(|c| !c.is_control())
            .take(200)
            .collect();
        format!("{} {text}", self.code).trim_end().to_owned()
    }
}

/// Why a mail was not handed to the relay: try again later, or never (a dead letter).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// A 4xx reply, no connection, a timeout, a TLS failure: the retry schedule applies.
    #[error("{0}")]
    Transient(String),
    /// A 5xx reply: the relay refuses this mail for good.
    #[error("{0}")]
    Permanent(String),
}

/// A reply line that breaks the protocol.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the relay sent a malformed reply: {0}")]
pub struct ReplyError(pub String);

/// Collects reply lines until the last one (`NNN text` after any `NNN-text`).
#[derive(Debug, Default)]
pub struct ReplyReader {
    code: Option<u16>,
    lines: Vec<String>,
}

impl ReplyReader {
    /// Takes one line (with or without its CRLF); the reply when it was the last.
    pub fn push(&mut self, raw: &[u8]) -> Result<Option<Reply>, ReplyError> {
        let line = String::from_utf8_lossy(raw);
        let line = line.trim_end_matches(['\r', '\n']);
        let bytes = line.as_bytes();
        if bytes.len() < 3 || !bytes[..3].iter().all(u8::is_ascii_digit) {
            return Err(ReplyError(format!(
                "{:?}",
                line.chars().take(80).collect::<String>()
            )));
        }
        let code: u16 = line[..3].parse().map_err(|_| ReplyError(line.to_owned()))?;
        if !(200..600).contains(&code) || self.code.is_some_and(|first| first != code) {
            return Err(ReplyError(format!("unexpected code {code}")));
        }
        self.code = Some(code);
        let (last, text) = match bytes.get(3) {
            None => (true, ""),
            Some(b' ') => (true, &line[4..]),
            Some(b'-') => (false, &line[4..]),
            Some(_) => {
                return Err(ReplyError(format!(
                    "{:?}",
                    line.chars().take(80).collect::<String>()
                )));
            }
        };
        self.lines.push(text.to_owned());
        if last {
            let lines = std::mem::take(&mut self.lines);
            self.code = None;
            return Ok(Some(Reply { code, lines }));
        }
        if self.lines.len() >= MAX_REPLY_LINES {
            return Err(ReplyError(format!("more than {MAX_REPLY_LINES} lines")));
        }
        Ok(None)
    }
}

/// What the relay offers after EHLO.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extensions {
    /// STARTTLS is offered.
    pub starttls: bool,
    /// AUTH mechanisms offered (upper case).
    pub auth: Vec<String>,
}

impl Extensions {
    /// Reads the EHLO reply (its first line is the greeting, each further line one keyword and parameters).
    pub fn from_ehlo(reply: &Reply) -> Extensions {
        let mut ext = Extensions::default();
        for line in reply.lines.iter().skip(1) {
            let mut words = line.split_whitespace();
            match words.next().map(str::to_ascii_uppercase).as_deref() {
                Some("STARTTLS") => ext.starttls = true,
                Some("AUTH") => ext.auth.extend(words.map(str::to_ascii_uppercase)),
                _ => {}
            }
        }
        ext
    }
}

/// The DATA payload for a message: line ends made CRLF, a line starting with `.` doubled (RFC 5321 4.5.2),
/// and the terminating `.` line.
pub fn data_payload(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + 16);
    let mut line_start = true;
    let mut iter = message.iter().copied().peekable();
    while let Some(byte) = iter.next() {
        match byte {
            b'\r' if iter.peek() == Some(&b'\n') => {}
            b'\r' | b'\n' => {
                out.extend_from_slice(b"\r\n");
                line_start = true;
                continue;
            }
            b'.' if line_start => out.extend_from_slice(b".."),
            other => out.push(other),
        }
        if byte != b'\r' {
            line_start = false;
        }
    }
    if !line_start {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b".\r\n");
    out
}

/// The `AUTH PLAIN` initial response (RFC 4616): base64 of NUL user NUL password.
pub fn auth_plain(user: &str, password: &str) -> String {
    STANDARD.encode(format!("\0{user}\0{password}"))
}

/// A base64 line for `AUTH LOGIN`.
pub fn auth_login(text: &str) -> String {
    STANDARD.encode(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(lines: &[&str]) -> Result<Option<Reply>, ReplyError> {
        let mut reader = ReplyReader::default();
        let mut last = None;
        for line in lines {
            last = reader.push(line.as_bytes())?;
        }
        Ok(last)
    }

    #[test]
    fn multi_line_replies_and_extensions() {
        let reply = read(&[
            "250-sink.test greets you\r\n",
            "250-SIZE 1000\r\n",
            "250-auth plain LOGIN\r\n",
            "250 STARTTLS\r\n",
        ])
        .expect("valid")
        .expect("complete");
        assert_eq!(reply.code, 250);
        assert_eq!(reply.class(), ReplyClass::Positive);
        assert_eq!(
            Extensions::from_ehlo(&reply),
            Extensions {
                starttls: true,
                auth: vec!["PLAIN".into(), "LOGIN".into()]
            }
        );
        assert_eq!(read(&["250-first\r\n"]), Ok(None));
        assert_eq!(read(&["250\r\n"]).expect("ok").map(|r| r.code), Some(250));
    }

    #[test]
    fn classes_and_bad_replies() {
        let class = |line: &str| read(&[line]).expect("ok").expect("reply").class();
        assert_eq!(class("354 go ahead"), ReplyClass::Positive);
        assert_eq!(class("451 try later"), ReplyClass::Transient);
        assert_eq!(class("550 no such user"), ReplyClass::Permanent);
        assert!(read(&["25 short"]).is_err());
        assert!(read(&["250-a", "251 b"]).is_err());
        assert!(read(&["250xno"]).is_err());
        assert!(read(&["999 nope"]).is_err());
        let many: Vec<String> = (0..=MAX_REPLY_LINES).map(|_| "250-x".to_owned()).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert!(read(&many).is_err());
        let summary = read(&["451 4.3.0 \u{1b}[31mbusy"])
            .expect("ok")
            .expect("reply")
            .summary();
        assert_eq!(summary, "451 4.3.0 [31mbusy");
    }

    #[test]
    fn payload_is_dot_stuffed_with_crlf() {
        assert_eq!(
            data_payload(b"a\n.b\r\n..c\rd"),
            b"a\r\n..b\r\n...c\r\nd\r\n.\r\n"
        );
        assert_eq!(data_payload(b".\r\n"), b"..\r\n.\r\n");
        assert_eq!(data_payload(b""), b".\r\n");
        assert_eq!(data_payload(b"x\r\n"), b"x\r\n.\r\n");
    }

    #[test]
    fn auth_encodings() {
        assert_eq!(auth_plain("u", "p"), "AHUAcA==");
        assert_eq!(auth_login("u"), "dQ==");
    }
}
