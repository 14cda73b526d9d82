//! The database wall, rewritten (PostgreSQL only).
//!
//! - Every policy's `WITH CHECK` holds all the columns that place a row: a case's handling
//!   (`tenant_code`) and collecting tenant (`collecting_code`) must be in reach and consistent, an
//!   implementation's delegating tenant must be above it, a case's events and documents must
//!   belong to tenants of their case. Columns that only record who acted (`actor_tenant`) place
//!   nothing: a platform administrator acts across roots, a town hands over in its county's case.
//! - Scopes are ranges, read once per statement: `tenant_code >= (SELECT tongban_scope_lo()) AND
//!   tenant_code < (SELECT tongban_scope_hi())` lets an index serve the policy and a range filter
//!   (`shared/design/rls-at-volume.md`), where `LIKE` kept every plan on a sequential scan.
//! - The base catalogue gets row-level security: everyone reads it, only a scope covering its
//!   owner (the root's catalogue administrators, or system work over all) writes it.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::{SCOPE_SETTING, rls_sql, rls_sql_reach, rls_sql_via_case};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Tables placed by their `tenant_code` alone.
const TENANT_TABLES: &[&str] = &[
    "users",
    "service_accounts",
    "refresh_tokens",
    "audit_log",
    "audit_lanes",
    "calendar_days",
    "departments",
    "impl_item_versions",
    "attendance",
    "windows",
    "window_items",
    "approver_items",
    "chief_representatives",
    "ticket_calls",
    "appointment_slots",
    "appointments",
    "leader_duties",
    "tenant_settings",
    "document_series",
];

fn functions() -> String {
    format!(
        "
-- The end of the codes under prefix `p`: `p` with its last digit raised (carrying past 9s).
-- Digits only, so it sorts the same in every collation.
CREATE OR REPLACE FUNCTION tongban_prefix_hi(p text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE WHEN rtrim(p, '9') = '' THEN repeat('9', 13)
    ELSE left(rtrim(p, '9'), -1) || chr(ascii(right(rtrim(p, '9'), 1)) + 1) END
$$;
-- The range of codes in the transaction's scope, `[lo, hi)`: a prefix's codes; every code for '*'
-- (12-digit codes lie in ['', 9999999999999)); nothing (NULL) when the setting is missing, empty or
-- anything else.
CREATE OR REPLACE FUNCTION tongban_scope_lo() RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN s = '*' THEN '' WHEN s ~ '^[0-9]{{1,12}}$' THEN s END
  FROM (SELECT current_setting('{SCOPE_SETTING}', true) AS s) x
$$;
CREATE OR REPLACE FUNCTION tongban_scope_hi() RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT tongban_prefix_hi(tongban_scope_lo())
$$;
-- The significant digits of a region code: trailing zero groups mark its level
-- (province 2 digits, city 4, county 6, town 9, village 12).
CREATE OR REPLACE FUNCTION tongban_region_prefix(code text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE
    WHEN code ~ '^[0-9]{{2}}0{{10}}$' THEN left(code, 2)
    WHEN code ~ '^[0-9]{{4}}0{{8}}$' THEN left(code, 4)
    WHEN code ~ '^[0-9]{{6}}0{{6}}$' THEN left(code, 6)
    WHEN code ~ '^[0-9]{{9}}000$' THEN left(code, 9)
    ELSE code END
$$;
-- `above` is `code` or one of its ancestors.
CREATE OR REPLACE FUNCTION tongban_covers(above text, code text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT above = code OR starts_with(code, tongban_region_prefix(above))
$$;"
    )
}

/// `col` lies in the transaction's scope, as a range an index can serve: the bounds are read once
/// per statement (an InitPlan), and `*` needs no disjunct of its own.
fn in_scope(col: &str) -> String {
    format!("({col} >= (SELECT tongban_scope_lo()) AND {col} < (SELECT tongban_scope_hi()))")
}

fn policy(table: &str, using: &str, check: &str) -> String {
    format!(
        "ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
         ALTER TABLE {table} FORCE ROW LEVEL SECURITY;
         DROP POLICY IF EXISTS tenant_scope ON {table};
         CREATE POLICY tenant_scope ON {table} USING ({using}) WITH CHECK ({check});"
    )
}

fn tenant_policy(table: &str) -> String {
    let cond = in_scope("tenant_code");
    policy(table, &cond, &cond)
}

fn up_sql() -> Vec<String> {
    let mut out = vec![functions()];
    out.extend(TENANT_TABLES.iter().map(|t| tenant_policy(t)));
    // A delegated implementation (下放) names the tenant above it that delegated it.
    let impl_reach = in_scope("tenant_code");
    out.push(policy(
        "impl_items",
        &impl_reach,
        &format!("{impl_reach} AND (delegated_by IS NULL OR tongban_covers(delegated_by, tenant_code))"),
    ));
    // Cases: in reach through either tenant. A write keeps the two consistent: the same tenant, or
    // the handling tenant above the collecting one (an escalated case forwarded up, 上报件).
    // Cross-area transfers between unrelated tenants (跨域通办) will widen this explicitly.
    let reach = format!("{} OR {}", in_scope("tenant_code"), in_scope("collecting_code"));
    out.push(policy("cases", &reach, &format!("({reach}) AND tongban_covers(tenant_code, collecting_code)")));
    // A case's events and documents: where the case is, and written for a tenant of the case. The
    // case row a statement sees is the one before it (a forward writes its event in the same
    // statement), so the row's tenant must be the collecting tenant or above it.
    for t in ["case_events", "documents"] {
        let via = format!("EXISTS (SELECT 1 FROM cases c WHERE c.id = {t}.case_id)");
        let check = format!(
            "EXISTS (SELECT 1 FROM cases c WHERE c.id = {t}.case_id AND tongban_covers({t}.tenant_code, c.collecting_code))"
        );
        out.push(policy(t, &via, &check));
    }
    // The base catalogue: read by every tenant, written under a scope that covers its owner.
    let owner = in_scope("owner_code");
    let base_owner =
        format!("EXISTS (SELECT 1 FROM base_items b WHERE b.id = base_item_versions.base_item_id AND {owner})");
    for (table, write) in [("base_items", owner.as_str()), ("base_item_versions", base_owner.as_str())] {
        out.push(format!(
            "ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
             ALTER TABLE {table} FORCE ROW LEVEL SECURITY;
             CREATE POLICY catalogue_read ON {table} FOR SELECT USING (true);
             CREATE POLICY catalogue_insert ON {table} FOR INSERT WITH CHECK ({write});
             CREATE POLICY catalogue_update ON {table} FOR UPDATE USING ({write}) WITH CHECK ({write});
             CREATE POLICY catalogue_delete ON {table} FOR DELETE USING ({write});"
        ));
    }
    out
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = m.get_connection();
        for sql in up_sql() {
            db.execute_unprepared(&sql).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = m.get_connection();
        for table in ["base_items", "base_item_versions"] {
            for p in ["catalogue_read", "catalogue_insert", "catalogue_update", "catalogue_delete"] {
                db.execute_unprepared(&format!("DROP POLICY IF EXISTS {p} ON {table}")).await?;
            }
            db.execute_unprepared(&format!(
                "ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY; ALTER TABLE {table} DISABLE ROW LEVEL SECURITY"
            ))
            .await?;
        }
        for t in TENANT_TABLES.iter().chain(&["impl_items"]) {
            db.execute_unprepared(&rls_sql(t)).await?;
        }
        db.execute_unprepared(&rls_sql_reach("cases")).await?;
        for t in ["case_events", "documents"] {
            db.execute_unprepared(&rls_sql_via_case(t)).await?;
        }
        for f in [
            "tongban_covers(text, text)",
            "tongban_region_prefix(text)",
            "tongban_scope_hi()",
            "tongban_scope_lo()",
            "tongban_prefix_hi(text)",
        ] {
            db.execute_unprepared(&format!("DROP FUNCTION IF EXISTS {f}")).await?;
        }
        Ok(())
    }
}
