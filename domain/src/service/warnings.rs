//! The yellow-warning threshold: a root tenant's own setting, else the deployment's default.
//! Cases follow the threshold of their handling tenant's root.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use crate::audit::AuditRecord;
use crate::calendar::WorkingCalendar;
use crate::case::{Case, ClockReading, WarningPolicy};
use crate::china_time::local_day;
use crate::error::{Error, Result};
use crate::identity::Actor;
use crate::policy::{Action, authorize};
use crate::region::RegionCode;
use crate::tenant::Tenant;

use super::CaseService;
use super::calendar::calendar_layers;

/// The thresholds a root tenant may choose, in working days.
pub const YELLOW_DAYS: std::ops::RangeInclusive<i64> = 0..=10;
/// How long a root's threshold stays cached (a change deletes it at once).
const TTL: Duration = Duration::from_secs(300);

fn key(root: &RegionCode) -> String {
    format!("warning-yellow:{root}")
}

/// A root tenant's threshold and whether it is the deployment's default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WarningThreshold {
    pub yellow_days: i64,
    pub is_default: bool,
}

impl CaseService {
    /// The nearest root tenant at or above `tenant`, if any.
    async fn root_of(&self, tenant: &Tenant) -> Result<Option<Tenant>> {
        if tenant.root {
            return Ok(Some(tenant.clone()));
        }
        let path = self.calendar.tenant_path(tenant).await?;
        Ok(calendar_layers(&path).0.cloned())
    }

    /// The threshold of a root tenant (cached; "-" marks "no own setting").
    async fn root_threshold(&self, root: &RegionCode) -> Result<WarningThreshold> {
        let cached = self.ports.cache.get(&key(root)).await;
        let own = match cached.as_deref() {
            Some("-") => None,
            Some(v) => v.parse::<i64>().ok(),
            None => {
                let own = self.ports.tenants.warning_yellow_days(root).await?;
                let value = own.map_or_else(|| "-".to_owned(), |d| d.to_string());
                self.ports.cache.put(&key(root), &value, TTL).await;
                own
            }
        };
        Ok(match own {
            Some(d) => WarningThreshold { yellow_days: d, is_default: false },
            None => WarningThreshold { yellow_days: self.settings.case_yellow_days, is_default: true },
        })
    }

    /// The warning policy of cases handled at `tenant`: its root's threshold.
    pub async fn warning_policy_for(&self, tenant: &Tenant) -> Result<WarningPolicy> {
        let yellow_days = match self.root_of(tenant).await? {
            Some(root) => self.root_threshold(&root.code).await?.yellow_days,
            None => self.settings.case_yellow_days,
        };
        Ok(WarningPolicy { yellow_days })
    }

    /// The clock readings of `cases` today, in order: the calendar and threshold are looked up once
    /// per distinct handling tenant (for list pages).
    pub async fn case_readings(&self, cases: &[Case]) -> Result<Vec<Option<ClockReading>>> {
        let today = local_day(self.now());
        let mut per_tenant: HashMap<RegionCode, (Arc<WorkingCalendar>, WarningPolicy)> = HashMap::new();
        let mut out = Vec::with_capacity(cases.len());
        for case in cases {
            if case.clock.is_none() {
                out.push(None);
                continue;
            }
            let (cal, policy) = match per_tenant.get(&case.handling) {
                Some(known) => known.clone(),
                None => {
                    let tenant = self.tenants.known_tenant(&case.handling).await?;
                    let looked_up =
                        (self.calendar.working_calendar(&tenant).await?, self.warning_policy_for(&tenant).await?);
                    per_tenant.insert(case.handling, looked_up.clone());
                    looked_up
                }
            };
            out.push(case.reading(&cal, today, policy));
        }
        Ok(out)
    }

    /// The threshold a root tenant's cases follow, for anyone who may see the tenant.
    pub async fn warning_threshold(&self, actor: &Actor, tenant: &RegionCode) -> Result<WarningThreshold> {
        let t = self.tenants.tenant(actor, tenant).await?;
        if !t.root {
            return Err(Error::invalid(format!("{}不是根租户：预警阈值由根租户设置", t.name)));
        }
        self.root_threshold(&t.code).await
    }

    /// May `actor` set `tenant`'s threshold (a root tenant, its center administrators)?
    pub fn may_set_warning_threshold(&self, actor: &Actor, tenant: &Tenant) -> bool {
        tenant.root && authorize(actor, Action::ManageTenantSetup, tenant).is_ok()
    }

    /// Sets a root tenant's yellow threshold (0 to 10 working days); its center administrators
    /// (ManageTenantSetup) decide.
    pub async fn set_warning_threshold(
        &self,
        actor: &Actor,
        tenant: &RegionCode,
        yellow_days: i64,
    ) -> Result<WarningThreshold> {
        let t = self.tenants.tenant(actor, tenant).await?;
        authorize(actor, Action::ManageTenantSetup, &t)?;
        if !t.root {
            return Err(Error::invalid(format!("{}不是根租户：预警阈值由根租户设置", t.name)));
        }
        if !YELLOW_DAYS.contains(&yellow_days) {
            return Err(Error::invalid(format!(
                "预警阈值{yellow_days}无效，应为{}至{}个工作日",
                YELLOW_DAYS.start(),
                YELLOW_DAYS.end()
            )));
        }
        let before = self.root_threshold(&t.code).await?;
        let audit = AuditRecord::new(actor, t.code, self.now(), "tenant.warning_threshold", t.code.to_string())
            .before(json!({ "yellowDays": before.yellow_days, "default": before.is_default }))
            .after(json!({ "yellowDays": yellow_days }));
        self.ports.tenants.set_warning_yellow_days(&t.code, yellow_days, &actor.name(), audit).await?;
        self.ports.cache.delete(&[key(&t.code)]).await;
        Ok(WarningThreshold { yellow_days, is_default: false })
    }
}
