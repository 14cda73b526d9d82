use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "case_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub case_id: String,
    /// The case's handling tenant when the event was recorded.
    pub tenant_code: String,
    pub actor_tenant: String,
    pub at: DateTimeUtc,
    pub status: String,
    pub actor: String,
    pub action: String,
    pub opinion: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
