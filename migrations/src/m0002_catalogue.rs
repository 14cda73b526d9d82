//! Departments, the base catalogue and implementation lists.
//!
//! `departments`, `impl_items` and `impl_item_versions` belong to one tenant each and are under
//! the tenant-prefix row-level security like every tenant-owned table.
//!
//! `base_items` and `base_item_versions` are NOT: the base catalogue is reference data owned by a
//! root tenant (`owner_code`) and read by every descendant (三级四同). A town's transaction is
//! scoped to the town's prefix, which does not cover the city that owns the catalogue, so a
//! tenant-prefix policy would hide the catalogue from exactly the tenants that must implement
//! it. The application scopes catalogue reads by the owner root instead, and only catalogue
//! administrators of that root can write (checked by the one policy).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::{grants_sql, rls_sql};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tenant-owned tables of this migration.
pub const CATALOGUE_TENANT_TABLES: &[&str] = &["departments", "impl_items", "impl_item_versions"];

const TABLES: &str = "
CREATE TABLE departments (
  id VARCHAR(36) NOT NULL PRIMARY KEY,
  tenant_code VARCHAR(12) NOT NULL REFERENCES tenants (code),
  name TEXT NOT NULL,
  credit_code VARCHAR(18) NOT NULL,
  stationed BOOLEAN NOT NULL DEFAULT TRUE,
  created_at TIMESTAMP WITH TIME ZONE NOT NULL,
  UNIQUE (tenant_code, credit_code)
);
CREATE TABLE base_items (
  id VARCHAR(36) NOT NULL PRIMARY KEY,
  owner_code VARCHAR(12) NOT NULL REFERENCES tenants (code),
  base_code VARCHAR(32) NOT NULL,
  name TEXT NOT NULL,
  kind VARCHAR(16) NOT NULL,
  legal_basis TEXT NOT NULL,
  levels TEXT NOT NULL,
  statutory_days INTEGER NOT NULL,
  materials_json TEXT NOT NULL,
  department TEXT NOT NULL,
  default_case_kind VARCHAR(16) NOT NULL,
  default_cross_area VARCHAR(16) NOT NULL,
  version INTEGER NOT NULL,
  updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
  UNIQUE (owner_code, base_code)
);
CREATE TABLE base_item_versions (
  base_item_id VARCHAR(36) NOT NULL REFERENCES base_items (id),
  version INTEGER NOT NULL,
  snapshot_json TEXT NOT NULL,
  created_at TIMESTAMP WITH TIME ZONE NOT NULL,
  PRIMARY KEY (base_item_id, version)
);
CREATE TABLE impl_items (
  id VARCHAR(36) NOT NULL PRIMARY KEY,
  tenant_code VARCHAR(12) NOT NULL REFERENCES tenants (code),
  base_item_id VARCHAR(36) NOT NULL REFERENCES base_items (id),
  department_id VARCHAR(36) NOT NULL REFERENCES departments (id),
  impl_code VARCHAR(80) NOT NULL UNIQUE,
  status VARCHAR(16) NOT NULL,
  version INTEGER NOT NULL,
  local_json TEXT NOT NULL,
  suspend_reason TEXT NULL,
  delegated_by VARCHAR(12) NULL,
  updated_at TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX impl_items_tenant ON impl_items (tenant_code, impl_code);
CREATE INDEX impl_items_base ON impl_items (base_item_id);
CREATE TABLE impl_item_versions (
  impl_item_id VARCHAR(36) NOT NULL REFERENCES impl_items (id),
  tenant_code VARCHAR(12) NOT NULL,
  version INTEGER NOT NULL,
  base_version INTEGER NOT NULL,
  status VARCHAR(16) NOT NULL,
  snapshot_json TEXT NOT NULL,
  created_at TIMESTAMP WITH TIME ZONE NOT NULL,
  PRIMARY KEY (impl_item_id, version)
);
";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        for sql in TABLES.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            db.execute_unprepared(sql).await?;
        }
        if m.get_database_backend() == DbBackend::Postgres {
            for t in CATALOGUE_TENANT_TABLES {
                db.execute_unprepared(&rls_sql(t)).await?;
            }
            db.execute_unprepared(&grants_sql()).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["impl_item_versions", "impl_items", "base_item_versions", "base_items", "departments"] {
            m.drop_table(Table::drop().table(Alias::new(t)).to_owned()).await?;
        }
        Ok(())
    }
}
