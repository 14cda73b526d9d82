use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::{grants_sql, rls_sql};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Cases {
    Table,
    Id,
    CaseNo,
    QueryHash,
    TenantCode,
    CollectingCode,
    ImplItemId,
    ImplVersion,
    ItemName,
    Kind,
    Status,
    Channel,
    ApplicantKind,
    ApplicantName,
    IdType,
    IdNumber,
    Phone,
    FormJson,
    ProvidedJson,
    MissingJson,
    DeferredJson,
    DeferredUntil,
    CorrectionDue,
    ReceivedAt,
    AcceptedAt,
    ConcludedAt,
    ClockJson,
    Deadline,
    DeadlineProvisional,
    Version,
    IdempotencyKey,
}

#[derive(DeriveIden)]
enum CaseEvents {
    Table,
    Id,
    CaseId,
    TenantCode,
    ActorTenant,
    At,
    Status,
    Actor,
    Action,
    Opinion,
}

fn s(c: impl IntoIden, len: u32) -> ColumnDef {
    ColumnDef::new(c).string_len(len).not_null().to_owned()
}

fn text(c: impl IntoIden) -> ColumnDef {
    ColumnDef::new(c).text().not_null().to_owned()
}

fn text_null(c: impl IntoIden) -> ColumnDef {
    ColumnDef::new(c).text().null().to_owned()
}

fn at_null(c: impl IntoIden) -> ColumnDef {
    ColumnDef::new(c).timestamp_with_time_zone().null().to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Cases::Table)
                .col(s(Cases::Id, 36).primary_key())
                .col(ColumnDef::new(Cases::CaseNo).string_len(50).not_null().unique_key())
                .col(s(Cases::QueryHash, 64))
                .col(s(Cases::TenantCode, 12))
                .col(s(Cases::CollectingCode, 12))
                .col(s(Cases::ImplItemId, 36))
                .col(ColumnDef::new(Cases::ImplVersion).integer().not_null())
                .col(text(Cases::ItemName))
                .col(s(Cases::Kind, 16))
                .col(s(Cases::Status, 24))
                .col(s(Cases::Channel, 16))
                .col(s(Cases::ApplicantKind, 16))
                .col(text(Cases::ApplicantName))
                .col(text(Cases::IdType))
                .col(text(Cases::IdNumber))
                .col(text_null(Cases::Phone))
                .col(text_null(Cases::FormJson))
                .col(text(Cases::ProvidedJson))
                .col(text(Cases::MissingJson))
                .col(text(Cases::DeferredJson))
                .col(ColumnDef::new(Cases::DeferredUntil).date().null())
                .col(ColumnDef::new(Cases::CorrectionDue).date().null())
                .col(ColumnDef::new(Cases::ReceivedAt).timestamp_with_time_zone().not_null())
                .col(at_null(Cases::AcceptedAt))
                .col(at_null(Cases::ConcludedAt))
                .col(text_null(Cases::ClockJson))
                .col(ColumnDef::new(Cases::Deadline).date().null())
                .col(ColumnDef::new(Cases::DeadlineProvisional).boolean().not_null().default(false))
                .col(ColumnDef::new(Cases::Version).big_integer().not_null())
                .col(ColumnDef::new(Cases::IdempotencyKey).string_len(100).null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("cases_tenant_status_deadline")
                .table(Cases::Table)
                .col(Cases::TenantCode)
                .col(Cases::Status)
                .col(Cases::Deadline)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("cases_idempotency")
                .table(Cases::Table)
                .col(Cases::TenantCode)
                .col(Cases::IdempotencyKey)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("cases_received").table(Cases::Table).col(Cases::ReceivedAt).col(Cases::Id).to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(CaseEvents::Table)
                .col(ColumnDef::new(CaseEvents::Id).big_integer().not_null().auto_increment().primary_key())
                .col(s(CaseEvents::CaseId, 36))
                .col(s(CaseEvents::TenantCode, 12))
                .col(s(CaseEvents::ActorTenant, 12))
                .col(ColumnDef::new(CaseEvents::At).timestamp_with_time_zone().not_null())
                .col(s(CaseEvents::Status, 24))
                .col(text(CaseEvents::Actor))
                .col(text(CaseEvents::Action))
                .col(text_null(CaseEvents::Opinion))
                .foreign_key(
                    ForeignKey::create().from(CaseEvents::Table, CaseEvents::CaseId).to(Cases::Table, Cases::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("case_events_case").table(CaseEvents::Table).col(CaseEvents::CaseId).to_owned(),
        )
        .await?;
        if m.get_database_backend() == DbBackend::Postgres {
            let db = m.get_connection();
            for t in ["cases", "case_events"] {
                db.execute_unprepared(&rls_sql(t)).await?;
            }
            db.execute_unprepared(
                "CREATE INDEX cases_tenant_prefix ON cases (tenant_code text_pattern_ops, status, deadline)",
            )
            .await?;
            db.execute_unprepared(&grants_sql()).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(CaseEvents::Table).to_owned()).await?;
        m.drop_table(Table::drop().table(Cases::Table).to_owned()).await
    }
}
