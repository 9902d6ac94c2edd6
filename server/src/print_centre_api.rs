//! The print centre's machine API (SPEC §11), every call with
//! `Authorization: Bearer $PORTAL_PRINT_CENTRE_API_KEY`:
//! `POST /api/v1/print-batches` (collect the paid and approved applications not yet in
//! a batch), `GET /api/v1/print-batches`, `GET /api/v1/print-batches/{id}` (print data),
//! `GET /api/v1/print-batches/{id}/photos/{serial}` (the headshot) and
//! `POST /api/v1/print-results` (printed, shipped with «掛號號碼», delivered).

use app::apply::print_centre;
use app::server::audit::{self, Actor, AuditEvent};
use app::server::context::ClientContext;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

use crate::body_limit;
use crate::machine_api::{MachineApi, json_body};
use crate::web::api_error;

/// The largest result list `POST /api/v1/print-results` reads.
const RESULTS_BODY_LIMIT: usize = 1024 * 1024;

/// The print centre's routes (state and error shape added by `machine_api::routes`).
pub fn routes() -> Router<MachineApi> {
    Router::new()
        .route("/api/v1/print-batches", post(collect).get(list))
        .route("/api/v1/print-batches/{id}", get(batch))
        .route("/api/v1/print-batches/{id}/photos/{serial}", get(photo))
        .route(
            "/api/v1/print-results",
            post(results).layer(middleware::from_fn(|r, n| {
                body_limit::limit(RESULTS_BODY_LIMIT, r, n)
            })),
        )
}

/// The caller's client context, or the audited 401 when the key is wrong or unset.
/// (Takes copies of the request's parts: a request held by reference across an
/// `await` would make the handler's future not `Send`.)
fn admit<'a>(
    state: &'a MachineApi,
    req: &Request<Body>,
) -> impl Future<Output = Result<Option<ClientContext>, Response>> + Send + 'a {
    let client = req.extensions().get::<ClientContext>().cloned();
    let headers = req.headers().clone();
    check(state, headers, client)
}

async fn check(
    state: &MachineApi,
    headers: HeaderMap,
    client: Option<ClientContext>,
) -> Result<Option<ClientContext>, Response> {
    match state
        .print_key
        .refuse(&state.app, &headers, client.as_ref(), "print.api")
        .await
    {
        Some(refused) => Err(refused),
        None => Ok(client),
    }
}

fn internal(e: &sea_orm::DbErr) -> Response {
    tracing::error!(error = %e, "print centre API failed");
    api_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "internal error; try again later",
    )
}

fn batch_not_found() -> Response {
    api_error(StatusCode::NOT_FOUND, "not_found", "no such print batch")
}

/// `POST /api/v1/print-batches`: 201 with the new batch, or 200 `{"id":null,"count":0}`
/// when nothing waits for printing.
async fn collect(State(state): State<MachineApi>, req: Request<Body>) -> Response {
    let client = match admit(&state, &req).await {
        Ok(c) => c,
        Err(res) => return res,
    };
    match print_centre::collect_batch(&state.app, Actor::PrintCentre, client.as_ref(), None).await {
        Ok(Some(batch)) => (StatusCode::CREATED, Json(batch)).into_response(),
        Ok(None) => Json(serde_json::json!({ "id": null, "count": 0 })).into_response(),
        Err(e) => internal(&e),
    }
}

/// `GET /api/v1/print-batches`: `{"batches":[{"id","created_at","count"}]}`.
async fn list(State(state): State<MachineApi>, req: Request<Body>) -> Response {
    if let Err(res) = admit(&state, &req).await {
        return res;
    }
    match print_centre::batches(&state.app).await {
        Ok(batches) => Json(serde_json::json!({ "batches": batches })).into_response(),
        Err(e) => internal(&e),
    }
}

/// `GET /api/v1/print-batches/{id}`: the batch's print data.
async fn batch(
    State(state): State<MachineApi>,
    Path(id): Path<String>,
    req: Request<Body>,
) -> Response {
    let client = match admit(&state, &req).await {
        Ok(c) => c,
        Err(res) => return res,
    };
    let Ok(id) = id.parse::<i32>() else {
        return batch_not_found();
    };
    match print_centre::batch(&state.app, id).await {
        Ok(Some(batch)) => {
            // Names and addresses leave the portal: the read is audited.
            let event = AuditEvent {
                actor: Actor::PrintCentre,
                action: "print.batch_read",
                subject: Some(id.to_string()),
                result: "ok",
                detail: Some(serde_json::json!({ "count": batch.applications.len() })),
            };
            if let Err(e) = audit::record(&state.app.db, client.as_ref(), event).await {
                return internal(&e);
            }
            Json(batch).into_response()
        }
        Ok(None) => batch_not_found(),
        Err(e) => internal(&e),
    }
}

/// `GET /api/v1/print-batches/{id}/photos/{serial}`: the headshot of an application
/// in that batch (JPEG).
async fn photo(
    State(state): State<MachineApi>,
    Path((id, serial)): Path<(String, String)>,
    req: Request<Body>,
) -> Response {
    if let Err(res) = admit(&state, &req).await {
        return res;
    }
    let Ok(id) = id.parse::<i32>() else {
        return batch_not_found();
    };
    let file = match print_centre::batch_photo(&state.app, id, &serial).await {
        Ok(Some(f)) => f,
        Ok(None) => {
            return api_error(
                StatusCode::NOT_FOUND,
                "not_found",
                "no such application in this batch",
            );
        }
        Err(e) => return internal(&e),
    };
    let dir = state.app.config.data_dir.join("photos");
    let bytes = match app::server::photo::photo_path(&dir, &file) {
        Some(path) => tokio::fs::read(path).await.ok(),
        None => None,
    };
    match bytes {
        Some(b) => ([(header::CONTENT_TYPE, "image/jpeg")], b).into_response(),
        None => api_error(
            StatusCode::NOT_FOUND,
            "not_found",
            "the headshot is missing",
        ),
    }
}

/// The results of `POST /api/v1/print-results`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ResultsBody {
    results: Vec<print_centre::PrintResult>,
}

/// `POST /api/v1/print-results`: a list with a malformed item is refused whole (422 with
/// each item's problem); otherwise 200 with each item's outcome.
async fn results(State(state): State<MachineApi>, req: Request<Body>) -> Response {
    let client = match admit(&state, &req).await {
        Ok(c) => c,
        Err(res) => return res,
    };
    let body: ResultsBody = match json_body(req, RESULTS_BODY_LIMIT).await {
        Ok(b) => b,
        Err(res) => return res,
    };
    let problems: Vec<serde_json::Value> = body
        .results
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            print_centre::result_problem(r)
                .map(|p| serde_json::json!({ "index": i + 1, "serial": r.serial, "problem": p }))
        })
        .collect();
    if !problems.is_empty() || body.results.is_empty() {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(serde_json::json!({
                "error": "invalid_results",
                "message": if body.results.is_empty() { "no results" } else { "some results are invalid; nothing was applied" },
                "problems": problems,
            })),
        )
            .into_response();
    }
    match print_centre::record_results(
        &state.app,
        &body.results,
        Actor::PrintCentre,
        client.as_ref(),
    )
    .await
    {
        Ok(report) => Json(report).into_response(),
        Err(e) => internal(&e),
    }
}
