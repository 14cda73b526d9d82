//! Departments, base catalogue, implementation items. Plain SQL with `?` placeholders: the
//! listing joins three tables and filters by substring, which reads clearer than the builder.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::audit::AuditRecord;
use domain::catalogue::{BaseItem, CreditCode, Department, ImplItem, ImplLocal, Material};
use domain::page::{Page, PageRequest};
use domain::ports::{BaseWrite, CatalogueRepo, Covering, ImplQuery};
use domain::region::{AdminLevel, RegionCode};
use domain::tenant::Scope;
use domain::{Error, Result};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, QueryResult, Value};
use uuid::Uuid;

use super::{like_contains, parse_code, parse_id};
use crate::db::{Db, append_audit, commit, conflict_or_internal, internal, stmt};

const BASE_COLS: &str = "b.id AS b_id, b.owner_code AS b_owner, b.base_code AS b_code, b.name AS b_name, \
     b.kind AS b_kind, b.legal_basis AS b_legal, b.levels AS b_levels, b.statutory_days AS b_days, \
     b.materials_json AS b_materials, b.department AS b_department, b.default_case_kind AS b_case_kind, \
     b.default_cross_area AS b_cross, b.version AS b_version";

const IMPL_FROM: &str = "FROM impl_items i JOIN base_items b ON b.id = i.base_item_id \
     JOIN departments d ON d.id = i.department_id";

/// The columns [`impl_from_row`] reads, from `impl_items i`, `departments d` and `base_items b`.
pub(super) fn impl_cols() -> String {
    format!(
        "i.id AS i_id, i.tenant_code AS i_tenant, i.impl_code AS i_code, i.status AS i_status, \
         i.version AS i_version, i.local_json AS i_local, i.suspend_reason AS i_reason, \
         i.delegated_by AS i_delegated, i.updated_at AS i_updated, \
         d.id AS d_id, d.tenant_code AS d_tenant, d.name AS d_name, d.credit_code AS d_credit, \
         d.stationed AS d_stationed, {BASE_COLS}"
    )
}

fn impl_select() -> String {
    format!("SELECT {} {IMPL_FROM}", impl_cols())
}

/// The item of a row selected with [`impl_cols`] through outer joins: None where it joined no item.
pub(super) fn impl_from_row(r: &QueryResult) -> Result<Option<ImplItem>> {
    match get::<Option<String>>(r, "i_id")? {
        Some(_) => to_impl(r).map(Some),
        None => Ok(None),
    }
}

fn get<T: sea_orm::TryGetable>(r: &QueryResult, col: &str) -> Result<T> {
    r.try_get("", col).map_err(internal)
}

fn bad(what: &str, v: &str) -> Error {
    Error::internal(format!("stored {what} {v} is invalid"))
}

fn to_base(r: &QueryResult) -> Result<BaseItem> {
    let levels: String = get(r, "b_levels")?;
    let kind: String = get(r, "b_kind")?;
    let ck: String = get(r, "b_case_kind")?;
    let cross: String = get(r, "b_cross")?;
    let materials: String = get(r, "b_materials")?;
    Ok(BaseItem {
        id: parse_id(&get::<String>(r, "b_id")?)?,
        owner: parse_code(&get::<String>(r, "b_owner")?)?,
        base_code: get(r, "b_code")?,
        name: get(r, "b_name")?,
        kind: kind.parse().map_err(|_| bad("kind", &kind))?,
        legal_basis: get(r, "b_legal")?,
        levels: levels
            .split('|')
            .filter(|s| !s.is_empty())
            .map(|l| l.parse::<AdminLevel>().map_err(|_| bad("level", l)))
            .collect::<Result<_>>()?,
        statutory_days: get::<i32>(r, "b_days")?.max(0) as u32,
        materials: serde_json::from_str::<Vec<Material>>(&materials).map_err(Error::internal)?,
        department: get(r, "b_department")?,
        default_case_kind: ck.parse().map_err(|_| bad("case kind", &ck))?,
        default_cross_area: cross.parse().map_err(|_| bad("cross area", &cross))?,
        version: get::<i32>(r, "b_version")?.max(0) as u32,
    })
}

fn to_department(r: &QueryResult, p: &str) -> Result<Department> {
    let credit: String = get(r, &format!("{p}credit"))?;
    Ok(Department {
        id: parse_id(&get::<String>(r, &format!("{p}id"))?)?,
        tenant: parse_code(&get::<String>(r, &format!("{p}tenant"))?)?,
        name: get(r, &format!("{p}name"))?,
        credit_code: CreditCode::parse(&credit).map_err(|_| bad("credit code", &credit))?,
        stationed: get(r, &format!("{p}stationed"))?,
    })
}

fn to_impl(r: &QueryResult) -> Result<ImplItem> {
    let status: String = get(r, "i_status")?;
    let local: String = get(r, "i_local")?;
    Ok(ImplItem {
        id: parse_id(&get::<String>(r, "i_id")?)?,
        impl_code: get(r, "i_code")?,
        tenant: parse_code(&get::<String>(r, "i_tenant")?)?,
        base: to_base(r)?,
        department: to_department(r, "d_")?,
        status: status.parse().map_err(|_| bad("status", &status))?,
        version: get::<i32>(r, "i_version")?.max(0) as u32,
        local: serde_json::from_str::<ImplLocal>(&local).map_err(Error::internal)?,
        suspend_reason: get(r, "i_reason")?,
        delegated_by: get::<Option<String>>(r, "i_delegated")?.as_deref().map(parse_code).transpose()?,
        updated_at: get::<DateTime<Utc>>(r, "i_updated")?,
    })
}

fn levels_text(levels: &[AdminLevel]) -> String {
    levels.iter().map(|l| l.as_str()).collect::<Vec<_>>().join("|")
}

fn json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(Error::internal)
}

async fn query_impls(tx: &DatabaseTransaction, where_sql: &str, values: Vec<Value>) -> Result<Vec<ImplItem>> {
    let b = tx.get_database_backend();
    let sql = format!("{} WHERE {where_sql}", impl_select());
    tx.query_all_raw(stmt(b, &sql, values)).await.map_err(internal)?.iter().map(to_impl).collect()
}

async fn insert_impl_version(tx: &DatabaseTransaction, item: &ImplItem) -> Result<()> {
    let b = tx.get_database_backend();
    tx.execute_raw(stmt(
        b,
        "INSERT INTO impl_item_versions (impl_item_id, tenant_code, version, base_version, status, snapshot_json, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)",
        vec![
            item.id.to_string().into(),
            item.tenant.as_str().to_owned().into(),
            (item.version as i32).into(),
            (item.base.version as i32).into(),
            item.status.as_str().into(),
            json(item)?.into(),
            item.updated_at.into(),
        ],
    ))
    .await
    .map_err(internal)?;
    Ok(())
}

/// The implementation item `id` if its tenant is in `scope`.
pub(super) async fn impl_in_scope(tx: &DatabaseTransaction, scope: &Scope, id: Uuid) -> Result<Option<ImplItem>> {
    let mut sql = String::from("i.id = ?");
    let mut values: Vec<Value> = vec![id.to_string().into()];
    tenant_filter(scope, "i.tenant_code", &mut sql, &mut values);
    Ok(query_impls(tx, &sql, values).await?.into_iter().next())
}

/// The implementation items of `base` that follow its edits (the domain's
/// [`ImplItem::follows_base_edits`]): a filter of [`query_impls`] and its values.
fn following_base(base: Uuid) -> (String, Vec<Value>) {
    let statuses = ImplItem::statuses_following_base();
    let marks = vec!["?"; statuses.len()].join(", ");
    let mut values: Vec<Value> = vec![base.to_string().into()];
    values.extend(statuses.into_iter().map(|s| Value::from(s.as_str())));
    (format!("i.base_item_id = ? AND i.status IN ({marks})"), values)
}

fn tenant_filter(scope: &Scope, col: &str, sql: &mut String, values: &mut Vec<Value>) {
    if !scope.prefix().is_empty() {
        sql.push_str(&format!(" AND {col} LIKE ?"));
        values.push(format!("{}%", scope.prefix()).into());
    }
}

/// Items whose cross-area scope (in the item's local JSON) covers a collector: the domain's
/// `(scope, prefix)` pairs, outside the collector's own scope.
fn covering_filter(b: DbBackend, c: &Covering, sql: &mut String, values: &mut Vec<Value>) {
    let scope = match b {
        DbBackend::Postgres => "(i.local_json::jsonb ->> 'cross_area')",
        _ => "json_extract(i.local_json, '$.cross_area')",
    };
    sql.push_str(" AND i.tenant_code NOT LIKE ?");
    values.push(format!("{}%", c.except).into());
    if c.prefixes.is_empty() {
        sql.push_str(" AND 1 = 0");
        return;
    }
    let any: Vec<String> = c.prefixes.iter().map(|_| format!("({scope} = ? AND i.tenant_code LIKE ?)")).collect();
    sql.push_str(&format!(" AND ({})", any.join(" OR ")));
    for (s, prefix) in &c.prefixes {
        // As serialized in the local JSON.
        let name = serde_json::to_value(s).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
        values.push(name.into());
        values.push(format!("{prefix}%").into());
    }
}

#[async_trait]
impl CatalogueRepo for Db {
    async fn departments(&self, scope: &Scope, tenant: &RegionCode) -> Result<Vec<Department>> {
        let tx = self.begin(scope).await?;
        let mut sql = "SELECT id AS d_id, tenant_code AS d_tenant, name AS d_name, credit_code AS d_credit, \
                       stationed AS d_stationed FROM departments WHERE tenant_code = ?"
            .to_owned();
        let mut values: Vec<Value> = vec![tenant.as_str().to_owned().into()];
        tenant_filter(scope, "tenant_code", &mut sql, &mut values);
        sql.push_str(" ORDER BY created_at, id");
        let rows = tx.query_all_raw(stmt(self.backend(), &sql, values)).await.map_err(internal)?;
        commit(tx).await?;
        rows.iter().map(|r| to_department(r, "d_")).collect()
    }

    async fn department(&self, scope: &Scope, id: Uuid) -> Result<Option<Department>> {
        let tx = self.begin(scope).await?;
        let mut sql = "SELECT id AS d_id, tenant_code AS d_tenant, name AS d_name, credit_code AS d_credit, \
                       stationed AS d_stationed FROM departments WHERE id = ?"
            .to_owned();
        let mut values: Vec<Value> = vec![id.to_string().into()];
        tenant_filter(scope, "tenant_code", &mut sql, &mut values);
        let row = tx.query_one_raw(stmt(self.backend(), &sql, values)).await.map_err(internal)?;
        commit(tx).await?;
        row.as_ref().map(|r| to_department(r, "d_")).transpose()
    }

    async fn create_department(&self, d: &Department, audit: AuditRecord) -> Result<()> {
        let tx = self.begin(&Scope::only(&d.tenant)).await?;
        tx.execute_raw(stmt(
            self.backend(),
            "INSERT INTO departments (id, tenant_code, name, credit_code, stationed, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            vec![
                d.id.to_string().into(),
                d.tenant.as_str().to_owned().into(),
                d.name.clone().into(),
                d.credit_code.as_str().to_owned().into(),
                d.stationed.into(),
                audit.at.into(),
            ],
        ))
        .await
        .map_err(|e| conflict_or_internal(e, &format!("统一社会信用代码 {} 的部门已存在", d.credit_code)))?;
        append_audit(&tx, &audit).await?;
        commit(tx).await
    }

    async fn base_item(&self, id: Uuid) -> Result<Option<BaseItem>> {
        let sql = format!("SELECT {BASE_COLS} FROM base_items b WHERE b.id = ?");
        let row = self.conn.query_one_raw(stmt(self.backend(), &sql, vec![id.to_string().into()])).await;
        row.map_err(internal)?.as_ref().map(to_base).transpose()
    }

    async fn base_items_by_code(&self, owner: &RegionCode, codes: &[String]) -> Result<Vec<BaseItem>> {
        let mut out = Vec::new();
        for chunk in codes.chunks(500) {
            let marks = vec!["?"; chunk.len()].join(", ");
            let sql =
                format!("SELECT {BASE_COLS} FROM base_items b WHERE b.owner_code = ? AND b.base_code IN ({marks})");
            let mut values: Vec<Value> = vec![owner.as_str().to_owned().into()];
            values.extend(chunk.iter().map(|c| Value::from(c.clone())));
            let rows = self.conn.query_all_raw(stmt(self.backend(), &sql, values)).await.map_err(internal)?;
            for r in &rows {
                out.push(to_base(r)?);
            }
        }
        Ok(out)
    }

    async fn list_base_items(
        &self,
        owner: &RegionCode,
        keyword: Option<&str>,
        kind: Option<domain::catalogue::ItemKind>,
        page: &PageRequest,
    ) -> Result<Page<BaseItem>> {
        let mut filter = String::from("b.owner_code = ?");
        let mut values: Vec<Value> = vec![owner.as_str().to_owned().into()];
        if let Some(k) = keyword {
            filter.push_str(" AND (b.name LIKE ? ESCAPE '\\' OR b.base_code LIKE ? ESCAPE '\\')");
            values.push(like_contains(k).into());
            values.push(like_contains(k).into());
        }
        if let Some(k) = kind {
            filter.push_str(" AND b.kind = ?");
            values.push(k.as_str().into());
        }
        let b = self.backend();
        let count = self
            .conn
            .query_one_raw(stmt(b, &format!("SELECT COUNT(*) AS n FROM base_items b WHERE {filter}"), values.clone()))
            .await
            .map_err(internal)?;
        let total = count.map(|r| get::<i64>(&r, "n")).transpose()?.unwrap_or(0).max(0) as u64;
        if let Some(after) = &page.after {
            filter.push_str(" AND b.base_code > ?");
            values.push(after.clone().into());
        }
        let sql = format!(
            "SELECT {BASE_COLS} FROM base_items b WHERE {filter} ORDER BY b.base_code LIMIT {}",
            page.first + 1
        );
        let rows = self.conn.query_all_raw(stmt(b, &sql, values)).await.map_err(internal)?;
        let items = rows.iter().map(to_base).collect::<Result<Vec<_>>>()?;
        Ok(Page::from_rows(items, page, total, |i| i.base_code.clone()))
    }

    async fn save_base_items(&self, writes: &[BaseWrite], audit: AuditRecord) -> Result<Vec<String>> {
        // Base edits propagate to implementations in every descendant: system work over all.
        let tx = self.begin(&Scope::All).await?;
        let b = self.backend();
        let mut affected = Vec::new();
        for w in writes {
            let it = &w.item;
            let values: Vec<Value> = vec![
                it.name.clone().into(),
                it.kind.as_str().into(),
                it.legal_basis.clone().into(),
                levels_text(&it.levels).into(),
                (it.statutory_days as i32).into(),
                json(&it.materials)?.into(),
                it.department.clone().into(),
                it.default_case_kind.as_str().into(),
                it.default_cross_area.as_str().into(),
                (it.version as i32).into(),
                audit.at.into(),
            ];
            if w.is_new {
                let mut v: Vec<Value> =
                    vec![it.id.to_string().into(), it.owner.as_str().to_owned().into(), it.base_code.clone().into()];
                v.extend(values);
                tx.execute_raw(stmt(
                    b,
                    "INSERT INTO base_items (id, owner_code, base_code, name, kind, legal_basis, levels, statutory_days,
                       materials_json, department, default_case_kind, default_cross_area, version, updated_at)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    v,
                ))
                .await
                .map_err(|e| conflict_or_internal(e, &format!("基本编码 {} 已存在", it.base_code)))?;
            } else {
                let mut v = values;
                v.push(it.id.to_string().into());
                v.push((it.version as i32 - 1).into());
                let res = tx
                    .execute_raw(stmt(
                        b,
                        "UPDATE base_items SET name = ?, kind = ?, legal_basis = ?, levels = ?, statutory_days = ?,
                           materials_json = ?, department = ?, default_case_kind = ?, default_cross_area = ?,
                           version = ?, updated_at = ?
                         WHERE id = ? AND version = ?",
                        v,
                    ))
                    .await
                    .map_err(internal)?;
                if res.rows_affected() != 1 {
                    return Err(Error::conflict(format!("事项 {} 已被他人修改，请刷新后重试", it.base_code)));
                }
            }
            tx.execute_raw(stmt(
                b,
                "INSERT INTO base_item_versions (base_item_id, version, snapshot_json, created_at) VALUES (?, ?, ?, ?)",
                vec![it.id.to_string().into(), (it.version as i32).into(), json(it)?.into(), audit.at.into()],
            ))
            .await
            .map_err(internal)?;
            if !w.is_new {
                // Every active implementation follows with a new version (三级四同).
                let (filter, values) = following_base(it.id);
                for old in query_impls(&tx, &filter, values).await? {
                    let new = old.after_base_edit(audit.at);
                    tx.execute_raw(stmt(
                        b,
                        "UPDATE impl_items SET version = ?, updated_at = ? WHERE id = ?",
                        vec![(new.version as i32).into(), audit.at.into(), new.id.to_string().into()],
                    ))
                    .await
                    .map_err(internal)?;
                    insert_impl_version(&tx, &new).await?;
                    affected.push(new.impl_code);
                }
            }
        }
        append_audit(&tx, &audit).await?;
        commit(tx).await?;
        Ok(affected)
    }

    async fn impl_item(&self, scope: &Scope, id: Uuid) -> Result<Option<ImplItem>> {
        let tx = self.begin(scope).await?;
        let item = impl_in_scope(&tx, scope, id).await?;
        commit(tx).await?;
        Ok(item)
    }

    async fn impl_item_by_code(&self, code: &str) -> Result<Option<ImplItem>> {
        // Public guides: any tenant's item by its code (the service returns published ones only).
        let tx = self.begin(&Scope::All).await?;
        let rows = query_impls(&tx, "i.impl_code = ?", vec![code.to_owned().into()]).await?;
        commit(tx).await?;
        Ok(rows.into_iter().next())
    }

    async fn list_impl_items(&self, scope: &Scope, q: &ImplQuery) -> Result<Page<ImplItem>> {
        let b = self.backend();
        let mut filter = String::from("1 = 1");
        let mut values: Vec<Value> = Vec::new();
        tenant_filter(scope, "i.tenant_code", &mut filter, &mut values);
        if let Some(t) = &q.tenant {
            filter.push_str(" AND i.tenant_code = ?");
            values.push(t.as_str().to_owned().into());
        }
        if let Some(k) = &q.keyword {
            filter.push_str(" AND (b.name LIKE ? ESCAPE '\\' OR i.impl_code LIKE ? ESCAPE '\\')");
            values.push(like_contains(k).into());
            values.push(like_contains(k).into());
        }
        if let Some(k) = q.kind {
            filter.push_str(" AND b.kind = ?");
            values.push(k.as_str().into());
        }
        if let Some(s) = q.status {
            filter.push_str(" AND i.status = ?");
            values.push(s.as_str().into());
        }
        if let Some(d) = q.department {
            filter.push_str(" AND i.department_id = ?");
            values.push(d.to_string().into());
        }
        if let Some(c) = &q.covering {
            covering_filter(b, c, &mut filter, &mut values);
        }
        let count = stmt(b, &format!("SELECT COUNT(*) AS n {IMPL_FROM} WHERE {filter}"), values.clone());
        if let Some(after) = &q.page.after {
            filter.push_str(" AND i.impl_code > ?");
            values.push(after.clone().into());
        }
        let page = format!("{} WHERE {filter} ORDER BY i.impl_code LIMIT {}", impl_select(), q.page.first + 1);
        // The count first: it always answers one row.
        let mut rows = self.read_batch(scope, &[count, stmt(b, &page, values)]).await?.into_iter();
        let total = rows.next().map(|r| get::<i64>(&r, "n")).transpose()?.unwrap_or(0).max(0) as u64;
        let items = rows.map(|r| to_impl(&r)).collect::<Result<Vec<_>>>()?;
        Ok(Page::from_rows(items, &q.page, total, |i| i.impl_code.clone()))
    }

    async fn active_impls_of_base(&self, scope: &Scope, base: Uuid) -> Result<Vec<ImplItem>> {
        let tx = self.begin(scope).await?;
        let (mut sql, mut values) = following_base(base);
        tenant_filter(scope, "i.tenant_code", &mut sql, &mut values);
        let rows = query_impls(&tx, &sql, values).await?;
        commit(tx).await?;
        Ok(rows)
    }

    async fn save_impl_items(&self, scope: &Scope, items: &[(ImplItem, bool)], audit: Vec<AuditRecord>) -> Result<()> {
        let tx = self.begin(scope).await?;
        let b: DbBackend = self.backend();
        for (it, is_new) in items {
            let delegated = it.delegated_by.map(|c| c.as_str().to_owned());
            if *is_new {
                tx.execute_raw(stmt(
                    b,
                    "INSERT INTO impl_items (id, tenant_code, base_item_id, department_id, impl_code, status, version,
                       local_json, suspend_reason, delegated_by, updated_at)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    vec![
                        it.id.to_string().into(),
                        it.tenant.as_str().to_owned().into(),
                        it.base.id.to_string().into(),
                        it.department.id.to_string().into(),
                        it.impl_code.clone().into(),
                        it.status.as_str().into(),
                        (it.version as i32).into(),
                        json(&it.local)?.into(),
                        it.suspend_reason.clone().into(),
                        delegated.into(),
                        it.updated_at.into(),
                    ],
                ))
                .await
                .map_err(|e| {
                    conflict_or_internal(e, &format!("实施编码 {} 已存在：该部门已实施此事项", it.impl_code))
                })?;
            } else {
                let res = tx
                    .execute_raw(stmt(
                        b,
                        "UPDATE impl_items SET department_id = ?, impl_code = ?, status = ?, version = ?, local_json = ?,
                           suspend_reason = ?, updated_at = ?
                         WHERE id = ? AND version = ?",
                        vec![
                            it.department.id.to_string().into(),
                            it.impl_code.clone().into(),
                            it.status.as_str().into(),
                            (it.version as i32).into(),
                            json(&it.local)?.into(),
                            it.suspend_reason.clone().into(),
                            it.updated_at.into(),
                            it.id.to_string().into(),
                            (it.version as i32 - 1).into(),
                        ],
                    ))
                    .await
                    .map_err(|e| conflict_or_internal(e, &format!("实施编码 {} 已存在", it.impl_code)))?;
                if res.rows_affected() != 1 {
                    return Err(Error::conflict("事项已被他人修改，请刷新后重试"));
                }
            }
            insert_impl_version(&tx, it).await?;
        }
        for a in &audit {
            append_audit(&tx, a).await?;
        }
        commit(tx).await
    }
}
