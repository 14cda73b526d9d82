use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "transfers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub case_id: String,
    pub case_no: String,
    pub from_code: String,
    pub to_code: String,
    pub status: String,
    pub collected_at: DateTimeUtc,
    pub sent_at: DateTimeUtc,
    pub received_at: Option<DateTimeUtc>,
    pub decided_at: Option<DateTimeUtc>,
    pub result_at: Option<DateTimeUtc>,
    pub note: Option<String>,
    pub return_reason: Option<String>,
    pub idempotency_key: String,
    pub request_hash: String,
    pub version: i64,
    pub from_center: Option<String>,
    pub remote_case_no: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
