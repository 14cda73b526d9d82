//! Which steps an actor may take on a case now: the state machine, the policy, and for decisions
//! the approver's authorization for the item (or chief representative status). The same checks as
//! the steps themselves (`workable_at`), without reading for a write.

use crate::case::{Case, CaseKind, CaseStatus, CaseStep};
use crate::error::Result;
use crate::identity::Actor;
use crate::policy::{Action, authorize};

use super::CaseService;

impl CaseService {
    /// The steps `actor` may take on `case` now, in the order the console shows them. A step listed
    /// here may still be refused for what is typed into it (a missing reason, a wrong date).
    pub async fn allowed_steps(&self, actor: &Actor, case: &Case) -> Result<Vec<CaseStep>> {
        let legal: Vec<CaseStep> =
            CaseStep::ALL.into_iter().filter(|s| case.status.apply(s.action()).is_ok()).collect();
        if legal.is_empty() || actor.is_service() {
            return Ok(Vec::new());
        }
        // A remote intake before its transfer (or after its return) is the collector's alone: it
        // checks it, sends it on (转办理地) or refuses it; the handler waits.
        if case.is_remote() && *case.holder() == case.collecting {
            let collecting = self.tenants.known_tenant(&case.collecting).await?;
            if authorize(actor, Action::HandleCases, &collecting).is_err() {
                return Ok(Vec::new());
            }
            let transfers = authorize(actor, Action::CrossArea, &collecting).is_ok();
            return Ok(legal
                .into_iter()
                .filter(|s| match s {
                    CaseStep::Transfer => transfers,
                    CaseStep::RequestCorrection | CaseStep::Reject | CaseStep::Resubmit | CaseStep::Withdraw => true,
                    _ => false,
                })
                .collect());
        }
        let handling = self.tenants.known_tenant(&case.handling).await?;
        // The collecting tenant of a case handled elsewhere only hands over the result.
        let elsewhere = case.collected_elsewhere() && !actor.scope().contains(&case.handling);
        let handles = if elsewhere {
            let collecting = self.tenants.known_tenant(&case.collecting).await?;
            authorize(actor, Action::HandleCases, &collecting).is_ok()
        } else {
            authorize(actor, Action::HandleCases, &handling).is_ok()
        };
        let decides_role = !elsewhere && authorize(actor, Action::DecideCases, &handling).is_ok();
        let needs_item = legal.iter().any(|s| match s.policy() {
            Action::DecideCases => decides_role,
            _ => handles && !elsewhere && matches!(s, CaseStep::Accept | CaseStep::Forward),
        });
        let item = if needs_item { Some(self.case_item(case).await?) } else { None };
        let escalated = item.as_ref().is_some_and(|i| i.local.case_kind == CaseKind::Escalated);
        // (may decide at all, may still give a joint review)
        let (decides, reviews_pending) = match (&item, decides_role) {
            (Some(item), true) if case.kind == CaseKind::Joint && !case.reviews.is_empty() => {
                let mine = self.speaks_for(actor, &handling, item, None).await?;
                let any = case.reviews.iter().any(|r| mine.contains(&r.department_id));
                let pending = case.reviews.iter().any(|r| mine.contains(&r.department_id) && r.approve.is_none());
                (any, pending)
            }
            (Some(item), true) => {
                let may = self.hall.may_decide_given(actor, item, None).await?;
                (may, may)
            }
            _ => (false, false),
        };
        Ok(legal
            .into_iter()
            .filter(|s| match s {
                // A transferred case is delivered once the handler has decided it.
                CaseStep::Deliver => handles && case.status != CaseStatus::Transferred,
                CaseStep::Transfer => false,
                CaseStep::Accept => handles && !elsewhere && !escalated,
                CaseStep::Forward => handles && !elsewhere && escalated,
                CaseStep::Approve | CaseStep::Deny => decides && reviews_pending,
                CaseStep::Suspend | CaseStep::Resume => decides,
                _ => handles && !elsewhere,
            })
            .collect())
    }
}
