use async_graphql::{Context, ID, Object, Result, SimpleObject};
use domain::audit::AuditEntry as DEntry;
use domain::page::PageRequest;

use super::cost;
use super::ctx::{actor, services};
use super::scalars::{DateTimeScalar, RegionCodeScalar};
use super::tenant::{PageInfo, Tenant};

pub struct AuditEntry(DEntry);

#[Object]
impl AuditEntry {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn at(&self) -> DateTimeScalar {
        DateTimeScalar(self.0.record.at)
    }
    async fn actor(&self) -> &str {
        &self.0.record.actor
    }
    async fn tenant(&self, ctx: &Context<'_>) -> Result<Tenant> {
        Tenant::load(ctx, self.0.record.tenant).await
    }
    async fn action(&self) -> &str {
        &self.0.record.action
    }
    async fn target(&self) -> &str {
        &self.0.record.target
    }
    /// The before/after summary as JSON text.
    async fn summary(&self) -> String {
        serde_json::json!({ "before": self.0.record.before, "after": self.0.record.after }).to_string()
    }
}

#[derive(SimpleObject)]
pub struct AuditConnection {
    nodes: Vec<AuditEntry>,
    page_info: PageInfo,
    total_count: i32,
}

#[derive(SimpleObject)]
pub struct AuditVerification {
    entries: i32,
    intact: bool,
    first_broken_id: Option<ID>,
    /// Every break: each lane's first bad entry, and a head that no longer ends its lane.
    breaks: Vec<AuditBreak>,
}

/// One lane's break.
#[derive(SimpleObject)]
pub struct AuditBreak {
    lane: i32,
    /// The first bad entry; null when the head points past the stored entries.
    entry_id: Option<ID>,
    reason: String,
}

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// A tenant's audit entries, newest first.
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        tenant: RegionCodeScalar,
        #[graphql(default_with = "Some(50)")] first: Option<i32>,
        after: Option<String>,
    ) -> Result<AuditConnection> {
        let page = PageRequest::parse(first.unwrap_or(50), after)?;
        let p = services(ctx).audit.audit_log(actor(ctx)?, &tenant.parse()?, page).await?;
        Ok(AuditConnection {
            page_info: PageInfo { has_next_page: p.has_next, end_cursor: p.end_cursor },
            total_count: p.total.min(i32::MAX as u64) as i32,
            nodes: p.items.into_iter().map(AuditEntry).collect(),
        })
    }

    /// Re-computes a tenant's hash chain: an edited or deleted entry breaks it.
    #[graphql(complexity = "cost::VERIFY_AUDIT + child_complexity")]
    async fn verify_audit(&self, ctx: &Context<'_>, tenant: RegionCodeScalar) -> Result<AuditVerification> {
        let v = services(ctx).audit.verify_audit(actor(ctx)?, &tenant.parse()?).await?;
        Ok(AuditVerification {
            entries: v.entries.min(i32::MAX as u64) as i32,
            intact: v.intact,
            first_broken_id: v.first_broken_id.map(|i| ID(i.to_string())),
            breaks: v
                .breaks
                .into_iter()
                .map(|b| AuditBreak {
                    lane: i32::from(b.lane),
                    entry_id: b.entry_id.map(|i| ID(i.to_string())),
                    reason: b.reason.message().to_owned(),
                })
                .collect(),
        })
    }
}
