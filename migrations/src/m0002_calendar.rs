//! The working-day calendar (工作日历).
//!
//! - `calendar_official_days` / `calendar_official_years`: the State Council's national holidays
//!   and make-up workdays, and the years whose official data is loaded. Reference data: the same
//!   for every root tenant, owned by no tenant, written only by the migration and the
//!   `import-calendar` command. They have no `tenant_code`, so no tenant-prefix row-level security
//!   (there is nothing tenant-private to protect; every tenant's clock reads them).
//! - `calendar_days`: a tenant's own entries: the root tenant's edits, or a descendant's local
//!   overrides, keyed by `(tenant_code, day)`. Tenant-owned: row-level security applies.
//! - `calendar_generation`: one row counting calendar changes, so that every process's calendar
//!   cache notices edits and imports made elsewhere (reference data too).
//!
//! Dates are stored as `YYYY-MM-DD` text (Asia/Shanghai dates): portable, and they sort.
//! The migration loads the shipped official 2025–2026 data, so deadlines are right from the first
//! start with no manual step.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{DbBackend, Statement, Value};

use crate::{grants_sql, rls_sql};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CalendarOfficialDays {
    Table,
    Day,
    Workday,
    Name,
}

#[derive(DeriveIden)]
enum CalendarOfficialYears {
    Table,
    Year,
    LoadedAt,
}

#[derive(DeriveIden)]
enum CalendarDays {
    Table,
    TenantCode,
    Day,
    Workday,
    Name,
    UpdatedAt,
    UpdatedBy,
}

#[derive(DeriveIden)]
enum CalendarGeneration {
    Table,
    Id,
    Generation,
}

/// One row of the official data: `(day, workday, name)`.
type OfficialRow = (String, bool, Option<String>);

/// Parses the shipped `date,kind,name` file. The migrations crate does not depend on `domain`;
/// the file is ours and well-formed (the domain's parser tests it), so this only splits it.
fn parse_official(text: &str) -> Result<(Vec<OfficialRow>, Vec<i32>), DbErr> {
    let mut rows = Vec::new();
    let mut years = Vec::new();
    for (i, line) in text.trim_start_matches('\u{feff}').lines().enumerate().skip(1) {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let bad = || DbErr::Custom(format!("shipped holiday data, line {}: {line}", i + 1));
        let mut fields = line.split(',').map(str::trim);
        let (Some(day), Some(kind), Some(name), None) = (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return Err(bad());
        };
        let year: i32 = day.get(..4).and_then(|y| y.parse().ok()).ok_or_else(bad)?;
        let workday = match kind {
            "holiday" => false,
            "workday" => true,
            _ => return Err(bad()),
        };
        if day.len() != 10 {
            return Err(bad());
        }
        if !years.contains(&year) {
            years.push(year);
        }
        rows.push((day.to_owned(), workday, (!name.is_empty()).then(|| name.to_owned())));
    }
    Ok((rows, years))
}

/// `?` placeholders, numbered for PostgreSQL.
fn portable(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    let sql = if backend == DbBackend::Postgres {
        let mut out = String::new();
        let mut n = 0;
        for ch in sql.chars() {
            if ch == '?' {
                n += 1;
                out.push_str(&format!("${n}"));
            } else {
                out.push(ch);
            }
        }
        out
    } else {
        sql.to_owned()
    };
    Statement::from_sql_and_values(backend, sql, values)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(CalendarOfficialDays::Table)
                .col(ColumnDef::new(CalendarOfficialDays::Day).string_len(10).not_null().primary_key())
                .col(ColumnDef::new(CalendarOfficialDays::Workday).boolean().not_null())
                .col(ColumnDef::new(CalendarOfficialDays::Name).text().null())
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(CalendarOfficialYears::Table)
                .col(ColumnDef::new(CalendarOfficialYears::Year).integer().not_null().primary_key())
                .col(ColumnDef::new(CalendarOfficialYears::LoadedAt).timestamp_with_time_zone().not_null())
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(CalendarDays::Table)
                .col(ColumnDef::new(CalendarDays::TenantCode).string_len(12).not_null())
                .col(ColumnDef::new(CalendarDays::Day).string_len(10).not_null())
                .col(ColumnDef::new(CalendarDays::Workday).boolean().not_null())
                .col(ColumnDef::new(CalendarDays::Name).text().null())
                .col(ColumnDef::new(CalendarDays::UpdatedAt).timestamp_with_time_zone().not_null())
                .col(ColumnDef::new(CalendarDays::UpdatedBy).text().not_null())
                .primary_key(Index::create().col(CalendarDays::TenantCode).col(CalendarDays::Day))
                .foreign_key(
                    ForeignKey::create()
                        .from(CalendarDays::Table, CalendarDays::TenantCode)
                        .to(Alias::new("tenants"), Alias::new("code")),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(CalendarGeneration::Table)
                .col(ColumnDef::new(CalendarGeneration::Id).integer().not_null().primary_key())
                .col(ColumnDef::new(CalendarGeneration::Generation).big_integer().not_null())
                .to_owned(),
        )
        .await?;

        let db = m.get_connection();
        let b = m.get_database_backend();
        db.execute_raw(portable(b, "INSERT INTO calendar_generation (id, generation) VALUES (1, 1)", vec![])).await?;
        let (rows, years) = parse_official(crate::seed::HOLIDAYS_2025_2026)?;
        for (day, workday, name) in rows {
            db.execute_raw(portable(
                b,
                "INSERT INTO calendar_official_days (day, workday, name) VALUES (?, ?, ?) ON CONFLICT (day) DO NOTHING",
                vec![day.into(), workday.into(), name.into()],
            ))
            .await?;
        }
        for year in years {
            db.execute_raw(portable(
                b,
                "INSERT INTO calendar_official_years (year, loaded_at) VALUES (?, CURRENT_TIMESTAMP) \
                 ON CONFLICT (year) DO NOTHING",
                vec![year.into()],
            ))
            .await?;
        }

        if b == DbBackend::Postgres {
            db.execute_unprepared(&rls_sql("calendar_days")).await?;
            db.execute_unprepared(&grants_sql()).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["calendar_generation", "calendar_days", "calendar_official_years", "calendar_official_days"] {
            m.drop_table(Table::drop().table(Alias::new(t)).to_owned()).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_data_parses() {
        let (rows, years) = parse_official(crate::seed::HOLIDAYS_2025_2026).expect("parses");
        assert_eq!(years, [2025, 2026]);
        assert_eq!(rows.len(), 72);
        assert_eq!(rows[0], ("2025-01-01".to_owned(), false, Some("元旦".to_owned())));
    }
}
