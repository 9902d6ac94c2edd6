//! The school directory: every school with its district and level, for the selects of
//! the staff login and the parent's binding form. Reference data below the features.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// A school as the login's (and the binding form's) district → level → school selects show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchoolOption {
    pub code: String,
    pub name: String,
    pub district: String,
    /// `primary` / `junior` / `senior`
    pub level: String,
}

/// The schools for the district → level → school selects (public: names only).
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "school/schools", input = server_fn::codec::GetUrl)]
pub async fn load_schools() -> Result<Vec<SchoolOption>, AppError> {
    crate::server::context::serve(async |cx| schools(&cx.state.db).await).await
}

/// Every school, by district and name.
///
/// # Errors
/// Database errors.
#[cfg(feature = "ssr")]
pub async fn schools(conn: &impl sea_orm::ConnectionTrait) -> Result<Vec<SchoolOption>, AppError> {
    use crate::server::entities::schools;
    use sea_orm::{EntityTrait, QueryOrder};
    Ok(schools::Entity::find()
        .order_by_asc(schools::Column::District)
        .order_by_asc(schools::Column::Name)
        .all(conn)
        .await?
        .into_iter()
        .map(|s| SchoolOption {
            code: s.code,
            name: s.name,
            district: s.district,
            level: s.level,
        })
        .collect())
}
