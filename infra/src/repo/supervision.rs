//! Ratings, rectifications, complaints and the figures of statistics.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use domain::audit::AuditRecord;
use domain::region::RegionCode;
use domain::supervision::{
    CaseCounts, Complaint, ComplaintStatus, Duration, Period, Rating, Rectification, RectificationStatus, StatsData,
    StatsGrain, SupervisionRepo,
};
use domain::tenant::Scope;
use domain::{Error, Result};
use sea_orm::{ConnectionTrait, DatabaseTransaction, QueryResult, Value};
use uuid::Uuid;

use super::case_stats::{Share, apply, rating_share};
use super::{parse_code, parse_id};
use crate::db::{Db, append_audit, commit, conflict_or_internal, internal, stmt};

fn get<T: sea_orm::TryGetable>(r: &QueryResult, col: &str) -> Result<T> {
    r.try_get("", col).map_err(internal)
}

fn opt_id(s: Option<String>) -> Result<Option<Uuid>> {
    s.as_deref().map(parse_id).transpose()
}

/// `col` within the scope, as a range an index serves (`[lo, hi)`), with its two values.
fn in_scope(col: &str, scope: &Scope) -> (String, Vec<Value>) {
    match scope {
        Scope::All => ("1 = 1".to_owned(), vec![]),
        Scope::Subtree(p) => (format!("({col} >= ? AND {col} < ?)"), vec![p.clone().into(), prefix_hi(p).into()]),
    }
}

/// The first code after every code starting with `p` (digits only).
fn prefix_hi(p: &str) -> String {
    let trimmed = p.trim_end_matches('9');
    match trimmed.chars().last() {
        None => "9999999999999".to_owned(),
        Some(c) => {
            let mut s = trimmed[..trimmed.len() - 1].to_owned();
            s.push(char::from(c as u8 + 1));
            s
        }
    }
}

const RATING_COLS: &str = "id, case_id, case_no, tenant_code, impl_item_id, item_name, department_id, department_name, \
     level, channel, comment, at";

fn to_rating(r: &QueryResult) -> Result<Rating> {
    Ok(Rating {
        id: parse_id(&get::<String>(r, "id")?)?,
        case_id: parse_id(&get::<String>(r, "case_id")?)?,
        case_no: get(r, "case_no")?,
        tenant: parse_code(&get::<String>(r, "tenant_code")?)?,
        impl_item_id: parse_id(&get::<String>(r, "impl_item_id")?)?,
        item_name: get(r, "item_name")?,
        department_id: opt_id(get(r, "department_id")?)?,
        department: get(r, "department_name")?,
        level: get::<i32>(r, "level")?.clamp(1, 5) as u8,
        channel: get(r, "channel")?,
        comment: get(r, "comment")?,
        at: get::<DateTime<Utc>>(r, "at")?,
    })
}

const RECT_COLS: &str = "id, rating_id, tenant_code, case_no, level, department_id, department_name, status, deadline, \
     callback, outcome, appeal_reason, decision, created_at, updated_at";

fn to_rect(r: &QueryResult) -> Result<Rectification> {
    Ok(Rectification {
        id: parse_id(&get::<String>(r, "id")?)?,
        rating_id: parse_id(&get::<String>(r, "rating_id")?)?,
        tenant: parse_code(&get::<String>(r, "tenant_code")?)?,
        case_no: get(r, "case_no")?,
        level: get::<i32>(r, "level")?.clamp(1, 5) as u8,
        department_id: opt_id(get(r, "department_id")?)?,
        department: get(r, "department_name")?,
        status: RectificationStatus::parse(&get::<String>(r, "status")?)?,
        deadline: get::<NaiveDate>(r, "deadline")?,
        callback: get(r, "callback")?,
        outcome: get(r, "outcome")?,
        appeal_reason: get(r, "appeal_reason")?,
        decision: get(r, "decision")?,
        created_at: get(r, "created_at")?,
        updated_at: get(r, "updated_at")?,
    })
}

const COMPLAINT_COLS: &str = "id, tenant_code, case_no, content, contact, status, filed_on, days, deadline, \
     extension_reason, result, filed_at, resolved_at";

fn to_complaint(r: &QueryResult) -> Result<Complaint> {
    Ok(Complaint {
        id: parse_id(&get::<String>(r, "id")?)?,
        tenant: parse_code(&get::<String>(r, "tenant_code")?)?,
        case_no: get(r, "case_no")?,
        content: get(r, "content")?,
        contact: get(r, "contact")?,
        status: ComplaintStatus::parse(&get::<String>(r, "status")?)?,
        filed_on: get(r, "filed_on")?,
        days: i64::from(get::<i32>(r, "days")?),
        deadline: get(r, "deadline")?,
        extension_reason: get(r, "extension_reason")?,
        result: get(r, "result")?,
        filed_at: get(r, "filed_at")?,
        resolved_at: get(r, "resolved_at")?,
    })
}

/// Rows of `table` after the row `after` in the order `time DESC, id DESC`. A cursor from
/// another tenant is hidden by row-level security (on PostgreSQL) and then matches nothing.
fn keyset_after(table: &str, time: &str, after: Option<Uuid>) -> (String, Vec<Value>) {
    match after {
        None => ("1 = 1".to_owned(), vec![]),
        Some(id) => {
            (format!("({time}, id) < (SELECT {time}, id FROM {table} WHERE id = ?)"), vec![id.to_string().into()])
        }
    }
}

fn statuses_in(col: &str, statuses: &[&'static str]) -> (String, Vec<Value>) {
    if statuses.is_empty() {
        return ("1 = 1".to_owned(), vec![]);
    }
    let marks = vec!["?"; statuses.len()].join(", ");
    (format!("{col} IN ({marks})"), statuses.iter().map(|s| Value::from(*s)).collect())
}

impl Db {
    async fn one<T>(
        &self,
        scope: &Scope,
        sql: &str,
        values: Vec<Value>,
        map: fn(&QueryResult) -> Result<T>,
    ) -> Result<Option<T>> {
        let tx = self.begin(scope).await?;
        let row = tx.query_one_raw(stmt(self.backend(), sql, values)).await.map_err(internal)?;
        commit(tx).await?;
        row.as_ref().map(map).transpose()
    }

    async fn all<T>(
        &self,
        scope: &Scope,
        sql: &str,
        values: Vec<Value>,
        map: fn(&QueryResult) -> Result<T>,
    ) -> Result<Vec<T>> {
        let tx = self.begin(scope).await?;
        let rows = tx.query_all_raw(stmt(self.backend(), sql, values)).await.map_err(internal)?;
        commit(tx).await?;
        rows.iter().map(map).collect()
    }
}

/// Runs one statement in `tx`; false when it changed no row.
/// One row updated where it still has the status the caller read, with its audit entry; false
/// (nothing written) when another step changed it first.
/// With `rating`, that rating's share of the statistics summary moves with the update.
async fn update_from(
    db: &Db,
    tenant: &RegionCode,
    rating: Option<Uuid>,
    sql: &str,
    values: Vec<Value>,
    audit: &AuditRecord,
) -> Result<bool> {
    let tx = db.begin(&Scope::only(tenant)).await?;
    let before = match rating {
        Some(id) => Some(rating_share(&tx, id).await?),
        None => None,
    };
    let res = tx.execute_raw(stmt(tx.get_database_backend(), sql, values)).await.map_err(internal)?;
    if res.rows_affected() == 0 {
        tx.rollback().await.map_err(internal)?;
        return Ok(false);
    }
    if let (Some(id), Some(before)) = (rating, before) {
        apply(&tx, before, rating_share(&tx, id).await?).await?;
    }
    append_audit(&tx, audit).await?;
    commit(tx).await?;
    Ok(true)
}

#[async_trait]
impl SupervisionRepo for Db {
    async fn rate(&self, g: &Rating, rect: Option<&Rectification>, audit: AuditRecord) -> Result<bool> {
        let tx = self.begin(&Scope::only(&g.tenant)).await?;
        let inserted = tx
            .execute_raw(stmt(
                self.backend(),
                &format!(
                    "INSERT INTO ratings ({RATING_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                     ON CONFLICT (case_id) DO NOTHING"
                ),
                vec![
                    g.id.to_string().into(),
                    g.case_id.to_string().into(),
                    g.case_no.clone().into(),
                    g.tenant.as_str().to_owned().into(),
                    g.impl_item_id.to_string().into(),
                    g.item_name.clone().into(),
                    g.department_id.map(|d| d.to_string()).into(),
                    g.department.clone().into(),
                    i32::from(g.level).into(),
                    g.channel.clone().into(),
                    g.comment.clone().into(),
                    g.at.into(),
                ],
            ))
            .await
            .map_err(internal)?;
        if inserted.rows_affected() == 0 {
            tx.rollback().await.map_err(internal)?;
            return Ok(false);
        }
        if let Some(r) = rect {
            insert_rect(&tx, r).await?;
        }
        apply(&tx, Share::default(), rating_share(&tx, g.id).await?).await?;
        append_audit(&tx, &audit).await?;
        commit(tx).await?;
        Ok(true)
    }

    async fn rating(&self, scope: &Scope, id: Uuid) -> Result<Option<Rating>> {
        let sql = format!("SELECT {RATING_COLS} FROM ratings WHERE id = ?");
        self.one(scope, &sql, vec![id.to_string().into()], to_rating)
            .await
            .map(|r| r.filter(|g| scope.contains(&g.tenant)))
    }

    async fn rating_of_case(&self, scope: &Scope, case_id: Uuid) -> Result<Option<Rating>> {
        let sql = format!("SELECT {RATING_COLS} FROM ratings WHERE case_id = ?");
        self.one(scope, &sql, vec![case_id.to_string().into()], to_rating)
            .await
            .map(|r| r.filter(|g| scope.contains(&g.tenant)))
    }

    async fn rectification(&self, scope: &Scope, id: Uuid) -> Result<Option<Rectification>> {
        let sql = format!("SELECT {RECT_COLS} FROM rectifications WHERE id = ?");
        self.one(scope, &sql, vec![id.to_string().into()], to_rect)
            .await
            .map(|r| r.filter(|x| scope.contains(&x.tenant)))
    }

    async fn rectification_of_rating(&self, scope: &Scope, rating: Uuid) -> Result<Option<Rectification>> {
        let sql = format!("SELECT {RECT_COLS} FROM rectifications WHERE rating_id = ?");
        self.one(scope, &sql, vec![rating.to_string().into()], to_rect)
            .await
            .map(|r| r.filter(|x| scope.contains(&x.tenant)))
    }

    async fn rectifications(
        &self,
        scope: &Scope,
        statuses: &[RectificationStatus],
        limit: u32,
        after: Option<Uuid>,
    ) -> Result<Vec<Rectification>> {
        let (cond, mut values) = in_scope("tenant_code", scope);
        let (st, sv) = statuses_in("status", &statuses.iter().map(|s| s.as_str()).collect::<Vec<_>>());
        values.extend(sv);
        let (past, pv) = keyset_after("rectifications", "created_at", after);
        values.extend(pv);
        values.push(i64::from(limit).into());
        let sql = format!(
            "SELECT {RECT_COLS} FROM rectifications WHERE {cond} AND {st} AND {past} \
             ORDER BY created_at DESC, id DESC LIMIT ?"
        );
        self.all(scope, &sql, values, to_rect).await
    }

    async fn update_rectification(
        &self,
        r: &Rectification,
        from: RectificationStatus,
        audit: AuditRecord,
    ) -> Result<bool> {
        // An overturned rating leaves the statistics; upheld again it returns.
        update_from(
            self,
            &r.tenant,
            Some(r.rating_id),
            "UPDATE rectifications SET status = ?, callback = ?, outcome = ?, appeal_reason = ?, decision = ?, updated_at = ?
             WHERE id = ? AND tenant_code = ? AND status = ?",
            vec![
                r.status.as_str().into(),
                r.callback.clone().into(),
                r.outcome.clone().into(),
                r.appeal_reason.clone().into(),
                r.decision.clone().into(),
                r.updated_at.into(),
                r.id.to_string().into(),
                r.tenant.as_str().to_owned().into(),
                from.as_str().into(),
            ],
            &audit,
        )
        .await
    }

    async fn rectification_days(&self, root: &RegionCode) -> Result<Option<i64>> {
        let tx = self.begin(&Scope::only(root)).await?;
        let row = tx
            .query_one_raw(stmt(
                self.backend(),
                "SELECT rectification_days FROM supervision_settings WHERE tenant_code = ?",
                vec![root.as_str().to_owned().into()],
            ))
            .await
            .map_err(internal)?;
        commit(tx).await?;
        row.map(|r| get::<i32>(&r, "rectification_days").map(i64::from)).transpose()
    }

    async fn set_rectification_days(&self, root: &RegionCode, days: i64, by: &str, audit: AuditRecord) -> Result<()> {
        let tx = self.begin(&Scope::only(root)).await?;
        tx.execute_raw(stmt(
            self.backend(),
            "INSERT INTO supervision_settings (tenant_code, rectification_days, updated_at, updated_by) VALUES (?, ?, ?, ?)
             ON CONFLICT (tenant_code) DO UPDATE SET rectification_days = excluded.rectification_days,
               updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            vec![
                root.as_str().to_owned().into(),
                i32::try_from(days).map_err(|_| Error::invalid("整改期限无效"))?.into(),
                audit.at.into(),
                by.to_owned().into(),
            ],
        ))
        .await
        .map_err(internal)?;
        append_audit(&tx, &audit).await?;
        commit(tx).await
    }

    async fn file_complaint(&self, c: &Complaint, audit: AuditRecord) -> Result<()> {
        let tx = self.begin(&Scope::only(&c.tenant)).await?;
        tx.execute_raw(stmt(
            self.backend(),
            &format!("INSERT INTO complaints ({COMPLAINT_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
            vec![
                c.id.to_string().into(),
                c.tenant.as_str().to_owned().into(),
                c.case_no.clone().into(),
                c.content.clone().into(),
                c.contact.clone().into(),
                c.status.as_str().into(),
                c.filed_on.into(),
                i32::try_from(c.days).unwrap_or(i32::MAX).into(),
                c.deadline.into(),
                c.extension_reason.clone().into(),
                c.result.clone().into(),
                c.filed_at.into(),
                c.resolved_at.into(),
            ],
        ))
        .await
        .map_err(|e| conflict_or_internal(e, "投诉已存在"))?;
        append_audit(&tx, &audit).await?;
        commit(tx).await
    }

    async fn complaint(&self, scope: &Scope, id: Uuid) -> Result<Option<Complaint>> {
        let sql = format!("SELECT {COMPLAINT_COLS} FROM complaints WHERE id = ?");
        self.one(scope, &sql, vec![id.to_string().into()], to_complaint)
            .await
            .map(|r| r.filter(|c| scope.contains(&c.tenant)))
    }

    async fn complaints(
        &self,
        scope: &Scope,
        statuses: &[ComplaintStatus],
        limit: u32,
        after: Option<Uuid>,
    ) -> Result<Vec<Complaint>> {
        let (cond, mut values) = in_scope("tenant_code", scope);
        let (st, sv) = statuses_in("status", &statuses.iter().map(|s| s.as_str()).collect::<Vec<_>>());
        values.extend(sv);
        let (past, pv) = keyset_after("complaints", "filed_at", after);
        values.extend(pv);
        values.push(i64::from(limit).into());
        let sql = format!(
            "SELECT {COMPLAINT_COLS} FROM complaints WHERE {cond} AND {st} AND {past} \
             ORDER BY filed_at DESC, id DESC LIMIT ?"
        );
        self.all(scope, &sql, values, to_complaint).await
    }

    async fn update_complaint(&self, c: &Complaint, from: ComplaintStatus, audit: AuditRecord) -> Result<bool> {
        update_from(
            self,
            &c.tenant,
            None,
            "UPDATE complaints SET status = ?, days = ?, deadline = ?, extension_reason = ?, result = ?, resolved_at = ?
             WHERE id = ? AND tenant_code = ? AND status = ?",
            vec![
                c.status.as_str().into(),
                i32::try_from(c.days).unwrap_or(i32::MAX).into(),
                c.deadline.into(),
                c.extension_reason.clone().into(),
                c.result.clone().into(),
                c.resolved_at.into(),
                c.id.to_string().into(),
                c.tenant.as_str().to_owned().into(),
                from.as_str().into(),
            ],
            &audit,
        )
        .await
    }

    async fn stats(&self, scope: &Scope, p: &Period, staff: bool) -> Result<StatsData> {
        stats(self, scope, p, staff).await
    }

    async fn daily(&self, scope: &Scope, p: &Period) -> Result<Vec<(NaiveDate, CaseCounts)>> {
        let (scope_t, mut values) = in_scope("s.tenant_code", scope);
        let sql = format!(
            "SELECT s.day, SUM(s.received) AS received, SUM(s.accepted) AS accepted, SUM(s.concluded) AS concluded,
               SUM(s.on_time) AS on_time, SUM(s.late) + SUM(CASE WHEN s.day < ? THEN s.open_due ELSE 0 END) AS overdue,
               SUM(s.cross_in) AS cross_in, SUM(s.rejected) AS rejected, SUM(s.ratings) AS ratings, SUM(s.bad) AS bad
             FROM case_stats s WHERE {scope_t} AND s.day >= ? AND s.day <= ?
             GROUP BY s.day ORDER BY s.day"
        );
        values.insert(0, p.today.into());
        values.extend([p.from.into(), p.to.into()]);
        let tx = self.begin(scope).await?;
        let rows = tx.query_all_raw(stmt(self.backend(), &sql, values)).await.map_err(internal)?;
        commit(tx).await?;
        rows.iter()
            .map(|r| {
                let c = CaseCounts {
                    received: count(r, "received")?,
                    accepted: count(r, "accepted")?,
                    concluded: count(r, "concluded")?,
                    on_time: count(r, "on_time")?,
                    overdue: count(r, "overdue")?,
                    cross_area_in: count(r, "cross_in")?,
                    rejected: count(r, "rejected")?,
                    ratings: count(r, "ratings")?,
                    bad_ratings: count(r, "bad")?,
                };
                Ok((get::<NaiveDate>(r, "day")?, c))
            })
            .filter(|r| r.as_ref().map_or(true, |(_, c)| *c != CaseCounts::default()))
            .collect()
    }
}

async fn insert_rect(tx: &DatabaseTransaction, r: &Rectification) -> Result<()> {
    tx.execute_raw(stmt(
        tx.get_database_backend(),
        &format!("INSERT INTO rectifications ({RECT_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
        vec![
            r.id.to_string().into(),
            r.rating_id.to_string().into(),
            r.tenant.as_str().to_owned().into(),
            r.case_no.clone().into(),
            i32::from(r.level).into(),
            r.department_id.map(|d| d.to_string()).into(),
            r.department.clone().into(),
            r.status.as_str().into(),
            r.deadline.into(),
            r.callback.clone().into(),
            r.outcome.clone().into(),
            r.appeal_reason.clone().into(),
            r.decision.clone().into(),
            r.created_at.into(),
            r.updated_at.into(),
        ],
    ))
    .await
    .map_err(internal)?;
    Ok(())
}

fn grain(r: &QueryResult, staff: bool) -> Result<StatsGrain> {
    Ok(StatsGrain {
        tenant: parse_code(&get::<String>(r, "tenant_code")?)?,
        impl_item_id: parse_id(&get::<String>(r, "impl_item_id")?)?,
        item_name: get::<Option<String>>(r, "item_name")?.unwrap_or_default(),
        department_id: opt_id(get(r, "department_id")?)?,
        department: get::<Option<String>>(r, "department_name")?.unwrap_or_default(),
        staff: if staff { Some(get::<String>(r, "staff")?).filter(|s| !s.is_empty()) } else { None },
    })
}

fn count(r: &QueryResult, col: &str) -> Result<i64> {
    // SUM over no rows is NULL; SQLite and PostgreSQL type sums differently.
    if let Ok(v) = r.try_get::<Option<i64>>("", col) {
        return Ok(v.unwrap_or(0));
    }
    let v: Option<sea_orm::prelude::Decimal> = get(r, col)?;
    Ok(v.map(|d| d.to_string().parse::<i64>().unwrap_or(0)).unwrap_or(0))
}

/// Statistics read from the summary (`case_stats`, m0019) over the days of the period: the rows of
/// the subtree's tenants, their items' names and departments joined once per group.
async fn stats(db: &Db, scope: &Scope, p: &Period, staff: bool) -> Result<StatsData> {
    let b = db.backend();
    let tx = db.begin(scope).await?;
    let (scope_t, scope_v) = in_scope("s.tenant_code", scope);
    let staff_col = if staff { ", s.staff" } else { "" };
    let names = "LEFT JOIN impl_items i ON i.id = s.impl_item_id LEFT JOIN base_items bi ON bi.id = i.base_item_id
                 LEFT JOIN departments d ON d.id = i.department_id";
    let sql = format!(
        "SELECT s.*, bi.name AS item_name, i.department_id, d.name AS department_name FROM (
           SELECT s.tenant_code, s.impl_item_id{staff_col},
             SUM(s.received) AS received, SUM(s.accepted) AS accepted, SUM(s.concluded) AS concluded,
             SUM(s.on_time) AS on_time,
             SUM(s.late) + SUM(CASE WHEN s.day < ? THEN s.open_due ELSE 0 END) AS overdue,
             SUM(s.cross_in) AS cross_in, SUM(s.rejected) AS rejected,
             SUM(s.ratings) AS ratings, SUM(s.bad) AS bad
           FROM case_stats s WHERE {scope_t} AND s.day >= ? AND s.day <= ?
           GROUP BY s.tenant_code, s.impl_item_id{staff_col}
           -- rows a case left (or only took in for another tenant) count nothing here
           HAVING SUM(s.received) <> 0 OR SUM(s.accepted) <> 0 OR SUM(s.concluded) <> 0 OR SUM(s.open_due) <> 0
             OR SUM(s.ratings) <> 0) s {names}"
    );
    let mut values = vec![p.today.into()];
    values.extend(scope_v.clone());
    values.extend([p.from.into(), p.to.into()]);
    let rows = tx.query_all_raw(stmt(b, &sql, values)).await.map_err(internal)?;
    let mut counts = Vec::with_capacity(rows.len());
    for r in &rows {
        counts.push((
            grain(r, staff)?,
            CaseCounts {
                received: count(r, "received")?,
                accepted: count(r, "accepted")?,
                concluded: count(r, "concluded")?,
                on_time: count(r, "on_time")?,
                overdue: count(r, "overdue")?,
                cross_area_in: count(r, "cross_in")?,
                rejected: count(r, "rejected")?,
                ratings: count(r, "ratings")?,
                bad_ratings: count(r, "bad")?,
            },
        ));
    }
    // Concluded cases by acceptance and conclusion day, for the average working days; their grains
    // (names and departments) are those of the counts, every one of them having concluded cases.
    let grains: HashMap<(RegionCode, Uuid, Option<String>), &StatsGrain> =
        counts.iter().map(|(g, _)| ((g.tenant, g.impl_item_id, g.staff.clone()), g)).collect();
    let sql = format!(
        "SELECT s.tenant_code, s.impl_item_id{staff_col}, s.since, s.day, SUM(s.spans) AS n
         FROM case_stats s WHERE {scope_t} AND s.day >= ? AND s.day <= ? AND s.spans <> 0
         GROUP BY s.tenant_code, s.impl_item_id{staff_col}, s.since, s.day"
    );
    let mut values = scope_v;
    values.extend([p.from.into(), p.to.into()]);
    let mut durations = Vec::new();
    for r in &tx.query_all_raw(stmt(b, &sql, values)).await.map_err(internal)? {
        let tenant = parse_code(&get::<String>(r, "tenant_code")?)?;
        let item = parse_id(&get::<String>(r, "impl_item_id")?)?;
        let who = if staff { Some(get::<String>(r, "staff")?).filter(|s| !s.is_empty()) } else { None };
        let grain = match grains.get(&(tenant, item, who.clone())) {
            Some(g) => (*g).clone(),
            None => StatsGrain {
                tenant,
                impl_item_id: item,
                item_name: String::new(),
                department_id: None,
                department: String::new(),
                staff: who,
            },
        };
        durations.push(Duration {
            grain,
            accepted_on: get(r, "since")?,
            concluded_on: get(r, "day")?,
            n: count(r, "n")?,
        });
    }
    // Taken in here, handled elsewhere.
    let (scope_c, scope_cv) = in_scope("s.collecting_code", scope);
    let sql = format!(
        "SELECT s.collecting_code{staff_col}, SUM(s.out_n) AS n FROM case_stats s
         WHERE {scope_c} AND s.day >= ? AND s.day <= ? AND s.out_n <> 0
         GROUP BY s.collecting_code{staff_col}"
    );
    let mut values = scope_cv;
    values.extend([p.from.into(), p.to.into()]);
    let mut out = Vec::new();
    for r in &tx.query_all_raw(stmt(b, &sql, values)).await.map_err(internal)? {
        let staff = if staff { Some(get::<String>(r, "staff")?).filter(|s| !s.is_empty()) } else { None };
        out.push((parse_code(&get::<String>(r, "collecting_code")?)?, staff, count(r, "n")?));
    }
    commit(tx).await?;
    Ok(StatsData { counts, durations, out })
}

#[cfg(test)]
mod tests {
    #[test]
    fn prefix_ranges() {
        assert_eq!(super::prefix_hi("6104"), "6105");
        assert_eq!(super::prefix_hi("610499"), "6105");
        assert_eq!(super::prefix_hi("99"), "9999999999999");
    }
}
