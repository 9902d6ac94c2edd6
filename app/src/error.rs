//! The one error type that crosses a server function (STYLE: Errors and validation).
//!
//! The server sends codes and field names; views translate them next to the field.

use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};
use std::collections::BTreeMap;

/// Field name → error code (e.g. `"id_no" → "checksum"`).
pub type FieldErrors = BTreeMap<String, String>;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "error", content = "detail", rename_all = "snake_case")]
pub enum AppError {
    /// Input broke a rule; each field carries its code. HTTP 422.
    #[error("invalid input")]
    Validation(FieldErrors),
    /// The step needs a consent, verification or login that this session lacks. HTTP 401.
    #[error("not verified")]
    Unauthorized,
    /// The caller may not touch this resource. HTTP 403.
    #[error("forbidden")]
    Forbidden,
    /// A parent account with a temporary password may do nothing but change it (or
    /// log out) until it has. HTTP 403.
    #[error("the password must be changed first")]
    MustChangePassword,
    #[error("not found")]
    NotFound,
    /// The state changed under the request (e.g. a card already stopped). HTTP 409.
    #[error("conflict: {0}")]
    Conflict(String),
    /// Too many attempts; try again after this many seconds. HTTP 429.
    #[error("rate limited")]
    RateLimited { retry_after_secs: u64 },
    /// Identity verification found nothing: one message for every reason. HTTP 400.
    #[error("no match")]
    NoMatch,
    /// Logged on the server; the browser never sees the cause. HTTP 500.
    #[error("internal error")]
    Internal,
    /// The server gave up under contention (logged); the same request may be sent
    /// again after this many seconds. HTTP 503.
    #[error("busy")]
    Unavailable { retry_after_secs: u64 },
    /// The request did not reach the server or its answer could not be read.
    #[error("transport: {0}")]
    Transport(String),
}

impl AppError {
    pub fn field(field: &str, code: &str) -> Self {
        let mut errors = FieldErrors::new();
        errors.insert(field.to_owned(), code.to_owned());
        AppError::Validation(errors)
    }

    /// The HTTP status the server answers with.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Validation(_) => 422,
            AppError::Unauthorized => 401,
            AppError::Forbidden | AppError::MustChangePassword => 403,
            AppError::NotFound => 404,
            AppError::Conflict(_) => 409,
            AppError::RateLimited { .. } => 429,
            AppError::NoMatch => 400,
            AppError::Internal | AppError::Transport(_) => 500,
            AppError::Unavailable { .. } => 503,
        }
    }

    pub fn field_errors(&self) -> Option<&FieldErrors> {
        match self {
            AppError::Validation(f) => Some(f),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        let err = match value {
            // Malformed arguments (unknown fields, wrong types) are the caller's fault:
            // `Args` for URL-encoded arguments, `Deserialization` for JSON bodies when it
            // happens on the server (in the browser it means an unreadable answer).
            ServerFnErrorErr::Args(_) => AppError::Validation(FieldErrors::new()),
            #[cfg(feature = "ssr")]
            ServerFnErrorErr::Deserialization(_) => AppError::Validation(FieldErrors::new()),
            other => AppError::Transport(other.to_string()),
        };
        // Arguments are decoded before the server function's body (and its `respond`)
        // runs, so the status is set here: 422 rather than a blanket 500.
        #[cfg(feature = "ssr")]
        set_response_status(&err);
        err
    }
}

#[cfg(feature = "ssr")]
/// Sets the status (and `Retry-After`) of the current server-function response from
/// `err`; does nothing outside a server-function call.
pub fn set_response_status(err: &AppError) {
    if let Some(opts) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        if let Ok(status) = http::StatusCode::from_u16(err.status()) {
            opts.set_status(status);
        }
        if let AppError::RateLimited { retry_after_secs }
        | AppError::Unavailable { retry_after_secs } = err
            && let Ok(v) = http::HeaderValue::from_str(&retry_after_secs.to_string())
        {
            opts.insert_header(http::header::RETRY_AFTER, v);
        }
    }
}
