//! The yellow and red lists: a subtree's running cases (accepted, clock on) by deadline. They are few
//! beside the subtree's cases, but (tenant, status, deadline) serves a subtree only as a range on its
//! leading column, which reads every case of a county to find its dozen late ones (1.5–2 ms a list at a
//! million cases). A partial index per level holds only running cases, keyed by the level prefix and
//! the deadline; on PostgreSQL it carries the two tenant columns for the row-level policy, as the
//! listing indexes of m0013 do. The 12-digit level keeps (tenant, status, deadline).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const LEVELS: [(&str, &str); 3] = [("4", "tenant_l4"), ("6", "tenant_l6"), ("9", "tenant_l9")];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        let pg = m.get_database_backend() == DbBackend::Postgres;
        let include = if pg { " INCLUDE (tenant_code, collecting_code)" } else { "" };
        for (level, col) in LEVELS {
            db.execute_unprepared(&format!(
                "CREATE INDEX cases_running_t{level} ON cases ({col}, deadline){include} WHERE status = 'ACCEPTED'"
            ))
            .await?;
        }
        if pg {
            db.execute_unprepared("ANALYZE cases").await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        for (level, _) in LEVELS {
            db.execute_unprepared(&format!("DROP INDEX IF EXISTS cases_running_t{level}")).await?;
        }
        Ok(())
    }
}
