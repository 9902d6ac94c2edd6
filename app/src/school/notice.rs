//! «訊息發送服務» as the back office sees it (issue 16 item 5): a notice to the parents
//! of a class (teachers: their own), a grade or a whole school (card officers: their
//! school; operators: any school), previewed with the count of parents and channels,
//! sent with «確認發送» over each parent's verified channels, then a delivery status
//! per parent read from the outbox. Parents read the notices in «家長專區».

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use crate::domain::class_grade::grade_of;
use crate::error::FieldErrors;

/// The longest title, in characters.
pub const TITLE_MAX: usize = 60;
/// The longest body, in characters.
pub const BODY_MAX: usize = 1000;

/// Whom a notice goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum NoticeAudience {
    /// One class (a teacher's own).
    #[default]
    Class,
    /// One grade of the school (`5`: classes 501, 502, …).
    Level,
    /// The whole school.
    School,
}

/// The notice as typed: «預覽» sends it, «確認發送» sends it again with the preview's
/// token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct NoticeDraft {
    /// Operators name the school; teachers and officers send to their own.
    #[serde(default)]
    pub school_code: Option<String>,
    #[serde(default)]
    pub audience: NoticeAudience,
    /// The class of [`NoticeAudience::Class`] (`class_name`: `required` / `unknown`);
    /// a teacher's may be left empty (their own).
    #[serde(default)]
    pub class_name: String,
    /// The grade of [`NoticeAudience::Level`] (`level`: `required` / `unknown`).
    #[serde(default)]
    pub level: String,
    /// `title`: `required` / `too_long` (over 60) / `format` (a line break or a
    /// control character).
    pub title: String,
    /// `body`: `required` / `too_long` (over 1000) / `format` (a control character).
    pub body: String,
}

impl NoticeDraft {
    /// The title as it is stored and sent: trimmed.
    pub fn clean_title(&self) -> String {
        self.title.trim().to_owned()
    }

    /// The body as it is stored and sent: line breaks as `\n`, trimmed.
    pub fn clean_body(&self) -> String {
        self.body.replace("\r\n", "\n").trim().to_owned()
    }

    /// The title and body checks (the browser and the server apply the same).
    pub fn field_errors(&self) -> FieldErrors {
        let mut errors = FieldErrors::new();
        let title = self.clean_title();
        let code = if title.is_empty() {
            Some("required")
        } else if title.chars().count() > TITLE_MAX {
            Some("too_long")
        } else if title.chars().any(char::is_control) {
            Some("format")
        } else {
            None
        };
        if let Some(code) = code {
            errors.insert("title".into(), code.into());
        }
        let body = self.clean_body();
        let code = if body.is_empty() {
            Some("required")
        } else if body.chars().count() > BODY_MAX {
            Some("too_long")
        } else if body
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            Some("format")
        } else {
            None
        };
        if let Some(code) = code {
            errors.insert("body".into(), code.into());
        }
        errors
    }
}

/// What the staff member may send to: their school, its classes and grades.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct NoticeTargets {
    pub school_name: String,
    /// Class names, sorted.
    pub classes: Vec<String>,
    /// Grades, in number order.
    pub levels: Vec<String>,
    /// A teacher's own class: the only audience they have.
    pub own_class: Option<String>,
}

/// «預覽»: the notice as parents will see it, how many parents and channels it goes to,
/// and the token «確認發送» must carry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticePreview {
    pub school_name: String,
    pub audience: NoticeAudience,
    pub class_name: Option<String>,
    pub level: Option<String>,
    pub title: String,
    pub body: String,
    /// Parents with an approved binding to a child of the audience.
    pub parents: u32,
    /// Messages: one per parent and verified channel.
    pub channels: u32,
    pub token: String,
}

/// «確認發送»'s answer (the same for a replay of the same token).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeSent {
    pub notice_id: i32,
    pub parents: u32,
    pub channels: u32,
}

/// Where one message of a notice stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// In the outbox, not sent yet (also between retries).
    Queued,
    Sent,
    /// The outbox gave up on it.
    Failed,
}

/// One sent notice in the list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeRow {
    pub id: i32,
    #[serde(with = "crate::domain::wire::timestamp")]
    pub created_at: DateTime<Utc>,
    pub school_name: String,
    pub class_name: Option<String>,
    pub level: Option<String>,
    pub title: String,
    /// The sender's username.
    pub sent_by: String,
    pub parents: u32,
    pub queued: u32,
    pub sent: u32,
    pub failed: u32,
}

/// One channel of one parent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelDelivery {
    /// `email`, `sms` or `line`.
    pub channel: String,
    pub state: DeliveryState,
}

/// One parent a notice went to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParentDelivery {
    pub parent_name: String,
    /// The parent's children in the audience, masked, with their class («林○晴 501»).
    pub children: Vec<String>,
    /// Empty: no verified channel (the parent reads it in «家長專區»).
    pub channels: Vec<ChannelDelivery>,
}

/// A notice's delivery status per parent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeStatus {
    pub notice: NoticeRow,
    pub body: String,
    pub parents: Vec<ParentDelivery>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(title: &str, body: &str) -> NoticeDraft {
        NoticeDraft {
            title: title.into(),
            body: body.into(),
            ..NoticeDraft::default()
        }
    }

    #[test]
    fn titles_and_bodies_are_checked_by_length_and_characters() {
        assert!(
            draft("停課通知", "明天停課一天。\r\n請家長留意。")
                .field_errors()
                .is_empty()
        );
        let e = draft("  ", "").field_errors();
        assert_eq!(e["title"], "required");
        assert_eq!(e["body"], "required");
        let e = draft(&"題".repeat(61), &"字".repeat(1001)).field_errors();
        assert_eq!(e["title"], "too_long");
        assert_eq!(e["body"], "too_long");
        assert!(
            draft(&"題".repeat(60), &"字".repeat(1000))
                .field_errors()
                .is_empty()
        );
        let e = draft("a\nb", "x\u{0}y").field_errors();
        assert_eq!(e["title"], "format");
        assert_eq!(e["body"], "format");
        assert_eq!(draft("t", " a\r\nb ").clean_body(), "a\nb");
    }
}
