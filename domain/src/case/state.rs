//! The case state machine. Every transition goes through `CaseStatus::apply`.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CaseStatus {
    Received,
    CorrectionRequested,
    NotAccepted,
    Accepted,
    Suspended,
    Approved,
    Denied,
    Delivered,
    Archived,
    Withdrawn,
    Expired,
    /// At the collecting tenant, while the handling tenant holds the case.
    Transferred,
}

impl CaseStatus {
    pub const ALL: [CaseStatus; 12] = [
        CaseStatus::Received,
        CaseStatus::CorrectionRequested,
        CaseStatus::NotAccepted,
        CaseStatus::Accepted,
        CaseStatus::Suspended,
        CaseStatus::Approved,
        CaseStatus::Denied,
        CaseStatus::Delivered,
        CaseStatus::Archived,
        CaseStatus::Withdrawn,
        CaseStatus::Expired,
        CaseStatus::Transferred,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Received => "RECEIVED",
            CaseStatus::CorrectionRequested => "CORRECTION_REQUESTED",
            CaseStatus::NotAccepted => "NOT_ACCEPTED",
            CaseStatus::Accepted => "ACCEPTED",
            CaseStatus::Suspended => "SUSPENDED",
            CaseStatus::Approved => "APPROVED",
            CaseStatus::Denied => "DENIED",
            CaseStatus::Delivered => "DELIVERED",
            CaseStatus::Archived => "ARCHIVED",
            CaseStatus::Withdrawn => "WITHDRAWN",
            CaseStatus::Expired => "EXPIRED",
            CaseStatus::Transferred => "TRANSFERRED",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CaseStatus::Received => "已收件",
            CaseStatus::CorrectionRequested => "待补正",
            CaseStatus::NotAccepted => "不予受理",
            CaseStatus::Accepted => "已受理",
            CaseStatus::Suspended => "特别程序中",
            CaseStatus::Approved => "准予许可",
            CaseStatus::Denied => "不予许可",
            CaseStatus::Delivered => "已送达",
            CaseStatus::Archived => "已归档",
            CaseStatus::Withdrawn => "已撤回",
            CaseStatus::Expired => "补正逾期",
            CaseStatus::Transferred => "已转办理地",
        }
    }

    pub fn parse(s: &str) -> Result<CaseStatus, Error> {
        CaseStatus::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| Error::invalid(format!("办件状态“{s}”无效")))
    }

    /// Concluded (办结): approved or denied.
    pub fn is_concluded(self) -> bool {
        matches!(self, CaseStatus::Approved | CaseStatus::Denied)
    }

    /// Statuses with an open clock: running (accepted) or paused (suspended).
    pub const OPEN_CLOCK: [CaseStatus; 2] = [CaseStatus::Accepted, CaseStatus::Suspended];

    /// The clock is open: running or paused, its deadline still to be kept.
    pub fn clock_open(self) -> bool {
        Self::OPEN_CLOCK.contains(&self)
    }

    /// The clock runs only while accepted; it is paused while suspended.
    pub fn clock_running(self) -> bool {
        self == CaseStatus::Accepted
    }

    /// No further work except archiving.
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            CaseStatus::NotAccepted
                | CaseStatus::Delivered
                | CaseStatus::Archived
                | CaseStatus::Withdrawn
                | CaseStatus::Expired
        )
    }

    /// Applies `action`, or explains in Chinese why it is not allowed now.
    pub fn apply(self, action: CaseAction) -> Result<CaseStatus, Error> {
        use CaseAction as A;
        use CaseStatus as S;
        let next = match (self, action) {
            (S::Received, A::Accept) => S::Accepted,
            (S::Received, A::RequestCorrection) => S::CorrectionRequested,
            (S::Received, A::Reject) => S::NotAccepted,
            // Preliminary review done: the deciding ancestor receives the case.
            (S::Received, A::Forward) => S::Received,
            (S::Received, A::Transfer) => S::Transferred,
            (S::CorrectionRequested, A::Resubmit) => S::Received,
            (S::CorrectionRequested, A::Expire) => S::Expired,
            (S::Accepted, A::Suspend) => S::Suspended,
            (S::Suspended, A::Resume) => S::Accepted,
            (S::Accepted, A::Decide { approve: true }) => S::Approved,
            (S::Accepted, A::Decide { approve: false }) => S::Denied,
            // One department of a joint case gives its opinion; the others have not yet.
            (S::Accepted, A::Review { .. }) => S::Accepted,
            (S::Approved | S::Denied, A::Deliver) => S::Delivered,
            (S::Transferred, A::Deliver) => S::Delivered,
            (S::Transferred, A::SignTransfer) => S::Transferred,
            (S::Transferred, A::AcceptTransfer) => S::Accepted,
            (S::Transferred, A::ReturnTransfer) => S::Received,
            (S::Received | S::CorrectionRequested | S::Accepted | S::Suspended, A::Withdraw) => S::Withdrawn,
            (S::Delivered | S::NotAccepted | S::Withdrawn | S::Expired, A::Archive) => S::Archived,
            (from, action) => return Err(Error::IllegalTransition(illegal(from, action))),
        };
        Ok(next)
    }
}

fn illegal(from: CaseStatus, action: CaseAction) -> String {
    let why = match (from, action) {
        (CaseStatus::Archived, _) => "办件已归档，不能再办理".to_owned(),
        (_, CaseAction::Withdraw) if from.is_concluded() || from == CaseStatus::Delivered => {
            "办件已作出决定，不能撤回".to_owned()
        }
        (_, CaseAction::Decide { .. } | CaseAction::Review { .. }) if from == CaseStatus::Suspended => {
            "办件处于特别程序中，请先恢复办理".to_owned()
        }
        (_, CaseAction::Decide { .. } | CaseAction::Review { .. }) => "只有已受理的办件才能作出审批决定".to_owned(),
        (_, CaseAction::Forward) => "只有已收件、尚未受理的办件才能上报".to_owned(),
        (_, CaseAction::Accept | CaseAction::RequestCorrection | CaseAction::Reject) => {
            "只有已收件的办件才能受理、要求补正或不予受理".to_owned()
        }
        (_, CaseAction::Resubmit) => "只有待补正的办件才能补正提交".to_owned(),
        (_, CaseAction::Deliver) => "只有已办结的办件才能送达".to_owned(),
        (_, CaseAction::Archive) => "办件尚未办结送达，不能归档".to_owned(),
        (_, CaseAction::Resume) => "办件不在特别程序中".to_owned(),
        _ => String::new(),
    };
    let base = format!("办件当前状态为“{}”，不能{}", from.label(), action.label());
    if why.is_empty() { base } else { format!("{base}：{why}") }
}

impl fmt::Display for CaseStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseAction {
    Accept,
    RequestCorrection,
    Resubmit,
    Reject,
    Forward,
    Transfer,
    Suspend,
    Resume,
    Decide {
        approve: bool,
    },
    /// A department's opinion on a joint case (联办), before every department has given one.
    Review {
        approve: bool,
    },
    Deliver,
    Archive,
    Withdraw,
    Expire,
    /// The handling tenant signs for a transferred case (签收).
    SignTransfer,
    /// The handling tenant accepts a transferred case; its clock starts there.
    AcceptTransfer,
    /// The handling tenant returns a transferred case to the collecting tenant, with a reason.
    ReturnTransfer,
}

impl CaseAction {
    pub fn label(self) -> &'static str {
        match self {
            CaseAction::Accept => "受理",
            CaseAction::RequestCorrection => "要求补正",
            CaseAction::Resubmit => "补正提交",
            CaseAction::Reject => "不予受理",
            CaseAction::Forward => "上报",
            CaseAction::Transfer => "转办理地",
            CaseAction::Suspend => "启动特别程序",
            CaseAction::Resume => "恢复办理",
            CaseAction::Decide { approve: true } => "准予许可",
            CaseAction::Decide { approve: false } => "不予许可",
            CaseAction::Review { approve: true } => "提出同意意见",
            CaseAction::Review { approve: false } => "提出不同意意见",
            CaseAction::Deliver => "送达",
            CaseAction::Archive => "归档",
            CaseAction::Withdraw => "撤回",
            CaseAction::Expire => "按补正逾期处理",
            CaseAction::SignTransfer => "签收转来办件",
            CaseAction::AcceptTransfer => "受理转来办件",
            CaseAction::ReturnTransfer => "退回收件地",
        }
    }

    /// The action's name in the audit log.
    pub fn audit_action(self) -> &'static str {
        match self {
            CaseAction::Accept => "case.accept",
            CaseAction::RequestCorrection => "case.request_correction",
            CaseAction::Resubmit => "case.resubmit",
            CaseAction::Reject => "case.reject",
            CaseAction::Forward => "case.forward",
            CaseAction::Transfer => "case.transfer",
            CaseAction::Suspend => "case.suspend",
            CaseAction::Resume => "case.resume",
            CaseAction::Decide { .. } => "case.decide",
            CaseAction::Review { .. } => "case.review",
            CaseAction::Deliver => "case.deliver",
            CaseAction::Archive => "case.archive",
            CaseAction::Withdraw => "case.withdraw",
            CaseAction::Expire => "case.expire",
            CaseAction::SignTransfer => "transfer.receive",
            CaseAction::AcceptTransfer => "transfer.accept",
            CaseAction::ReturnTransfer => "transfer.return",
        }
    }
}

pub use crate::catalogue::CaseKind;

/// Where a joint case (联办件) stands given each department's decision so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JointOutcome {
    /// Some departments have not decided yet.
    Pending { remaining: usize },
    /// Every department approved.
    Approved,
    /// Every department decided and at least one denied: any denial denies.
    Denied,
}

/// `decisions` holds one entry per department: `None` until it decides.
pub fn joint_outcome(decisions: &[Option<bool>]) -> JointOutcome {
    let remaining = decisions.iter().filter(|d| d.is_none()).count();
    if remaining > 0 {
        JointOutcome::Pending { remaining }
    } else if decisions.iter().all(|d| *d == Some(true)) {
        JointOutcome::Approved
    } else {
        JointOutcome::Denied
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_clocks_are_running_or_paused() {
        let open: Vec<CaseStatus> = CaseStatus::ALL.into_iter().filter(|s| s.clock_open()).collect();
        assert_eq!(open, CaseStatus::OPEN_CLOCK);
        assert!(open.iter().any(|s| s.clock_running()) && open.iter().any(|s| !s.clock_running()));
        assert!(CaseStatus::ALL.into_iter().filter(|s| s.clock_running()).all(CaseStatus::clock_open));
    }
    use CaseAction as A;
    use CaseStatus as S;

    const ACTIONS: [CaseAction; 19] = [
        A::Accept,
        A::RequestCorrection,
        A::Resubmit,
        A::Reject,
        A::Forward,
        A::Transfer,
        A::Suspend,
        A::Resume,
        A::Decide { approve: true },
        A::Decide { approve: false },
        A::Review { approve: true },
        A::Review { approve: false },
        A::Deliver,
        A::Archive,
        A::Withdraw,
        A::Expire,
        A::SignTransfer,
        A::AcceptTransfer,
        A::ReturnTransfer,
    ];

    /// The whole table, written out independently of `apply`'s match.
    fn expected(from: S, a: A) -> Option<S> {
        Some(match (from, a) {
            (S::Received, A::Accept) => S::Accepted,
            (S::Received, A::RequestCorrection) => S::CorrectionRequested,
            (S::Received, A::Reject) => S::NotAccepted,
            (S::Received, A::Forward) => S::Received,
            (S::Received, A::Transfer) => S::Transferred,
            (S::Received, A::Withdraw) => S::Withdrawn,
            (S::CorrectionRequested, A::Resubmit) => S::Received,
            (S::CorrectionRequested, A::Expire) => S::Expired,
            (S::CorrectionRequested, A::Withdraw) => S::Withdrawn,
            (S::Accepted, A::Suspend) => S::Suspended,
            (S::Accepted, A::Decide { approve: true }) => S::Approved,
            (S::Accepted, A::Decide { approve: false }) => S::Denied,
            (S::Accepted, A::Review { .. }) => S::Accepted,
            (S::Accepted, A::Withdraw) => S::Withdrawn,
            (S::Suspended, A::Resume) => S::Accepted,
            (S::Suspended, A::Withdraw) => S::Withdrawn,
            (S::Approved, A::Deliver) => S::Delivered,
            (S::Denied, A::Deliver) => S::Delivered,
            (S::Transferred, A::Deliver) => S::Delivered,
            (S::Transferred, A::SignTransfer) => S::Transferred,
            (S::Transferred, A::AcceptTransfer) => S::Accepted,
            (S::Transferred, A::ReturnTransfer) => S::Received,
            (S::Delivered, A::Archive) => S::Archived,
            (S::NotAccepted, A::Archive) => S::Archived,
            (S::Withdrawn, A::Archive) => S::Archived,
            (S::Expired, A::Archive) => S::Archived,
            _ => return None,
        })
    }

    #[test]
    fn every_state_and_action_follows_the_table() {
        for from in CaseStatus::ALL {
            for a in ACTIONS {
                match (from.apply(a), expected(from, a)) {
                    (Ok(to), Some(want)) => assert_eq!(to, want, "{from} {a:?}"),
                    (Err(e), None) => {
                        assert_eq!(e.code(), "ILLEGAL_TRANSITION");
                        assert!(e.to_string().contains(from.label()), "{e}");
                        assert!(e.to_string().contains(a.label()), "{e}");
                    }
                    (got, want) => panic!("{from} {a:?}: got {got:?}, want {want:?}"),
                }
            }
        }
    }

    #[test]
    fn messages_explain_why() {
        let e = S::Approved.apply(A::Withdraw).expect_err("decided");
        assert!(e.to_string().contains("已作出决定"), "{e}");
        let e = S::Suspended.apply(A::Decide { approve: true }).expect_err("suspended");
        assert!(e.to_string().contains("先恢复办理"), "{e}");
        let e = S::Archived.apply(A::Deliver).expect_err("archived");
        assert!(e.to_string().contains("已归档"), "{e}");
    }

    #[test]
    fn a_full_case_runs_through() {
        let mut s = S::Received;
        for a in [
            A::RequestCorrection,
            A::Resubmit,
            A::Accept,
            A::Suspend,
            A::Resume,
            A::Decide { approve: true },
            A::Deliver,
            A::Archive,
        ] {
            s = s.apply(a).expect("legal");
        }
        assert_eq!(s, S::Archived);
    }

    #[test]
    fn status_round_trips() {
        for s in CaseStatus::ALL {
            assert_eq!(CaseStatus::parse(s.as_str()).expect("valid"), s);
        }
        assert!(CaseStatus::parse("DONE").is_err());
    }

    #[test]
    fn joint_cases_conclude_when_all_decided_and_any_denial_denies() {
        assert_eq!(joint_outcome(&[Some(true), None, None]), JointOutcome::Pending { remaining: 2 });
        assert_eq!(joint_outcome(&[Some(false), None]), JointOutcome::Pending { remaining: 1 });
        assert_eq!(joint_outcome(&[Some(true), Some(true)]), JointOutcome::Approved);
        assert_eq!(joint_outcome(&[Some(true), Some(false), Some(true)]), JointOutcome::Denied);
    }
}
