//! Departments, base catalogue, implementation items, delegation and the public service guide.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use domain::catalogue::{self as dc, BaseItemDraft, ImplInput};
use domain::page::{Page, PageRequest};
use domain::ports::ImplQuery;
use domain::service::Delegation;
use uuid::Uuid;

use super::cost;
use super::ctx::{actor, services};
use super::scalars::RegionCodeScalar;
use super::tenant::{AdminLevel, PageInfo, Tenant};

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "domain::catalogue::ItemKind")]
pub enum ItemKind {
    Licensing,
    Payment,
    Confirmation,
    Reward,
    Adjudication,
    OtherPower,
    PublicService,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "domain::catalogue::CaseKind")]
pub enum CaseKind {
    Instant,
    Promised,
    Escalated,
    Joint,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "domain::catalogue::CrossAreaScope")]
pub enum CrossAreaScope {
    None,
    County,
    City,
    Province,
    Nationwide,
}

/// 网办深度：事项可在网上办理到哪一步。
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "domain::catalogue::OnlineDepth")]
pub enum OnlineDepth {
    /// 不支持网上办理。
    Offline,
    /// 一级：网上咨询。
    Consult,
    /// 二级：网上预审。
    Pretrial,
    /// 三级：网上受理。
    Accept,
    /// 四级：全程网办。
    Full,
}

/// 办理情形：申请人的一种情况，及该情况需要提交的申请材料。
#[derive(SimpleObject)]
pub struct Scenario {
    /// 情形名称，例如“首次申请”。
    name: String,
    /// 该情形需要的申请材料名称（本事项材料的子集，按事项材料顺序）。
    material_names: Vec<String>,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "domain::catalogue::ImplStatus")]
pub enum ImplItemStatus {
    Draft,
    Published,
    Suspended,
    Cancelled,
}

pub(super) fn parse_id(id: &ID, what: &'static str) -> Result<Uuid, domain::Error> {
    Uuid::parse_str(id).map_err(|_| domain::Error::NotFound { what })
}

fn count(n: u64) -> i32 {
    n.min(i32::MAX as u64) as i32
}

fn page_info<T>(p: &Page<T>) -> PageInfo {
    PageInfo { has_next_page: p.has_next, end_cursor: p.end_cursor.clone() }
}

// ---------------------------------------------------------------- departments

pub struct Department(pub dc::Department);

#[Object]
impl Department {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn tenant(&self, ctx: &Context<'_>) -> Result<Tenant> {
        Tenant::load(ctx, self.0.tenant).await
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn credit_code(&self) -> &str {
        self.0.credit_code.as_str()
    }
    async fn stationed(&self) -> bool {
        self.0.stationed
    }
}

// ---------------------------------------------------------------- materials and base items

pub struct MaterialSpec {
    id: String,
    m: dc::Material,
}

#[Object]
impl MaterialSpec {
    async fn id(&self) -> ID {
        ID(self.id.clone())
    }
    async fn name(&self) -> &str {
        &self.m.name
    }
    async fn originals(&self) -> i32 {
        self.m.originals as i32
    }
    async fn copies(&self) -> i32 {
        self.m.copies as i32
    }
    async fn required(&self) -> bool {
        self.m.required
    }
    /// May be accepted missing (容缺), to be supplied later.
    async fn deferrable(&self) -> bool {
        self.m.deferrable
    }
}

/// Material ids are stable per base item and position in its list.
fn materials(base: &dc::BaseItem, ms: Vec<dc::Material>) -> Vec<MaterialSpec> {
    ms.into_iter()
        .map(|m| {
            let pos = base.materials.iter().position(|b| b.name == m.name).unwrap_or_default();
            MaterialSpec { id: format!("{}-{}", base.id, pos + 1), m }
        })
        .collect()
}

pub struct BaseItem(pub dc::BaseItem);

#[Object]
impl BaseItem {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn base_code(&self) -> &str {
        &self.0.base_code
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn kind(&self) -> ItemKind {
        self.0.kind.into()
    }
    /// The GB/T 39046 code of the kind, e.g. "01".
    async fn kind_code(&self) -> &str {
        self.0.kind.code()
    }
    async fn legal_basis(&self) -> &str {
        &self.0.legal_basis
    }
    async fn levels(&self) -> Vec<AdminLevel> {
        self.0.levels.iter().map(|l| (*l).into()).collect()
    }
    /// Working days; 0 = decided on the spot.
    async fn statutory_days(&self) -> i32 {
        self.0.statutory_days as i32
    }
    async fn materials(&self) -> Vec<MaterialSpec> {
        materials(&self.0, self.0.materials.clone())
    }
    async fn version(&self) -> i32 {
        self.0.version as i32
    }
    /// 主管部门 as the catalogue names it.
    async fn competent_department(&self) -> &str {
        &self.0.department
    }
    async fn default_case_kind(&self) -> CaseKind {
        self.0.default_case_kind.into()
    }
    async fn default_cross_area_scope(&self) -> CrossAreaScope {
        self.0.default_cross_area.into()
    }
}

#[derive(SimpleObject)]
pub struct BaseItemConnection {
    nodes: Vec<BaseItem>,
    page_info: PageInfo,
    total_count: i32,
}

// ---------------------------------------------------------------- implementation items

pub struct ImplItem(pub dc::ImplItem);

#[Object]
impl ImplItem {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn impl_code(&self) -> &str {
        &self.0.impl_code
    }
    /// Name, kind, legal basis and base code come from here, identical at every level.
    async fn base(&self) -> BaseItem {
        BaseItem(self.0.base.clone())
    }
    async fn tenant(&self, ctx: &Context<'_>) -> Result<Tenant> {
        Tenant::load(ctx, self.0.tenant).await
    }
    async fn department(&self) -> Department {
        Department(self.0.department.clone())
    }
    /// Joint items: the co-departments reviewing beside the lead department.
    async fn co_departments(&self, ctx: &Context<'_>) -> Result<Vec<Department>> {
        let s = services(ctx);
        let t = s.tenants.tenant_identities(&[self.0.tenant]).await?;
        let Some(t) = t.first() else { return Ok(Vec::new()) };
        Ok(s.catalogue.co_departments(t, &self.0.local).await?.into_iter().map(Department).collect())
    }
    async fn status(&self) -> ImplItemStatus {
        self.0.status.into()
    }
    async fn version(&self) -> i32 {
        self.0.version as i32
    }
    async fn promised_days(&self) -> i32 {
        self.0.local.promised_days as i32
    }
    async fn case_kind(&self) -> CaseKind {
        self.0.local.case_kind.into()
    }
    async fn cross_area_scope(&self) -> CrossAreaScope {
        self.0.local.cross_area.into()
    }
    async fn materials(&self) -> Vec<MaterialSpec> {
        materials(&self.0.base, self.0.materials())
    }
    async fn place(&self) -> Option<&str> {
        self.0.local.place.as_deref()
    }
    async fn hours(&self) -> Option<&str> {
        self.0.local.hours.as_deref()
    }
    async fn phone(&self) -> Option<&str> {
        self.0.local.phone.as_deref()
    }
    /// Decimal as text; null = free.
    async fn fee_yuan(&self) -> Option<&str> {
        self.0.local.fee_yuan.as_deref()
    }
    /// 受理条件（可多行）；未填写时为 null。
    async fn conditions(&self) -> Option<&str> {
        self.0.local.guide.conditions.as_deref()
    }
    /// 办理流程（可多行，每行一步）；未填写时为 null。
    async fn process(&self) -> Option<&str> {
        self.0.local.guide.process.as_deref()
    }
    /// 网办深度。
    async fn online_depth(&self) -> OnlineDepth {
        self.0.local.guide.online_depth.into()
    }
    /// 到现场次数；0 表示零跑动。
    async fn visits(&self) -> i32 {
        self.0.local.guide.visits as i32
    }
    /// 是否支持预约办理。
    async fn appointment(&self) -> bool {
        self.0.local.guide.appointment
    }
    /// 是否支持网上支付。
    async fn online_payment(&self) -> bool {
        self.0.local.guide.online_payment
    }
    /// 是否支持物流快递送达。
    async fn delivery(&self) -> bool {
        self.0.local.guide.delivery
    }
    /// 办理情形及各情形所需材料。
    async fn scenarios(&self) -> Vec<Scenario> {
        self.0
            .local
            .guide
            .scenarios
            .iter()
            .map(|s| Scenario { name: s.name.clone(), material_names: s.material_names.clone() })
            .collect()
    }
    async fn suspend_reason(&self) -> Option<&str> {
        self.0.suspend_reason.as_deref()
    }
    /// The county that delegated (下放) this item, if any.
    async fn delegated_by(&self, ctx: &Context<'_>) -> Result<Option<Tenant>> {
        match self.0.delegated_by {
            Some(c) => Ok(Some(Tenant::load(ctx, c).await?)),
            None => Ok(None),
        }
    }
}

#[derive(SimpleObject)]
pub struct ImplItemConnection {
    nodes: Vec<ImplItem>,
    page_info: PageInfo,
    total_count: i32,
}

fn impl_connection(p: Page<dc::ImplItem>) -> ImplItemConnection {
    ImplItemConnection {
        page_info: page_info(&p),
        total_count: count(p.total),
        nodes: p.items.into_iter().map(ImplItem).collect(),
    }
}

// ---------------------------------------------------------------- inputs

#[derive(InputObject)]
pub struct MaterialInput {
    name: String,
    #[graphql(default_with = "Some(1)")]
    originals: Option<i32>,
    #[graphql(default_with = "Some(0)")]
    copies: Option<i32>,
    #[graphql(default_with = "Some(true)")]
    required: Option<bool>,
    #[graphql(default_with = "Some(false)")]
    deferrable: Option<bool>,
}

#[derive(InputObject)]
pub struct BaseItemInput {
    base_code: String,
    name: String,
    kind: ItemKind,
    legal_basis: String,
    levels: Vec<AdminLevel>,
    statutory_days: i32,
    materials: Vec<MaterialInput>,
    /// 主管部门, e.g. 民政.
    competent_department: Option<String>,
    /// Default PROMISED.
    default_case_kind: Option<CaseKind>,
    /// Default NONE.
    default_cross_area_scope: Option<CrossAreaScope>,
}

fn non_negative(n: i32, what: &str) -> Result<u32, domain::Error> {
    u32::try_from(n).map_err(|_| domain::Error::invalid(format!("{what}不能为负数")))
}

impl BaseItemInput {
    fn into_draft(self) -> Result<BaseItemDraft, domain::Error> {
        let materials = self
            .materials
            .into_iter()
            .map(|m| {
                Ok(dc::Material {
                    originals: non_negative(m.originals.unwrap_or(1), "原件份数")?,
                    copies: non_negative(m.copies.unwrap_or(0), "复印件份数")?,
                    name: m.name,
                    required: m.required.unwrap_or(true),
                    deferrable: m.deferrable.unwrap_or(false),
                })
            })
            .collect::<Result<Vec<_>, domain::Error>>()?;
        Ok(BaseItemDraft {
            base_code: self.base_code,
            name: self.name,
            kind: self.kind.into(),
            legal_basis: self.legal_basis,
            levels: self.levels.into_iter().map(Into::into).collect(),
            statutory_days: non_negative(self.statutory_days, "法定时限")?,
            materials,
            department: self.competent_department.unwrap_or_default(),
            default_case_kind: self.default_case_kind.unwrap_or(CaseKind::Promised).into(),
            default_cross_area: self.default_cross_area_scope.unwrap_or(CrossAreaScope::None).into(),
        })
    }
}

fn co_departments(ids: &[ID]) -> Result<Vec<Uuid>, domain::Error> {
    ids.iter().map(|d| Uuid::parse_str(d).map_err(|_| domain::Error::invalid("协办部门ID无效"))).collect()
}

#[derive(InputObject)]
pub struct ImplItemInput {
    tenant: RegionCodeScalar,
    base_item_id: ID,
    department_id: ID,
    promised_days: i32,
    case_kind: CaseKind,
    /// Joint items (JOINT): the co-departments reviewing beside the lead department.
    co_department_ids: Option<Vec<ID>>,
    #[graphql(default_with = "Some(CrossAreaScope::None)")]
    cross_area_scope: Option<CrossAreaScope>,
    /// Subset of the base list; null = all.
    material_names: Option<Vec<String>>,
    deferrable_names: Option<Vec<String>>,
    place: Option<String>,
    hours: Option<String>,
    phone: Option<String>,
    fee_yuan: Option<String>,
    /// 办事指南的其他要素；null 表示默认值（未填写受理条件和办理流程，到现场1次，不支持网办、预约、网上支付和快递）。
    guide: Option<GuideInput>,
}

/// 办理情形的输入。
#[derive(InputObject)]
pub struct ScenarioInput {
    /// 情形名称，1至100个字符，同一事项内不重复。
    name: String,
    /// 该情形需要的申请材料名称，须为本事项的申请材料。
    material_names: Vec<String>,
}

/// 办事指南的其他要素（受理条件、办理流程、网办深度、到现场次数、预约/支付/快递、办理情形）。
#[derive(InputObject)]
pub struct GuideInput {
    /// 受理条件，最多2000个字符；空或 null 表示未填写。
    conditions: Option<String>,
    /// 办理流程，最多2000个字符，每行一步；空或 null 表示未填写。
    process: Option<String>,
    /// 网办深度，默认 OFFLINE。
    #[graphql(default_with = "Some(OnlineDepth::Offline)")]
    online_depth: Option<OnlineDepth>,
    /// 到现场次数（0至9），默认1。
    #[graphql(default_with = "Some(1)")]
    visits: Option<i32>,
    /// 是否支持预约办理，默认否。
    #[graphql(default = false)]
    appointment: bool,
    /// 是否支持网上支付，默认否。
    #[graphql(default = false)]
    online_payment: bool,
    /// 是否支持物流快递送达，默认否。
    #[graphql(default = false)]
    delivery: bool,
    /// 办理情形，最多30个；null 表示没有。
    scenarios: Option<Vec<ScenarioInput>>,
}

impl GuideInput {
    fn into_domain(self) -> Result<dc::GuideInfo, domain::Error> {
        Ok(dc::GuideInfo {
            conditions: self.conditions,
            process: self.process,
            online_depth: self.online_depth.unwrap_or(OnlineDepth::Offline).into(),
            visits: non_negative(self.visits.unwrap_or(1), "到现场次数")?,
            appointment: self.appointment,
            online_payment: self.online_payment,
            delivery: self.delivery,
            scenarios: self
                .scenarios
                .unwrap_or_default()
                .into_iter()
                .map(|s| dc::Scenario { name: s.name, material_names: s.material_names })
                .collect(),
        })
    }
}

/// Changes to an implementation item; omitted fields keep their value.
#[derive(InputObject)]
pub struct ImplItemUpdate {
    department_id: Option<ID>,
    promised_days: Option<i32>,
    case_kind: Option<CaseKind>,
    co_department_ids: Option<Vec<ID>>,
    cross_area_scope: Option<CrossAreaScope>,
    material_names: Option<Vec<String>>,
    deferrable_names: Option<Vec<String>>,
    place: Option<String>,
    hours: Option<String>,
    phone: Option<String>,
    fee_yuan: Option<String>,
    /// 办事指南的其他要素，整体替换；省略时保持不变（删减申请材料时，情形中的这些材料随之去掉）。
    guide: Option<GuideInput>,
}

/// Shared defaults of a delegation (下放) to towns.
#[derive(InputObject)]
pub struct DelegateItemInput {
    /// The delegating county.
    from_tenant: RegionCodeScalar,
    base_item_id: ID,
    /// The towns; null = every town of the county.
    towns: Option<Vec<RegionCodeScalar>>,
    /// Each town's department of this name; null = the town's first department.
    department_name: Option<String>,
    promised_days: i32,
    case_kind: Option<CaseKind>,
    cross_area_scope: Option<CrossAreaScope>,
    material_names: Option<Vec<String>>,
    deferrable_names: Option<Vec<String>>,
    place: Option<String>,
    hours: Option<String>,
    phone: Option<String>,
    fee_yuan: Option<String>,
    /// 各乡镇事项的办事指南其他要素；null 表示默认值。
    guide: Option<GuideInput>,
    /// Publish the towns' items right away.
    #[graphql(default = false)]
    publish: bool,
}

#[derive(SimpleObject)]
pub struct DelegationSkip {
    tenant: Tenant,
    reason: String,
}

#[derive(SimpleObject)]
pub struct DelegationResult {
    items: Vec<ImplItem>,
    skipped: Vec<DelegationSkip>,
}

// ---------------------------------------------------------------- roots

#[derive(Default)]
pub struct CatalogueQuery;

#[Object]
impl CatalogueQuery {
    /// The base catalogue the caller's tenant uses (its nearest root's).
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn base_items(
        &self,
        ctx: &Context<'_>,
        keyword: Option<String>,
        kind: Option<ItemKind>,
        #[graphql(default_with = "Some(50)")] first: Option<i32>,
        after: Option<String>,
    ) -> Result<BaseItemConnection> {
        let page = PageRequest::parse(first.unwrap_or(50), after)?;
        let p = services(ctx).catalogue.base_items(actor(ctx)?, keyword.as_deref(), kind.map(Into::into), page).await?;
        Ok(BaseItemConnection {
            page_info: page_info(&p),
            total_count: count(p.total),
            nodes: p.items.into_iter().map(BaseItem).collect(),
        })
    }

    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn base_item(&self, ctx: &Context<'_>, id: ID) -> Result<BaseItem> {
        let id = parse_id(&id, "基本目录事项")?;
        Ok(BaseItem(services(ctx).catalogue.base_item(actor(ctx)?, id).await?))
    }

    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn impl_items(
        &self,
        ctx: &Context<'_>,
        tenant: RegionCodeScalar,
        keyword: Option<String>,
        status: Option<ImplItemStatus>,
        kind: Option<ItemKind>,
        department_id: Option<ID>,
        #[graphql(default_with = "Some(50)")] first: Option<i32>,
        after: Option<String>,
    ) -> Result<ImplItemConnection> {
        let page = PageRequest::parse(first.unwrap_or(50), after)?;
        let department = department_id.map(|d| parse_id(&d, "部门")).transpose()?;
        let q = ImplQuery {
            tenant: None,
            keyword,
            kind: kind.map(Into::into),
            status: status.map(Into::into),
            department,
            page,
        };
        let p = services(ctx).catalogue.impl_items(actor(ctx)?, &tenant.parse()?, q).await?;
        Ok(impl_connection(p))
    }

    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn impl_item(&self, ctx: &Context<'_>, id: ID) -> Result<ImplItem> {
        let id = parse_id(&id, "实施清单事项")?;
        Ok(ImplItem(services(ctx).catalogue.impl_item(actor(ctx)?, id).await?))
    }

    /// Public, no login: the service guide of a published item.
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn service_guide(&self, ctx: &Context<'_>, impl_code: String) -> Result<ImplItem> {
        Ok(ImplItem(services(ctx).catalogue.service_guide(&impl_code).await?))
    }

    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn departments(&self, ctx: &Context<'_>, tenant: RegionCodeScalar) -> Result<Vec<Department>> {
        let ds = services(ctx).catalogue.departments(actor(ctx)?, &tenant.parse()?).await?;
        Ok(ds.into_iter().map(Department).collect())
    }
}

#[derive(Default)]
pub struct CatalogueMutation;

#[Object]
impl CatalogueMutation {
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn create_department(
        &self,
        ctx: &Context<'_>,
        tenant: RegionCodeScalar,
        name: String,
        credit_code: String,
        #[graphql(default_with = "Some(true)")] stationed: Option<bool>,
    ) -> Result<Department> {
        let stationed = stationed.unwrap_or(true);
        let d = services(ctx)
            .catalogue
            .create_department(actor(ctx)?, &tenant.parse()?, &name, &credit_code, stationed)
            .await?;
        Ok(Department(d))
    }

    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn create_base_item(&self, ctx: &Context<'_>, input: BaseItemInput) -> Result<BaseItem> {
        Ok(BaseItem(services(ctx).catalogue.create_base_item(actor(ctx)?, input.into_draft()?).await?))
    }

    /// Edits a base item: a new version, followed by every implementation. The base code stays.
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn update_base_item(&self, ctx: &Context<'_>, id: ID, input: BaseItemInput) -> Result<BaseItem> {
        let id = parse_id(&id, "基本目录事项")?;
        Ok(BaseItem(services(ctx).catalogue.update_base_item(actor(ctx)?, id, input.into_draft()?).await?))
    }

    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn implement_item(&self, ctx: &Context<'_>, input: ImplItemInput) -> Result<ImplItem> {
        let base = parse_id(&input.base_item_id, "基本目录事项")?;
        let dept = Uuid::parse_str(&input.department_id).map_err(|_| domain::Error::invalid("实施部门ID无效"))?;
        let local = ImplInput {
            promised_days: i64::from(input.promised_days),
            case_kind: Some(input.case_kind.into()),
            co_department_ids: input.co_department_ids.as_deref().map(co_departments).transpose()?,
            cross_area: Some(input.cross_area_scope.unwrap_or(CrossAreaScope::None).into()),
            material_names: input.material_names,
            deferrable_names: input.deferrable_names,
            place: input.place,
            hours: input.hours,
            phone: input.phone,
            fee_yuan: input.fee_yuan,
            guide: input.guide.map(GuideInput::into_domain).transpose()?,
        };
        let item =
            services(ctx).catalogue.implement_item(actor(ctx)?, &input.tenant.parse()?, base, dept, local).await?;
        Ok(ImplItem(item))
    }

    /// Changes local fields of an implementation item (a new version).
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn update_impl_item(&self, ctx: &Context<'_>, id: ID, input: ImplItemUpdate) -> Result<ImplItem> {
        let id = parse_id(&id, "实施清单事项")?;
        let s = services(ctx);
        let a = actor(ctx)?;
        let old = s.catalogue.impl_item(a, id).await?;
        let mut local = old.as_input();
        if let Some(d) = input.promised_days {
            local.promised_days = i64::from(d);
        }
        if let Some(k) = input.case_kind {
            local.case_kind = Some(k.into());
            if k != CaseKind::Joint && input.co_department_ids.is_none() {
                local.co_department_ids = None;
            }
        }
        if let Some(ids) = input.co_department_ids.as_deref() {
            local.co_department_ids = Some(co_departments(ids)?);
        }
        if let Some(c) = input.cross_area_scope {
            local.cross_area = Some(c.into());
        }
        if input.material_names.is_some() {
            local.material_names = input.material_names;
            if input.deferrable_names.is_none() {
                local.deferrable_names = local.deferrable_names.map(|d| {
                    d.into_iter().filter(|n| local.material_names.as_ref().is_some_and(|m| m.contains(n))).collect()
                });
            }
        }
        if input.deferrable_names.is_some() {
            local.deferrable_names = input.deferrable_names;
        }
        match input.guide {
            Some(g) => local.guide = Some(g.into_domain()?),
            None => {
                if let (Some(g), Some(m)) = (local.guide.as_mut(), local.material_names.as_ref()) {
                    for sc in &mut g.scenarios {
                        sc.material_names.retain(|n| m.contains(n));
                    }
                }
            }
        }
        for (field, v) in [
            (&mut local.place, input.place),
            (&mut local.hours, input.hours),
            (&mut local.phone, input.phone),
            (&mut local.fee_yuan, input.fee_yuan),
        ] {
            if v.is_some() {
                *field = v;
            }
        }
        let dept = input
            .department_id
            .map(|d| Uuid::parse_str(&d).map_err(|_| domain::Error::invalid("实施部门ID无效")))
            .transpose()?;
        Ok(ImplItem(s.catalogue.update_impl_item(a, id, dept, local).await?))
    }

    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn publish_impl_item(&self, ctx: &Context<'_>, id: ID) -> Result<ImplItem> {
        let id = parse_id(&id, "实施清单事项")?;
        Ok(ImplItem(services(ctx).catalogue.publish_impl_item(actor(ctx)?, id).await?))
    }

    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn suspend_impl_item(&self, ctx: &Context<'_>, id: ID, reason: String) -> Result<ImplItem> {
        let id = parse_id(&id, "实施清单事项")?;
        Ok(ImplItem(services(ctx).catalogue.suspend_impl_item(actor(ctx)?, id, &reason).await?))
    }

    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn cancel_impl_item(&self, ctx: &Context<'_>, id: ID) -> Result<ImplItem> {
        let id = parse_id(&id, "实施清单事项")?;
        Ok(ImplItem(services(ctx).catalogue.cancel_impl_item(actor(ctx)?, id).await?))
    }

    /// 下放: a county implements one base item for its towns in one call with shared
    /// defaults. Towns without a (matching) department, or already implementing the item, are
    /// skipped and reported; the rest are created in one transaction.
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn delegate_item(&self, ctx: &Context<'_>, input: DelegateItemInput) -> Result<DelegationResult> {
        let towns = input.towns.map(|ts| ts.iter().map(|t| t.parse()).collect::<Result<Vec<_>, _>>()).transpose()?;
        let d = Delegation {
            from: input.from_tenant.parse()?,
            base_item: parse_id(&input.base_item_id, "基本目录事项")?,
            towns,
            department_name: input.department_name,
            defaults: ImplInput {
                promised_days: i64::from(input.promised_days),
                case_kind: input.case_kind.map(Into::into),
                co_department_ids: None,
                cross_area: input.cross_area_scope.map(Into::into),
                material_names: input.material_names,
                deferrable_names: input.deferrable_names,
                place: input.place,
                hours: input.hours,
                phone: input.phone,
                fee_yuan: input.fee_yuan,
                guide: input.guide.map(GuideInput::into_domain).transpose()?,
            },
            publish: input.publish,
        };
        let r = services(ctx).catalogue.delegate_item(actor(ctx)?, d).await?;
        Ok(DelegationResult {
            items: r.items.into_iter().map(ImplItem).collect(),
            skipped: r.skipped.into_iter().map(|(t, reason)| DelegationSkip { tenant: Tenant(t), reason }).collect(),
        })
    }

    /// Takes a delegation back: the towns' delegated items of the base item are cancelled.
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn revoke_delegation(
        &self,
        ctx: &Context<'_>,
        from_tenant: RegionCodeScalar,
        base_item_id: ID,
    ) -> Result<Vec<ImplItem>> {
        let base = parse_id(&base_item_id, "基本目录事项")?;
        let items = services(ctx).catalogue.revoke_delegation(actor(ctx)?, &from_tenant.parse()?, base).await?;
        Ok(items.into_iter().map(ImplItem).collect())
    }
}
