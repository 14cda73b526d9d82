//! Ratings (好差评) and rectifications, complaints and statistics (domain.md §6).

use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use domain::page::PageRequest;
use domain::supervision as ds;

use super::case::Case;
use super::catalogue::parse_id;
use super::cost;
use super::ctx::{actor, request, services};
use super::scalars::{DateScalar, DateTimeScalar, RegionCodeScalar};
use super::tenant::Tenant;

/// 整改状态
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "domain::supervision::RectificationStatus")]
pub enum RectificationStatus {
    /// 待整改
    Open,
    /// 已整改（已回访）
    Done,
    /// 被评价单位申诉中
    Appealed,
    /// 申诉成立，评价不计入统计
    Overturned,
}

/// 投诉状态
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "domain::supervision::ComplaintStatus")]
pub enum ComplaintStatus {
    /// 办理中
    Open,
    /// 已延期
    Extended,
    /// 已办结
    Resolved,
}

/// 统计分组方式
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "domain::supervision::GroupBy")]
pub enum GroupBy {
    /// 按租户（本级及各下级区划）
    Tenant,
    /// 按部门
    Department,
    /// 按窗口（提供该事项的窗口）
    Window,
    /// 按受理人员
    Staff,
    /// 按事项
    Item,
}

/// 一次好差评评价（一事一评）
pub struct Rating(pub ds::Rating);

/// 一次好差评评价（一事一评）
#[Object]
impl Rating {
    /// 评价编号
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// 被评价的办件（需登录）
    async fn case(&self, ctx: &Context<'_>) -> Result<Case> {
        Ok(Case::new(services(ctx).cases.case_summary(actor(ctx)?, self.0.case_id).await?))
    }
    /// 办件编号
    async fn case_no(&self) -> &str {
        &self.0.case_no
    }
    /// 评价等级：1 非常满意 … 5 非常不满意
    async fn level(&self) -> i32 {
        i32::from(self.0.level)
    }
    /// 评价等级名称
    async fn level_label(&self) -> &'static str {
        ds::level_label(self.0.level)
    }
    /// 评价渠道：WINDOW、QR、ONLINE、SMS
    async fn channel(&self) -> &str {
        &self.0.channel
    }
    /// 评价内容
    async fn comment(&self) -> Option<&str> {
        self.0.comment.as_deref()
    }
    /// 评价时间
    async fn at(&self) -> DateTimeScalar {
        DateTimeScalar(self.0.at)
    }
    /// 被评价部门
    async fn department(&self) -> &str {
        &self.0.department
    }
    /// 差评（4、5级）产生的整改单（需登录）
    async fn rectification(&self, ctx: &Context<'_>) -> Result<Option<Rectification>> {
        if !self.0.is_bad() {
            return Ok(None);
        }
        let s = services(ctx);
        Ok(s.supervision.rectification_of_rating(actor(ctx)?, self.0.id).await?.map(Rectification))
    }
}

/// 差评整改单：交办被评价部门，限期整改并回访
pub struct Rectification(pub ds::Rectification);

/// 差评整改单：交办被评价部门，限期整改并回访
#[Object]
impl Rectification {
    /// 整改单编号
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// 引起整改的评价（需登录）
    async fn rating(&self, ctx: &Context<'_>) -> Result<Rating> {
        Ok(Rating(services(ctx).supervision.rating(actor(ctx)?, self.0.rating_id).await?))
    }
    /// 整改状态
    async fn status(&self) -> RectificationStatus {
        self.0.status.into()
    }
    /// 整改期限
    async fn deadline(&self) -> DateScalar {
        self.0.deadline.into()
    }
    /// 整改结果
    async fn outcome(&self) -> Option<&str> {
        self.0.outcome.as_deref()
    }
    /// 回访情况
    async fn callback(&self) -> Option<&str> {
        self.0.callback.as_deref()
    }
    /// 申诉理由
    async fn appeal_reason(&self) -> Option<&str> {
        self.0.appeal_reason.as_deref()
    }
    /// 申诉复核意见
    async fn decision(&self) -> Option<&str> {
        self.0.decision.as_deref()
    }
    /// 已超过整改期限仍未办结
    async fn overdue(&self, ctx: &Context<'_>) -> bool {
        services(ctx).supervision.rectification_overdue(&self.0)
    }
    /// 办件编号
    async fn case_no(&self) -> &str {
        &self.0.case_no
    }
    /// 评价等级
    async fn level(&self) -> i32 {
        i32::from(self.0.level)
    }
    /// 被评价部门
    async fn department(&self) -> &str {
        &self.0.department
    }
    /// 被评价单位（办理租户）
    async fn tenant(&self, ctx: &Context<'_>) -> Result<Tenant> {
        Tenant::load(ctx, self.0.tenant).await
    }
}

/// 投诉
pub struct Complaint(pub ds::Complaint);

/// 投诉
#[Object]
impl Complaint {
    /// 投诉编号
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// 受理投诉的租户
    async fn tenant(&self, ctx: &Context<'_>) -> Result<Tenant> {
        Tenant::load(ctx, self.0.tenant).await
    }
    /// 涉及的办件编号
    async fn case_no(&self) -> Option<&str> {
        self.0.case_no.as_deref()
    }
    /// 投诉内容
    async fn content(&self) -> &str {
        &self.0.content
    }
    /// 联系方式：仅本级中心管理员可见全文，其他人看到脱敏后的号码
    async fn contact(&self, ctx: &Context<'_>) -> String {
        services(ctx).supervision.complaint_contact(request(ctx).actor.as_ref(), &self.0)
    }
    /// 投诉状态
    async fn status(&self) -> ComplaintStatus {
        self.0.status.into()
    }
    /// 办理期限
    async fn deadline(&self) -> DateScalar {
        self.0.deadline.into()
    }
    /// 办理期限（工作日，含延期）
    async fn working_days(&self) -> i32 {
        i32::try_from(self.0.days).unwrap_or(i32::MAX)
    }
    /// 延期理由
    async fn extension_reason(&self) -> Option<&str> {
        self.0.extension_reason.as_deref()
    }
    /// 答复投诉人的办理结果
    async fn result(&self) -> Option<&str> {
        self.0.result.as_deref()
    }
    /// 投诉时间
    async fn filed_at(&self) -> DateTimeScalar {
        DateTimeScalar(self.0.filed_at)
    }
    /// 已超过办理期限仍未办结
    async fn overdue(&self, ctx: &Context<'_>) -> bool {
        services(ctx).supervision.complaint_overdue(&self.0)
    }
}

/// 一行统计数据
#[derive(SimpleObject)]
pub struct StatsRow {
    /// 分组键：区划代码、部门编号、窗口编号、用户名或事项编号
    key: String,
    /// 分组名称
    label: String,
    /// 收件数（统计期内收件）
    received: i32,
    /// 受理数
    accepted: i32,
    /// 办结数
    concluded: i32,
    /// 按期办结数
    on_time: i32,
    /// 超期数：超期办结，及期限已过仍未办结
    overdue: i32,
    /// 按期办结率：按期办结 ÷（按期办结 + 超期）
    on_time_rate: f64,
    /// 平均办理工作日（受理至办结）
    avg_working_days: f64,
    /// 评价数（不含申诉成立的评价）
    ratings: i32,
    /// 差评数（4、5级）
    bad_ratings: i32,
    /// 满意率：1至3级评价所占比例
    satisfaction: f64,
    /// 跨域收入：在外地收件、在本地办理
    cross_area_in: i32,
    /// 跨域转出：在本地收件、在外地办理
    cross_area_out: i32,
}

fn n(v: i64) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

impl From<ds::StatsRow> for StatsRow {
    fn from(r: ds::StatsRow) -> Self {
        StatsRow {
            key: r.key,
            label: r.label,
            received: n(r.received),
            accepted: n(r.accepted),
            concluded: n(r.concluded),
            on_time: n(r.on_time),
            overdue: n(r.overdue),
            on_time_rate: r.on_time_rate,
            avg_working_days: r.avg_working_days,
            ratings: n(r.ratings),
            bad_ratings: n(r.bad_ratings),
            satisfaction: r.satisfaction,
            cross_area_in: n(r.cross_area_in),
            cross_area_out: n(r.cross_area_out),
        }
    }
}

#[derive(Default)]
pub struct SupervisionQuery;

#[Object]
impl SupervisionQuery {
    /// 某租户及其下级的差评整改单，按生成时间从新到旧，可按状态筛选。每次最多返回 first 条；
    /// 取下一批时把本批最后一条的 ID 作为 after 传入，返回空列表即已取完。
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn rectifications(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "租户区划代码（12 位）")] tenant: RegionCodeScalar,
        #[graphql(desc = "按整改状态筛选")] status: Option<Vec<RectificationStatus>>,
        #[graphql(desc = "本批最多条数（1–200，默认200）", default = 200)] first: i32,
        #[graphql(desc = "上一批最后一条整改单的ID；不传则从最新一条开始")] after: Option<ID>,
    ) -> Result<Vec<Rectification>> {
        let statuses: Vec<ds::RectificationStatus> = status.unwrap_or_default().into_iter().map(Into::into).collect();
        let page = PageRequest::parse(first, after.map(|a| a.0))?;
        let list = services(ctx).supervision.rectifications(actor(ctx)?, &tenant.parse()?, &statuses, &page).await?;
        Ok(list.items.into_iter().map(Rectification).collect())
    }

    /// 某租户及其下级的投诉，按投诉时间从新到旧，可按状态筛选。每次最多返回 first 条；
    /// 取下一批时把本批最后一条的 ID 作为 after 传入，返回空列表即已取完。
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn complaints(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "租户区划代码（12 位）")] tenant: RegionCodeScalar,
        #[graphql(desc = "按投诉状态筛选")] status: Option<Vec<ComplaintStatus>>,
        #[graphql(desc = "本批最多条数（1–200，默认200）", default = 200)] first: i32,
        #[graphql(desc = "上一批最后一条投诉的ID；不传则从最新一条开始")] after: Option<ID>,
    ) -> Result<Vec<Complaint>> {
        let statuses: Vec<ds::ComplaintStatus> = status.unwrap_or_default().into_iter().map(Into::into).collect();
        let page = PageRequest::parse(first, after.map(|a| a.0))?;
        let list = services(ctx).supervision.complaints(actor(ctx)?, &tenant.parse()?, &statuses, &page).await?;
        Ok(list.items.into_iter().map(Complaint).collect())
    }

    /// 某租户及其全部下级在统计期（含起止日）内的办件、评价与跨域统计
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn stats(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "租户区划代码（12 位）")] tenant: RegionCodeScalar,
        #[graphql(desc = "统计期开始日期（YYYY-MM-DD，含）")] from: DateScalar,
        #[graphql(desc = "统计期结束日期（YYYY-MM-DD，含）")] to: DateScalar,
        #[graphql(desc = "分组方式")] group_by: GroupBy,
    ) -> Result<Vec<StatsRow>> {
        let rows = services(ctx)
            .supervision
            .stats(actor(ctx)?, &tenant.parse()?, from.parse()?, to.parse()?, group_by.into())
            .await?;
        Ok(rows.into_iter().map(StatsRow::from).collect())
    }

    /// 根租户的差评整改期限（工作日）
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn rectification_days(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "租户区划代码（12 位）；下级租户按其根租户的设置")] tenant: RegionCodeScalar,
    ) -> Result<i32> {
        let s = services(ctx);
        let t = s.tenants.tenant(actor(ctx)?, &tenant.parse()?).await?;
        Ok(n(s.supervision.rectification_days_for(&t).await?))
    }
}

#[derive(Default)]
pub struct SupervisionMutation;

#[Object]
impl SupervisionMutation {
    /// 公开接口，无需登录：申请人凭办件编号和查询码评价已办结的办件，一事一评
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn rate_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "办件编号")] case_no: String,
        #[graphql(desc = "查询码")] query_code: String,
        #[graphql(desc = "评价等级：1 非常满意 … 5 非常不满意")] level: i32,
        #[graphql(desc = "评价渠道：WINDOW、QR、ONLINE、SMS")] channel: String,
        #[graphql(desc = "评价内容（可选）")] comment: Option<String>,
    ) -> Result<Rating> {
        let (rating, _) = services(ctx)
            .supervision
            .rate_case(&case_no, &query_code, i64::from(level), &channel, comment.as_deref(), &request(ctx).client)
            .await?;
        Ok(Rating(rating))
    }

    /// 被评价单位办结整改：记录整改结果和回访情况
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn complete_rectification(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "整改单编号")] id: ID,
        #[graphql(desc = "整改结果")] outcome: String,
        #[graphql(desc = "回访情况（可选）")] callback: Option<String>,
    ) -> Result<Rectification> {
        let id = parse_id(&id, "整改单")?;
        let r =
            services(ctx).supervision.complete_rectification(actor(ctx)?, id, &outcome, callback.as_deref()).await?;
        Ok(Rectification(r))
    }

    /// 被评价单位对差评提出申诉，待中心管理员复核
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn appeal_rating(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "整改单编号")] id: ID,
        #[graphql(desc = "申诉理由")] reason: String,
    ) -> Result<Rectification> {
        let id = parse_id(&id, "整改单")?;
        Ok(Rectification(services(ctx).supervision.appeal_rating(actor(ctx)?, id, &reason).await?))
    }

    /// 中心管理员复核申诉：overturn 为 true 则申诉成立（评价不计入统计），否则维持原评价、恢复整改
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn decide_rating_appeal(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "整改单编号")] id: ID,
        #[graphql(desc = "申诉是否成立")] overturn: bool,
        #[graphql(desc = "复核意见")] note: String,
    ) -> Result<Rectification> {
        let id = parse_id(&id, "整改单")?;
        Ok(Rectification(services(ctx).supervision.decide_appeal(actor(ctx)?, id, overturn, &note).await?))
    }

    /// 设置根租户的差评整改期限（工作日）
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn set_rectification_days(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "根租户区划代码（12 位）")] tenant: RegionCodeScalar,
        #[graphql(desc = "整改期限（工作日）")] days: i32,
    ) -> Result<i32> {
        let s = services(ctx);
        Ok(n(s.supervision.set_rectification_days(actor(ctx)?, &tenant.parse()?, i64::from(days)).await?))
    }

    /// 公开接口，无需登录：向某租户的政务服务中心投诉，3个工作日内办理
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn file_complaint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "受理投诉的租户区划代码（12 位）")] tenant: RegionCodeScalar,
        #[graphql(desc = "涉及的办件编号（可选）")] case_no: Option<String>,
        #[graphql(desc = "投诉内容")] content: String,
        #[graphql(desc = "联系方式")] contact: String,
    ) -> Result<Complaint> {
        let c = services(ctx)
            .supervision
            .file_complaint(&tenant.parse()?, case_no.as_deref(), &content, &contact, &request(ctx).client)
            .await?;
        Ok(Complaint(c))
    }

    /// 延长投诉办理期限（工作日），须说明理由；合计不超过15个工作日
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn extend_complaint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "投诉编号")] id: ID,
        #[graphql(desc = "延长的工作日数")] days: i32,
        #[graphql(desc = "延期理由")] reason: String,
    ) -> Result<Complaint> {
        let id = parse_id(&id, "投诉")?;
        Ok(Complaint(services(ctx).supervision.extend_complaint(actor(ctx)?, id, i64::from(days), &reason).await?))
    }

    /// 办结投诉，记录答复投诉人的办理结果
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn resolve_complaint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "投诉编号")] id: ID,
        #[graphql(desc = "答复投诉人的办理结果")] result: String,
    ) -> Result<Complaint> {
        let id = parse_id(&id, "投诉")?;
        Ok(Complaint(services(ctx).supervision.resolve_complaint(actor(ctx)?, id, &result).await?))
    }
}
