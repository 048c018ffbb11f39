//! `next` cursors: stateless, opaque, bound to the request's filters.
//!
//! A cursor is base64url("v1." position "." digest) where position is the `date_added` (µs) of the last row
//! served and digest = first 16 bytes of SHA-256(store cursor key ‖ scope ‖ canonical filters). The same
//! cursor always yields the same page (keyset paging), needs no server state, never expires while the data
//! exists, and is refused (400) when the filters or the scope changed. It carries no rights: every request
//! using it is authorised as usual.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use store::Position;

use crate::HubError;

fn digest(key: &[u8; 32], scope: &str, filters: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(key);
    hasher.update(scope.as_bytes());
    hasher.update([0]);
    hasher.update(filters.as_bytes());
    let full: [u8; 32] = hasher.finalize().into();
    full[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// Makes the cursor for resuming after `position`.
pub(crate) fn encode(key: &[u8; 32], scope: &str, filters: &str, position: Position) -> String {
    let plain = format!("v1.{}.{}", position.0, digest(key, scope, filters));
    URL_SAFE_NO_PAD.encode(plain)
}

/// Reads a cursor back, checking it belongs to this scope and these filters.
pub(crate) fn decode(key: &[u8; 32], scope: &str, filters: &str, cursor: &str) -> Result<Position, HubError> {
    let invalid = || HubError::BadRequest("the next cursor is not valid for this request".to_owned());
    let plain = URL_SAFE_NO_PAD
        .decode(cursor.trim_end_matches('='))
        .map_err(|_| invalid())?;
    let plain = String::from_utf8(plain).map_err(|_| invalid())?;
    let mut parts = plain.splitn(3, '.');
    let (Some("v1"), Some(position), Some(found_digest)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(invalid());
    };
    let position: i64 = position.parse().map_err(|_| invalid())?;
    if found_digest != digest(key, scope, filters) {
        return Err(HubError::BadRequest(
            "the filters changed since this next cursor was issued".to_owned(),
        ));
    }
    Ok(Position(position))
}
