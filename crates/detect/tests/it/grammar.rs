//! Grammar checkers written for these tests from the formats' specifications:
//! - Zeek intel files (Zeek intel framework docs: a `#fields` header naming the columns, tab-separated
//!   fields, `-` for unset, `Intel::*` types, one indicator per line);
//! - RPZ zones (RFC 1035 §5 master files: `$TTL`, `@ SOA`, `@ NS`, owner names as labels with `\DDD`
//!   escapes, `;` comments; the RPZ draft: `CNAME .` for NXDOMAIN, `rpz-ip` owners with the prefix length
//!   first and the address reversed, `zz` for a run of zero IPv6 words);
//! - CSV (RFC 4180: quoted fields with doubled quotes, a fixed number of fields per record).
//!
//! Each returns the first violation, with its line.

use std::net::{IpAddr, Ipv4Addr};

const ZEEK_TYPES: &[&str] = &[
    "Intel::ADDR",
    "Intel::SUBNET",
    "Intel::DOMAIN",
    "Intel::URL",
    "Intel::EMAIL",
    "Intel::FILE_HASH",
];

fn is_ldh_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

fn is_subnet(text: &str) -> bool {
    let Some((addr, prefix)) = text.split_once('/') else {
        return false;
    };
    let Ok(addr) = addr.parse::<IpAddr>() else {
        return false;
    };
    let max = if addr.is_ipv4() { 32 } else { 128 };
    prefix.parse::<u8>().is_ok_and(|p| p <= max)
}

/// Checks a Zeek intel file; returns the number of indicator lines.
pub(crate) fn check_zeek(text: &str) -> Result<usize, String> {
    let mut lines = text.lines();
    let header = lines.next().ok_or("empty file")?;
    let columns: Vec<&str> = header.split('\t').collect();
    if columns
        != [
            "#fields",
            "indicator",
            "indicator_type",
            "meta.source",
            "meta.desc",
            "meta.url",
        ]
    {
        return Err(format!("bad header: {header:?}"));
    }
    let mut n = 0;
    for line in lines {
        if line.starts_with('#') {
            if line.starts_with("#fields") || line.starts_with("#separator") {
                return Err(format!("a second header: {line:?}"));
            }
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        if fields.len() != 5 || fields.iter().any(|f| f.is_empty()) {
            return Err(format!("not 5 non-empty fields: {line:?}"));
        }
        if line.chars().any(|c| c.is_control() && c != '\t') {
            return Err(format!("control character: {line:?}"));
        }
        let (value, kind) = (fields[0], fields[1]);
        let ok = match kind {
            "Intel::ADDR" => value.parse::<IpAddr>().is_ok(),
            "Intel::SUBNET" => is_subnet(value),
            "Intel::DOMAIN" => is_ldh_name(value),
            "Intel::URL" => !value.contains("://") && !value.contains(' ') && !value.is_empty(),
            "Intel::EMAIL" => value
                .split_once('@')
                .is_some_and(|(l, d)| !l.is_empty() && is_ldh_name(d)),
            "Intel::FILE_HASH" => {
                [32, 40, 64, 128].contains(&value.len()) && value.bytes().all(|b| b.is_ascii_hexdigit())
            }
            _ => false,
        };
        if !ok || !ZEEK_TYPES.contains(&kind) || value == "-" {
            return Err(format!("bad {kind} value: {line:?}"));
        }
        n += 1;
    }
    Ok(n)
}

fn unescape_label(label: &str) -> Result<Vec<u8>, String> {
    let bytes = label.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => {
                let digits = label
                    .get(i + 1..i + 4)
                    .ok_or(format!("short escape in {label:?}"))?;
                let value: u16 = digits.parse().map_err(|_| format!("bad escape in {label:?}"))?;
                out.push(u8::try_from(value).map_err(|_| format!("escape over 255 in {label:?}"))?);
                i += 4;
            }
            b if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' => {
                out.push(b);
                i += 1;
            }
            other => return Err(format!("unescaped {:?} in {label:?}", char::from(other))),
        }
    }
    if out.is_empty() || out.len() > 63 {
        return Err(format!("label length {} in {label:?}", out.len()));
    }
    Ok(out)
}

fn check_rpz_ip(labels: &[&str]) -> Result<(), String> {
    let prefix: u8 = labels[0].parse().map_err(|_| format!("prefix {:?}", labels[0]))?;
    let address = &labels[1..labels.len() - 1];
    if address.len() == 4 {
        let mut octets: Vec<&str> = address.to_vec();
        octets.reverse();
        octets
            .join(".")
            .parse::<Ipv4Addr>()
            .map_err(|_| format!("address {address:?}"))?;
        return if prefix <= 32 {
            Ok(())
        } else {
            Err(format!("prefix {prefix}"))
        };
    }
    let zz = address.iter().filter(|w| **w == "zz").count();
    let words_ok = address
        .iter()
        .all(|w| *w == "zz" || (w.len() <= 4 && u16::from_str_radix(w, 16).is_ok()));
    let count_ok = (zz == 0 && address.len() == 8) || (zz == 1 && address.len() < 8);
    if words_ok && count_ok && prefix <= 128 {
        Ok(())
    } else {
        Err(format!("IPv6 owner {labels:?}"))
    }
}

/// Checks an RPZ zone; returns the number of policy records.
pub(crate) fn check_rpz(text: &str) -> Result<usize, String> {
    let (mut ttl, mut soa, mut ns, mut n) = (false, false, false, 0);
    for line in text.lines() {
        if line.starts_with(';') || line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(' ').collect();
        match fields.as_slice() {
            ["$TTL", value] if !ttl && value.parse::<u32>().is_ok() => ttl = true,
            ["@", "IN", "SOA", mname, rname, numbers @ ..] if ttl && !soa => {
                let ok = mname.ends_with('.') && rname.ends_with('.') && numbers.len() == 5;
                if !ok || numbers.iter().any(|v| v.parse::<u32>().is_err()) {
                    return Err(format!("bad SOA: {line:?}"));
                }
                soa = true;
            }
            ["@", "IN", "NS", name] if soa && !ns && name.ends_with('.') => ns = true,
            [owner, "CNAME", "."] if ns => {
                if owner.ends_with('.') || owner.starts_with('.') {
                    return Err(format!("owner not relative: {line:?}"));
                }
                let labels: Vec<&str> = owner.split('.').collect();
                let mut length = 0;
                for label in &labels {
                    length += unescape_label(label).map_err(|e| format!("{e}: {line:?}"))?.len() + 1;
                }
                if length > 255 {
                    return Err(format!("name too long: {line:?}"));
                }
                if labels.last() == Some(&"rpz-ip") {
                    check_rpz_ip(&labels).map_err(|e| format!("{e}: {line:?}"))?;
                }
                n += 1;
            }
            _ => return Err(format!("not a zone line here: {line:?}")),
        }
    }
    if !(ttl && soa && ns) {
        return Err("missing $TTL, SOA or NS".to_owned());
    }
    Ok(n)
}

/// Splits CSV text into records (RFC 4180), skipping `#` comment lines outside quotes.
pub(crate) fn parse_csv(text: &str) -> Result<Vec<Vec<String>>, String> {
    let mut records = Vec::new();
    let mut chars = text.chars().peekable();
    while chars.peek().is_some() {
        if chars.peek() == Some(&'#') {
            for c in chars.by_ref() {
                if c == '\n' {
                    break;
                }
            }
            continue;
        }
        let mut record = Vec::new();
        let mut field = String::new();
        let mut quoted = false;
        loop {
            match (chars.next(), quoted) {
                (None, true) => return Err("unterminated quote".to_owned()),
                (None, false) | (Some('\n'), false) => {
                    record.push(std::mem::take(&mut field));
                    break;
                }
                (Some('"'), false) if field.is_empty() => quoted = true,
                (Some('"'), false) => return Err(format!("quote inside an unquoted field: {field:?}")),
                (Some('"'), true) => match chars.peek() {
                    Some('"') => {
                        chars.next();
                        field.push('"');
                    }
                    Some(',') | Some('\n') | None => quoted = false,
                    _ => return Err(format!("text after a closing quote: {field:?}")),
                },
                (Some(','), false) => record.push(std::mem::take(&mut field)),
                (Some(c), _) => field.push(c),
            }
        }
        records.push(record);
    }
    Ok(records)
}
