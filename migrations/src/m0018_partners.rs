//! The partner registry (跨省通办): other deployments, the region-code prefixes they serve, their
//! base URL and a service account's credentials there (the secret sealed with the deployment's
//! partner key). Only whole-deployment work (the platform administrator, the outbox worker) sees it.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::grants_sql;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Partners {
    Table,
    Id,
    Name,
    Prefixes,
    BaseUrl,
    ClientId,
    SecretSealed,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Partners::Table)
                .col(ColumnDef::new(Partners::Id).string_len(36).not_null().primary_key())
                .col(ColumnDef::new(Partners::Name).string_len(100).not_null().unique_key())
                .col(ColumnDef::new(Partners::Prefixes).string_len(400).not_null())
                .col(ColumnDef::new(Partners::BaseUrl).string_len(300).not_null())
                .col(ColumnDef::new(Partners::ClientId).string_len(100).not_null())
                .col(ColumnDef::new(Partners::SecretSealed).text().not_null())
                .col(ColumnDef::new(Partners::CreatedAt).timestamp_with_time_zone().not_null())
                .col(ColumnDef::new(Partners::UpdatedAt).timestamp_with_time_zone().not_null())
                .to_owned(),
        )
        .await?;
        if m.get_database_backend() == DbBackend::Postgres {
            let db = m.get_connection();
            let all = "(SELECT tongban_scope_lo()) = ''";
            db.execute_unprepared(&format!(
                "ALTER TABLE partners ENABLE ROW LEVEL SECURITY;
                 ALTER TABLE partners FORCE ROW LEVEL SECURITY;
                 CREATE POLICY tenant_scope ON partners USING ({all}) WITH CHECK ({all});"
            ))
            .await?;
            db.execute_unprepared(&grants_sql()).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Partners::Table).to_owned()).await?;
        Ok(())
    }
}
