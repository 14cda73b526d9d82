//! A case as stored and shown.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::clock::{CaseClock, ClockReading, WarningPolicy};
use super::state::{CaseKind, CaseStatus};
use crate::calendar::WorkingCalendar;
use crate::error::{Error, Result};
use crate::mask::{mask_id_number, mask_phone};
use crate::region::RegionCode;
use crate::tenant::Scope;
use crate::text;

/// The longest applicant name (a person's or an organisation's).
pub const MAX_APPLICANT_NAME_CHARS: usize = 100;
/// The longest name of a kind of identity document.
pub const MAX_ID_TYPE_CHARS: usize = 20;
/// The longest identity document number.
pub const MAX_ID_NUMBER_CHARS: usize = 40;
/// The longest phone number.
pub const MAX_PHONE_CHARS: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Channel {
    Window,
    Online,
    Agent,
    Remote,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ApplicantKind {
    Person,
    Company,
    Institution,
    SocialOrg,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SpecialProcedure {
    Extension,
    Hearing,
    Inspection,
    Appraisal,
    ExpertReview,
    Other,
}

impl SpecialProcedure {
    pub fn label(self) -> &'static str {
        match self {
            SpecialProcedure::Extension => "延长审批",
            SpecialProcedure::Hearing => "听证",
            SpecialProcedure::Inspection => "检验检测",
            SpecialProcedure::Appraisal => "鉴定",
            SpecialProcedure::ExpertReview => "专家评审",
            SpecialProcedure::Other => "其他特别程序",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeliveryMethod {
    Window,
    Post,
    Online,
}

/// The applicant as given; the id number and phone are stored and shown masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applicant {
    pub kind: ApplicantKind,
    pub name: String,
    pub id_type: String,
    pub id_number: String,
    pub phone: Option<String>,
}

impl Applicant {
    pub fn parse(kind: ApplicantKind, name: &str, id_type: &str, id_number: &str, phone: Option<&str>) -> Result<Self> {
        let name = text::line("申请人名称", name, MAX_APPLICANT_NAME_CHARS)?;
        let id_type = text::optional_line("证件类型", Some(id_type), MAX_ID_TYPE_CHARS)?;
        let id_type = id_type.unwrap_or_else(|| "身份证".to_owned());
        let id_number = text::line("证件号码", id_number, MAX_ID_NUMBER_CHARS)?.to_ascii_uppercase();
        if id_type == "身份证" && !valid_resident_id(&id_number) {
            return Err(Error::invalid("居民身份证号码无效：应为18位，且校验码正确"));
        }
        let phone = text::optional_line("联系电话", phone, MAX_PHONE_CHARS)?;
        if phone.as_deref().is_some_and(|p| !p.chars().all(|c| c.is_ascii_digit() || c == '-' || c == '+')) {
            return Err(Error::invalid("联系电话格式不正确"));
        }
        Ok(Applicant { kind, name, id_type, id_number, phone })
    }

    pub fn id_number_masked(&self) -> String {
        mask_id_number(&self.id_number)
    }

    pub fn phone_masked(&self) -> Option<String> {
        self.phone.as_deref().map(mask_phone)
    }
}

/// GB 11643: 18 characters, the last a check character over the first 17 digits.
pub fn valid_resident_id(id: &str) -> bool {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let b = id.as_bytes();
    if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = b[..17].iter().zip(W).map(|(d, w)| u32::from(d - b'0') * w).sum();
    CHECK[(sum % 11) as usize] == b[17]
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseEvent {
    pub at: DateTime<Utc>,
    pub status: CaseStatus,
    pub actor: String,
    pub tenant: RegionCode,
    pub action: String,
    pub opinion: Option<String>,
}

/// What intake knows of a new case; everything else starts empty (nothing decided, no clock).
pub struct Intake {
    pub case_no: String,
    pub handling: RegionCode,
    pub collecting: RegionCode,
    pub channel: Channel,
    pub applicant: Applicant,
    pub form: Option<serde_json::Value>,
    pub provided: Vec<String>,
}

impl Case {
    /// A new case of `item`, in the status of its first event and received at its time.
    pub fn intake(item: &crate::catalogue::ImplItem, new: Intake, first: CaseEvent) -> Case {
        Case {
            id: Uuid::now_v7(),
            case_no: new.case_no,
            kind: item.local.case_kind,
            status: first.status,
            impl_item_id: item.id,
            impl_version: item.version,
            item_name: item.base.name.clone(),
            handling: new.handling,
            collecting: new.collecting,
            channel: new.channel,
            applicant: new.applicant,
            form: new.form,
            provided: new.provided,
            missing: Vec::new(),
            deferred: Vec::new(),
            deferred_until: None,
            correction_due: None,
            received_at: first.at,
            accepted_at: None,
            concluded_at: None,
            clock: None,
            deadline: None,
            deadline_provisional: false,
            reviews: Vec::new(),
            version: 1,
            documents: Vec::new(),
            history_loaded: true,
            events: vec![first],
        }
    }
}

/// One department's review of a joint case (联办件): the lead and each co-department decide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepartmentReview {
    pub department_id: Uuid,
    pub department: String,
    pub lead: bool,
    /// None until the department has decided.
    pub approve: Option<bool>,
    pub opinion: Option<String>,
    pub reviewer: Option<String>,
    pub at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    pub id: Uuid,
    pub case_no: String,
    pub kind: CaseKind,
    pub status: CaseStatus,
    pub impl_item_id: Uuid,
    pub impl_version: u32,
    pub item_name: String,
    pub handling: RegionCode,
    pub collecting: RegionCode,
    pub channel: Channel,
    pub applicant: Applicant,
    pub form: Option<serde_json::Value>,
    pub provided: Vec<String>,
    pub missing: Vec<String>,
    pub deferred: Vec<String>,
    pub deferred_until: Option<NaiveDate>,
    pub correction_due: Option<NaiveDate>,
    pub received_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub concluded_at: Option<DateTime<Utc>>,
    /// None until accepted.
    pub clock: Option<CaseClock>,
    /// The deadline as last computed, kept for listing overdue cases efficiently.
    pub deadline: Option<NaiveDate>,
    pub deadline_provisional: bool,
    /// Joint cases: one review per department, fixed at acceptance (lead first).
    pub reviews: Vec<DepartmentReview>,
    /// Optimistic concurrency: every transition increments it.
    pub version: i64,
    pub events: Vec<CaseEvent>,
    pub documents: Vec<super::document::Document>,
    /// False when the case was read for a transition without its history: `events` and `documents`
    /// then hold only what the transition added, and the history is read again where it is shown.
    pub history_loaded: bool,
}

impl Case {
    /// Joint cases: the departments that have not reviewed yet, lead first.
    pub fn departments_to_review(&self) -> impl Iterator<Item = Uuid> + '_ {
        self.reviews.iter().filter(|r| r.approve.is_none()).map(|r| r.department_id)
    }

    /// Whether the case is in reach of `scope` (see [`Scope::reaches_case`]).
    pub fn visible_in(&self, scope: &Scope) -> bool {
        scope.reaches_case(&self.handling, &self.collecting)
    }

    /// Collected at one tenant and handled at another (an escalated case after forwardCase).
    pub fn collected_elsewhere(&self) -> bool {
        self.handling != self.collecting
    }

    /// A remote intake (异地收件) handled at another tenant: it travels by transfer.
    pub fn is_remote(&self) -> bool {
        self.channel == Channel::Remote && self.collected_elsewhere()
    }

    /// The tenant that works on the case now: a remote intake's collecting tenant until it has
    /// transferred the case (and again once it is returned), the handling tenant otherwise.
    pub fn holder(&self) -> &RegionCode {
        let at_collector = matches!(
            self.status,
            CaseStatus::Received
                | CaseStatus::CorrectionRequested
                | CaseStatus::NotAccepted
                | CaseStatus::Withdrawn
                | CaseStatus::Expired
        );
        if self.is_remote() && at_collector { &self.collecting } else { &self.handling }
    }

    /// The status as `scope` sees it: a remote intake's collecting tenant sees TRANSFERRED while the
    /// handling tenant works on it.
    pub fn status_seen_from(&self, scope: &Scope) -> CaseStatus {
        let handled = matches!(self.status, CaseStatus::Accepted | CaseStatus::Suspended);
        if self.is_remote() && handled && !scope.contains(&self.handling) && scope.contains(&self.collecting) {
            CaseStatus::Transferred
        } else {
            self.status
        }
    }

    /// The clock's reading on `today`, if the clock has started.
    pub fn reading(&self, cal: &WorkingCalendar, today: NaiveDate, policy: WarningPolicy) -> Option<ClockReading> {
        let concluded_on = self.concluded_at.map(crate::china_time::local_day);
        self.clock.as_ref().map(|c| c.reading(cal, today, concluded_on, policy))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resident_ids_are_checked() {
        assert!(valid_resident_id("11010519491231002X"));
        assert!(!valid_resident_id("110105194912310021"));
        assert!(!valid_resident_id("11010519491231002"));
        let ok = Applicant::parse(ApplicantKind::Person, "张三", "", "11010519491231002x", Some("13812345678"))
            .expect("valid");
        assert_eq!(ok.id_type, "身份证");
        assert_eq!(ok.id_number_masked(), "1101**********002X");
        assert_eq!(ok.phone_masked().as_deref(), Some("138****5678"));
        assert!(Applicant::parse(ApplicantKind::Person, "张三", "身份证", "110105194912310021", None).is_err());
        assert!(
            Applicant::parse(ApplicantKind::Company, "某公司", "统一社会信用代码", "91610426MA6X00000X", None).is_ok()
        );
        assert!(Applicant::parse(ApplicantKind::Person, " ", "", "11010519491231002X", None).is_err());
    }

    #[test]
    fn applicant_fields_follow_the_text_rule_and_name_themselves() {
        let id = "11010519491231002X";
        let field = |r: Result<Applicant>| r.expect_err("refused").to_string();
        assert!(field(Applicant::parse(ApplicantKind::Person, "张\0三", "", id, None)).contains("申请人名称"));
        assert!(field(Applicant::parse(ApplicantKind::Person, "abc\u{202E}gpj", "", id, None)).contains("U+202E"));
        let long_type = "证".repeat(5_000);
        let e = field(Applicant::parse(ApplicantKind::Company, "某公司", &long_type, "91610426MA6X00000X", None));
        assert!(e.contains("证件类型") && e.contains("20"), "{e}");
        assert!(field(Applicant::parse(ApplicantKind::Person, "张三", "", "1101\u{7}", None)).contains("证件号码"));
        assert!(field(Applicant::parse(ApplicantKind::Person, "张三", "", id, Some("138\t1234"))).contains("联系电话"));
    }
}
