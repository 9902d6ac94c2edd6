//! PII at rest (SPEC §7): AES-256-GCM with a key-id prefix for rotation and the row's
//! identity as associated data, plus a keyed hash (HMAC-SHA-256) for lookups.
//!
//! Both keys derive from one secret (`PORTAL_SECRET_KEY`, or a generated file under
//! the data folder in development).

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

const KEY_ID: &str = "k1";

pub struct PiiCipher {
    aead: Aes256Gcm,
    hash_key: [u8; 32],
}

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("unknown key id")]
    UnknownKey,
    #[error("malformed ciphertext")]
    Malformed,
    #[error("decryption failed")]
    Decrypt,
}

fn derive(secret: &[u8], label: &str) -> [u8; 32] {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail here.
    let mut mac =
        <HmacSha256 as Mac>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(label.as_bytes());
    mac.finalize().into_bytes().into()
}

impl PiiCipher {
    /// Derives the encryption and hashing keys from a secret of at least 32 bytes.
    pub fn from_secret(secret: &[u8]) -> Self {
        let enc = derive(secret, "student-card-portal/pii-encryption/v1");
        Self {
            aead: Aes256Gcm::new(&enc.into()),
            hash_key: derive(secret, "student-card-portal/pii-lookup-hash/v1"),
        }
    }

    /// Encrypts `plaintext` bound to `aad` (e.g. `holders.id_no:<row key>`).
    pub fn encrypt(&self, plaintext: &str, aad: &str) -> String {
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let ct = self
            .aead
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: aad.as_bytes(),
                },
            )
            .expect("AES-GCM encrypts inputs far below its length limit");
        let mut raw = nonce.to_vec();
        raw.extend_from_slice(&ct);
        format!("{KEY_ID}:{}", B64.encode(raw))
    }

    /// # Errors
    /// When the key id is unknown, the data is malformed, or `aad` does not match.
    pub fn decrypt(&self, stored: &str, aad: &str) -> Result<String, CryptoError> {
        let (kid, body) = stored.split_once(':').ok_or(CryptoError::Malformed)?;
        if kid != KEY_ID {
            return Err(CryptoError::UnknownKey);
        }
        let raw = B64.decode(body).map_err(|_| CryptoError::Malformed)?;
        if raw.len() < 12 {
            return Err(CryptoError::Malformed);
        }
        let (nonce, ct) = raw.split_at(12);
        let pt = self
            .aead
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ct,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| CryptoError::Decrypt)?;
        String::from_utf8(pt).map_err(|_| CryptoError::Malformed)
    }

    /// The keyed hash under which attempts, locks and binding failures of a holder's ID
    /// (normalised) are counted.
    pub fn holder_id_hash(&self, normalized_id: &str) -> String {
        self.keyed_hash("holder.id_no", normalized_id)
    }

    /// A keyed hash for equality lookups: same input and purpose → same hex string.
    pub fn keyed_hash(&self, purpose: &str, value: &str) -> String {
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.hash_key)
            .expect("HMAC takes keys of any length");
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// The associated data binding an encrypted national ID to its holder row.
pub fn holder_id_aad(id_hash: &str) -> String {
    format!("holders.id_no:{id_hash}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_binding_to_the_row() {
        let c = PiiCipher::from_secret(&[7u8; 32]);
        let enc = c.encrypt("A123456789", "holders.id_no:1");
        assert!(enc.starts_with("k1:"));
        assert!(!enc.contains("A123456789"));
        assert_eq!(
            c.decrypt(&enc, "holders.id_no:1").ok().as_deref(),
            Some("A123456789")
        );
        assert!(
            c.decrypt(&enc, "holders.id_no:2").is_err(),
            "moved to another row"
        );
        let other = PiiCipher::from_secret(&[8u8; 32]);
        assert!(other.decrypt(&enc, "holders.id_no:1").is_err(), "other key");
    }

    #[test]
    fn keyed_hash_is_stable_and_keyed() {
        let a = PiiCipher::from_secret(&[1u8; 32]);
        let b = PiiCipher::from_secret(&[2u8; 32]);
        assert_eq!(
            a.keyed_hash("id", "A123456789"),
            a.keyed_hash("id", "A123456789")
        );
        assert_ne!(
            a.keyed_hash("id", "A123456789"),
            b.keyed_hash("id", "A123456789")
        );
        assert_ne!(
            a.keyed_hash("id", "A123456789"),
            a.keyed_hash("ip", "A123456789")
        );
    }
}
