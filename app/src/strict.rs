//! Strict arguments for every server function (SPEC §7: "unknown fields in requests are
//! rejected, never bound to columns").
//!
//! The `#[server]` macro builds an argument struct from the function's parameters and
//! decodes the request body into it with serde, which ignores keys it does not know.
//! Every server function is declared with `custom = crate::strict::Strict`, so the body
//! is decoded into `Strict<Args>` instead: the same struct, read through
//! [`serde_ignored`], and refused when any key at any depth was left unread. The
//! decoding error reaches the caller as `AppError::Validation` with HTTP 422
//! (`AppError::from_server_fn_error`).
//!
//! A test below fails when a server function in `app/src` lacks the wrapper.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A server function's arguments that refuse unknown fields when decoded.
#[derive(Clone, Debug)]
pub struct Strict<T>(pub T);

impl<T: Serialize> Serialize for Strict<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Strict<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut unknown: Vec<String> = Vec::new();
        let value = serde_ignored::deserialize(deserializer, |path| {
            unknown.push(path.to_string());
        })?;
        if unknown.is_empty() {
            Ok(Strict(value))
        } else {
            Err(serde::de::Error::custom(format_args!(
                "unknown field(s): {}",
                unknown.join(", ")
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Strict;

    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    struct Args {
        card_ref: String,
    }

    #[test]
    fn known_fields_decode() {
        let Strict(args) = serde_json::from_str::<Strict<Args>>(r#"{"card_ref":"x"}"#)
            .expect("known fields decode");
        assert_eq!(args.card_ref, "x");
    }

    #[test]
    fn unknown_top_level_field_is_refused() {
        let err = serde_json::from_str::<Strict<Args>>(r#"{"card_ref":"x","holder_id":7}"#)
            .expect_err("an unknown field is refused");
        assert!(err.to_string().contains("holder_id"), "{err}");
    }

    #[test]
    fn serializes_as_the_inner_struct() {
        let json = serde_json::to_string(&Strict(Args {
            card_ref: "x".into(),
        }))
        .expect("serializes");
        assert_eq!(json, r#"{"card_ref":"x"}"#);
    }

    /// Every `#[server(…)]` in the crate's sources decodes through `Strict`.
    #[test]
    fn every_server_function_is_strict() {
        fn visit(dir: &std::path::Path, found: &mut Vec<String>, missing: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).expect("source folder").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    visit(&path, found, missing);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).expect("source file");
                    for (n, line) in text.lines().enumerate() {
                        let line = line.trim_start();
                        // `#[server(default)]` marks a parameter, not a function.
                        if line.starts_with("#[server(") && !line.starts_with("#[server(default)]")
                        {
                            let at = format!("{}:{}", path.display(), n + 1);
                            if line.contains("custom = crate::strict::Strict") {
                                found.push(at);
                            } else {
                                missing.push(at);
                            }
                        }
                    }
                }
            }
        }
        let (mut found, mut missing) = (Vec::new(), Vec::new());
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        visit(&src, &mut found, &mut missing);
        assert!(found.len() > 50, "server functions found: {}", found.len());
        assert!(
            missing.is_empty(),
            "server functions without Strict: {missing:?}"
        );
    }
}
