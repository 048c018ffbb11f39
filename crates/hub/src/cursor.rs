//! `next` cursors: stateless, opaque, authenticated, bound to the request's filters.
//!
//! A cursor is base64url("v2." position "." tag) where position is the `date_added` (µs) of the last row
//! served (always a row released to the caller: see `released`) and tag = the first 16 bytes of
//! HMAC-SHA-256(store cursor key, scope ‖ 0 ‖ canonical filters ‖ 0 ‖ position). The same cursor always
//! yields the same page (keyset paging), needs no server state, never expires while the data exists, and is
//! refused (400) when it was not issued by this hub for this scope, these filters and this position: a caller
//! can neither forge a position nor move one to another request. It carries no rights: every request using
//! it is authorised as usual. Cursors of the unauthenticated `v1` format (before issue 12) are refused; a
//! client restarts the walk.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use store::Position;

use crate::HubError;

fn tag(key: &[u8; 32], scope: &str, filters: &str, position: i64) -> Result<Hmac<Sha256>, HubError> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key)
        .map_err(|_| HubError::Internal("the cursor key has a bad length".to_owned()))?;
    mac.update(scope.as_bytes());
    mac.update(&[0]);
    mac.update(filters.as_bytes());
    mac.update(&[0]);
    mac.update(position.to_string().as_bytes());
    Ok(mac)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Makes the cursor for resuming after `position`.
pub(crate) fn encode(key: &[u8; 32], scope: &str, filters: &str, position: Position) -> String {
    // A 32-byte key is always accepted by HMAC.
    let digest = tag(key, scope, filters, position.0)
        .map(|mac| hex(&mac.finalize().into_bytes()[..16]))
        .unwrap_or_default();
    URL_SAFE_NO_PAD.encode(format!("v2.{}.{digest}", position.0))
}

/// Reads a cursor back, checking it was issued for this scope, these filters and this position.
pub(crate) fn decode(key: &[u8; 32], scope: &str, filters: &str, cursor: &str) -> Result<Position, HubError> {
    let invalid = || HubError::BadRequest("the next cursor is not valid for this request".to_owned());
    let plain = URL_SAFE_NO_PAD
        .decode(cursor.trim_end_matches('='))
        .map_err(|_| invalid())?;
    let plain = String::from_utf8(plain).map_err(|_| invalid())?;
    let mut parts = plain.splitn(3, '.');
    let (Some("v2"), Some(position), Some(found)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(invalid());
    };
    let position: i64 = position.parse().map_err(|_| invalid())?;
    let found: Vec<u8> = (0..found.len())
        .step_by(2)
        .map(|i| {
            found
                .get(i..i + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
        })
        .collect::<Option<_>>()
        .ok_or_else(invalid)?;
    if found.len() != 16 {
        return Err(invalid());
    }
    tag(key, scope, filters, position)?
        .verify_truncated_left(&found)
        .map_err(|_| {
            HubError::BadRequest(
                "the next cursor was not issued for this request (the filters changed, or it was altered)"
                    .to_owned(),
            )
        })?;
    Ok(Position(position))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_is_bound_to_its_position_scope_and_filters() {
        let key = [7u8; 32];
        let cursor = encode(&key, "s", "f", Position(42));
        assert_eq!(decode(&key, "s", "f", &cursor).ok(), Some(Position(42)));
        assert!(decode(&key, "s", "g", &cursor).is_err());
        assert!(decode(&key, "t", "f", &cursor).is_err());
        assert!(decode(&[8u8; 32], "s", "f", &cursor).is_err());
        let plain =
            String::from_utf8(URL_SAFE_NO_PAD.decode(&cursor).unwrap_or_default()).unwrap_or_default();
        let forged = URL_SAFE_NO_PAD.encode(plain.replacen("42", "41", 1));
        assert!(decode(&key, "s", "f", &forged).is_err());
        let v1 = URL_SAFE_NO_PAD.encode("v1.42.00000000000000000000000000000000");
        assert!(decode(&key, "s", "f", &v1).is_err());
    }
}
