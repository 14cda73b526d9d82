use crate::audit::{AuditEntry, AuditVerification, verify_chain};
use crate::error::Result;
use crate::identity::Actor;
use crate::page::{Page, PageRequest};
use crate::policy::{Action, authorize};
use crate::region::RegionCode;

use super::AuditService;

impl AuditService {
    pub async fn audit_log(&self, actor: &Actor, tenant: &RegionCode, page: PageRequest) -> Result<Page<AuditEntry>> {
        let t = self.tenants.tenant(actor, tenant).await?;
        authorize(actor, Action::ViewAudit, &t)?;
        self.ports.audit.list(&t.code, &page).await
    }

    pub async fn verify_audit(&self, actor: &Actor, tenant: &RegionCode) -> Result<AuditVerification> {
        let t = self.tenants.tenant(actor, tenant).await?;
        authorize(actor, Action::ViewAudit, &t)?;
        let (entries, heads) = self.ports.audit.chain(&t.code).await?;
        Ok(verify_chain(&entries, &heads))
    }
}
