//! The case clock: a budget of working days from acceptance, and a ledger of pauses
//! (特别程序) that push the deadline. The deadline is derived, never the only record.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::calendar::{Deadline, WorkingCalendar, is_overdue};

/// One special procedure: the clock stops from `from` (inclusive) until `to` (exclusive).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pause {
    pub from: NaiveDate,
    /// None while the procedure is still running.
    pub to: Option<NaiveDate>,
    pub procedure: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseClock {
    /// The acceptance date (not counted: 期限开始之日不计算在内).
    pub started_on: NaiveDate,
    /// Working days promised (0 for instant items: due the same working day).
    pub budget_days: u32,
    pub pauses: Vec<Pause>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Warning {
    Green,
    Yellow,
    Red,
}

impl Warning {
    pub fn as_str(self) -> &'static str {
        match self {
            Warning::Green => "GREEN",
            Warning::Yellow => "YELLOW",
            Warning::Red => "RED",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Warning::Green => "正常",
            Warning::Yellow => "预警",
            Warning::Red => "超期",
        }
    }
}

/// Per root tenant: how many working days before the deadline a case turns yellow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WarningPolicy {
    pub yellow_days: i64,
}

impl Default for WarningPolicy {
    fn default() -> Self {
        WarningPolicy { yellow_days: 1 }
    }
}

impl WarningPolicy {
    /// The colour of a clock: red past the deadline, yellow when a running clock has
    /// `yellow_days` working days or fewer left, else green.
    pub fn colour(&self, overdue: bool, working_days_left: i64, running: bool) -> Warning {
        if overdue {
            Warning::Red
        } else if running && working_days_left <= self.yellow_days {
            Warning::Yellow
        } else {
            Warning::Green
        }
    }

    /// The same colours as stored-deadline bounds (from, until; inclusive, None is open) for
    /// listing running clocks on `today`. Mixed or empty choices set no bound.
    pub fn deadline_bounds(
        &self,
        cal: &WorkingCalendar,
        today: NaiveDate,
        wanted: &[Warning],
    ) -> (Option<NaiveDate>, Option<NaiveDate>) {
        let yellow_until = cal.add_working_days(today, self.yellow_days.max(0) as u32).date;
        let has = |w| wanted.contains(&w);
        match (has(Warning::Red), has(Warning::Yellow), has(Warning::Green)) {
            (true, false, false) => (None, today.pred_opt()),
            (false, true, false) => (Some(today), Some(yellow_until)),
            (true, true, false) => (None, Some(yellow_until)),
            (false, false, true) => (yellow_until.succ_opt(), None),
            _ => (None, None),
        }
    }
}

/// Where a running or concluded case stands on `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockReading {
    pub deadline: Deadline,
    /// Working days left; negative when overdue.
    pub working_days_left: i64,
    pub warning: Warning,
}

impl CaseClock {
    pub fn new(started_on: NaiveDate, budget_days: u32) -> Self {
        CaseClock { started_on, budget_days, pauses: Vec::new() }
    }

    pub fn is_paused(&self) -> bool {
        self.pauses.last().is_some_and(|p| p.to.is_none())
    }

    /// Working days consumed by pauses, counting a running pause up to and including `today`.
    pub fn paused_working_days(&self, cal: &WorkingCalendar, today: NaiveDate) -> i64 {
        self.pauses
            .iter()
            .map(|p| {
                let to = p.to.unwrap_or_else(|| today.succ_opt().unwrap_or(today));
                cal.working_days_in_pause(p.from, to)
            })
            .sum()
    }

    /// The deadline as of `today` (a running pause keeps pushing it).
    pub fn deadline(&self, cal: &WorkingCalendar, today: NaiveDate) -> Deadline {
        let base = cal.add_working_days(self.started_on, self.budget_days);
        let paused = self.paused_working_days(cal, today);
        if paused <= 0 {
            return base;
        }
        let extended = cal.extend_for_pauses(base.date, paused);
        Deadline { date: extended.date, provisional: base.provisional || extended.provisional }
    }

    /// The reading on `today`; a concluded case is judged on its conclusion date and never
    /// changes colour afterwards. A paused case is never yellow or red while paused.
    pub fn reading(
        &self,
        cal: &WorkingCalendar,
        today: NaiveDate,
        concluded_on: Option<NaiveDate>,
        policy: WarningPolicy,
    ) -> ClockReading {
        let on = concluded_on.unwrap_or(today);
        let deadline = self.deadline(cal, on);
        let mut left = cal.working_days_between(on, deadline.date);
        let overdue = is_overdue(deadline.date, on);
        if overdue {
            // Past the deadline on a day off still counts as overdue.
            left = left.min(-1);
        }
        let warning = policy.colour(overdue, left, concluded_on.is_none() && !self.is_paused());
        ClockReading { deadline, working_days_left: left, warning }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::parse_official_csv;

    fn cal() -> WorkingCalendar {
        let (days, years) = parse_official_csv(include_str!("../../../migrations/data/holidays-cn-2025-2026.csv"))
            .expect("official data");
        WorkingCalendar::new(years, days)
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn spring_festival_example() {
        let c = CaseClock::new(d("2026-02-13"), 3);
        let cal = cal();
        assert_eq!(c.deadline(&cal, d("2026-02-13")).date, d("2026-02-25"));
        let p = WarningPolicy::default();
        assert_eq!(c.reading(&cal, d("2026-02-14"), None, p).warning, Warning::Green);
        let r = c.reading(&cal, d("2026-02-24"), None, p);
        assert_eq!((r.working_days_left, r.warning), (1, Warning::Yellow));
        let r = c.reading(&cal, d("2026-02-25"), None, p);
        assert_eq!((r.working_days_left, r.warning), (0, Warning::Yellow));
        let r = c.reading(&cal, d("2026-02-26"), None, p);
        assert_eq!((r.working_days_left, r.warning), (-1, Warning::Red));
        let r = c.reading(&cal, d("2026-03-02"), None, p);
        assert_eq!(r.working_days_left, -4, "02-26, 02-27, Saturday 02-28 (make-up workday), 03-02");
    }

    #[test]
    fn a_weekend_after_the_deadline_is_overdue() {
        // Due Friday 2026-03-06; Saturday is past it.
        let c = CaseClock::new(d("2026-03-03"), 3);
        let r = c.reading(&cal(), d("2026-03-07"), None, WarningPolicy::default());
        assert_eq!(r.deadline.date, d("2026-03-06"));
        assert_eq!((r.working_days_left, r.warning), (-1, Warning::Red));
    }

    #[test]
    fn pauses_push_the_deadline_by_their_working_days() {
        let cal = cal();
        let mut c = CaseClock::new(d("2026-03-02"), 5);
        assert_eq!(c.deadline(&cal, d("2026-03-02")).date, d("2026-03-09"));
        // Suspended Wednesday 03-04, resumed Monday 03-09: Wed, Thu, Fri paused.
        c.pauses.push(Pause {
            from: d("2026-03-04"),
            to: Some(d("2026-03-09")),
            procedure: "INSPECTION".into(),
            reason: "检测".into(),
        });
        assert_eq!(c.deadline(&cal, d("2026-03-10")).date, d("2026-03-12"));
        // A running pause keeps pushing, and the case is not yellow while paused.
        c.pauses.push(Pause { from: d("2026-03-11"), to: None, procedure: "HEARING".into(), reason: "听证".into() });
        assert!(c.is_paused());
        let r = c.reading(&cal, d("2026-03-12"), None, WarningPolicy::default());
        assert_eq!(r.deadline.date, d("2026-03-16"));
        assert_eq!(r.warning, Warning::Green);
    }

    #[test]
    fn concluded_cases_keep_their_colour() {
        let cal = cal();
        let c = CaseClock::new(d("2026-02-13"), 3);
        let on_time = c.reading(&cal, d("2026-06-01"), Some(d("2026-02-25")), WarningPolicy::default());
        assert_eq!(on_time.warning, Warning::Green);
        let late = c.reading(&cal, d("2026-06-01"), Some(d("2026-02-27")), WarningPolicy::default());
        assert_eq!(late.warning, Warning::Red);
    }

    #[test]
    fn instant_items_are_due_the_same_working_day() {
        let cal = cal();
        let c = CaseClock::new(d("2026-03-02"), 0);
        let r = c.reading(&cal, d("2026-03-02"), None, WarningPolicy::default());
        assert_eq!((r.deadline.date, r.warning), (d("2026-03-02"), Warning::Yellow));
        assert_eq!(c.reading(&cal, d("2026-03-03"), None, WarningPolicy::default()).warning, Warning::Red);
        assert_eq!(
            c.reading(&cal, d("2026-03-03"), Some(d("2026-03-02")), WarningPolicy::default()).warning,
            Warning::Green
        );
    }

    #[test]
    fn deadlines_in_years_without_data_are_provisional() {
        let c = CaseClock::new(d("2026-12-28"), 5);
        assert!(c.deadline(&cal(), d("2026-12-28")).provisional);
        assert!(!CaseClock::new(d("2026-12-01"), 5).deadline(&cal(), d("2026-12-01")).provisional);
    }

    #[test]
    fn list_bounds_agree_with_readings() {
        let cal = cal();
        let today = d("2026-03-02");
        let policy = WarningPolicy { yellow_days: 2 };
        let within = |b: (Option<NaiveDate>, Option<NaiveDate>), x: NaiveDate| {
            b.0.is_none_or(|f| f <= x) && b.1.is_none_or(|u| x <= u)
        };
        for offset in -3..10 {
            let deadline = today + chrono::Duration::days(offset);
            let overdue = is_overdue(deadline, today);
            let left = cal.working_days_between(today, deadline);
            let colour = policy.colour(overdue, if overdue { left.min(-1) } else { left }, true);
            for w in [Warning::Red, Warning::Yellow, Warning::Green] {
                let b = policy.deadline_bounds(&cal, today, &[w]);
                assert_eq!(within(b, deadline), colour == w, "{deadline} {w:?}");
            }
        }
    }
}
