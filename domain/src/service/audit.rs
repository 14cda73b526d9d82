use crate::audit::{AuditEntry, AuditFilter, AuditVerification, verify_chain};
use crate::error::{Error, Result};
use crate::identity::Actor;
use crate::page::{Page, PageRequest};
use crate::policy::{Action, authorize};
use crate::region::RegionCode;
use crate::text;

use super::AuditService;

impl AuditService {
    pub async fn audit_log(&self, actor: &Actor, tenant: &RegionCode, page: PageRequest) -> Result<Page<AuditEntry>> {
        let t = self.tenants.tenant(actor, tenant).await?;
        authorize(actor, Action::ViewAudit, &t)?;
        self.ports.audit.list(&t.code, &AuditFilter::default(), &page).await
    }

    /// A tenant's audit entries matching `filter`, newest first.
    pub async fn audit_search(
        &self,
        actor: &Actor,
        tenant: &RegionCode,
        filter: AuditFilter,
        page: PageRequest,
    ) -> Result<Page<AuditEntry>> {
        let t = self.tenants.tenant(actor, tenant).await?;
        authorize(actor, Action::ViewAudit, &t)?;
        let filter = AuditFilter {
            action: text::optional_line("操作类型", filter.action.as_deref(), 64)?.filter(|a| !a.is_empty()),
            actor: text::optional_line("操作人", filter.actor.as_deref(), 128)?.filter(|a| !a.is_empty()),
            ..filter
        };
        if let (Some(from), Some(until)) = (filter.from, filter.until)
            && from >= until
        {
            return Err(Error::invalid("起始日期须早于截止日期"));
        }
        self.ports.audit.list(&t.code, &filter, &page).await
    }

    pub async fn verify_audit(&self, actor: &Actor, tenant: &RegionCode) -> Result<AuditVerification> {
        let t = self.tenants.tenant(actor, tenant).await?;
        authorize(actor, Action::ViewAudit, &t)?;
        let (entries, heads) = self.ports.audit.chain(&t.code).await?;
        Ok(verify_chain(&entries, &heads))
    }
}
