//! The `/api/v1` error shape, `{ "error": code, "message": text }`, for every error:
//! those of the app's services and those no handler of ours wrote.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// An [`app::AppError`] in the `/api/v1` shape: its code, a message (never the
/// cause of an internal error) and, for invalid input, the fields.
pub fn from_app_error(err: &app::AppError) -> Response {
    use app::AppError;
    let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let code = serde_json::to_value(err)
        .ok()
        .and_then(|v| v["error"].as_str().map(str::to_owned))
        .unwrap_or_else(|| "internal".into());
    let message = match err {
        AppError::Internal | AppError::Transport(_) => "internal error; try again later".to_owned(),
        other => other.to_string(),
    };
    let mut body = serde_json::json!({ "error": code, "message": message });
    if let AppError::Validation(fields) = err {
        body["fields"] = serde_json::json!(fields);
    }
    let mut res = (status, Json(body)).into_response();
    if let AppError::RateLimited { retry_after_secs } = err
        && let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string())
    {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    res
}

/// Every `/api/v1` error is `{error, message}` JSON, also those no handler of ours
/// wrote: the body limit's 413 (answered before the body is read), a wrong method's
/// 405. Other headers (`Allow`, `Retry-After`) stay.
pub async fn json_errors(res: Response) -> Response {
    let status = res.status();
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json"));
    if is_json || !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let (code, message) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => ("too_large", "the body is too large"),
        StatusCode::METHOD_NOT_ALLOWED => (
            "method_not_allowed",
            "this endpoint does not take this method",
        ),
        StatusCode::NOT_FOUND => ("not_found", "no such endpoint"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("unsupported_media_type", "send JSON"),
        s if s.is_server_error() => ("internal", "internal error; try again later"),
        _ => ("bad_request", "the request cannot be read"),
    };
    let (parts, _) = res.into_parts();
    let mut out = crate::web::api_error(status, code, message);
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            out.headers_mut().insert(name.clone(), value.clone());
        }
    }
    out
}
