//! `GET /api/captcha/audio/{token}`: a captcha's spoken letters, fetched only when the
//! parent presses the audio button (the captcha's reply carries the image and this
//! link; SPEC §7). The token seals the answer with the server's key, so the request
//! reads no database and works on any instance; an expired or altered token gets 404.

use app::server::captcha;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::web::WebState;

pub(crate) async fn captcha_audio(
    State(state): State<WebState>,
    Path(token): Path<String>,
) -> Response {
    let Some(answer) = captcha::audio_answer(&state.app.cipher, &token) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    // The first request decodes the crate's recordings (a fraction of a second).
    let Ok(wav) = tokio::task::spawn_blocking(move || captcha::audio_wav(&answer)).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    (
        [
            (header::CONTENT_TYPE, "audio/wav"),
            // The same token always speaks the same letters; it lives two minutes.
            (header::CACHE_CONTROL, "private, max-age=120, immutable"),
        ],
        wav,
    )
        .into_response()
}
