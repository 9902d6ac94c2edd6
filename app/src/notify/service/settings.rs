//! «帳號設定»: verified e-mail and LINE, the subscriptions per child and event.

use super::*;

// ---------------------------------------------------------------------------------
// «帳號設定»

/// «帳號設定».
///
/// # Errors
/// `Unauthorized`, `MustChangePassword`.
pub async fn settings(cx: &CallContext) -> Result<NotificationSettings, AppError> {
    let account = current(cx, false).await?;
    settings_of(&cx.state, &account).await
}

pub(super) async fn settings_of(
    state: &AppState,
    account: &parent_accounts::Model,
) -> Result<NotificationSettings, AppError> {
    let db = &state.db;
    let login = parent_account::account_contact(state, account)?;
    let (email, email_verified) = notification_email(state, account)?;
    let bindings =
        binding_request::own_requests(db, account.id, Some(BindingStatus::Approved)).await?;
    let subs = notification_subscriptions::Entity::find()
        .filter(notification_subscriptions::Column::ParentId.eq(account.id))
        .all(db)
        .await?;
    let mut children = Vec::new();
    for b in bindings {
        let (holder, school, class) = holder_school_class(db, b.holder_id).await?;
        let subscribed = subs
            .iter()
            .filter(|s| s.holder_id == b.holder_id)
            .filter_map(|s| {
                Some((
                    NotifyChannel::parse(&s.channel)?,
                    NotifyEvent::parse(&s.event)?,
                ))
            })
            .collect();
        children.push(ChildSubscriptions {
            binding_id: b.id,
            masked_name: mask_name(&holder.name),
            school_name: school.name,
            class_name: class.name,
            subscribed,
        });
    }
    Ok(NotificationSettings {
        display_name: account.display_name.clone(),
        login_contact: login.value().to_owned(),
        email,
        email_verified,
        mobile: match &login {
            ParentContact::Mobile(m) => Some(m.clone()),
            ParentContact::Email(_) => None,
        },
        line_linked: account.line_user_enc.is_some(),
        line_linked_at: account.line_linked_at,
        children,
    })
}

pub(super) async fn holder_school_class(
    conn: &impl ConnectionTrait,
    holder_id: i32,
) -> Result<(holders::Model, schools::Model, classes::Model), AppError> {
    let holder = holders::Entity::find_by_id(holder_id)
        .one(conn)
        .await?
        .ok_or(AppError::Internal)?;
    let school = schools::Entity::find_by_id(holder.school_id)
        .one(conn)
        .await?
        .ok_or(AppError::Internal)?;
    let class = classes::Entity::find_by_id(holder.class_id)
        .one(conn)
        .await?
        .ok_or(AppError::Internal)?;
    Ok((holder, school, class))
}

pub(super) fn email_subject(state: &AppState, parent_id: i32, email: &str) -> String {
    codes::subject(&state.cipher, &EMAIL_CODE, &format!("{parent_id}:{email}"))
}

/// «驗證電子郵件», first step: stores the address (unverified) and sends a code to it.
///
/// # Errors
/// `Validation` (`email`: `required`, `format`), `RateLimited`, `Unauthorized`.
pub async fn start_email_verification(cx: &CallContext, email: &str) -> Result<CodeSent, AppError> {
    let account = current(cx, false).await?;
    let email = match ParentContact::parse(email) {
        Ok(ParentContact::Email(e)) => e,
        Ok(ParentContact::Mobile(_)) => return Err(AppError::field("email", "format")),
        Err(code) => return Err(AppError::field("email", code)),
    };
    let state = &cx.state;
    let subject = email_subject(state, account.id, &email);
    let now = Utc::now();
    let txn = begin_write(&state.db).await?;
    if let Some(retry_after_secs) =
        codes::wait_before_next(&txn, &EMAIL_CODE, &subject, now).await?
    {
        return Err(AppError::RateLimited { retry_after_secs });
    }
    let code = codes::issue(&txn, &state.cipher, &EMAIL_CODE, &subject, true, now).await?;
    let masked = crate::domain::masking::mask_email(&email);
    let mut active: parent_accounts::ActiveModel = account.clone().into();
    active.notify_email_enc = Set(Some(state.cipher.encrypt(&email, &email_aad(account.id))));
    active.notify_email_verified_at = Set(None);
    active.updated_at = Set(now);
    active.update(&txn).await?;
    let message_id = outbox::enqueue(
        &txn,
        &state.cipher,
        NewMessage {
            channel: Channel::Email,
            recipient: &email,
            template: "notify_email_code",
            // Asked for in the browser: the page's language.
            lang: cx.client.lang(),
            payload: serde_json::json!({ "code": code, "minutes": EMAIL_CODE.valid_minutes }),
        },
    )
    .await?;
    audit_trail::record(
        &txn,
        Some(&cx.client),
        Actor::Parent(account.id),
        "notify.email_code",
        Some(masked.clone()),
        "ok",
        serde_json::json!({}),
    )
    .await?;
    txn.commit().await?;
    audit_trail::deliver_notice(state, &message_id).await;
    Ok(CodeSent {
        destination_masked: masked,
        resend_after_secs: EMAIL_CODE.resend_after_secs.unsigned_abs(),
        valid_minutes: EMAIL_CODE.valid_minutes,
    })
}

/// «驗證電子郵件», second step.
///
/// # Errors
/// `Validation` (`code`: `required`, `wrong`, `expired`), `Unauthorized`.
pub async fn finish_email_verification(
    cx: &CallContext,
    code: &str,
) -> Result<NotificationSettings, AppError> {
    let account = current(cx, false).await?;
    let state = &cx.state;
    let (Some(email), verified) = notification_email(state, &account)? else {
        return Err(AppError::field("code", "expired"));
    };
    if verified {
        return settings_of(state, &account).await;
    }
    if code.trim().is_empty() {
        return Err(AppError::field("code", "required"));
    }
    let subject = email_subject(state, account.id, &email);
    let now = Utc::now();
    let txn = begin_write(&state.db).await?;
    let checked = codes::check(&txn, &state.cipher, &EMAIL_CODE, &subject, code, now).await?;
    let masked = crate::domain::masking::mask_email(&email);
    let live = match checked {
        CodeCheck::Valid(c) => c,
        other => {
            let (result, field) = match other {
                CodeCheck::Wrong { burnt: false } => ("failed", "wrong"),
                CodeCheck::Wrong { burnt: true } => ("burnt", "wrong"),
                _ => ("expired", "expired"),
            };
            audit_trail::record(
                &txn,
                Some(&cx.client),
                Actor::Parent(account.id),
                "notify.email_verify",
                Some(masked),
                result,
                serde_json::json!({}),
            )
            .await?;
            txn.commit().await?;
            return Err(AppError::field("code", field));
        }
    };
    codes::spend(&txn, live, now).await?;
    let mut active: parent_accounts::ActiveModel = account.clone().into();
    active.notify_email_verified_at = Set(Some(now));
    active.updated_at = Set(now);
    let account = active.update(&txn).await?;
    audit_trail::record(
        &txn,
        Some(&cx.client),
        Actor::Parent(account.id),
        "notify.email_verify",
        Some(masked),
        "ok",
        serde_json::json!({}),
    )
    .await?;
    txn.commit().await?;
    settings_of(state, &account).await
}

/// «產生 LINE 綁定碼»: a one-time code the parent sends to the school's official LINE
/// account; the LINE webhook then links the sender. A new code replaces the old one.
///
/// # Errors
/// `Unauthorized`, `MustChangePassword`.
pub async fn new_line_link_code(cx: &CallContext) -> Result<LineLinkCode, AppError> {
    let account = current(cx, false).await?;
    let state = &cx.state;
    let mut rng = rand::rngs::OsRng;
    let code: String = (0..LINE_CODE_LEN)
        .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
        .collect();
    let now = Utc::now();
    let expires_at = now + Duration::minutes(LINE_CODE_MINUTES);
    let txn = begin_write(&state.db).await?;
    let id = account.id;
    let mut active: parent_accounts::ActiveModel = account.into();
    active.line_link_code_hash = Set(Some(line_code_hash(state, &code)));
    active.line_link_code_expires_at = Set(Some(expires_at));
    active.updated_at = Set(now);
    active.update(&txn).await?;
    audit_trail::record(
        &txn,
        Some(&cx.client),
        Actor::Parent(id),
        "notify.line_code",
        None,
        "ok",
        serde_json::json!({ "expires_at": expires_at.to_rfc3339() }),
    )
    .await?;
    txn.commit().await?;
    Ok(LineLinkCode {
        code,
        expires_at,
        official_account: state.config.line_official_account.clone(),
    })
}

/// The LINE webhook's text message `text` from `line_user_id`: links the account
/// whose live link code it is. Returns whether an account was linked.
///
/// # Errors
/// Database errors.
pub async fn link_line_user(
    state: &AppState,
    line_user_id: &str,
    text: &str,
) -> Result<bool, AppError> {
    let code: String = text.chars().filter(char::is_ascii_digit).collect();
    if code.len() != LINE_CODE_LEN || line_user_id.is_empty() || line_user_id.len() > 100 {
        return Ok(false);
    }
    let now = Utc::now();
    let txn = begin_write(&state.db).await?;
    let Some(account) = parent_accounts::Entity::find()
        .filter(parent_accounts::Column::LineLinkCodeHash.eq(line_code_hash(state, &code)))
        .filter(parent_accounts::Column::LineLinkCodeExpiresAt.gt(now))
        .one(&txn)
        .await?
    else {
        return Ok(false);
    };
    let id = account.id;
    // Sent from the LINE webhook: the parent's stored language.
    let lang = outbox::lang::of_account(&account);
    let mut active: parent_accounts::ActiveModel = account.into();
    active.line_user_enc = Set(Some(state.cipher.encrypt(line_user_id, &line_aad(id))));
    active.line_user_hash = Set(Some(line_user_hash(state, line_user_id)));
    active.line_linked_at = Set(Some(now));
    active.line_link_code_hash = Set(None);
    active.line_link_code_expires_at = Set(None);
    active.updated_at = Set(now);
    active.update(&txn).await?;
    audit_trail::record(
        &txn,
        None,
        Actor::Parent(id),
        "notify.line_link",
        None,
        "ok",
        serde_json::json!({}),
    )
    .await?;
    let message_id = outbox::enqueue(
        &txn,
        &state.cipher,
        NewMessage {
            channel: Channel::Line,
            recipient: line_user_id,
            template: "line_linked",
            payload: serde_json::json!({}),
            lang,
        },
    )
    .await?;
    txn.commit().await?;
    audit_trail::deliver_notice(state, &message_id).await;
    Ok(true)
}

/// «解除 LINE 連結»: forgets the LINE user and its subscriptions.
///
/// # Errors
/// `Unauthorized`, `MustChangePassword`.
pub async fn unlink_line(cx: &CallContext) -> Result<NotificationSettings, AppError> {
    let account = current(cx, false).await?;
    let state = &cx.state;
    let now = Utc::now();
    let txn = begin_write(&state.db).await?;
    let id = account.id;
    let mut active: parent_accounts::ActiveModel = account.into();
    active.line_user_enc = Set(None);
    active.line_user_hash = Set(None);
    active.line_linked_at = Set(None);
    active.updated_at = Set(now);
    let account = active.update(&txn).await?;
    let removed = notification_subscriptions::Entity::delete_many()
        .filter(notification_subscriptions::Column::ParentId.eq(id))
        .filter(notification_subscriptions::Column::Channel.eq(NotifyChannel::Line.as_str()))
        .exec(&txn)
        .await?
        .rows_affected;
    audit_trail::record(
        &txn,
        Some(&cx.client),
        Actor::Parent(id),
        "notify.line_unlink",
        None,
        "ok",
        serde_json::json!({ "subscriptions_removed": removed }),
    )
    .await?;
    txn.commit().await?;
    settings_of(state, &account).await
}

/// One checkbox of the grid: on at once (the channel must be verified), or off.
///
/// # Errors
/// `Unauthorized`, `MustChangePassword`, `Forbidden` (not an approved binding of this
/// parent — audited), `Validation` (`channel`: `unverified`).
pub async fn change_subscription(
    cx: &CallContext,
    change: SubscriptionChange,
) -> Result<NotificationSettings, AppError> {
    let account = current(cx, false).await?;
    let state = &cx.state;
    if change.subscribed && verified_recipient(state, &account, change.channel)?.is_none() {
        return Err(AppError::field("channel", "unverified"));
    }
    let txn = begin_write(&state.db).await?;
    let (txn, binding) = binding_request::own_request_or_deny(
        cx,
        txn,
        account.id,
        change.binding_id,
        &[BindingStatus::Approved],
        "notify.subscribe",
    )
    .await?;
    let existing = notification_subscriptions::Entity::find()
        .filter(notification_subscriptions::Column::ParentId.eq(account.id))
        .filter(notification_subscriptions::Column::HolderId.eq(binding.holder_id))
        .filter(notification_subscriptions::Column::Channel.eq(change.channel.as_str()))
        .filter(notification_subscriptions::Column::Event.eq(change.event.as_str()))
        .one(&txn)
        .await?;
    let before = existing.is_some();
    match (existing, change.subscribed) {
        (None, true) => {
            notification_subscriptions::ActiveModel {
                parent_id: Set(account.id),
                holder_id: Set(binding.holder_id),
                channel: Set(change.channel.as_str().into()),
                event: Set(change.event.as_str().into()),
                created_at: Set(Utc::now()),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
        (Some(row), false) => {
            notification_subscriptions::Entity::delete_by_id(row.id)
                .exec(&txn)
                .await?;
        }
        _ => {}
    }
    let holder = holders::Entity::find_by_id(binding.holder_id)
        .one(&txn)
        .await?
        .ok_or(AppError::Internal)?;
    audit_trail::record(
        &txn,
        Some(&cx.client),
        Actor::Parent(account.id),
        "notify.subscribe",
        Some(mask_name(&holder.name)),
        "ok",
        serde_json::json!({
            "binding_id": binding.id,
            "channel": change.channel.as_str(),
            "event": change.event.as_str(),
            "from": before,
            "to": change.subscribed,
        }),
    )
    .await?;
    txn.commit().await?;
    settings_of(state, &account).await
}

/// Withdrawing the optional consent to notifications: every subscription of the
/// parent ends at once.
///
/// # Errors
/// `Unauthorized`, `MustChangePassword`.
pub async fn withdraw_notifications(cx: &CallContext) -> Result<NotificationSettings, AppError> {
    let account = current(cx, false).await?;
    let state = &cx.state;
    let txn = begin_write(&state.db).await?;
    let removed = notification_subscriptions::Entity::delete_many()
        .filter(notification_subscriptions::Column::ParentId.eq(account.id))
        .exec(&txn)
        .await?
        .rows_affected;
    audit_trail::record(
        &txn,
        Some(&cx.client),
        Actor::Parent(account.id),
        "notify.withdraw_consent",
        None,
        "ok",
        serde_json::json!({ "subscriptions_removed": removed }),
    )
    .await?;
    txn.commit().await?;
    settings_of(state, &account).await
}
