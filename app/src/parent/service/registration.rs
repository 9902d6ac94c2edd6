//! Registration and password reset by a code sent through the outbox.

use super::*;

// ---------------------------------------------------------------------------------
// Registration and password reset by code

/// Sends a code for `purpose` to `contact`, within the code limits. `account_exists`
/// decides what is sent: the registration code only to a new contact (an existing
/// one gets a "you already have an account" message), the reset code only to an
/// existing account (an unknown contact gets nothing). The answer is the same.
pub(super) async fn send_code(
    cx: &CallContext,
    rules: &CodeRules,
    input: CodeRequestInput,
) -> Result<CodeSent, AppError> {
    validated(input.field_errors())?;
    let contact = parse_contact("account", &input.account)?;
    let state = &cx.state;
    let hash = contact_hash(&state.cipher, &contact);
    let subject = codes::subject(&state.cipher, rules, &hash);
    let action = format!("{}_code", rules.purpose);
    let now = Utc::now();
    let txn = begin_write(&state.db).await?;
    if let Some(retry_after_secs) = codes::wait_before_next(&txn, rules, &subject, now).await? {
        record(
            &txn,
            Some(&cx.client),
            Actor::Visitor,
            &action,
            Some(contact.masked()),
            "rate_limited",
            serde_json::json!({}),
        )
        .await?;
        txn.commit().await?;
        return Err(AppError::RateLimited { retry_after_secs });
    }
    let exists = find_account(&txn, &hash).await?.is_some();
    let registering = rules.purpose == REGISTER_CODE.purpose;
    let usable = exists != registering;
    let code = codes::issue(&txn, &state.cipher, rules, &subject, usable, now).await?;
    let template = match (registering, exists) {
        (true, false) => Some("parent_register_code"),
        (true, true) => Some("parent_account_exists"),
        (false, true) => Some("parent_reset_code"),
        (false, false) => None,
    };
    let message_id = match template {
        Some(template) => Some(
            outbox::enqueue(
                &txn,
                &state.cipher,
                NewMessage {
                    channel: channel_of(&contact),
                    recipient: contact.value(),
                    template,
                    // Asked for in the browser: the page's language.
                    lang: cx.client.lang(),
                    payload: if usable {
                        serde_json::json!({ "code": code, "minutes": rules.valid_minutes })
                    } else {
                        serde_json::json!({})
                    },
                },
            )
            .await?,
        ),
        None => None,
    };
    record(
        &txn,
        Some(&cx.client),
        Actor::Visitor,
        &action,
        Some(contact.masked()),
        "ok",
        serde_json::json!({ "channel": channel_of(&contact).as_str(), "account_exists": exists }),
    )
    .await?;
    txn.commit().await?;
    if let Some(id) = message_id {
        outbox::deliver(state, &id).await?;
    }
    Ok(CodeSent {
        destination_masked: contact.masked(),
        resend_after_secs: rules.resend_after_secs.unsigned_abs(),
        valid_minutes: rules.valid_minutes,
    })
}

/// Checks a code in `txn`: on a wrong or missing code the guess (and its audit row) is
/// committed and the field error returned.
pub(super) async fn check_code(
    cx: &CallContext,
    txn: crate::server::db::WriteTxn,
    rules: &CodeRules,
    subject: &str,
    entered: &str,
    masked: &str,
    now: DateTime<Utc>,
) -> Result<
    (
        crate::server::db::WriteTxn,
        crate::server::entities::one_time_codes::Model,
    ),
    AppError,
> {
    let checked = codes::check(&txn, &cx.state.cipher, rules, subject, entered, now).await?;
    let (result, code) = match checked {
        CodeCheck::Valid(code) => return Ok((txn, code)),
        CodeCheck::Wrong { burnt: false } => ("failed", "wrong"),
        CodeCheck::Wrong { burnt: true } => ("burnt", "wrong"),
        CodeCheck::Expired => ("expired", "expired"),
    };
    record(
        &txn,
        Some(&cx.client),
        Actor::Visitor,
        &format!("{}_check", rules.purpose),
        Some(masked.to_owned()),
        result,
        serde_json::json!({}),
    )
    .await?;
    txn.commit().await?;
    Err(AppError::field("code", code))
}

/// «取得驗證碼» of registration.
///
/// # Errors
/// `Validation` (`account`), `RateLimited` (60 s between codes, 5 an hour),
/// `Internal` on a database error (a message the transport does not take now is
/// retried by the outbox worker).
pub async fn register_start(
    cx: &CallContext,
    input: CodeRequestInput,
) -> Result<CodeSent, AppError> {
    send_code(cx, &REGISTER_CODE, input).await
}

/// «完成註冊»: creates the account and logs it in.
///
/// # Errors
/// `Validation` for the fields, `password` → `common`, `code` → `wrong|expired`;
/// `Conflict("account_exists")`.
pub async fn register_finish(
    cx: &CallContext,
    input: RegisterFinishInput,
) -> Result<ParentProfile, AppError> {
    validated(input.field_errors())?;
    password_rules("password", &input.password)?;
    let contact = parse_contact("account", &input.account)?;
    let state = &cx.state;
    let hash = contact_hash(&state.cipher, &contact);
    let subject = codes::subject(&state.cipher, &REGISTER_CODE, &hash);
    let password_hash = staff::hash_password(input.password.clone()).await?;
    let now = Utc::now();
    let txn = begin_write(&state.db).await?;
    let (txn, code) = check_code(
        cx,
        txn,
        &REGISTER_CODE,
        &subject,
        &input.code,
        &contact.masked(),
        now,
    )
    .await?;
    if find_account(&txn, &hash).await?.is_some() {
        return Err(AppError::Conflict("account_exists".into()));
    }
    let account = parent_accounts::ActiveModel {
        contact_kind: Set(contact.kind().into()),
        contact_enc: Set(state.cipher.encrypt(contact.value(), &contact_aad(&hash))),
        contact_hash: Set(hash),
        display_name: Set(input.display_name.trim().to_owned()),
        password_hash: Set(password_hash),
        password_version: Set(1),
        must_change_password: Set(false),
        created_by_staff_id: Set(None),
        password_changed_at: Set(now),
        created_at: Set(now),
        updated_at: Set(now),
        language: Set(cx.client.lang().as_str().into()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    codes::spend(&txn, code, now).await?;
    record(
        &txn,
        Some(&cx.client),
        Actor::Parent(account.id),
        "parent.register",
        Some(contact.masked()),
        "ok",
        serde_json::json!({ "channel": channel_of(&contact).as_str() }),
    )
    .await?;
    txn.commit().await?;
    start_session(cx, &account).await?;
    profile(state, &account)
}

/// «忘記密碼», first step: a reset code to the account's contact.
///
/// # Errors
/// As [`register_start`].
pub async fn forgot_start(cx: &CallContext, input: CodeRequestInput) -> Result<CodeSent, AppError> {
    send_code(cx, &RESET_CODE, input).await
}

/// «忘記密碼», second step: sets the new password, ends every session of the account
/// and clears its login failures. The parent then logs in.
///
/// # Errors
/// `Validation` for the fields, `new_password` → `common`, `code` → `wrong|expired`.
pub async fn forgot_finish(cx: &CallContext, input: ResetPasswordInput) -> Result<(), AppError> {
    validated(input.field_errors())?;
    password_rules("new_password", &input.new_password)?;
    let contact = parse_contact("account", &input.account)?;
    let state = &cx.state;
    let hash = contact_hash(&state.cipher, &contact);
    let subject = codes::subject(&state.cipher, &RESET_CODE, &hash);
    let password_hash = staff::hash_password(input.new_password.clone()).await?;
    let now = Utc::now();
    let txn = begin_write(&state.db).await?;
    let (txn, code) = check_code(
        cx,
        txn,
        &RESET_CODE,
        &subject,
        &input.code,
        &contact.masked(),
        now,
    )
    .await?;
    // A usable code exists only for an existing account.
    let account = find_account(&txn, &hash).await?.ok_or(AppError::Internal)?;
    codes::spend(&txn, code, now).await?;
    let message_id =
        set_password(cx, &txn, account, password_hash, "parent.reset_password").await?;
    txn.commit().await?;
    deliver_notice(state, &message_id).await;
    Ok(())
}

/// Stores a new password: raises the version (ending other sessions), clears the
/// forced change, clears login failures, audits and queues the notice. Returns the
/// notice's outbox id.
pub(super) async fn set_password(
    cx: &CallContext,
    txn: &DatabaseTransaction,
    account: parent_accounts::Model,
    password_hash: String,
    action: &str,
) -> Result<String, AppError> {
    let now = Utc::now();
    let contact = account_contact(&cx.state, &account)?;
    let id = account.id;
    let hash = account.contact_hash.clone();
    let version = account.password_version + 1;
    // A security notice: the owner's language, whoever typed the new password (a
    // logged-in change has just stored the page's language on the account).
    let lang = outbox::lang::of_account(&account);
    let mut active: parent_accounts::ActiveModel = account.into();
    active.password_hash = Set(password_hash);
    active.password_version = Set(version);
    active.must_change_password = Set(false);
    active.password_changed_at = Set(now);
    active.updated_at = Set(now);
    active.update(txn).await?;
    insert_login_attempt(txn, cx, &hash, true, now).await?;
    record(
        txn,
        Some(&cx.client),
        Actor::Parent(id),
        action,
        Some(contact.masked()),
        "ok",
        serde_json::json!({ "password_version": version }),
    )
    .await?;
    outbox::enqueue(
        txn,
        &cx.state.cipher,
        NewMessage {
            channel: channel_of(&contact),
            recipient: contact.value(),
            template: "parent_password_changed",
            payload: serde_json::json!({}),
            lang,
        },
    )
    .await
    .map_err(internal)
}
