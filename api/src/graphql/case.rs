use async_graphql::{Context, Enum, ID, InputObject, Json, Object, Result, SimpleObject};
use domain::case::{self as dc, Case as DCase};
use domain::page::PageRequest;
use domain::service::{CaseFilter as DFilter, SubmitCase};
use uuid::Uuid;

use super::catalogue::{CaseKind, ImplItem};
use super::cost;
use super::ctx::{actor, request, services};
use super::scalars::{DateScalar, DateTimeScalar, RegionCodeScalar};
use super::tenant::{PageInfo, Tenant};

/// 办件状态。
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "domain::case::CaseStatus")]
pub enum CaseStatus {
    /// 已收件（收件）
    Received,
    /// 待补正：已一次性告知补正，尚未开始计时
    CorrectionRequested,
    /// 不予受理（书面说明理由，否定备案）
    NotAccepted,
    /// 已受理：出具受理通知书，开始计时
    Accepted,
    /// 特别程序中：暂停计时
    Suspended,
    /// 准予许可（办结）
    Approved,
    /// 不予许可（办结）
    Denied,
    /// 已出件送达
    Delivered,
    /// 已归档
    Archived,
    /// 已撤回
    Withdrawn,
    /// 已过期：超过补正期限未补正
    Expired,
    /// 已转办：在收件地，办件由办理地办理中
    Transferred,
}

/// 电子监察预警。
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "domain::case::Warning")]
pub enum Warning {
    /// 绿灯：按时
    Green,
    /// 黄灯：剩余不超过预警阈值（工作日）
    Yellow,
    /// 红灯：已超期
    Red,
}

/// 办件来源渠道。
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "domain::case::Channel")]
pub enum Channel {
    /// 窗口收件
    Window,
    /// 网上申请
    Online,
    /// 代办员代收（村代办员）
    Agent,
    /// 异地代收代办（跨域通办转入）
    Remote,
}

/// 申请人类型。
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "domain::case::ApplicantKind")]
pub enum ApplicantKind {
    /// 自然人
    Person,
    /// 企业
    Company,
    /// 事业单位
    Institution,
    /// 社会组织
    SocialOrg,
    /// 其他
    Other,
}

/// 特别程序（暂停计时）。
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "domain::case::SpecialProcedure")]
pub enum SpecialProcedure {
    /// 延长审批
    Extension,
    /// 听证
    Hearing,
    /// 检验检测
    Inspection,
    /// 鉴定
    Appraisal,
    /// 专家评审
    ExpertReview,
    /// 其他特别程序
    Other,
}

/// 出件方式。
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "domain::case::DeliveryMethod")]
pub enum DeliveryMethod {
    /// 窗口领取
    Window,
    /// 邮寄送达
    Post,
    /// 网上送达
    Online,
}

/// 文书种类。
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "domain::case::DocumentKind")]
pub enum DocumentKind {
    /// 受理通知书
    AcceptanceNotice,
    /// 补正材料通知书（一次性告知）
    CorrectionNotice,
    /// 不予受理通知书
    NonAcceptanceNotice,
    /// 准予许可决定书
    ApprovalDecision,
    /// 不予许可决定书
    DenialDecision,
}

/// 编号的文书（文书）；url 为其在控制台中的打印页面。
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Document {
    #[graphql(skip)]
    id: Uuid,
    /// 文书种类
    kind: DocumentKind,
    /// 文书编号（按租户和年度编号）
    number: String,
    /// 出具时间
    issued_at: DateTimeScalar,
    /// 控制台中的打印页面地址
    url: String,
    /// 文书标题
    title: String,
}

impl From<&dc::Document> for Document {
    fn from(d: &dc::Document) -> Self {
        Document {
            id: d.id,
            kind: d.kind.into(),
            number: d.number.clone(),
            issued_at: DateTimeScalar(d.issued_at),
            url: format!("/console/documents/{}", d.id),
            title: d.title().to_owned(),
        }
    }
}

#[async_graphql::ComplexObject]
impl Document {
    /// 控制台中的 PDF 地址；服务器没有中文字体时为空。
    async fn pdf_url(&self, ctx: &Context<'_>) -> Option<String> {
        let printer = ctx.data_opt::<std::sync::Arc<dyn domain::ports::DocumentPrinter>>()?.clone();
        let available = actix_web::web::block(move || printer.available()).await.unwrap_or(false);
        available.then(|| format!("/console/documents/{}.pdf", self.id))
    }
}

/// 申请人（证件号和电话已脱敏）。
#[derive(SimpleObject)]
pub struct Applicant {
    /// 申请人类型
    kind: ApplicantKind,
    /// 申请人姓名或单位名称
    name: String,
    /// 证件类型，如 身份证
    id_type: String,
    /// 证件号码（已脱敏）
    id_number_masked: String,
    /// 联系电话（已脱敏）；未填写时为空
    phone_masked: Option<String>,
}

pub struct CaseEvent(dc::CaseEvent);

/// 办件流转记录：一次状态变化及其操作人、时间和办理意见。
#[Object]
impl CaseEvent {
    /// 操作时间
    async fn at(&self) -> DateTimeScalar {
        DateTimeScalar(self.0.at)
    }
    /// 操作后的办件状态
    async fn status(&self) -> CaseStatus {
        self.0.status.into()
    }
    /// 操作人
    async fn actor(&self) -> &str {
        &self.0.actor
    }
    /// 操作所在租户
    async fn tenant(&self, ctx: &Context<'_>) -> Result<Tenant> {
        Tenant::load(ctx, self.0.tenant).await
    }
    /// 所做的操作（收件、受理……）。
    async fn action(&self) -> &str {
        &self.0.action
    }
    /// 办理意见；没有时为空
    async fn opinion(&self) -> Option<&str> {
        self.0.opinion.as_deref()
    }
}

/// A case as served; its clock reading is computed once per object, however many of its fields ask,
/// and the history of a case returned by a transition is read only when a field asks for it.
pub struct Case(pub DCase, tokio::sync::OnceCell<Option<dc::ClockReading>>, tokio::sync::OnceCell<DCase>);

impl Case {
    pub fn new(c: DCase) -> Self {
        Case(c, tokio::sync::OnceCell::new(), tokio::sync::OnceCell::new())
    }

    /// With its clock reading already computed (lists compute them in one go).
    fn with_reading(c: DCase, reading: Option<dc::ClockReading>) -> Self {
        Case(c, tokio::sync::OnceCell::new_with(Some(reading)), tokio::sync::OnceCell::new())
    }

    async fn reading(&self, ctx: &Context<'_>) -> Result<Option<dc::ClockReading>, domain::Error> {
        self.1.get_or_try_init(|| services(ctx).cases.case_reading(&self.0)).await.copied()
    }

    /// The case with its events and documents.
    async fn with_history(&self, ctx: &Context<'_>) -> Result<&DCase, domain::Error> {
        if self.0.history_loaded {
            return Ok(&self.0);
        }
        self.2.get_or_try_init(|| async { services(ctx).cases.case(actor(ctx)?, self.0.id).await }).await
    }
}

/// 办件。
#[Object]
impl Case {
    /// 办件ID
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// 办件编号（可公开引用）
    async fn case_no(&self) -> &str {
        &self.0.case_no
    }
    /// 办件类型
    async fn kind(&self) -> CaseKind {
        self.0.kind.into()
    }
    /// 办件状态；异地代收时，办理地办理期间收件地看到的是 TRANSFERRED。
    async fn status(&self, ctx: &Context<'_>) -> CaseStatus {
        match actor(ctx) {
            Ok(a) => self.0.status_seen_from(&a.scope()).into(),
            Err(_) => self.0.status.into(),
        }
    }
    /// 决定此办件的实施清单事项（上报后为上级的事项）。
    async fn item(&self, ctx: &Context<'_>) -> Result<ImplItem> {
        Ok(ImplItem(services(ctx).cases.case_item(&self.0).await?))
    }
    /// 办件受理时所依据的实施清单事项版本。
    async fn item_version(&self) -> i32 {
        self.0.impl_version as i32
    }
    /// 事项名称
    async fn item_name(&self) -> &str {
        &self.0.item_name
    }
    /// 办理地租户
    async fn handling_tenant(&self, ctx: &Context<'_>) -> Result<Tenant> {
        Tenant::load(ctx, self.0.handling).await
    }
    /// 收件地租户
    async fn collecting_tenant(&self, ctx: &Context<'_>) -> Result<Tenant> {
        Tenant::load(ctx, self.0.collecting).await
    }
    /// 来源渠道
    async fn channel(&self) -> Channel {
        self.0.channel.into()
    }
    /// 申请人
    async fn applicant(&self) -> Applicant {
        let a = &self.0.applicant;
        Applicant {
            kind: a.kind.into(),
            name: a.name.clone(),
            id_type: a.id_type.clone(),
            id_number_masked: a.id_number_masked(),
            phone_masked: a.phone_masked(),
        }
    }
    /// 收件时间
    async fn received_at(&self) -> DateTimeScalar {
        DateTimeScalar(self.0.received_at)
    }
    /// 受理时间；未受理时为空
    async fn accepted_at(&self) -> Option<DateTimeScalar> {
        self.0.accepted_at.map(DateTimeScalar)
    }
    /// 办结时间；未办结时为空
    async fn concluded_at(&self) -> Option<DateTimeScalar> {
        self.0.concluded_at.map(DateTimeScalar)
    }
    /// 办理期限（最后一个工作日）；受理前为空，特别程序中会顺延。
    async fn deadline(&self, ctx: &Context<'_>) -> Result<Option<DateScalar>> {
        Ok(self.reading(ctx).await?.map(|r| r.deadline.date.into()))
    }
    /// 期限所在年份尚未导入法定节假日数据时为 true。
    async fn deadline_provisional(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(self.reading(ctx).await?.is_some_and(|r| r.deadline.provisional))
    }
    /// 剩余工作日；受理前为空，超期时为负数。
    async fn working_days_left(&self, ctx: &Context<'_>) -> Result<Option<i32>> {
        Ok(self.reading(ctx).await?.map(|r| r.working_days_left.clamp(-9999, 9999) as i32))
    }
    /// 电子监察预警
    async fn warning(&self, ctx: &Context<'_>) -> Result<Warning> {
        Ok(self.reading(ctx).await?.map_or(Warning::Green, |r| r.warning.into()))
    }
    /// 一次性告知的缺少材料
    async fn missing_materials(&self) -> &[String] {
        &self.0.missing
    }
    /// 容缺受理、待补交的材料
    async fn deferred_materials(&self) -> &[String] {
        &self.0.deferred
    }
    /// 容缺材料的承诺补交日期
    async fn deferred_until(&self) -> Option<DateScalar> {
        self.0.deferred_until.map(Into::into)
    }
    /// 已提交的材料
    async fn provided_materials(&self) -> &[String] {
        &self.0.provided
    }
    /// 补正期限；超期未补正则办件过期
    async fn correction_due(&self) -> Option<DateScalar> {
        self.0.correction_due.map(Into::into)
    }
    /// 申请表单内容（JSON）
    async fn form(&self) -> Option<Json<serde_json::Value>> {
        self.0.form.clone().map(Json)
    }
    /// 流转记录，最早的在前
    async fn events(&self, ctx: &Context<'_>) -> Result<Vec<CaseEvent>> {
        Ok(self.with_history(ctx).await?.events.iter().cloned().map(CaseEvent).collect())
    }
    /// 受理通知书、补正材料通知书、不予受理通知书、准予/不予许可决定书，按租户和年度编号。
    async fn documents(&self, ctx: &Context<'_>) -> Result<Vec<Document>> {
        Ok(self.with_history(ctx).await?.documents.iter().map(Document::from).collect())
    }
    /// 当前用户此刻可以执行的办件操作；控制台据此显示按钮，合作方客户端可据此显示同样的操作。
    #[graphql(complexity = "cost::READ")]
    async fn allowed_actions(&self, ctx: &Context<'_>) -> Result<Vec<super::case_steps::CaseStep>> {
        Ok(super::case_steps::steps(services(ctx).cases.allowed_steps(actor(ctx)?, &self.0).await?))
    }
    /// 好差评：申请人对本办件的评价（未评价时为空）
    #[graphql(complexity = "cost::READ")]
    async fn rating(&self, ctx: &Context<'_>) -> Result<Option<super::supervision::Rating>> {
        let s = services(ctx);
        Ok(s.supervision.rating_of_case(actor(ctx)?, self.0.id).await?.map(super::supervision::Rating))
    }
    /// 跨域通办：办件的转办记录，最早的在前。
    async fn transfers(&self, ctx: &Context<'_>) -> Result<Vec<super::transfer::Transfer>> {
        let list = services(ctx).transfers.case_transfers(actor(ctx)?, &self.0).await?;
        Ok(list.into_iter().map(super::transfer::Transfer::new).collect())
    }
    /// 联办件（联办件）：各部门的审查意见，牵头部门在前；其他类型或受理前为空。
    async fn department_reviews(&self) -> Vec<DepartmentReview> {
        self.0
            .reviews
            .iter()
            .map(|r| DepartmentReview {
                department_id: ID(r.department_id.to_string()),
                department_name: r.department.clone(),
                lead: r.lead,
                approved: r.approve,
                opinion: r.opinion.clone(),
                reviewer: r.reviewer.clone(),
                reviewed_at: r.at.map(DateTimeScalar),
            })
            .collect()
    }
}

/// 联办件中一个部门的审查；该部门决定前 approved 为空。
#[derive(SimpleObject)]
pub struct DepartmentReview {
    /// 部门ID
    department_id: ID,
    /// 部门名称
    department_name: String,
    /// 是否为牵头部门
    lead: bool,
    /// 是否同意；尚未决定时为空
    approved: Option<bool>,
    /// 审查意见
    opinion: Option<String>,
    /// 审查人
    reviewer: Option<String>,
    /// 审查时间
    reviewed_at: Option<DateTimeScalar>,
}

/// 办件分页结果。
#[derive(SimpleObject)]
pub struct CaseConnection {
    /// 本页办件
    nodes: Vec<Case>,
    /// 分页信息
    page_info: PageInfo,
    /// 符合条件的办件数；计数在 1000 件处停止，超过时为 1000 且 totalCountExact 为 false。
    total_count: i32,
    /// totalCount 是否为准确数；为 false 时 totalCount 是下限（至少这么多件）。
    total_count_exact: bool,
}

/// 收件回执。
#[derive(SimpleObject)]
pub struct CaseReceipt {
    /// 新建的办件
    case: Case,
    /// 查询码：只显示一次，交给申请人用于查询办件。
    query_code: String,
}

/// 公开的办件进度（申请人凭办件编号和查询码查询）。
#[derive(SimpleObject)]
pub struct PublicCaseStatus {
    /// 办件编号
    case_no: String,
    /// 事项名称
    item_name: String,
    /// 办件状态
    status: CaseStatus,
    /// 办理机构名称
    handling_center: String,
    /// 收件时间
    received_at: DateTimeScalar,
    /// 办理期限；受理前为空
    deadline: Option<DateScalar>,
    /// 流转记录
    events: Vec<CaseEvent>,
}

/// 申请人输入。
#[derive(InputObject)]
pub struct ApplicantInput {
    /// 申请人类型
    pub kind: ApplicantKind,
    /// 申请人姓名或单位名称
    pub name: String,
    /// 证件类型（默认 身份证）
    #[graphql(default_with = "Some(\"身份证\".to_owned())")]
    pub id_type: Option<String>,
    /// 证件号码（保存时脱敏显示）
    pub id_number: String,
    /// 联系电话
    pub phone: Option<String>,
}

/// 收件登记的输入。
#[derive(InputObject)]
pub struct SubmitCaseInput {
    /// 实施清单事项ID（须为办理地已发布的事项）
    impl_item_id: ID,
    /// 申请人
    applicant: ApplicantInput,
    /// 已提交的材料名称
    provided_materials: Vec<String>,
    /// 来源渠道（默认 WINDOW）
    #[graphql(default_with = "Some(Channel::Window)")]
    channel: Option<Channel>,
    /// 申请表单内容（JSON）
    form: Option<Json<serde_json::Value>>,
    /// 幂等键：同一键重复提交只创建一件
    idempotency_key: Option<String>,
}

/// 办件查询条件。
#[derive(InputObject, Default)]
pub struct CaseFilter {
    /// 办理地或收件地租户区划代码（12 位）
    tenant: Option<RegionCodeScalar>,
    /// 办件状态（任一）
    status: Option<Vec<CaseStatus>>,
    /// 预警（任一）
    warning: Option<Vec<Warning>>,
    /// 实施清单事项ID
    impl_item_id: Option<ID>,
    /// 实施部门ID：只列该部门实施清单事项的办件
    department_id: Option<ID>,
    /// 申请人姓名的一部分，或完整的证件号码。
    applicant: Option<String>,
    /// 收件日期起（YYYY-MM-DD，含）
    received_from: Option<DateScalar>,
    /// 收件日期止（YYYY-MM-DD，含）
    received_to: Option<DateScalar>,
}

/// A page of cases; when the query asks for clock fields, their readings are computed for the
/// whole page at once (one calendar lookup per handling tenant) instead of case by case.
async fn connection(ctx: &Context<'_>, p: domain::page::Page<DCase>) -> Result<CaseConnection> {
    let nodes = ctx.look_ahead().field("nodes");
    let clock = ["deadline", "deadlineProvisional", "workingDaysLeft", "warning"];
    let nodes = if clock.iter().any(|f| nodes.field(f).exists()) {
        let readings = services(ctx).cases.case_readings(&p.items).await?;
        p.items.into_iter().zip(readings).map(|(c, r)| Case::with_reading(c, r)).collect()
    } else {
        p.items.into_iter().map(Case::new).collect()
    };
    Ok(CaseConnection {
        page_info: PageInfo { has_next_page: p.has_next, end_cursor: p.end_cursor },
        total_count: p.total.min(i32::MAX as u64) as i32,
        total_count_exact: p.total_exact,
        nodes,
    })
}

/// Whether a list's nodes ask for their events or documents: then the page reads them in one go.
fn wants_history(ctx: &Context<'_>) -> bool {
    let nodes = ctx.look_ahead().field("nodes");
    nodes.field("events").exists() || nodes.field("documents").exists()
}

fn id(s: &ID, what: &'static str) -> Result<Uuid, domain::Error> {
    Uuid::parse_str(s).map_err(|_| domain::Error::NotFound { what })
}

#[derive(Default)]
pub struct CaseQuery;

#[Object]
impl CaseQuery {
    /// 操作者管辖范围内的一个办件；其他一律 NOT_FOUND。
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn case(&self, ctx: &Context<'_>, #[graphql(desc = "办件ID")] id: ID) -> Result<Case> {
        // Events and documents are read only if a field asks for them (`Case::with_history`).
        Ok(Case::new(services(ctx).cases.case_summary(actor(ctx)?, self::id(&id, "办件")?).await?))
    }

    /// 按办件编号查询操作者管辖范围内的办件；其他一律 NOT_FOUND。
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn case_by_no(&self, ctx: &Context<'_>, #[graphql(desc = "办件编号")] case_no: String) -> Result<Case> {
        Ok(Case::new(services(ctx).cases.case_by_no(actor(ctx)?, &case_no).await?))
    }

    /// 操作者管辖范围内的办件，最新的在前。
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn cases(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "查询条件")] filter: Option<CaseFilter>,
        #[graphql(default_with = "Some(50)", desc = "每页条数（默认 50）")] first: Option<i32>,
        #[graphql(desc = "分页游标：上一页的 endCursor")] after: Option<String>,
    ) -> Result<CaseConnection> {
        let f = filter.unwrap_or_default();
        let filter = DFilter {
            tenant: f.tenant.map(|t| t.parse()).transpose()?,
            statuses: f.status.unwrap_or_default().into_iter().map(Into::into).collect(),
            warnings: f.warning.unwrap_or_default().into_iter().map(Into::into).collect(),
            impl_item: f.impl_item_id.map(|i| self::id(&i, "实施事项")).transpose()?,
            department: f.department_id.map(|d| self::id(&d, "部门")).transpose()?,
            applicant: f.applicant,
            received_from: f.received_from.map(|d| d.parse()).transpose()?,
            received_to: f.received_to.map(|d| d.parse()).transpose()?,
            history: wants_history(ctx),
            ..Default::default()
        };
        let p = services(ctx).cases.cases(actor(ctx)?, filter, PageRequest::parse(first.unwrap_or(50), after)?).await?;
        connection(ctx, p).await
    }

    /// 审批人员的待审批队列（待审批）：本租户中其可决定事项的已受理或特别程序中的办件。
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn approval_queue(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "Some(50)", desc = "每页条数（默认 50）")] first: Option<i32>,
        #[graphql(desc = "分页游标：上一页的 endCursor")] after: Option<String>,
    ) -> Result<CaseConnection> {
        let page = PageRequest::parse(first.unwrap_or(50), after)?;
        let p = services(ctx).cases.approval_queue(actor(ctx)?, page).await?;
        connection(ctx, p).await
    }

    /// 公开，无需登录：申请人凭办件编号和查询码查询办件进度。
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn track_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "办件编号")] case_no: String,
        #[graphql(desc = "查询码")] query_code: String,
    ) -> Result<PublicCaseStatus> {
        let s = services(ctx);
        let c = s.cases.track_case(&case_no, &query_code, &request(ctx).client).await?;
        let reading = s.cases.case_reading(&c).await?;
        let center =
            s.tenants.tenant_identities(&[c.handling]).await?.first().map(|t| t.center_name()).unwrap_or_default();
        Ok(PublicCaseStatus {
            case_no: c.case_no.clone(),
            item_name: c.item_name.clone(),
            status: c.status.into(),
            handling_center: center,
            received_at: DateTimeScalar(c.received_at),
            deadline: reading.map(|r| r.deadline.date.into()),
            events: c.events.into_iter().map(CaseEvent).collect(),
        })
    }
}

#[derive(Default)]
pub struct CaseMutation;

#[Object]
impl CaseMutation {
    /// 收件登记（窗口或站点人员）；返回办件和只显示一次的查询码。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn submit_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "收件信息")] input: SubmitCaseInput,
    ) -> Result<CaseReceipt> {
        let a = input.applicant;
        let applicant = dc::Applicant::parse(
            a.kind.into(),
            &a.name,
            a.id_type.as_deref().unwrap_or_default(),
            &a.id_number,
            a.phone.as_deref(),
        )?;
        let submit = SubmitCase {
            impl_item_id: self::id(&input.impl_item_id, "实施事项")
                .map_err(|_| domain::Error::invalid("实施事项ID无效"))?,
            applicant,
            provided: input.provided_materials,
            channel: input.channel.unwrap_or(Channel::Window).into(),
            form: input.form.map(|j| j.0),
            idempotency_key: input.idempotency_key,
        };
        let r = services(ctx).cases.submit_case(actor(ctx)?, submit).await?;
        Ok(CaseReceipt { case: Case::new(r.case), query_code: r.query_code })
    }

    /// 受理办件（窗口或站点人员）：出具受理通知书，开始计时；可容缺受理。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn accept_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "办件ID")] id: ID,
        #[graphql(default, desc = "容缺受理、待补交的材料名称")] deferred_materials: Option<Vec<String>>,
        #[graphql(desc = "容缺材料的承诺补交日期（YYYY-MM-DD）")] deferred_until: Option<DateScalar>,
    ) -> Result<Case> {
        let until = deferred_until.map(|d| d.parse()).transpose()?;
        let deferred_materials = deferred_materials.unwrap_or_default();
        Ok(Case::new(
            services(ctx).cases.accept_case(actor(ctx)?, self::id(&id, "办件")?, deferred_materials, until).await?,
        ))
    }

    /// 一次性告知补正（窗口或站点人员）：出具补正材料通知书，列出全部缺少的材料。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn request_correction(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "办件ID")] id: ID,
        #[graphql(desc = "缺少的材料名称")] missing_materials: Vec<String>,
        #[graphql(desc = "告知说明")] note: String,
    ) -> Result<Case> {
        Ok(Case::new(
            services(ctx)
                .cases
                .request_correction(actor(ctx)?, self::id(&id, "办件")?, missing_materials, &note)
                .await?,
        ))
    }

    /// 补正材料已收，重新提交。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn resubmit_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "办件ID")] id: ID,
        #[graphql(desc = "补交的材料名称")] provided_materials: Vec<String>,
    ) -> Result<Case> {
        Ok(Case::new(services(ctx).cases.resubmit_case(actor(ctx)?, self::id(&id, "办件")?, provided_materials).await?))
    }

    /// 不予受理（窗口或站点人员）：出具不予受理通知书，不可撤销。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn reject_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "办件ID")] id: ID,
        #[graphql(desc = "不予受理的理由")] reason: String,
    ) -> Result<Case> {
        Ok(Case::new(services(ctx).cases.reject_case(actor(ctx)?, self::id(&id, "办件")?, &reason).await?))
    }

    /// 上报件（上报件）：初审完成，由发布同一事项的最近上级租户接收办件；双方都可查看。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn forward_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "办件ID")] id: ID,
        #[graphql(desc = "初审意见")] opinion: String,
    ) -> Result<Case> {
        Ok(Case::new(services(ctx).cases.forward_case(actor(ctx)?, self::id(&id, "办件")?, &opinion).await?))
    }

    /// 启动特别程序（审批人员）：暂停计时。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn suspend_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "办件ID")] id: ID,
        #[graphql(desc = "特别程序种类")] procedure: SpecialProcedure,
        #[graphql(desc = "理由")] reason: String,
    ) -> Result<Case> {
        Ok(Case::new(
            services(ctx).cases.suspend_case(actor(ctx)?, self::id(&id, "办件")?, procedure.into(), &reason).await?,
        ))
    }

    /// 特别程序结束，恢复办理并继续计时（审批人员）。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn resume_case(&self, ctx: &Context<'_>, #[graphql(desc = "办件ID")] id: ID) -> Result<Case> {
        Ok(Case::new(services(ctx).cases.resume_case(actor(ctx)?, self::id(&id, "办件")?).await?))
    }

    /// 审批决定（获授权的审批人员）：准予或不予许可；联办件为本部门意见。不可撤销。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn decide_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "办件ID")] id: ID,
        #[graphql(desc = "true 为准予许可，false 为不予许可")] approve: bool,
        #[graphql(desc = "审批意见（不予许可须说明理由）")] opinion: String,
    ) -> Result<Case> {
        Ok(Case::new(services(ctx).cases.decide_case(actor(ctx)?, self::id(&id, "办件")?, approve, &opinion).await?))
    }

    /// 出件送达（窗口或站点人员）：办结或已转办理地的办件。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn deliver_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "办件ID")] id: ID,
        #[graphql(desc = "出件方式")] method: DeliveryMethod,
        #[graphql(desc = "邮寄单号（邮寄时填写）")] tracking_no: Option<String>,
    ) -> Result<Case> {
        let c = services(ctx)
            .cases
            .deliver_case(actor(ctx)?, self::id(&id, "办件")?, method.into(), tracking_no.as_deref())
            .await?;
        Ok(Case::new(c))
    }

    /// 归档已送达的办件。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn archive_case(&self, ctx: &Context<'_>, #[graphql(desc = "办件ID")] id: ID) -> Result<Case> {
        Ok(Case::new(services(ctx).cases.archive_case(actor(ctx)?, self::id(&id, "办件")?).await?))
    }

    /// 撤回申请（须说明理由，不可撤销）。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn withdraw_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "办件ID")] id: ID,
        #[graphql(desc = "撤回理由")] reason: String,
    ) -> Result<Case> {
        Ok(Case::new(services(ctx).cases.withdraw_case(actor(ctx)?, self::id(&id, "办件")?, &reason).await?))
    }
}
