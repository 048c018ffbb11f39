//! Escaping for each output syntax, in one place: rule `content` and `msg` strings, reference URLs, Zeek
//! fields, CSV fields, RPZ owner names.
//!
//! Invariant: whatever the input (an indicator name is free text from another organisation), the output
//! stays one syntactically valid line: no raw quote, semicolon, backslash or pipe in a rule string, no tab
//! or newline in a Zeek field, no unquoted separator in CSV, no master-file special character in a name.

use std::fmt::Write;

/// A Suricata/Snort `content` string body: printable ASCII except `"`, `;`, `\`, `|` and `:` as is, every
/// other byte in `|hex|` form (runs grouped: `|22 3b|`).
pub fn rule_content(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    let mut in_hex = false;
    for byte in value.bytes() {
        let plain =
            byte.is_ascii_graphic() && !matches!(byte, b'"' | b';' | b'\\' | b'|' | b':') || byte == b' ';
        if plain {
            if in_hex {
                out.push('|');
                in_hex = false;
            }
            out.push(char::from(byte));
        } else {
            out.push(if in_hex { ' ' } else { '|' });
            in_hex = true;
            let _ = write!(out, "{byte:02x}");
        }
    }
    if in_hex {
        out.push('|');
    }
    out
}

/// A `msg` string body: at most `max_chars` characters; `\`, `"` and `;` backslash-escaped; control and
/// non-ASCII characters replaced by `?`; parentheses kept (they are quoted). A dot between a word character
/// and a letter gets a space before it (`evil .example`), the rule-writing convention that keeps consoles
/// from turning names in alert messages into links or lookups (suricata-check S406).
pub fn rule_message(text: &str, max_chars: usize) -> String {
    let chars: Vec<char> = text.chars().take(max_chars).collect();
    let mut out = String::with_capacity(chars.len() + 8);
    for (index, ch) in chars.iter().enumerate() {
        match ch {
            '\\' | '"' | ';' => {
                out.push('\\');
                out.push(*ch);
            }
            '.' => {
                let after_word =
                    index > 0 && (chars[index - 1].is_ascii_alphanumeric() || chars[index - 1] == '_');
                let before_letter = chars.get(index + 1).is_some_and(char::is_ascii_alphabetic);
                if after_word && before_letter {
                    out.push(' ');
                }
                out.push('.');
            }
            ' '..='~' => out.push(*ch),
            _ => out.push('?'),
        }
    }
    out
}

/// A URL as a rule `reference:url,…` value: the scheme dropped (engines prefix their own), every byte
/// outside the unreserved and path characters percent-encoded (so no `;`, `,`, quote or space remains).
pub fn reference_url(url: &str) -> String {
    let bare = url.split_once("://").map_or(url, |(_, rest)| rest);
    percent_encode(bare, |b| {
        b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/' | b':' | b'@' | b'%')
    })
}

/// Percent-encodes every byte `keep` does not accept.
pub fn percent_encode(text: &str, keep: impl Fn(u8) -> bool) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if keep(byte) {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// A Zeek intel field: tabs, newlines and other control characters become spaces; an empty result or one
/// Zeek reads as unset or empty (`-`, `(empty)`) is wrapped so it stays text.
pub fn zeek_field(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    match cleaned.trim() {
        "" | "-" | "(empty)" => format!("[{cleaned}]"),
        _ => cleaned,
    }
}

/// A CSV field (RFC 4180): quoted when it holds a comma, quote, CR or LF (quotes doubled); other control
/// characters become spaces so every record stays on one line.
pub fn csv_field(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\r' {
                ' '
            } else {
                c
            }
        })
        .collect();
    if cleaned.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", cleaned.replace('"', "\"\""))
    } else {
        cleaned
    }
}

/// A relative owner name in a zone file (RFC 1035 §5.1): each label's bytes other than letters, digits,
/// `-` and `_` written as `\DDD`, so `*`, `@`, `$`, `;`, parentheses, quotes and spaces never act as syntax.
pub fn zone_name(labels: &[&str]) -> String {
    let mut out = String::new();
    for (index, label) in labels.iter().enumerate() {
        if index > 0 {
            out.push('.');
        }
        for byte in label.bytes() {
            if byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_' {
                out.push(char::from(byte));
            } else {
                let _ = write!(out, "\\{byte:03}");
            }
        }
    }
    out
}
