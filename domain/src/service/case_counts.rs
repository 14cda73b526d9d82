//! The dashboard's live counts (工作台) for the actor at a tenant of their scope.

use crate::case::{CaseStatus, Warning};
use crate::china_time::local_day;
use crate::error::Result;
use crate::identity::Actor;
use crate::page::{Page, PageRequest};
use crate::policy::{Action, authorize};
use crate::region::RegionCode;

use super::{CaseFilter, CaseService};

/// A count as listed: exact, or a lower bound where counting stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    pub n: u64,
    pub exact: bool,
}

impl Count {
    fn of<T>(p: &Page<T>) -> Count {
        Count { n: p.total, exact: p.total_exact }
    }

    /// “12”, or “1000+” where counting stopped.
    pub fn label(self) -> String {
        if self.exact { self.n.to_string() } else { format!("{}+", self.n) }
    }
}

/// Live counts of the cases a tenant lists for the actor (its subtree for supervising roles).
#[derive(Debug, Clone)]
pub struct CaseCounts {
    /// 待我办理: received, awaiting correction, or concluded and not yet delivered; None unless the
    /// actor handles cases at the tenant.
    pub to_handle: Option<Count>,
    /// 待我审批: the approver's queue; None unless the actor decides cases there.
    pub to_decide: Option<Count>,
    pub yellow: Count,
    pub red: Count,
    pub received_today: Count,
    pub accepted_today: Count,
    pub concluded_today: Count,
}

/// The statuses a case worker still has to act on.
pub const TO_HANDLE: [CaseStatus; 4] =
    [CaseStatus::Received, CaseStatus::CorrectionRequested, CaseStatus::Approved, CaseStatus::Denied];

impl CaseService {
    pub async fn case_counts(&self, actor: &Actor, tenant: &RegionCode) -> Result<CaseCounts> {
        let t = self.tenants.tenant(actor, tenant).await?;
        let one = || PageRequest { first: 1, after: None };
        let today = local_day(self.now());
        let count = |filter: CaseFilter| async move {
            self.cases(actor, CaseFilter { tenant: Some(t.code), ..filter }, one()).await.map(|p| Count::of(&p))
        };
        let to_handle = if authorize(actor, Action::HandleCases, &t).is_ok() {
            Some(count(CaseFilter { statuses: TO_HANDLE.to_vec(), ..Default::default() }).await?)
        } else {
            None
        };
        let to_decide = if t.code == actor.tenant && authorize(actor, Action::DecideCases, &t).is_ok() {
            Some(Count::of(&self.approval_queue(actor, one()).await?))
        } else {
            None
        };
        Ok(CaseCounts {
            to_handle,
            to_decide,
            yellow: count(CaseFilter { warnings: vec![Warning::Yellow], ..Default::default() }).await?,
            red: count(CaseFilter { warnings: vec![Warning::Red], ..Default::default() }).await?,
            received_today: count(CaseFilter { received_from: Some(today), ..Default::default() }).await?,
            accepted_today: count(CaseFilter { accepted_from: Some(today), ..Default::default() }).await?,
            concluded_today: count(CaseFilter { concluded_from: Some(today), ..Default::default() }).await?,
        })
    }
}
