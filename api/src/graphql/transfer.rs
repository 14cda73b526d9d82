//! Cross-area transfers (跨域通办).

use async_graphql::{Context, Enum, ID, InputObject, Json, Object, Result, SimpleObject};
use domain::page::PageRequest;
use domain::service::{RemoteTransfer, TransferReading};
use domain::transfer::Transfer as DTransfer;
use uuid::Uuid;

use super::case::{ApplicantInput, Case, Warning};
use super::cost;
use super::ctx::{actor, services};
use super::scalars::{DateTimeScalar, RegionCodeScalar};
use super::tenant::{PageInfo, Tenant};

/// 转办状态。
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "domain::transfer::TransferStatus")]
pub enum TransferStatus {
    /// 已发送，待办理地签收。
    Sent,
    /// 办理地已签收，待受理或退回。
    Received,
    /// 办理地已受理。
    Accepted,
    /// 办理地已退回收件地（附退回理由）。
    Returned,
    /// 办理地已办结，结果已回传收件地，由收件地送达。
    ResultReturned,
}

/// 转办操作：当前用户此刻可以对转办执行的操作（由转办状态、本单位是否为办理地和权限共同决定）。
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum TransferAction {
    /// 签收（已发送的转办，办理地）
    Receive,
    /// 受理（已签收的转办，办理地；办件在办理地开始计时）
    Accept,
    /// 退回收件地，须填写退回理由（已发送或已签收的转办，办理地）
    Return,
}

impl TransferAction {
    /// The steps people take; the result returns by itself and is never offered.
    fn of(a: domain::transfer::TransferAction) -> Option<TransferAction> {
        use domain::transfer::TransferAction as A;
        match a {
            A::Receive => Some(TransferAction::Receive),
            A::Accept => Some(TransferAction::Accept),
            A::Return => Some(TransferAction::Return),
            A::ReturnResult => None,
        }
    }
}

/// 转办方向。
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "domain::transfer::Direction")]
pub enum Direction {
    /// 转入本单位（本单位为办理地）。
    Inbound,
    /// 本单位转出（本单位为收件地）。
    Outbound,
}

/// 一次跨域通办转办：收件地将异地收件的办件转交办理地。
pub struct Transfer(pub DTransfer, tokio::sync::OnceCell<TransferReading>);

impl Transfer {
    pub fn new(t: DTransfer) -> Self {
        Transfer(t, tokio::sync::OnceCell::new())
    }

    async fn reading(&self, ctx: &Context<'_>) -> Result<TransferReading, domain::Error> {
        self.1.get_or_try_init(|| services(ctx).transfers.reading(&self.0)).await.copied()
    }
}

/// 一次跨域通办转办：收件地将异地收件的办件转交办理地。
#[Object]
impl Transfer {
    /// 转办ID。
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// 转办的办件。
    async fn case(&self, ctx: &Context<'_>) -> Result<Case> {
        Ok(Case::new(services(ctx).cases.case_summary(actor(ctx)?, self.0.case_id).await?))
    }
    /// 办件编号。
    async fn case_no(&self) -> &str {
        &self.0.case_no
    }
    /// 收件地（转出单位）。
    async fn from(&self, ctx: &Context<'_>) -> Result<Tenant> {
        match (&self.0.from_center, Tenant::load(ctx, self.0.from).await) {
            (_, Ok(t)) => Ok(t),
            // A partner's region (跨省通办): known here by the code and center name it sent.
            (Some(center), Err(_)) => Ok(Tenant(domain::tenant::Tenant {
                code: self.0.from,
                name: center.clone(),
                level: partner_level(&self.0.from),
                parent: None,
                root: true,
            })),
            (None, Err(e)) => Err(e),
        }
    }
    /// 跨省通办转入时收件地的中心名称。
    async fn from_center(&self) -> Option<&str> {
        self.0.from_center.as_deref()
    }
    /// 跨省通办转入时收件地的办件编号。
    async fn remote_case_no(&self) -> Option<&str> {
        self.0.remote_case_no.as_deref()
    }
    /// 办理地（转入单位）。
    async fn to(&self, ctx: &Context<'_>) -> Result<Tenant> {
        Tenant::load(ctx, self.0.to).await
    }
    /// 转办状态。
    async fn status(&self) -> TransferStatus {
        self.0.status.into()
    }
    /// 当前用户此刻可以执行的操作，与管理后台显示的按钮一致；收件地与未登录时为空。
    async fn allowed_actions(&self, ctx: &Context<'_>) -> Result<Vec<TransferAction>> {
        let Ok(actor) = actor(ctx) else { return Ok(Vec::new()) };
        let steps = services(ctx).transfers.allowed_steps(actor, &self.0).await?;
        Ok(steps.into_iter().filter_map(TransferAction::of).collect())
    }
    /// 发送时间。
    async fn sent_at(&self) -> DateTimeScalar {
        DateTimeScalar(self.0.sent_at)
    }
    /// 办理地签收时间。
    async fn received_at(&self) -> Option<DateTimeScalar> {
        self.0.received_at.map(DateTimeScalar)
    }
    /// 办理地受理或退回的时间。
    async fn decided_at(&self) -> Option<DateTimeScalar> {
        self.0.decided_at.map(DateTimeScalar)
    }
    /// 办结结果回传收件地的时间。
    async fn result_returned_at(&self) -> Option<DateTimeScalar> {
        self.0.result_at.map(DateTimeScalar)
    }
    /// 转办说明。
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// 退回理由（已退回时）。
    async fn return_reason(&self) -> Option<&str> {
        self.0.return_reason.as_deref()
    }
    /// 收件地持有办件的工作日数（收件至发送）。
    async fn collector_holding_days(&self, ctx: &Context<'_>) -> Result<i32> {
        Ok(self.reading(ctx).await?.collector_days.clamp(0, 9999) as i32)
    }
    /// 办理地持有办件的工作日数（发送至结果回传或退回，未完成时至今日）。
    async fn handler_holding_days(&self, ctx: &Context<'_>) -> Result<i32> {
        Ok(self.reading(ctx).await?.handler_days.clamp(0, 9999) as i32)
    }
    /// 签收预警：发送后超过一个工作日未签收为黄色，超过两个工作日为红色。
    async fn warning(&self, ctx: &Context<'_>) -> Result<Warning> {
        Ok(self.reading(ctx).await?.warning.into())
    }
}

/// 转办分页列表。
#[derive(SimpleObject)]
pub struct TransferConnection {
    /// 本页转办。
    nodes: Vec<Transfer>,
    /// 分页信息。
    page_info: PageInfo,
    /// 总数（超过上限时为下限）。
    total_count: i32,
}

/// 其他部署（跨省通办伙伴系统）的服务账号转入的办件。
#[derive(InputObject)]
pub struct RemoteTransferInput {
    /// 幂等键：同一发送方以相同键和相同内容重试时返回同一转办。
    idempotency_key: String,
    /// 收件地区划代码。
    from_region: RegionCodeScalar,
    /// 收件地政务服务中心名称。
    from_center: String,
    /// 收件地办件编号。
    remote_case_no: String,
    /// 办理地区划代码（须为调用服务账号所属单位）。
    to_region: RegionCodeScalar,
    /// 办理地实施事项的实施编码。
    impl_code: String,
    /// 申请人。
    applicant: ApplicantInput,
    /// 已收取的申请材料名称。
    provided_materials: Vec<String>,
    /// 申请表单。
    form: Option<Json<serde_json::Value>>,
}

/// 合作方部署对其转出办件的办理情况回执（跨省通办）。
#[derive(InputObject)]
pub struct TransferStatusReport {
    /// 本部署转出时使用的幂等键。
    idempotency_key: String,
    /// 收件地区划代码（本部署的单位）。
    from_region: RegionCodeScalar,
    /// 办理地区划代码（合作方的单位）。
    to_region: RegionCodeScalar,
    /// 合作方转办的新状态：RECEIVED、ACCEPTED、RETURNED 或 RESULT_RETURNED。
    status: TransferStatus,
    /// 合作方状态变更的时间。
    at: Option<DateTimeScalar>,
    /// 退回理由（RETURNED 时）。
    reason: Option<String>,
    /// 办结结果是否准予（RESULT_RETURNED 时）。
    approved: Option<bool>,
    /// 办理意见（RESULT_RETURNED 时；不予许可须填写）。
    opinion: Option<String>,
}

/// The level a region code's trailing zeros mark.
fn partner_level(code: &domain::region::RegionCode) -> domain::region::AdminLevel {
    use domain::region::AdminLevel as L;
    let zeros = code.as_str().chars().rev().take_while(|c| *c == '0').count();
    match zeros {
        10.. => L::Province,
        8..=9 => L::City,
        6..=7 => L::County,
        3..=5 => L::Town,
        _ => L::Village,
    }
}

fn id(s: &ID) -> Result<Uuid, domain::Error> {
    Uuid::parse_str(s).map_err(|_| domain::Error::NotFound { what: "转办" })
}

#[derive(Default)]
pub struct TransferQuery;

#[Object]
impl TransferQuery {
    /// 本单位转入或转出的转办列表；可按状态筛选，按签收预警颜色筛选未签收的转办。
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn transfers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "转入或转出")] direction: Direction,
        #[graphql(desc = "按转办状态筛选")] status: Option<Vec<TransferStatus>>,
        #[graphql(desc = "每页条数", default_with = "Some(50)")] first: Option<i32>,
        #[graphql(desc = "分页游标")] after: Option<String>,
        #[graphql(desc = "按签收预警颜色筛选（仅未签收的转办）")] warning: Option<Vec<Warning>>,
    ) -> Result<TransferConnection> {
        let page = PageRequest::parse(first.unwrap_or(50), after)?;
        let statuses = status.unwrap_or_default().into_iter().map(Into::into).collect();
        let warnings = warning.unwrap_or_default().into_iter().map(Into::into).collect();
        let p = services(ctx).transfers.transfers(actor(ctx)?, direction.into(), statuses, warnings, page).await?;
        Ok(TransferConnection {
            page_info: PageInfo { has_next_page: p.has_next, end_cursor: p.end_cursor },
            total_count: p.total.min(i32::MAX as u64) as i32,
            nodes: p.items.into_iter().map(Transfer::new).collect(),
        })
    }

    /// 一次转办；不在本单位收件地或办理地范围内的转办视为不存在。
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn transfer(&self, ctx: &Context<'_>, #[graphql(desc = "转办ID")] id: ID) -> Result<Transfer> {
        Ok(Transfer::new(services(ctx).transfers.transfer(actor(ctx)?, self::id(&id)?).await?))
    }
}

#[derive(Default)]
pub struct TransferMutation;

#[Object]
impl TransferMutation {
    /// 转办理地：收件地将异地收件的办件转交办理地。相同幂等键和内容的重试返回同一转办，内容不同则冲突。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn transfer_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "办件ID")] case_id: ID,
        #[graphql(desc = "转办说明")] note: Option<String>,
        #[graphql(desc = "幂等键")] idempotency_key: String,
    ) -> Result<Transfer> {
        let case_id = Uuid::parse_str(&case_id).map_err(|_| domain::Error::NotFound { what: "办件" })?;
        let t = services(ctx).transfers.transfer_case(actor(ctx)?, case_id, note.as_deref(), &idempotency_key).await?;
        Ok(Transfer::new(t))
    }

    /// 签收：办理地签收转来的办件。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn receive_transfer(&self, ctx: &Context<'_>, #[graphql(desc = "转办ID")] id: ID) -> Result<Transfer> {
        Ok(Transfer::new(services(ctx).transfers.receive(actor(ctx)?, self::id(&id)?).await?))
    }

    /// 受理：办理地受理转来的办件，办理时限按办理地工作日历自受理之日起算。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn accept_transfer(&self, ctx: &Context<'_>, #[graphql(desc = "转办ID")] id: ID) -> Result<Transfer> {
        Ok(Transfer::new(services(ctx).transfers.accept(actor(ctx)?, self::id(&id)?).await?))
    }

    /// 退回：办理地将转来的办件退回收件地，须说明理由；收件地可重新转办或不予受理。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn return_transfer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "转办ID")] id: ID,
        #[graphql(desc = "退回理由")] reason: String,
    ) -> Result<Transfer> {
        Ok(Transfer::new(services(ctx).transfers.return_transfer(actor(ctx)?, self::id(&id)?, &reason).await?))
    }

    /// 跨省通办转入：由其他部署的服务账号以办理地服务账号令牌调用。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn submit_remote_transfer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "转入的办件")] input: RemoteTransferInput,
    ) -> Result<Transfer> {
        let a = input.applicant;
        let applicant = domain::case::Applicant::parse(
            a.kind.into(),
            &a.name,
            a.id_type.as_deref().unwrap_or_default(),
            &a.id_number,
            a.phone.as_deref(),
        )?;
        let remote = RemoteTransfer {
            idempotency_key: input.idempotency_key,
            from_region: input.from_region.parse()?,
            from_center: input.from_center,
            remote_case_no: input.remote_case_no,
            to_region: input.to_region.parse()?,
            impl_code: input.impl_code,
            applicant,
            provided: input.provided_materials,
            form: input.form.map(|j| j.0),
        };
        Ok(Transfer::new(services(ctx).transfers.submit_remote(actor(ctx)?, remote).await?))
    }

    /// 跨省通办回执：合作方部署以本部署服务账号报告转出办件的签收、受理、退回或办结结果；重复或过时的回执不改变任何内容。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn report_transfer_status(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "回执")] input: TransferStatusReport,
    ) -> Result<Transfer> {
        let report = domain::service::StatusReport {
            idempotency_key: input.idempotency_key,
            from_region: input.from_region.parse()?,
            to_region: input.to_region.parse()?,
            status: input.status.into(),
            reason: input.reason,
            approved: input.approved,
            opinion: input.opinion,
        };
        let _ = input.at;
        Ok(Transfer::new(services(ctx).transfers.report_status(actor(ctx)?, report).await?))
    }
}
