//! «LINE Pay 付款» (issue 17 item 4): an unpaid application paid online through LINE
//! Pay (`server::line_pay`), the slip staying the other way to pay.
//!
//! - [`start`]: the verified holder's unpaid application gets an attempt row
//!   (`line_pay_payments`, `requested`, a fresh order id) and LINE's payment page.
//! - [`confirm`]: LINE sends the parent back with `transactionId` and `orderId`. The
//!   attempt is claimed by one conditional update (`requested` → `confirming`), so a
//!   replayed or concurrent confirm never confirms twice: the others wait for the
//!   claim's outcome and report it. The claim checks that the application is still
//!   payable and the amount still due; if the slip was paid first LINE is never asked
//!   to confirm (no money is taken). A `0000` from LINE marks the application paid at
//!   once (`payments::mark_paid`, the reconciliation's own state change and message);
//!   if the store's payment slipped in between, the LINE payment is recorded as
//!   «重複繳費» for a refund instead. Another code: `failed` with the code; no answer:
//!   back to `requested`, so coming back to the confirm URL tries again.
//! - [`cancel`]: the parent cancelled at LINE: `cancelled`.
//!
//! The later reconciliation file does not pay twice: it finds the application paid
//! with channel `linepay` and records the store payment as «重複繳費».

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set,
    sea_query::Expr,
};
use std::time::Duration;

use super::payments::{self, Payment, payable};
use crate::domain::dates::taiwan_today;
use crate::error::AppError;
use crate::server::AppState;
use crate::server::audit::{self, Actor, AuditEvent};
use crate::server::context::{CallContext, ClientContext};
use crate::server::db::begin_write;
use crate::server::entities::{
    line_pay_payments as attempts, replacement_applications as applications,
};
use crate::server::line_pay::{LinePayError, PaymentRequest};

/// The channel a LINE Pay payment is recorded with (`paid_channel`).
pub const CHANNEL: &str = "linepay";

/// Where the parent lands after LINE Pay, shown on the slip page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Paid now (or already, by this payment).
    Paid,
    /// The slip was paid first: LINE was not asked to take the money.
    AlreadyPaid,
    /// The parent cancelled at LINE.
    Cancelled,
    /// LINE refused the confirmation, or could not be reached.
    Failed,
}

impl Outcome {
    /// The `line_pay=` value of the slip page's URL.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Paid => "paid",
            Self::AlreadyPaid => "already_paid",
            Self::Cancelled => "cancelled",
            Self::Failed => "failed",
        }
    }
}

/// Whether `state.line_pay` is set.
pub fn offered(state: &AppState) -> bool {
    state.line_pay.is_some()
}

/// Starts a LINE Pay payment of one of the verified holder's unpaid applications;
/// the URL of LINE's payment page. `origin` is the portal's own origin (the page's
/// `Origin`), which LINE sends the parent back to.
///
/// # Errors
/// `Unauthorized`; `NotFound` (LINE Pay not configured, or not the holder's
/// application); `Conflict("not_payable")`; `Conflict("line_pay_unavailable")` when
/// LINE refused or could not be reached.
pub async fn start(cx: &CallContext, serial: &str, origin: &str) -> Result<String, AppError> {
    let Some(api) = cx.state.line_pay.clone() else {
        return Err(AppError::NotFound);
    };
    let holder_id = super::service::slip_reader(cx).await?;
    let db = &cx.state.db;
    let Some(a) = super::service::own_application(db, holder_id, serial).await? else {
        return Err(AppError::NotFound);
    };
    if !payable(&a) {
        return Err(AppError::Conflict("not_payable".into()));
    }
    let now = Utc::now();
    let order_id = format!(
        "{}-{}",
        a.serial_no,
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    );
    let attempt = attempts::ActiveModel {
        application_id: Set(a.id),
        order_id: Set(order_id.clone()),
        transaction_id: Set(None),
        amount: Set(a.amount_due),
        state: Set("requested".into()),
        return_code: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        confirmed_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let origin = origin.trim_end_matches('/');
    let request = PaymentRequest {
        order_id: order_id.clone(),
        amount: i64::from(a.amount_due),
        product_name: "學生證補發製卡費".into(),
        confirm_url: format!("{origin}/api/apply/line-pay/confirm"),
        cancel_url: format!("{origin}/api/apply/line-pay/cancel?orderId={order_id}"),
    };
    let result = api.request(&request).await;
    let (state, transaction_id, code) = match &result {
        Ok(r) => ("requested", Some(r.transaction_id.clone()), None),
        Err(LinePayError::Refused { code }) => ("failed", None, Some(code.clone())),
        Err(LinePayError::Unreachable(_)) => ("failed", None, Some("unreachable".to_owned())),
    };
    let mut row: attempts::ActiveModel = attempt.into();
    row.transaction_id = Set(transaction_id);
    row.state = Set(state.into());
    row.return_code = Set(code.clone());
    row.updated_at = Set(Utc::now());
    row.update(db).await?;
    audit::record(
        db,
        Some(&cx.client),
        AuditEvent {
            actor: Actor::Holder(holder_id),
            action: "line_pay.request",
            subject: Some(a.serial_no.clone()),
            result: if result.is_ok() { "ok" } else { "failed" },
            detail: Some(serde_json::json!({ "order_id": order_id, "code": code })),
        },
    )
    .await?;
    match result {
        Ok(r) => Ok(r.payment_url),
        Err(e) => {
            tracing::warn!(error = %e, "LINE Pay request failed");
            Err(AppError::Conflict("line_pay_unavailable".into()))
        }
    }
}

/// Conditionally moves an attempt from one state to another; whether this call did.
async fn claim(
    conn: &impl ConnectionTrait,
    id: i32,
    from: &str,
    to: &str,
    code: Option<&str>,
) -> Result<bool, sea_orm::DbErr> {
    let done = attempts::Entity::update_many()
        .col_expr(attempts::Column::State, Expr::value(to))
        .col_expr(
            attempts::Column::ReturnCode,
            Expr::value(code.map(str::to_owned)),
        )
        .col_expr(attempts::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(attempts::Column::Id.eq(id))
        .filter(attempts::Column::State.eq(from))
        .exec(conn)
        .await?;
    Ok(done.rows_affected == 1)
}

async fn attempt_by_order(
    conn: &impl ConnectionTrait,
    order_id: &str,
) -> Result<Option<attempts::Model>, sea_orm::DbErr> {
    attempts::Entity::find()
        .filter(attempts::Column::OrderId.eq(order_id))
        .one(conn)
        .await
}

async fn serial_of(conn: &impl ConnectionTrait, id: i32) -> Result<String, AppError> {
    applications::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(|a| a.serial_no)
        .ok_or(AppError::NotFound)
}

fn settled(a: &attempts::Model) -> Option<Outcome> {
    match a.state.as_str() {
        "confirmed" => Some(Outcome::Paid),
        "cancelled" => Some(Outcome::Cancelled),
        "failed" if a.return_code.as_deref() == Some("already_paid") => Some(Outcome::AlreadyPaid),
        "failed" => Some(Outcome::Failed),
        _ => None,
    }
}

/// LINE's confirm redirect: confirms the payment once; the application's serial and
/// what happened.
///
/// # Errors
/// `NotFound` for an order id or transaction id that is not ours; database errors.
pub async fn confirm(
    state: &AppState,
    client: Option<&ClientContext>,
    order_id: &str,
    transaction_id: &str,
) -> Result<(String, Outcome), AppError> {
    let Some(api) = state.line_pay.clone() else {
        return Err(AppError::NotFound);
    };
    let db = &state.db;
    // A concurrent confirm holds the claim: wait for its outcome (LINE answers
    // within the client's timeout).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(45);
    let attempt = loop {
        let Some(attempt) = attempt_by_order(db, order_id).await? else {
            return Err(AppError::NotFound);
        };
        if attempt.transaction_id.as_deref() != Some(transaction_id) {
            return Err(AppError::NotFound);
        }
        if let Some(outcome) = settled(&attempt) {
            return Ok((serial_of(db, attempt.application_id).await?, outcome));
        }
        if attempt.state == "requested" {
            let txn = begin_write(db).await?;
            // The application's row lock (PostgreSQL; SQLite's write transaction is
            // one at a time anyway) makes the claims of its attempts take turns.
            let a = applications::Entity::find_by_id(attempt.application_id)
                .lock_exclusive()
                .one(&txn)
                .await?
                .ok_or(AppError::NotFound)?;
            // Another guardian's payment of it is being confirmed: wait for it.
            let busy = attempts::Entity::find()
                .filter(attempts::Column::ApplicationId.eq(a.id))
                .filter(attempts::Column::State.eq("confirming"))
                .one(&txn)
                .await?
                .is_some();
            if busy {
                txn.rollback().await?;
                if tokio::time::Instant::now() > deadline {
                    return Ok((a.serial_no, Outcome::Failed));
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            }
            let still_due = payable(&a) && a.amount_due == attempt.amount;
            let (to, code) = if still_due {
                ("confirming", None)
            } else {
                ("failed", Some("already_paid"))
            };
            if claim(&txn, attempt.id, "requested", to, code).await? {
                if !still_due {
                    audit::record(
                        &txn,
                        client,
                        AuditEvent {
                            actor: Actor::Visitor,
                            action: "line_pay.confirm",
                            subject: Some(a.serial_no.clone()),
                            result: "not_payable",
                            detail: Some(serde_json::json!({
                                "order_id": order_id,
                                "status": a.status,
                            })),
                        },
                    )
                    .await?;
                    txn.commit().await?;
                    return Ok((a.serial_no, Outcome::AlreadyPaid));
                }
                txn.commit().await?;
                break attempt;
            }
            txn.rollback().await?;
            continue;
        }
        if tokio::time::Instant::now() > deadline {
            return Ok((
                serial_of(db, attempt.application_id).await?,
                Outcome::Failed,
            ));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let result = api.confirm(transaction_id, i64::from(attempt.amount)).await;
    let txn = begin_write(db).await?;
    let a = applications::Entity::find_by_id(attempt.application_id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let serial_no = a.serial_no.clone();
    let outcome = match result {
        Ok(()) => {
            let mut row: attempts::ActiveModel = attempt.clone().into();
            let now = Utc::now();
            row.state = Set("confirmed".into());
            row.confirmed_at = Set(Some(now));
            row.updated_at = Set(now);
            row.update(&txn).await?;
            let payment = Payment {
                paid_on: taiwan_today(),
                channel: CHANNEL,
                amount: i64::from(attempt.amount),
            };
            if payable(&a) {
                payments::mark_paid(
                    &txn,
                    state,
                    a,
                    &payment,
                    Actor::Visitor,
                    client,
                    "line_pay.confirm",
                )
                .await?;
            } else {
                // The store's payment arrived while LINE was confirming.
                payments::record_duplicate(
                    &txn,
                    &a,
                    &payment,
                    &format!("{CHANNEL}:{transaction_id}"),
                    Actor::Visitor,
                    client,
                )
                .await?;
            }
            Outcome::Paid
        }
        Err(e) => {
            let (to, code) = match &e {
                LinePayError::Refused { code } => ("failed", code.clone()),
                // Unknown outcome: let the parent's next visit try again.
                LinePayError::Unreachable(_) => ("requested", "unreachable".to_owned()),
            };
            claim(&txn, attempt.id, "confirming", to, Some(&code)).await?;
            audit::record(
                &txn,
                client,
                AuditEvent {
                    actor: Actor::Visitor,
                    action: "line_pay.confirm",
                    subject: Some(serial_no.clone()),
                    result: "failed",
                    detail: Some(serde_json::json!({ "order_id": order_id, "code": code })),
                },
            )
            .await?;
            Outcome::Failed
        }
    };
    txn.commit().await?;
    if outcome == Outcome::Paid {
        state.delivery.wake();
    }
    Ok((serial_no, outcome))
}

/// LINE's cancel redirect: the attempt is `cancelled` (once); the serial.
///
/// # Errors
/// `NotFound` for an order id that is not ours.
pub async fn cancel(
    state: &AppState,
    client: Option<&ClientContext>,
    order_id: &str,
) -> Result<(String, Outcome), AppError> {
    let db = &state.db;
    let attempt = attempt_by_order(db, order_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let serial_no = serial_of(db, attempt.application_id).await?;
    let txn = begin_write(db).await?;
    if claim(&txn, attempt.id, "requested", "cancelled", None).await? {
        audit::record(
            &txn,
            client,
            AuditEvent {
                actor: Actor::Visitor,
                action: "line_pay.cancel",
                subject: Some(serial_no.clone()),
                result: "ok",
                detail: Some(serde_json::json!({ "order_id": order_id })),
            },
        )
        .await?;
    }
    txn.commit().await?;
    let now = attempt_by_order(db, order_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((serial_no, settled(&now).unwrap_or(Outcome::Cancelled)))
}
