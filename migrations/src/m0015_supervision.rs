//! Supervision (domain.md §6): ratings (好差评), the rectifications bad ones open, complaints, and a
//! root tenant's rectification deadline. On PostgreSQL each table is walled by its `tenant_code` like
//! the tables of m0012.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::grants_sql;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: &[&str] = &["ratings", "rectifications", "complaints", "supervision_settings"];

fn a(s: &str) -> Alias {
    Alias::new(s)
}

fn id(c: &str) -> ColumnDef {
    ColumnDef::new(a(c)).string_len(36).not_null().to_owned()
}

fn code(c: &str) -> ColumnDef {
    ColumnDef::new(a(c)).string_len(12).not_null().to_owned()
}

fn text(c: &str) -> ColumnDef {
    ColumnDef::new(a(c)).text().not_null().to_owned()
}

fn text_null(c: &str) -> ColumnDef {
    ColumnDef::new(a(c)).text().null().to_owned()
}

fn at(c: &str) -> ColumnDef {
    ColumnDef::new(a(c)).timestamp_with_time_zone().not_null().to_owned()
}

fn int(c: &str) -> ColumnDef {
    ColumnDef::new(a(c)).integer().not_null().to_owned()
}

fn date(c: &str) -> ColumnDef {
    ColumnDef::new(a(c)).date().not_null().to_owned()
}

fn tables() -> Vec<TableCreateStatement> {
    vec![
        Table::create()
            .table(a("ratings"))
            .col(id("id").primary_key())
            .col(id("case_id").unique_key())
            .col(ColumnDef::new(a("case_no")).string_len(50).not_null())
            .col(code("tenant_code"))
            .col(id("impl_item_id"))
            .col(text("item_name"))
            .col(ColumnDef::new(a("department_id")).string_len(36).null())
            .col(text("department_name"))
            .col(int("level"))
            .col(ColumnDef::new(a("channel")).string_len(20).not_null())
            .col(text_null("comment"))
            .col(at("at"))
            .to_owned(),
        Table::create()
            .table(a("rectifications"))
            .col(id("id").primary_key())
            .col(id("rating_id").unique_key())
            .col(code("tenant_code"))
            .col(ColumnDef::new(a("case_no")).string_len(50).not_null())
            .col(int("level"))
            .col(ColumnDef::new(a("department_id")).string_len(36).null())
            .col(text("department_name"))
            .col(ColumnDef::new(a("status")).string_len(12).not_null())
            .col(date("deadline"))
            .col(text_null("callback"))
            .col(text_null("outcome"))
            .col(text_null("appeal_reason"))
            .col(text_null("decision"))
            .col(at("created_at"))
            .col(at("updated_at"))
            .foreign_key(ForeignKey::create().from(a("rectifications"), a("rating_id")).to(a("ratings"), a("id")))
            .to_owned(),
        Table::create()
            .table(a("complaints"))
            .col(id("id").primary_key())
            .col(code("tenant_code"))
            .col(ColumnDef::new(a("case_no")).string_len(50).null())
            .col(text("content"))
            .col(text("contact"))
            .col(ColumnDef::new(a("status")).string_len(12).not_null())
            .col(date("filed_on"))
            .col(int("days"))
            .col(date("deadline"))
            .col(text_null("extension_reason"))
            .col(text_null("result"))
            .col(at("filed_at"))
            .col(ColumnDef::new(a("resolved_at")).timestamp_with_time_zone().null())
            .foreign_key(ForeignKey::create().from(a("complaints"), a("tenant_code")).to(a("tenants"), a("code")))
            .to_owned(),
        Table::create()
            .table(a("supervision_settings"))
            .col(code("tenant_code").primary_key())
            .col(int("rectification_days"))
            .col(at("updated_at"))
            .col(text("updated_by"))
            .foreign_key(
                ForeignKey::create().from(a("supervision_settings"), a("tenant_code")).to(a("tenants"), a("code")),
            )
            .to_owned(),
    ]
}

const INDEXES: &[&str] = &[
    "CREATE INDEX ratings_tenant_at ON ratings (tenant_code, at)",
    "CREATE INDEX rectifications_tenant_status ON rectifications (tenant_code, status)",
    "CREATE INDEX complaints_tenant_status ON complaints (tenant_code, status)",
];

/// The policy of m0012: the row's tenant lies in the transaction's scope, as an index range.
fn policy(table: &str) -> String {
    let cond = "(tenant_code >= (SELECT tongban_scope_lo()) AND tenant_code < (SELECT tongban_scope_hi()))";
    format!(
        "ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
         ALTER TABLE {table} FORCE ROW LEVEL SECURITY;
         DROP POLICY IF EXISTS tenant_scope ON {table};
         CREATE POLICY tenant_scope ON {table} USING ({cond}) WITH CHECK ({cond});"
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in tables() {
            m.create_table(t).await?;
        }
        let db = m.get_connection();
        for sql in INDEXES {
            db.execute_unprepared(sql).await?;
        }
        if m.get_database_backend() == DbBackend::Postgres {
            for t in TABLES {
                db.execute_unprepared(&policy(t)).await?;
            }
            db.execute_unprepared(&grants_sql()).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["rectifications", "ratings", "complaints", "supervision_settings"] {
            m.drop_table(Table::drop().table(a(t)).to_owned()).await?;
        }
        Ok(())
    }
}
