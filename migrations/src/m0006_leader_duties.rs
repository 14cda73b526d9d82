use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::{grants_sql, rls_sql};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum LeaderDuties {
    Table,
    Id,
    TenantCode,
    DepartmentId,
    Month,
    LeaderName,
    DatesJson,
    FiledAt,
    Published,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(LeaderDuties::Table)
                .col(ColumnDef::new(LeaderDuties::Id).string_len(36).not_null().primary_key())
                .col(ColumnDef::new(LeaderDuties::TenantCode).string_len(12).not_null())
                .col(ColumnDef::new(LeaderDuties::DepartmentId).string_len(36).not_null())
                .col(ColumnDef::new(LeaderDuties::Month).date().not_null())
                .col(ColumnDef::new(LeaderDuties::LeaderName).string_len(200).not_null())
                .col(ColumnDef::new(LeaderDuties::DatesJson).text().not_null())
                .col(ColumnDef::new(LeaderDuties::FiledAt).timestamp_with_time_zone().not_null())
                .col(ColumnDef::new(LeaderDuties::Published).boolean().not_null().default(false))
                .foreign_key(
                    ForeignKey::create()
                        .from(LeaderDuties::Table, LeaderDuties::DepartmentId)
                        .to(Alias::new("departments"), Alias::new("id")),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("leader_duties_department_month")
                .table(LeaderDuties::Table)
                .col(LeaderDuties::DepartmentId)
                .col(LeaderDuties::Month)
                .unique()
                .to_owned(),
        )
        .await?;
        if m.get_database_backend() == DbBackend::Postgres {
            let db = m.get_connection();
            db.execute_unprepared(&rls_sql("leader_duties")).await?;
            db.execute_unprepared(&grants_sql()).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(LeaderDuties::Table).to_owned()).await
    }
}
