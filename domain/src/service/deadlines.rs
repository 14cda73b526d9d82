//! Stored deadlines follow the calendar: when a year's official data is loaded, or a day of a
//! calendar is edited, the deadlines of running and paused clocks are recomputed from their
//! budget and pause ledger, event-recorded and audited per handling tenant.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde_json::json;

use crate::audit::AuditRecord;
use crate::calendar::{Deadline, WorkingCalendar};
use crate::case::{Case, CaseClock, CaseEvent};
use crate::china_time::local_day;
use crate::error::{Error, Result};
use crate::identity::Actor;
use crate::region::RegionCode;
use crate::tenant::Tenant;

use super::CalendarService;

/// How often a tenant's batch is retried when a case changed meanwhile.
const ATTEMPTS: usize = 3;

/// Which open clocks a calendar change may move.
#[derive(Debug, Clone)]
pub(crate) enum Affected {
    /// Every case whose stored deadline is provisional (official data was loaded).
    Provisional,
    /// Cases of the subtree `prefix` whose deadline window may hold `date` (a day was edited).
    Covering { prefix: String, date: NaiveDate },
}

/// The deadline of `clock` as it is stored: a running pause is left out (it keeps pushing the
/// deadline until the case resumes, which stores the extended one).
pub fn stored_deadline(clock: &CaseClock, cal: &WorkingCalendar, today: NaiveDate) -> Deadline {
    let mut closed = clock.clone();
    if closed.is_paused() {
        closed.pauses.pop();
    }
    closed.deadline(cal, today)
}

fn describe(date: Option<NaiveDate>, provisional: bool) -> String {
    match date {
        Some(d) if provisional => format!("{d}（暂定）"),
        Some(d) => d.to_string(),
        None => "无".into(),
    }
}

impl CalendarService {
    /// Recomputes the stored deadlines of the affected open clocks with their handling tenants'
    /// calendars; saves (with an event per case and an audit entry per tenant, in one
    /// transaction per tenant) those that changed. Returns how many changed.
    pub(crate) async fn recompute_deadlines(&self, affected: Affected, why: &str) -> Result<u64> {
        let (prefix, provisional, from) = match &affected {
            Affected::Provisional => (String::new(), true, None),
            Affected::Covering { prefix, date } => (prefix.clone(), false, Some(*date)),
        };
        let mut by_tenant: BTreeMap<RegionCode, Vec<Case>> = BTreeMap::new();
        for c in self.ports.cases.open_clocks(&prefix, provisional, from).await? {
            by_tenant.entry(c.handling).or_default().push(c);
        }
        let mut changed = 0;
        for (code, mut cases) in by_tenant {
            let tenant = self.tenants.known_tenant(&code).await?;
            for attempt in 1..=ATTEMPTS {
                match self.recompute_batch(&tenant, &cases, why).await? {
                    Some(n) => {
                        changed += n;
                        break;
                    }
                    None if attempt < ATTEMPTS => {
                        // Someone changed a case meanwhile: reload the batch and try again.
                        let ids: Vec<_> = cases.iter().map(|c| c.id).collect();
                        cases = self
                            .ports
                            .cases
                            .open_clocks(tenant.code.as_str(), provisional, from)
                            .await?
                            .into_iter()
                            .filter(|c| ids.contains(&c.id))
                            .collect();
                    }
                    None => {
                        return Err(Error::conflict(format!(
                            "{}的办件正被同时办理，期限未能重算，请稍后重试",
                            tenant.name
                        )));
                    }
                }
            }
        }
        Ok(changed)
    }

    /// One tenant's batch: Some(changed) once saved, None when a case changed meanwhile.
    async fn recompute_batch(&self, tenant: &Tenant, cases: &[Case], why: &str) -> Result<Option<u64>> {
        let cal = self.working_calendar(tenant).await?;
        let now = self.now();
        let today = local_day(now);
        let system = Actor::system("recompute-deadlines", tenant);
        let mut changes = Vec::new();
        let (mut before, mut after) = (Vec::new(), Vec::new());
        for case in cases {
            let Some(clock) = &case.clock else { continue };
            let d = stored_deadline(clock, &cal, today);
            if case.deadline == Some(d.date) && case.deadline_provisional == d.provisional {
                continue;
            }
            let old = describe(case.deadline, case.deadline_provisional);
            let new = describe(Some(d.date), d.provisional);
            before.push(
                json!({ "case": case.case_no, "deadline": case.deadline, "provisional": case.deadline_provisional }),
            );
            after.push(json!({ "case": case.case_no, "deadline": d.date, "provisional": d.provisional }));
            let mut c = case.clone();
            c.deadline = Some(d.date);
            c.deadline_provisional = d.provisional;
            c.version += 1;
            let event = CaseEvent {
                at: now,
                status: c.status,
                actor: system.name(),
                tenant: tenant.code,
                action: "期限重算".into(),
                opinion: Some(format!("{why}，办理期限由{old}调整为{new}")),
            };
            changes.push((c, event));
        }
        if changes.is_empty() {
            return Ok(Some(0));
        }
        let n = changes.len() as u64;
        let audit = AuditRecord::new(&system, tenant.code, now, "case.recompute_deadlines", format!("{n}件"))
            .before(json!({ "cases": before }))
            .after(json!({ "cases": after, "reason": why }));
        Ok(self.ports.cases.save_deadlines(&tenant.code, &changes, audit).await?.then_some(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::parse_official_csv;
    use crate::case::Pause;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn a_running_pause_is_left_out_of_the_stored_deadline() {
        let (days, years) = parse_official_csv(include_str!("../../../migrations/data/holidays-cn-2025-2026.csv"))
            .expect("official data");
        let cal = WorkingCalendar::new(years, days);
        let mut c = CaseClock::new(d("2026-03-02"), 5);
        c.pauses.push(Pause { from: d("2026-03-04"), to: None, procedure: "HEARING".into(), reason: "听证".into() });
        assert_eq!(stored_deadline(&c, &cal, d("2026-03-20")).date, d("2026-03-09"));
        c.pauses[0].to = Some(d("2026-03-09"));
        assert_eq!(stored_deadline(&c, &cal, d("2026-03-20")).date, d("2026-03-12"));
    }
}
