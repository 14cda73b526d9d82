//! The hall (大厅): windows with A/B posts, who is on duty, leaders' on-site duty filing, and
//! appointment slots. Pure rules; storage and services build on them.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::calendar::WorkingCalendar;
use crate::error::{Error, Result};
use crate::ports::ReviewGroup;
use crate::text::{self, TextKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WindowKind {
    /// 无差别综合窗口: any item.
    General,
    /// 主题综合窗口: e.g. 企业开办, 不动产登记.
    Themed,
    /// 专业窗口: one department's items only.
    Specialized,
}

impl WindowKind {
    pub fn label(self) -> &'static str {
        match self {
            WindowKind::General => "无差别综合窗口",
            WindowKind::Themed => "主题综合窗口",
            WindowKind::Specialized => "专业窗口",
        }
    }

    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            WindowKind::General => "GENERAL",
            WindowKind::Themed => "THEMED",
            WindowKind::Specialized => "SPECIALIZED",
        }
    }

    pub fn parse(s: &str) -> Result<WindowKind> {
        match s {
            "GENERAL" => Ok(WindowKind::General),
            "THEMED" => Ok(WindowKind::Themed),
            "SPECIALIZED" => Ok(WindowKind::Specialized),
            _ => Err(Error::invalid(format!("窗口类型“{s}”无效"))),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Post {
    /// A岗
    Primary,
    /// B岗
    Backup,
}

impl Post {
    pub fn label(self) -> &'static str {
        match self {
            Post::Primary => "A岗",
            Post::Backup => "B岗",
        }
    }
}

/// A window (窗口) of a tenant's hall: the items it serves and its A/B staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Window {
    pub id: Uuid,
    pub tenant: crate::region::RegionCode,
    pub number: String,
    pub name: String,
    pub kind: WindowKind,
    pub zone: Option<String>,
    /// Implementation items served, in the order configured.
    pub items: Vec<Uuid>,
    pub primary: Option<Uuid>,
    pub backup: Option<Uuid>,
}

/// A window's name: 2 to 50 characters.
pub fn window_name(s: &str) -> Result<String> {
    let s = text::line("窗口名称", s, 50)?;
    if s.chars().count() < 2 {
        return Err(Error::invalid("窗口名称应为2至50个字符"));
    }
    Ok(s)
}

/// A SPECIALIZED window serves one department's items only: the first item of another
/// department than the first item's is refused, by name.
pub fn check_specialized(items: &[crate::catalogue::ImplItem]) -> Result<()> {
    let Some(first) = items.first() else { return Ok(()) };
    if let Some(other) = items.iter().find(|i| i.department.id != first.department.id) {
        return Err(Error::invalid(format!(
            "专业窗口只能办理一个部门的事项：“{}”属于{}，而不是{}",
            other.base.name, other.department.name, first.department.name
        )));
    }
    Ok(())
}

/// The queue of an item: the sorted ids of the windows serving it.
pub fn queue_key(windows: &[&Window]) -> String {
    let mut ids: Vec<String> = windows.iter().map(|w| w.id.simple().to_string()).collect();
    ids.sort();
    ids.join(",")
}

/// A window number such as A05: one capital letter and one to three digits, unique per tenant.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WindowNumber(String);

impl WindowNumber {
    pub fn parse(s: &str) -> Result<WindowNumber> {
        text::check("窗口编号", s.trim(), TextKind::Line, 10)?;
        let s = s.trim().to_ascii_uppercase();
        let mut chars = s.chars();
        let letter_ok = chars.next().is_some_and(|c| c.is_ascii_uppercase());
        let digits: Vec<char> = chars.collect();
        if !letter_ok || digits.is_empty() || digits.len() > 3 || !digits.iter().all(char::is_ascii_digit) {
            return Err(Error::invalid(format!("窗口编号“{s}”无效，应为一个字母加1至3位数字，例如 A05")));
        }
        Ok(WindowNumber(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Who serves at a window now: the primary when signed in, else the backup when signed in.
pub fn on_duty(primary: Option<Uuid>, backup: Option<Uuid>, signed_in: &dyn Fn(Uuid) -> bool) -> Option<Uuid> {
    primary.filter(|u| signed_in(*u)).or_else(|| backup.filter(|u| signed_in(*u)))
}

/// The day by which departments file next month's leaders' on-site duty (领导进驻现场办公).
pub const LEADER_FILING_DAY: u32 = 10;

/// A leader's duty filing for `month` (its first day) made on `today`: it must be for a later
/// month, filed by the 10th of the month before, and its dates must fall in that month.
pub fn check_leader_filing(month: NaiveDate, dates: &[NaiveDate], today: NaiveDate) -> Result<()> {
    if month.day() != 1 {
        return Err(Error::invalid("月份须为该月1日"));
    }
    let first_of_this = today.with_day(1).unwrap_or(today);
    if month <= first_of_this {
        return Err(Error::invalid("只能报送以后月份的领导进驻安排"));
    }
    let is_next_month = first_of_this.checked_add_months(chrono::Months::new(1)) == Some(month);
    if is_next_month && today.day() > LEADER_FILING_DAY {
        return Err(Error::invalid(format!("下月领导进驻安排须在本月{LEADER_FILING_DAY}日前报送")));
    }
    if dates.is_empty() {
        return Err(Error::invalid("请至少选择一个进驻日期"));
    }
    if let Some(d) = dates.iter().find(|d| d.year() != month.year() || d.month() != month.month()) {
        return Err(Error::invalid(format!("日期 {d} 不在所报月份内")));
    }
    Ok(())
}

/// Appointment slots exist on the tenant's working days only.
pub fn check_slot_day(cal: &WorkingCalendar, day: NaiveDate) -> Result<()> {
    if cal.is_workday(day) { Ok(()) } else { Err(Error::invalid(format!("{day} 不是工作日，不能预约"))) }
}

/// Booking into a slot: CONFLICT when full.
pub fn check_capacity(booked: u32, capacity: u32) -> Result<()> {
    if booked >= capacity { Err(Error::conflict("该时段已约满，请选择其他时段")) } else { Ok(()) }
}

/// An appointment slot (预约时段) of an item on a working day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Slot {
    pub id: Uuid,
    pub tenant: crate::region::RegionCode,
    pub item: Uuid,
    pub day: NaiveDate,
    pub starts: chrono::NaiveTime,
    pub ends: chrono::NaiveTime,
    pub capacity: u32,
    pub booked: u32,
}

/// A slot's times and capacity: start before end, 1 to 500 places.
pub fn check_slot(starts: chrono::NaiveTime, ends: chrono::NaiveTime, capacity: i64) -> Result<u32> {
    if starts >= ends {
        return Err(Error::invalid("开始时间应早于结束时间"));
    }
    if !(1..=500).contains(&capacity) {
        return Err(Error::invalid("名额应为1至500"));
    }
    Ok(capacity as u32)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AppointmentStatus {
    Booked,
    Cancelled,
    CheckedIn,
}

impl AppointmentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AppointmentStatus::Booked => "BOOKED",
            AppointmentStatus::Cancelled => "CANCELLED",
            AppointmentStatus::CheckedIn => "CHECKED_IN",
        }
    }

    pub fn parse(s: &str) -> Result<AppointmentStatus> {
        match s {
            "BOOKED" => Ok(AppointmentStatus::Booked),
            "CANCELLED" => Ok(AppointmentStatus::Cancelled),
            "CHECKED_IN" => Ok(AppointmentStatus::CheckedIn),
            _ => Err(Error::internal(format!("stored appointment status {s}"))),
        }
    }
}

/// An appointment (预约) booked into a slot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Appointment {
    pub id: Uuid,
    pub tenant: crate::region::RegionCode,
    pub slot_id: Uuid,
    pub applicant_name: String,
    pub phone: String,
    /// The fingerprint of the code given to the applicant, which cancels and checks in.
    #[serde(skip)]
    pub code_hash: String,
    pub status: AppointmentStatus,
    pub ticket: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// A mobile number: 11 digits starting with 1.
pub fn check_phone(s: &str) -> Result<String> {
    let s = s.trim();
    text::check("手机号码", s, TextKind::Line, 20)?;
    if s.len() == 11 && s.starts_with('1') && s.chars().all(|c| c.is_ascii_digit()) {
        Ok(s.to_owned())
    } else {
        Err(Error::invalid("手机号码应为11位数字"))
    }
}

/// A department's filing of a leader's on-site duty days (领导进驻现场办公) for a month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LeaderDuty {
    pub id: Uuid,
    pub tenant: crate::region::RegionCode,
    pub department_id: Uuid,
    /// The month's first day.
    pub month: NaiveDate,
    pub leader_name: String,
    pub dates: Vec<NaiveDate>,
    pub filed_at: chrono::DateTime<chrono::Utc>,
    pub published: bool,
}

/// One person's attendance (考勤) on one day: signed in, and signed out when they leave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attendance {
    pub id: Uuid,
    pub tenant: crate::region::RegionCode,
    pub user_id: Uuid,
    pub username: String,
    pub display_name: String,
    /// The Asia/Shanghai date.
    pub day: NaiveDate,
    pub signed_in_at: chrono::DateTime<chrono::Utc>,
    pub signed_out_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl Attendance {
    pub fn present(&self) -> bool {
        self.signed_out_at.is_none()
    }
}

/// What an approver's queue depends on at one tenant, read at once (see [`Self::review_groups`]).
#[derive(Debug, Clone, Default)]
pub struct ApproverStanding {
    /// The items the approver is authorized to decide.
    pub authorized: Vec<Uuid>,
    /// The departments they are chief representative (首席代表) of.
    pub chief_of: Vec<Uuid>,
    /// Their own department.
    pub department: Option<Uuid>,
    /// The tenant's implementation items, whatever their status.
    pub items: Vec<ReviewedItem>,
}

/// An implementation item with the departments that review its cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewedItem {
    pub id: Uuid,
    pub department: Uuid,
    pub co_departments: Vec<Uuid>,
    /// A joint item (联办件): each of its departments reviews.
    pub joint: bool,
}

impl ReviewedItem {
    fn reviewed_by(&self, d: &Uuid) -> bool {
        self.department == *d || self.co_departments.contains(d)
    }
}

impl ApproverStanding {
    /// The queue's two groups. As authorized: the authorized items, joint ones only where the
    /// approver's own department reviews them. As chief representative: the department's items and
    /// the joint items it co-reviews. On an item the approver speaks for their own department only if
    /// authorized for it (as in `speaks_for`).
    pub fn review_groups(&self) -> Vec<ReviewGroup> {
        let own = self.department;
        let mut as_authorized =
            ReviewGroup { items: Vec::new(), departments: own.into_iter().chain(self.chief_of.clone()).collect() };
        let mut as_chief = ReviewGroup { items: Vec::new(), departments: self.chief_of.clone() };
        for i in &self.items {
            if self.authorized.contains(&i.id) && (!i.joint || own.is_some_and(|d| i.reviewed_by(&d))) {
                as_authorized.items.push(i.id);
            } else if self.chief_of.iter().any(|d| i.reviewed_by(d)) {
                as_chief.items.push(i.id);
            }
        }
        vec![as_authorized, as_chief]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn window_numbers() {
        assert_eq!(WindowNumber::parse(" a05 ").expect("valid").as_str(), "A05");
        for bad in ["05", "A", "AB1", "A1234", "A0５"] {
            assert!(WindowNumber::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn backup_serves_when_primary_is_absent() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        assert_eq!(on_duty(Some(a), Some(b), &|u| u == a || u == b), Some(a));
        assert_eq!(on_duty(Some(a), Some(b), &|u| u == b), Some(b));
        assert_eq!(on_duty(Some(a), Some(b), &|_| false), None);
        assert_eq!(on_duty(None, Some(b), &|u| u == b), Some(b));
        assert_eq!(on_duty(None, None, &|_| true), None);
    }

    #[test]
    fn leader_filings_are_due_by_the_tenth() {
        let dec = d("2026-12-01");
        assert!(check_leader_filing(dec, &[d("2026-12-03")], d("2026-11-10")).is_ok());
        assert!(check_leader_filing(dec, &[d("2026-12-03")], d("2026-11-11")).is_err());
        assert!(check_leader_filing(d("2027-01-01"), &[d("2027-01-05")], d("2026-11-28")).is_ok());
        assert!(check_leader_filing(dec, &[d("2027-01-05")], d("2026-11-01")).is_err());
        assert!(check_leader_filing(d("2026-11-01"), &[d("2026-11-30")], d("2026-11-01")).is_err());
        assert!(check_leader_filing(dec, &[], d("2026-11-01")).is_err());
    }

    #[test]
    fn slots_need_a_working_day_and_room() {
        let cal = WorkingCalendar::default();
        assert!(check_slot_day(&cal, d("2026-11-30")).is_ok());
        assert!(check_slot_day(&cal, d("2026-11-28")).is_err());
        assert!(check_capacity(2, 3).is_ok());
        assert_eq!(check_capacity(3, 3).map_err(|e| e.code()), Err("CONFLICT"));
    }

    #[test]
    fn review_groups_follow_authorization_and_chief_status() {
        let [own, other, chiefed] = [Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3)];
        let item = |n: u128, department: Uuid, co: &[Uuid], joint: bool| ReviewedItem {
            id: Uuid::from_u128(100 + n),
            department,
            co_departments: co.to_vec(),
            joint,
        };
        let items = vec![
            item(1, own, &[], false),         // authorized, plain
            item(2, other, &[own], true),     // authorized, joint, own department co-reviews
            item(3, other, &[], true),        // authorized, joint, own department does not review
            item(4, chiefed, &[], false),     // the chiefed department's own item
            item(5, other, &[chiefed], true), // joint, co-reviewed by the chiefed department
            item(6, other, &[], false),       // nobody's
        ];
        let ids = |n: &[u128]| n.iter().map(|n| Uuid::from_u128(100 + n)).collect::<Vec<_>>();
        let standing = ApproverStanding {
            authorized: ids(&[1, 2, 3]),
            chief_of: vec![chiefed],
            department: Some(own),
            items: items.clone(),
        };
        let groups = standing.review_groups();
        assert_eq!(groups[0].items, ids(&[1, 2]));
        assert_eq!(groups[0].departments, [own, chiefed]);
        assert_eq!(groups[1].items, ids(&[4, 5]));
        assert_eq!(groups[1].departments, [chiefed]);

        // Without a department of their own, a joint item is never theirs by authorization.
        let plain = ApproverStanding { authorized: ids(&[1, 2]), items, ..Default::default() };
        let groups = plain.review_groups();
        assert_eq!(groups[0].items, ids(&[1]));
        assert!(groups[1].items.is_empty() && groups[1].departments.is_empty());
    }
}
