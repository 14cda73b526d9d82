use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_lanes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_code: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub lane: i16,
    pub seq: i64,
    pub hash: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
