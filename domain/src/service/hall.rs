use chrono::{Datelike, NaiveDate};
use uuid::Uuid;

use crate::audit::AuditRecord;
use crate::error::{Error, Result};
use crate::hall::{Attendance, local_day};
use crate::identity::Actor;
use crate::policy::{Action, authorize};
use crate::region::RegionCode;

use super::Services;

impl Services {
    /// Signs the actor in for today at their own tenant's hall.
    pub async fn sign_in(&self, actor: &Actor) -> Result<Attendance> {
        let user = self.me(actor).await?;
        let now = self.now();
        let record = Attendance {
            id: Uuid::now_v7(),
            tenant: user.tenant,
            user_id: user.id,
            username: user.username.clone(),
            display_name: user.display_name.clone(),
            day: local_day(now),
            signed_in_at: now,
            signed_out_at: None,
        };
        let audit = AuditRecord::new(actor, user.tenant, now, "attendance.sign_in", format!("user:{}", user.id));
        if !self.ports.attendance.sign_in(&record, audit).await? {
            return Err(Error::conflict("今天已签到，无需重复签到"));
        }
        Ok(record)
    }

    pub async fn sign_out(&self, actor: &Actor) -> Result<()> {
        let user = self.me(actor).await?;
        let now = self.now();
        let audit = AuditRecord::new(actor, user.tenant, now, "attendance.sign_out", format!("user:{}", user.id));
        if self.ports.attendance.sign_out(&user.tenant, user.id, local_day(now), now, audit).await? {
            Ok(())
        } else {
            Err(Error::IllegalTransition("今天尚未签到，不能签退".into()))
        }
    }

    /// The attendance board of a tenant's hall for one day (today by default).
    pub async fn attendance_board(
        &self,
        actor: &Actor,
        tenant: &RegionCode,
        day: Option<NaiveDate>,
    ) -> Result<Vec<Attendance>> {
        let t = self.tenant(actor, tenant).await?;
        authorize(actor, Action::Supervise, &t)?;
        let day = day.unwrap_or_else(|| local_day(self.now()));
        self.ports.attendance.between(&t.code, day, day).await
    }

    /// A month of attendance, for export.
    pub async fn attendance_month(
        &self,
        actor: &Actor,
        tenant: &RegionCode,
        year: i32,
        month: u32,
    ) -> Result<Vec<Attendance>> {
        let t = self.tenant(actor, tenant).await?;
        authorize(actor, Action::Supervise, &t)?;
        let from = NaiveDate::from_ymd_opt(year, month, 1).ok_or_else(|| Error::invalid("月份无效"))?;
        let to = from
            .checked_add_months(chrono::Months::new(1))
            .and_then(|d| d.pred_opt())
            .ok_or_else(|| Error::invalid("月份无效"))?;
        debug_assert_eq!(to.month(), month);
        self.ports.attendance.between(&t.code, from, to).await
    }

    /// Whether each of `users` is signed in at `tenant` today.
    pub async fn present_today(&self, tenant: &RegionCode, users: &[Uuid]) -> Result<Vec<bool>> {
        let today = local_day(self.now());
        let records = self.ports.attendance.between(tenant, today, today).await?;
        Ok(users.iter().map(|u| records.iter().any(|r| r.user_id == *u && r.present())).collect())
    }
}
