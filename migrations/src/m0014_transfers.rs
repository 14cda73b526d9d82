//! Cross-area transfers (跨域通办): the transfer records and the outbox of messages for other
//! systems, written in the transaction of the step that sends them.
//!
//! On PostgreSQL a transfer is in reach where its sending or its receiving tenant is, and the wall
//! of m0012 widens for remote intakes: a case collected at one tenant for an item of another is
//! written by and visible to both (still never to a third), and so are its events and documents.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::grants_sql;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Transfers {
    Table,
    Id,
    CaseId,
    CaseNo,
    FromCode,
    ToCode,
    Status,
    CollectedAt,
    SentAt,
    ReceivedAt,
    DecidedAt,
    ResultAt,
    Note,
    ReturnReason,
    IdempotencyKey,
    RequestHash,
    Version,
    FromCenter,
    RemoteCaseNo,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    TenantCode,
    Topic,
    PayloadJson,
    CreatedAt,
    Attempts,
    NextAttemptAt,
    LeasedUntil,
    LastError,
    Status,
}

fn s(c: impl IntoIden, len: u32) -> ColumnDef {
    ColumnDef::new(c).string_len(len).not_null().to_owned()
}

fn at(c: impl IntoIden) -> ColumnDef {
    ColumnDef::new(c).timestamp_with_time_zone().not_null().to_owned()
}

fn at_null(c: impl IntoIden) -> ColumnDef {
    ColumnDef::new(c).timestamp_with_time_zone().null().to_owned()
}

/// `col` lies in the transaction's scope (the range functions of m0012).
fn in_scope(col: &str) -> String {
    format!("({col} >= (SELECT tongban_scope_lo()) AND {col} < (SELECT tongban_scope_hi()))")
}

fn policy(table: &str, using: &str, check: &str) -> String {
    format!(
        "ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
         ALTER TABLE {table} FORCE ROW LEVEL SECURITY;
         DROP POLICY IF EXISTS tenant_scope ON {table};
         CREATE POLICY tenant_scope ON {table} USING ({using}) WITH CHECK ({check});"
    )
}

fn wall_sql(widen: bool) -> Vec<String> {
    let mut out = Vec::new();
    let reach = format!("{} OR {}", in_scope("tenant_code"), in_scope("collecting_code"));
    let remote = if widen { " OR channel = 'REMOTE'" } else { "" };
    out.push(policy("cases", &reach, &format!("({reach}) AND (tongban_covers(tenant_code, collecting_code){remote})")));
    for t in ["case_events", "documents"] {
        let via = format!("EXISTS (SELECT 1 FROM cases c WHERE c.id = {t}.case_id)");
        let handler = if widen { format!(" OR tongban_covers({t}.tenant_code, c.tenant_code)") } else { String::new() };
        let check = format!(
            "EXISTS (SELECT 1 FROM cases c WHERE c.id = {t}.case_id AND (tongban_covers({t}.tenant_code, c.collecting_code){handler}))"
        );
        out.push(policy(t, &via, &check));
    }
    out
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Transfers::Table)
                .col(ColumnDef::new(Transfers::Id).string_len(36).not_null().primary_key())
                .col(s(Transfers::CaseId, 36))
                .col(s(Transfers::CaseNo, 40))
                .col(s(Transfers::FromCode, 12))
                .col(s(Transfers::ToCode, 12))
                .col(s(Transfers::Status, 20))
                .col(at(Transfers::CollectedAt))
                .col(at(Transfers::SentAt))
                .col(at_null(Transfers::ReceivedAt))
                .col(at_null(Transfers::DecidedAt))
                .col(at_null(Transfers::ResultAt))
                .col(ColumnDef::new(Transfers::Note).text().null())
                .col(ColumnDef::new(Transfers::ReturnReason).text().null())
                .col(s(Transfers::IdempotencyKey, 100))
                .col(s(Transfers::RequestHash, 64))
                .col(ColumnDef::new(Transfers::Version).big_integer().not_null())
                .col(ColumnDef::new(Transfers::FromCenter).string_len(100).null())
                .col(ColumnDef::new(Transfers::RemoteCaseNo).string_len(40).null())
                .to_owned(),
        )
        .await?;
        let idx = |name: &str| Index::create().name(name).table(Transfers::Table).to_owned();
        m.create_index(
            idx("transfers_key").col(Transfers::FromCode).col(Transfers::IdempotencyKey).unique().to_owned(),
        )
        .await?;
        m.create_index(idx("transfers_case").col(Transfers::CaseId).to_owned()).await?;
        m.create_index(idx("transfers_to").col(Transfers::ToCode).col(Transfers::Id).to_owned()).await?;
        m.create_index(idx("transfers_from").col(Transfers::FromCode).col(Transfers::Id).to_owned()).await?;
        m.create_table(
            Table::create()
                .table(Outbox::Table)
                .col(ColumnDef::new(Outbox::Id).string_len(36).not_null().primary_key())
                .col(s(Outbox::TenantCode, 12))
                .col(s(Outbox::Topic, 60))
                .col(ColumnDef::new(Outbox::PayloadJson).text().not_null())
                .col(at(Outbox::CreatedAt))
                .col(ColumnDef::new(Outbox::Attempts).integer().not_null().default(0))
                .col(at(Outbox::NextAttemptAt))
                .col(at_null(Outbox::LeasedUntil))
                .col(ColumnDef::new(Outbox::LastError).text().null())
                .col(s(Outbox::Status, 20))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("outbox_due")
                .table(Outbox::Table)
                .col(Outbox::Status)
                .col(Outbox::NextAttemptAt)
                .to_owned(),
        )
        .await?;
        if m.get_database_backend() == DbBackend::Postgres {
            let db = m.get_connection();
            let reach = format!("{} OR {}", in_scope("from_code"), in_scope("to_code"));
            db.execute_unprepared(&policy("transfers", &reach, &reach)).await?;
            let own = in_scope("tenant_code");
            db.execute_unprepared(&policy("outbox", &own, &own)).await?;
            for sql in wall_sql(true) {
                db.execute_unprepared(&sql).await?;
            }
            db.execute_unprepared(&grants_sql()).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() == DbBackend::Postgres {
            let db = m.get_connection();
            for sql in wall_sql(false) {
                db.execute_unprepared(&sql).await?;
            }
        }
        m.drop_table(Table::drop().table(Outbox::Table).to_owned()).await?;
        m.drop_table(Table::drop().table(Transfers::Table).to_owned()).await?;
        Ok(())
    }
}
