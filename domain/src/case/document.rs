//! Numbered documents (文书) issued with case decisions: printable, kept with the case.

use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::region::RegionCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DocumentKind {
    AcceptanceNotice,
    CorrectionNotice,
    NonAcceptanceNotice,
    ApprovalDecision,
    DenialDecision,
}

impl DocumentKind {
    pub fn title(self) -> &'static str {
        match self {
            DocumentKind::AcceptanceNotice => "受理通知书",
            DocumentKind::CorrectionNotice => "补正材料通知书",
            DocumentKind::NonAcceptanceNotice => "不予受理通知书",
            DocumentKind::ApprovalDecision => "准予许可决定书",
            DocumentKind::DenialDecision => "不予许可决定书",
        }
    }

    /// The character of the number (受字, 补字, …).
    fn word(self) -> &'static str {
        match self {
            DocumentKind::AcceptanceNotice => "受",
            DocumentKind::CorrectionNotice => "补",
            DocumentKind::NonAcceptanceNotice => "不受",
            DocumentKind::ApprovalDecision => "准",
            DocumentKind::DenialDecision => "不准",
        }
    }
}

/// A document to issue with a transition; the store numbers it per tenant and year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentDraft {
    pub id: Uuid,
    pub kind: DocumentKind,
    pub tenant: RegionCode,
    /// The issuing tenant's short name, e.g. 永寿县.
    pub issuer: String,
    pub issued_at: DateTime<Utc>,
    pub paragraphs: Vec<String>,
}

impl DocumentDraft {
    pub fn year(&self) -> i32 {
        crate::china_time::local_day(self.issued_at).year()
    }

    /// 永寿县受字〔2026〕7号: issuer, word and year, then the sequence number without padding or
    /// 第 (GB/T 9704-2012 7.2.4: 发文顺序号不加“第”字，不编虚位), so a store may join the parts itself.
    pub fn number(&self, seq: i64) -> String {
        format!("{}{seq}{}", self.number_prefix(), Self::NUMBER_SUFFIX)
    }

    /// What precedes the sequence number: 永寿县受字〔2026〕.
    pub fn number_prefix(&self) -> String {
        format!("{}{}字〔{}〕", self.issuer, self.kind.word(), self.year())
    }

    pub const NUMBER_SUFFIX: &'static str = "号";
}

/// An issued document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    pub id: Uuid,
    pub case_id: Uuid,
    pub tenant: RegionCode,
    pub kind: DocumentKind,
    pub number: String,
    pub issued_at: DateTime<Utc>,
    pub paragraphs: Vec<String>,
}

impl Document {
    pub fn title(&self) -> &'static str {
        self.kind.title()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_per_issuer_kind_and_year() {
        let d = DocumentDraft {
            id: Uuid::nil(),
            kind: DocumentKind::AcceptanceNotice,
            tenant: RegionCode::parse("610426000000").expect("code"),
            issuer: "永寿县".into(),
            issued_at: DateTime::parse_from_rfc3339("2026-12-31T17:00:00Z").expect("time").to_utc(),
            paragraphs: vec![],
        };
        // 2026-12-31 17:00 UTC is already 2027-01-01 in Shanghai.
        assert_eq!(d.number(7), "永寿县受字〔2027〕7号");
        assert_eq!(d.number(12345), "永寿县受字〔2027〕12345号");
    }
}
