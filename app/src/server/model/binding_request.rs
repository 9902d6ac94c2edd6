//! `binding_requests`: a parent's requests and bindings, and whether a binding in force
//! lets the logged-in parent act for a child without the step-up code.

use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder,
};

use super::audit_trail::deny;
use crate::domain::binding::BindingStatus;
use crate::error::AppError;
use crate::server::audit::Actor;
use crate::server::context::{CallContext, internal};
use crate::server::db::WriteTxn;
use crate::server::entities::binding_requests;

pub async fn own_requests(
    conn: &impl ConnectionTrait,
    parent_id: i32,
    status: Option<BindingStatus>,
) -> Result<Vec<binding_requests::Model>, AppError> {
    let mut q =
        binding_requests::Entity::find().filter(binding_requests::Column::ParentId.eq(parent_id));
    if let Some(s) = status {
        q = q.filter(binding_requests::Column::Status.eq(s.as_str()));
    }
    q.order_by_desc(binding_requests::Column::CreatedAt)
        .order_by_desc(binding_requests::Column::Id)
        .all(conn)
        .await
        .map_err(internal)
}

/// The parent's own request `binding_id` in one of `statuses`, or a 403 with its
/// audit row (someone else's, unknown, or no longer in force).
pub async fn own_request_or_deny(
    cx: &CallContext,
    txn: WriteTxn,
    parent_id: i32,
    binding_id: i32,
    statuses: &[BindingStatus],
    action: &str,
) -> Result<(WriteTxn, binding_requests::Model), AppError> {
    let found = binding_requests::Entity::find_by_id(binding_id)
        .filter(binding_requests::Column::ParentId.eq(parent_id))
        .filter(binding_requests::Column::Status.is_in(statuses.iter().map(|s| s.as_str())))
        .one(&txn)
        .await?;
    match found {
        Some(r) => Ok((txn, r)),
        None => Err(deny(
            txn,
            Some(&cx.client),
            Actor::Parent(parent_id),
            action,
            "not_bound",
        )
        .await),
    }
}

/// Whether `parent_id` has an approved binding for `holder_id` (the stop and apply
/// wizards' step-up hook). Fails closed: a database error answers `false`.
pub async fn approved_binding(db: &DatabaseConnection, parent_id: i32, holder_id: i32) -> bool {
    binding_requests::Entity::find()
        .filter(binding_requests::Column::ParentId.eq(parent_id))
        .filter(binding_requests::Column::HolderId.eq(holder_id))
        .filter(binding_requests::Column::Status.eq(BindingStatus::Approved.as_str()))
        .count(db)
        .await
        .inspect_err(|e| tracing::error!(error = %e, "approved_binding lookup failed"))
        .is_ok_and(|n| n > 0)
}
