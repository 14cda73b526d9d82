use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::{grants_sql, rls_sql};

/// The tenant-owned tables this migration creates; later migrations secure their own.
const FOUNDATION_TENANT_TABLES: &[&str] = &["users", "service_accounts", "refresh_tokens", "audit_log", "audit_heads"];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Code,
    Name,
    Level,
    ParentCode,
    Root,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    TenantCode,
    Username,
    DisplayName,
    PasswordHash,
    Roles,
    DepartmentId,
    Disabled,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ServiceAccounts {
    Table,
    Id,
    TenantCode,
    ClientId,
    Name,
    SecretHash,
    CreatedAt,
}

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    Id,
    Family,
    UserId,
    TenantCode,
    TokenHash,
    IssuedAt,
    ExpiresAt,
    UsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    TenantCode,
    Seq,
    At,
    Actor,
    ActorTenant,
    Action,
    Target,
    BeforeJson,
    AfterJson,
    PrevHash,
    Hash,
}

#[derive(DeriveIden)]
enum AuditHeads {
    Table,
    TenantCode,
    Seq,
    Hash,
}

fn code(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).string_len(12).not_null().to_owned()
}

fn id(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).string_len(36).not_null().to_owned()
}

fn at(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).timestamp_with_time_zone().not_null().to_owned()
}

fn at_null(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).timestamp_with_time_zone().null().to_owned()
}

fn text(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).text().not_null().to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Tenants::Table)
                .col(code(Tenants::Code).primary_key())
                .col(text(Tenants::Name))
                .col(ColumnDef::new(Tenants::Level).string_len(16).not_null())
                .col(ColumnDef::new(Tenants::ParentCode).string_len(12).null())
                .col(ColumnDef::new(Tenants::Root).boolean().not_null().default(false))
                .col(at(Tenants::CreatedAt))
                .foreign_key(
                    ForeignKey::create().from(Tenants::Table, Tenants::ParentCode).to(Tenants::Table, Tenants::Code),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("tenants_parent").table(Tenants::Table).col(Tenants::ParentCode).to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("tenants_level")
                .table(Tenants::Table)
                .col(Tenants::Level)
                .col(Tenants::Code)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Users::Table)
                .col(id(Users::Id).primary_key())
                .col(code(Users::TenantCode))
                .col(ColumnDef::new(Users::Username).string_len(64).not_null().unique_key())
                .col(text(Users::DisplayName))
                .col(text(Users::PasswordHash))
                .col(text(Users::Roles))
                .col(ColumnDef::new(Users::DepartmentId).string_len(36).null())
                .col(ColumnDef::new(Users::Disabled).boolean().not_null().default(false))
                .col(at(Users::CreatedAt))
                .foreign_key(
                    ForeignKey::create().from(Users::Table, Users::TenantCode).to(Tenants::Table, Tenants::Code),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("users_tenant").table(Users::Table).col(Users::TenantCode).to_owned())
            .await?;

        m.create_table(
            Table::create()
                .table(ServiceAccounts::Table)
                .col(id(ServiceAccounts::Id).primary_key())
                .col(code(ServiceAccounts::TenantCode))
                .col(ColumnDef::new(ServiceAccounts::ClientId).string_len(64).not_null().unique_key())
                .col(text(ServiceAccounts::Name))
                .col(text(ServiceAccounts::SecretHash))
                .col(at(ServiceAccounts::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(ServiceAccounts::Table, ServiceAccounts::TenantCode)
                        .to(Tenants::Table, Tenants::Code),
                )
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(RefreshTokens::Table)
                .col(id(RefreshTokens::Id).primary_key())
                .col(id(RefreshTokens::Family))
                .col(id(RefreshTokens::UserId))
                .col(code(RefreshTokens::TenantCode))
                .col(ColumnDef::new(RefreshTokens::TokenHash).string_len(64).not_null().unique_key())
                .col(at(RefreshTokens::IssuedAt))
                .col(at(RefreshTokens::ExpiresAt))
                .col(at_null(RefreshTokens::UsedAt))
                .col(at_null(RefreshTokens::RevokedAt))
                .foreign_key(
                    ForeignKey::create().from(RefreshTokens::Table, RefreshTokens::UserId).to(Users::Table, Users::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("refresh_family").table(RefreshTokens::Table).col(RefreshTokens::Family).to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(AuditLog::Table)
                .col(ColumnDef::new(AuditLog::Id).big_integer().not_null().auto_increment().primary_key())
                .col(code(AuditLog::TenantCode))
                .col(ColumnDef::new(AuditLog::Seq).big_integer().not_null())
                .col(at(AuditLog::At))
                .col(text(AuditLog::Actor))
                .col(code(AuditLog::ActorTenant))
                .col(text(AuditLog::Action))
                .col(text(AuditLog::Target))
                .col(ColumnDef::new(AuditLog::BeforeJson).text().null())
                .col(ColumnDef::new(AuditLog::AfterJson).text().null())
                .col(ColumnDef::new(AuditLog::PrevHash).string_len(64).not_null())
                .col(ColumnDef::new(AuditLog::Hash).string_len(64).not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("audit_tenant_seq")
                .table(AuditLog::Table)
                .col(AuditLog::TenantCode)
                .col(AuditLog::Seq)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(AuditHeads::Table)
                .col(code(AuditHeads::TenantCode).primary_key())
                .col(ColumnDef::new(AuditHeads::Seq).big_integer().not_null())
                .col(ColumnDef::new(AuditHeads::Hash).string_len(64).not_null())
                .to_owned(),
        )
        .await?;

        if m.get_database_backend() == DbBackend::Postgres {
            let db = m.get_connection();
            for t in FOUNDATION_TENANT_TABLES {
                db.execute_unprepared(&rls_sql(t)).await?;
            }
            db.execute_unprepared("CREATE INDEX tenants_code_prefix ON tenants (code text_pattern_ops)").await?;
            db.execute_unprepared(&grants_sql()).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["audit_heads", "audit_log", "refresh_tokens", "service_accounts", "users", "tenants"] {
            m.drop_table(Table::drop().table(Alias::new(t)).to_owned()).await?;
        }
        Ok(())
    }
}
