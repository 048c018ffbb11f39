//! `StixId`: an identifier `<object-type>--<UUID>`, checked once at the boundary.
//!
//! Invariant: a `StixId` always has a valid type name and an RFC 4122 UUID (version 1–5, variant 10xx),
//! as the STIX 2.1 JSON schemas require (§2.9). The original text is kept and is what `as_str` returns.

use std::fmt;

use uuid::Uuid;

/// A STIX identifier such as `indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StixId {
    text: Box<str>,
    type_len: usize,
}

/// Why a string is not a STIX identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// There is no `--` separating the type from the UUID.
    #[error("identifier must be <object-type>--<UUID>")]
    MissingSeparator,
    /// The part before `--` is not a valid STIX type name.
    #[error("identifier type {0:?} is not a valid type name")]
    BadType(String),
    /// The part after `--` is not an RFC 4122 UUID.
    #[error("identifier UUID {0:?} is not an RFC 4122 UUID")]
    BadUuid(String),
}

impl StixId {
    /// Parses an identifier, checking the type name and the UUID.
    pub fn parse(text: &str) -> Result<StixId, IdError> {
        let (type_name, uuid_text) = text.split_once("--").ok_or(IdError::MissingSeparator)?;
        if !is_valid_type_name(type_name) {
            return Err(IdError::BadType(type_name.to_owned()));
        }
        if !is_rfc4122_uuid(uuid_text) {
            return Err(IdError::BadUuid(uuid_text.to_owned()));
        }
        Ok(StixId {
            text: text.into(),
            type_len: type_name.len(),
        })
    }

    /// Builds the identifier of `type_name` with `uuid`. The caller guarantees a valid type name.
    pub fn from_parts(type_name: &str, uuid: Uuid) -> StixId {
        debug_assert!(is_valid_type_name(type_name), "caller passes a valid type name");
        let text = format!("{type_name}--{}", uuid.hyphenated());
        StixId {
            text: text.into(),
            type_len: type_name.len(),
        }
    }

    /// The object type named by the identifier.
    pub fn object_type(&self) -> &str {
        &self.text[..self.type_len]
    }

    /// The UUID part, as written.
    pub fn uuid_text(&self) -> &str {
        &self.text[self.type_len + 2..]
    }

    /// The whole identifier, as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for StixId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for StixId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StixId({})", self.text)
    }
}

/// True when `name` is a valid STIX object type name (§3.1): `[a-z0-9-]`, 3–250 characters, starting with a
/// letter, not ending with `-`, and without `--`.
pub fn is_valid_type_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    (3..=250).contains(&bytes.len())
        && bytes[0].is_ascii_lowercase()
        && bytes[bytes.len() - 1] != b'-'
        && bytes
            .iter()
            .all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.contains("--")
}

/// True when `text` is a hyphenated UUID of version 1–5 with the RFC 4122 variant, the form the STIX 2.1 JSON
/// schemas accept in identifiers.
fn is_rfc4122_uuid(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.len() != 36 {
        return false;
    }
    let hyphens_in_place = [8, 13, 18, 23].iter().all(|&i| bytes[i] == b'-');
    let hex_elsewhere = bytes
        .iter()
        .enumerate()
        .all(|(i, b)| matches!(i, 8 | 13 | 18 | 23) || b.is_ascii_hexdigit());
    hyphens_in_place
        && hex_elsewhere
        && (b'1'..=b'5').contains(&bytes[14])
        && matches!(bytes[19], b'8' | b'9' | b'a' | b'b' | b'A' | b'B')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_type_and_uuid() {
        let id = StixId::parse("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f").unwrap();
        assert_eq!(id.object_type(), "indicator");
        assert_eq!(id.uuid_text(), "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f");
    }

    #[test]
    fn rejects_malformed_identifiers() {
        for bad in [
            "indicator-8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "Indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3",
            "indicator--8e2e2d2b-17d4-0cbf-938f-98ee46b3cd3f",
            "indicator--8e2e2d2b-17d4-4cbf-c38f-98ee46b3cd3f",
            "x--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        ] {
            assert!(StixId::parse(bad).is_err(), "{bad}");
        }
    }
}
