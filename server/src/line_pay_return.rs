//! Where LINE Pay sends the parent back (issue 17 item 4): `GET
//! /api/apply/line-pay/confirm?transactionId=…&orderId=…` after the approval, and `GET
//! /api/apply/line-pay/cancel?orderId=…` after a cancel. Both answer with a redirect
//! to the slip page, `/card/slip/{serial}?line_pay=paid|already_paid|cancelled|failed`,
//! which shows what happened and, unpaid, both ways to pay again. Neither needs the
//! wizard's session (it may have ended while the parent was at LINE): the order id
//! and LINE's transaction id name the payment, and confirming only takes money the
//! parent approved at LINE.

use app::apply::line_pay;
use app::error::AppError;
use app::server::AppState;
use app::server::context::ClientContext;
use axum::Router;
use axum::extract::{Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

pub fn routes(app: AppState) -> Router {
    Router::new()
        .route("/api/apply/line-pay/confirm", get(confirm))
        .route("/api/apply/line-pay/cancel", get(cancel))
        .with_state(app)
}

/// The first value of `name` in the query (LINE may repeat ours).
fn param<'a>(q: &'a [(String, String)], name: &str) -> Option<&'a str> {
    q.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty() && v.len() <= 100)
}

fn back_to_slip(result: Result<(String, line_pay::Outcome), AppError>) -> Response {
    match result {
        Ok((serial, outcome)) => (
            StatusCode::SEE_OTHER,
            [
                (
                    header::LOCATION,
                    format!("/card/slip/{serial}?line_pay={}", outcome.as_str()),
                ),
                (header::CACHE_CONTROL, "no-store".to_owned()),
            ],
        )
            .into_response(),
        Err(AppError::NotFound) => StatusCode::NOT_FOUND.into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

async fn confirm(
    State(app): State<AppState>,
    Query(q): Query<Vec<(String, String)>>,
    req: Request,
) -> Response {
    let client = req.extensions().get::<ClientContext>().cloned();
    let (Some(order_id), Some(transaction_id)) = (param(&q, "orderId"), param(&q, "transactionId"))
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    back_to_slip(line_pay::confirm(&app, client.as_ref(), order_id, transaction_id).await)
}

async fn cancel(
    State(app): State<AppState>,
    Query(q): Query<Vec<(String, String)>>,
    req: Request,
) -> Response {
    let client = req.extensions().get::<ClientContext>().cloned();
    let Some(order_id) = param(&q, "orderId") else {
        return StatusCode::NOT_FOUND.into_response();
    };
    back_to_slip(line_pay::cancel(&app, client.as_ref(), order_id).await)
}
