//! Header values from untrusted text (object names, collection titles) without header injection.
//!
//! Rules: every control character (CR, LF, TAB, the C1 range, U+2028/U+2029, …) becomes a space before
//! anything else, so a value can never end its header line; a value that is not short printable ASCII is
//! written as RFC 2047 encoded-words (`=?UTF-8?B?…?=`, at most 75 characters each) folded with CRLF + space,
//! which is the only line break a value ever contains.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// Longest value (in characters) kept; longer text is cut and ends with `…`.
pub const MAX_VALUE_CHARS: usize = 200;

/// Input bytes per encoded-word: 45 bytes are 60 base64 characters, so a word is 72 characters long.
const WORD_BYTES: usize = 45;

fn is_line_break_or_control(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{85}')
}

/// `text` with control characters as spaces, runs of white space as one space, trimmed and cut to
/// `MAX_VALUE_CHARS`.
pub fn clean(text: &str) -> String {
    let spaced: String = text
        .chars()
        .map(|c| if is_line_break_or_control(c) { ' ' } else { c })
        .collect();
    let mut out = String::with_capacity(spaced.len());
    for (idx, word) in spaced.split_whitespace().enumerate() {
        if idx > 0 {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.chars().count() > MAX_VALUE_CHARS {
        out = out.chars().take(MAX_VALUE_CHARS - 1).collect();
        out.push('…');
    }
    out
}

/// An unstructured header value (e.g. `Subject`) as written after `Name: `: `clean`ed, then raw when it is
/// short printable ASCII that cannot be mistaken for an encoded-word, else encoded-words.
pub fn encode(text: &str) -> String {
    let text = clean(text);
    let plain = text.len() <= 66 && text.bytes().all(|b| (0x20..0x7f).contains(&b)) && !text.contains("=?");
    if plain {
        return text;
    }
    let mut words = Vec::new();
    let mut start = 0;
    while start < text.len() {
        let mut end = (start + WORD_BYTES).min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        words.push(format!(
            "=?UTF-8?B?{}?=",
            STANDARD.encode(&text.as_bytes()[start..end])
        ));
        start = end;
    }
    words.join("\r\n ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(value: &str) -> String {
        let mut bytes = Vec::new();
        for word in value.split("\r\n ") {
            let inner = word
                .strip_prefix("=?UTF-8?B?")
                .and_then(|w| w.strip_suffix("?="))
                .expect("an encoded-word");
            bytes.extend(STANDARD.decode(inner).expect("base64"));
        }
        String::from_utf8(bytes).expect("utf-8")
    }

    #[test]
    fn short_ascii_stays_readable() {
        assert_eq!(
            encode("New indicator: evil.example"),
            "New indicator: evil.example"
        );
    }

    #[test]
    fn line_breaks_never_survive() {
        for hostile in [
            "x\r\nBcc: eve@evil.example",
            "x\nBcc: eve@evil.example",
            "x\rBcc: eve@evil.example",
            "x\u{2028}Bcc: eve@evil.example",
            "x\u{85}Bcc: eve@evil.example",
            "x\tBcc:\u{0}eve",
        ] {
            let value = encode(hostile);
            // The only line break allowed is folding, always followed by a space.
            for (idx, _) in value.match_indices('\n') {
                assert_eq!(&value[idx - 1..idx + 2], "\r\n ", "{hostile:?} -> {value:?}");
            }
            assert!(!value.contains("\nBcc"), "{value:?}");
            assert!(!value.contains('\r') || value.contains("\r\n "), "{value:?}");
        }
        assert_eq!(encode("x\r\nBcc: eve@evil.example"), "x Bcc: eve@evil.example");
    }

    #[test]
    fn unicode_and_long_text_become_encoded_words_that_decode_back() {
        let text = "Ransomware «Ёжик» targets 市政府 election offices and more words to make it long";
        let value = encode(text);
        for word in value.split("\r\n ") {
            assert!(word.len() <= 75, "{word}");
        }
        assert_eq!(decode(&value), text);
        // Text that looks like an encoded-word is encoded, not passed through for a reader to decode.
        assert!(encode("=?UTF-8?B?QmNjOg==?=").starts_with("=?UTF-8?B?PT9"));
    }

    #[test]
    fn long_values_are_cut() {
        let value = clean(&"a".repeat(1000));
        assert_eq!(value.chars().count(), MAX_VALUE_CHARS);
        assert!(value.ends_with('…'));
    }
}
