use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "partners")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub name: String,
    /// Comma-separated region-code prefixes.
    pub prefixes: String,
    pub base_url: String,
    pub client_id: String,
    /// `v1:` and base64 of nonce, ciphertext and tag (AES-256-GCM, the partner id as associated data).
    pub secret_sealed: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
