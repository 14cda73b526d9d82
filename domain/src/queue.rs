//! The lobby queue (排队叫号): numbers per hall per working day, routed to queues of windows.
//! Redis is the natural home (shared by every server process, survives restarts); process
//! memory serves a single embedded server.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::region::RegionCode;

/// One hall's queues on one day.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HallDay {
    pub hall: RegionCode,
    pub day: NaiveDate,
}

impl HallDay {
    /// The key part shared by every entry of this hall and day.
    pub fn key(&self) -> String {
        format!("{}:{}", self.hall, self.day.format("%Y%m%d"))
    }
}

/// A ticket prefix: one capital letter per window group (A, B, …).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Prefix(char);

impl Prefix {
    pub fn parse(s: &str) -> Result<Prefix> {
        let mut chars = s.trim().chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) if c.is_ascii_uppercase() => Ok(Prefix(c)),
            _ => Err(Error::invalid(format!("号码前缀“{s}”无效，应为一个大写字母"))),
        }
    }

    /// The letter that starts a window number such as A05, else `A`.
    pub fn of_window_number(number: &str) -> Prefix {
        number.chars().next().filter(char::is_ascii_uppercase).map_or(Prefix('A'), Prefix)
    }

    pub fn letter(&self) -> char {
        self.0
    }

    /// A012: the prefix and the day's sequence number, at least three digits.
    pub fn number(&self, seq: u64) -> String {
        format!("{}{seq:03}", self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    pub number: String,
    /// The queue (window group) it waits in.
    pub queue: String,
    pub issued_at: DateTime<Utc>,
    /// Appointments checked in go first.
    pub priority: bool,
}

/// A ticket taken: its place in its queue (1 = next).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    pub ticket: Ticket,
    pub position: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Call {
    pub ticket: Ticket,
    pub window: String,
    pub caller: String,
    pub called_at: DateTime<Utc>,
}

#[async_trait]
pub trait QueueStore: Send + Sync {
    /// Issues the next number of `prefix` and appends it to `queue`.
    async fn take(
        &self,
        day: &HallDay,
        prefix: &Prefix,
        queue: &str,
        priority: bool,
        at: DateTime<Utc>,
    ) -> Result<Issued>;
    /// Takes the longest-waiting ticket (priority first) of any of `queues`, atomically: two
    /// windows calling at once never get the same ticket.
    async fn call_next(
        &self,
        day: &HallDay,
        queues: &[String],
        window: &str,
        caller: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<Call>>;
    /// Puts a called ticket back into `queue`, ahead of every ticket without priority (a transfer
    /// to another window).
    async fn requeue(&self, day: &HallDay, queue: &str, ticket: &Ticket) -> Result<()>;
    /// Shows a call on the lobby screen again (重呼).
    async fn announce(&self, day: &HallDay, call: &Call) -> Result<()>;
    /// Tickets waiting in `queue`.
    async fn waiting(&self, day: &HallDay, queue: &str) -> Result<u32>;
    /// The latest calls, newest first (for the lobby screen).
    async fn recent_calls(&self, day: &HallDay, limit: u32) -> Result<Vec<Call>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_prefixes() {
        let a = Prefix::parse("A").expect("valid");
        assert_eq!(a.number(12), "A012");
        assert_eq!(a.number(1234), "A1234");
        assert!(Prefix::parse("a").is_err());
        assert!(Prefix::parse("AB").is_err());
        assert_eq!(Prefix::of_window_number("B07").letter(), 'B');
        assert_eq!(Prefix::of_window_number("07").letter(), 'A');
    }
}
