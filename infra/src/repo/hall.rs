//! Windows with their items and A/B staff, approver authorizations, recorded queue calls.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use domain::audit::AuditRecord;
use domain::catalogue::CaseKind;
use domain::hall::{ApproverStanding, Post, ReviewedItem, Window, WindowKind};
use domain::ports::{CallRecord, HallRepo};
use domain::region::RegionCode;
use domain::tenant::Scope;
use domain::{Error, Result};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, QueryResult, Statement, Value};
use uuid::Uuid;

use super::{parse_code, parse_id};
use crate::db::{Db, append_audit, commit, conflict_or_internal, internal, stmt};

fn get<T: sea_orm::TryGetable>(r: &QueryResult, col: &str) -> Result<T> {
    r.try_get("", col).map_err(internal)
}

fn opt_id(v: Option<String>) -> Result<Option<Uuid>> {
    v.as_deref().map(parse_id).transpose()
}

/// The statement [`approver_standing`] reads: one row per fact, tagged with what it is (authorized
/// item, chief post, own department, or one of the tenant's items with its lead department and local
/// fields).
pub(crate) fn approver_standing_stmt(b: DbBackend, tenant: &RegionCode, user: Uuid) -> Statement {
    let (t, u) = (tenant.as_str().to_owned(), user.to_string());
    let sql = "SELECT 'a' AS k, impl_item_id AS id, NULL AS dep, NULL AS local FROM approver_items \
               WHERE tenant_code = ? AND user_id = ? \
               UNION ALL SELECT 'c', department_id, NULL, NULL FROM chief_representatives \
               WHERE tenant_code = ? AND user_id = ? \
               UNION ALL SELECT 'u', department_id, NULL, NULL FROM users WHERE tenant_code = ? AND id = ? \
               UNION ALL SELECT 'i', id, department_id, local_json FROM impl_items WHERE tenant_code = ?";
    let values = vec![
        t.clone().into(),
        u.clone().into(),
        t.clone().into(),
        u.clone().into(),
        t.clone().into(),
        u.into(),
        t.into(),
    ];
    stmt(b, sql, values)
}

/// An approver's standing from the rows of [`approver_standing_stmt`].
pub(crate) fn approver_standing(rows: &[QueryResult]) -> Result<ApproverStanding> {
    let mut standing = ApproverStanding::default();
    for r in rows {
        let id = get::<Option<String>>(r, "id")?;
        match (get::<String>(r, "k")?.as_str(), id) {
            ("a", Some(id)) => standing.authorized.push(parse_id(&id)?),
            ("c", Some(id)) => standing.chief_of.push(parse_id(&id)?),
            ("u", id) => standing.department = opt_id(id)?,
            ("i", Some(id)) => {
                let local: String = get(r, "local")?;
                let Reviewers { co_department_ids, case_kind } =
                    serde_json::from_str(&local).map_err(Error::internal)?;
                standing.items.push(ReviewedItem {
                    id: parse_id(&id)?,
                    department: parse_id(&get::<String>(r, "dep")?)?,
                    co_departments: co_department_ids,
                    joint: case_kind == CaseKind::Joint,
                });
            }
            (k, _) => return Err(Error::internal(format!("unexpected standing row {k}"))),
        }
    }
    Ok(standing)
}

/// The fields of an item's stored local part that say who reviews its cases.
#[derive(serde::Deserialize)]
struct Reviewers {
    #[serde(default)]
    co_department_ids: Vec<Uuid>,
    case_kind: CaseKind,
}

const WINDOW_COLS: &str = "id, tenant_code, number, name, kind, zone, primary_user_id, backup_user_id";

async fn load_windows(tx: &DatabaseTransaction, filter: &str, values: Vec<Value>) -> Result<Vec<Window>> {
    let b = tx.get_database_backend();
    let rows = tx
        .query_all_raw(stmt(b, &format!("SELECT {WINDOW_COLS} FROM windows WHERE {filter} ORDER BY number"), values))
        .await
        .map_err(internal)?;
    let mut windows = Vec::with_capacity(rows.len());
    for r in &rows {
        let kind: String = get(r, "kind")?;
        windows.push(Window {
            id: parse_id(&get::<String>(r, "id")?)?,
            tenant: parse_code(&get::<String>(r, "tenant_code")?)?,
            number: get(r, "number")?,
            name: get(r, "name")?,
            kind: WindowKind::parse(&kind).map_err(|_| Error::internal(format!("stored window kind {kind}")))?,
            zone: get(r, "zone")?,
            items: Vec::new(),
            primary: opt_id(get(r, "primary_user_id")?)?,
            backup: opt_id(get(r, "backup_user_id")?)?,
        });
    }
    if windows.is_empty() {
        return Ok(windows);
    }
    let ids: Vec<String> = windows.iter().map(|w| w.id.to_string()).collect();
    let marks = vec!["?"; ids.len()].join(", ");
    let rows = tx
        .query_all_raw(stmt(
            b,
            &format!("SELECT window_id, impl_item_id FROM window_items WHERE window_id IN ({marks}) ORDER BY ord"),
            ids.into_iter().map(Into::into).collect(),
        ))
        .await
        .map_err(internal)?;
    let mut items: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for r in &rows {
        items
            .entry(parse_id(&get::<String>(r, "window_id")?)?)
            .or_default()
            .push(parse_id(&get::<String>(r, "impl_item_id")?)?);
    }
    for w in &mut windows {
        w.items = items.remove(&w.id).unwrap_or_default();
    }
    Ok(windows)
}

#[async_trait]
impl HallRepo for Db {
    async fn create_window(&self, w: &Window, audit: AuditRecord) -> Result<()> {
        let tx = self.begin(&Scope::only(&w.tenant)).await?;
        let b = self.backend();
        let tenant = w.tenant.as_str().to_owned();
        tx.execute_raw(stmt(
            b,
            "INSERT INTO windows (id, tenant_code, number, name, kind, zone, primary_user_id, backup_user_id, created_at)
             VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, ?)",
            vec![
                w.id.to_string().into(),
                tenant.clone().into(),
                w.number.clone().into(),
                w.name.clone().into(),
                w.kind.as_str().into(),
                w.zone.clone().into(),
                audit.at.into(),
            ],
        ))
        .await
        .map_err(|e| conflict_or_internal(e, &format!("窗口编号 {} 已存在", w.number)))?;
        for (i, item) in w.items.iter().enumerate() {
            tx.execute_raw(stmt(
                b,
                "INSERT INTO window_items (window_id, tenant_code, impl_item_id, ord) VALUES (?, ?, ?, ?)",
                vec![w.id.to_string().into(), tenant.clone().into(), item.to_string().into(), (i as i32).into()],
            ))
            .await
            .map_err(internal)?;
        }
        append_audit(&tx, &audit).await?;
        commit(tx).await
    }

    async fn windows(&self, tenant: &RegionCode) -> Result<Vec<Window>> {
        let tx = self.begin(&Scope::only(tenant)).await?;
        let ws = load_windows(&tx, "tenant_code = ?", vec![tenant.as_str().to_owned().into()]).await?;
        commit(tx).await?;
        Ok(ws)
    }

    async fn windows_of(&self, scope: &Scope, tenants: &[RegionCode]) -> Result<Vec<Window>> {
        if tenants.is_empty() {
            return Ok(Vec::new());
        }
        let tx = self.begin(scope).await?;
        let marks = vec!["?"; tenants.len()].join(", ");
        let values = tenants.iter().map(|t| Value::from(t.as_str().to_owned())).collect();
        let ws = load_windows(&tx, &format!("tenant_code IN ({marks})"), values).await?;
        commit(tx).await?;
        Ok(ws)
    }

    async fn window(&self, scope: &Scope, id: Uuid) -> Result<Option<Window>> {
        let tx = self.begin(scope).await?;
        let mut ws = load_windows(&tx, "id = ?", vec![id.to_string().into()]).await?;
        commit(tx).await?;
        Ok(ws.pop())
    }

    async fn set_window_staff(&self, w: &Window, post: Post, user: Uuid, audit: AuditRecord) -> Result<()> {
        let tx = self.begin(&Scope::only(&w.tenant)).await?;
        let col = match post {
            Post::Primary => "primary_user_id",
            Post::Backup => "backup_user_id",
        };
        tx.execute_raw(stmt(
            self.backend(),
            &format!("UPDATE windows SET {col} = ? WHERE id = ? AND tenant_code = ?"),
            vec![user.to_string().into(), w.id.to_string().into(), w.tenant.as_str().to_owned().into()],
        ))
        .await
        .map_err(internal)?;
        append_audit(&tx, &audit).await?;
        commit(tx).await
    }

    async fn authorize_approver(
        &self,
        tenant: &RegionCode,
        user: Uuid,
        items: &[Uuid],
        audit: AuditRecord,
    ) -> Result<()> {
        let tx = self.begin(&Scope::only(tenant)).await?;
        for item in items {
            tx.execute_raw(stmt(
                self.backend(),
                "INSERT INTO approver_items (tenant_code, user_id, impl_item_id) VALUES (?, ?, ?)
                 ON CONFLICT (user_id, impl_item_id) DO NOTHING",
                vec![tenant.as_str().to_owned().into(), user.to_string().into(), item.to_string().into()],
            ))
            .await
            .map_err(internal)?;
        }
        append_audit(&tx, &audit).await?;
        commit(tx).await
    }

    async fn approver_items(&self, tenant: &RegionCode, user: Uuid) -> Result<Vec<Uuid>> {
        let rows = self.read_batch(&Scope::only(tenant), &[approver_items_stmt(self.backend(), tenant, user)]).await?;
        rows.iter().map(|r| parse_id(&get::<String>(r, "impl_item_id")?)).collect()
    }

    async fn appoint_chief(&self, tenant: &RegionCode, user: Uuid, department: Uuid, audit: AuditRecord) -> Result<()> {
        let tx = self.begin(&Scope::only(tenant)).await?;
        tx.execute_raw(stmt(
            self.backend(),
            "INSERT INTO chief_representatives (tenant_code, user_id, department_id) VALUES (?, ?, ?)
             ON CONFLICT (user_id, department_id) DO NOTHING",
            vec![tenant.as_str().to_owned().into(), user.to_string().into(), department.to_string().into()],
        ))
        .await
        .map_err(internal)?;
        append_audit(&tx, &audit).await?;
        commit(tx).await
    }

    async fn chief_of(&self, tenant: &RegionCode, user: Uuid) -> Result<Vec<Uuid>> {
        let chief = stmt(
            self.backend(),
            "SELECT department_id FROM chief_representatives WHERE tenant_code = ? AND user_id = ?",
            vec![tenant.as_str().to_owned().into(), user.to_string().into()],
        );
        let rows = self.read_batch(&Scope::only(tenant), &[chief]).await?;
        rows.iter().map(|r| parse_id(&get::<String>(r, "department_id")?)).collect()
    }

    async fn record_call(&self, c: &CallRecord, audit: AuditRecord) -> Result<()> {
        let tx = self.begin(&Scope::only(&c.tenant)).await?;
        tx.execute_raw(stmt(
            self.backend(),
            "INSERT INTO ticket_calls (id, tenant_code, day, number, window_id, caller, issued_at, called_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            vec![
                c.id.to_string().into(),
                c.tenant.as_str().to_owned().into(),
                c.day.into(),
                c.number.clone().into(),
                c.window_id.to_string().into(),
                c.caller.clone().into(),
                c.issued_at.into(),
                c.called_at.into(),
            ],
        ))
        .await
        .map_err(internal)?;
        append_audit(&tx, &audit).await?;
        commit(tx).await
    }

    async fn file_leader_duty(&self, d: &domain::hall::LeaderDuty, audit: AuditRecord) -> Result<()> {
        let tx = self.begin(&Scope::only(&d.tenant)).await?;
        let b = self.backend();
        let published = tx
            .query_one_raw(stmt(
                b,
                "SELECT published FROM leader_duties WHERE department_id = ? AND month = ?",
                vec![d.department_id.to_string().into(), d.month.into()],
            ))
            .await
            .map_err(internal)?;
        if let Some(r) = published {
            if get::<bool>(&r, "published")? {
                tx.rollback().await.map_err(internal)?;
                return Err(Error::conflict("该月领导进驻安排已公布，不能再修改"));
            }
            tx.execute_raw(stmt(
                b,
                "DELETE FROM leader_duties WHERE department_id = ? AND month = ?",
                vec![d.department_id.to_string().into(), d.month.into()],
            ))
            .await
            .map_err(internal)?;
        }
        let dates = serde_json::to_string(&d.dates).map_err(Error::internal)?;
        tx.execute_raw(stmt(
            b,
            "INSERT INTO leader_duties (id, tenant_code, department_id, month, leader_name, dates_json, filed_at, published)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            vec![
                d.id.to_string().into(),
                d.tenant.as_str().to_owned().into(),
                d.department_id.to_string().into(),
                d.month.into(),
                d.leader_name.clone().into(),
                dates.into(),
                d.filed_at.into(),
                false.into(),
            ],
        ))
        .await
        .map_err(|e| conflict_or_internal(e, "该部门本月已报送"))?;
        append_audit(&tx, &audit).await?;
        commit(tx).await
    }

    async fn leader_duties(&self, tenant: &RegionCode, month: NaiveDate) -> Result<Vec<domain::hall::LeaderDuty>> {
        let tx = self.begin(&Scope::only(tenant)).await?;
        let rows = tx
            .query_all_raw(stmt(
                self.backend(),
                "SELECT id, tenant_code, department_id, month, leader_name, dates_json, filed_at, published
                 FROM leader_duties WHERE tenant_code = ? AND month = ? ORDER BY filed_at",
                vec![tenant.as_str().to_owned().into(), month.into()],
            ))
            .await
            .map_err(internal)?;
        commit(tx).await?;
        rows.iter()
            .map(|r| {
                let dates: String = get(r, "dates_json")?;
                Ok(domain::hall::LeaderDuty {
                    id: parse_id(&get::<String>(r, "id")?)?,
                    tenant: parse_code(&get::<String>(r, "tenant_code")?)?,
                    department_id: parse_id(&get::<String>(r, "department_id")?)?,
                    month: get(r, "month")?,
                    leader_name: get(r, "leader_name")?,
                    dates: serde_json::from_str(&dates).map_err(Error::internal)?,
                    filed_at: get::<DateTime<Utc>>(r, "filed_at")?,
                    published: get(r, "published")?,
                })
            })
            .collect()
    }

    async fn publish_leader_duties(&self, tenant: &RegionCode, month: NaiveDate, audit: AuditRecord) -> Result<u64> {
        let tx = self.begin(&Scope::only(tenant)).await?;
        let res = tx
            .execute_raw(stmt(
                self.backend(),
                "UPDATE leader_duties SET published = ? WHERE tenant_code = ? AND month = ?",
                vec![true.into(), tenant.as_str().to_owned().into(), month.into()],
            ))
            .await
            .map_err(internal)?;
        if res.rows_affected() == 0 {
            tx.rollback().await.map_err(internal)?;
            return Ok(0);
        }
        append_audit(&tx, &audit).await?;
        commit(tx).await?;
        Ok(res.rows_affected())
    }

    async fn calls(&self, tenant: &RegionCode, day: NaiveDate, limit: u64) -> Result<Vec<CallRecord>> {
        let tx = self.begin(&Scope::only(tenant)).await?;
        let rows = tx
            .query_all_raw(stmt(
                self.backend(),
                "SELECT id, tenant_code, day, number, window_id, caller, issued_at, called_at FROM ticket_calls
                 WHERE tenant_code = ? AND day = ? ORDER BY called_at DESC, id DESC LIMIT ?",
                vec![tenant.as_str().to_owned().into(), day.into(), (limit as i64).into()],
            ))
            .await
            .map_err(internal)?;
        commit(tx).await?;
        rows.iter()
            .map(|r| {
                Ok(CallRecord {
                    id: parse_id(&get::<String>(r, "id")?)?,
                    tenant: parse_code(&get::<String>(r, "tenant_code")?)?,
                    day: get(r, "day")?,
                    number: get(r, "number")?,
                    window_id: parse_id(&get::<String>(r, "window_id")?)?,
                    caller: get(r, "caller")?,
                    issued_at: get::<DateTime<Utc>>(r, "issued_at")?,
                    called_at: get::<DateTime<Utc>>(r, "called_at")?,
                })
            })
            .collect()
    }
}

/// The items `user` is authorized to decide at `tenant`, within `tx`.
fn approver_items_stmt(b: DbBackend, tenant: &RegionCode, user: Uuid) -> Statement {
    stmt(
        b,
        "SELECT impl_item_id FROM approver_items WHERE tenant_code = ? AND user_id = ? ORDER BY impl_item_id",
        vec![tenant.as_str().to_owned().into(), user.to_string().into()],
    )
}
