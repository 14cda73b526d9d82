//! Several audit chains per tenant (lanes): `audit_log.lane`, and `audit_lanes` holding each chain's
//! head in place of the one head per tenant. Existing chains become lane 0 unchanged.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::{grants_sql, rls_sql};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditLanes {
    Table,
    TenantCode,
    Lane,
    Seq,
    Hash,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    TenantCode,
    Lane,
    Seq,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(AuditLanes::Table)
                .col(ColumnDef::new(AuditLanes::TenantCode).string_len(12).not_null())
                .col(ColumnDef::new(AuditLanes::Lane).small_integer().not_null())
                .col(ColumnDef::new(AuditLanes::Seq).big_integer().not_null())
                .col(ColumnDef::new(AuditLanes::Hash).string_len(64).not_null())
                .primary_key(Index::create().col(AuditLanes::TenantCode).col(AuditLanes::Lane))
                .to_owned(),
        )
        .await?;
        let db = m.get_connection();
        db.execute_unprepared(
            "INSERT INTO audit_lanes (tenant_code, lane, seq, hash) SELECT tenant_code, 0, seq, hash FROM audit_heads",
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(AuditLog::Table)
                .add_column(ColumnDef::new(AuditLog::Lane).small_integer().not_null().default(0))
                .to_owned(),
        )
        .await?;
        m.drop_index(Index::drop().name("audit_tenant_seq").table(AuditLog::Table).to_owned()).await?;
        m.create_index(
            Index::create()
                .name("audit_tenant_lane_seq")
                .table(AuditLog::Table)
                .col(AuditLog::TenantCode)
                .col(AuditLog::Lane)
                .col(AuditLog::Seq)
                .unique()
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(Alias::new("audit_heads")).to_owned()).await?;
        if m.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared(&rls_sql("audit_lanes")).await?;
            db.execute_unprepared(&grants_sql()).await?;
        }
        Ok(())
    }

    /// Back to one chain per tenant; refused while any entry lies outside lane 0.
    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        let laned = db
            .query_one_raw(sea_orm_migration::sea_orm::Statement::from_string(
                m.get_database_backend(),
                "SELECT COUNT(*) AS n FROM audit_log WHERE lane <> 0",
            ))
            .await?
            .map(|r| r.try_get::<i64>("", "n"))
            .transpose()?
            .unwrap_or(0);
        if laned > 0 {
            return Err(DbErr::Migration(format!("审计日志已有 {laned} 条记录不在第0链，不能回退为单链")));
        }
        m.create_table(
            Table::create()
                .table(Alias::new("audit_heads"))
                .col(ColumnDef::new(Alias::new("tenant_code")).string_len(12).not_null().primary_key())
                .col(ColumnDef::new(Alias::new("seq")).big_integer().not_null())
                .col(ColumnDef::new(Alias::new("hash")).string_len(64).not_null())
                .to_owned(),
        )
        .await?;
        db.execute_unprepared(
            "INSERT INTO audit_heads (tenant_code, seq, hash) SELECT tenant_code, seq, hash FROM audit_lanes",
        )
        .await?;
        m.drop_index(Index::drop().name("audit_tenant_lane_seq").table(AuditLog::Table).to_owned()).await?;
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
        m.alter_table(Table::alter().table(AuditLog::Table).drop_column(AuditLog::Lane).to_owned()).await?;
        m.drop_table(Table::drop().table(AuditLanes::Table).to_owned()).await?;
        if m.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared(&rls_sql("audit_heads")).await?;
            db.execute_unprepared(&grants_sql()).await?;
        }
        Ok(())
    }
}
