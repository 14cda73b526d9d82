use std::collections::HashMap;

use async_trait::async_trait;
use domain::audit::AuditRecord;
use domain::page::Page;
use domain::ports::{ImportStats, TenantQuery, TenantRepo};
use domain::region::{AdminLevel, RegionCode};
use domain::tenant::{Scope, Tenant};
use domain::{Error, Result};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::parse_code;
use crate::db::{Db, append_audit, commit, internal, stmt};
use crate::entity::tenant::{self, Column, Entity};

const CHUNK: usize = 1000;

fn to_domain(m: tenant::Model) -> Result<Tenant> {
    Ok(Tenant {
        code: parse_code(&m.code)?,
        level: m.level.parse::<AdminLevel>().map_err(|_| Error::internal(format!("bad level {}", m.level)))?,
        parent: m.parent_code.as_deref().map(parse_code).transpose()?,
        name: m.name,
        root: m.root,
    })
}

#[async_trait]
impl TenantRepo for Db {
    async fn get(&self, code: &RegionCode) -> Result<Option<Tenant>> {
        if let Some(t) = self.tenants.get(code.as_str()) {
            return Ok(Some(t));
        }
        let found =
            Entity::find_by_id(code.as_str()).one(&self.conn).await.map_err(internal)?.map(to_domain).transpose()?;
        if let Some(t) = &found {
            self.tenants.put(t);
        }
        Ok(found)
    }

    fn cached(&self, code: &RegionCode) -> Option<Tenant> {
        self.tenants.get(code.as_str())
    }

    async fn get_many(&self, codes: &[RegionCode]) -> Result<Vec<Tenant>> {
        let mut out = Vec::with_capacity(codes.len());
        let mut missing = Vec::new();
        for code in codes {
            match self.tenants.get(code.as_str()) {
                Some(t) => out.push(t),
                None => missing.push(*code),
            }
        }
        for chunk in missing.chunks(CHUNK) {
            let rows = Entity::find()
                .filter(Column::Code.is_in(chunk.iter().map(|c| c.as_str().to_owned())))
                .all(&self.conn)
                .await
                .map_err(internal)?;
            for m in rows {
                let t = to_domain(m)?;
                self.tenants.put(&t);
                out.push(t);
            }
        }
        Ok(out)
    }

    async fn list(&self, q: &TenantQuery) -> Result<Page<Tenant>> {
        let mut sel = Entity::find();
        if let Some(scope) = q.scope.as_ref().filter(|s| !s.prefix().is_empty()) {
            sel = sel.filter(Column::Code.starts_with(scope.prefix()));
        }
        if let Some(p) = &q.parent {
            sel = sel.filter(Column::ParentCode.eq(p.as_str()));
        }
        if let Some(l) = q.level {
            sel = sel.filter(Column::Level.eq(l.as_str()));
        }
        let total = sel.clone().count(&self.conn).await.map_err(internal)?;
        if let Some(after) = &q.page.after {
            sel = sel.filter(Column::Code.gt(after.as_str()));
        }
        let rows = sel
            .order_by_asc(Column::Code)
            .limit(u64::from(q.page.first) + 1)
            .all(&self.conn)
            .await
            .map_err(internal)?
            .into_iter()
            .map(to_domain)
            .collect::<Result<Vec<_>>>()?;
        Ok(Page::from_rows(rows, &q.page, total, |t| t.code.to_string()))
    }

    async fn count(&self) -> Result<u64> {
        Entity::find().count(&self.conn).await.map_err(internal)
    }

    async fn levels(&self, codes: &[RegionCode]) -> Result<HashMap<RegionCode, AdminLevel>> {
        Ok(self.get_many(codes).await?.into_iter().map(|t| (t.code, t.level)).collect())
    }

    async fn import(&self, tenants: &[Tenant], audit: AuditRecord) -> Result<ImportStats> {
        let tx = self.begin(&domain::tenant::Scope::only(&audit.tenant)).await?;
        let mut stats = ImportStats::default();
        let now = audit.at;
        for chunk in tenants.chunks(CHUNK) {
            let existing: HashMap<String, tenant::Model> = Entity::find()
                .filter(Column::Code.is_in(chunk.iter().map(|t| t.code.as_str().to_owned())))
                .all(&tx)
                .await
                .map_err(internal)?
                .into_iter()
                .map(|m| (m.code.clone(), m))
                .collect();
            let mut changed = Vec::new();
            for t in chunk {
                let parent = t.parent.map(|p| p.as_str().to_owned());
                match existing.get(t.code.as_str()) {
                    Some(m) if m.name == t.name && m.level == t.level.as_str() && m.parent_code == parent => {
                        stats.unchanged += 1;
                        continue;
                    }
                    Some(_) => stats.updated += 1,
                    None => stats.inserted += 1,
                }
                changed.push(tenant::ActiveModel {
                    code: Set(t.code.as_str().to_owned()),
                    name: Set(t.name.clone()),
                    level: Set(t.level.as_str().to_owned()),
                    parent_code: Set(parent),
                    root: Set(t.root),
                    created_at: Set(now),
                });
            }
            if changed.is_empty() {
                continue;
            }
            Entity::insert_many(changed)
                .on_conflict(
                    OnConflict::column(Column::Code)
                        .update_columns([Column::Name, Column::Level, Column::ParentCode])
                        .to_owned(),
                )
                .exec_without_returning(&tx)
                .await
                .map_err(internal)?;
        }
        append_audit(&tx, &audit).await?;
        commit(tx).await?;
        self.tenants.clear();
        Ok(stats)
    }

    async fn set_root(&self, code: &RegionCode, root: bool, audit: AuditRecord) -> Result<()> {
        let tx = self.begin(&domain::tenant::Scope::only(code)).await?;
        Entity::update_many()
            .col_expr(Column::Root, root.into())
            .filter(Column::Code.eq(code.as_str()))
            .exec(&tx)
            .await
            .map_err(internal)?;
        append_audit(&tx, &audit).await?;
        commit(tx).await?;
        self.tenants.clear();
        Ok(())
    }

    async fn roots(&self) -> Result<Vec<Tenant>> {
        Entity::find()
            .filter(Column::ParentCode.is_null())
            .order_by_asc(Column::Code)
            .all(&self.conn)
            .await
            .map_err(internal)?
            .into_iter()
            .map(to_domain)
            .collect()
    }

    async fn warning_yellow_days(&self, root: &RegionCode) -> Result<Option<i64>> {
        let tx = self.begin(&Scope::only(root)).await?;
        let row = tx
            .query_one_raw(stmt(
                self.backend(),
                "SELECT warning_yellow_days FROM tenant_settings WHERE tenant_code = ?",
                vec![root.as_str().to_owned().into()],
            ))
            .await
            .map_err(internal)?;
        commit(tx).await?;
        row.map(|r| r.try_get::<i32>("", "warning_yellow_days").map(i64::from).map_err(internal)).transpose()
    }

    async fn set_warning_yellow_days(&self, root: &RegionCode, days: i64, by: &str, audit: AuditRecord) -> Result<()> {
        let days = i32::try_from(days).map_err(|_| Error::invalid("预警阈值无效"))?;
        let tx = self.begin(&Scope::only(root)).await?;
        tx.execute_raw(stmt(
            self.backend(),
            "INSERT INTO tenant_settings (tenant_code, warning_yellow_days, updated_at, updated_by) VALUES (?, ?, ?, ?)
             ON CONFLICT (tenant_code) DO UPDATE SET warning_yellow_days = excluded.warning_yellow_days,
               updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            vec![root.as_str().to_owned().into(), days.into(), audit.at.into(), by.to_owned().into()],
        ))
        .await
        .map_err(internal)?;
        append_audit(&tx, &audit).await?;
        commit(tx).await
    }
}
