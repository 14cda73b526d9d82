use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cases")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub case_no: String,
    pub query_hash: String,
    /// The handling tenant.
    pub tenant_code: String,
    pub collecting_code: String,
    pub impl_item_id: String,
    pub impl_version: i32,
    pub item_name: String,
    pub kind: String,
    pub status: String,
    pub channel: String,
    pub applicant_kind: String,
    pub applicant_name: String,
    pub id_type: String,
    pub id_number: String,
    pub phone: Option<String>,
    pub form_json: Option<String>,
    pub provided_json: String,
    pub missing_json: String,
    pub deferred_json: String,
    pub deferred_until: Option<Date>,
    pub correction_due: Option<Date>,
    pub received_at: DateTimeUtc,
    pub accepted_at: Option<DateTimeUtc>,
    pub concluded_at: Option<DateTimeUtc>,
    pub clock_json: Option<String>,
    pub deadline: Option<Date>,
    pub deadline_provisional: bool,
    /// Joint cases: the departments' reviews (JSON), null otherwise.
    pub reviews_json: Option<String>,
    /// Joint cases: the departments still to review, as `,id,id,` (`,,` when none), null otherwise.
    pub pending_reviews: Option<String>,
    pub version: i64,
    pub idempotency_key: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
