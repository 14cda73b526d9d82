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

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "domain::case::CaseStatus")]
pub enum CaseStatus {
    Received,
    CorrectionRequested,
    NotAccepted,
    Accepted,
    Suspended,
    Approved,
    Denied,
    Delivered,
    Archived,
    Withdrawn,
    Expired,
    Transferred,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "domain::case::Warning")]
pub enum Warning {
    Green,
    Yellow,
    Red,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "domain::case::Channel")]
pub enum Channel {
    Window,
    Online,
    Agent,
    Remote,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "domain::case::ApplicantKind")]
pub enum ApplicantKind {
    Person,
    Company,
    Institution,
    SocialOrg,
    Other,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "domain::case::SpecialProcedure")]
pub enum SpecialProcedure {
    Extension,
    Hearing,
    Inspection,
    Appraisal,
    ExpertReview,
    Other,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "domain::case::DeliveryMethod")]
pub enum DeliveryMethod {
    Window,
    Post,
    Online,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "domain::case::DocumentKind")]
pub enum DocumentKind {
    AcceptanceNotice,
    CorrectionNotice,
    NonAcceptanceNotice,
    ApprovalDecision,
    DenialDecision,
}

/// A numbered document (文书); `url` is its printable page in the console.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Document {
    #[graphql(skip)]
    id: Uuid,
    kind: DocumentKind,
    number: String,
    issued_at: DateTimeScalar,
    url: String,
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
    /// The document as a PDF in the console; null when the server has no CJK font.
    async fn pdf_url(&self, ctx: &Context<'_>) -> Option<String> {
        let printer = ctx.data_opt::<std::sync::Arc<dyn domain::ports::DocumentPrinter>>()?.clone();
        let available = actix_web::web::block(move || printer.available()).await.unwrap_or(false);
        available.then(|| format!("/console/documents/{}.pdf", self.id))
    }
}

#[derive(SimpleObject)]
pub struct Applicant {
    kind: ApplicantKind,
    name: String,
    id_type: String,
    id_number_masked: String,
    phone_masked: Option<String>,
}

pub struct CaseEvent(dc::CaseEvent);

#[Object]
impl CaseEvent {
    async fn at(&self) -> DateTimeScalar {
        DateTimeScalar(self.0.at)
    }
    async fn status(&self) -> CaseStatus {
        self.0.status.into()
    }
    async fn actor(&self) -> &str {
        &self.0.actor
    }
    async fn tenant(&self, ctx: &Context<'_>) -> Result<Tenant> {
        Tenant::load(ctx, self.0.tenant).await
    }
    /// What was done (收件, 受理, …).
    async fn action(&self) -> &str {
        &self.0.action
    }
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

#[Object]
impl Case {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn case_no(&self) -> &str {
        &self.0.case_no
    }
    async fn kind(&self) -> CaseKind {
        self.0.kind.into()
    }
    /// A remote intake's collecting tenant sees TRANSFERRED while the handling tenant works on it.
    async fn status(&self, ctx: &Context<'_>) -> CaseStatus {
        match actor(ctx) {
            Ok(a) => self.0.status_seen_from(&a.scope()).into(),
            Err(_) => self.0.status.into(),
        }
    }
    /// The implementation item that decides the case (after forwardCase, the ancestor's).
    async fn item(&self, ctx: &Context<'_>) -> Result<ImplItem> {
        Ok(ImplItem(services(ctx).cases.case_item(&self.0).await?))
    }
    /// The implementation item's version the case was opened under.
    async fn item_version(&self) -> i32 {
        self.0.impl_version as i32
    }
    async fn item_name(&self) -> &str {
        &self.0.item_name
    }
    async fn handling_tenant(&self, ctx: &Context<'_>) -> Result<Tenant> {
        Tenant::load(ctx, self.0.handling).await
    }
    async fn collecting_tenant(&self, ctx: &Context<'_>) -> Result<Tenant> {
        Tenant::load(ctx, self.0.collecting).await
    }
    async fn channel(&self) -> Channel {
        self.0.channel.into()
    }
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
    async fn received_at(&self) -> DateTimeScalar {
        DateTimeScalar(self.0.received_at)
    }
    async fn accepted_at(&self) -> Option<DateTimeScalar> {
        self.0.accepted_at.map(DateTimeScalar)
    }
    async fn concluded_at(&self) -> Option<DateTimeScalar> {
        self.0.concluded_at.map(DateTimeScalar)
    }
    /// Null until accepted; a running special procedure keeps pushing it.
    async fn deadline(&self, ctx: &Context<'_>) -> Result<Option<DateScalar>> {
        Ok(self.reading(ctx).await?.map(|r| r.deadline.date.into()))
    }
    /// True when the deadline falls in a year whose official calendar is not loaded yet.
    async fn deadline_provisional(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(self.reading(ctx).await?.is_some_and(|r| r.deadline.provisional))
    }
    /// Null until accepted; negative when overdue.
    async fn working_days_left(&self, ctx: &Context<'_>) -> Result<Option<i32>> {
        Ok(self.reading(ctx).await?.map(|r| r.working_days_left.clamp(-9999, 9999) as i32))
    }
    async fn warning(&self, ctx: &Context<'_>) -> Result<Warning> {
        Ok(self.reading(ctx).await?.map_or(Warning::Green, |r| r.warning.into()))
    }
    async fn missing_materials(&self) -> &[String] {
        &self.0.missing
    }
    async fn deferred_materials(&self) -> &[String] {
        &self.0.deferred
    }
    async fn deferred_until(&self) -> Option<DateScalar> {
        self.0.deferred_until.map(Into::into)
    }
    async fn provided_materials(&self) -> &[String] {
        &self.0.provided
    }
    async fn correction_due(&self) -> Option<DateScalar> {
        self.0.correction_due.map(Into::into)
    }
    async fn form(&self) -> Option<Json<serde_json::Value>> {
        self.0.form.clone().map(Json)
    }
    async fn events(&self, ctx: &Context<'_>) -> Result<Vec<CaseEvent>> {
        Ok(self.with_history(ctx).await?.events.iter().cloned().map(CaseEvent).collect())
    }
    /// 受理通知书, 补正材料通知书, 不予受理通知书, 准予/不予许可决定书, numbered per tenant and year.
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
    /// Joint cases (联办件): each department's review, lead first; empty for other kinds and
    /// before acceptance.
    /// 跨域通办：办件的转办记录，最早的在前。
    async fn transfers(&self, ctx: &Context<'_>) -> Result<Vec<super::transfer::Transfer>> {
        let list = services(ctx).transfers.case_transfers(actor(ctx)?, &self.0).await?;
        Ok(list.into_iter().map(super::transfer::Transfer::new).collect())
    }
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

/// One department's review of a joint case; `approved` is null until it has decided.
#[derive(SimpleObject)]
pub struct DepartmentReview {
    department_id: ID,
    department_name: String,
    lead: bool,
    approved: Option<bool>,
    opinion: Option<String>,
    reviewer: Option<String>,
    reviewed_at: Option<DateTimeScalar>,
}

#[derive(SimpleObject)]
pub struct CaseConnection {
    nodes: Vec<Case>,
    page_info: PageInfo,
    /// 符合条件的办件数；计数在 1000 件处停止，超过时为 1000 且 totalCountExact 为 false。
    total_count: i32,
    /// totalCount 是否为准确数；为 false 时 totalCount 是下限（至少这么多件）。
    total_count_exact: bool,
}

#[derive(SimpleObject)]
pub struct CaseReceipt {
    case: Case,
    /// Shown once, to give to the applicant.
    query_code: String,
}

#[derive(SimpleObject)]
pub struct PublicCaseStatus {
    case_no: String,
    item_name: String,
    status: CaseStatus,
    handling_center: String,
    received_at: DateTimeScalar,
    deadline: Option<DateScalar>,
    events: Vec<CaseEvent>,
}

#[derive(InputObject)]
pub struct ApplicantInput {
    pub kind: ApplicantKind,
    pub name: String,
    #[graphql(default_with = "Some(\"身份证\".to_owned())")]
    pub id_type: Option<String>,
    pub id_number: String,
    pub phone: Option<String>,
}

#[derive(InputObject)]
pub struct SubmitCaseInput {
    impl_item_id: ID,
    applicant: ApplicantInput,
    provided_materials: Vec<String>,
    #[graphql(default_with = "Some(Channel::Window)")]
    channel: Option<Channel>,
    form: Option<Json<serde_json::Value>>,
    idempotency_key: Option<String>,
}

#[derive(InputObject, Default)]
pub struct CaseFilter {
    tenant: Option<RegionCodeScalar>,
    status: Option<Vec<CaseStatus>>,
    warning: Option<Vec<Warning>>,
    impl_item_id: Option<ID>,
    /// Part of the applicant's name, or their whole id number.
    applicant: Option<String>,
    received_from: Option<DateScalar>,
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
    /// A case in the actor's scope; anything else is NOT_FOUND.
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn case(&self, ctx: &Context<'_>, id: ID) -> Result<Case> {
        // Events and documents are read only if a field asks for them (`Case::with_history`).
        Ok(Case::new(services(ctx).cases.case_summary(actor(ctx)?, self::id(&id, "办件")?).await?))
    }

    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn case_by_no(&self, ctx: &Context<'_>, case_no: String) -> Result<Case> {
        Ok(Case::new(services(ctx).cases.case_by_no(actor(ctx)?, &case_no).await?))
    }

    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn cases(
        &self,
        ctx: &Context<'_>,
        filter: Option<CaseFilter>,
        #[graphql(default_with = "Some(50)")] first: Option<i32>,
        after: Option<String>,
    ) -> Result<CaseConnection> {
        let f = filter.unwrap_or_default();
        let filter = DFilter {
            tenant: f.tenant.map(|t| t.parse()).transpose()?,
            statuses: f.status.unwrap_or_default().into_iter().map(Into::into).collect(),
            warnings: f.warning.unwrap_or_default().into_iter().map(Into::into).collect(),
            impl_item: f.impl_item_id.map(|i| self::id(&i, "实施事项")).transpose()?,
            applicant: f.applicant,
            received_from: f.received_from.map(|d| d.parse()).transpose()?,
            received_to: f.received_to.map(|d| d.parse()).transpose()?,
            history: wants_history(ctx),
            ..Default::default()
        };
        let p = services(ctx).cases.cases(actor(ctx)?, filter, PageRequest::parse(first.unwrap_or(50), after)?).await?;
        connection(ctx, p).await
    }

    /// The approver's queue (待审批): accepted or suspended cases of their tenant on items they may decide.
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn approval_queue(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "Some(50)")] first: Option<i32>,
        after: Option<String>,
    ) -> Result<CaseConnection> {
        let page = PageRequest::parse(first.unwrap_or(50), after)?;
        let p = services(ctx).cases.approval_queue(actor(ctx)?, page).await?;
        connection(ctx, p).await
    }

    /// Public, no login: the applicant tracks a case by its number and query code.
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn track_case(&self, ctx: &Context<'_>, case_no: String, query_code: String) -> Result<PublicCaseStatus> {
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
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn submit_case(&self, ctx: &Context<'_>, input: SubmitCaseInput) -> Result<CaseReceipt> {
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

    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn accept_case(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(default)] deferred_materials: Option<Vec<String>>,
        deferred_until: Option<DateScalar>,
    ) -> Result<Case> {
        let until = deferred_until.map(|d| d.parse()).transpose()?;
        let deferred_materials = deferred_materials.unwrap_or_default();
        Ok(Case::new(
            services(ctx).cases.accept_case(actor(ctx)?, self::id(&id, "办件")?, deferred_materials, until).await?,
        ))
    }

    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn request_correction(
        &self,
        ctx: &Context<'_>,
        id: ID,
        missing_materials: Vec<String>,
        note: String,
    ) -> Result<Case> {
        Ok(Case::new(
            services(ctx)
                .cases
                .request_correction(actor(ctx)?, self::id(&id, "办件")?, missing_materials, &note)
                .await?,
        ))
    }

    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn resubmit_case(&self, ctx: &Context<'_>, id: ID, provided_materials: Vec<String>) -> Result<Case> {
        Ok(Case::new(services(ctx).cases.resubmit_case(actor(ctx)?, self::id(&id, "办件")?, provided_materials).await?))
    }

    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn reject_case(&self, ctx: &Context<'_>, id: ID, reason: String) -> Result<Case> {
        Ok(Case::new(services(ctx).cases.reject_case(actor(ctx)?, self::id(&id, "办件")?, &reason).await?))
    }

    /// Escalated cases (上报件): the preliminary review is done; the nearest ancestor publishing the
    /// same item receives the case. Both tenants see it.
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn forward_case(&self, ctx: &Context<'_>, id: ID, opinion: String) -> Result<Case> {
        Ok(Case::new(services(ctx).cases.forward_case(actor(ctx)?, self::id(&id, "办件")?, &opinion).await?))
    }

    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn suspend_case(
        &self,
        ctx: &Context<'_>,
        id: ID,
        procedure: SpecialProcedure,
        reason: String,
    ) -> Result<Case> {
        Ok(Case::new(
            services(ctx).cases.suspend_case(actor(ctx)?, self::id(&id, "办件")?, procedure.into(), &reason).await?,
        ))
    }

    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn resume_case(&self, ctx: &Context<'_>, id: ID) -> Result<Case> {
        Ok(Case::new(services(ctx).cases.resume_case(actor(ctx)?, self::id(&id, "办件")?).await?))
    }

    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn decide_case(&self, ctx: &Context<'_>, id: ID, approve: bool, opinion: String) -> Result<Case> {
        Ok(Case::new(services(ctx).cases.decide_case(actor(ctx)?, self::id(&id, "办件")?, approve, &opinion).await?))
    }

    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn deliver_case(
        &self,
        ctx: &Context<'_>,
        id: ID,
        method: DeliveryMethod,
        tracking_no: Option<String>,
    ) -> Result<Case> {
        let c = services(ctx)
            .cases
            .deliver_case(actor(ctx)?, self::id(&id, "办件")?, method.into(), tracking_no.as_deref())
            .await?;
        Ok(Case::new(c))
    }

    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn archive_case(&self, ctx: &Context<'_>, id: ID) -> Result<Case> {
        Ok(Case::new(services(ctx).cases.archive_case(actor(ctx)?, self::id(&id, "办件")?).await?))
    }

    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn withdraw_case(&self, ctx: &Context<'_>, id: ID, reason: String) -> Result<Case> {
        Ok(Case::new(services(ctx).cases.withdraw_case(actor(ctx)?, self::id(&id, "办件")?, &reason).await?))
    }
}
