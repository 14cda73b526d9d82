//! Numbered documents (文书) issued with case decisions: printable, kept with the case.

use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::model::Case;
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

    /// The wording of each document, from the case after its transition.
    pub fn compose(
        kind: DocumentKind,
        case: &Case,
        issuer: &str,
        center: &str,
        issued_at: DateTime<Utc>,
        opinion: Option<&str>,
    ) -> Self {
        let day = crate::china_time::local_day(case.received_at);
        let applied = format!(
            "{}：\n你（单位）于{}年{}月{}日提出的“{}”申请（办件编号 {}）",
            case.applicant.name,
            day.year(),
            day.month(),
            day.day(),
            case.item_name,
            case.case_no
        );
        let mut p = vec![applied];
        match kind {
            DocumentKind::AcceptanceNotice => {
                p.push("经审查，申请材料齐全、符合法定形式，本机关决定予以受理。".into());
                if let Some(d) = case.deadline {
                    p.push(format!(
                        "本机关将于{}年{}月{}日前作出决定（特别程序所需时间不计算在内）。",
                        d.year(),
                        d.month(),
                        d.day()
                    ));
                }
                if !case.deferred.is_empty() {
                    let until = case
                        .deferred_until
                        .map(|d| format!("{}年{}月{}日前", d.year(), d.month(), d.day()))
                        .unwrap_or_default();
                    p.push(format!("容缺受理：请于{until}补交以下材料：{}。", case.deferred.join("、")));
                }
            }
            DocumentKind::CorrectionNotice => {
                p.push("经审查，申请材料不齐全或者不符合法定形式，现一次性告知需要补正的全部内容：".into());
                for (i, m) in case.missing.iter().enumerate() {
                    p.push(format!("{}. {m}", i + 1));
                }
                if let Some(note) = opinion {
                    p.push(format!("说明：{note}"));
                }
                if let Some(d) = case.correction_due {
                    p.push(format!(
                        "请于{}年{}月{}日前补正；逾期未补正的，视为放弃申请。",
                        d.year(),
                        d.month(),
                        d.day()
                    ));
                }
            }
            DocumentKind::NonAcceptanceNotice => {
                p.push(format!("经审查，本机关决定不予受理，理由如下：{}", opinion.unwrap_or_default()));
                p.push("如不服本决定，可依法申请行政复议或者提起行政诉讼。".into());
            }
            DocumentKind::ApprovalDecision => {
                p.push("经审查，符合法定条件、标准，本机关决定准予许可。".into());
                if let Some(o) = opinion {
                    p.push(format!("审批意见：{o}"));
                }
            }
            DocumentKind::DenialDecision => {
                p.push(format!("经审查，本机关决定不予许可，理由如下：{}", opinion.unwrap_or_default()));
                p.push("如不服本决定，可依法申请行政复议或者提起行政诉讼。".into());
            }
        }
        p.push(center.to_owned());
        DocumentDraft {
            id: Uuid::now_v7(),
            kind,
            tenant: case.handling,
            issuer: issuer.to_owned(),
            issued_at,
            paragraphs: p,
        }
    }
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
