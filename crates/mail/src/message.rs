//! An RFC 5322 message with a plain-text body, as sent over SMTP DATA (before dot-stuffing).
//!
//! Every header value is either a checked `Address`, a value written by `header::encode`, or text this module
//! makes from digits and a fixed alphabet, so no header can be added from outside. The body's line ends are
//! CRLF; a body that is not short-lined ASCII is sent base64 (no SMTPUTF8 or 8BITMIME needed from the relay).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::address::Address;
use crate::header;

/// A mail to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// `From:` (also the envelope sender).
    pub from: Address,
    /// `To:` (also the envelope recipient).
    pub to: Address,
    /// The subject, as plain text (encoded when written).
    pub subject: String,
    /// The body, as plain text with `\n` line ends.
    pub body: String,
    /// The left part of `Message-ID` (kept: letters, digits, `.`, `-`); the right part is the sender's domain.
    pub id: String,
    /// `Date:`, seconds since the Unix epoch.
    pub date_secs: i64,
}

const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The civil date of a day count since 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil(days: i64) -> (i64, usize, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, usize::try_from(month - 1).unwrap_or(0), day)
}

/// An RFC 5322 date in UTC, e.g. `Mon, 07 Dec 2026 17:00:00 +0000`.
pub fn rfc5322_date(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (year, month, day) = civil(days);
    let weekday = DAYS[usize::try_from(days.rem_euclid(7)).unwrap_or(0)];
    format!(
        "{weekday}, {day:02} {} {year} {:02}:{:02}:{:02} +0000",
        MONTHS[month.min(11)],
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn crlf_lines(text: &str) -> Vec<&str> {
    text.split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line))
        .collect()
}

impl Message {
    /// The message as bytes with CRLF line ends.
    pub fn to_bytes(&self) -> Vec<u8> {
        let id: String = self
            .id
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
            .take(120)
            .collect();
        let lines = crlf_lines(&self.body);
        let plain = self.body.is_ascii()
            && lines.iter().all(|line| {
                line.len() <= 998 && line.bytes().all(|b| b == b'\t' || (0x20..0x7f).contains(&b))
            });
        let mut out = String::new();
        out.push_str(&format!("From: {}\r\n", self.from));
        out.push_str(&format!("To: {}\r\n", self.to));
        out.push_str(&format!("Subject: {}\r\n", header::encode(&self.subject)));
        out.push_str(&format!("Date: {}\r\n", rfc5322_date(self.date_secs)));
        out.push_str(&format!("Message-ID: <{id}@{}>\r\n", self.from.domain()));
        // RFC 3834: automatic mail; well-behaved responders do not answer it.
        out.push_str("Auto-Submitted: auto-generated\r\n");
        out.push_str("MIME-Version: 1.0\r\n");
        out.push_str("Content-Type: text/plain; charset=utf-8\r\n");
        if plain {
            out.push_str("Content-Transfer-Encoding: 7bit\r\n\r\n");
            out.push_str(&lines.join("\r\n"));
        } else {
            out.push_str("Content-Transfer-Encoding: base64\r\n\r\n");
            let encoded = STANDARD.encode(lines.join("\r\n"));
            let chunks: Vec<&str> = encoded
                .as_bytes()
                .chunks(76)
                .map(|chunk| std::str::from_utf8(chunk).unwrap_or(""))
                .collect();
            out.push_str(&chunks.join("\r\n"));
        }
        out.push_str("\r\n");
        out.into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(subject: &str, body: &str) -> Message {
        Message {
            from: Address::parse("hub@stixhub.example").expect("address"),
            to: Address::parse("alice@example.org").expect("address"),
            subject: subject.to_owned(),
            body: body.to_owned(),
            id: "42.abc\r\nBcc: x".to_owned(),
            date_secs: 1_796_662_800,
        }
    }

    #[test]
    fn dates_are_rfc5322() {
        assert_eq!(rfc5322_date(0), "Thu, 01 Jan 1970 00:00:00 +0000");
        assert_eq!(rfc5322_date(951_782_400), "Tue, 29 Feb 2000 00:00:00 +0000");
        assert_eq!(rfc5322_date(1_796_662_800), "Mon, 07 Dec 2026 17:00:00 +0000");
    }

    #[test]
    fn headers_hold_no_injected_line() {
        let text =
            String::from_utf8(message("hi\r\nBcc: eve@evil.example", "body").to_bytes()).expect("utf-8");
        let (head, body) = text.split_once("\r\n\r\n").expect("head and body");
        let names: Vec<&str> = head
            .split("\r\n")
            .filter(|l| !l.starts_with(' '))
            .map(|l| l.split(':').next().unwrap_or(""))
            .collect();
        assert_eq!(
            names,
            [
                "From",
                "To",
                "Subject",
                "Date",
                "Message-ID",
                "Auto-Submitted",
                "MIME-Version",
                "Content-Type",
                "Content-Transfer-Encoding"
            ]
        );
        assert!(
            head.contains("Message-ID: <42.abcBccx@stixhub.example>"),
            "{head}"
        );
        assert_eq!(body, "body\r\n");
    }

    #[test]
    fn non_ascii_bodies_are_base64_and_line_ends_are_crlf() {
        let ascii = String::from_utf8(message("s", "a\nb\r\nc").to_bytes()).expect("utf-8");
        assert!(ascii.ends_with("\r\n\r\na\r\nb\r\nc\r\n"), "{ascii}");
        let utf8 = String::from_utf8(message("s", "Ёжик\nline").to_bytes()).expect("utf-8");
        let body = utf8.split_once("\r\n\r\n").expect("body").1;
        let decoded = STANDARD.decode(body.replace("\r\n", "")).expect("base64");
        assert_eq!(String::from_utf8(decoded).expect("utf-8"), "Ёжик\r\nline");
    }
}
