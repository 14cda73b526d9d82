use async_trait::async_trait;
use domain::audit::{AuditEntry, AuditFilter, AuditRecord, ChainHead};
use domain::page::{Page, PageRequest};
use domain::ports::AuditRepo;
use domain::region::RegionCode;
use domain::tenant::Scope;
use domain::{Error, Result};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

use super::parse_code;
use crate::db::{Db, append_audit, commit, internal};
use crate::entity::{audit_lane, audit_log};

fn to_domain(m: audit_log::Model) -> Result<AuditEntry> {
    let json = |s: Option<String>| -> Result<Option<serde_json::Value>> {
        s.map(|s| serde_json::from_str(&s).map_err(Error::internal)).transpose()
    };
    Ok(AuditEntry {
        id: m.id,
        lane: m.lane,
        seq: m.seq,
        record: AuditRecord {
            tenant: parse_code(&m.tenant_code)?,
            at: m.at,
            actor: m.actor,
            actor_tenant: parse_code(&m.actor_tenant)?,
            action: m.action,
            target: m.target,
            before: json(m.before_json)?,
            after: json(m.after_json)?,
        },
        prev_hash: m.prev_hash,
        hash: m.hash,
    })
}

#[async_trait]
impl AuditRepo for Db {
    async fn append(&self, record: AuditRecord) -> Result<()> {
        let tx = self.begin(&Scope::only(&record.tenant)).await?;
        append_audit(&tx, &record).await?;
        commit(tx).await
    }

    async fn list(&self, tenant: &RegionCode, filter: &AuditFilter, page: &PageRequest) -> Result<Page<AuditEntry>> {
        let tx = self.begin(&Scope::only(tenant)).await?;
        let mut base = audit_log::Entity::find().filter(audit_log::Column::TenantCode.eq(tenant.as_str()));
        if let Some(a) = &filter.action {
            base = base.filter(audit_log::Column::Action.starts_with(a.as_str()));
        }
        if let Some(a) = &filter.actor {
            base = base.filter(audit_log::Column::Actor.eq(a.as_str()));
        }
        if let Some(t) = filter.from {
            base = base.filter(audit_log::Column::At.gte(t));
        }
        if let Some(t) = filter.until {
            base = base.filter(audit_log::Column::At.lt(t));
        }
        let total = base.clone().count(&tx).await.map_err(internal)?;
        let mut sel = base;
        if let Some(after) = &page.after {
            let after: i64 = after.parse().map_err(|_| Error::invalid("分页游标无效"))?;
            sel = sel.filter(audit_log::Column::Id.lt(after));
        }
        let rows = sel
            .order_by_desc(audit_log::Column::Id)
            .limit(u64::from(page.first) + 1)
            .all(&tx)
            .await
            .map_err(internal)?;
        commit(tx).await?;
        let rows = rows.into_iter().map(to_domain).collect::<Result<Vec<_>>>()?;
        Ok(Page::from_rows(rows, page, total, |e| e.id.to_string()))
    }

    async fn chain(&self, tenant: &RegionCode) -> Result<(Vec<AuditEntry>, Vec<ChainHead>)> {
        let tx = self.begin(&Scope::only(tenant)).await?;
        let rows = audit_log::Entity::find()
            .filter(audit_log::Column::TenantCode.eq(tenant.as_str()))
            .order_by_asc(audit_log::Column::Lane)
            .order_by_asc(audit_log::Column::Seq)
            .all(&tx)
            .await
            .map_err(internal)?;
        let heads = audit_lane::Entity::find()
            .filter(audit_lane::Column::TenantCode.eq(tenant.as_str()))
            .all(&tx)
            .await
            .map_err(internal)?;
        commit(tx).await?;
        let entries = rows.into_iter().map(to_domain).collect::<Result<Vec<_>>>()?;
        Ok((entries, heads.into_iter().map(|h| (h.lane, h.seq, h.hash)).collect()))
    }
}
