use async_graphql::{Context, Object, Result, SimpleObject};
use domain::calendar::{CalendarDay as DCalendarDay, Deadline};

use super::cost;
use super::ctx::{actor, services};
use super::scalars::{DateScalar, RegionCodeScalar};

/// One date of a tenant's effective calendar.
#[derive(SimpleObject)]
pub struct CalendarDay {
    date: DateScalar,
    /// Effective: weekends, official holidays and make-up workdays, root edits and local overrides applied.
    workday: bool,
    /// The holiday's or adjustment's name; null on ordinary days.
    name: Option<String>,
}

impl From<DCalendarDay> for CalendarDay {
    fn from(d: DCalendarDay) -> Self {
        CalendarDay { date: d.date.into(), workday: d.workday, name: d.name }
    }
}

/// A time limit's last day, and whether it relies on a year without official holiday data
/// (counted on weekends alone: provisional, to be recomputed once the data is loaded).
#[derive(SimpleObject)]
pub struct DeadlineInfo {
    date: DateScalar,
    provisional: bool,
}

impl From<Deadline> for DeadlineInfo {
    fn from(d: Deadline) -> Self {
        DeadlineInfo { date: d.date.into(), provisional: d.provisional }
    }
}

/// A root tenant's yellow-warning threshold: its cases (and those of its descendants) turn
/// yellow this many working days before their deadline.
#[derive(SimpleObject)]
pub struct WarningThreshold {
    yellow_days: i32,
    /// True while the root has not set its own and the deployment's default applies.
    is_default: bool,
}

impl From<domain::service::WarningThreshold> for WarningThreshold {
    fn from(t: domain::service::WarningThreshold) -> Self {
        WarningThreshold { yellow_days: t.yellow_days.clamp(-1, 9999) as i32, is_default: t.is_default }
    }
}

#[derive(SimpleObject)]
pub struct WorkingDaysCount {
    /// Working days in (from, to]; negative when `to` is before `from`.
    days: i32,
    provisional: bool,
}

fn int_days(days: i32) -> i64 {
    i64::from(days)
}

#[derive(Default)]
pub struct CalendarQuery;

#[Object]
impl CalendarQuery {
    /// Every date of `year` in the tenant's effective working-day calendar.
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn calendar(&self, ctx: &Context<'_>, tenant: RegionCodeScalar, year: i32) -> Result<Vec<CalendarDay>> {
        let days = services(ctx).calendar.calendar(actor(ctx)?, &tenant.parse()?, year).await?;
        Ok(days.into_iter().map(Into::into).collect())
    }

    /// The close of the `days`-th working day after `from` (the start day is not counted).
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn add_working_days(
        &self,
        ctx: &Context<'_>,
        tenant: RegionCodeScalar,
        from: DateScalar,
        days: i32,
    ) -> Result<DateScalar> {
        let due = services(ctx)
            .calendar
            .add_working_days(actor(ctx)?, &tenant.parse()?, from.parse()?, int_days(days))
            .await?;
        Ok(due.date.into())
    }

    /// Like addWorkingDays, with the provisional flag.
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn deadline(
        &self,
        ctx: &Context<'_>,
        tenant: RegionCodeScalar,
        from: DateScalar,
        days: i32,
    ) -> Result<DeadlineInfo> {
        let due = services(ctx)
            .calendar
            .add_working_days(actor(ctx)?, &tenant.parse()?, from.parse()?, int_days(days))
            .await?;
        Ok(due.into())
    }

    /// Working days in (from, to] of the tenant's calendar.
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn working_days_between(
        &self,
        ctx: &Context<'_>,
        tenant: RegionCodeScalar,
        from: DateScalar,
        to: DateScalar,
    ) -> Result<WorkingDaysCount> {
        let (days, provisional) = services(ctx)
            .calendar
            .working_days_between(actor(ctx)?, &tenant.parse()?, from.parse()?, to.parse()?)
            .await?;
        let days = i32::try_from(days).map_err(|_| domain::Error::invalid("日期范围过大"))?;
        Ok(WorkingDaysCount { days, provisional })
    }

    /// The yellow-warning threshold of a root tenant.
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn warning_threshold(&self, ctx: &Context<'_>, tenant: RegionCodeScalar) -> Result<WarningThreshold> {
        Ok(services(ctx).cases.warning_threshold(actor(ctx)?, &tenant.parse()?).await?.into())
    }
}

#[derive(Default)]
pub struct CalendarMutation;

#[Object]
impl CalendarMutation {
    /// Sets a day of a tenant's calendar: a root tenant's edit (its catalogue administrators) or
    /// a descendant's local override (center administrators in scope). Returns the effective day.
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn set_calendar_day(
        &self,
        ctx: &Context<'_>,
        tenant: RegionCodeScalar,
        date: DateScalar,
        workday: bool,
        name: Option<String>,
    ) -> Result<CalendarDay> {
        let a = actor(ctx)?;
        let day = services(ctx).calendar.set_calendar_day(a, &tenant.parse()?, date.parse()?, workday, name).await?;
        Ok(day.into())
    }

    /// Sets a root tenant's yellow-warning threshold (0 to 10 working days); its center
    /// administrators decide.
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn set_warning_threshold(
        &self,
        ctx: &Context<'_>,
        tenant: RegionCodeScalar,
        yellow_days: i32,
    ) -> Result<WarningThreshold> {
        let t =
            services(ctx).cases.set_warning_threshold(actor(ctx)?, &tenant.parse()?, i64::from(yellow_days)).await?;
        Ok(t.into())
    }
}
