//! Cards (`cards`): the one way a card stops being in use. A stop («停卡掛失») and the
//! issuer receiving an old card for a reissue (`apply::old_cards`) both end a card here.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use crate::server::entities::cards;

/// Stops the live (active or locked) cards that `which` selects, as of `stopped_at`;
/// cards already stopped are left as they are. How many were stopped.
///
/// # Errors
/// Database errors.
pub async fn stop_live(
    conn: &impl ConnectionTrait,
    which: Condition,
    stopped_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    Ok(cards::Entity::update_many()
        .col_expr(cards::Column::Status, Expr::value("stopped"))
        .col_expr(cards::Column::StoppedAt, Expr::value(stopped_at))
        .col_expr(cards::Column::UpdatedAt, Expr::value(now))
        .filter(which)
        .filter(cards::Column::Status.is_in(["active", "locked"]))
        .exec(conn)
        .await?
        .rows_affected)
}
