//! RFC 8785 JSON Canonicalization Scheme (JCS): the byte form hashed into deterministic SCO ids.
//!
//! Invariant: the output has no insignificant whitespace, object members sorted by the UTF-16 code units of
//! their names, strings escaped only where RFC 8785 requires (`"`, `\`, control characters), and numbers in
//! the ECMAScript `Number.prototype.toString` form (`1e+21`, `1e-7`, `0.5`, `-0`→`0`).

use serde_json::Value;

/// The canonical JSON text of `value`.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_value(value, &mut out);
    out
}

fn write_value(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => out.push_str(&i.to_string()),
            (_, Some(u), _) => out.push_str(&u.to_string()),
            (_, _, Some(f)) => out.push_str(&ecmascript_number(f)),
            _ => out.push_str("null"),
        },
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (item_idx, item) in items.iter().enumerate() {
                if item_idx > 0 {
                    out.push(',');
                }
                write_value(item, out);
            }
            out.push(']');
        }
        Value::Object(members) => {
            let mut sorted: Vec<(&String, &Value)> = members.iter().collect();
            sorted.sort_by(|(a, _), (b, _)| a.encode_utf16().cmp(b.encode_utf16()));
            out.push('{');
            for (member_idx, (key, value)) in sorted.into_iter().enumerate() {
                if member_idx > 0 {
                    out.push(',');
                }
                write_string(key, out);
                out.push(':');
                write_value(value, out);
            }
            out.push('}');
        }
    }
}

fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// ECMAScript's shortest round-trip number form (ECMA-262 §7.1.12.1), which RFC 8785 prescribes.
fn ecmascript_number(f: f64) -> String {
    if !f.is_finite() {
        return "null".to_owned();
    }
    if f == 0.0 {
        return "0".to_owned();
    }
    // `{:e}` gives the shortest round-trip digits: "d.ddde±x".
    let scientific = format!("{:e}", f.abs());
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let n_digits = i32::try_from(digits.len()).unwrap_or(i32::MAX);
    let point = exponent + 1; // position of the decimal point relative to the digits
    let body = if n_digits <= point && point <= 21 {
        format!(
            "{digits}{}",
            "0".repeat(usize::try_from(point - n_digits).unwrap_or(0))
        )
    } else if 0 < point && point <= 21 {
        let (int, frac) = digits.split_at(usize::try_from(point).unwrap_or(0));
        format!("{int}.{frac}")
    } else if -6 < point && point <= 0 {
        format!("0.{}{digits}", "0".repeat(usize::try_from(-point).unwrap_or(0)))
    } else {
        let sign = if point > 0 { "+" } else { "-" };
        let (first, rest) = digits.split_at(1);
        let fraction = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        format!("{first}{fraction}e{sign}{}", (point - 1).abs())
    };
    if f < 0.0 { format!("-{body}") } else { body }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_members_and_drops_whitespace() {
        let value: Value = serde_json::from_str(r#"{ "b": [1, 2], "a": {"z": null, "y": true} }"#).unwrap();
        assert_eq!(canonical_json(&value), r#"{"a":{"y":true,"z":null},"b":[1,2]}"#);
    }

    #[test]
    fn sorts_by_utf16_code_units() {
        // U+10000 is D800 DC00 in UTF-16, so it sorts before U+FFFD although its code point is larger.
        let value: Value = serde_json::from_str(r#"{"\ufffd": 1, "\ud800\udc00": 2}"#).unwrap();
        assert_eq!(canonical_json(&value), "{\"\u{10000}\":2,\"\u{fffd}\":1}");
    }

    #[test]
    fn prints_numbers_as_ecmascript_does() {
        for (input, expected) in [
            ("1.5", "1.5"),
            ("1e21", "1e+21"),
            ("1e20", "100000000000000000000"),
            ("0.000001", "0.000001"),
            ("1e-7", "1e-7"),
            ("-2.5e-10", "-2.5e-10"),
            ("123.456e3", "123456"),
            ("4.0", "4"),
        ] {
            let value: Value = serde_json::from_str(input).unwrap();
            assert_eq!(canonical_json(&value), expected, "{input}");
        }
    }

    #[test]
    fn escapes_only_what_rfc8785_requires() {
        let value = Value::from("é\"\\\u{1}\n/");
        assert_eq!(canonical_json(&value), "\"é\\\"\\\\\\u0001\\n/\"");
    }
}
