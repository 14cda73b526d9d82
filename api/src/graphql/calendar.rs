use async_graphql::{Context, Object, Result, SimpleObject};
use domain::calendar::{CalendarDay as DCalendarDay, Deadline};

use super::cost;
use super::ctx::{actor, services};
use super::scalars::{DateScalar, RegionCodeScalar};

/// 租户实际生效的工作日历中的一天。
#[derive(SimpleObject)]
pub struct CalendarDay {
    /// 日期（YYYY-MM-DD）
    date: DateScalar,
    /// 是否工作日：已计入周末、法定节假日、调休上班、根租户的修改和本地调整。
    workday: bool,
    /// 节假日或调休的名称；普通日为空。
    name: Option<String>,
}

impl From<DCalendarDay> for CalendarDay {
    fn from(d: DCalendarDay) -> Self {
        CalendarDay { date: d.date.into(), workday: d.workday, name: d.name }
    }
}

/// 期限的最后一天，以及是否依赖尚无法定节假日数据的年份（只按周末计算：暂定，数据导入后重算）。
#[derive(SimpleObject)]
pub struct DeadlineInfo {
    /// 期限最后一天（YYYY-MM-DD）
    date: DateScalar,
    /// 是否为暂定结果（该年份缺少法定节假日数据）
    provisional: bool,
}

impl From<Deadline> for DeadlineInfo {
    fn from(d: Deadline) -> Self {
        DeadlineInfo { date: d.date.into(), provisional: d.provisional }
    }
}

/// 根租户的黄灯预警阈值：其办件（含下级）在期限前这么多个工作日变为黄灯。
#[derive(SimpleObject)]
pub struct WarningThreshold {
    /// 黄灯阈值（工作日）
    yellow_days: i32,
    /// 根租户未自行设置、使用部署默认值时为 true。
    is_default: bool,
}

impl From<domain::service::WarningThreshold> for WarningThreshold {
    fn from(t: domain::service::WarningThreshold) -> Self {
        WarningThreshold { yellow_days: t.yellow_days.clamp(-1, 9999) as i32, is_default: t.is_default }
    }
}

/// 两个日期之间的工作日数。
#[derive(SimpleObject)]
pub struct WorkingDaysCount {
    /// (from, to] 区间内的工作日数；to 早于 from 时为负数。
    days: i32,
    /// 是否为暂定结果（涉及缺少法定节假日数据的年份）
    provisional: bool,
}

fn int_days(days: i32) -> i64 {
    i64::from(days)
}

#[derive(Default)]
pub struct CalendarQuery;

#[Object]
impl CalendarQuery {
    /// 某租户某年每一天的实际工作日历。
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn calendar(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "租户区划代码（12 位）")] tenant: RegionCodeScalar,
        #[graphql(desc = "年份，如 2026")] year: i32,
    ) -> Result<Vec<CalendarDay>> {
        let days = services(ctx).calendar.calendar(actor(ctx)?, &tenant.parse()?, year).await?;
        Ok(days.into_iter().map(Into::into).collect())
    }

    /// 从 from 起第 days 个工作日的日期（起算日不计入，期限到该日结束）。
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn add_working_days(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "租户区划代码（12 位），按其工作日历计算")] tenant: RegionCodeScalar,
        #[graphql(desc = "起算日期（YYYY-MM-DD，不计入）")] from: DateScalar,
        #[graphql(desc = "工作日数")] days: i32,
    ) -> Result<DateScalar> {
        let due = services(ctx)
            .calendar
            .add_working_days(actor(ctx)?, &tenant.parse()?, from.parse()?, int_days(days))
            .await?;
        Ok(due.date.into())
    }

    /// 同 addWorkingDays，并标明结果是否暂定。
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn deadline(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "租户区划代码（12 位），按其工作日历计算")] tenant: RegionCodeScalar,
        #[graphql(desc = "起算日期（YYYY-MM-DD，不计入）")] from: DateScalar,
        #[graphql(desc = "工作日数")] days: i32,
    ) -> Result<DeadlineInfo> {
        let due = services(ctx)
            .calendar
            .add_working_days(actor(ctx)?, &tenant.parse()?, from.parse()?, int_days(days))
            .await?;
        Ok(due.into())
    }

    /// 租户日历中 (from, to] 区间内的工作日数。
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn working_days_between(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "租户区划代码（12 位）")] tenant: RegionCodeScalar,
        #[graphql(desc = "开始日期（YYYY-MM-DD，不计入）")] from: DateScalar,
        #[graphql(desc = "结束日期（YYYY-MM-DD，计入）")] to: DateScalar,
    ) -> Result<WorkingDaysCount> {
        let (days, provisional) = services(ctx)
            .calendar
            .working_days_between(actor(ctx)?, &tenant.parse()?, from.parse()?, to.parse()?)
            .await?;
        let days = i32::try_from(days).map_err(|_| domain::Error::invalid("日期范围过大"))?;
        Ok(WorkingDaysCount { days, provisional })
    }

    /// 根租户的黄灯预警阈值。
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn warning_threshold(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "租户区划代码（12 位）；下级租户按其根租户的阈值")] tenant: RegionCodeScalar,
    ) -> Result<WarningThreshold> {
        Ok(services(ctx).cases.warning_threshold(actor(ctx)?, &tenant.parse()?).await?.into())
    }
}

#[derive(Default)]
pub struct CalendarMutation;

#[Object]
impl CalendarMutation {
    /// 设置租户日历中的一天：根租户的修改（其目录管理员）或下级租户的本地调整（管辖范围内的中心管理员）。返回该日实际生效的结果。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn set_calendar_day(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "租户区划代码（12 位）")] tenant: RegionCodeScalar,
        #[graphql(desc = "日期（YYYY-MM-DD）")] date: DateScalar,
        #[graphql(desc = "是否工作日")] workday: bool,
        #[graphql(desc = "节假日或调休名称（可选）")] name: Option<String>,
    ) -> Result<CalendarDay> {
        let a = actor(ctx)?;
        let day = services(ctx).calendar.set_calendar_day(a, &tenant.parse()?, date.parse()?, workday, name).await?;
        Ok(day.into())
    }

    /// 设置根租户的黄灯预警阈值（0 到 10 个工作日），由其中心管理员决定。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn set_warning_threshold(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "根租户区划代码（12 位）")] tenant: RegionCodeScalar,
        #[graphql(desc = "距期限多少个工作日时变为黄灯（0 到 10）")] yellow_days: i32,
    ) -> Result<WarningThreshold> {
        let t =
            services(ctx).cases.set_warning_threshold(actor(ctx)?, &tenant.parse()?, i64::from(yellow_days)).await?;
        Ok(t.into())
    }
}
