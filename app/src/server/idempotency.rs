//! Exactly-once submissions: the shape of an idempotency key and the hash of a
//! request, shared by the stop and the apply wizards (a replay with the same key and
//! another body is refused as `reused`).

use sha2::{Digest, Sha256};

/// SHA-256 (hex) of the canonical JSON of a request (keys sorted at every level).
pub fn request_hash<T: serde::Serialize>(request: &T) -> String {
    fn canonical(v: serde_json::Value) -> serde_json::Value {
        match v {
            serde_json::Value::Object(map) => {
                let mut entries: Vec<_> = map.into_iter().collect();
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                serde_json::Value::Object(
                    entries
                        .into_iter()
                        .map(|(k, v)| (k, canonical(v)))
                        .collect(),
                )
            }
            serde_json::Value::Array(items) => {
                serde_json::Value::Array(items.into_iter().map(canonical).collect())
            }
            other => other,
        }
    }
    let value = serde_json::to_value(request).unwrap_or(serde_json::Value::Null);
    Sha256::digest(canonical(value).to_string().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The shape check of an idempotency key (also used by the apply wizard).
pub fn idempotency_key_error(key: &str) -> Option<&'static str> {
    let k = key.trim();
    if k.is_empty() {
        Some("required")
    } else if k.len() < 8
        || k.len() > 100
        || !k
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        Some("format")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_hash_ignores_key_order_but_not_values() {
        let a = serde_json::json!({ "a": 1, "b": { "y": 2, "x": [1, 2] } });
        let b = serde_json::json!({ "b": { "x": [1, 2], "y": 2 }, "a": 1 });
        let c = serde_json::json!({ "b": { "x": [2, 1], "y": 2 }, "a": 1 });
        assert_eq!(request_hash(&a), request_hash(&b));
        assert_ne!(request_hash(&a), request_hash(&c));
        assert_eq!(request_hash(&a).len(), 64);
    }

    #[test]
    fn idempotency_keys_are_checked_for_shape() {
        assert_eq!(idempotency_key_error(""), Some("required"));
        assert_eq!(idempotency_key_error("short"), Some("format"));
        assert_eq!(idempotency_key_error("has space in it"), Some("format"));
        assert_eq!(
            idempotency_key_error("3f2504e0-4f89-11d3-9a0c-0305e82c3301"),
            None
        );
    }
}
