//! Decoding literal tokens (already shape-checked by the lexer) into [`Literal`] values.
//!
//! Integers too large for `i64` become floats, and numbers beyond `f64` saturate (the grammar has no bound;
//! the reference validator, in Python, accepts them). Binary literals decode like Python's lenient base64: non-zero trailing bits are ignored.

use crate::ast::{Literal, Timestamp};
use crate::lexer::TokenKind;

/// Decodes the text of a literal token of `kind`. `None` only for a token kind that is not a literal.
pub(super) fn decode(text: &str, kind: TokenKind) -> Option<Literal> {
    let literal = match kind {
        TokenKind::IntPos | TokenKind::IntNeg => match text.parse::<i64>() {
            Ok(value) => Literal::Int(value),
            Err(_) => Literal::Float(saturating_float(text)),
        },
        TokenKind::FloatPos | TokenKind::FloatNeg => Literal::Float(saturating_float(text)),
        TokenKind::Str => Literal::Str(unescape_string(text)),
        TokenKind::Bool => Literal::Bool(text == "true"),
        TokenKind::Timestamp => Literal::Timestamp(timestamp(text)?),
        TokenKind::Hex => Literal::Hex(decode_hex(text.get(2..text.len() - 1)?)?),
        TokenKind::Binary => Literal::Binary(decode_base64(text.get(2..text.len() - 1)?)?),
        _ => return None,
    };
    Some(literal)
}

/// The value of a number token (shape checked by the lexer), clamped to the finite `f64` range.
pub(super) fn saturating_float(text: &str) -> f64 {
    text.parse::<f64>().unwrap_or(0.0).clamp(-f64::MAX, f64::MAX)
}

/// The value of a `t'…'` token.
pub(super) fn timestamp(text: &str) -> Option<Timestamp> {
    Timestamp::parse(text.get(2..text.len().checked_sub(1)?)?)
}

/// The value of a string token, quotes included in `text`: only `\'` and `\\` are escapes.
pub(super) fn unescape_string(text: &str) -> String {
    let body = text.get(1..text.len().saturating_sub(1)).unwrap_or("");
    if !body.contains('\\') {
        return body.to_owned();
    }
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(escaped) = chars.next() {
                out.push(escaped);
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn decode_hex(body: &str) -> Option<Vec<u8>> {
    let digit = |c: u8| (c as char).to_digit(16).and_then(|d| u8::try_from(d).ok());
    body.as_bytes()
        .chunks(2)
        .map(|pair| Some(digit(pair[0])? * 16 + digit(*pair.get(1)?)?))
        .collect()
}

/// Decodes standard padded base64, ignoring non-zero trailing bits (as Python's `b64decode` does).
pub(crate) fn decode_base64(body: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let bytes = body.trim_end_matches('=').as_bytes();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut acc = 0u32;
        for &c in chunk {
            acc = (acc << 6) | value(c)?;
        }
        let [_, b0, b1, b2] = (acc << (6 * (4 - chunk.len()))).to_be_bytes();
        match chunk.len() {
            4 => out.extend_from_slice(&[b0, b1, b2]),
            3 => out.extend_from_slice(&[b0, b1]),
            2 => out.push(b0),
            _ => return None,
        }
    }
    Some(out)
}
