//! Binding requests, the parent's side: matched against the roster, limited per parent and per child; the children's cards and my data.

use super::*;

// ---------------------------------------------------------------------------------
// Binding requests: the parent's side

/// Binding requests with what their rows show.
pub(super) struct Described {
    pub(super) request: binding_requests::Model,
    pub(super) holder: holders::Model,
    pub(super) school: schools::Model,
    pub(super) class: classes::Model,
}

pub(super) async fn describe(
    conn: &impl ConnectionTrait,
    requests: Vec<binding_requests::Model>,
) -> Result<Vec<Described>, AppError> {
    let holder_ids: Vec<i32> = requests.iter().map(|r| r.holder_id).collect();
    let holders: HashMap<i32, holders::Model> = holders::Entity::find()
        .filter(holders::Column::Id.is_in(holder_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|h| (h.id, h))
        .collect();
    let school_ids: Vec<i32> = holders.values().map(|h| h.school_id).collect();
    let class_ids: Vec<i32> = holders.values().map(|h| h.class_id).collect();
    let schools: HashMap<i32, schools::Model> = schools::Entity::find()
        .filter(schools::Column::Id.is_in(school_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let classes: HashMap<i32, classes::Model> = classes::Entity::find()
        .filter(classes::Column::Id.is_in(class_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    requests
        .into_iter()
        .map(|request| {
            let holder = holders
                .get(&request.holder_id)
                .cloned()
                .ok_or(AppError::Internal)?;
            let school = schools
                .get(&holder.school_id)
                .cloned()
                .ok_or(AppError::Internal)?;
            let class = classes
                .get(&holder.class_id)
                .cloned()
                .ok_or(AppError::Internal)?;
            Ok(Described {
                request,
                holder,
                school,
                class,
            })
        })
        .collect()
}

impl Described {
    pub(super) fn row(&self) -> BindingRequestRow {
        let r = &self.request;
        BindingRequestRow {
            id: r.id,
            status: BindingStatus::parse(&r.status).unwrap_or(BindingStatus::Removed),
            relationship: Relationship::parse(&r.relationship)
                .unwrap_or(Relationship::OtherGuardian),
            school_name: self.school.name.clone(),
            class_name: self.class.name.clone(),
            masked_name: mask_name(&self.holder.name),
            requested_on: taiwan_time(r.created_at).date_naive(),
            decided_at: r.decided_at,
            return_reason: r.return_reason.clone(),
        }
    }
}

/// The parent's binding requests, newest first (the printable application).
///
/// # Errors
/// `Unauthorized`, `MustChangePassword`.
pub async fn binding_requests(cx: &CallContext) -> Result<Vec<BindingRequestRow>, AppError> {
    let account = current(cx, false).await?;
    requests_of(&cx.state.db, account.id).await
}

pub(super) async fn requests_of(
    conn: &impl ConnectionTrait,
    parent_id: i32,
) -> Result<Vec<BindingRequestRow>, AppError> {
    Ok(describe(conn, own_requests(conn, parent_id, None).await?)
        .await?
        .iter()
        .map(Described::row)
        .collect())
}

/// Why a child did not match: for the audit row only. The parent gets one answer
/// whatever it was ([`BindOutcome::Mismatch`]), so the form is no roster oracle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Mismatch {
    SchoolOrStudentNo,
    Name,
    BirthDate,
    IdNo,
}

impl Mismatch {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::SchoolOrStudentNo => "school_or_student_no",
            Self::Name => "name",
            Self::BirthDate => "birth_date",
            Self::IdNo => "id_no",
        }
    }
}

/// Finds the roster holder a child's details name (`id_hash`: the keyed hash of the
/// ID typed).
pub(super) async fn match_child(
    conn: &impl ConnectionTrait,
    child: &BindChildInput,
    id_hash: &str,
) -> Result<Result<holders::Model, Mismatch>, AppError> {
    let Some(school) = schools::Entity::find()
        .filter(schools::Column::Code.eq(child.school_code.trim()))
        .one(conn)
        .await?
    else {
        return Ok(Err(Mismatch::SchoolOrStudentNo));
    };
    let Some(holder) = holders::Entity::find()
        .filter(holders::Column::SchoolId.eq(school.id))
        .filter(holders::Column::StudentNo.eq(child.student_no.trim()))
        .one(conn)
        .await?
    else {
        return Ok(Err(Mismatch::SchoolOrStudentNo));
    };
    if normalize_name(&child.name) != normalize_name(&holder.name) {
        return Ok(Err(Mismatch::Name));
    }
    if parse_iso_date(&child.birth_date) != Some(holder.birth_date) {
        return Ok(Err(Mismatch::BirthDate));
    }
    if id_hash != holder.id_no_hash {
        return Ok(Err(Mismatch::IdNo));
    }
    Ok(Ok(holder))
}

/// Seconds until the oldest of the counted failures leaves its window.
pub(super) fn wait_for(oldest: Option<DateTime<Utc>>, window: Duration, now: DateTime<Utc>) -> u64 {
    let until = oldest.map_or(now + window, |t| t + window);
    u64::try_from((until - now).num_seconds().max(1)).unwrap_or(1)
}

/// «親子綁定»: checks each child against the roster and files a request «審核中» for
/// each match. Children that do not match count toward
/// [`BINDING_FAILURES_PER_HOUR`] of the parent and toward
/// [`BINDING_FAILURES_PER_CHILD_PER_DAY`] of the child ID typed, whoever typed it;
/// a child over either limit is not checked. Both limits take their keys' turns first
/// ([`throttle::take_turn`]), so parallel calls cannot slip under them.
///
/// # Errors
/// `Unauthorized`, `MustChangePassword`, `Validation` (`children.{i}.{field}`),
/// `RateLimited` when no child of the call could be checked (the parent's hour or
/// every child ID's day used up).
pub async fn bind(cx: &CallContext, input: BindInput) -> Result<Vec<BindOutcome>, AppError> {
    let account = current(cx, false).await?;
    validated(input.field_errors())?;
    let parent_id = account.id;
    let now = Utc::now();
    let child_hashes: Vec<String> = input
        .children
        .iter()
        .map(|c| {
            cx.state
                .cipher
                .holder_id_hash(&id_number::normalize(&c.id_no))
        })
        .collect();
    let txn = begin_write(&cx.state.db).await?;
    // One order for every call (sorted), so two calls never wait for each other.
    let mut keys: Vec<String> = child_hashes
        .iter()
        .map(|h| format!("bind.child:{h}"))
        .chain([format!("bind.parent:{parent_id}")])
        .collect();
    keys.sort();
    keys.dedup();
    for key in &keys {
        throttle::take_turn(&txn, key, now).await?;
    }
    let hour = Duration::hours(1);
    let failures = binding_attempts::Entity::find()
        .filter(binding_attempts::Column::ParentId.eq(parent_id))
        .filter(binding_attempts::Column::Matched.eq(false))
        .filter(binding_attempts::Column::CreatedAt.gt(now - hour))
        .order_by_asc(binding_attempts::Column::CreatedAt);
    let used = failures.clone().count(&txn).await?;
    let oldest = failures.one(&txn).await?;
    if used >= BINDING_FAILURES_PER_HOUR {
        record(
            &txn,
            Some(&cx.client),
            Actor::Parent(parent_id),
            "parent.bind",
            None,
            "rate_limited",
            serde_json::json!({ "per": "parent" }),
        )
        .await?;
        txn.commit().await?;
        return Err(AppError::RateLimited {
            retry_after_secs: wait_for(oldest.map(|o| o.created_at), hour, now),
        });
    }
    let mut budget = BINDING_FAILURES_PER_HOUR - used;
    let mut first_failure = oldest.map(|o| o.created_at);
    // Each child's result: an outcome, or the request to describe afterwards.
    enum Checked {
        Done(BindOutcome),
        Requested(binding_requests::Model),
        AlreadyPending(binding_requests::Model),
        AlreadyBound(binding_requests::Model),
    }
    let day = Duration::hours(24);
    let mut results = Vec::with_capacity(input.children.len());
    for (child, child_hash) in input.children.iter().zip(&child_hashes) {
        if budget == 0 {
            results.push(Checked::Done(BindOutcome::RateLimited {
                retry_after_secs: wait_for(first_failure, hour, now),
            }));
            continue;
        }
        // Per child ID, across all parent accounts: more accounts are no more guesses.
        let child_failures = binding_attempts::Entity::find()
            .filter(binding_attempts::Column::ChildHash.eq(child_hash.clone()))
            .filter(binding_attempts::Column::Matched.eq(false))
            .filter(binding_attempts::Column::CreatedAt.gt(now - day))
            .order_by_asc(binding_attempts::Column::CreatedAt);
        let child_used = child_failures.clone().count(&txn).await?;
        if child_used >= BINDING_FAILURES_PER_CHILD_PER_DAY {
            let oldest = child_failures.one(&txn).await?;
            record(
                &txn,
                Some(&cx.client),
                Actor::Parent(parent_id),
                "parent.bind",
                None,
                "rate_limited",
                serde_json::json!({ "per": "child" }),
            )
            .await?;
            results.push(Checked::Done(BindOutcome::RateLimited {
                retry_after_secs: wait_for(oldest.map(|o| o.created_at), day, now),
            }));
            continue;
        }
        let matched = match_child(&txn, child, child_hash).await?;
        binding_attempts::ActiveModel {
            parent_id: Set(parent_id),
            matched: Set(matched.is_ok()),
            child_hash: Set(Some(child_hash.clone())),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let holder = match matched {
            Ok(holder) => holder,
            Err(check) => {
                budget -= 1;
                first_failure.get_or_insert(now);
                record(
                    &txn,
                    Some(&cx.client),
                    Actor::Parent(parent_id),
                    "parent.bind",
                    None,
                    "failed",
                    serde_json::json!({ "check": check.as_str() }),
                )
                .await?;
                results.push(Checked::Done(BindOutcome::Mismatch));
                continue;
            }
        };
        let existing = binding_requests::Entity::find()
            .filter(binding_requests::Column::ParentId.eq(parent_id))
            .filter(binding_requests::Column::HolderId.eq(holder.id))
            .filter(binding_requests::Column::Status.is_in([
                BindingStatus::Pending.as_str(),
                BindingStatus::Approved.as_str(),
            ]))
            .one(&txn)
            .await?;
        if let Some(r) = existing {
            results.push(if r.status == BindingStatus::Approved.as_str() {
                Checked::AlreadyBound(r)
            } else {
                Checked::AlreadyPending(r)
            });
            continue;
        }
        let request = binding_requests::ActiveModel {
            parent_id: Set(parent_id),
            holder_id: Set(holder.id),
            relationship: Set(child.relationship.as_str().into()),
            status: Set(BindingStatus::Pending.as_str().into()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        record(
            &txn,
            Some(&cx.client),
            Actor::Parent(parent_id),
            "parent.bind",
            Some(mask_name(&holder.name)),
            "ok",
            serde_json::json!({
                "request_id": request.id,
                "relationship": child.relationship.as_str(),
            }),
        )
        .await?;
        results.push(Checked::Requested(request));
    }
    let mut outcomes = Vec::with_capacity(results.len());
    for r in results {
        let describe_one =
            async |m: binding_requests::Model| -> Result<BindingRequestRow, AppError> {
                describe(&txn, vec![m])
                    .await?
                    .first()
                    .map(Described::row)
                    .ok_or(AppError::Internal)
            };
        outcomes.push(match r {
            Checked::Done(o) => o,
            Checked::Requested(m) => BindOutcome::Requested {
                request: describe_one(m).await?,
            },
            Checked::AlreadyPending(m) => BindOutcome::AlreadyPending {
                request: describe_one(m).await?,
            },
            Checked::AlreadyBound(m) => BindOutcome::AlreadyBound {
                request: describe_one(m).await?,
            },
        });
    }
    txn.commit().await?;
    // Nothing could be checked: the call as a whole is over the limit.
    let waits: Option<Vec<u64>> = outcomes
        .iter()
        .map(|o| match o {
            BindOutcome::RateLimited { retry_after_secs } => Some(*retry_after_secs),
            _ => None,
        })
        .collect();
    if let Some(retry_after_secs) = waits.and_then(|w| w.into_iter().min()) {
        return Err(AppError::RateLimited { retry_after_secs });
    }
    Ok(outcomes)
}

/// Ends a binding (or withdraws a pending request) at once, by the parent.
///
/// # Errors
/// `Unauthorized`, `MustChangePassword`, `Forbidden` (not the parent's binding in
/// force — audited).
pub async fn unbind(cx: &CallContext, binding_id: i32) -> Result<Vec<BindingRequestRow>, AppError> {
    let account = current(cx, false).await?;
    let now = Utc::now();
    let txn = begin_write(&cx.state.db).await?;
    let (txn, request) = own_request_or_deny(
        cx,
        txn,
        account.id,
        binding_id,
        &[BindingStatus::Approved, BindingStatus::Pending],
        "parent.unbind",
    )
    .await?;
    let holder = holders::Entity::find_by_id(request.holder_id)
        .one(&txn)
        .await?
        .ok_or(AppError::Internal)?;
    let from = request.status.clone();
    let mut active: binding_requests::ActiveModel = request.into();
    active.status = Set(BindingStatus::Unbound.as_str().into());
    active.ended_at = Set(Some(now));
    active.updated_at = Set(now);
    active.update(&txn).await?;
    record(
        &txn,
        Some(&cx.client),
        Actor::Parent(account.id),
        "parent.unbind",
        Some(mask_name(&holder.name)),
        "ok",
        serde_json::json!({ "binding_id": binding_id, "from": from, "to": "unbound" }),
    )
    .await?;
    txn.commit().await?;
    requests_of(&cx.state.db, account.id).await
}

pub(super) async fn child_overview(
    conn: &impl ConnectionTrait,
    request: &binding_requests::Model,
) -> Result<ChildOverview, AppError> {
    // One read of the settings and card types serves the cards and the applications.
    let snapshot = crate::server::settings::Snapshot::load(conn).await?;
    let holder_cards::HolderCards {
        holder,
        school,
        class,
        cards,
    } = holder_cards::load_with(conn, &snapshot, request.holder_id).await?;
    // Only an approved binding reaches this child's full name.
    if BindingStatus::parse(&request.status) != Some(BindingStatus::Approved) {
        return Err(AppError::Forbidden);
    }
    let cards: Vec<_> = cards
        .into_iter()
        .map(|c| crate::holder::service::card_summary(&school.name, c))
        .collect();
    let applications = crate::holder::service::summaries_with(conn, &snapshot, holder.id).await?;
    Ok(ChildOverview {
        binding_id: request.id,
        relationship: Relationship::parse(&request.relationship)
            .unwrap_or(Relationship::OtherGuardian),
        masked_name: mask_name(&holder.name),
        full_name: holder.name.clone(),
        actions: crate::holder::HolderActions::of(&cards, &applications),
        cards,
        applications,
        school_name: school.name,
        class_name: class.name,
    })
}

pub(super) async fn children_of(
    conn: &impl ConnectionTrait,
    parent_id: i32,
) -> Result<Vec<ChildOverview>, AppError> {
    let mut out = Vec::new();
    for r in own_requests(conn, parent_id, Some(BindingStatus::Approved)).await? {
        out.push(child_overview(conn, &r).await?);
    }
    Ok(out)
}

/// Each child the parent is bound to (approved), with cards and applications.
///
/// # Errors
/// `Unauthorized`, `MustChangePassword`.
pub async fn children(cx: &CallContext) -> Result<Vec<ChildOverview>, AppError> {
    let account = current(cx, false).await?;
    children_of(&cx.state.db, account.id).await
}

/// One bound child by its binding.
///
/// # Errors
/// `Unauthorized`, `MustChangePassword`, `Forbidden` (no approved binding of this
/// parent — audited).
pub async fn child(cx: &CallContext, binding_id: i32) -> Result<ChildOverview, AppError> {
    let account = current(cx, false).await?;
    let txn = begin_write(&cx.state.db).await?;
    let (txn, request) = own_request_or_deny(
        cx,
        txn,
        account.id,
        binding_id,
        &[BindingStatus::Approved],
        "parent.child",
    )
    .await?;
    txn.commit().await?;
    child_overview(&cx.state.db, &request).await
}

/// «我的資料»: the account, its requests, its bound children and its own audit trail.
///
/// # Errors
/// `Unauthorized`, `MustChangePassword`.
pub async fn my_data(cx: &CallContext) -> Result<ParentDataExport, AppError> {
    let account = current(cx, false).await?;
    let db = &cx.state.db;
    let contact = account_contact(&cx.state, &account)?;
    let events = audit_log::Entity::find()
        .filter(audit_log::Column::ActorKind.eq("parent"))
        .filter(audit_log::Column::ActorId.eq(account.id.to_string()))
        .order_by_desc(audit_log::Column::At)
        .order_by_desc(audit_log::Column::Id)
        .limit(500)
        .all(db)
        .await?
        .into_iter()
        .map(|e| AccountEvent {
            at: e.at,
            action: e.action,
            result: e.result,
        })
        .collect();
    let export = ParentDataExport {
        generated_at: Utc::now(),
        account: AccountData {
            display_name: account.display_name.clone(),
            contact_kind: account.contact_kind.clone(),
            contact: contact.value().to_owned(),
            created_at: account.created_at,
            password_changed_at: account.password_changed_at,
            must_change_password: account.must_change_password,
            created_by_school: account.created_by_staff_id.is_some(),
        },
        consents: crate::wizard::receipt::parent_receipts(db, account.id).await?,
        binding_requests: requests_of(db, account.id).await?,
        children: children_of(db, account.id).await?,
        account_events: events,
    };
    record(
        db,
        Some(&cx.client),
        Actor::Parent(account.id),
        "parent.my_data",
        None,
        "ok",
        serde_json::json!({}),
    )
    .await?;
    Ok(export)
}
