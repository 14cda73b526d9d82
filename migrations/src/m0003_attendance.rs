use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::{grants_sql, rls_sql};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Attendance {
    Table,
    Id,
    TenantCode,
    UserId,
    Day,
    SignedInAt,
    SignedOutAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Attendance::Table)
                .col(ColumnDef::new(Attendance::Id).string_len(36).not_null().primary_key())
                .col(ColumnDef::new(Attendance::TenantCode).string_len(12).not_null())
                .col(ColumnDef::new(Attendance::UserId).string_len(36).not_null())
                .col(ColumnDef::new(Attendance::Day).date().not_null())
                .col(ColumnDef::new(Attendance::SignedInAt).timestamp_with_time_zone().not_null())
                .col(ColumnDef::new(Attendance::SignedOutAt).timestamp_with_time_zone().null())
                .foreign_key(
                    ForeignKey::create()
                        .from(Attendance::Table, Attendance::UserId)
                        .to(Alias::new("users"), Alias::new("id")),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("attendance_tenant_day")
                .table(Attendance::Table)
                .col(Attendance::TenantCode)
                .col(Attendance::Day)
                .to_owned(),
        )
        .await?;
        if m.get_database_backend() == DbBackend::Postgres {
            let db = m.get_connection();
            db.execute_unprepared(&rls_sql("attendance")).await?;
            // One open record per person: signing in twice at once cannot open two.
            db.execute_unprepared(
                "CREATE UNIQUE INDEX attendance_open ON attendance (user_id, day) WHERE signed_out_at IS NULL",
            )
            .await?;
            db.execute_unprepared(&grants_sql()).await?;
        } else {
            m.get_connection()
                .execute_unprepared(
                    "CREATE UNIQUE INDEX attendance_open ON attendance (user_id, day) WHERE signed_out_at IS NULL",
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Attendance::Table).to_owned()).await
    }
}
