//! Schema migrations. Tables are portable (SQLite and PostgreSQL); on PostgreSQL the
//! tenant-owned tables also get row-level security and an application role that owns nothing.

use sea_orm_migration::prelude::*;

pub mod case_stats;

mod m0001_foundation;
mod m0002_calendar;
mod m0002_catalogue;
mod m0003_attendance;
mod m0004_hall;
mod m0005_appointments;
mod m0005_cases;
mod m0006_documents;
mod m0006_leader_duties;
mod m0007_case_reach;
mod m0008_tenant_settings;
mod m0009_document_series;
mod m0010_audit_lanes;
mod m0011_pending_reviews;
mod m0012_wall;
mod m0013_case_levels;
mod m0014_transfers;
mod m0015_supervision;
mod m0017_sweep_indexes;
mod m0018_partners;
mod m0019_case_stats;
mod m0020_running_deadlines;
mod m0021_open_cases;

/// The role the application connects as on PostgreSQL: no table ownership, no BYPASSRLS.
pub const APP_ROLE: &str = "tongban_app";

/// The session setting that row-level security reads: a region-code prefix, `*` for all.
pub const SCOPE_SETTING: &str = "tongban.scope";

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_foundation::Migration),
            Box::new(m0002_calendar::Migration),
            Box::new(m0002_catalogue::Migration),
            Box::new(m0003_attendance::Migration),
            Box::new(m0004_hall::Migration),
            Box::new(m0005_appointments::Migration),
            Box::new(m0005_cases::Migration),
            Box::new(m0006_documents::Migration),
            Box::new(m0006_leader_duties::Migration),
            Box::new(m0007_case_reach::Migration),
            Box::new(m0008_tenant_settings::Migration),
            Box::new(m0009_document_series::Migration),
            Box::new(m0010_audit_lanes::Migration),
            Box::new(m0011_pending_reviews::Migration),
            Box::new(m0012_wall::Migration),
            Box::new(m0013_case_levels::Migration),
            Box::new(m0014_transfers::Migration),
            Box::new(m0015_supervision::Migration),
            Box::new(m0017_sweep_indexes::Migration),
            Box::new(m0018_partners::Migration),
            Box::new(m0019_case_stats::Migration),
            Box::new(m0020_running_deadlines::Migration),
            Box::new(m0021_open_cases::Migration),
        ]
    }
}

/// Enables and forces row-level security on `table` with one policy for reads and writes.
fn rls_policy(table: &str, condition: &str) -> String {
    format!(
        "ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
         ALTER TABLE {table} FORCE ROW LEVEL SECURITY;
         DROP POLICY IF EXISTS tenant_scope ON {table};
         CREATE POLICY tenant_scope ON {table} USING ({condition}) WITH CHECK ({condition});"
    )
}

/// `column` lies in the transaction's scope: `*` for all, else a region-code prefix.
/// A missing or empty setting matches nothing.
fn in_scope(column: &str) -> String {
    format!(
        "current_setting('{SCOPE_SETTING}', true) = '*'
         OR {column} LIKE NULLIF(current_setting('{SCOPE_SETTING}', true), '') || '%'"
    )
}

/// Row-level security on `table`, keyed on its `tenant_code`.
pub fn rls_sql(table: &str) -> String {
    rls_policy(table, &in_scope("tenant_code"))
}

/// Row-level security for cases, which the collecting tenant sees too: a row is in reach when
/// its handling (`tenant_code`) or collecting tenant (`collecting_code`) is.
pub fn rls_sql_reach(table: &str) -> String {
    rls_policy(table, &format!("{} OR {}", in_scope("tenant_code"), in_scope("collecting_code")))
}

/// Row-level security for a case's own rows (events, documents): visible, and writable, exactly
/// where the case row is, under the `cases` policy.
pub fn rls_sql_via_case(table: &str) -> String {
    rls_policy(table, &format!("EXISTS (SELECT 1 FROM cases c WHERE c.id = {table}.case_id)"))
}

/// Creates the application role if needed and grants it data access to every table;
/// the audit log is append-only for it.
pub fn grants_sql() -> String {
    format!(
        "DO $$ BEGIN
           CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS;
         EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
         END $$;
         GRANT USAGE ON SCHEMA public TO {APP_ROLE};
         GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE};
         GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE};
         REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM {APP_ROLE};
         REVOKE ALL ON seaql_migrations FROM {APP_ROLE};"
    )
}

/// Seed data shipped inside the binary: the product never reads `shared/` at run time.
pub mod seed {
    /// The 咸阳市 region tree (2,532 areas, with 陕西省 above it), `code,name,level,parent_code`.
    pub const XIANYANG_REGIONS: &str = include_str!("../data/regions-610400-xianyang.csv");
    /// Official holidays and make-up workdays, `date,kind,name`, per the State Council notices.
    pub const HOLIDAYS_2025_2026: &str = include_str!("../data/holidays-cn-2025-2026.csv");
    /// The sample base catalogue.
    pub const SAMPLE_CATALOGUE: &str = include_str!("../data/catalogue-sample.csv");
    /// The demo's root tenant: 咸阳市.
    pub const DEMO_ROOT: &str = "610400000000";
}
