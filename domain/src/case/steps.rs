//! The steps a person takes on a case, as interfaces offer them: each is one transition of the
//! state machine guarded by one action of the policy.

use crate::case::CaseAction;
use crate::policy::Action;

/// One step a person may take on a case (the buttons of the case page, `Case.allowedActions`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CaseStep {
    Accept,
    RequestCorrection,
    Reject,
    Forward,
    Resubmit,
    Suspend,
    Resume,
    Approve,
    Deny,
    Deliver,
    Archive,
    Withdraw,
    /// 转办理地: the collector of a remote intake sends it to the handling tenant.
    Transfer,
}

impl CaseStep {
    pub const ALL: [CaseStep; 13] = [
        CaseStep::Forward,
        CaseStep::Transfer,
        CaseStep::Accept,
        CaseStep::RequestCorrection,
        CaseStep::Reject,
        CaseStep::Resubmit,
        CaseStep::Approve,
        CaseStep::Deny,
        CaseStep::Suspend,
        CaseStep::Resume,
        CaseStep::Deliver,
        CaseStep::Archive,
        CaseStep::Withdraw,
    ];

    /// The transition of the state machine.
    pub fn action(self) -> CaseAction {
        match self {
            CaseStep::Accept => CaseAction::Accept,
            CaseStep::RequestCorrection => CaseAction::RequestCorrection,
            CaseStep::Reject => CaseAction::Reject,
            CaseStep::Forward => CaseAction::Forward,
            CaseStep::Resubmit => CaseAction::Resubmit,
            CaseStep::Suspend => CaseAction::Suspend,
            CaseStep::Resume => CaseAction::Resume,
            CaseStep::Approve => CaseAction::Decide { approve: true },
            CaseStep::Deny => CaseAction::Decide { approve: false },
            CaseStep::Deliver => CaseAction::Deliver,
            CaseStep::Archive => CaseAction::Archive,
            CaseStep::Withdraw => CaseAction::Withdraw,
            CaseStep::Transfer => CaseAction::Transfer,
        }
    }

    /// The action of the policy that grants the step.
    pub fn policy(self) -> Action {
        match self {
            CaseStep::Suspend | CaseStep::Resume | CaseStep::Approve | CaseStep::Deny => Action::DecideCases,
            CaseStep::Transfer => Action::CrossArea,
            _ => Action::HandleCases,
        }
    }

    pub fn label(self) -> &'static str {
        self.action().label()
    }

    /// A stable lower-case name (console form addresses, element ids).
    pub fn key(self) -> &'static str {
        match self {
            CaseStep::Accept => "accept",
            CaseStep::RequestCorrection => "correct",
            CaseStep::Reject => "reject",
            CaseStep::Forward => "forward",
            CaseStep::Resubmit => "resubmit",
            CaseStep::Suspend => "suspend",
            CaseStep::Resume => "resume",
            CaseStep::Approve => "approve",
            CaseStep::Deny => "deny",
            CaseStep::Deliver => "deliver",
            CaseStep::Archive => "archive",
            CaseStep::Withdraw => "withdraw",
            CaseStep::Transfer => "transfer",
        }
    }

    pub fn from_key(key: &str) -> Option<CaseStep> {
        CaseStep::ALL.into_iter().find(|s| s.key() == key)
    }

    /// Irreversible steps ask for confirmation (不予受理, 不予许可, 撤回).
    pub fn irreversible(self) -> bool {
        matches!(self, CaseStep::Reject | CaseStep::Deny | CaseStep::Withdraw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_labels_are_chinese() {
        for s in CaseStep::ALL {
            assert_eq!(CaseStep::from_key(s.key()), Some(s));
            assert!(!s.label().is_ascii(), "{s:?}");
        }
        assert_eq!(CaseStep::from_key("expire"), None);
    }
}
