use std::collections::{BTreeMap, BTreeSet, HashMap};

use async_trait::async_trait;
use chrono::NaiveDate;
use domain::audit::AuditRecord;
use domain::calendar::CalendarDay;
use domain::ports::{CalendarImportStats, CalendarRepo};
use domain::region::RegionCode;
use domain::tenant::Scope;
use domain::{Error, Result};
use sea_orm::{ConnectionTrait, DatabaseTransaction, QueryResult, Value};

use super::parse_code;
use crate::db::{Db, append_audit, commit, internal, stmt};

fn parse_day(s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| Error::internal(format!("stored calendar day {s} is invalid")))
}

fn day_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn to_day(r: &QueryResult) -> Result<CalendarDay> {
    let day: String = r.try_get("", "day").map_err(internal)?;
    Ok(CalendarDay {
        date: parse_day(&day)?,
        workday: r.try_get("", "workday").map_err(internal)?,
        name: r.try_get("", "name").map_err(internal)?,
    })
}

/// Every change to calendar data bumps the generation, in the change's own transaction.
async fn bump_generation(tx: &DatabaseTransaction) -> Result<()> {
    let b = tx.get_database_backend();
    tx.execute_raw(stmt(b, "UPDATE calendar_generation SET generation = generation + 1 WHERE id = 1", vec![]))
        .await
        .map_err(internal)?;
    Ok(())
}

#[async_trait]
impl CalendarRepo for Db {
    async fn generation(&self) -> Result<i64> {
        let row = self
            .conn
            .query_one_raw(stmt(self.backend(), "SELECT generation FROM calendar_generation WHERE id = 1", vec![]))
            .await
            .map_err(internal)?
            .ok_or_else(|| Error::internal("calendar_generation row missing"))?;
        row.try_get("", "generation").map_err(internal)
    }

    // The official tables are reference data without row-level security: read them directly.
    async fn official(&self) -> Result<(Vec<CalendarDay>, BTreeSet<i32>)> {
        let rows = self
            .conn
            .query_all_raw(stmt(
                self.backend(),
                "SELECT day, workday, name FROM calendar_official_days ORDER BY day",
                vec![],
            ))
            .await
            .map_err(internal)?;
        let days = rows.iter().map(to_day).collect::<Result<Vec<_>>>()?;
        Ok((days, self.official_years().await?))
    }

    async fn official_years(&self) -> Result<BTreeSet<i32>> {
        let rows = self
            .conn
            .query_all_raw(stmt(self.backend(), "SELECT year FROM calendar_official_years", vec![]))
            .await
            .map_err(internal)?;
        rows.iter().map(|r| r.try_get::<i32>("", "year").map_err(internal)).collect()
    }

    async fn entries(&self, scope: &Scope, tenants: &[RegionCode]) -> Result<HashMap<RegionCode, Vec<CalendarDay>>> {
        let mut out: HashMap<RegionCode, Vec<CalendarDay>> = HashMap::new();
        if tenants.is_empty() {
            return Ok(out);
        }
        let tx = self.begin(scope).await?;
        let marks = vec!["?"; tenants.len()].join(", ");
        let values: Vec<Value> = tenants.iter().map(|t| t.as_str().to_owned().into()).collect();
        let rows = tx
            .query_all_raw(stmt(
                self.backend(),
                &format!(
                    "SELECT tenant_code, day, workday, name FROM calendar_days WHERE tenant_code IN ({marks}) ORDER BY day"
                ),
                values,
            ))
            .await
            .map_err(internal)?;
        commit(tx).await?;
        for r in &rows {
            let code: String = r.try_get("", "tenant_code").map_err(internal)?;
            out.entry(parse_code(&code)?).or_default().push(to_day(r)?);
        }
        Ok(out)
    }

    async fn set_day(&self, tenant: &RegionCode, day: &CalendarDay, by: &str, audit: AuditRecord) -> Result<()> {
        let tx = self.begin(&Scope::only(tenant)).await?;
        tx.execute_raw(stmt(
            self.backend(),
            "INSERT INTO calendar_days (tenant_code, day, workday, name, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (tenant_code, day) DO UPDATE SET workday = excluded.workday, name = excluded.name,
               updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            vec![
                tenant.as_str().to_owned().into(),
                day_text(day.date).into(),
                day.workday.into(),
                day.name.clone().into(),
                audit.at.into(),
                by.to_owned().into(),
            ],
        ))
        .await
        .map_err(internal)?;
        bump_generation(&tx).await?;
        append_audit(&tx, &audit).await?;
        commit(tx).await
    }

    async fn import_official(
        &self,
        days: &[CalendarDay],
        years: &BTreeSet<i32>,
        audits: Vec<AuditRecord>,
    ) -> Result<CalendarImportStats> {
        let b = self.backend();
        // System work: audit entries go to every root tenant's chain.
        let tx = self.begin(&Scope::All).await?;
        let mut stats = CalendarImportStats::default();
        let loaded_at = audits.first().map_or_else(chrono::Utc::now, |a| a.at);
        for year in years {
            let existing: BTreeMap<NaiveDate, CalendarDay> = tx
                .query_all_raw(stmt(
                    b,
                    "SELECT day, workday, name FROM calendar_official_days WHERE day >= ? AND day <= ?",
                    vec![format!("{year:04}-01-01").into(), format!("{year:04}-12-31").into()],
                ))
                .await
                .map_err(internal)?
                .iter()
                .map(|r| to_day(r).map(|d| (d.date, d)))
                .collect::<Result<_>>()?;
            let in_file: BTreeSet<NaiveDate> =
                days.iter().filter(|d| chrono::Datelike::year(&d.date) == *year).map(|d| d.date).collect();
            for gone in existing.keys().filter(|d| !in_file.contains(d)) {
                tx.execute_raw(stmt(
                    b,
                    "DELETE FROM calendar_official_days WHERE day = ?",
                    vec![day_text(*gone).into()],
                ))
                .await
                .map_err(internal)?;
                stats.removed += 1;
            }
            for day in days.iter().filter(|d| chrono::Datelike::year(&d.date) == *year) {
                match existing.get(&day.date) {
                    Some(old) if old == day => {
                        stats.unchanged += 1;
                        continue;
                    }
                    Some(_) => stats.updated += 1,
                    None => stats.inserted += 1,
                }
                tx.execute_raw(stmt(
                    b,
                    "INSERT INTO calendar_official_days (day, workday, name) VALUES (?, ?, ?)
                     ON CONFLICT (day) DO UPDATE SET workday = excluded.workday, name = excluded.name",
                    vec![day_text(day.date).into(), day.workday.into(), day.name.clone().into()],
                ))
                .await
                .map_err(internal)?;
            }
            let known = tx
                .query_one_raw(stmt(b, "SELECT year FROM calendar_official_years WHERE year = ?", vec![(*year).into()]))
                .await
                .map_err(internal)?;
            if known.is_none() {
                tx.execute_raw(stmt(
                    b,
                    "INSERT INTO calendar_official_years (year, loaded_at) VALUES (?, ?)",
                    vec![(*year).into(), loaded_at.into()],
                ))
                .await
                .map_err(internal)?;
                stats.new_years += 1;
            }
        }
        if stats.changed() {
            bump_generation(&tx).await?;
            for audit in &audits {
                append_audit(&tx, audit).await?;
            }
        }
        commit(tx).await?;
        Ok(stats)
    }

    async fn root_tenant_codes(&self) -> Result<Vec<RegionCode>> {
        let rows = self
            .conn
            .query_all_raw(stmt(
                self.backend(),
                "SELECT code FROM tenants WHERE root = ? ORDER BY code",
                vec![true.into()],
            ))
            .await
            .map_err(internal)?;
        rows.iter()
            .map(|r| {
                let code: String = r.try_get("", "code").map_err(internal)?;
                parse_code(&code)
            })
            .collect()
    }
}
