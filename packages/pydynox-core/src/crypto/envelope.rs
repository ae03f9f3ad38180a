//! The stored form of an encrypted value (KMS envelope encryption, AES-256-GCM):
//!
//! ```text
//! 0x01 | wrapped key length (u16, big endian) | wrapped key (KMS CiphertextBlob) | nonce (12) | ciphertext + tag (16)
//! ```
//!
//! The additional authenticated data binds the ciphertext to where it belongs: the table, the
//! attribute, the item's key, the encryption context and the header itself. A value copied to another
//! item or attribute, or altered in any byte, fails to decrypt instead of yielding other plaintext.

use std::collections::BTreeMap;

use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use rand::TryRngCore;

pub const VERSION: u8 = 0x01;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
const AAD_LABEL: &[u8] = b"pydynox/encrypted-attribute/v1";

/// A stored value, split into its parts (borrowed from the stored bytes).
pub struct Envelope<'a> {
    /// Version byte and wrapped key: authenticated along with the rest.
    pub header: &'a [u8],
    pub wrapped: &'a [u8],
    pub nonce: &'a [u8],
    pub sealed: &'a [u8],
}

pub fn parse(stored: &[u8]) -> Result<Envelope<'_>, String> {
    let Some((&version, rest)) = stored.split_first() else {
        return Err("the stored value is empty".to_owned());
    };
    if version != VERSION {
        return Err(format!(
            "the stored value is not a pydynox encrypted value (version byte {version:#04x})"
        ));
    }
    let (len, rest) = rest
        .split_first_chunk::<2>()
        .ok_or_else(|| "the stored value is truncated".to_owned())?;
    let len = u16::from_be_bytes(*len) as usize;
    if len == 0 || rest.len() < len + NONCE_LEN + TAG_LEN {
        return Err("the stored value is truncated".to_owned());
    }
    let (wrapped, rest) = rest.split_at(len);
    let (nonce, sealed) = rest.split_at(NONCE_LEN);
    Ok(Envelope {
        header: &stored[..3 + len],
        wrapped,
        nonce,
        sealed,
    })
}

/// Where a value lives, for the additional authenticated data.
pub struct Binding<'a> {
    pub table: &'a str,
    pub attribute: &'a str,
    /// The item's key attributes (name, value in `avbin` form), sorted by name.
    pub key: &'a [(String, Vec<u8>)],
    pub context: &'a BTreeMap<String, String>,
}

fn push(out: &mut Vec<u8>, part: &[u8]) {
    out.extend_from_slice(&(part.len() as u32).to_be_bytes());
    out.extend_from_slice(part);
}

fn aad(binding: &Binding<'_>, header: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(128 + header.len());
    push(&mut out, AAD_LABEL);
    push(&mut out, binding.table.as_bytes());
    push(&mut out, binding.attribute.as_bytes());
    out.extend_from_slice(&(binding.key.len() as u32).to_be_bytes());
    for (name, value) in binding.key {
        push(&mut out, name.as_bytes());
        push(&mut out, value);
    }
    out.extend_from_slice(&(binding.context.len() as u32).to_be_bytes());
    for (k, v) in binding.context {
        push(&mut out, k.as_bytes());
        push(&mut out, v.as_bytes());
    }
    push(&mut out, header);
    out
}

/// Encrypts `plaintext` under `cipher` (the data key that `wrapped` protects).
pub fn seal(
    cipher: &Aes256Gcm,
    wrapped: &[u8],
    binding: &Binding<'_>,
    plaintext: &[u8],
) -> Result<Vec<u8>, String> {
    let len = u16::try_from(wrapped.len())
        .map_err(|_| format!("the KMS wrapped key is too long ({} bytes)", wrapped.len()))?;
    let mut out = Vec::with_capacity(3 + wrapped.len() + NONCE_LEN + plaintext.len() + TAG_LEN);
    out.push(VERSION);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(wrapped);
    // A fresh nonce from the operating system for every value: never from a process-local
    // generator, whose state a forked child would share with its parent (and the data key with it).
    let mut nonce = [0u8; NONCE_LEN];
    rand::rngs::OsRng
        .try_fill_bytes(&mut nonce)
        .map_err(|e| format!("no randomness for a nonce: {e}"))?;
    let aad = aad(binding, &out);
    let sealed = cipher
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad: &aad,
            },
        )
        .map_err(|_| "AES-GCM encryption failed".to_owned())?;
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    Ok(out)
}

/// The plaintext of `envelope`, or None when it does not authenticate (altered, or bound elsewhere).
pub fn open(cipher: &Aes256Gcm, envelope: &Envelope<'_>, binding: &Binding<'_>) -> Option<Vec<u8>> {
    let aad = aad(binding, envelope.header);
    cipher
        .decrypt(
            Nonce::from_slice(envelope.nonce),
            Payload {
                msg: envelope.sealed,
                aad: &aad,
            },
        )
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use aes_gcm::KeyInit;

    fn binding<'a>(
        attribute: &'a str,
        key: &'a [(String, Vec<u8>)],
        context: &'a BTreeMap<String, String>,
    ) -> Binding<'a> {
        Binding {
            table: "users",
            attribute,
            key,
            context,
        }
    }

    #[test]
    fn round_trip_and_every_tampering_fails() {
        let cipher = Aes256Gcm::new_from_slice(&[7u8; 32]).unwrap();
        let key = vec![("pk".to_owned(), b"\x00\x01A".to_vec())];
        let ctx: BTreeMap<String, String> = [("app".to_owned(), "x".to_owned())].into();
        let b = binding("ssn", &key, &ctx);
        let stored = seal(&cipher, b"wrapped-key-bytes", &b, b"secret").unwrap();
        let env = parse(&stored).unwrap();
        assert_eq!(env.wrapped, b"wrapped-key-bytes");
        assert_eq!(open(&cipher, &env, &b).unwrap(), b"secret");

        // Every single byte matters.
        for i in 0..stored.len() {
            let mut bad = stored.clone();
            bad[i] ^= 0x01;
            if let Ok(env) = parse(&bad) {
                assert!(open(&cipher, &env, &b).is_none(), "byte {i}");
            }
        }
        // Another attribute, another item, another context, another table: refused.
        assert!(open(&cipher, &env, &binding("email", &key, &ctx)).is_none());
        let other_key = vec![("pk".to_owned(), b"\x00\x01B".to_vec())];
        assert!(open(&cipher, &env, &binding("ssn", &other_key, &ctx)).is_none());
        let other_ctx: BTreeMap<String, String> = [("app".to_owned(), "y".to_owned())].into();
        assert!(open(&cipher, &env, &binding("ssn", &key, &other_ctx)).is_none());
        let elsewhere = Binding {
            table: "other",
            ..binding("ssn", &key, &ctx)
        };
        assert!(open(&cipher, &env, &elsewhere).is_none());
    }

    #[test]
    fn nonces_differ_between_values() {
        let cipher = Aes256Gcm::new_from_slice(&[1u8; 32]).unwrap();
        let ctx = BTreeMap::new();
        let b = binding("a", &[], &ctx);
        let one = seal(&cipher, b"w", &b, b"same").unwrap();
        let two = seal(&cipher, b"w", &b, b"same").unwrap();
        assert_ne!(one, two);
    }

    #[test]
    fn malformed_values_are_refused() {
        assert!(parse(&[]).is_err());
        assert!(parse(&[2, 0, 1, 0]).is_err());
        assert!(parse(&[1, 0, 0]).is_err());
        assert!(parse(&[1, 0, 5, 1, 2, 3]).is_err());
    }
}
