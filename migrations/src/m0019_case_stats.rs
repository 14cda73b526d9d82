//! The statistics summary (`case_stats`, see [`crate::case_stats`]): per handling tenant, day, item,
//! staff, acceptance day and collecting tenant, the counts `stats` adds up, so that a city's month
//! reads tens of thousands of rows instead of every case. Written in each case step's and rating's
//! transaction; filled here from the records. On PostgreSQL a row is in reach through either
//! tenant, as its case is.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::{SCOPE_SETTING, case_stats, grants_sql};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn create() -> String {
    let vals: Vec<String> = case_stats::VALUES.iter().map(|v| format!("{v} INTEGER NOT NULL DEFAULT 0")).collect();
    format!(
        "CREATE TABLE case_stats (
           tenant_code VARCHAR(12) NOT NULL,
           day DATE NOT NULL,
           impl_item_id VARCHAR(36) NOT NULL,
           staff TEXT NOT NULL,
           since DATE NOT NULL,
           collecting_code VARCHAR(12) NOT NULL,
           {},
           PRIMARY KEY ({}))",
        vals.join(", "),
        case_stats::KEYS.join(", ")
    )
}

fn indexes(b: DbBackend) -> [String; 2] {
    // On PostgreSQL every column is included so that settled months are read from the index alone
    // (咸阳市's month at a million cases: 22,000 rows, 26 ms; 58 ms from the table).
    let include = if b == DbBackend::Postgres {
        format!(" INCLUDE (impl_item_id, staff, since, collecting_code, {})", case_stats::VALUES.join(", "))
    } else {
        String::new()
    };
    [
        // A whole city's month: the days first.
        format!("CREATE INDEX case_stats_day ON case_stats (day, tenant_code){include}"),
        // Cases taken in for another tenant: few, read by day and filtered by the collecting tenant (an
        // index on it too lets the planner OR it with the policy's handling tenant over the whole table).
        "CREATE INDEX case_stats_out ON case_stats (day) WHERE out_n <> 0".to_owned(),
    ]
}

fn policy() -> String {
    let in_scope =
        |col: &str| format!("({col} >= (SELECT tongban_scope_lo()) AND {col} < (SELECT tongban_scope_hi()))");
    let reach = format!("{} OR {}", in_scope("tenant_code"), in_scope("collecting_code"));
    format!(
        "ALTER TABLE case_stats ENABLE ROW LEVEL SECURITY;
         ALTER TABLE case_stats FORCE ROW LEVEL SECURITY;
         DROP POLICY IF EXISTS tenant_scope ON case_stats;
         CREATE POLICY tenant_scope ON case_stats USING ({reach}) WITH CHECK ({reach});"
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        let b = m.get_database_backend();
        db.execute_unprepared(&create()).await?;
        for sql in indexes(b) {
            db.execute_unprepared(&sql).await?;
        }
        if b == DbBackend::Postgres {
            // The backfill reads every tenant's cases, under their row-level security too.
            db.execute_unprepared(&format!("SELECT set_config('{SCOPE_SETTING}', '*', false)")).await?;
        }
        db.execute_unprepared(&case_stats::shift(b, Some("1 = 1"), Some("1 = 1"), 1)).await?;
        if b == DbBackend::Postgres {
            db.execute_unprepared(&format!("SELECT set_config('{SCOPE_SETTING}', '', false)")).await?;
            db.execute_unprepared(&policy()).await?;
            db.execute_unprepared(&grants_sql()).await?;
            db.execute_unprepared("ANALYZE case_stats").await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Alias::new("case_stats")).to_owned()).await?;
        Ok(())
    }
}
