//! Cases (办件): the state machine, the clock with its ledger of pauses, warnings, numbers and
//! masked applicant data. Storage and services build on these.

pub mod clock;
pub mod document;
pub mod form;
pub mod model;
pub mod number;
pub mod state;
pub mod steps;
mod wording;
pub mod write;

pub use clock::{CaseClock, ClockReading, Pause, Warning, WarningPolicy};
pub use document::{Document, DocumentDraft, DocumentKind};
pub use form::CaseForm;
pub use model::{
    Applicant, ApplicantKind, Case, CaseEvent, Channel, DeliveryMethod, DepartmentReview, Intake, SpecialProcedure,
};
pub use number::{CaseNo, QueryCode};
pub use state::{CaseAction, CaseKind, CaseStatus, JointOutcome, joint_outcome};
pub use steps::CaseStep;
pub use write::{CaseRow, CaseWrite, OutboxMessage};
