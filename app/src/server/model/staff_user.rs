//! `staff_users`: a staff member by id (the session's), or 403.

use sea_orm::{ConnectionTrait, EntityTrait};

use crate::error::AppError;
use crate::server::entities::staff_users;

pub async fn staff_user(
    conn: &impl ConnectionTrait,
    staff_id: i32,
) -> Result<staff_users::Model, AppError> {
    staff_users::Entity::find_by_id(staff_id)
        .one(conn)
        .await?
        .ok_or(AppError::Forbidden)
}
