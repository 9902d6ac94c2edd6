//! «訊息發送服務» (issue 16 item 5): a notice to the parents of a class, a grade or a
//! school. Teachers send to their own class only, card officers within their school,
//! operators to any school; anything else is refused (403, audited).
//!
//! The parents are those with an approved binding to a child of the audience. Each gets
//! one outbox message per verified channel, found as the arrival and departure messages
//! find them (`notify::service::verified_recipient`: the verified e-mail, the linked
//! LINE) plus SMS to a mobile number the account signs in with (verified by its
//! registration code), in the parent's language. The notice, its delivery rows and
//! its messages are one transaction; the token handed out with the preview is unique,
//! so a replayed «確認發送» answers the first notice and sends nothing. The list and the
//! delivery status are in `notice_status.rs`.

use std::collections::BTreeMap;

use sea_orm::SqlErr;

use super::*;
use crate::domain::binding::BindingStatus;
use crate::domain::contact::ParentContact;
use crate::notify::NotifyChannel;
use crate::notify::service::verified_recipient;
use crate::school::notice::{
    NoticeAudience, NoticeDraft, NoticePreview, NoticeSent, NoticeTargets, grade_of,
};
use crate::server::AppState;
use crate::server::entities::{
    binding_requests, parent_accounts, school_notice_deliveries as deliveries, school_notices,
};
use crate::server::idempotency::idempotency_key_error;
use crate::server::model::parent_account::account_contact;
use crate::server::outbox::{Channel, NewMessage};

/// The outbox template of a notice (`server::outbox::templates`).
pub const NOTICE_TEMPLATE: &str = "school_notice";

/// Whom a notice goes to, resolved within its school.
enum Audience {
    Class(classes::Model),
    /// A grade and the ids of its classes.
    Level(String, Vec<i32>),
    School,
}

impl Audience {
    fn class_id(&self) -> Option<i32> {
        match self {
            Audience::Class(c) => Some(c.id),
            _ => None,
        }
    }

    fn level(&self) -> Option<String> {
        match self {
            Audience::Level(l, _) => Some(l.clone()),
            _ => None,
        }
    }
}

/// A parent a notice goes to: the children of the audience and the verified channels.
struct Recipient {
    account: parent_accounts::Model,
    channels: Vec<(Channel, String)>,
}

/// The school a staff member sends to: their own (naming another is refused, audited);
/// an operator's named one.
///
/// # Errors
/// `Forbidden` (audited), `Validation` (`school`: `required` / `unknown`).
async fn notice_school(
    cx: &CallContext,
    staff: &Staff,
    action: &str,
    school_code: Option<&str>,
) -> Result<schools::Model, AppError> {
    let code = school_code.map(str::trim).filter(|c| !c.is_empty());
    if code.is_none() && staff.scope == Scope::All {
        return Err(AppError::field("school", "required"));
    }
    target_school(cx, staff, action, code.map(str::to_owned))
        .await?
        .ok_or(AppError::Internal)
}

/// The draft's school and audience, within the staff member's scope: a teacher's own
/// class and nothing else.
///
/// # Errors
/// `Forbidden` (audited), `Validation` (`school`, `class_name`, `level`).
async fn resolve(
    cx: &CallContext,
    staff: &Staff,
    action: &str,
    draft: &NoticeDraft,
) -> Result<(schools::Model, Audience), AppError> {
    let school = notice_school(cx, staff, action, draft.school_code.as_deref()).await?;
    let classes = classes::Entity::find()
        .filter(classes::Column::SchoolId.eq(school.id))
        .all(&cx.state.db)
        .await?;
    let class_name = draft.class_name.trim();
    let level = draft.level.trim();
    if let Scope::Class { class_id, .. } = staff.scope {
        let own = classes
            .into_iter()
            .find(|c| c.id == class_id)
            .ok_or(AppError::Internal)?;
        let own_class = matches!(draft.audience, NoticeAudience::Class)
            && (class_name.is_empty() || class_name == own.name);
        if !own_class {
            let target = match draft.audience {
                NoticeAudience::Class => class_name.to_owned(),
                NoticeAudience::Level => format!("level {level}"),
                NoticeAudience::School => "school".to_owned(),
            };
            let subject = format!("{}:{target}", school.code);
            return Err(deny(cx, staff, action, Some(subject)).await);
        }
        return Ok((school, Audience::Class(own)));
    }
    let audience = match draft.audience {
        NoticeAudience::Class if class_name.is_empty() => {
            return Err(AppError::field("class_name", "required"));
        }
        NoticeAudience::Class => Audience::Class(
            classes
                .into_iter()
                .find(|c| c.name == class_name)
                .ok_or_else(|| AppError::field("class_name", "unknown"))?,
        ),
        NoticeAudience::Level if level.is_empty() => {
            return Err(AppError::field("level", "required"));
        }
        NoticeAudience::Level => {
            let ids: Vec<i32> = classes
                .iter()
                .filter(|c| grade_of(&c.name).as_deref() == Some(level))
                .map(|c| c.id)
                .collect();
            if ids.is_empty() {
                return Err(AppError::field("level", "unknown"));
            }
            Audience::Level(level.to_owned(), ids)
        }
        NoticeAudience::School => Audience::School,
    };
    Ok((school, audience))
}

/// [`resolve`] and the title and body checks, every field error at once.
async fn checked(
    cx: &CallContext,
    staff: &Staff,
    action: &str,
    draft: &NoticeDraft,
) -> Result<(schools::Model, Audience), AppError> {
    let mut errors = draft.field_errors();
    match resolve(cx, staff, action, draft).await {
        Ok(resolved) if errors.is_empty() => Ok(resolved),
        Ok(_) => Err(AppError::Validation(errors)),
        Err(AppError::Validation(more)) => {
            errors.extend(more);
            Err(AppError::Validation(errors))
        }
        Err(e) => Err(e),
    }
}

/// Where a parent account is reached: the verified e-mail and the linked LINE (as for
/// arrival and departure messages), and SMS to the mobile number it signs in with.
///
/// # Errors
/// `Internal` when a stored contact cannot be decrypted.
fn verified_channels(
    state: &AppState,
    account: &parent_accounts::Model,
) -> Result<Vec<(Channel, String)>, AppError> {
    let mut out = Vec::new();
    if let Some(email) = verified_recipient(state, account, NotifyChannel::Email)? {
        out.push((Channel::Email, email));
    }
    if let ParentContact::Mobile(mobile) = account_contact(state, account)? {
        out.push((Channel::Sms, mobile));
    }
    if let Some(line) = verified_recipient(state, account, NotifyChannel::Line)? {
        out.push((Channel::Line, line));
    }
    Ok(out)
}

/// The holders of an audience, by id.
pub(super) async fn audience_holders(
    conn: &impl ConnectionTrait,
    school_id: i32,
    class_id: Option<i32>,
    level_classes: Option<&[i32]>,
) -> Result<HashMap<i32, holders::Model>, AppError> {
    let mut q = holders::Entity::find().filter(holders::Column::SchoolId.eq(school_id));
    if let Some(class_id) = class_id {
        q = q.filter(holders::Column::ClassId.eq(class_id));
    }
    if let Some(ids) = level_classes {
        q = q.filter(holders::Column::ClassId.is_in(ids.to_vec()));
    }
    Ok(q.all(conn).await?.into_iter().map(|h| (h.id, h)).collect())
}

/// Each parent with an approved binding to a holder of `holders`, with the holder ids,
/// by parent id.
pub(super) async fn bound_parents(
    conn: &impl ConnectionTrait,
    holder_ids: Vec<i32>,
) -> Result<BTreeMap<i32, Vec<i32>>, AppError> {
    let mut parents: BTreeMap<i32, Vec<i32>> = BTreeMap::new();
    if holder_ids.is_empty() {
        return Ok(parents);
    }
    for b in binding_requests::Entity::find()
        .filter(binding_requests::Column::HolderId.is_in(holder_ids))
        .filter(binding_requests::Column::Status.eq(BindingStatus::Approved.as_str()))
        .all(conn)
        .await?
    {
        parents.entry(b.parent_id).or_default().push(b.holder_id);
    }
    Ok(parents)
}

/// The parents a notice goes to, in id order, each with their verified channels.
async fn recipients(
    state: &AppState,
    conn: &impl ConnectionTrait,
    school_id: i32,
    audience: &Audience,
) -> Result<Vec<Recipient>, AppError> {
    let level_classes = match audience {
        Audience::Level(_, ids) => Some(ids.as_slice()),
        _ => None,
    };
    let holders = audience_holders(conn, school_id, audience.class_id(), level_classes).await?;
    let parents = bound_parents(conn, holders.keys().copied().collect()).await?;
    if parents.is_empty() {
        return Ok(Vec::new());
    }
    let mut accounts = parent_accounts::Entity::find()
        .filter(parent_accounts::Column::Id.is_in(parents.keys().copied().collect::<Vec<_>>()))
        .all(conn)
        .await?;
    accounts.sort_by_key(|a| a.id);
    accounts
        .into_iter()
        .map(|account| {
            Ok(Recipient {
                channels: verified_channels(state, &account)?,
                account,
            })
        })
        .collect()
}

/// The school, classes and grades the staff member may send to. An operator who has
/// not picked a school gets none.
///
/// # Errors
/// `Unauthorized`, `Forbidden` (an officer or teacher naming another school, audited),
/// `Validation` (`school`: `unknown`).
pub async fn notice_targets(
    cx: &CallContext,
    school_code: Option<String>,
) -> Result<NoticeTargets, AppError> {
    const ACTION: &str = "school.notices";
    let staff = current(cx).await?;
    let named = school_code.as_deref().map(str::trim).unwrap_or_default();
    if staff.scope == Scope::All && named.is_empty() {
        return Ok(NoticeTargets::default());
    }
    let school = notice_school(cx, &staff, ACTION, Some(named)).await?;
    let mut classes = classes::Entity::find()
        .filter(classes::Column::SchoolId.eq(school.id))
        .all(&cx.state.db)
        .await?;
    classes.sort_by(|a, b| a.name.cmp(&b.name));
    let own_class = match staff.scope {
        Scope::Class { class_id, .. } => classes
            .iter()
            .find(|c| c.id == class_id)
            .map(|c| c.name.clone()),
        _ => None,
    };
    let mut levels: Vec<String> = classes.iter().filter_map(|c| grade_of(&c.name)).collect();
    levels.sort_by_key(|l| l.parse::<u32>().unwrap_or(u32::MAX));
    levels.dedup();
    let classes = match &own_class {
        Some(own) => vec![own.clone()],
        None => classes.into_iter().map(|c| c.name).collect(),
    };
    let levels = if own_class.is_some() {
        Vec::new()
    } else {
        levels
    };
    Ok(NoticeTargets {
        school_name: school.name,
        classes,
        levels,
        own_class,
    })
}

/// «預覽»: the notice as parents will see it, the parents and channels it goes to, and
/// a fresh token for «確認發送». Nothing is stored.
///
/// # Errors
/// `Unauthorized`, `Forbidden` (audited), `Validation` (`title`, `body`, `school`,
/// `class_name`, `level`).
pub async fn preview_notice(
    cx: &CallContext,
    draft: NoticeDraft,
) -> Result<NoticePreview, AppError> {
    const ACTION: &str = "notice.preview";
    let staff = current(cx).await?;
    let (school, audience) = checked(cx, &staff, ACTION, &draft).await?;
    let recipients = recipients(&cx.state, &cx.state.db, school.id, &audience).await?;
    Ok(NoticePreview {
        school_name: school.name,
        audience: draft.audience,
        class_name: match &audience {
            Audience::Class(c) => Some(c.name.clone()),
            _ => None,
        },
        level: audience.level(),
        title: draft.clean_title(),
        body: draft.clean_body(),
        parents: count(recipients.len()),
        channels: count(recipients.iter().map(|r| r.channels.len()).sum()),
        token: crate::server::captcha::uuid_like(),
    })
}

pub(super) fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The first answer to a token, if the notice it made is this one; a token used for
/// another notice (or by someone else) is refused.
async fn replay(
    conn: &impl ConnectionTrait,
    staff: &Staff,
    first: school_notices::Model,
    same: (&schools::Model, &Audience, &str, &str),
) -> Result<NoticeSent, AppError> {
    let (school, audience, title, body) = same;
    let matches = first.sent_by == staff.user.id
        && first.school_id == school.id
        && first.class_id == audience.class_id()
        && first.level == audience.level()
        && first.title == title
        && first.body == body;
    if !matches {
        return Err(AppError::field("token", "reused"));
    }
    let rows = deliveries::Entity::find()
        .filter(deliveries::Column::NoticeId.eq(first.id))
        .all(conn)
        .await?;
    let mut parents: Vec<i32> = rows.iter().map(|d| d.parent_id).collect();
    parents.sort_unstable();
    parents.dedup();
    Ok(NoticeSent {
        notice_id: first.id,
        parents: count(parents.len()),
        channels: count(rows.iter().filter(|d| d.outbox_id.is_some()).count()),
    })
}

async fn by_token(
    conn: &impl ConnectionTrait,
    token: &str,
) -> Result<Option<school_notices::Model>, AppError> {
    Ok(school_notices::Entity::find()
        .filter(school_notices::Column::Token.eq(token))
        .one(conn)
        .await?)
}

/// «確認發送»: the notice, a delivery row per parent and channel and the outbox
/// messages, in one transaction with its audit row. The same token again answers the
/// first notice and sends nothing; the same token with another notice is 422.
///
/// # Errors
/// `Unauthorized`, `Forbidden` (audited), `Validation` (`token`: `required` / `format`
/// / `reused`, and those of [`preview_notice`]).
pub async fn send_notice(
    cx: &CallContext,
    draft: NoticeDraft,
    token: String,
) -> Result<NoticeSent, AppError> {
    const ACTION: &str = "notice.send";
    let staff = current(cx).await?;
    if let Some(code) = idempotency_key_error(&token) {
        return Err(AppError::field("token", code));
    }
    let token = token.trim();
    let (school, audience) = checked(cx, &staff, ACTION, &draft).await?;
    let (title, body) = (draft.clean_title(), draft.clean_body());
    let same = (&school, &audience, title.as_str(), body.as_str());
    let txn = begin_write(&cx.state.db).await?;
    if let Some(first) = by_token(&txn, token).await? {
        let answer = replay(&txn, &staff, first, same).await;
        txn.rollback().await?;
        return answer;
    }
    let recipients = recipients(&cx.state, &txn, school.id, &audience).await?;
    let inserted = school_notices::ActiveModel {
        school_id: Set(school.id),
        class_id: Set(audience.class_id()),
        level: Set(audience.level()),
        title: Set(title.clone()),
        body: Set(body.clone()),
        sent_by: Set(staff.user.id),
        created_at: Set(Utc::now()),
        token: Set(token.to_owned()),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    let notice = match inserted {
        Ok(n) => n,
        // A concurrent «確認發送» with the same token committed first.
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            txn.rollback().await?;
            let first = by_token(&cx.state.db, token)
                .await?
                .ok_or(AppError::Internal)?;
            return replay(&cx.state.db, &staff, first, same).await;
        }
        Err(e) => return Err(internal(e)),
    };
    let payload = serde_json::json!({
        "school_name": school.name, "title": title, "body": body,
    });
    let mut messages = 0;
    for r in &recipients {
        let mut rows = Vec::new();
        for (channel, to) in &r.channels {
            let id = crate::server::outbox::enqueue(
                &txn,
                &cx.state.cipher,
                NewMessage {
                    channel: *channel,
                    recipient: to,
                    template: NOTICE_TEMPLATE,
                    payload: payload.clone(),
                    lang: crate::server::outbox::lang::of_account(&r.account),
                },
            )
            .await?;
            rows.push((Some(channel.as_str().to_owned()), Some(id)));
        }
        if rows.is_empty() {
            rows.push((None, None));
        }
        for (channel, outbox_id) in rows {
            messages += usize::from(outbox_id.is_some());
            deliveries::ActiveModel {
                notice_id: Set(notice.id),
                parent_id: Set(r.account.id),
                channel: Set(channel),
                outbox_id: Set(outbox_id),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
    }
    audit::record(
        &txn,
        Some(&cx.client),
        AuditEvent {
            actor: staff.actor(),
            action: ACTION,
            subject: Some(format!("notice:{}", notice.id)),
            result: "ok",
            detail: Some(serde_json::json!({
                "school": school.code,
                "class": match &audience { Audience::Class(c) => Some(c.name.clone()), _ => None },
                "grade": audience.level(),
                "parents": recipients.len(),
                "messages": messages,
            })),
        },
    )
    .await?;
    txn.commit().await?;
    cx.state.delivery.wake();
    Ok(NoticeSent {
        notice_id: notice.id,
        parents: count(recipients.len()),
        channels: count(messages),
    })
}
