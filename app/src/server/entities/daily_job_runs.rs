use sea_orm::entity::prelude::*;

/// A daily job that ran for a (Taiwan) day: inserting this row in the job's
/// transaction makes the job run once a day even with several server instances.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "daily_job_runs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub job: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: Date,
    pub ran_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
