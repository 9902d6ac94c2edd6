//! Server functions of «訊息發送服務». Each authorises from the staff session on the
//! server: teachers their own class, officers their school, operators any school;
//! anything else is refused (403, audited).

use leptos::prelude::*;

use super::notice::{
    NoticeDraft, NoticePreview, NoticeRow, NoticeSent, NoticeStatus, NoticeTargets,
};
use crate::error::AppError;

/// The school, classes and grades the staff member may send to (operators name the
/// school).
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "school/notice-targets", input = server_fn::codec::Json)]
pub async fn load_notice_targets(
    #[server(default)] school_code: Option<String>,
) -> Result<NoticeTargets, AppError> {
    crate::server::context::serve(async |cx| super::service::notice_targets(&cx, school_code).await)
        .await
}

/// «預覽»: the notice as parents will see it, the count of parents and channels, and
/// the token for «確認發送». Nothing is stored.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "school/notice-preview", input = server_fn::codec::Json)]
pub async fn preview_notice(draft: NoticeDraft) -> Result<NoticePreview, AppError> {
    crate::server::context::serve(async |cx| super::service::preview_notice(&cx, draft).await).await
}

/// «確認發送»: the notice and one outbox message per parent and verified channel, in
/// one transaction. The same token again answers the first notice and sends nothing.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "school/notice-send", input = server_fn::codec::Json)]
pub async fn send_notice(draft: NoticeDraft, token: String) -> Result<NoticeSent, AppError> {
    crate::server::context::serve(async |cx| super::service::send_notice(&cx, draft, token).await)
        .await
}

/// The notices in the staff member's scope, newest first.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "school/notices", input = server_fn::codec::GetUrl)]
pub async fn load_notices() -> Result<Vec<NoticeRow>, AppError> {
    crate::server::context::serve(async |cx| super::service::list_notices(&cx).await).await
}

/// One notice's delivery status per parent and channel.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "school/notice-status", input = server_fn::codec::GetUrl)]
pub async fn load_notice_status(notice: i32) -> Result<NoticeStatus, AppError> {
    crate::server::context::serve(async |cx| super::service::notice_status(&cx, notice).await).await
}
