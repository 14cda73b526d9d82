//! Case lists that an index serves at any level. A tenant's subtree is the set of codes sharing its
//! level's prefix (city 4 digits, county 6, town 9, village 12), so a case keeps, for its handling and
//! its collecting tenant, the prefix at each level (generated columns). A subtree's newest cases are
//! then an equality on one column read backwards along `(level prefix, received_at, id)`: ordered,
//! stopping after one page, whatever the size of the subtree. The collecting side is indexed, level by
//! level, only where the handling tenant lies outside the collecting one's subtree at that level
//! (escalated and cross-area cases): the rest are listed by the handling side.
//!
//! On PostgreSQL the indexes also carry the two tenant columns, so that counting a subtree under the
//! row-level policy (which reads them) needs no visit to the table.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The level prefixes a case is listed by, as `(column, source column, digits)`.
pub const LEVEL_COLUMNS: &[(&str, &str, u32)] = &[
    ("tenant_l4", "tenant_code", 4),
    ("tenant_l6", "tenant_code", 6),
    ("tenant_l9", "tenant_code", 9),
    ("collecting_l4", "collecting_code", 4),
    ("collecting_l6", "collecting_code", 6),
    ("collecting_l9", "collecting_code", 9),
];

fn statements(backend: DbBackend) -> Vec<String> {
    let pg = backend == DbBackend::Postgres;
    let mut out = Vec::new();
    for (col, source, digits) in LEVEL_COLUMNS {
        // PostgreSQL stores them; SQLite can only add virtual ones to an existing table (and index them).
        let kind = if pg { "STORED" } else { "VIRTUAL" };
        out.push(format!(
            "ALTER TABLE cases ADD COLUMN {col} VARCHAR({digits}) GENERATED ALWAYS AS (substr({source}, 1, {digits})) {kind}"
        ));
    }
    let include = if pg { " INCLUDE (tenant_code, collecting_code, status)" } else { "" };
    for (level, t, c) in [
        ("4", "tenant_l4", "collecting_l4"),
        ("6", "tenant_l6", "collecting_l6"),
        ("9", "tenant_l9", "collecting_l9"),
        ("12", "tenant_code", "collecting_code"),
    ] {
        out.push(format!("CREATE INDEX cases_reach_t{level} ON cases ({t}, received_at, id){include}"));
        // Only cases handled outside the collecting tenant's subtree at this level: the others are
        // already listed by the handling side.
        out.push(format!(
            "CREATE INDEX cases_reach_c{level} ON cases ({c}, received_at, id){include} WHERE {c} <> {t}"
        ));
    }
    out
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        for sql in statements(m.get_database_backend()) {
            db.execute_unprepared(&sql).await?;
        }
        if m.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared("ANALYZE cases").await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        for level in ["4", "6", "9", "12"] {
            for side in ["t", "c"] {
                db.execute_unprepared(&format!("DROP INDEX IF EXISTS cases_reach_{side}{level}")).await?;
            }
        }
        for (col, _, _) in LEVEL_COLUMNS {
            db.execute_unprepared(&format!("ALTER TABLE cases DROP COLUMN {col}")).await?;
        }
        Ok(())
    }
}
