//! `GET /api/consent/receipt`: the consent receipt as a UTF-8 text download (SPEC §10).
//! Which record comes from the server-side session (or, with `?record=`, must be one
//! of the logged-in parent's own); `?lang=` picks the language, else the
//! `portal_lang` cookie, else zh-TW.

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::web::{WebState, call_context};
use app::i18n::{I18nLocaleTrait, Locale};

#[derive(Deserialize)]
pub struct ReceiptQuery {
    lang: Option<String>,
    record: Option<i64>,
}

fn locale_of(query: &ReceiptQuery, headers: &HeaderMap) -> Locale {
    let cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().strip_prefix("portal_lang="))
        .next()
        .map(str::to_owned);
    let wanted = query.lang.clone().or(cookie).unwrap_or_default();
    Locale::get_all()
        .iter()
        .copied()
        .find(|l| l.as_str() == wanted)
        .unwrap_or_default()
}

pub async fn consent_receipt(
    State(state): State<WebState>,
    Query(query): Query<ReceiptQuery>,
    req: Request<Body>,
) -> Response {
    let Some(cx) = call_context(&state, &req) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let locale = locale_of(&query, req.headers());
    match app::wizard::receipt::download(&cx, query.record, locale).await {
        Ok(text) => {
            let name = match query.record {
                Some(id) => format!("consent-record-{id}.txt"),
                None => "consent-record.txt".to_owned(),
            };
            (
                [
                    (header::CONTENT_TYPE, "text/plain; charset=utf-8".to_owned()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{name}\""),
                    ),
                    (header::CACHE_CONTROL, "no-store".to_owned()),
                ],
                text,
            )
                .into_response()
        }
        Err(e) => crate::web::app_error_response(&e),
    }
}
