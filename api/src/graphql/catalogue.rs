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

/// 事项类型（GB/T 39046）。
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "domain::catalogue::ItemKind")]
pub enum ItemKind {
    /// 01 行政许可
    Licensing,
    /// 05 行政给付
    Payment,
    /// 07 行政确认
    Confirmation,
    /// 08 行政奖励
    Reward,
    /// 09 行政裁决
    Adjudication,
    /// 10 其他行政权力
    OtherPower,
    /// 20 公共服务
    PublicService,
}

/// 办件类型。
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "domain::catalogue::CaseKind")]
pub enum CaseKind {
    /// 即办件：受理当个工作日办结
    Instant,
    /// 承诺件：受理后在承诺时限（工作日）内办结
    Promised,
    /// 上报件：下级初审后上报上级决定
    Escalated,
    /// 联办件：牵头部门与协办部门并联审查，全部决定后办结
    Joint,
}

/// 通办范围：收件地在此范围内时可异地代收代办。
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "domain::catalogue::CrossAreaScope")]
pub enum CrossAreaScope {
    /// 不通办
    None,
    /// 同县通办
    County,
    /// 同市通办
    City,
    /// 全省通办
    Province,
    /// 全国通办（跨省通办）
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

/// 实施清单事项状态。
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "domain::catalogue::ImplStatus")]
pub enum ImplItemStatus {
    /// 草稿
    Draft,
    /// 已发布（可办理，办事指南公开）
    Published,
    /// 已暂停
    Suspended,
    /// 已作废
    Cancelled,
}

/// 实施清单事项操作：当前用户此刻可以对事项执行的操作（由事项状态和权限共同决定）。
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "domain::catalogue::ImplStep")]
pub enum ImplItemAction {
    /// 发布（草稿或已暂停的事项）
    Publish,
    /// 暂停（已发布的事项）
    Suspend,
    /// 作废（不可撤销）
    Cancel,
    /// 修改本地要素（已发布的事项生成新版本）
    Edit,
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

/// 部门（进驻部门）。
#[Object]
impl Department {
    /// 部门ID
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// 所属租户
    async fn tenant(&self, ctx: &Context<'_>) -> Result<Tenant> {
        Tenant::load(ctx, self.0.tenant).await
    }
    /// 部门名称
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// 统一社会信用代码（18 位）
    async fn credit_code(&self) -> &str {
        self.0.credit_code.as_str()
    }
    /// 是否进驻政务服务大厅
    async fn stationed(&self) -> bool {
        self.0.stationed
    }
}

// ---------------------------------------------------------------- materials and base items

pub struct MaterialSpec {
    id: String,
    m: dc::Material,
}

/// 申请材料。
#[Object]
impl MaterialSpec {
    /// 材料ID（在基本目录事项中按位置稳定）
    async fn id(&self) -> ID {
        ID(self.id.clone())
    }
    /// 材料名称
    async fn name(&self) -> &str {
        &self.m.name
    }
    /// 原件份数
    async fn originals(&self) -> i32 {
        self.m.originals as i32
    }
    /// 复印件份数
    async fn copies(&self) -> i32 {
        self.m.copies as i32
    }
    /// 是否必需
    async fn required(&self) -> bool {
        self.m.required
    }
    /// 可容缺受理（容缺），之后补交。
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

/// 基本目录事项：名称、类型、设定依据和基本编码在各级相同（四同）。
#[Object]
impl BaseItem {
    /// 事项ID
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// 基本编码（唯一）
    async fn base_code(&self) -> &str {
        &self.0.base_code
    }
    /// 事项名称
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// 事项类型
    async fn kind(&self) -> ItemKind {
        self.0.kind.into()
    }
    /// 事项类型的 GB/T 39046 代码，如 "01"。
    async fn kind_code(&self) -> &str {
        self.0.kind.code()
    }
    /// 设定依据
    async fn legal_basis(&self) -> &str {
        &self.0.legal_basis
    }
    /// 可实施的行使层级
    async fn levels(&self) -> Vec<AdminLevel> {
        self.0.levels.iter().map(|l| (*l).into()).collect()
    }
    /// 法定办结时限（工作日）；0 表示当场办结。
    async fn statutory_days(&self) -> i32 {
        self.0.statutory_days as i32
    }
    /// 标准申请材料清单
    async fn materials(&self) -> Vec<MaterialSpec> {
        materials(&self.0, self.0.materials.clone())
    }
    /// 版本号，每次修改加一
    async fn version(&self) -> i32 {
        self.0.version as i32
    }
    /// 目录中的主管部门名称。
    async fn competent_department(&self) -> &str {
        &self.0.department
    }
    /// 默认办件类型
    async fn default_case_kind(&self) -> CaseKind {
        self.0.default_case_kind.into()
    }
    /// 默认通办范围
    async fn default_cross_area_scope(&self) -> CrossAreaScope {
        self.0.default_cross_area.into()
    }
}

/// 基本目录事项分页结果。
#[derive(SimpleObject)]
pub struct BaseItemConnection {
    /// 本页事项
    nodes: Vec<BaseItem>,
    /// 分页信息
    page_info: PageInfo,
    /// 符合条件的事项总数
    total_count: i32,
}

// ---------------------------------------------------------------- implementation items

pub struct ImplItem(pub dc::ImplItem);

/// 实施清单事项：某租户对基本目录事项的本地实施；已发布的事项即公开的办事指南。
#[Object]
impl ImplItem {
    /// 事项ID
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// 实施编码：部门统一社会信用代码（18 位）+ 层级码 + 基本编码
    async fn impl_code(&self) -> &str {
        &self.0.impl_code
    }
    /// 所依据的基本目录事项：名称、类型、设定依据和基本编码取自这里，各级相同。
    async fn base(&self) -> BaseItem {
        BaseItem(self.0.base.clone())
    }
    /// 实施租户
    async fn tenant(&self, ctx: &Context<'_>) -> Result<Tenant> {
        Tenant::load(ctx, self.0.tenant).await
    }
    /// 实施部门（联办件的牵头部门）
    async fn department(&self) -> Department {
        Department(self.0.department.clone())
    }
    /// 联办件：与牵头部门并联审查的协办部门。
    async fn co_departments(&self, ctx: &Context<'_>) -> Result<Vec<Department>> {
        let s = services(ctx);
        let t = s.tenants.tenant_identities(&[self.0.tenant]).await?;
        let Some(t) = t.first() else { return Ok(Vec::new()) };
        Ok(s.catalogue.co_departments(t, &self.0.local).await?.into_iter().map(Department).collect())
    }
    /// 状态
    async fn status(&self) -> ImplItemStatus {
        self.0.status.into()
    }
    /// 当前用户此刻可以执行的操作，与管理后台显示的按钮一致；未登录时为空。
    async fn allowed_actions(&self, ctx: &Context<'_>) -> Result<Vec<ImplItemAction>> {
        let Ok(actor) = actor(ctx) else { return Ok(Vec::new()) };
        let steps = services(ctx).catalogue.allowed_impl_steps(actor, &self.0).await?;
        Ok(steps.into_iter().map(Into::into).collect())
    }
    /// 版本号，每次修改加一；办件保留受理时的版本
    async fn version(&self) -> i32 {
        self.0.version as i32
    }
    /// 承诺时限（工作日），不超过法定时限；0 为即办
    async fn promised_days(&self) -> i32 {
        self.0.local.promised_days as i32
    }
    /// 办件类型
    async fn case_kind(&self) -> CaseKind {
        self.0.local.case_kind.into()
    }
    /// 通办范围
    async fn cross_area_scope(&self) -> CrossAreaScope {
        self.0.local.cross_area.into()
    }
    /// 申请材料（基本目录材料的子集）
    async fn materials(&self) -> Vec<MaterialSpec> {
        materials(&self.0.base, self.0.materials())
    }
    /// 办理地点
    async fn place(&self) -> Option<&str> {
        self.0.local.place.as_deref()
    }
    /// 办理时间
    async fn hours(&self) -> Option<&str> {
        self.0.local.hours.as_deref()
    }
    /// 咨询电话
    async fn phone(&self) -> Option<&str> {
        self.0.local.phone.as_deref()
    }
    /// 收费金额（元，十进制文本）；为空表示不收费。
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
    /// 暂停原因；未暂停时为空
    async fn suspend_reason(&self) -> Option<&str> {
        self.0.suspend_reason.as_deref()
    }
    /// 下放此事项的县级租户（下放）；非下放事项为空。
    async fn delegated_by(&self, ctx: &Context<'_>) -> Result<Option<Tenant>> {
        match self.0.delegated_by {
            Some(c) => Ok(Some(Tenant::load(ctx, c).await?)),
            None => Ok(None),
        }
    }
}

/// 实施清单事项分页结果。
#[derive(SimpleObject)]
pub struct ImplItemConnection {
    /// 本页事项
    nodes: Vec<ImplItem>,
    /// 分页信息
    page_info: PageInfo,
    /// 符合条件的事项总数
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

/// 申请材料输入。
#[derive(InputObject)]
pub struct MaterialInput {
    /// 材料名称
    name: String,
    /// 原件份数（默认 1）
    #[graphql(default_with = "Some(1)")]
    originals: Option<i32>,
    /// 复印件份数（默认 0）
    #[graphql(default_with = "Some(0)")]
    copies: Option<i32>,
    /// 是否必需（默认是）
    #[graphql(default_with = "Some(true)")]
    required: Option<bool>,
    /// 可否容缺受理（默认否）
    #[graphql(default_with = "Some(false)")]
    deferrable: Option<bool>,
}

/// 基本目录事项输入。
#[derive(InputObject)]
pub struct BaseItemInput {
    /// 基本编码（唯一，修改时不可变）
    base_code: String,
    /// 事项名称
    name: String,
    /// 事项类型
    kind: ItemKind,
    /// 设定依据
    legal_basis: String,
    /// 可实施的行使层级
    levels: Vec<AdminLevel>,
    /// 法定办结时限（工作日）
    statutory_days: i32,
    /// 标准申请材料清单
    materials: Vec<MaterialInput>,
    /// 主管部门，如 民政。
    competent_department: Option<String>,
    /// 默认办件类型，默认 PROMISED（承诺件）。
    default_case_kind: Option<CaseKind>,
    /// 默认通办范围，默认 NONE（不通办）。
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

/// 新建实施清单事项的输入。
#[derive(InputObject)]
pub struct ImplItemInput {
    /// 实施租户区划代码（12 位）
    tenant: RegionCodeScalar,
    /// 基本目录事项ID
    base_item_id: ID,
    /// 实施部门ID
    department_id: ID,
    /// 承诺时限（工作日），不超过法定时限
    promised_days: i32,
    /// 办件类型
    case_kind: CaseKind,
    /// 联办件（JOINT）：与牵头部门并联审查的协办部门ID。
    co_department_ids: Option<Vec<ID>>,
    /// 通办范围（默认 NONE）
    #[graphql(default_with = "Some(CrossAreaScope::None)")]
    cross_area_scope: Option<CrossAreaScope>,
    /// 选用的基本目录材料名称（子集）；为空表示全部。
    material_names: Option<Vec<String>>,
    /// 可容缺受理的材料名称
    deferrable_names: Option<Vec<String>>,
    /// 办理地点
    place: Option<String>,
    /// 办理时间
    hours: Option<String>,
    /// 咨询电话
    phone: Option<String>,
    /// 收费金额（元，十进制文本）；为空表示不收费
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

/// 实施清单事项的修改；未填的字段保持原值。
#[derive(InputObject)]
pub struct ImplItemUpdate {
    /// 实施部门ID
    department_id: Option<ID>,
    /// 承诺时限（工作日）
    promised_days: Option<i32>,
    /// 办件类型
    case_kind: Option<CaseKind>,
    /// 联办件的协办部门ID
    co_department_ids: Option<Vec<ID>>,
    /// 通办范围
    cross_area_scope: Option<CrossAreaScope>,
    /// 选用的基本目录材料名称（子集）
    material_names: Option<Vec<String>>,
    /// 可容缺受理的材料名称
    deferrable_names: Option<Vec<String>>,
    /// 办理地点
    place: Option<String>,
    /// 办理时间
    hours: Option<String>,
    /// 咨询电话
    phone: Option<String>,
    /// 收费金额（元，十进制文本）
    fee_yuan: Option<String>,
    /// 办事指南的其他要素，整体替换；省略时保持不变（删减申请材料时，情形中的这些材料随之去掉）。
    guide: Option<GuideInput>,
}

/// 下放（下放）给乡镇的共同设置。
#[derive(InputObject)]
pub struct DelegateItemInput {
    /// 下放的县级租户区划代码（12 位）。
    from_tenant: RegionCodeScalar,
    /// 基本目录事项ID
    base_item_id: ID,
    /// 接受下放的乡镇区划代码；为空表示该县所有乡镇。
    towns: Option<Vec<RegionCodeScalar>>,
    /// 各乡镇中同名的部门；为空表示乡镇的第一个部门。
    department_name: Option<String>,
    /// 承诺时限（工作日）
    promised_days: i32,
    /// 办件类型（默认取基本目录事项的默认值）
    case_kind: Option<CaseKind>,
    /// 通办范围（默认取基本目录事项的默认值）
    cross_area_scope: Option<CrossAreaScope>,
    /// 选用的基本目录材料名称（子集）；为空表示全部
    material_names: Option<Vec<String>>,
    /// 可容缺受理的材料名称
    deferrable_names: Option<Vec<String>>,
    /// 办理地点
    place: Option<String>,
    /// 办理时间
    hours: Option<String>,
    /// 咨询电话
    phone: Option<String>,
    /// 收费金额（元，十进制文本）
    fee_yuan: Option<String>,
    /// 各乡镇事项的办事指南其他要素；null 表示默认值。
    guide: Option<GuideInput>,
    /// 是否立即发布乡镇的事项（默认否）。
    #[graphql(default = false)]
    publish: bool,
}

/// 下放时跳过的乡镇。
#[derive(SimpleObject)]
pub struct DelegationSkip {
    /// 被跳过的乡镇
    tenant: Tenant,
    /// 跳过原因
    reason: String,
}

/// 下放结果。
#[derive(SimpleObject)]
pub struct DelegationResult {
    /// 新建的乡镇实施清单事项
    items: Vec<ImplItem>,
    /// 被跳过的乡镇及原因
    skipped: Vec<DelegationSkip>,
}

// ---------------------------------------------------------------- roots

#[derive(Default)]
pub struct CatalogueQuery;

#[Object]
impl CatalogueQuery {
    /// 当前用户所在租户使用的基本目录（最近的根租户的目录）。
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn base_items(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "按名称或编码搜索的关键词")] keyword: Option<String>,
        #[graphql(desc = "事项类型")] kind: Option<ItemKind>,
        #[graphql(default_with = "Some(50)", desc = "每页条数（默认 50）")] first: Option<i32>,
        #[graphql(desc = "分页游标：上一页的 endCursor")] after: Option<String>,
    ) -> Result<BaseItemConnection> {
        let page = PageRequest::parse(first.unwrap_or(50), after)?;
        let p = services(ctx).catalogue.base_items(actor(ctx)?, keyword.as_deref(), kind.map(Into::into), page).await?;
        Ok(BaseItemConnection {
            page_info: page_info(&p),
            total_count: count(p.total),
            nodes: p.items.into_iter().map(BaseItem).collect(),
        })
    }

    /// 按ID查询基本目录事项。
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn base_item(&self, ctx: &Context<'_>, #[graphql(desc = "基本目录事项ID")] id: ID) -> Result<BaseItem> {
        let id = parse_id(&id, "基本目录事项")?;
        Ok(BaseItem(services(ctx).catalogue.base_item(actor(ctx)?, id).await?))
    }

    /// 租户的实施清单事项（管辖范围内）。
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn impl_items(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "租户区划代码（12 位）")] tenant: RegionCodeScalar,
        #[graphql(desc = "按名称或编码搜索的关键词")] keyword: Option<String>,
        #[graphql(desc = "事项状态")] status: Option<ImplItemStatus>,
        #[graphql(desc = "事项类型")] kind: Option<ItemKind>,
        #[graphql(desc = "实施部门ID")] department_id: Option<ID>,
        #[graphql(default_with = "Some(50)", desc = "每页条数（默认 50）")] first: Option<i32>,
        #[graphql(desc = "分页游标：上一页的 endCursor")] after: Option<String>,
    ) -> Result<ImplItemConnection> {
        let page = PageRequest::parse(first.unwrap_or(50), after)?;
        let department = department_id.map(|d| parse_id(&d, "部门")).transpose()?;
        let q = ImplQuery {
            tenant: None,
            keyword,
            kind: kind.map(Into::into),
            status: status.map(Into::into),
            department,
            covering: None,
            page,
        };
        let p = services(ctx).catalogue.impl_items(actor(ctx)?, &tenant.parse()?, q).await?;
        Ok(impl_connection(p))
    }

    /// 按ID查询实施清单事项（管辖范围内）。
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn impl_item(&self, ctx: &Context<'_>, #[graphql(desc = "实施清单事项ID")] id: ID) -> Result<ImplItem> {
        let id = parse_id(&id, "实施清单事项")?;
        Ok(ImplItem(services(ctx).catalogue.impl_item(actor(ctx)?, id).await?))
    }

    /// 公开，无需登录：已发布事项的办事指南。
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn service_guide(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "实施编码")] impl_code: String,
    ) -> Result<ImplItem> {
        Ok(ImplItem(services(ctx).catalogue.service_guide(&impl_code).await?))
    }

    /// 租户的部门。
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn departments(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "租户区划代码（12 位）")] tenant: RegionCodeScalar,
    ) -> Result<Vec<Department>> {
        let ds = services(ctx).catalogue.departments(actor(ctx)?, &tenant.parse()?).await?;
        Ok(ds.into_iter().map(Department).collect())
    }
}

#[derive(Default)]
pub struct CatalogueMutation;

#[Object]
impl CatalogueMutation {
    /// 新建部门（中心管理员）。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn create_department(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "租户区划代码（12 位）")] tenant: RegionCodeScalar,
        #[graphql(desc = "部门名称")] name: String,
        #[graphql(desc = "统一社会信用代码（18 位）")] credit_code: String,
        #[graphql(default_with = "Some(true)", desc = "是否进驻大厅（默认是）")] stationed: Option<bool>,
    ) -> Result<Department> {
        let stationed = stationed.unwrap_or(true);
        let d = services(ctx)
            .catalogue
            .create_department(actor(ctx)?, &tenant.parse()?, &name, &credit_code, stationed)
            .await?;
        Ok(Department(d))
    }

    /// 在根租户的基本目录中新建事项（目录管理员）。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn create_base_item(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "基本目录事项")] input: BaseItemInput,
    ) -> Result<BaseItem> {
        Ok(BaseItem(services(ctx).catalogue.create_base_item(actor(ctx)?, input.into_draft()?).await?))
    }

    /// 修改基本目录事项：生成新版本，各实施清单随之更新；基本编码不变（目录管理员）。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn update_base_item(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "基本目录事项ID")] id: ID,
        #[graphql(desc = "基本目录事项")] input: BaseItemInput,
    ) -> Result<BaseItem> {
        let id = parse_id(&id, "基本目录事项")?;
        Ok(BaseItem(services(ctx).catalogue.update_base_item(actor(ctx)?, id, input.into_draft()?).await?))
    }

    /// 租户实施一个基本目录事项，生成草稿状态的实施清单事项（中心管理员）；事项的行使层级须包含该租户的层级。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn implement_item(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "实施清单事项")] input: ImplItemInput,
    ) -> Result<ImplItem> {
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

    /// 修改实施清单事项的本地字段（生成新版本，中心管理员）。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn update_impl_item(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "实施清单事项ID")] id: ID,
        #[graphql(desc = "要修改的字段")] input: ImplItemUpdate,
    ) -> Result<ImplItem> {
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

    /// 发布实施清单事项：可办理，办事指南公开（中心管理员）。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn publish_impl_item(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "实施清单事项ID")] id: ID,
    ) -> Result<ImplItem> {
        let id = parse_id(&id, "实施清单事项")?;
        Ok(ImplItem(services(ctx).catalogue.publish_impl_item(actor(ctx)?, id).await?))
    }

    /// 暂停实施清单事项（中心管理员）。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn suspend_impl_item(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "实施清单事项ID")] id: ID,
        #[graphql(desc = "暂停原因")] reason: String,
    ) -> Result<ImplItem> {
        let id = parse_id(&id, "实施清单事项")?;
        Ok(ImplItem(services(ctx).catalogue.suspend_impl_item(actor(ctx)?, id, &reason).await?))
    }

    /// 作废实施清单事项（中心管理员）。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn cancel_impl_item(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "实施清单事项ID")] id: ID,
    ) -> Result<ImplItem> {
        let id = parse_id(&id, "实施清单事项")?;
        Ok(ImplItem(services(ctx).catalogue.cancel_impl_item(actor(ctx)?, id).await?))
    }

    /// 下放：县级租户一次为其乡镇实施一个基本目录事项，使用共同设置。没有（同名）部门或已实施该事项的乡镇被跳过并列出，其余在一个事务中创建。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn delegate_item(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "下放设置")] input: DelegateItemInput,
    ) -> Result<DelegationResult> {
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

    /// 收回下放：乡镇由此下放的该基本目录事项被作废。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn revoke_delegation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "下放的县级租户区划代码（12 位）")] from_tenant: RegionCodeScalar,
        #[graphql(desc = "基本目录事项ID")] base_item_id: ID,
    ) -> Result<Vec<ImplItem>> {
        let base = parse_id(&base_item_id, "基本目录事项")?;
        let items = services(ctx).catalogue.revoke_delegation(actor(ctx)?, &from_tenant.parse()?, base).await?;
        Ok(items.into_iter().map(ImplItem).collect())
    }
}
