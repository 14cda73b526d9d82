use chrono::{DateTime, Utc};
use domain::ports::Clock;

#[derive(Debug, Clone, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// The system clock moved by an offset: for tests and drills that need tomorrow today.
#[derive(Debug, Default)]
pub struct ShiftableClock {
    offset_secs: std::sync::atomic::AtomicI64,
}

impl ShiftableClock {
    pub fn advance(&self, by: chrono::Duration) {
        self.offset_secs.fetch_add(by.num_seconds(), std::sync::atomic::Ordering::SeqCst);
    }
}

impl Clock for ShiftableClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::seconds(self.offset_secs.load(std::sync::atomic::Ordering::SeqCst))
    }
}
