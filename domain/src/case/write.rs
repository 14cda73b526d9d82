//! What one step of a case writes: the row, its events, the audit entry, the documents and the
//! messages for other systems travel as one value and are saved together, in one transaction.

use super::document::{Document, DocumentDraft};
use super::model::{Case, CaseEvent};
use crate::audit::AuditRecord;
use crate::region::RegionCode;

/// How the case's row is written.
#[derive(Debug, Clone, PartialEq)]
pub enum CaseRow {
    /// A new case (intake). With an idempotency key already used at the same tenant nothing is
    /// stored and the earlier case is the answer.
    New { query_code_hash: String, idempotency_key: Option<String> },
    /// A transition: saved only if the stored version is still `case.version - 1` and the case is
    /// still handled by `held_by`.
    Changed { held_by: RegionCode },
}

/// A message for another tenant or system, stored with the step that sends it (an outbox) and
/// delivered after the commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    pub topic: String,
    pub payload: serde_json::Value,
}

/// One step's write. `case` is the row as it is to be stored; `events` and `documents` are what
/// this step adds (they are not in `case` until saved).
#[derive(Debug, Clone)]
pub struct CaseWrite {
    pub case: Case,
    pub row: CaseRow,
    pub events: Vec<CaseEvent>,
    pub audit: AuditRecord,
    pub documents: Vec<DocumentDraft>,
    pub messages: Vec<OutboxMessage>,
    /// The case's transfer as this step changes it (跨域通办).
    pub transfer: Option<crate::transfer::TransferChange>,
}

impl CaseWrite {
    /// A new case with the events it was created with.
    pub fn intake(
        mut case: Case,
        query_code_hash: String,
        idempotency_key: Option<String>,
        audit: AuditRecord,
    ) -> Self {
        let events = std::mem::take(&mut case.events);
        let row = CaseRow::New { query_code_hash, idempotency_key };
        CaseWrite { case, row, events, audit, documents: Vec::new(), messages: Vec::new(), transfer: None }
    }

    /// A transition of a case held by `held_by` when it was read.
    pub fn transition(
        case: Case,
        held_by: RegionCode,
        event: CaseEvent,
        document: Option<DocumentDraft>,
        audit: AuditRecord,
    ) -> Self {
        let row = CaseRow::Changed { held_by };
        CaseWrite {
            case,
            row,
            events: vec![event],
            audit,
            documents: document.into_iter().collect(),
            messages: Vec::new(),
            transfer: None,
        }
    }

    /// The tenant whose data the write changes (the case's handling tenant before the step).
    pub fn tenant(&self) -> &RegionCode {
        match &self.row {
            CaseRow::New { .. } => &self.case.handling,
            CaseRow::Changed { held_by } => held_by,
        }
    }

    /// The case as saved: with this step's events and the documents as numbered.
    pub fn saved(self, documents: Vec<Document>) -> Case {
        let mut case = self.case;
        case.events.extend(self.events);
        case.documents.extend(documents);
        case
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use uuid::Uuid;

    use super::*;
    use crate::case::{Applicant, ApplicantKind, CaseKind, CaseStatus, Channel};

    fn event(status: CaseStatus, action: &str, tenant: RegionCode) -> CaseEvent {
        let at = Utc.with_ymd_and_hms(2026, 11, 29, 8, 0, 0).single().expect("valid time");
        CaseEvent { at, status, actor: "张三".into(), tenant, action: action.into(), opinion: None }
    }

    fn new_case(handling: RegionCode, collecting: RegionCode) -> (Case, AuditRecord) {
        let received = event(CaseStatus::Received, "收件", collecting);
        let case = Case {
            id: Uuid::now_v7(),
            case_no: "61042620261129000001".into(),
            kind: CaseKind::Promised,
            status: CaseStatus::Received,
            impl_item_id: Uuid::now_v7(),
            impl_version: 1,
            item_name: "教师资格认定".into(),
            handling,
            collecting,
            channel: Channel::Window,
            applicant: Applicant {
                kind: ApplicantKind::Person,
                name: "李四".into(),
                id_type: "身份证".into(),
                id_number: "11010519491231002X".into(),
                phone: None,
            },
            form: None,
            provided: Vec::new(),
            missing: Vec::new(),
            deferred: Vec::new(),
            deferred_until: None,
            correction_due: None,
            received_at: received.at,
            accepted_at: None,
            concluded_at: None,
            clock: None,
            deadline: None,
            deadline_provisional: false,
            reviews: Vec::new(),
            version: 1,
            events: vec![received.clone()],
            documents: Vec::new(),
            history_loaded: true,
        };
        let audit = AuditRecord {
            tenant: handling,
            at: received.at,
            actor: "张三".into(),
            actor_tenant: collecting,
            action: "case.submit".into(),
            target: case.case_no.clone(),
            before: None,
            after: None,
        };
        (case, audit)
    }

    #[test]
    fn a_write_carries_the_steps_events_and_gives_them_back_once_saved() {
        let code = |c: &str| RegionCode::parse(c).expect("valid code");
        let (county, town) = (code("610426000000"), code("610426001000"));
        let (case, audit) = new_case(county, town);
        let w = CaseWrite::intake(case.clone(), "hash".into(), Some("k1".into()), audit.clone());
        // The intake's events travel in the write, not in the row, and come back when saved.
        assert!(w.case.events.is_empty());
        assert_eq!(w.events, case.events);
        assert_eq!(w.tenant(), &county);
        assert!(w.messages.is_empty() && w.documents.is_empty());
        assert_eq!(w.saved(Vec::new()), case);

        // A transition is written at the tenant that held the case, and appends to what was read.
        let accepted = event(CaseStatus::Accepted, "受理", county);
        let read = Case { events: Vec::new(), history_loaded: false, ..case };
        let w = CaseWrite::transition(read.clone(), town, accepted.clone(), None, audit);
        assert_eq!(w.tenant(), &town);
        assert_eq!(w.row, CaseRow::Changed { held_by: town });
        let saved = w.saved(Vec::new());
        assert_eq!(saved.events, vec![accepted]);
        assert_eq!(Case { events: Vec::new(), ..saved }, read);
    }
}
