//! One tenant's cases with an open clock (accepted or suspended) in received order: an approver's
//! queue, newest first. (tenant, status, deadline) holds them in deadline order, so a page read all of
//! them and sorted; this partial index holds them in the list's order, and on PostgreSQL carries
//! every column the queue's filters and the row-level policy read, so that a page walks it without
//! touching the table until it has its rows, and a count reads only it. The statuses are those of
//! `CaseStatus::OPEN_CLOCK`.
//!
//! Beside it, the cases a tenant collected for others, by status: a list with a status filter read
//! them through (collecting tenant, status), which also holds every case the tenant collected for
//! itself (887 open ones of a county, read from the table to be dropped).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        let pg = m.get_database_backend() == DbBackend::Postgres;
        let include = if pg { " INCLUDE (collecting_code, impl_item_id, pending_reviews)" } else { "" };
        db.execute_unprepared(&format!(
            "CREATE INDEX cases_open_tenant_received ON cases (tenant_code, received_at DESC, id DESC){include} \
             WHERE status IN ('ACCEPTED', 'SUSPENDED')"
        ))
        .await?;
        db.execute_unprepared(
            "CREATE INDEX cases_collected_status ON cases (collecting_code, status) WHERE collecting_code <> tenant_code",
        )
        .await?;
        if pg {
            db.execute_unprepared("ANALYZE cases").await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        db.execute_unprepared("DROP INDEX IF EXISTS cases_collected_status").await?;
        db.execute_unprepared("DROP INDEX IF EXISTS cases_open_tenant_received").await?;
        Ok(())
    }
}
