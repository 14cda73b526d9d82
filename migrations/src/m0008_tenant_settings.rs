//! Per root tenant settings: the yellow-warning threshold (working days before the deadline).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::{grants_sql, rls_sql};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TenantSettings {
    Table,
    TenantCode,
    WarningYellowDays,
    UpdatedAt,
    UpdatedBy,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(TenantSettings::Table)
                .col(ColumnDef::new(TenantSettings::TenantCode).string_len(12).not_null().primary_key())
                .col(ColumnDef::new(TenantSettings::WarningYellowDays).integer().not_null())
                .col(ColumnDef::new(TenantSettings::UpdatedAt).timestamp_with_time_zone().not_null())
                .col(ColumnDef::new(TenantSettings::UpdatedBy).text().not_null())
                .foreign_key(
                    ForeignKey::create()
                        .from(TenantSettings::Table, TenantSettings::TenantCode)
                        .to(Alias::new("tenants"), Alias::new("code")),
                )
                .to_owned(),
        )
        .await?;
        if m.get_database_backend() == DbBackend::Postgres {
            let db = m.get_connection();
            db.execute_unprepared(&rls_sql("tenant_settings")).await?;
            db.execute_unprepared(&grants_sql()).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(TenantSettings::Table).to_owned()).await
    }
}
