//! Escalated and joint cases: the collecting tenant of a forwarded case keeps seeing it, its
//! events and its documents; joint cases keep each department's review.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::{SCOPE_SETTING, grants_sql, rls_sql_reach};

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &[&str] = &[
    "ALTER TABLE cases ADD COLUMN reviews_json TEXT NULL",
    "ALTER TABLE case_events ADD COLUMN collecting_code VARCHAR(12) NOT NULL DEFAULT ''",
    "ALTER TABLE documents ADD COLUMN collecting_code VARCHAR(12) NOT NULL DEFAULT ''",
    "UPDATE case_events SET collecting_code = (SELECT c.collecting_code FROM cases c WHERE c.id = case_events.case_id)",
    "UPDATE documents SET collecting_code = (SELECT c.collecting_code FROM cases c WHERE c.id = documents.case_id)",
    "CREATE INDEX cases_collecting ON cases (collecting_code, status)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        let pg = m.get_database_backend() == DbBackend::Postgres;
        if pg {
            // The backfill below must see every row through row-level security.
            db.execute_unprepared(&format!("SELECT set_config('{SCOPE_SETTING}', '*', false)")).await?;
        }
        for sql in UP {
            db.execute_unprepared(sql).await?;
        }
        if pg {
            db.execute_unprepared(
                "CREATE INDEX cases_collecting_prefix ON cases (collecting_code text_pattern_ops, status, deadline)",
            )
            .await?;
            for t in ["cases", "case_events", "documents"] {
                db.execute_unprepared(&rls_sql_reach(t)).await?;
            }
            db.execute_unprepared(&grants_sql()).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        if m.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared("DROP INDEX IF EXISTS cases_collecting_prefix").await?;
            for t in ["cases", "case_events", "documents"] {
                db.execute_unprepared(&crate::rls_sql(t)).await?;
            }
        }
        for sql in [
            "DROP INDEX cases_collecting",
            "ALTER TABLE documents DROP COLUMN collecting_code",
            "ALTER TABLE case_events DROP COLUMN collecting_code",
            "ALTER TABLE cases DROP COLUMN reviews_json",
        ] {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }
}
