//! The background sweeps read few rows out of every case: the provisional deadlines redone at start
//! and the correction notices past their deadline. Partial indexes hold only those rows, so that a
//! sweep costs what it finds, not the size of the table (4.5 s and 1 s over a million cases before).
//! The `text_pattern_ops` indexes for `LIKE 'prefix%'` go: subtrees are code ranges since m0012, and
//! each index costs every case write and every plan.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const STATEMENTS: &[&str] = &[
    "CREATE INDEX cases_provisional ON cases (id) WHERE deadline_provisional = true",
    "CREATE INDEX cases_correction_due ON cases (correction_due) WHERE correction_due IS NOT NULL",
    "DROP INDEX IF EXISTS cases_tenant_prefix",
    "DROP INDEX IF EXISTS cases_collecting_prefix",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        for sql in STATEMENTS {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        db.execute_unprepared("DROP INDEX IF EXISTS cases_provisional").await?;
        db.execute_unprepared("DROP INDEX IF EXISTS cases_correction_due").await?;
        Ok(())
    }
}
