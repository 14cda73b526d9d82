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
        CaseWrite { case, row, events, audit, documents: Vec::new(), messages: Vec::new() }
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
