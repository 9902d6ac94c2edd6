//! Gate readers (`gate_readers`): how an API key is made and stored (only its keyed
//! hash), and which reader a key belongs to. The swipe API, the CLI's `add-reader` and
//! «讀卡機管理» share it, so a key minted by one is read the same way by the others.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::error::AppError;
use crate::server::crypto::PiiCipher;
use crate::server::entities::gate_readers;

/// The keyed hash stored for a reader's API key.
pub fn api_key_hash(cipher: &PiiCipher, key: &str) -> String {
    cipher.keyed_hash("gate_readers.api_key", key)
}

/// A fresh API key (`rdr_` and 256 random bits), shown once and never stored.
pub fn new_api_key() -> String {
    format!(
        "rdr_{}{}",
        crate::server::captcha::uuid_like(),
        crate::server::captcha::uuid_like()
    )
}

/// The reader, not revoked, whose key is `key`.
///
/// # Errors
/// Database errors.
pub async fn active_by_key(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    key: &str,
) -> Result<Option<gate_readers::Model>, AppError> {
    if key.is_empty() {
        return Ok(None);
    }
    Ok(gate_readers::Entity::find()
        .filter(gate_readers::Column::ApiKeyHash.eq(api_key_hash(cipher, key)))
        .filter(gate_readers::Column::RevokedAt.is_null())
        .one(conn)
        .await?)
}

/// Whether `code` may be a reader id: 1–60 ASCII letters, digits, `-`, `_`, `.` (it is
/// sent by the reader in every swipe and prefixes its event ids).
pub fn reader_code_ok(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 60
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_codes_are_short_plain_ascii() {
        assert!(reader_code_ok("E2E004-gate-1"));
        assert!(reader_code_ok("north_gate.2"));
        for bad in ["", "正門", "gate 1", "gate/1", &"x".repeat(61)] {
            assert!(!reader_code_ok(bad), "{bad}");
        }
    }

    #[test]
    fn keys_are_fresh_and_stored_only_as_a_keyed_hash() {
        let (a, b) = (new_api_key(), new_api_key());
        assert_ne!(a, b);
        assert!(a.starts_with("rdr_") && a.len() > 40);
        let cipher = PiiCipher::from_secret(&[7u8; 32]);
        assert_ne!(api_key_hash(&cipher, &a), a);
        assert_eq!(api_key_hash(&cipher, &a), api_key_hash(&cipher, &a));
    }
}
