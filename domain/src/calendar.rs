//! Working-day calendar (工作日历) and the time-limit clock. Pure: no IO.
//!
//! Rules:
//! - A date with an explicit [`CalendarDay`] entry follows it (official holiday off, 调休上班 on,
//!   local overrides either way). Any other date: Monday–Friday on, Saturday/Sunday off.
//! - Layers: official data first, then the root tenant's edits, then descendants' local
//!   overrides from the top down; a later entry for the same date wins.
//! - 期限开始之日不计算在内: a limit of N working days ends at the close of the N-th working day
//!   after the start day.
//! - A year missing from `covered_years` is counted on weekends alone, and any result that
//!   touches it is flagged `provisional` — never a silent guess.
//! - Overdue means `today > deadline` (see [`is_overdue`]); the deadline day itself is on time.
//! - Pauses (特别程序): each closed pause `[from, to)` consumes
//!   [`WorkingCalendar::working_days_in_pause`] working days; the ledger's total pushes the
//!   deadline through [`WorkingCalendar::extend_for_pauses`].

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound::{Excluded, Included, Unbounded};

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::error::Error;

/// An explicit day: official holiday (`workday: false`), make-up workday on a weekend
/// (`workday: true`), or a local override.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarDay {
    pub date: NaiveDate,
    pub workday: bool,
    pub name: Option<String>,
}

/// The close of this day is the time limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadline {
    pub date: NaiveDate,
    /// Some examined date lies in a year without official data (weekends-only guess).
    pub provisional: bool,
}

/// A tenant's effective calendar.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkingCalendar {
    covered_years: BTreeSet<i32>,
    days: BTreeMap<NaiveDate, CalendarDay>,
}

impl WorkingCalendar {
    /// One flat list of entries; a later entry for the same date overrides an earlier one.
    pub fn new(covered_years: BTreeSet<i32>, entries: impl IntoIterator<Item = CalendarDay>) -> Self {
        let mut days = BTreeMap::new();
        for day in entries {
            days.insert(day.date, day);
        }
        WorkingCalendar { covered_years, days }
    }

    /// Layers in precedence order: `official`, then `root_edits`, then `local_overrides` with
    /// one layer per descendant tenant from the root's child down to the handling tenant.
    pub fn from_layers(
        covered_years: BTreeSet<i32>,
        official: impl IntoIterator<Item = CalendarDay>,
        root_edits: impl IntoIterator<Item = CalendarDay>,
        local_overrides: impl IntoIterator<Item = impl IntoIterator<Item = CalendarDay>>,
    ) -> Self {
        let entries = official.into_iter().chain(root_edits).chain(local_overrides.into_iter().flatten());
        Self::new(covered_years, entries)
    }

    pub fn covered_years(&self) -> &BTreeSet<i32> {
        &self.covered_years
    }

    /// The effective explicit entry for `date`, if any.
    pub fn entry(&self, date: NaiveDate) -> Option<&CalendarDay> {
        self.days.get(&date)
    }

    /// True when every year from `from` through `to` (either order) has official data.
    pub fn covers(&self, from: NaiveDate, to: NaiveDate) -> bool {
        let (a, b) = if from <= to { (from, to) } else { (to, from) };
        (a.year()..=b.year()).all(|y| self.covered_years.contains(&y))
    }

    pub fn is_workday(&self, date: NaiveDate) -> bool {
        match self.days.get(&date) {
            Some(day) => day.workday,
            None => is_weekday(date),
        }
    }

    /// The close of the `n`-th working day after `start` (the start day is not counted).
    /// `n = 0`: `start` itself if it is a working day, else the next working day.
    /// Saturates at `NaiveDate::MAX` (provisional) if the date range runs out.
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> Deadline {
        let saturated = Deadline { date: NaiveDate::MAX, provisional: true };
        let mut date = start;
        if n == 0 {
            while !self.is_workday(date) {
                match date.succ_opt() {
                    Some(next) => date = next,
                    None => return saturated,
                }
            }
        }
        let mut left = n;
        while left > 0 {
            // 快进：前方无显式条目时，每 7 天恰有 5 个工作日
            if left > 5 {
                let free_days = match self.days.range((Excluded(date), Unbounded)).next() {
                    Some((next_entry, _)) => (*next_entry - date).num_days() - 1,
                    None => i64::MAX,
                };
                let weeks = ((left - 1) / 5).min(u32::try_from(free_days / 7).unwrap_or(u32::MAX));
                if weeks > 0 {
                    match date.checked_add_days(Days::new(u64::from(weeks) * 7)) {
                        Some(next) => date = next,
                        None => return saturated,
                    }
                    left -= weeks * 5;
                    continue;
                }
            }
            match date.succ_opt() {
                Some(next) => date = next,
                None => return saturated,
            }
            if self.is_workday(date) {
                left -= 1;
            }
        }
        Deadline { date, provisional: !self.covers(start, date) }
    }

    /// Working days in `(from, to]` when `to > from`; minus those in `(to, from]` when
    /// `to < from`; 0 when equal.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        match from.cmp(&to) {
            std::cmp::Ordering::Less => self.count_after_through(from, to),
            std::cmp::Ordering::Equal => 0,
            std::cmp::Ordering::Greater => -self.count_after_through(to, from),
        }
    }

    /// Working days left as seen on `today`: `working_days_between(today, deadline)`, i.e.
    /// the working days in `(today, deadline]`. 0 on the deadline day (due today, on time);
    /// negative once working days have passed after it. Use [`is_overdue`] for the status:
    /// a weekend right after the deadline is overdue yet still shows 0.
    pub fn working_days_left(&self, deadline: NaiveDate, today: NaiveDate) -> i64 {
        self.working_days_between(today, deadline)
    }

    /// Push a deadline by the working days consumed by pauses: the `paused`-th working day
    /// after `deadline`. `paused <= 0` leaves the date unchanged.
    pub fn extend_for_pauses(&self, deadline: NaiveDate, paused_working_days: i64) -> Deadline {
        if paused_working_days <= 0 {
            return Deadline { date: deadline, provisional: !self.covers(deadline, deadline) };
        }
        let n = u32::try_from(paused_working_days).unwrap_or(u32::MAX);
        self.add_working_days(deadline, n)
    }

    /// Working days in `[from, to)` consumed by a pause (suspended on `from`, resumed on `to`).
    /// 0 when `to <= from`. Sum over the pause ledger, then call [`Self::extend_for_pauses`].
    pub fn working_days_in_pause(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        if to <= from {
            return 0;
        }
        // [from, to) = (from, to] + {from} - {to}
        self.count_after_through(from, to) + i64::from(self.is_workday(from)) - i64::from(self.is_workday(to))
    }

    /// Working days in `(a, b]`, `a < b`: weekday arithmetic, then corrections from entries.
    fn count_after_through(&self, a: NaiveDate, b: NaiveDate) -> i64 {
        let mut count = weekdays_through(b) - weekdays_through(a);
        for (date, day) in self.days.range((Excluded(a), Included(b))) {
            match (is_weekday(*date), day.workday) {
                (false, true) => count += 1,
                (true, false) => count -= 1,
                _ => {}
            }
        }
        count
    }
}

/// A case is overdue once `today` is past the deadline day.
pub fn is_overdue(deadline: NaiveDate, today: NaiveDate) -> bool {
    today > deadline
}

fn is_weekday(date: NaiveDate) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Mon–Fri count up to and including `date`, from a fixed origin (only differences matter).
fn weekdays_through(date: NaiveDate) -> i64 {
    let rem = i64::from(date.weekday().num_days_from_monday());
    let monday = i64::from(date.num_days_from_ce()) - rem;
    monday.div_euclid(7) * 5 + (rem + 1).min(5)
}

/// The longest name of a calendar entry (a holiday's, an adjustment's), in characters.
pub const MAX_DAY_NAME_CHARS: usize = 50;

/// Parse official holiday data: header `date,kind,name`, then `YYYY-MM-DD,holiday|workday,名称`.
/// Blank lines are skipped. Covered years are the years that appear in the file.
pub fn parse_official_csv(text: &str) -> Result<(Vec<CalendarDay>, BTreeSet<i32>), Error> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.lines().enumerate().map(|(i, line)| (i + 1, line.trim()));
    match lines.next() {
        Some((_, header)) if header.split(',').map(str::trim).eq(["date", "kind", "name"]) => {}
        _ => return Err(Error::invalid("第1行：表头应为“date,kind,name”")),
    }
    let mut days = Vec::new();
    let mut years = BTreeSet::new();
    let mut seen: BTreeMap<NaiveDate, usize> = BTreeMap::new();
    for (no, line) in lines {
        if line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let [date, kind, name] = fields.as_slice() else {
            return Err(Error::invalid(format!("第{no}行：应有3列（date,kind,name），实际{}列", fields.len())));
        };
        let parsed = if date.len() == 10 { NaiveDate::parse_from_str(date, "%Y-%m-%d").ok() } else { None };
        let Some(parsed) = parsed else {
            return Err(Error::invalid(format!("第{no}行：日期“{date}”无效，应为YYYY-MM-DD")));
        };
        let workday = match *kind {
            "holiday" => false,
            "workday" => true,
            other => {
                return Err(Error::invalid(format!("第{no}行：类型“{other}”无效，应为holiday或workday")));
            }
        };
        crate::text::check("名称", name, crate::text::TextKind::Line, MAX_DAY_NAME_CHARS)
            .map_err(|e| Error::invalid(format!("第{no}行：{e}")))?;
        if let Some(first) = seen.insert(parsed, no) {
            return Err(Error::invalid(format!("第{no}行：日期{parsed}重复（已见于第{first}行）")));
        }
        years.insert(parsed.year());
        days.push(CalendarDay { date: parsed, workday, name: (!name.is_empty()).then(|| (*name).to_owned()) });
    }
    Ok((days, years))
}

#[cfg(test)]
mod tests {
    use super::*;

    const OFFICIAL: &str = include_str!("../../migrations/data/holidays-cn-2025-2026.csv");

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
    }

    fn official() -> WorkingCalendar {
        let (days, years) = parse_official_csv(OFFICIAL).expect("official csv parses");
        WorkingCalendar::new(years, days)
    }

    fn day(date: &str, workday: bool) -> CalendarDay {
        CalendarDay { date: d(date), workday, name: Some("地方调整".into()) }
    }

    fn dates(from: &str, to: &str) -> Vec<NaiveDate> {
        d(from).iter_days().take_while(|x| *x <= d(to)).collect()
    }

    /// Independent reference, from hand-written official lists for the two test periods only.
    struct Naive {
        on: Vec<NaiveDate>,
        off: Vec<NaiveDate>,
    }

    impl Naive {
        fn periods_2026() -> Naive {
            let mut off = dates("2026-02-15", "2026-02-23");
            off.extend(dates("2026-09-25", "2026-09-27"));
            off.extend(dates("2026-10-01", "2026-10-07"));
            let on = ["2026-02-14", "2026-02-28", "2026-09-20", "2026-10-10"].iter().map(|s| d(s)).collect();
            Naive { on, off }
        }

        fn workday(&self, x: NaiveDate) -> bool {
            if self.on.contains(&x) {
                true
            } else if self.off.contains(&x) {
                false
            } else {
                x.weekday().num_days_from_monday() < 5
            }
        }

        fn add(&self, start: NaiveDate, n: u32) -> NaiveDate {
            let mut x = start;
            if n == 0 {
                while !self.workday(x) {
                    x = x.succ_opt().expect("in range");
                }
                return x;
            }
            let mut k = 0;
            while k < n {
                x = x.succ_opt().expect("in range");
                if self.workday(x) {
                    k += 1;
                }
            }
            x
        }

        fn between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
            let count = |a: NaiveDate, b: NaiveDate| {
                a.iter_days().skip(1).take_while(|x| *x <= b).filter(|x| self.workday(*x)).count() as i64
            };
            if to >= from { count(from, to) } else { -count(to, from) }
        }
    }

    fn holiday_periods() -> Vec<NaiveDate> {
        let mut starts = dates("2026-02-14", "2026-02-28");
        starts.extend(dates("2026-09-20", "2026-10-10"));
        starts
    }

    #[test]
    fn spring_festival_example() {
        let cal = official();
        let due = cal.add_working_days(d("2026-02-13"), 3);
        assert_eq!(due, Deadline { date: d("2026-02-25"), provisional: false });
        assert_eq!(cal.add_working_days(d("2026-02-13"), 1).date, d("2026-02-14"));
        assert_eq!(cal.add_working_days(d("2026-02-13"), 2).date, d("2026-02-24"));
        assert!(cal.is_workday(d("2026-02-14")));
        assert!(cal.is_workday(d("2026-02-28")));
        assert!(!cal.is_workday(d("2026-02-16")));
    }

    #[test]
    fn zero_days_is_today_or_next_workday() {
        let cal = official();
        assert_eq!(cal.add_working_days(d("2026-02-13"), 0).date, d("2026-02-13"));
        assert_eq!(cal.add_working_days(d("2026-02-14"), 0).date, d("2026-02-14"));
        assert_eq!(cal.add_working_days(d("2026-02-15"), 0).date, d("2026-02-24"));
        assert_eq!(cal.add_working_days(d("2026-10-01"), 0).date, d("2026-10-08"));
    }

    #[test]
    fn matches_naive_reference_around_holidays() {
        let cal = official();
        let naive = Naive::periods_2026();
        for start in holiday_periods() {
            assert_eq!(cal.is_workday(start), naive.workday(start), "{start}");
            for n in 0..=10 {
                let got = cal.add_working_days(start, n);
                assert_eq!(got.date, naive.add(start, n), "start {start}, n {n}");
                assert!(!got.provisional, "start {start}, n {n}");
            }
        }
    }

    #[test]
    fn between_matches_naive_reference() {
        let cal = official();
        let naive = Naive::periods_2026();
        // Pairs within one period: the hand-written lists know nothing in between.
        for period in [dates("2026-02-14", "2026-02-28"), dates("2026-09-20", "2026-10-10")] {
            for &a in &period {
                for &b in &period {
                    assert_eq!(cal.working_days_between(a, b), naive.between(a, b), "{a} → {b}");
                }
            }
        }
    }

    #[test]
    fn between_matches_day_by_day_count() {
        // Arithmetic count vs. stepping with is_workday, across covered and uncovered years.
        let cal = official();
        let step = |a: NaiveDate, b: NaiveDate| {
            a.iter_days().skip(1).take_while(|x| *x <= b).filter(|x| cal.is_workday(*x)).count() as i64
        };
        let anchors: Vec<NaiveDate> =
            d("2024-12-01").iter_days().step_by(11).take_while(|x| *x <= d("2027-02-01")).collect();
        for &a in &anchors {
            for &b in &anchors {
                let want = if b >= a { step(a, b) } else { -step(b, a) };
                assert_eq!(cal.working_days_between(a, b), want, "{a} → {b}");
            }
        }
    }

    #[test]
    fn round_trip_between_and_add() {
        let cal = official();
        for start in dates("2024-12-20", "2027-01-10") {
            for n in 1..=30 {
                let due = cal.add_working_days(start, n);
                assert_eq!(cal.working_days_between(start, due.date), i64::from(n), "start {start}, n {n}");
                assert!(cal.is_workday(due.date));
            }
        }
    }

    #[test]
    fn week_skipping_matches_stepping_for_long_limits() {
        let mut cal = official();
        // A far-future entry, so skipping must stop before it.
        cal.days.insert(d("2027-06-07"), day("2027-06-07", false));
        for start in d("2025-01-01").iter_days().step_by(13).take(60) {
            for n in [6, 7, 11, 60, 200, 400, 700] {
                let mut x = start;
                let mut k = 0;
                while k < n {
                    x = x.succ_opt().expect("in range");
                    if cal.is_workday(x) {
                        k += 1;
                    }
                }
                assert_eq!(cal.add_working_days(start, n).date, x, "start {start}, n {n}");
            }
        }
    }

    #[test]
    fn provisional_outside_covered_years() {
        let cal = official();
        let due = cal.add_working_days(d("2027-03-01"), 1);
        assert_eq!(due.date, d("2027-03-02"));
        assert!(due.provisional);
        // Crossing into 2027 from a covered year.
        let due = cal.add_working_days(d("2026-12-29"), 5);
        assert_eq!(due.date, d("2027-01-05"));
        assert!(due.provisional);
        // Starting in an uncovered year counts too.
        assert!(cal.add_working_days(d("2024-12-31"), 2).provisional);
        assert!(!cal.add_working_days(d("2026-12-01"), 3).provisional);
        assert!(!cal.covers(d("2026-12-31"), d("2027-01-01")));
        assert!(cal.covers(d("2026-12-31"), d("2025-01-01")));
    }

    #[test]
    fn huge_limit_saturates_without_hanging() {
        let cal = official();
        let due = cal.add_working_days(d("2026-01-05"), u32::MAX);
        assert_eq!(due.date, NaiveDate::MAX);
        assert!(due.provisional);
    }

    #[test]
    fn local_override_pushes_deadline() {
        let (official_days, years) = parse_official_csv(OFFICIAL).expect("parses");
        let plain = WorkingCalendar::new(years.clone(), official_days.clone());
        // 02-28 (Saturday make-up) counts 1, 03-01 Sunday, 03-02 Monday counts 2.
        assert_eq!(plain.add_working_days(d("2026-02-27"), 2).date, d("2026-03-02"));

        let county = vec![day("2026-03-02", false)];
        let local =
            WorkingCalendar::from_layers(years.clone(), official_days.clone(), Vec::new(), vec![Vec::new(), county]);
        assert!(!local.is_workday(d("2026-03-02")));
        let due = local.add_working_days(d("2026-02-27"), 2);
        assert_eq!(due.date, d("2026-03-03"));
        assert!(!due.provisional);
    }

    #[test]
    fn later_layers_win() {
        let (official_days, years) = parse_official_csv(OFFICIAL).expect("parses");
        // Root turns the 02-28 make-up day off; a town turns it back on.
        let root = vec![day("2026-02-28", false)];
        let town = vec![day("2026-02-28", true)];
        let root_only = WorkingCalendar::from_layers(
            years.clone(),
            official_days.clone(),
            root.clone(),
            Vec::<Vec<CalendarDay>>::new(),
        );
        assert!(!root_only.is_workday(d("2026-02-28")));
        let with_town = WorkingCalendar::from_layers(years, official_days, root, vec![town]);
        assert!(with_town.is_workday(d("2026-02-28")));
        assert_eq!(with_town.entry(d("2026-02-28")).and_then(|e| e.name.as_deref()), Some("地方调整"));
    }

    #[test]
    fn days_left_and_overdue() {
        let cal = official();
        let due = d("2026-02-25");
        assert_eq!(cal.working_days_left(due, d("2026-02-13")), 3);
        assert_eq!(cal.working_days_left(due, d("2026-02-20")), 2);
        assert_eq!(cal.working_days_left(due, d("2026-02-24")), 1);
        assert_eq!(cal.working_days_left(due, d("2026-02-25")), 0);
        assert_eq!(cal.working_days_left(due, d("2026-02-26")), -1);
        assert!(!is_overdue(due, d("2026-02-25")));
        assert!(is_overdue(due, d("2026-02-26")));
        // Friday deadline seen on Saturday: overdue, yet no working day has passed.
        assert_eq!(cal.working_days_left(d("2026-03-06"), d("2026-03-07")), 0);
        assert!(is_overdue(d("2026-03-06"), d("2026-03-07")));
    }

    #[test]
    fn pauses_push_the_deadline() {
        let cal = official();
        // Suspended Fri 02-13, resumed Wed 02-25: consumed 02-13, 02-14, 02-24.
        assert_eq!(cal.working_days_in_pause(d("2026-02-13"), d("2026-02-25")), 3);
        assert_eq!(cal.working_days_in_pause(d("2026-02-15"), d("2026-02-24")), 0);
        assert_eq!(cal.working_days_in_pause(d("2026-02-24"), d("2026-02-24")), 0);
        assert_eq!(cal.working_days_in_pause(d("2026-02-25"), d("2026-02-24")), 0);

        let start = d("2026-02-13");
        let due = cal.add_working_days(start, 3).date;
        let ledger = [(d("2026-03-02"), d("2026-03-04")), (d("2026-03-09"), d("2026-03-10"))];
        let paused: i64 = ledger.iter().map(|(from, to)| cal.working_days_in_pause(*from, *to)).sum();
        assert_eq!(paused, 3);
        let pushed = cal.extend_for_pauses(due, paused);
        assert_eq!(pushed, cal.add_working_days(start, 6));
        assert_eq!(pushed.date, d("2026-02-28"));
        assert_eq!(cal.extend_for_pauses(due, 0).date, due);
        assert_eq!(cal.extend_for_pauses(due, -2).date, due);
    }

    #[test]
    fn pause_count_matches_stepping() {
        let cal = official();
        let all = holiday_periods();
        for &a in &all {
            for &b in &all {
                let want = a.iter_days().take_while(|x| *x < b).filter(|x| cal.is_workday(*x)).count() as i64;
                assert_eq!(cal.working_days_in_pause(a, b), want, "[{a}, {b})");
            }
        }
    }

    #[test]
    fn parses_official_data() {
        let (days, years) = parse_official_csv(OFFICIAL).expect("parses");
        assert_eq!(years, BTreeSet::from([2025, 2026]));
        assert_eq!(
            days.first(),
            Some(&CalendarDay { date: d("2025-01-01"), workday: false, name: Some("元旦".into()) })
        );
        let with_crlf = "\u{feff}date,kind,name\r\n2027-01-01,holiday,\r\n\r\n";
        let (days, years) = parse_official_csv(with_crlf).expect("parses");
        assert_eq!(days.len(), 1);
        assert_eq!(days.first().and_then(|x| x.name.clone()), None);
        assert_eq!(years, BTreeSet::from([2027]));
    }

    #[test]
    fn parse_errors_name_the_line() {
        let cases = [
            ("", "第1行"),
            ("day,kind,name\n", "第1行"),
            ("date,kind,name\n2026-01-01,holiday,元旦\n2026-13-01,holiday,x\n", "第3行"),
            ("date,kind,name\n2026-1-1,holiday,元旦\n", "第2行"),
            ("date,kind,name\n2026-01-01,holiday,元旦\n\n2026-01-02,rest,元旦\n", "第4行"),
            ("date,kind,name\n2026-01-01,holiday\n", "第2行"),
            ("date,kind,name\n2026-01-01,holiday,元,旦\n", "第2行"),
            ("date,kind,name\n2026-01-01,holiday,元旦\n2026-01-01,workday,x\n", "第3行"),
        ];
        for (text, line) in cases {
            let err = parse_official_csv(text).expect_err(text);
            assert_eq!(err.code(), "INVALID_INPUT", "{text}");
            assert!(err.to_string().starts_with(line), "{text}: {err}");
        }
        let dup =
            parse_official_csv("date,kind,name\n2026-01-01,holiday,a\n2026-01-01,holiday,b\n").expect_err("duplicate");
        assert!(dup.to_string().contains("第2行"), "{dup}");
    }
}
