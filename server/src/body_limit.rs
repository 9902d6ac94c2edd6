//! Body limits that the client hears about.
//!
//! `tower_http`'s limit answers 413 as soon as `Content-Length` is too big and closes
//! the connection with the body unread: a client still sending (a bank's 1 MiB file)
//! then gets a broken pipe, not the answer. Here an over-long body is read on and
//! dropped, up to [`DRAIN_MAX_BYTES`] and for at most [`DRAIN_TIME`], before the 413,
//! as a web server's lingering close does; beyond that the connection is closed.
//! A body within the limit is buffered and handed to the handler whole.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;

/// The most an over-long body is read on before the 413 (bytes, the limit included).
pub const DRAIN_MAX_BYTES: usize = 16 * 1024 * 1024;
/// How long an over-long body is read on before the 413.
pub const DRAIN_TIME: Duration = Duration::from_secs(10);

/// Middleware: at most `limit` bytes of body, else 413 (shaped by the router's error
/// layer). Use as `middleware::from_fn(move |r, n| body_limit::limit(LIMIT, r, n))`.
pub async fn limit(limit: usize, req: Request, next: Next) -> Response {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > DRAIN_MAX_BYTES as u64) {
        return too_large();
    }
    let (parts, body) = req.into_parts();
    let mut stream = body.into_data_stream();
    let mut kept: Vec<u8> = Vec::new();
    let mut seen = 0usize;
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else {
            return StatusCode::BAD_REQUEST.into_response();
        };
        seen += chunk.len();
        if seen > limit {
            drain(&mut stream, seen).await;
            return too_large();
        }
        kept.extend_from_slice(&chunk);
    }
    next.run(Request::from_parts(parts, Body::from(Bytes::from(kept))))
        .await
}

/// Reads and drops the rest of an over-long body, within the drain's bounds.
async fn drain(stream: &mut axum::body::BodyDataStream, mut seen: usize) {
    let rest = async {
        while seen <= DRAIN_MAX_BYTES {
            match stream.next().await {
                Some(Ok(chunk)) => seen += chunk.len(),
                _ => break,
            }
        }
    };
    let _ = tokio::time::timeout(DRAIN_TIME, rest).await;
}

fn too_large() -> Response {
    let mut res = StatusCode::PAYLOAD_TOO_LARGE.into_response();
    // Past the drain the rest of the body is not read: the connection cannot be reused.
    res.headers_mut().insert(
        header::CONNECTION,
        header::HeaderValue::from_static("close"),
    );
    res
}
