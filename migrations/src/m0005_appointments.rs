use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::{grants_sql, rls_sql};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AppointmentSlots {
    Table,
    Id,
    TenantCode,
    ImplItemId,
    Day,
    Starts,
    Ends,
    Capacity,
    Booked,
}

#[derive(DeriveIden)]
enum Appointments {
    Table,
    Id,
    TenantCode,
    SlotId,
    ApplicantName,
    Phone,
    CodeHash,
    Status,
    Ticket,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(AppointmentSlots::Table)
                .col(ColumnDef::new(AppointmentSlots::Id).string_len(36).not_null().primary_key())
                .col(ColumnDef::new(AppointmentSlots::TenantCode).string_len(12).not_null())
                .col(ColumnDef::new(AppointmentSlots::ImplItemId).string_len(36).not_null())
                .col(ColumnDef::new(AppointmentSlots::Day).date().not_null())
                .col(ColumnDef::new(AppointmentSlots::Starts).string_len(5).not_null())
                .col(ColumnDef::new(AppointmentSlots::Ends).string_len(5).not_null())
                .col(ColumnDef::new(AppointmentSlots::Capacity).integer().not_null())
                .col(ColumnDef::new(AppointmentSlots::Booked).integer().not_null().default(0))
                .foreign_key(
                    ForeignKey::create()
                        .from(AppointmentSlots::Table, AppointmentSlots::ImplItemId)
                        .to(Alias::new("impl_items"), Alias::new("id")),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("appointment_slots_item_day")
                .table(AppointmentSlots::Table)
                .col(AppointmentSlots::TenantCode)
                .col(AppointmentSlots::ImplItemId)
                .col(AppointmentSlots::Day)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Appointments::Table)
                .col(ColumnDef::new(Appointments::Id).string_len(36).not_null().primary_key())
                .col(ColumnDef::new(Appointments::TenantCode).string_len(12).not_null())
                .col(ColumnDef::new(Appointments::SlotId).string_len(36).not_null())
                .col(ColumnDef::new(Appointments::ApplicantName).string_len(200).not_null())
                .col(ColumnDef::new(Appointments::Phone).string_len(20).not_null())
                .col(ColumnDef::new(Appointments::CodeHash).string_len(64).not_null())
                .col(ColumnDef::new(Appointments::Status).string_len(16).not_null())
                .col(ColumnDef::new(Appointments::Ticket).string_len(16).null())
                .col(ColumnDef::new(Appointments::CreatedAt).timestamp_with_time_zone().not_null())
                .foreign_key(
                    ForeignKey::create()
                        .from(Appointments::Table, Appointments::SlotId)
                        .to(AppointmentSlots::Table, AppointmentSlots::Id),
                )
                .to_owned(),
        )
        .await?;
        if m.get_database_backend() == DbBackend::Postgres {
            let db = m.get_connection();
            for t in ["appointment_slots", "appointments"] {
                db.execute_unprepared(&rls_sql(t)).await?;
            }
            db.execute_unprepared(&grants_sql()).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Appointments::Table).to_owned()).await?;
        m.drop_table(Table::drop().table(AppointmentSlots::Table).to_owned()).await
    }
}
