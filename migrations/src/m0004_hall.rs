use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::{grants_sql, rls_sql};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Windows {
    Table,
    Id,
    TenantCode,
    Number,
    Name,
    Kind,
    Zone,
    PrimaryUserId,
    BackupUserId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum WindowItems {
    Table,
    WindowId,
    TenantCode,
    ImplItemId,
    Ord,
}

#[derive(DeriveIden)]
enum ApproverItems {
    Table,
    TenantCode,
    UserId,
    ImplItemId,
}

#[derive(DeriveIden)]
enum ChiefRepresentatives {
    Table,
    TenantCode,
    UserId,
    DepartmentId,
}

#[derive(DeriveIden)]
enum TicketCalls {
    Table,
    Id,
    TenantCode,
    Day,
    Number,
    WindowId,
    Caller,
    IssuedAt,
    CalledAt,
}

fn fk(from: impl IntoIden, col: impl IntoIden, to: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(from, col).to(Alias::new(to), Alias::new("id")).to_owned()
}

/// The hall's tenant-owned tables, all with row-level security.
pub const TABLES: [&str; 5] = ["windows", "window_items", "approver_items", "chief_representatives", "ticket_calls"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Windows::Table)
                .col(ColumnDef::new(Windows::Id).string_len(36).not_null().primary_key())
                .col(ColumnDef::new(Windows::TenantCode).string_len(12).not_null())
                .col(ColumnDef::new(Windows::Number).string_len(8).not_null())
                .col(ColumnDef::new(Windows::Name).string_len(200).not_null())
                .col(ColumnDef::new(Windows::Kind).string_len(16).not_null())
                .col(ColumnDef::new(Windows::Zone).string_len(200).null())
                .col(ColumnDef::new(Windows::PrimaryUserId).string_len(36).null())
                .col(ColumnDef::new(Windows::BackupUserId).string_len(36).null())
                .col(ColumnDef::new(Windows::CreatedAt).timestamp_with_time_zone().not_null())
                .foreign_key(&mut fk(Windows::Table, Windows::PrimaryUserId, "users"))
                .foreign_key(&mut fk(Windows::Table, Windows::BackupUserId, "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("windows_tenant_number")
                .table(Windows::Table)
                .col(Windows::TenantCode)
                .col(Windows::Number)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(WindowItems::Table)
                .col(ColumnDef::new(WindowItems::WindowId).string_len(36).not_null())
                .col(ColumnDef::new(WindowItems::TenantCode).string_len(12).not_null())
                .col(ColumnDef::new(WindowItems::ImplItemId).string_len(36).not_null())
                .col(ColumnDef::new(WindowItems::Ord).integer().not_null())
                .primary_key(Index::create().col(WindowItems::WindowId).col(WindowItems::ImplItemId))
                .foreign_key(&mut fk(WindowItems::Table, WindowItems::WindowId, "windows"))
                .foreign_key(&mut fk(WindowItems::Table, WindowItems::ImplItemId, "impl_items"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ApproverItems::Table)
                .col(ColumnDef::new(ApproverItems::TenantCode).string_len(12).not_null())
                .col(ColumnDef::new(ApproverItems::UserId).string_len(36).not_null())
                .col(ColumnDef::new(ApproverItems::ImplItemId).string_len(36).not_null())
                .primary_key(Index::create().col(ApproverItems::UserId).col(ApproverItems::ImplItemId))
                .foreign_key(&mut fk(ApproverItems::Table, ApproverItems::UserId, "users"))
                .foreign_key(&mut fk(ApproverItems::Table, ApproverItems::ImplItemId, "impl_items"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ChiefRepresentatives::Table)
                .col(ColumnDef::new(ChiefRepresentatives::TenantCode).string_len(12).not_null())
                .col(ColumnDef::new(ChiefRepresentatives::UserId).string_len(36).not_null())
                .col(ColumnDef::new(ChiefRepresentatives::DepartmentId).string_len(36).not_null())
                .primary_key(Index::create().col(ChiefRepresentatives::UserId).col(ChiefRepresentatives::DepartmentId))
                .foreign_key(&mut fk(ChiefRepresentatives::Table, ChiefRepresentatives::UserId, "users"))
                .foreign_key(&mut fk(ChiefRepresentatives::Table, ChiefRepresentatives::DepartmentId, "departments"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(TicketCalls::Table)
                .col(ColumnDef::new(TicketCalls::Id).string_len(36).not_null().primary_key())
                .col(ColumnDef::new(TicketCalls::TenantCode).string_len(12).not_null())
                .col(ColumnDef::new(TicketCalls::Day).date().not_null())
                .col(ColumnDef::new(TicketCalls::Number).string_len(16).not_null())
                .col(ColumnDef::new(TicketCalls::WindowId).string_len(36).not_null())
                .col(ColumnDef::new(TicketCalls::Caller).string_len(200).not_null())
                .col(ColumnDef::new(TicketCalls::IssuedAt).timestamp_with_time_zone().not_null())
                .col(ColumnDef::new(TicketCalls::CalledAt).timestamp_with_time_zone().not_null())
                .foreign_key(&mut fk(TicketCalls::Table, TicketCalls::WindowId, "windows"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ticket_calls_tenant_day")
                .table(TicketCalls::Table)
                .col(TicketCalls::TenantCode)
                .col(TicketCalls::Day)
                .to_owned(),
        )
        .await?;
        if m.get_database_backend() == DbBackend::Postgres {
            let db = m.get_connection();
            for t in TABLES {
                db.execute_unprepared(&rls_sql(t)).await?;
            }
            db.execute_unprepared(&grants_sql()).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["ticket_calls", "chief_representatives", "approver_items", "window_items", "windows"] {
            m.drop_table(Table::drop().table(Alias::new(t)).to_owned()).await?;
        }
        Ok(())
    }
}
