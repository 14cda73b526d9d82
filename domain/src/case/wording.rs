//! The wording of the documents issued with a case's transitions. Apart from `document`, so
//! that documents do not depend on the case that holds them.

use chrono::{DateTime, Datelike, Utc};
use uuid::Uuid;

use super::document::{DocumentDraft, DocumentKind};
use super::model::Case;

impl DocumentDraft {
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
