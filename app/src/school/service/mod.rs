//! Rules of the school back office (SPEC §3, §7): scoped queues, reviews, exports,
//! unlocking, the audit log, roster import and payment reconciliation. Staff login
//! and the staff session are in [`super::auth`].
//!
//! Scope: a teacher acts on their own class, an officer on their school, an operator
//! on every school. Requests outside the scope are refused with 403 and an audit row;
//! a bulk review with one foreign row changes nothing.

use std::collections::HashMap;

use chrono::{Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::{
    AuditFilter, AuditPage, AuditRow, DeadMessage, LockedHolder, OutboxOverview, ProcessingForm,
    QueueFilter, QueueKind, QueuePage, QueueRow, ReviewInput, ReviewOutcome, RosterLineError,
    RosterPreview,
};
use crate::apply::payments::{self, ReconciliationReport};
use crate::apply::{ApplicationReason, ApplicationStatus, effective_status};
use crate::domain::csv::csv_cell;
use crate::domain::masking::{
    mask_email, mask_identifier, mask_line_user_id, mask_mobile, mask_name,
};
use crate::domain::refund::RefundChoice;
use crate::error::AppError;
use crate::server::audit::{self, Actor, AuditEvent};
use crate::server::context::{CallContext, internal};
use crate::server::db::begin_write;
use crate::server::entities::{
    application_events, audit_log, card_types, cards, classes, holders, outbox,
    replacement_applications as applications, schools, staff_users, stop_requests,
    verification_locks,
};
use crate::server::outbox::status as outbox_status;
use crate::server::roster;

pub use super::auth::{change_password, current, login, logout, me};

pub const PAGE_SIZE: u32 = 20;

pub use crate::server::staff_scope::Scope;

/// The logged-in staff member and their scope.
pub struct Staff {
    pub user: staff_users::Model,
    pub scope: Scope,
}

impl Staff {
    pub fn actor(&self) -> Actor {
        Actor::Staff(self.user.id)
    }

    fn is(&self, role: &str) -> bool {
        self.user.role == role
    }
}

/// Records a refused request and returns 403.
async fn deny(cx: &CallContext, staff: &Staff, action: &str, subject: Option<String>) -> AppError {
    let event = AuditEvent {
        actor: staff.actor(),
        action,
        subject,
        result: "denied",
        detail: Some(serde_json::json!({ "reason": "out_of_scope", "role": staff.user.role })),
    };
    match audit::record(&cx.state.db, Some(&cx.client), event).await {
        Ok(()) => AppError::Forbidden,
        Err(e) => internal(e),
    }
}

/// The school a request is about: a school staff member's own (naming another is
/// refused, audited); for an operator the named one, or `None` for every school.
///
/// # Errors
/// `Forbidden` (audited), `Validation` (`school`: `unknown`).
async fn target_school(
    cx: &CallContext,
    staff: &Staff,
    action: &str,
    school_code: Option<String>,
) -> Result<Option<schools::Model>, AppError> {
    let code = school_code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned);
    let named = match &code {
        Some(code) => Some(
            schools::Entity::find()
                .filter(schools::Column::Code.eq(code.as_str()))
                .one(&cx.state.db)
                .await?
                .ok_or_else(|| AppError::field("school", "unknown"))?,
        ),
        None => None,
    };
    let own = match staff.scope {
        Scope::All => return Ok(named),
        Scope::School { school_id } | Scope::Class { school_id, .. } => school_id,
    };
    match named {
        None => Ok(schools::Entity::find_by_id(own).one(&cx.state.db).await?),
        Some(s) if s.id == own => Ok(Some(s)),
        Some(_) => Err(deny(cx, staff, action, code).await),
    }
}

/// The holders (with class and school names) this staff member may see.
struct Visible {
    holders: HashMap<i32, holders::Model>,
    classes: HashMap<i32, String>,
    schools: HashMap<i32, String>,
}

async fn visible(conn: &impl ConnectionTrait, scope: Scope) -> Result<Visible, AppError> {
    let holders = holders::Entity::find()
        .filter(scope.holders_condition())
        .all(conn)
        .await?
        .into_iter()
        .map(|h| (h.id, h))
        .collect();
    let classes = classes::Entity::find()
        .all(conn)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let schools = schools::Entity::find()
        .all(conn)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    Ok(Visible {
        holders,
        classes,
        schools,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_refs_name_their_kind() {
        assert!(matches!(parse_ref("ap-12"), Some(ItemRef::Application(12))));
        assert!(matches!(parse_ref("st-3"), Some(ItemRef::Stop(3))));
        assert!(parse_ref("xx-3").is_none());
        assert!(parse_ref("ap-").is_none());
    }
}

mod accounts;
mod audit_log_search;
mod dead_letters;
mod holidays;
mod imports;
mod notice_status;
mod notices;
mod print_batches;
mod queue;
mod readers;
mod report_chart;
mod reports;
mod review;
mod system_settings;
mod unlock;

pub use accounts::*;
pub use audit_log_search::*;
pub use dead_letters::*;
pub use holidays::*;
pub use imports::*;
pub use notice_status::*;
pub use notices::*;
pub use print_batches::*;
pub use queue::*;
pub use readers::*;
pub use reports::*;
pub use review::*;
pub use system_settings::*;
pub use unlock::*;
