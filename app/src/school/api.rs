//! Server functions of the school back office. Each one authorises from the staff
//! session on the server (role and scope); the CSV export, the headshot thumbnails
//! are plain routes in the server crate's `web.rs`.

use leptos::prelude::*;

use super::{
    AuditFilter, AuditPage, LockedHolder, ProcessingForm, QueueFilter, QueuePage, ReviewInput,
    ReviewOutcome, RosterPreview, StaffLoginInput, StaffMe, StaffPasswordInput,
};
use crate::apply::payments::ReconciliationReport;
pub use crate::directory::load_schools;
use crate::error::AppError;

/// «登入».
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "school/login", input = server_fn::codec::Json)]
pub async fn staff_login(input: StaffLoginInput) -> Result<StaffMe, AppError> {
    crate::server::context::serve(async |cx| super::service::login(&cx, input).await).await
}

/// The logged-in staff member.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "school/me", input = server_fn::codec::GetUrl)]
pub async fn load_staff_me() -> Result<StaffMe, AppError> {
    crate::server::context::serve(async |cx| super::service::me(&cx).await).await
}

/// «登出».
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "school/logout")]
pub async fn staff_logout() -> Result<(), AppError> {
    crate::server::context::serve(async |cx| super::service::logout(&cx).await).await
}

/// «變更密碼»: every other session of the account ends.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "school/change-password", input = server_fn::codec::Json)]
pub async fn change_staff_password(input: StaffPasswordInput) -> Result<StaffMe, AppError> {
    crate::server::context::serve(async |cx| super::service::change_password(&cx, input).await)
        .await
}

/// One page of the applications and stops queue.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "school/queue", input = server_fn::codec::Json)]
pub async fn load_queue(filter: QueueFilter) -> Result<QueuePage, AppError> {
    crate::server::context::serve(async |cx| super::service::queue(&cx, filter).await).await
}

/// «核可» / «退件», one or many.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "school/review", input = server_fn::codec::Json)]
pub async fn review_items(input: ReviewInput) -> Result<ReviewOutcome, AppError> {
    crate::server::context::serve(async |cx| super::service::review(&cx, input).await).await
}

/// «處理作業單».
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "school/form", input = server_fn::codec::GetUrl)]
pub async fn load_processing_form(item_ref: String) -> Result<ProcessingForm, AppError> {
    crate::server::context::serve(async |cx| super::service::processing_form(&cx, &item_ref).await)
        .await
}

/// Holders locked by failed verifications.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "school/locked", input = server_fn::codec::GetUrl)]
pub async fn load_locked_holders() -> Result<Vec<LockedHolder>, AppError> {
    crate::server::context::serve(async |cx| super::service::locked_holders(&cx).await).await
}

/// Lifts a verification lock.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "school/unlock")]
pub async fn unlock_holder(holder_ref: String) -> Result<(), AppError> {
    crate::server::context::serve(async |cx| super::service::unlock_holder(&cx, &holder_ref).await)
        .await
}

/// The audit log.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "school/audit", input = server_fn::codec::Json)]
pub async fn search_audit(filter: AuditFilter) -> Result<AuditPage, AppError> {
    crate::server::context::serve(async |cx| super::service::audit_search(&cx, filter).await).await
}

/// Roster import: preview, then confirm.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "school/roster", input = server_fn::codec::Json)]
pub async fn import_roster(csv: String, confirm: bool) -> Result<RosterPreview, AppError> {
    crate::server::context::serve(async |cx| {
        super::service::roster_import(&cx, &csv, confirm).await
    })
    .await
}

/// Payment reconciliation: preview, then confirm (operators).
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "school/payments", input = server_fn::codec::Json)]
pub async fn import_payments(csv: String, confirm: bool) -> Result<ReconciliationReport, AppError> {
    crate::server::context::serve(async |cx| {
        super::service::payment_import(&cx, &csv, confirm).await
    })
    .await
}

/// Binding requests («親子綁定») in the staff member's scope.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "school/bindings", input = server_fn::codec::Json)]
pub async fn load_binding_requests(
    filter: crate::parent::BindingFilter,
) -> Result<Vec<crate::parent::StaffBindingRow>, AppError> {
    crate::server::context::serve(async |cx: crate::server::context::CallContext| {
        let staff = super::service::current(&cx).await?;
        crate::parent::service::list_binding_requests(&cx.state, staff.user.id, filter).await
    })
    .await
}

/// «核可» / «退回» (with a reason) of a binding request; «解除綁定» of an approved one
/// (protection cases, with a reason).
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "school/binding-review", input = server_fn::codec::Json)]
pub async fn review_binding(
    request_id: i32,
    action: super::BindingReviewAction,
    #[server(default)] reason: String,
) -> Result<crate::parent::StaffBindingRow, AppError> {
    crate::server::context::serve(async |cx: crate::server::context::CallContext| {
        use super::BindingReviewAction::{Approve, Remove, Return};
        use crate::parent::service as parents;
        let staff = super::service::current(&cx).await?;
        let (state, client, id) = (&cx.state, Some(&cx.client), staff.user.id);
        match action {
            Approve => parents::approve_binding(state, client, id, request_id).await,
            Return => parents::return_binding(state, client, id, request_id, &reason).await,
            Remove => parents::remove_binding(state, client, id, request_id, &reason).await,
        }
    })
    .await
}

/// «新增家長帳號»: a parent account with a temporary password (and optionally a child
/// bound at once).
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "school/new-parent", input = server_fn::codec::Json)]
pub async fn create_parent_account(
    input: crate::parent::StaffNewParentInput,
) -> Result<crate::parent::StaffNewParentDone, AppError> {
    crate::server::context::serve(async |cx: crate::server::context::CallContext| {
        let staff = super::service::current(&cx).await?;
        crate::parent::service::create_parent_for_student(
            &cx.state,
            Some(&cx.client),
            staff.user.id,
            input,
        )
        .await
    })
    .await
}

/// «簡訊註銷審核»: SMS cancellation requests in the staff member's scope.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "school/sms-cancellations", input = server_fn::codec::Json)]
pub async fn load_sms_cancellations(
    status: Option<crate::notify::CancellationStatus>,
) -> Result<Vec<crate::notify::SmsCancellationRow>, AppError> {
    crate::server::context::serve(async |cx: crate::server::context::CallContext| {
        let staff = super::service::current(&cx).await?;
        crate::notify::service::list_sms_cancellations(&cx.state, staff.user.id, status).await
    })
    .await
}

/// «核可» (effective the next day) / «駁回» (reason required) of an SMS cancellation.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "school/sms-review", input = server_fn::codec::Json)]
pub async fn review_sms_cancellation(
    request_id: i32,
    approve: bool,
    #[server(default)] reason: String,
) -> Result<crate::notify::SmsCancellationRow, AppError> {
    crate::server::context::serve(async |cx: crate::server::context::CallContext| {
        let staff = super::service::current(&cx).await?;
        crate::notify::service::review_sms_cancellation(
            &cx.state,
            Some(&cx.client),
            staff.user.id,
            request_id,
            approve,
            &reason,
        )
        .await
    })
    .await
}

/// «訊息寄送狀態»: counts by status and the dead messages (operators).
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "school/outbox", input = server_fn::codec::GetUrl)]
pub async fn load_outbox() -> Result<super::OutboxOverview, AppError> {
    crate::server::context::serve(async |cx| super::service::outbox_overview(&cx).await).await
}

/// «重送»: a dead message back to the queue (operators).
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "school/outbox-resend")]
pub async fn resend_message(message_id: String) -> Result<(), AppError> {
    crate::server::context::serve(async |cx| {
        super::service::resend_dead_message(&cx, &message_id).await
    })
    .await
}

/// «出勤補登»: an arrival or departure time entered by staff.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "school/attendance-entry", input = server_fn::codec::Json)]
pub async fn enter_attendance(
    input: crate::notify::AttendanceEntryInput,
) -> Result<String, AppError> {
    crate::server::context::serve(async |cx: crate::server::context::CallContext| {
        let staff = super::service::current(&cx).await?;
        crate::notify::swipes::enter_attendance(&cx.state, Some(&cx.client), staff.user.id, &input)
            .await
    })
    .await
}

/// «印卡批次»: what waits for a batch and the batches in scope (officers, operators).
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "school/print-batches", input = server_fn::codec::GetUrl)]
pub async fn load_print_batches() -> Result<super::PrintBatchOverview, AppError> {
    crate::server::context::serve(async |cx| super::service::print_batches(&cx).await).await
}

/// «建立印卡批次»: an officer's school, or (operators) one school or every school.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "school/print-batch-create", input = server_fn::codec::Json)]
pub async fn create_print_batch(
    #[server(default)] school_code: Option<String>,
) -> Result<Option<super::PrintBatchRow>, AppError> {
    crate::server::context::serve(async |cx| {
        super::service::create_print_batch(&cx, school_code).await
    })
    .await
}

/// The applications of one print batch in scope.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "school/print-batch", input = server_fn::codec::GetUrl)]
pub async fn load_print_batch(id: i32) -> Result<Vec<super::PrintBatchItem>, AppError> {
    crate::server::context::serve(async |cx| super::service::print_batch_items(&cx, id).await).await
}

/// «已結案»: handed over at school.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "school/print-close", input = server_fn::codec::Json)]
pub async fn close_application(serial_no: String) -> Result<bool, AppError> {
    crate::server::context::serve(async |cx| super::service::close_at_school(&cx, &serial_no).await)
        .await
}
