//! Escalated and joint cases: the collecting tenant of a forwarded case keeps seeing it, and
//! a case's events and documents are visible wherever the case is; joint cases keep each
//! department's review.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::{grants_sql, rls_sql_reach, rls_sql_via_case};

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &[&str] = &[
    "ALTER TABLE cases ADD COLUMN reviews_json TEXT NULL",
    "CREATE INDEX cases_collecting ON cases (collecting_code, status)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        let pg = m.get_database_backend() == DbBackend::Postgres;
        for sql in UP {
            db.execute_unprepared(sql).await?;
        }
        if pg {
            db.execute_unprepared(
                "CREATE INDEX cases_collecting_prefix ON cases (collecting_code text_pattern_ops, status, deadline)",
            )
            .await?;
            db.execute_unprepared(&rls_sql_reach("cases")).await?;
            for t in ["case_events", "documents"] {
                db.execute_unprepared(&rls_sql_via_case(t)).await?;
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
        for sql in ["DROP INDEX cases_collecting", "ALTER TABLE cases DROP COLUMN reviews_json"] {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }
}
