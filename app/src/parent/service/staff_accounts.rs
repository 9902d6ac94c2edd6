//! Parent accounts made by staff for a student of their scope.

use super::*;

// ---------------------------------------------------------------------------------
// Accounts created by staff

/// An account the school opens for a parent (used by the back office).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewParentByStaff {
    /// E-mail address or mobile number.
    pub account: String,
    pub display_name: String,
    /// A child in the staff member's scope to bind at once (approved), if any.
    pub child: Option<(i32, Relationship)>,
}

pub(super) fn temporary_password() -> String {
    const ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ";
    let mut rng = rand::rngs::OsRng;
    (0..TEMPORARY_PASSWORD_LEN)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect()
}

/// Creates a parent account with a temporary password, sent to the contact through
/// the outbox; the parent must change it at first login. Returns the account id.
///
/// # Errors
/// `Forbidden` (unknown staff member, or a child outside their scope — audited);
/// `Validation` (`account`, `display_name`); `Conflict("account_exists")`.
pub async fn create_parent_by_staff(
    state: &AppState,
    client: Option<&ClientContext>,
    staff_id: i32,
    new: NewParentByStaff,
) -> Result<i32, AppError> {
    let contact = parse_contact("account", &new.account)?;
    let display_name = new.display_name.trim().to_owned();
    let n = display_name.chars().count();
    if n == 0 || n > super::super::DISPLAY_NAME_MAX {
        return Err(AppError::field(
            "display_name",
            if n == 0 { "required" } else { "too_long" },
        ));
    }
    let password = temporary_password();
    let password_hash = staff::hash_password(password.clone()).await?;
    let hash = contact_hash(&state.cipher, &contact);
    let now = Utc::now();
    let txn = begin_write(&state.db).await?;
    let staff_user = staff_user(&txn, staff_id).await?;
    let child = match new.child {
        Some((holder_id, relationship)) => {
            let holder = holders::Entity::find_by_id(holder_id)
                .one(&txn)
                .await?
                .ok_or(AppError::NotFound)?;
            if !staff_scope::covers(&staff_user, &holder) {
                return Err(deny(
                    txn,
                    client,
                    Actor::Staff(staff_id),
                    "parent.create_by_staff",
                    "out_of_scope",
                )
                .await);
            }
            Some((holder, relationship))
        }
        None => None,
    };
    if find_account(&txn, &hash).await?.is_some() {
        return Err(AppError::Conflict("account_exists".into()));
    }
    let account = parent_accounts::ActiveModel {
        contact_kind: Set(contact.kind().into()),
        contact_enc: Set(state.cipher.encrypt(contact.value(), &contact_aad(&hash))),
        contact_hash: Set(hash),
        display_name: Set(display_name.clone()),
        password_hash: Set(password_hash),
        password_version: Set(1),
        must_change_password: Set(true),
        created_by_staff_id: Set(Some(staff_id)),
        password_changed_at: Set(now),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let mut bound = None;
    if let Some((holder, relationship)) = child {
        let request = binding_requests::ActiveModel {
            parent_id: Set(account.id),
            holder_id: Set(holder.id),
            relationship: Set(relationship.as_str().into()),
            status: Set(BindingStatus::Approved.as_str().into()),
            decided_by_staff_id: Set(Some(staff_id)),
            decided_at: Set(Some(now)),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        bound = Some((request.id, mask_name(&holder.name)));
    }
    record(
        &txn,
        client,
        Actor::Staff(staff_id),
        "parent.create_by_staff",
        Some(contact.masked()),
        "ok",
        serde_json::json!({
            "parent_id": account.id,
            "binding_id": bound.as_ref().map(|b| b.0),
            "child": bound.as_ref().map(|b| b.1.clone()),
        }),
    )
    .await?;
    let message_id = outbox::enqueue(
        &txn,
        &state.cipher,
        NewMessage {
            channel: channel_of(&contact),
            recipient: contact.value(),
            template: "parent_account_created",
            // Made by the school: the new account's language (zh-TW until the parent
            // first logs in).
            lang: outbox::lang::of_account(&account),
            payload: serde_json::json!({
                "display_name": display_name,
                "account": contact.value(),
                "temporary_password": password,
            }),
        },
    )
    .await?;
    txn.commit().await?;
    deliver_notice(state, &message_id).await;
    Ok(account.id)
}

/// «新增家長帳號» in the back office: resolves the student number within the staff
/// member's school, then [`create_parent_by_staff`].
///
/// # Errors
/// As [`create_parent_by_staff`]; `Validation` for `student_no` (`not_found`,
/// `no_school` for an operator) and `relationship` (`required`).
pub async fn create_parent_for_student(
    state: &AppState,
    client: Option<&ClientContext>,
    staff_id: i32,
    input: super::super::StaffNewParentInput,
) -> Result<super::super::StaffNewParentDone, AppError> {
    // Every field's problem at once, so the form shows them together.
    let mut errors = crate::error::FieldErrors::new();
    if let Err(code) = ParentContact::parse(&input.account) {
        errors.insert("account".into(), code.into());
    }
    let name_len = input.display_name.trim().chars().count();
    if name_len == 0 || name_len > super::super::DISPLAY_NAME_MAX {
        let code = if name_len == 0 {
            "required"
        } else {
            "too_long"
        };
        errors.insert("display_name".into(), code.into());
    }
    let student_no = input.student_no.trim();
    if !student_no.is_empty() && input.relationship.is_none() {
        errors.insert("relationship".into(), "required".into());
    }
    validated(errors)?;
    let contact = parse_contact("account", &input.account)?;
    let child = if student_no.is_empty() {
        None
    } else {
        let staff_user = staff_user(&state.db, staff_id).await?;
        let Some(school_id) = staff_user.school_id else {
            return Err(AppError::field("student_no", "no_school"));
        };
        let relationship = input
            .relationship
            .ok_or_else(|| AppError::field("relationship", "required"))?;
        let holder = holders::Entity::find()
            .filter(holders::Column::SchoolId.eq(school_id))
            .filter(holders::Column::StudentNo.eq(student_no))
            .one(&state.db)
            .await?
            .ok_or_else(|| AppError::field("student_no", "not_found"))?;
        Some((holder, relationship))
    };
    let child_masked_name = child.as_ref().map(|(h, _)| mask_name(&h.name));
    create_parent_by_staff(
        state,
        client,
        staff_id,
        NewParentByStaff {
            account: input.account,
            display_name: input.display_name,
            child: child.map(|(h, r)| (h.id, r)),
        },
    )
    .await?;
    Ok(super::super::StaffNewParentDone {
        contact_masked: contact.masked(),
        child_masked_name,
    })
}
