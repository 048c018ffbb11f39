//! Formats of string values that STIX defines by reference to other standards: hashes (§2.7), base64 binary
//! (§2.1), hex (§2.8), RFC 3986 URLs, RFC 5646 language tags, IANA media types and character set names.
//!
//! Invariant: these are pure byte scans; nothing here allocates unless it reports a diagnostic.

use serde_json::Value;

use crate::diagnostic::Diagnostic;
use crate::validate::path::{Path, report};
use crate::vocab::{self, HashFormat};

/// Checks a hashes dictionary (§2.7): string values, in the format of their algorithm when it is one of the
/// hash-algorithm-ov, keys of at most 250 characters.
pub(crate) fn check_hashes(value: &Value, path: &Path<'_>, out: &mut Vec<Diagnostic>) {
    check_hashes_with_keys(value, HashKeys::Any, path, out);
}

/// Which hash algorithm names a hashes dictionary may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HashKeys {
    /// hash-algorithm-ov names or custom names (§2.7).
    Any,
    /// hash-algorithm-ov names only (external references, §2.5).
    Vocabulary,
}

/// Checks a hashes dictionary (§2.7): keys of 3–250 characters of `[A-Za-z0-9_-]`, string values in the
/// format of their algorithm when it is one of the hash-algorithm-ov.
pub(crate) fn check_hashes_with_keys(
    value: &Value,
    keys: HashKeys,
    path: &Path<'_>,
    out: &mut Vec<Diagnostic>,
) {
    let Some(hashes) = value.as_object() else {
        report(out, "property-type", path, "must be a hashes dictionary");
        return;
    };
    if hashes.is_empty() {
        report(
            out,
            "empty-dictionary",
            path,
            "a hashes dictionary must contain at least one hash",
        );
    }
    for (algorithm, hash) in hashes {
        let hash_path = path.key(algorithm);
        let Some(hash) = hash.as_str() else {
            report(out, "property-type", &hash_path, "a hash value must be a string");
            continue;
        };
        let format = vocab::hash_format(algorithm);
        let key_ok = (3..=250).contains(&algorithm.len())
            && algorithm
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !key_ok {
            let message =
                format!("{algorithm:?} is not a hash algorithm name ([A-Za-z0-9_-], 3-250 characters)");
            report(out, "hash-algorithm", &hash_path, message);
        } else if format.is_none() && keys == HashKeys::Vocabulary {
            let message =
                format!("{algorithm:?} is not in hash-algorithm-ov, which external references must use");
            report(out, "hash-algorithm", &hash_path, message);
        }
        let Some(format) = format else { continue };
        if !hash_matches(format, hash) {
            let expected = match format {
                HashFormat::Hex(n_digits) => format!("{n_digits} hexadecimal digits"),
                HashFormat::Ssdeep => "an ssdeep hash (1-128 characters of A-Za-z0-9/+:.)".to_owned(),
                HashFormat::Tlsh => "a TLSH digest (70 hexadecimal digits, optionally after T1)".to_owned(),
            };
            report(
                out,
                "hash-format",
                &hash_path,
                format!("the {algorithm} hash must be {expected}"),
            );
        }
    }
}

fn hash_matches(format: HashFormat, hash: &str) -> bool {
    let is_hex = |text: &str| text.bytes().all(|b| b.is_ascii_hexdigit());
    match format {
        HashFormat::Hex(n_digits) => hash.len() == n_digits && is_hex(hash),
        HashFormat::Ssdeep => {
            (1..=128).contains(&hash.len())
                && hash
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'+' | b':' | b'.'))
        }
        HashFormat::Tlsh => {
            let digest = hash.strip_prefix("T1").unwrap_or(hash);
            digest.len() == 70 && is_hex(digest)
        }
    }
}

/// Checks base64-encoded binary data (§2.3, RFC 4648 with padding).
pub(crate) fn check_binary(value: &Value, path: &Path<'_>, out: &mut Vec<Diagnostic>) {
    let Some(text) = value.as_str() else {
        report(out, "property-type", path, "must be a base64 string");
        return;
    };
    let bytes = text.as_bytes();
    let n_padding = bytes.iter().rev().take_while(|b| **b == b'=').count();
    let body = &bytes[..bytes.len() - n_padding];
    let well_formed = bytes.len().is_multiple_of(4)
        && n_padding <= 2
        && body
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/');
    if !well_formed {
        report(out, "binary-format", path, "must be base64 (RFC 4648, padded)");
    }
}

/// Checks hexadecimal bytes (§2.8): an even number of digits `0-9a-f`.
pub(crate) fn check_hex(value: &Value, path: &Path<'_>, out: &mut Vec<Diagnostic>) {
    let Some(text) = value.as_str() else {
        report(out, "property-type", path, "must be a hex string");
        return;
    };
    let lowercase_hex = text
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !text.len().is_multiple_of(2) || !lowercase_hex {
        report(
            out,
            "hex-format",
            path,
            "must be an even number of hex digits 0-9 and lowercase a-f (§2.8)",
        );
    }
}

/// Checks a URL (RFC 3986 URI): a scheme, then only characters a URI may hold, with valid %-escapes.
pub(crate) fn check_url(value: &Value, path: &Path<'_>, out: &mut Vec<Diagnostic>) {
    let Some(url) = value.as_str() else {
        report(out, "property-type", path, "must be a URL string");
        return;
    };
    if !is_rfc3986_uri(url) {
        report(out, "url-format", path, format!("{url:?} is not an RFC 3986 URI"));
    }
}

fn is_rfc3986_uri(text: &str) -> bool {
    let Some((scheme, rest)) = text.split_once(':') else {
        return false;
    };
    let scheme_ok = scheme.as_bytes().first().is_some_and(u8::is_ascii_alphabetic)
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    let bytes = rest.as_bytes();
    let mut byte_idx = 0;
    let mut n_fragment_marks = 0;
    while let Some(&b) = bytes.get(byte_idx) {
        match b {
            b'%' => {
                let escaped = bytes.get(byte_idx + 1..byte_idx + 3);
                if !escaped.is_some_and(|pair| pair.iter().all(u8::is_ascii_hexdigit)) {
                    return false;
                }
                byte_idx += 2;
            }
            b'#' => n_fragment_marks += 1,
            b if b.is_ascii_alphanumeric() => {}
            b'-' | b'.' | b'_' | b'~' | b':' | b'/' | b'?' | b'[' | b']' | b'@' | b'!' | b'$' | b'&'
            | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'=' => {}
            _ => return false,
        }
        byte_idx += 1;
    }
    scheme_ok && n_fragment_marks <= 1
}

/// Whether `tag` looks like an RFC 5646 language tag (`en`, `fr-CA`, `zh-Hant-TW`): alphanumeric subtags of
/// 1–8 characters separated by hyphens, the first alphabetic.
pub(crate) fn is_language_tag(tag: &str) -> bool {
    let mut subtags = tag.split('-');
    let primary_ok = subtags.next().is_some_and(|primary| {
        (1..=8).contains(&primary.len()) && primary.bytes().all(|b| b.is_ascii_alphabetic())
    });
    primary_ok
        && subtags.all(|subtag| {
            (1..=8).contains(&subtag.len()) && subtag.bytes().all(|b| b.is_ascii_alphanumeric())
        })
}

/// Whether `text` has the form of an IANA media type, `type/subtype`, with one of the registry's top-level
/// types. (The registry itself changes; its form does not.)
pub(crate) fn is_media_type(text: &str) -> bool {
    let Some((top_level, subtype)) = text.split_once('/') else {
        return false;
    };
    matches!(
        top_level,
        "application"
            | "audio"
            | "font"
            | "haptics"
            | "image"
            | "message"
            | "model"
            | "multipart"
            | "text"
            | "video"
    ) && !subtype.is_empty()
        && subtype
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'+' | b'_' | b'-'))
}

/// Whether `text` has the form of an IANA character set name (`UTF-8`, `windows-1252`, `ISO_8859-1:1987`).
pub(crate) fn is_charset_name(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 40
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'(' | b')' | b':' | b'.'))
}
