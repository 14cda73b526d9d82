use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::{grants_sql, rls_sql};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Documents {
    Table,
    Id,
    CaseId,
    TenantCode,
    Kind,
    Year,
    Seq,
    Number,
    IssuedAt,
    ParagraphsJson,
}

/// Document numbers run per tenant and year.
#[derive(DeriveIden)]
enum DocumentCounters {
    Table,
    TenantCode,
    Year,
    Seq,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Documents::Table)
                .col(ColumnDef::new(Documents::Id).string_len(36).not_null().primary_key())
                .col(ColumnDef::new(Documents::CaseId).string_len(36).not_null())
                .col(ColumnDef::new(Documents::TenantCode).string_len(12).not_null())
                .col(ColumnDef::new(Documents::Kind).string_len(32).not_null())
                .col(ColumnDef::new(Documents::Year).integer().not_null())
                .col(ColumnDef::new(Documents::Seq).big_integer().not_null())
                .col(ColumnDef::new(Documents::Number).text().not_null())
                .col(ColumnDef::new(Documents::IssuedAt).timestamp_with_time_zone().not_null())
                .col(ColumnDef::new(Documents::ParagraphsJson).text().not_null())
                .foreign_key(
                    ForeignKey::create()
                        .from(Documents::Table, Documents::CaseId)
                        .to(Alias::new("cases"), Alias::new("id")),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("documents_number")
                .table(Documents::Table)
                .col(Documents::TenantCode)
                .col(Documents::Year)
                .col(Documents::Seq)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("documents_case").table(Documents::Table).col(Documents::CaseId).to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(DocumentCounters::Table)
                .col(ColumnDef::new(DocumentCounters::TenantCode).string_len(12).not_null())
                .col(ColumnDef::new(DocumentCounters::Year).integer().not_null())
                .col(ColumnDef::new(DocumentCounters::Seq).big_integer().not_null())
                .primary_key(Index::create().col(DocumentCounters::TenantCode).col(DocumentCounters::Year))
                .to_owned(),
        )
        .await?;
        if m.get_database_backend() == DbBackend::Postgres {
            let db = m.get_connection();
            for t in ["documents", "document_counters"] {
                db.execute_unprepared(&rls_sql(t)).await?;
            }
            db.execute_unprepared(&grants_sql()).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(DocumentCounters::Table).to_owned()).await?;
        m.drop_table(Table::drop().table(Documents::Table).to_owned()).await
    }
}
