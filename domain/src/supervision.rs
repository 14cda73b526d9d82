//! Supervision (domain.md §6): ratings (好差评) and their rectifications (整改), complaints (投诉) and
//! statistics. Types, rules and the storage port.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::audit::AuditRecord;
use crate::error::{Error, Result};
use crate::region::RegionCode;
use crate::tenant::Scope;
use crate::text;

/// Levels 1 非常满意 … 5 非常不满意.
pub const LEVELS: std::ops::RangeInclusive<i64> = 1..=5;
/// Levels from here on are bad ratings and open a rectification.
pub const BAD_FROM: u8 = 4;
/// Working days a rectification has unless the root tenant set its own.
pub const DEFAULT_RECTIFICATION_DAYS: i64 = 5;
/// The rectification deadlines a root tenant may choose, in working days.
pub const RECTIFICATION_DAYS: std::ops::RangeInclusive<i64> = 1..=30;
/// Working days to handle a complaint.
pub const COMPLAINT_DAYS: i64 = 3;
/// At most this many working days in all, extensions included.
pub const COMPLAINT_MAX_DAYS: i64 = 15;

pub const MAX_CHANNEL_CHARS: usize = 20;
pub const MAX_COMMENT_CHARS: usize = 500;
pub const MAX_OUTCOME_CHARS: usize = 2000;
pub const MAX_REASON_CHARS: usize = 500;
pub const MAX_CONTENT_CHARS: usize = 2000;
pub const MAX_CONTACT_CHARS: usize = 50;

/// The channels a rating comes through.
pub const CHANNELS: &[(&str, &str)] =
    &[("WINDOW", "窗口评价器"), ("QR", "扫码评价"), ("ONLINE", "网上评价"), ("SMS", "短信评价")];

/// A rating level, checked.
pub fn check_level(level: i64) -> Result<u8> {
    if !LEVELS.contains(&level) {
        return Err(Error::invalid(format!("评价等级{level}无效，应为1（非常满意）至5（非常不满意）")));
    }
    u8::try_from(level).map_err(|_| Error::invalid("评价等级无效"))
}

/// A rating channel, checked: one of [`CHANNELS`].
pub fn check_channel(channel: &str) -> Result<String> {
    let c = text::line("评价渠道", channel, MAX_CHANNEL_CHARS)?.to_ascii_uppercase();
    if CHANNELS.iter().any(|(k, _)| *k == c) {
        Ok(c)
    } else {
        let known: Vec<&str> = CHANNELS.iter().map(|(k, _)| *k).collect();
        Err(Error::invalid(format!("评价渠道{c}无效，应为{}之一", known.join("、"))))
    }
}

pub fn level_label(level: u8) -> &'static str {
    match level {
        1 => "非常满意",
        2 => "满意",
        3 => "基本满意",
        4 => "不满意",
        _ => "非常不满意",
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RectificationStatus {
    Open,
    Done,
    Appealed,
    Overturned,
}

impl RectificationStatus {
    pub const ALL: [RectificationStatus; 4] = [Self::Open, Self::Done, Self::Appealed, Self::Overturned];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "OPEN",
            Self::Done => "DONE",
            Self::Appealed => "APPEALED",
            Self::Overturned => "OVERTURNED",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Open => "待整改",
            Self::Done => "已整改",
            Self::Appealed => "申诉中",
            Self::Overturned => "申诉成立",
        }
    }

    pub fn parse(s: &str) -> Result<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s).ok_or_else(|| Error::internal(format!("bad status {s}")))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ComplaintStatus {
    Open,
    Extended,
    Resolved,
}

impl ComplaintStatus {
    pub const ALL: [ComplaintStatus; 3] = [Self::Open, Self::Extended, Self::Resolved];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "OPEN",
            Self::Extended => "EXTENDED",
            Self::Resolved => "RESOLVED",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Open => "办理中",
            Self::Extended => "已延期",
            Self::Resolved => "已办结",
        }
    }

    pub fn parse(s: &str) -> Result<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s).ok_or_else(|| Error::internal(format!("bad status {s}")))
    }
}

/// One rating of a concluded case, with what it rated (kept as at the rating).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rating {
    pub id: Uuid,
    pub case_id: Uuid,
    pub case_no: String,
    /// The handling tenant.
    pub tenant: RegionCode,
    pub impl_item_id: Uuid,
    pub item_name: String,
    pub department_id: Option<Uuid>,
    pub department: String,
    pub level: u8,
    pub channel: String,
    pub comment: Option<String>,
    pub at: DateTime<Utc>,
}

impl Rating {
    pub fn is_bad(&self) -> bool {
        self.level >= BAD_FROM
    }
}

/// A rectification order (整改) opened by a bad rating, for the handling department.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rectification {
    pub id: Uuid,
    pub rating_id: Uuid,
    pub tenant: RegionCode,
    pub case_no: String,
    pub level: u8,
    pub department_id: Option<Uuid>,
    pub department: String,
    pub status: RectificationStatus,
    pub deadline: NaiveDate,
    /// The call-back to the applicant (回访).
    pub callback: Option<String>,
    pub outcome: Option<String>,
    pub appeal_reason: Option<String>,
    /// The center administrator's word on an appeal.
    pub decision: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Rectification {
    /// Still to be done after its deadline.
    pub fn overdue(&self, today: NaiveDate) -> bool {
        matches!(self.status, RectificationStatus::Open | RectificationStatus::Appealed) && self.deadline < today
    }
}

/// A complaint (投诉) at a tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Complaint {
    pub id: Uuid,
    pub tenant: RegionCode,
    pub case_no: Option<String>,
    pub content: String,
    pub contact: String,
    pub status: ComplaintStatus,
    /// The day it was filed (Asia/Shanghai); the deadline counts from here.
    pub filed_on: NaiveDate,
    /// Working days granted in all, extensions included.
    pub days: i64,
    pub deadline: NaiveDate,
    pub extension_reason: Option<String>,
    pub result: Option<String>,
    pub filed_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
}

impl Complaint {
    pub fn overdue(&self, today: NaiveDate) -> bool {
        self.status != ComplaintStatus::Resolved && self.deadline < today
    }
}

/// How statistics are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupBy {
    Tenant,
    Department,
    Window,
    Staff,
    Item,
}

/// One row of statistics.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatsRow {
    pub key: String,
    pub label: String,
    pub received: i64,
    pub accepted: i64,
    pub concluded: i64,
    pub on_time: i64,
    pub overdue: i64,
    pub on_time_rate: f64,
    pub avg_working_days: f64,
    pub ratings: i64,
    pub bad_ratings: i64,
    pub satisfaction: f64,
    pub cross_area_in: i64,
    pub cross_area_out: i64,
    /// Not accepted in the period (不予受理, under review); not a column of the contract.
    pub rejected: i64,
}

impl StatsRow {
    /// Fills the rates from the counts: on-time share of concluded-or-overdue, satisfied share of
    /// ratings (levels 1–3); 1.0 when there is nothing to count.
    pub fn finish(&mut self, working_days_sum: i64, working_days_n: i64) {
        let judged = self.on_time + self.overdue;
        self.on_time_rate = if judged == 0 { 1.0 } else { self.on_time as f64 / judged as f64 };
        self.satisfaction =
            if self.ratings == 0 { 1.0 } else { (self.ratings - self.bad_ratings) as f64 / self.ratings as f64 };
        self.avg_working_days = if working_days_n == 0 { 0.0 } else { working_days_sum as f64 / working_days_n as f64 };
    }
}

/// Counts of cases for one (handling tenant, item) in a period, as storage aggregates them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseCounts {
    pub received: i64,
    pub accepted: i64,
    pub concluded: i64,
    pub on_time: i64,
    pub overdue: i64,
    pub cross_area_in: i64,
    /// Not accepted (不予受理), under review.
    pub rejected: i64,
    pub ratings: i64,
    pub bad_ratings: i64,
}

impl CaseCounts {
    pub fn add(&mut self, o: &CaseCounts) {
        self.received += o.received;
        self.accepted += o.accepted;
        self.concluded += o.concluded;
        self.on_time += o.on_time;
        self.overdue += o.overdue;
        self.cross_area_in += o.cross_area_in;
        self.rejected += o.rejected;
        self.ratings += o.ratings;
        self.bad_ratings += o.bad_ratings;
    }
}

/// The grain statistics are read at: a handling tenant, an item and (for STAFF) who accepted.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StatsGrain {
    pub tenant: RegionCode,
    pub impl_item_id: Uuid,
    pub item_name: String,
    pub department_id: Option<Uuid>,
    pub department: String,
    /// The user who accepted the case (STAFF only).
    pub staff: Option<String>,
}

/// Concluded cases' acceptance and conclusion days, for average working days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duration {
    pub grain: StatsGrain,
    pub accepted_on: NaiveDate,
    pub concluded_on: NaiveDate,
    /// How many cases took this span.
    pub n: i64,
}

/// What storage answers for a period: counts per grain, durations of concluded cases, and cases
/// collected in the subtree but handled elsewhere, per collecting tenant (and staff who took them in).
#[derive(Debug, Clone, Default)]
pub struct StatsData {
    pub counts: Vec<(StatsGrain, CaseCounts)>,
    pub durations: Vec<Duration>,
    pub out: Vec<(RegionCode, Option<String>, i64)>,
}

/// The period of statistics, in Asia/Shanghai days `[from, to]`, as UTC instants `[start, end)`.
#[derive(Debug, Clone, Copy)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub today: NaiveDate,
}

#[async_trait]
pub trait SupervisionRepo: Send + Sync {
    /// Stores a rating (and its rectification). False when the case is already rated.
    async fn rate(&self, rating: &Rating, rect: Option<&Rectification>, audit: AuditRecord) -> Result<bool>;
    async fn rating(&self, scope: &Scope, id: Uuid) -> Result<Option<Rating>>;
    async fn rating_of_case(&self, scope: &Scope, case_id: Uuid) -> Result<Option<Rating>>;
    async fn rectification(&self, scope: &Scope, id: Uuid) -> Result<Option<Rectification>>;
    async fn rectification_of_rating(&self, scope: &Scope, rating: Uuid) -> Result<Option<Rectification>>;
    /// Up to `limit` rectifications of `scope`, newest first, after the one with id `after`.
    async fn rectifications(
        &self,
        scope: &Scope,
        statuses: &[RectificationStatus],
        limit: u32,
        after: Option<Uuid>,
    ) -> Result<Vec<Rectification>>;
    /// Saves `r` if its stored status is still `from`; false otherwise.
    async fn update_rectification(
        &self,
        r: &Rectification,
        from: RectificationStatus,
        audit: AuditRecord,
    ) -> Result<bool>;
    async fn rectification_days(&self, root: &RegionCode) -> Result<Option<i64>>;
    async fn set_rectification_days(&self, root: &RegionCode, days: i64, by: &str, audit: AuditRecord) -> Result<()>;

    async fn file_complaint(&self, c: &Complaint, audit: AuditRecord) -> Result<()>;
    async fn complaint(&self, scope: &Scope, id: Uuid) -> Result<Option<Complaint>>;
    /// Up to `limit` complaints of `scope`, newest first, after the one with id `after`.
    async fn complaints(
        &self,
        scope: &Scope,
        statuses: &[ComplaintStatus],
        limit: u32,
        after: Option<Uuid>,
    ) -> Result<Vec<Complaint>>;
    /// Saves `c` if its stored status is still `from`; false otherwise.
    async fn update_complaint(&self, c: &Complaint, from: ComplaintStatus, audit: AuditRecord) -> Result<bool>;

    /// Statistics' raw figures over the cases of `scope` in `period`.
    async fn stats(&self, scope: &Scope, period: &Period, staff: bool) -> Result<StatsData>;
    /// The counts of each day of `period` that has any, in day order (the dashboard's trend).
    async fn daily(&self, scope: &Scope, period: &Period) -> Result<Vec<(NaiveDate, CaseCounts)>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_and_channels_are_checked() {
        assert_eq!(check_level(1).ok(), Some(1));
        assert_eq!(check_level(5).ok(), Some(5));
        assert!(check_level(0).is_err());
        assert!(check_level(6).is_err());
        assert!(check_level(i64::MAX).is_err());
        assert_eq!(check_channel("qr").ok().as_deref(), Some("QR"));
        assert!(check_channel("PIGEON").is_err());
        assert!(check_channel("").is_err());
    }

    #[test]
    fn rates_follow_counts() {
        let mut r = StatsRow { on_time: 3, overdue: 1, ratings: 4, bad_ratings: 1, ..StatsRow::default() };
        r.finish(10, 4);
        assert!((r.on_time_rate - 0.75).abs() < 1e-9);
        assert!((r.satisfaction - 0.75).abs() < 1e-9);
        assert!((r.avg_working_days - 2.5).abs() < 1e-9);
        let mut empty = StatsRow::default();
        empty.finish(0, 0);
        assert_eq!((empty.on_time_rate, empty.satisfaction, empty.avg_working_days), (1.0, 1.0, 0.0));
    }
}
