//! «學校通知» in «家長專區»: the notices of the schools, grades and classes of the
//! parent's bound children (approved bindings), newest first. A notice to a class
//! reaches that class, one to a grade the classes of that grade, one to a school every
//! child there; a parent who binds a child later sees the notices sent before.

use std::collections::HashSet;

use super::*;
use crate::domain::class_grade::grade_of;
use crate::parent::notices::SchoolNoticeItem;
use crate::server::entities::school_notices;

/// Notices shown.
const SHOWN: usize = 50;
/// Notices of the children's schools read to find them.
const SCANNED: u64 = 500;

/// The notices of the bound children's classes, grades and schools, newest first.
///
/// # Errors
/// `Unauthorized`, `MustChangePassword`.
pub async fn school_notices(cx: &CallContext) -> Result<Vec<SchoolNoticeItem>, AppError> {
    let account = current(cx, false).await?;
    let db = &cx.state.db;
    let holder_ids: Vec<i32> = binding_requests::Entity::find()
        .filter(binding_requests::Column::ParentId.eq(account.id))
        .filter(binding_requests::Column::Status.eq(BindingStatus::Approved.as_str()))
        .all(db)
        .await?
        .into_iter()
        .map(|b| b.holder_id)
        .collect();
    if holder_ids.is_empty() {
        return Ok(Vec::new());
    }
    let children = holders::Entity::find()
        .filter(holders::Column::Id.is_in(holder_ids))
        .all(db)
        .await?;
    let class_ids: HashSet<i32> = children.iter().map(|h| h.class_id).collect();
    let school_ids: HashSet<i32> = children.iter().map(|h| h.school_id).collect();
    let grades: HashSet<(i32, String)> = classes::Entity::find()
        .filter(classes::Column::Id.is_in(class_ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|c| grade_of(&c.name).map(|g| (c.school_id, g)))
        .collect();
    let reaches = |n: &school_notices::Model| match (n.class_id, &n.level) {
        (Some(class_id), _) => class_ids.contains(&class_id),
        (None, Some(level)) => grades.contains(&(n.school_id, level.clone())),
        (None, None) => true,
    };
    let notices: Vec<school_notices::Model> = school_notices::Entity::find()
        .filter(school_notices::Column::SchoolId.is_in(school_ids.iter().copied()))
        .order_by_desc(school_notices::Column::CreatedAt)
        .order_by_desc(school_notices::Column::Id)
        .limit(SCANNED)
        .all(db)
        .await?
        .into_iter()
        .filter(|n| reaches(n))
        .take(SHOWN)
        .collect();
    let names: HashMap<i32, String> = schools::Entity::find()
        .filter(schools::Column::Id.is_in(school_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    Ok(notices
        .into_iter()
        .map(|n| SchoolNoticeItem {
            id: n.id,
            created_at: n.created_at,
            school_name: names.get(&n.school_id).cloned().unwrap_or_default(),
            title: n.title,
            body: n.body,
        })
        .collect())
}
