//! Standard Webhooks 1.0 signatures: `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`,
//! keyed by the bytes of the secret's base64 part after `whsec_`.
//!
//! During a secret rotation a delivery carries one signature per live secret, separated by spaces; a receiver
//! accepts the message when any `v1` signature matches one of its secrets. `verify` is the receiver's side:
//! the tests use it, and it is what a subscriber's code must do.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The prefix of a signing secret's text form.
pub const SECRET_PREFIX: &str = "whsec_";

/// The fewest and most key bytes the specification allows.
const KEY_BYTES: std::ops::RangeInclusive<usize> = 24..=64;

/// How far a message's timestamp may be from the receiver's clock (the specification's recommendation).
pub const DEFAULT_TOLERANCE_SECS: i64 = 5 * 60;

/// A signing secret: key bytes, shown as `whsec_<base64>`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    key: Vec<u8>,
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A secret never reaches a log through Debug.
        f.write_str("Secret(..)")
    }
}

/// Why a secret's text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// No `whsec_` prefix.
    #[error("a webhook secret starts with `whsec_`")]
    Prefix,
    /// The rest is not standard base64.
    #[error("a webhook secret is `whsec_` followed by base64")]
    Base64,
    /// Too short or too long a key.
    #[error("a webhook secret holds 24 to 64 bytes")]
    Length,
}

impl Secret {
    /// A secret from 32 random bytes (the caller draws them: this crate does no I/O).
    pub fn from_random(bytes: [u8; 32]) -> Secret {
        Secret { key: bytes.to_vec() }
    }

    /// Parses the `whsec_<base64>` text form.
    pub fn parse(text: &str) -> Result<Secret, SecretError> {
        let encoded = text.strip_prefix(SECRET_PREFIX).ok_or(SecretError::Prefix)?;
        let key = STANDARD.decode(encoded).map_err(|_| SecretError::Base64)?;
        if !KEY_BYTES.contains(&key.len()) {
            return Err(SecretError::Length);
        }
        Ok(Secret { key })
    }

    /// The `whsec_<base64>` text form (what the subscriber is given once).
    pub fn expose(&self) -> String {
        format!("{SECRET_PREFIX}{}", STANDARD.encode(&self.key))
    }

    fn mac(&self, msg_id: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
        // HMAC takes keys of any length: new_from_slice cannot fail for it.
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC accepts every key length"));
        mac.update(msg_id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }

    /// One `v1,<base64>` signature of a message.
    pub fn signature(&self, msg_id: &str, timestamp: i64, body: &[u8]) -> String {
        let tag = self.mac(msg_id, timestamp, body).finalize().into_bytes();
        format!("v1,{}", STANDARD.encode(tag))
    }
}

/// The `webhook-signature` header value: one signature per secret, space-separated, in the given order.
pub fn sign(msg_id: &str, timestamp: i64, body: &[u8], secrets: &[Secret]) -> String {
    secrets
        .iter()
        .map(|secret| secret.signature(msg_id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Why a received message was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// `webhook-timestamp` is not whole seconds.
    #[error("webhook-timestamp is not a unix time in seconds")]
    Timestamp,
    /// The timestamp is outside the tolerance (a replay, or a skewed clock).
    #[error("webhook-timestamp is too far from now")]
    Stale,
    /// No `v1` signature matches.
    #[error("no webhook-signature matches")]
    Signature,
}

/// Checks a received message the way a receiver must: the timestamp within `tolerance_secs` of `now_secs`, and
/// at least one `v1,` signature equal (in constant time) to one computed with `secret`.
pub fn verify(
    msg_id: &str,
    timestamp_header: &str,
    signature_header: &str,
    body: &[u8],
    secret: &Secret,
    now_secs: i64,
    tolerance_secs: i64,
) -> Result<(), VerifyError> {
    let timestamp: i64 = timestamp_header
        .trim()
        .parse()
        .map_err(|_| VerifyError::Timestamp)?;
    if (now_secs - timestamp).abs() > tolerance_secs {
        return Err(VerifyError::Stale);
    }
    let matched = signature_header.split(' ').any(|candidate| {
        let Some(encoded) = candidate.strip_prefix("v1,") else {
            return false;
        };
        let Ok(tag) = STANDARD.decode(encoded) else {
            return false;
        };
        secret.mac(msg_id, timestamp, body).verify_slice(&tag).is_ok()
    });
    if matched {
        Ok(())
    } else {
        Err(VerifyError::Signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The example of the Standard Webhooks specification and its reference libraries.
    const SPEC_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const SPEC_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const SPEC_TIMESTAMP: i64 = 1_614_265_330;
    const SPEC_BODY: &str = r#"{"test": 2432232314}"#;
    const SPEC_SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    fn spec_secret() -> Secret {
        Secret::parse(SPEC_SECRET).expect("the specification's secret parses")
    }

    #[test]
    fn signs_the_specification_example() {
        let header = sign(SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY.as_bytes(), &[spec_secret()]);
        assert_eq!(header, SPEC_SIGNATURE);
        assert_eq!(spec_secret().expose(), SPEC_SECRET);
    }

    #[test]
    fn verifies_and_refuses() {
        let secret = spec_secret();
        let ts = SPEC_TIMESTAMP.to_string();
        let body = SPEC_BODY.as_bytes();
        assert_eq!(
            verify(
                SPEC_ID,
                &ts,
                SPEC_SIGNATURE,
                body,
                &secret,
                SPEC_TIMESTAMP + 10,
                300
            ),
            Ok(())
        );
        assert_eq!(
            verify(
                SPEC_ID,
                &ts,
                SPEC_SIGNATURE,
                b"{\"test\": 1}",
                &secret,
                SPEC_TIMESTAMP,
                300
            ),
            Err(VerifyError::Signature)
        );
        assert_eq!(
            verify(
                "msg_other",
                &ts,
                SPEC_SIGNATURE,
                body,
                &secret,
                SPEC_TIMESTAMP,
                300
            ),
            Err(VerifyError::Signature)
        );
        assert_eq!(
            verify(
                SPEC_ID,
                &ts,
                SPEC_SIGNATURE,
                body,
                &secret,
                SPEC_TIMESTAMP + 301,
                300
            ),
            Err(VerifyError::Stale)
        );
        assert_eq!(
            verify(SPEC_ID, "12a", SPEC_SIGNATURE, body, &secret, SPEC_TIMESTAMP, 300),
            Err(VerifyError::Timestamp)
        );
        assert_eq!(
            verify(
                SPEC_ID,
                &ts,
                "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
                body,
                &secret,
                SPEC_TIMESTAMP,
                300
            ),
            Err(VerifyError::Signature)
        );
    }

    #[test]
    fn rotation_signs_with_every_secret_and_either_verifies() {
        let old = Secret::from_random([7; 32]);
        let new = Secret::from_random([9; 32]);
        let header = sign("evt_1", 100, b"{}", &[new.clone(), old.clone()]);
        assert_eq!(header.split(' ').count(), 2);
        assert_eq!(verify("evt_1", "100", &header, b"{}", &old, 100, 300), Ok(()));
        assert_eq!(verify("evt_1", "100", &header, b"{}", &new, 100, 300), Ok(()));
        let stranger = Secret::from_random([1; 32]);
        assert_eq!(
            verify("evt_1", "100", &header, b"{}", &stranger, 100, 300),
            Err(VerifyError::Signature)
        );
    }

    #[test]
    fn refuses_malformed_secrets() {
        assert_eq!(
            Secret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
            Err(SecretError::Prefix)
        );
        assert_eq!(Secret::parse("whsec_***"), Err(SecretError::Base64));
        assert_eq!(Secret::parse("whsec_AAAA"), Err(SecretError::Length));
        let text = Secret::from_random([3; 32]).expose();
        assert_eq!(Secret::parse(&text).map(|s| s.expose()), Ok(text));
        assert_eq!(format!("{:?}", Secret::from_random([3; 32])), "Secret(..)");
    }
}
