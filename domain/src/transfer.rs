//! Cross-area transfers (跨域通办): a case collected at one tenant and handled at another travels as
//! a transfer record with its own state machine, `SENT → RECEIVED → ACCEPTED | RETURNED`, then
//! `RESULT_RETURNED` once the handler concludes.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::calendar::WorkingCalendar;
use crate::case::Warning;
use crate::catalogue::CrossAreaScope;
use crate::error::{Error, Result};
use crate::region::RegionCode;

/// The longest transfer note.
pub const MAX_NOTE_CHARS: usize = crate::text::MAX_MULTILINE_CHARS;
/// The longest idempotency key of a transfer.
pub const MAX_KEY_CHARS: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TransferStatus {
    Sent,
    Received,
    Accepted,
    Returned,
    ResultReturned,
}

impl TransferStatus {
    pub const ALL: [TransferStatus; 5] = [
        TransferStatus::Sent,
        TransferStatus::Received,
        TransferStatus::Accepted,
        TransferStatus::Returned,
        TransferStatus::ResultReturned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TransferStatus::Sent => "SENT",
            TransferStatus::Received => "RECEIVED",
            TransferStatus::Accepted => "ACCEPTED",
            TransferStatus::Returned => "RETURNED",
            TransferStatus::ResultReturned => "RESULT_RETURNED",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TransferStatus::Sent => "已发送",
            TransferStatus::Received => "已签收",
            TransferStatus::Accepted => "已受理",
            TransferStatus::Returned => "已退回",
            TransferStatus::ResultReturned => "结果已回传",
        }
    }

    pub fn parse(s: &str) -> Result<TransferStatus> {
        TransferStatus::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| Error::invalid(format!("转办状态“{s}”无效")))
    }

    /// Applies `action`, or explains in Chinese why it is not allowed now.
    pub fn apply(self, action: TransferAction) -> Result<TransferStatus> {
        use TransferAction as A;
        use TransferStatus as S;
        match (self, action) {
            (S::Sent, A::Receive) => Ok(S::Received),
            (S::Received, A::Accept) => Ok(S::Accepted),
            (S::Sent | S::Received, A::Return) => Ok(S::Returned),
            (S::Accepted, A::ReturnResult) => Ok(S::ResultReturned),
            (from, action) => {
                let why = match action {
                    A::Receive => "只有已发送的转办才能签收",
                    A::Accept => "转办须先签收再受理",
                    A::Return => "已受理或已退回的转办不能退回",
                    A::ReturnResult => "只有已受理的转办才能回传结果",
                };
                Err(Error::IllegalTransition(format!(
                    "转办当前状态为“{}”，不能{}：{why}",
                    from.label(),
                    action.label()
                )))
            }
        }
    }

    /// The handling side still has to act on it (sign, or accept or return).
    pub fn pending_at_handler(self) -> bool {
        matches!(self, TransferStatus::Sent | TransferStatus::Received)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferAction {
    Receive,
    Accept,
    Return,
    ReturnResult,
}

impl TransferAction {
    pub fn label(self) -> &'static str {
        match self {
            TransferAction::Receive => "签收",
            TransferAction::Accept => "受理",
            TransferAction::Return => "退回",
            TransferAction::ReturnResult => "回传结果",
        }
    }

    pub fn audit_action(self) -> &'static str {
        match self {
            TransferAction::Receive => "transfer.receive",
            TransferAction::Accept => "transfer.accept",
            TransferAction::Return => "transfer.return",
            TransferAction::ReturnResult => "transfer.result",
        }
    }
}

impl TransferAction {
    /// The steps people take on a transfer (the result returns by itself when the case concludes).
    pub const STEPS: [TransferAction; 3] = [TransferAction::Receive, TransferAction::Accept, TransferAction::Return];
}

/// May `actor` take `action` on `t` now? Only the handling side's cross-area staff (or its
/// service account), as far as the status allows; answers the status it leads to, or why not.
/// `handler` is the tenant `t` was sent to. The one rule behind the mutations, the console's
/// buttons and `Transfer.allowedActions`.
pub fn check_step(
    actor: &crate::identity::Actor,
    handler: &crate::tenant::Tenant,
    t: &Transfer,
    action: TransferAction,
) -> Result<TransferStatus> {
    use crate::policy::{Action, authorize};
    if handler.code != t.to || !actor.scope().contains(&t.to) {
        return Err(Error::forbidden(format!("只有办理地{}才能{}该转办", handler.name, action.label())));
    }
    authorize(actor, Action::CrossArea, handler)?;
    t.status.apply(action)
}

/// The steps `actor` may take on `t` (sent to `handler`) now, in the order of [`TransferAction::STEPS`].
pub fn allowed_steps(
    actor: &crate::identity::Actor,
    handler: &crate::tenant::Tenant,
    t: &Transfer,
) -> Vec<TransferAction> {
    TransferAction::STEPS.into_iter().filter(|a| check_step(actor, handler, t, *a).is_ok()).collect()
}

/// Which side of a transfer a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Sent to the actor's tenants (办理地).
    Inbound,
    /// Sent by the actor's tenants (收件地).
    Outbound,
}

/// A transfer of a case from its collecting tenant to its handling tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    pub id: Uuid,
    pub case_id: Uuid,
    pub case_no: String,
    pub from: RegionCode,
    pub to: RegionCode,
    pub status: TransferStatus,
    /// When the case was collected (收件), for the collecting side's holding time.
    pub collected_at: DateTime<Utc>,
    pub sent_at: DateTime<Utc>,
    pub received_at: Option<DateTime<Utc>>,
    /// Accepted or returned.
    pub decided_at: Option<DateTime<Utc>>,
    pub result_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
    pub return_reason: Option<String>,
    pub idempotency_key: String,
    /// A fingerprint of what was asked (case and note): a retried request with the same key must
    /// ask the same.
    pub request_hash: String,
    pub version: i64,
    /// Sent by another deployment (跨省通办): the collecting center's name there.
    pub from_center: Option<String>,
    /// Sent by another deployment: the case's number there.
    pub remote_case_no: Option<String>,
}

/// What a step of a case does to its transfer, saved with the case in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferChange {
    /// A new transfer, or the new state of one (its stored version is `version - 1`).
    Save(Box<Transfer>),
    /// The case was concluded at the handler: its accepted transfer returns the result.
    ResultReturned { case_id: Uuid, at: DateTime<Utc> },
}

/// The leading digits of region codes that a handler and a collector share under `scope`
/// (COUNTY: the county, CITY: the city, PROVINCE: the province, NATIONWIDE: none); None for NONE.
/// The one place the reach of a cross-area scope is defined.
fn shared_digits(scope: CrossAreaScope) -> Option<usize> {
    match scope {
        CrossAreaScope::None => None,
        CrossAreaScope::County => Some(6),
        CrossAreaScope::City => Some(4),
        CrossAreaScope::Province => Some(2),
        CrossAreaScope::Nationwide => Some(0),
    }
}

/// Does an item of `handler` with cross-area scope `scope` admit intake at `collector`?
pub fn scope_covers(scope: CrossAreaScope, handler: &RegionCode, collector: &RegionCode) -> bool {
    shared_digits(scope).is_some_and(|d| handler.as_str()[..d] == collector.as_str()[..d])
}

/// The same rule as a storage filter: an item of tenant `h` with scope `s` covers `collector`
/// exactly when some pair `(s, prefix)` here has `h` starting with `prefix`.
pub fn covering_prefixes(collector: &RegionCode) -> Vec<(CrossAreaScope, String)> {
    CrossAreaScope::ALL
        .into_iter()
        .filter_map(|s| shared_digits(s).map(|d| (s, collector.as_str()[..d].to_owned())))
        .collect()
}

/// Remote intake (异地收件) of `item`, published by `handler`, at `collector`: allowed only where
/// the item's cross-area scope covers the collector.
pub fn check_remote_intake(
    item: &crate::catalogue::ImplItem,
    handler: &crate::tenant::Tenant,
    collector: &crate::tenant::Tenant,
) -> Result<()> {
    let scope = item.local.cross_area;
    if scope_covers(scope, &handler.code, &collector.code) {
        return Ok(());
    }
    Err(Error::forbidden(format!(
        "{}的事项“{}”通办范围为“{}”，{}不在范围内，不能异地收件",
        handler.name,
        item.base.name,
        scope.label(),
        collector.name
    )))
}

/// Working days from `from` (exclusive) to `to` (inclusive) on `cal`; 0 when `to` is not later.
pub fn holding_days(cal: &WorkingCalendar, from: NaiveDate, to: NaiveDate) -> i64 {
    cal.working_days_between(from, to).max(0)
}

/// A transfer waiting to be signed for turns yellow after one working day and red after two.
pub fn sign_warning(cal: &WorkingCalendar, sent_on: NaiveDate, today: NaiveDate) -> Warning {
    match holding_days(cal, sent_on, today) {
        0 => Warning::Green,
        1 => Warning::Yellow,
        _ => Warning::Red,
    }
}

/// The latest sending days that make an unsigned transfer yellow and red today: sent on or before
/// `.0` it is at least yellow, on or before `.1` red.
pub fn sign_warning_bounds(cal: &WorkingCalendar, today: NaiveDate) -> (NaiveDate, NaiveDate) {
    let mut day = today;
    let mut waited = 0;
    let mut yellow = None;
    // Two working days back: a few weeks at most, even over the longest holidays.
    for _ in 0..60 {
        if cal.is_workday(day) {
            waited += 1;
        }
        let Some(prev) = day.pred_opt() else { break };
        day = prev;
        if waited >= 1 && yellow.is_none() {
            yellow = Some(day);
        }
        if waited >= 2 {
            return (yellow.unwrap_or(day), day);
        }
    }
    (yellow.unwrap_or(day), day)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn code(c: &str) -> RegionCode {
        RegionCode::parse(c).expect("valid code")
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn transfers_follow_their_states() {
        use TransferAction as A;
        use TransferStatus as S;
        assert_eq!(S::Sent.apply(A::Receive).expect("sign"), S::Received);
        assert_eq!(S::Received.apply(A::Accept).expect("accept"), S::Accepted);
        assert_eq!(S::Received.apply(A::Return).expect("return"), S::Returned);
        assert_eq!(S::Sent.apply(A::Return).expect("return unsigned"), S::Returned);
        assert_eq!(S::Accepted.apply(A::ReturnResult).expect("result"), S::ResultReturned);
        let e = S::Sent.apply(A::Accept).expect_err("not signed");
        assert_eq!(e.code(), "ILLEGAL_TRANSITION");
        assert!(e.to_string().contains("先签收"), "{e}");
        assert!(S::Accepted.apply(A::Return).is_err());
        assert!(S::Returned.apply(A::Receive).is_err());
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()).expect("round trip"), s);
        }
    }

    #[test]
    fn only_the_handlers_staff_take_the_steps_the_status_allows() {
        use crate::identity::{Actor, ActorKind, Role, Roles};
        use crate::region::AdminLevel;
        use crate::tenant::Tenant;
        use TransferAction as A;
        use TransferStatus as S;
        let tenant =
            |c: &str| Tenant { code: code(c), name: c.into(), level: AdminLevel::County, parent: None, root: false };
        let (ys, qd) = (tenant("610426000000"), tenant("610402000000"));
        let actor = |t: &Tenant, role: Role| Actor {
            kind: ActorKind::User { id: Uuid::nil(), username: "u".into() },
            tenant: t.code,
            level: t.level,
            roles: Roles::new(vec![role]).expect("roles"),
        };
        let at = DateTime::<Utc>::UNIX_EPOCH;
        let mut t = Transfer {
            id: Uuid::nil(),
            case_id: Uuid::nil(),
            case_no: "n".into(),
            from: qd.code,
            to: ys.code,
            status: S::Sent,
            collected_at: at,
            sent_at: at,
            received_at: None,
            decided_at: None,
            result_at: None,
            note: None,
            return_reason: None,
            idempotency_key: "k".into(),
            request_hash: "h".into(),
            version: 1,
            from_center: None,
            remote_case_no: None,
        };
        let (window, approver, collector) =
            (actor(&ys, Role::WindowStaff), actor(&ys, Role::Approver), actor(&qd, Role::WindowStaff));
        for (status, want) in [
            (S::Sent, vec![A::Receive, A::Return]),
            (S::Received, vec![A::Accept, A::Return]),
            (S::Accepted, vec![]),
            (S::Returned, vec![]),
            (S::ResultReturned, vec![]),
        ] {
            t.status = status;
            assert_eq!(allowed_steps(&window, &ys, &t), want, "{status:?}");
            assert!(allowed_steps(&approver, &ys, &t).is_empty(), "{status:?}");
            assert!(allowed_steps(&collector, &ys, &t).is_empty(), "{status:?}");
            for a in TransferAction::STEPS {
                assert_eq!(check_step(&window, &ys, &t, a).is_ok(), want.contains(&a), "{status:?} {a:?}");
            }
        }
        t.status = S::Sent;
        let e = check_step(&collector, &ys, &t, A::Receive).expect_err("collector");
        assert!(e.to_string().contains("只有办理地"), "{e}");
    }

    #[test]
    fn scopes_cover_by_region_prefix() {
        let (ys, jj, qd_town, hz) =
            (code("610426000000"), code("610426001000"), code("610402001000"), code("330100000000"));
        assert!(!scope_covers(CrossAreaScope::None, &ys, &jj));
        assert!(scope_covers(CrossAreaScope::County, &ys, &jj));
        assert!(!scope_covers(CrossAreaScope::County, &ys, &qd_town));
        assert!(scope_covers(CrossAreaScope::City, &ys, &qd_town));
        assert!(!scope_covers(CrossAreaScope::Province, &ys, &hz));
        assert!(scope_covers(CrossAreaScope::Nationwide, &ys, &hz));
        // The storage filter says the same for every scope and pair.
        for s in CrossAreaScope::ALL {
            for (h, c) in [(&ys, &jj), (&ys, &qd_town), (&ys, &hz), (&hz, &ys), (&jj, &ys)] {
                let listed = covering_prefixes(c).iter().any(|(k, p)| *k == s && h.as_str().starts_with(p.as_str()));
                assert_eq!(listed, scope_covers(s, h, c), "{s:?} {h:?} {c:?}");
            }
        }
    }

    #[test]
    fn unsigned_transfers_turn_yellow_then_red() {
        let cal = WorkingCalendar::new(BTreeSet::new(), Vec::new());
        // 2026-11-27 is a Friday.
        let fri = day("2026-11-27");
        assert_eq!(sign_warning(&cal, fri, fri), Warning::Green);
        assert_eq!(sign_warning(&cal, fri, day("2026-11-29")), Warning::Green);
        assert_eq!(sign_warning(&cal, fri, day("2026-11-30")), Warning::Yellow);
        assert_eq!(sign_warning(&cal, fri, day("2026-12-01")), Warning::Red);
        // On Tuesday 12-01: sent Monday or before is yellow, Friday or before red.
        let (yellow, red) = sign_warning_bounds(&cal, day("2026-12-01"));
        assert_eq!(yellow, day("2026-11-30"));
        assert_eq!(red, day("2026-11-29"));
        for sent in ["2026-11-26", "2026-11-27", "2026-11-29", "2026-11-30", "2026-12-01"] {
            let w = sign_warning(&cal, day(sent), day("2026-12-01"));
            let d = day(sent);
            let want = if d <= red {
                Warning::Red
            } else if d <= yellow {
                Warning::Yellow
            } else {
                Warning::Green
            };
            assert_eq!(w, want, "{sent}");
        }
    }
}
