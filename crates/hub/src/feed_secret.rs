//! Feed credentials at rest (issue 17): sealed with a key the store keeps (`Store::secret("feed-credentials")`),
//! so a dump of the records table, a backup of it or an admin listing shows no password or token.
//!
//! The cipher is HMAC-SHA256 in counter mode with a random 16-byte nonce, then HMAC-SHA256 over nonce and
//! ciphertext (encrypt-then-MAC, separate labels for the two uses of the key). Why not an AEAD crate: the hub
//! already has `hmac` and `sha2`, and this needs no new dependency. Limit (docs/federation.md): the key lives in
//! the same store, so whoever holds the whole database holds the credentials; the point is that they are never
//! shown back and never leave through records, logs or the API.

use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::{HubError, HubResult};

const NONCE: usize = 16;
const TAG: usize = 32;

fn mac(key: &[u8; 32], label: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC takes any key"));
    mac.update(label);
    mac
}

fn keystream_xor(key: &[u8; 32], nonce: &[u8], data: &mut [u8]) {
    for (block_idx, chunk) in data.chunks_mut(32).enumerate() {
        let mut block = mac(key, b"stixhub feed enc\0");
        block.update(nonce);
        block.update(&(block_idx as u64).to_be_bytes());
        let stream = block.finalize().into_bytes();
        for (byte, key_byte) in chunk.iter_mut().zip(stream.iter()) {
            *byte ^= key_byte;
        }
    }
}

fn tag(key: &[u8; 32], nonce_and_ciphertext: &[u8]) -> Hmac<Sha256> {
    let mut tag = mac(key, b"stixhub feed mac\0");
    tag.update(nonce_and_ciphertext);
    tag
}

/// Seals `secret` (base64 of nonce, ciphertext, tag).
pub(crate) fn seal(key: &[u8; 32], secret: &str) -> HubResult<String> {
    let mut sealed = vec![0u8; NONCE];
    getrandom::fill(&mut sealed).map_err(|err| HubError::Internal(format!("no randomness: {err}")))?;
    let mut body = secret.as_bytes().to_vec();
    keystream_xor(key, &sealed[..NONCE], &mut body);
    sealed.extend_from_slice(&body);
    let tag = tag(key, &sealed).finalize().into_bytes();
    sealed.extend_from_slice(&tag);
    Ok(base64::engine::general_purpose::STANDARD.encode(sealed))
}

/// Opens a sealed secret; an altered or foreign one is an error.
pub(crate) fn open(key: &[u8; 32], sealed: &str) -> HubResult<String> {
    let broken = || {
        HubError::Internal("a feed credential cannot be opened (altered, or sealed by another store)".into())
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(sealed)
        .map_err(|_| broken())?;
    if bytes.len() < NONCE + TAG {
        return Err(broken());
    }
    let (sealed_part, given_tag) = bytes.split_at(bytes.len() - TAG);
    tag(key, sealed_part)
        .verify_slice(given_tag)
        .map_err(|_| broken())?;
    let (nonce, ciphertext) = sealed_part.split_at(NONCE);
    let mut plain = ciphertext.to_vec();
    keystream_xor(key, nonce, &mut plain);
    String::from_utf8(plain).map_err(|_| broken())
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_trip_and_tamper() {
        let key = [7u8; 32];
        let sealed = super::seal(&key, "correct horse battery staple, longer than one block").unwrap();
        assert!(!sealed.contains("horse"));
        assert_eq!(
            super::open(&key, &sealed).unwrap(),
            "correct horse battery staple, longer than one block"
        );
        assert!(super::open(&[8u8; 32], &sealed).is_err());
        let mut bytes = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &sealed).unwrap();
        bytes[20] ^= 1;
        let altered = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, bytes);
        assert!(super::open(&key, &altered).is_err());
    }
}
