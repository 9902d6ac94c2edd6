//! Server functions of «帳號設定», «到離校簡訊服務» and «出勤統計». Each one
//! authorises from the parent session on the server.

use leptos::prelude::*;

use super::{
    ChildAttendance, LineLinkCode, NotificationSettings, SmsSubscriptionRow, SubscriptionChange,
};
use crate::error::AppError;
use crate::parent::CodeSent;

/// «帳號設定».
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "parent/settings", input = server_fn::codec::GetUrl)]
pub async fn load_settings() -> Result<NotificationSettings, AppError> {
    crate::server::context::serve(async |cx| super::service::settings(&cx).await).await
}

/// «驗證電子郵件»: sends a code to the address.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "parent/email-start")]
pub async fn start_email_verification(email: String) -> Result<CodeSent, AppError> {
    crate::server::context::serve(async |cx| {
        super::service::start_email_verification(&cx, &email).await
    })
    .await
}

/// «驗證電子郵件»: checks the code.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "parent/email-finish")]
pub async fn finish_email_verification(code: String) -> Result<NotificationSettings, AppError> {
    crate::server::context::serve(async |cx| {
        super::service::finish_email_verification(&cx, &code).await
    })
    .await
}

/// «產生 LINE 綁定碼».
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "parent/line-code")]
pub async fn new_line_link_code() -> Result<LineLinkCode, AppError> {
    crate::server::context::serve(async |cx| super::service::new_line_link_code(&cx).await).await
}

/// «解除 LINE 連結».
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "parent/line-unlink")]
pub async fn unlink_line() -> Result<NotificationSettings, AppError> {
    crate::server::context::serve(async |cx| super::service::unlink_line(&cx).await).await
}

/// One checkbox of the subscription grid.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "parent/subscribe", input = server_fn::codec::Json)]
pub async fn change_subscription(
    change: SubscriptionChange,
) -> Result<NotificationSettings, AppError> {
    crate::server::context::serve(async |cx| super::service::change_subscription(&cx, change).await)
        .await
}

/// «停止所有通知»: withdraws the optional consent to notifications.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "parent/notifications-off")]
pub async fn withdraw_notifications() -> Result<NotificationSettings, AppError> {
    crate::server::context::serve(async |cx| super::service::withdraw_notifications(&cx).await)
        .await
}

/// «到離校簡訊服務».
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "parent/sms", input = server_fn::codec::GetUrl)]
pub async fn load_sms_subscriptions() -> Result<Vec<SmsSubscriptionRow>, AppError> {
    crate::server::context::serve(async |cx| super::service::sms_subscriptions(&cx).await).await
}

/// «註銷».
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "parent/sms-cancel")]
pub async fn request_sms_cancellation(
    subscription_id: i32,
) -> Result<Vec<SmsSubscriptionRow>, AppError> {
    crate::server::context::serve(async |cx| {
        super::service::request_sms_cancellation(&cx, subscription_id).await
    })
    .await
}

/// «取消註銷».
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "parent/sms-withdraw")]
pub async fn withdraw_sms_cancellation(
    subscription_id: i32,
) -> Result<Vec<SmsSubscriptionRow>, AppError> {
    crate::server::context::serve(async |cx| {
        super::service::withdraw_sms_cancellation(&cx, subscription_id).await
    })
    .await
}

/// «出勤統計» of one bound child.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "parent/attendance", input = server_fn::codec::GetUrl)]
pub async fn load_attendance(binding_id: i32) -> Result<ChildAttendance, AppError> {
    crate::server::context::serve(async |cx| super::service::attendance(&cx, binding_id).await)
        .await
}
