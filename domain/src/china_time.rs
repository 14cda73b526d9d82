//! China time: every local date and clock reading is Asia/Shanghai, computed here only.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

/// The zone of every service center.
pub const ZONE: Tz = chrono_tz::Asia::Shanghai;

/// An instant on the Shanghai clock.
pub fn local(at: DateTime<Utc>) -> DateTime<Tz> {
    at.with_timezone(&ZONE)
}

/// The Shanghai date of an instant: attendance, queues, deadlines and case numbers count by it.
pub fn local_day(at: DateTime<Utc>) -> NaiveDate {
    local(at).date_naive()
}

/// The instant a Shanghai day begins.
pub fn day_start(day: NaiveDate) -> Option<DateTime<Utc>> {
    day.and_hms_opt(0, 0, 0)?.and_local_timezone(ZONE).earliest().map(|t| t.to_utc())
}

/// 2026-11-29 01:30
pub fn minute_text(at: DateTime<Utc>) -> String {
    local(at).format("%Y-%m-%d %H:%M").to_string()
}

/// 01:30
pub fn clock_text(at: DateTime<Utc>) -> String {
    local(at).format("%H:%M").to_string()
}

/// 2026-11-29T01:30:00+08:00
pub fn rfc3339(at: DateTime<Utc>) -> String {
    local(at).to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).expect("time").to_utc()
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn the_day_turns_at_shanghai_midnight() {
        assert_eq!(local_day(at("2026-11-28T15:59:59Z")), d("2026-11-28"));
        assert_eq!(local_day(at("2026-11-28T16:00:00Z")), d("2026-11-29"));
        assert_eq!(local_day(at("2026-12-31T17:00:00Z")), d("2027-01-01"));
        assert_eq!(day_start(d("2026-11-29")), Some(at("2026-11-28T16:00:00Z")));
    }

    #[test]
    fn texts_read_the_shanghai_clock() {
        let t = at("2026-11-28T17:30:00Z");
        assert_eq!(minute_text(t), "2026-11-29 01:30");
        assert_eq!(clock_text(t), "01:30");
        assert_eq!(rfc3339(t), "2026-11-29T01:30:00+08:00");
    }
}
