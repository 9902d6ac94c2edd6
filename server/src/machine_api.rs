//! The machine API additions of SPEC §11, each behind its caller's own key
//! (`Authorization: Bearer <key>`): `POST /api/v1/refunds` for the card issuer's refund
//! confirmations and `POST /api/v1/old-cards` for the old cards that reached it
//! (`PORTAL_REFUND_API_KEY`: the issuer's key), and the print centre's batches, print data,
//! photos and results (`PORTAL_PRINT_CENTRE_API_KEY`, see `print_centre_api.rs`). A
//! feature whose key is unset refuses every call; the rest of the server works.

use app::server::AppState;
use app::server::audit::{self, Actor, AuditEvent};
use app::server::context::ClientContext;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use sha2::{Digest, Sha256};

use crate::config::ServerConfig;
use crate::web::api_error;
use crate::{api_errors, body_limit};

/// The largest refund list `POST /api/v1/refunds` reads.
const REFUNDS_BODY_LIMIT: usize = 1024 * 1024;

/// A caller's key, kept as its SHA-256 digest; `None` when the feature is off.
#[derive(Clone, Copy)]
pub struct CallerKey(Option<[u8; 32]>);

impl CallerKey {
    pub fn new(key: Option<&str>) -> Self {
        Self(key.map(|k| Sha256::digest(k.trim().as_bytes()).into()))
    }

    /// Whether `req` presents this key. Equal-length digests are compared in full, so
    /// timing tells nothing of the key.
    pub fn admits(self, headers: &HeaderMap) -> bool {
        let presented = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|k| <[u8; 32]>::from(Sha256::digest(k.trim().as_bytes())));
        match (self.0, presented) {
            (Some(expected), Some(given)) => {
                expected
                    .iter()
                    .zip(given.iter())
                    .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                    == 0
            }
            _ => false,
        }
    }

    /// `None` when the caller may go on; else the audited 401. (Takes the parts it needs,
    /// not the request: a body held across an `await` would make the handler's future
    /// not `Send`.)
    pub async fn refuse(
        self,
        app: &AppState,
        headers: &HeaderMap,
        client: Option<&ClientContext>,
        action: &'static str,
    ) -> Option<Response> {
        if self.admits(headers) {
            return None;
        }
        let reason = if self.0.is_none() {
            "not_configured"
        } else {
            "api_key"
        };
        let event = AuditEvent {
            actor: Actor::Visitor,
            action,
            subject: None,
            result: "denied",
            detail: Some(serde_json::json!({ "reason": reason })),
        };
        if let Err(e) = audit::record(&app.db, client, event).await {
            tracing::error!(error = %e, action, "auditing a refused machine API call failed");
        }
        Some(api_error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "a valid API key is required",
        ))
    }
}

#[derive(Clone)]
pub struct MachineApi {
    pub app: AppState,
    refund_key: CallerKey,
    pub print_key: CallerKey,
}

/// The routes of this module, with the `/api/v1` error shape.
pub fn routes(app: AppState, config: &ServerConfig) -> Router {
    let state = MachineApi {
        app,
        refund_key: CallerKey::new(config.refund_api_key.as_deref()),
        print_key: CallerKey::new(config.print_centre_api_key.as_deref()),
    };
    crate::print_centre_api::routes()
        .route(
            "/api/v1/refunds",
            post(post_refunds).layer(middleware::from_fn(|r, n| {
                body_limit::limit(REFUNDS_BODY_LIMIT, r, n)
            })),
        )
        .route(
            "/api/v1/old-cards",
            post(post_old_cards).layer(middleware::from_fn(|r, n| {
                body_limit::limit(REFUNDS_BODY_LIMIT, r, n)
            })),
        )
        .layer(middleware::map_response(api_errors::json_errors))
        .with_state(state)
}

/// Reads a JSON body of at most `limit` bytes, or the `/api/v1` error.
pub async fn json_body<T: serde::de::DeserializeOwned>(
    req: Request<Body>,
    limit: usize,
) -> Result<T, Response> {
    let Ok(bytes) = axum::body::to_bytes(req.into_body(), limit).await else {
        return Err(api_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            "the body is too large",
        ));
    };
    serde_json::from_slice(&bytes).map_err(|e| {
        api_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
            &e.to_string(),
        )
    })
}

/// The refunds of `POST /api/v1/refunds`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RefundsBody {
    refunds: Vec<app::card_stop::refunds::RefundRecord>,
}

/// `POST /api/v1/refunds`: the issuer's refund confirmations, the same rules as
/// `server import-refunds`. A list with a malformed item is refused whole (422 with
/// each item's problem); otherwise 200 with each item's outcome.
async fn post_refunds(State(state): State<MachineApi>, req: Request<Body>) -> Response {
    use app::card_stop::refunds;
    let client = req.extensions().get::<ClientContext>().cloned();
    let headers = req.headers().clone();
    if let Some(refused) = state
        .refund_key
        .refuse(&state.app, &headers, client.as_ref(), "refund.api")
        .await
    {
        return refused;
    }
    let body: RefundsBody = match json_body(req, REFUNDS_BODY_LIMIT).await {
        Ok(b) => b,
        Err(res) => return res,
    };
    let today = app::domain::dates::taiwan_today();
    let records: Vec<(usize, refunds::RefundRecord)> = body
        .refunds
        .into_iter()
        .enumerate()
        .map(|(i, r)| (i + 1, r))
        .collect();
    let problems: Vec<serde_json::Value> = records
        .iter()
        .filter_map(|(i, r)| {
            refunds::record_problem(r, today)
                .map(|p| serde_json::json!({ "index": i, "serial": r.serial, "problem": p }))
        })
        .collect();
    if !problems.is_empty() || records.is_empty() {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(serde_json::json!({
                "error": "invalid_refunds",
                "message": if records.is_empty() { "no refunds" } else { "some refunds are invalid; nothing was applied" },
                "problems": problems,
            })),
        )
            .into_response();
    }
    match refunds::confirm(&state.app, &records, Actor::Issuer, client.as_ref()).await {
        Ok(report) => Json(report).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "refund confirmation failed");
            api_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "refund confirmation failed",
            )
        }
    }
}

/// The old cards of `POST /api/v1/old-cards`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct OldCardsBody {
    cards: Vec<app::apply::old_cards::OldCardRecord>,
}

/// `POST /api/v1/old-cards`: the issuer confirms old cards mailed back for a reissue
/// (the issuer's key, as for refunds). 200 with each item's outcome (`received`,
/// `unchanged`, `unknown`, `not_required`); a repeated list changes nothing.
async fn post_old_cards(State(state): State<MachineApi>, req: Request<Body>) -> Response {
    let client = req.extensions().get::<ClientContext>().cloned();
    let headers = req.headers().clone();
    if let Some(refused) = state
        .refund_key
        .refuse(&state.app, &headers, client.as_ref(), "old_card.api")
        .await
    {
        return refused;
    }
    let body: OldCardsBody = match json_body(req, REFUNDS_BODY_LIMIT).await {
        Ok(b) => b,
        Err(res) => return res,
    };
    if body.cards.is_empty() || body.cards.iter().any(|c| c.serial.trim().is_empty()) {
        return api_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_old_cards",
            "each card needs its application serial",
        );
    }
    match app::apply::old_cards::confirm_old_cards(
        &state.app,
        &body.cards,
        Actor::Issuer,
        client.as_ref(),
    )
    .await
    {
        Ok(report) => Json(report).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "old card confirmation failed");
            api_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "old card confirmation failed",
            )
        }
    }
}
