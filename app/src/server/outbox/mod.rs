//! The notification outbox (SPEC §5, §7): a message is written to the `outbox` table
//! in the transaction that causes it, and delivered after the commit by the worker
//! (`worker`), or at once by [`deliver`] for the callers that want it sent now.
//!
//! Each channel has its [`Transport`](transport::Transport): e-mail goes through SMTP
//! when `PORTAL_SMTP_HOST` is set, LINE through the Messaging API when
//! `PORTAL_LINE_CHANNEL_TOKEN` is set, SMS through an HTTP SMS gateway when
//! `PORTAL_SMS_GATEWAY_URL` is set; otherwise the development default writes the
//! message as an `.eml` file under
//! `{PORTAL_DATA_DIR}/outbox/` (To: the address, mobile number or LINE user id).
//!
//! Statuses: `pending` → `in_flight` (claimed by one worker) → `sent`; a failed attempt
//! goes back to `pending` with a later `next_attempt_at`, the last one (or a refusal
//! for good) to `dead`, which an operator can put back to `pending` («重送»). Secrets in
//! the payload (a one-time code, a temporary password) are removed from the row once
//! the message is sent or dead.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};
use std::path::{Path, PathBuf};

use super::crypto::PiiCipher;
use super::entities::outbox;

mod claims;
pub mod lang;
pub mod locales;
pub mod sms_gateway;
pub mod templates;
pub mod transport;
pub mod worker;

pub use lang::Lang;
pub use sms_gateway::SmsGatewaySettings;
pub use transport::{LineSettings, NotificationSettings, SmtpSettings, SmtpTls};
pub use worker::{
    Delivery, DeliveryOutcome, DeliveryReport, RetryPolicy, deliver, deliver_due, requeue_dead,
};

/// Payload keys that are secret: gone from the row once it is sent or dead.
pub const SECRET_KEYS: [&str; 2] = ["code", "temporary_password"];

/// The statuses of an outbox row.
pub mod status {
    pub const PENDING: &str = "pending";
    pub const IN_FLIGHT: &str = "in_flight";
    pub const SENT: &str = "sent";
    pub const DEAD: &str = "dead";
    /// Every status, in the order the back office lists them.
    pub const ALL: [&str; 4] = [PENDING, IN_FLIGHT, SENT, DEAD];
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    Email,
    Sms,
    /// The LINE Messaging API; the recipient is the LINE user id.
    Line,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Line => "line",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "email" => Some(Channel::Email),
            "sms" => Some(Channel::Sms),
            "line" => Some(Channel::Line),
            _ => None,
        }
    }
}

/// A message to queue: a template and its values.
pub struct NewMessage<'a> {
    pub channel: Channel,
    /// E-mail address, mobile number or LINE user id (stored encrypted).
    pub recipient: &'a str,
    pub template: &'a str,
    pub payload: serde_json::Value,
    /// The language it goes out in (stored in the payload as `lang`): the request's
    /// for a message the caller causes in the browser, else the recipient's
    /// (see [`lang`]).
    pub lang: Lang,
}

/// The associated data of a message's encrypted recipient.
pub fn recipient_aad(id: &str) -> String {
    format!("outbox.recipient:{id}")
}

/// Queues a message on `conn` (pass the transaction of the change it reports) and
/// returns its id. The worker sends it within about a second of the commit; call
/// [`Delivery::wake`] after the commit to have it look at once, or [`deliver`] to
/// try it right away.
///
/// # Errors
/// Database errors.
pub async fn enqueue(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    message: NewMessage<'_>,
) -> Result<String, DbErr> {
    let id = super::captcha::uuid_like();
    let mut payload = message.payload;
    if let Some(fields) = payload.as_object_mut() {
        fields.insert(lang::PAYLOAD_KEY.into(), message.lang.as_str().into());
    }
    outbox::ActiveModel {
        id: Set(id.clone()),
        channel: Set(message.channel.as_str().into()),
        recipient_enc: Set(cipher.encrypt(message.recipient, &recipient_aad(&id))),
        template: Set(message.template.into()),
        payload: Set(payload.to_string()),
        status: Set(status::PENDING.into()),
        attempts: Set(0),
        created_at: Set(Utc::now()),
        sent_at: Set(None),
        next_attempt_at: Set(None),
        in_flight_since: Set(None),
        claimed_by: Set(None),
        last_attempt_at: Set(None),
        last_error: Set(None),
        secrets_removed: Set(false),
    }
    .insert(conn)
    .await?;
    Ok(id)
}

/// An unknown template name: the message can never be rendered.
#[derive(Debug, thiserror::Error)]
#[error("unknown template {0}")]
pub struct UnknownTemplate(pub String);

/// Subject and body of a template, in the message's language (its payload's `lang`):
/// zh-TW (or none) gives the Chinese text with English below it; en, vi and id give
/// the subject in that language and the body in it first, then after a separator line
/// the Chinese/English text, so a relative who reads Chinese, or the school, can read
/// it too.
///
/// # Errors
/// `UnknownTemplate` for a template name that does not exist.
pub fn render(
    template: &str,
    payload: &serde_json::Value,
) -> Result<(String, String), UnknownTemplate> {
    let (subject, body) = bilingual(template, payload)?;
    Ok(
        match locales::render(Lang::of_payload(payload), template, payload) {
            Some((own_subject, own_body)) => (
                own_subject,
                format!("{own_body}\n{}\n\n{body}", locales::SEPARATOR),
            ),
            None => (subject, body),
        },
    )
}

/// The Chinese text with English below it, as every message had before languages.
fn bilingual(
    template: &str,
    payload: &serde_json::Value,
) -> Result<(String, String), UnknownTemplate> {
    let s = |k: &str| payload[k].as_str().unwrap_or_default().to_owned();
    match template {
        "stop_code" => Ok((
            "學生證停卡驗證碼 / Student card stop: verification code".to_owned(),
            format!(
                "您好：\n\n\
                 有人正在為 {name} 的學生證（卡片外碼 {card}）申請掛失停卡。\n\
                 驗證碼：{code}\n\
                 驗證碼 {minutes} 分鐘內有效，請勿提供給他人。若不是您申請的，請不要理會本訊息，並與學校聯絡。\n\n\
                 A loss report was started for {name}'s student card ({card}).\n\
                 Verification code: {code} (valid {minutes} minutes). Do not share it. \
                 If you did not ask for it, ignore this message and contact the school.\n",
                name = s("masked_name"),
                card = s("outer_no_masked"),
                code = s("code"),
                minutes = payload["minutes"].as_i64().unwrap_or(10),
            ),
        )),
        "parent_register_code" => Ok((
            "家長專區註冊驗證碼 / Parent account: verification code".to_owned(),
            format!(
                "您好：\n\n\
                 有人以此聯絡方式申請學生證服務「家長專區」帳號。\n\
                 驗證碼：{code}\n\
                 驗證碼 {minutes} 分鐘內有效，只能使用一次，請勿提供給他人。若不是您申請的，請不要理會本訊息。\n\n\
                 Someone asked to open a parent account of the student card service with this \
                 address. Verification code: {code} (valid {minutes} minutes, single use). Do not \
                 share it. If it was not you, ignore this message.\n",
                code = s("code"),
                minutes = payload["minutes"].as_i64().unwrap_or(60),
            ),
        )),
        "parent_account_exists" => Ok((
            "家長專區：您已有帳號 / Parent account: you already have one".to_owned(),
            "您好：\n\n\
             有人以此聯絡方式申請「家長專區」帳號，但此聯絡方式已經有帳號了。請直接登入；\
             忘記密碼時請使用「忘記密碼」。若不是您申請的，請不要理會本訊息。\n\n\
             Someone asked to open a parent account with this address, but it already has \
             one. Please log in, or use \"forgot password\". If it was not you, ignore this \
             message.\n"
                .to_owned(),
        )),
        "parent_reset_code" => Ok((
            "家長專區重設密碼驗證碼 / Parent account: password reset code".to_owned(),
            format!(
                "您好：\n\n\
                 有人為此聯絡方式的「家長專區」帳號申請重設密碼。\n\
                 驗證碼：{code}\n\
                 驗證碼 {minutes} 分鐘內有效，只能使用一次，請勿提供給他人。若不是您申請的，請不要理會本訊息，您的密碼不會改變。\n\n\
                 A password reset was asked for the parent account of this address. \
                 Verification code: {code} (valid {minutes} minutes, single use). Do not share \
                 it. If it was not you, ignore this message; your password stays the same.\n",
                code = s("code"),
                minutes = payload["minutes"].as_i64().unwrap_or(10),
            ),
        )),
        "parent_account_created" => Ok((
            "家長專區帳號已建立 / Parent account created".to_owned(),
            format!(
                "{name} 您好：\n\n\
                 學校已為您建立學生證服務「家長專區」帳號。\n\
                 帳號：{account}\n\
                 臨時密碼：{password}\n\
                 第一次登入時系統會要求您更改密碼。\n\n\
                 The school opened a parent account of the student card service for you. \
                 Account: {account}. Temporary password: {password}. You will be asked to \
                 change it when you first log in.\n",
                name = s("display_name"),
                account = s("account"),
                password = s("temporary_password"),
            ),
        )),
        "parent_password_changed" => Ok((
            "家長專區密碼已變更 / Parent account: password changed".to_owned(),
            "您好：\n\n\
             您的「家長專區」密碼已變更，其他裝置上的登入已全部登出。若不是您本人操作，\
             請立即使用「忘記密碼」重設密碼並與學校聯絡。\n\n\
             The password of your parent account was changed and every other login was \
             ended. If it was not you, reset it with \"forgot password\" at once and contact \
             the school.\n"
                .to_owned(),
        )),
        "parent_binding_approved" => Ok((
            "親子綁定已核可 / Parent-child binding approved".to_owned(),
            format!(
                "您好：\n\n\
                 您於 {date} 申請與 {child}（{school}）的親子綁定已經核可。登入「家長專區」即可查看。\n\n\
                 Your binding request of {date} for {child} ({school}) was approved.\n",
                date = s("requested_on"),
                child = s("masked_name"),
                school = s("school_name"),
            ),
        )),
        "parent_binding_returned" => Ok((
            "親子綁定已退回 / Parent-child binding returned".to_owned(),
            format!(
                "您好：\n\n\
                 您於 {date} 申請與 {child}（{school}）的親子綁定已被退回。\n\
                 退回原因：{reason}\n\
                 請確認資料後重新申請，或與學校聯絡。\n\n\
                 Your binding request of {date} for {child} ({school}) was returned. Reason: \
                 {reason}. Please check the details and apply again, or contact the school.\n",
                date = s("requested_on"),
                child = s("masked_name"),
                school = s("school_name"),
                reason = s("reason"),
            ),
        )),
        "parent_binding_removed" => Ok((
            "親子綁定已解除 / Parent-child binding removed".to_owned(),
            format!(
                "您好：\n\n\
                 學校已解除您與 {child}（{school}）的親子綁定。如有疑問請與學校聯絡。\n\n\
                 The school removed your binding with {child} ({school}). Please contact the \
                 school with any questions.\n",
                child = s("masked_name"),
                school = s("school_name"),
            ),
        )),
        other => crate::server::outbox::templates::render(other, payload)
            .ok_or_else(|| UnknownTemplate(other.to_owned())),
    }
}

/// The `.eml` text of one message.
pub fn eml(
    id: &str,
    channel: Channel,
    template: &str,
    to: &str,
    subject: &str,
    body: &str,
    at: DateTime<Utc>,
) -> String {
    format!(
        "From: Student Card Service <no-reply@student-card.invalid>\r\n\
         To: {to}\r\n\
         Subject: {subject}\r\n\
         Date: {date}\r\n\
         Message-ID: <{id}@student-card.invalid>\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=UTF-8\r\n\
         Content-Transfer-Encoding: 8bit\r\n\
         X-Portal-Channel: {channel}\r\n\
         X-Portal-Template: {template}\r\n\
         \r\n\
         {body}",
        date = at.to_rfc2822(),
        channel = channel.as_str(),
        body = body.replace('\n', "\r\n"),
    )
}

/// Where the development outbox writes.
pub fn outbox_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("outbox")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stop_code_message_carries_the_code_on_its_own_line() {
        let payload = serde_json::json!({
            "masked_name": "林○晴", "outer_no_masked": "051234****",
            "code": "012345", "minutes": 10,
        });
        let (subject, body) = render("stop_code", &payload).expect("template");
        let text = eml(
            "abc",
            Channel::Sms,
            "stop_code",
            "0912345678",
            &subject,
            &body,
            Utc::now(),
        );
        assert!(text.contains("To: 0912345678\r\n"));
        assert!(text.contains("Subject: 學生證停卡驗證碼"));
        assert!(text.contains("\r\n驗證碼：012345\r\n"), "{text}");
        assert!(render("nope", &payload).is_err());
    }
}
