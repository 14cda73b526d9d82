//! Document numbers run per tenant, year and kind (受字, 补字, 准字 … each its own series), so two
//! documents of one case do not queue on one counter. Each series continues after the old shared
//! counter, so no number is issued twice.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::{grants_sql, rls_sql};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DocumentSeries {
    Table,
    TenantCode,
    Year,
    Kind,
    Seq,
}

const KINDS: [&str; 5] =
    ["ACCEPTANCE_NOTICE", "CORRECTION_NOTICE", "NON_ACCEPTANCE_NOTICE", "APPROVAL_DECISION", "DENIAL_DECISION"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(DocumentSeries::Table)
                .col(ColumnDef::new(DocumentSeries::TenantCode).string_len(12).not_null())
                .col(ColumnDef::new(DocumentSeries::Year).integer().not_null())
                .col(ColumnDef::new(DocumentSeries::Kind).string_len(32).not_null())
                .col(ColumnDef::new(DocumentSeries::Seq).big_integer().not_null())
                .primary_key(
                    Index::create().col(DocumentSeries::TenantCode).col(DocumentSeries::Year).col(DocumentSeries::Kind),
                )
                .to_owned(),
        )
        .await?;
        let db = m.get_connection();
        let kinds = KINDS.map(|k| format!("SELECT '{k}' AS kind")).join(" UNION ALL ");
        db.execute_unprepared(&format!(
            "INSERT INTO document_series (tenant_code, year, kind, seq)
             SELECT c.tenant_code, c.year, k.kind, c.seq FROM document_counters c CROSS JOIN ({kinds}) k"
        ))
        .await?;
        m.drop_index(Index::drop().name("documents_number").table(Alias::new("documents")).to_owned()).await?;
        m.create_index(
            Index::create()
                .name("documents_number")
                .table(Alias::new("documents"))
                .col(Alias::new("tenant_code"))
                .col(Alias::new("year"))
                .col(Alias::new("kind"))
                .col(Alias::new("seq"))
                .unique()
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(Alias::new("document_counters")).to_owned()).await?;
        if m.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared(&rls_sql("document_series")).await?;
            db.execute_unprepared(&grants_sql()).await?;
        }
        Ok(())
    }

    /// Back to one counter per tenant and year; fails (changing nothing on PostgreSQL) once two kinds
    /// share a number, which the old unique index forbids.
    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Alias::new("document_counters"))
                .col(ColumnDef::new(Alias::new("tenant_code")).string_len(12).not_null())
                .col(ColumnDef::new(Alias::new("year")).integer().not_null())
                .col(ColumnDef::new(Alias::new("seq")).big_integer().not_null())
                .primary_key(Index::create().col(Alias::new("tenant_code")).col(Alias::new("year")))
                .to_owned(),
        )
        .await?;
        let db = m.get_connection();
        db.execute_unprepared(
            "INSERT INTO document_counters (tenant_code, year, seq)
             SELECT tenant_code, year, MAX(seq) FROM document_series GROUP BY tenant_code, year",
        )
        .await?;
        m.drop_index(Index::drop().name("documents_number").table(Alias::new("documents")).to_owned()).await?;
        m.create_index(
            Index::create()
                .name("documents_number")
                .table(Alias::new("documents"))
                .col(Alias::new("tenant_code"))
                .col(Alias::new("year"))
                .col(Alias::new("seq"))
                .unique()
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(DocumentSeries::Table).to_owned()).await?;
        if m.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared(&rls_sql("document_counters")).await?;
            db.execute_unprepared(&grants_sql()).await?;
        }
        Ok(())
    }
}
