//! The standardized catalogue (三级四同): departments with their credit codes, base items owned
//! by a root tenant, implementation items of each tenant and their lifecycle.
//!
//! Implementation items never copy the base item's name, kind, legal basis or base code: every
//! read joins the base item, so the four are identical at every level by construction.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::region::{AdminLevel, RegionCode};
use crate::tenant::ImportProblem;
use crate::text::{self, TextKind};

// ---------------------------------------------------------------- credit codes (GB 32100)

const CREDIT_CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const CREDIT_WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// An 18-character unified social credit code (统一社会信用代码) with a valid check character.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CreditCode(String);

fn credit_value(c: u8) -> Option<u32> {
    CREDIT_CHARSET.iter().position(|x| *x == c).map(|p| p as u32)
}

/// The check character of 17 characters from the charset.
fn credit_check(body: &[u8]) -> Option<u8> {
    let mut sum = 0u32;
    for (c, w) in body.iter().zip(CREDIT_WEIGHTS) {
        sum += credit_value(*c)? * w;
    }
    let check = (31 - sum % 31) % 31;
    Some(CREDIT_CHARSET[check as usize])
}

impl CreditCode {
    pub fn parse(s: &str) -> Result<Self> {
        text::check("统一社会信用代码", s.trim(), TextKind::Line, 40)?;
        let s = s.trim().to_ascii_uppercase();
        let b = s.as_bytes();
        if b.len() != 18 {
            return Err(Error::invalid(format!("统一社会信用代码“{s}”无效：应为18位")));
        }
        if let Some(bad) = s.chars().find(|c| !c.is_ascii() || credit_value(*c as u8).is_none()) {
            return Err(Error::invalid(format!(
                "统一社会信用代码“{s}”无效：含有不允许的字符“{bad}”（不使用 I、O、S、V、Z）"
            )));
        }
        let expected = credit_check(&b[..17]).ok_or_else(|| Error::invalid("统一社会信用代码无效"))?;
        if b[17] != expected {
            return Err(Error::invalid(format!("统一社会信用代码“{s}”校验位错误：应为“{}”", expected as char)));
        }
        Ok(CreditCode(s))
    }

    /// Completes 17 characters with their check character (for generated demo data and tests).
    pub fn complete(body: &str) -> Result<Self> {
        let body = body.trim().to_ascii_uppercase();
        if body.len() != 17 {
            return Err(Error::invalid("统一社会信用代码主体应为17位"));
        }
        let check = credit_check(body.as_bytes()).ok_or_else(|| Error::invalid("统一社会信用代码含有不允许的字符"))?;
        CreditCode::parse(&format!("{body}{}", check as char))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for CreditCode {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        CreditCode::parse(&s)
    }
}

impl From<CreditCode> for String {
    fn from(c: CreditCode) -> String {
        c.0
    }
}

/// 进驻部门 of a tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Department {
    pub id: Uuid,
    pub tenant: RegionCode,
    pub name: String,
    pub credit_code: CreditCode,
    pub stationed: bool,
}

/// The longest department name.
pub const MAX_DEPARTMENT_NAME_CHARS: usize = 50;

/// A department's name: 2 to 50 characters.
pub fn department_name(s: &str) -> Result<String> {
    let s = text::line("部门名称", s, MAX_DEPARTMENT_NAME_CHARS)?;
    if s.chars().count() < 2 {
        return Err(Error::invalid("部门名称应为2至50个字符"));
    }
    Ok(s)
}

// ---------------------------------------------------------------- enums

/// 事项类型, with the GB/T 39046 codes kept beside the variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ItemKind {
    Licensing,
    Payment,
    Confirmation,
    Reward,
    Adjudication,
    OtherPower,
    PublicService,
}

impl ItemKind {
    pub const ALL: [ItemKind; 7] = [
        ItemKind::Licensing,
        ItemKind::Payment,
        ItemKind::Confirmation,
        ItemKind::Reward,
        ItemKind::Adjudication,
        ItemKind::OtherPower,
        ItemKind::PublicService,
    ];

    /// The GB/T 39046 code.
    pub fn code(self) -> &'static str {
        match self {
            ItemKind::Licensing => "01",
            ItemKind::Payment => "05",
            ItemKind::Confirmation => "07",
            ItemKind::Reward => "08",
            ItemKind::Adjudication => "09",
            ItemKind::OtherPower => "10",
            ItemKind::PublicService => "20",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Licensing => "LICENSING",
            ItemKind::Payment => "PAYMENT",
            ItemKind::Confirmation => "CONFIRMATION",
            ItemKind::Reward => "REWARD",
            ItemKind::Adjudication => "ADJUDICATION",
            ItemKind::OtherPower => "OTHER_POWER",
            ItemKind::PublicService => "PUBLIC_SERVICE",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ItemKind::Licensing => "行政许可",
            ItemKind::Payment => "行政给付",
            ItemKind::Confirmation => "行政确认",
            ItemKind::Reward => "行政奖励",
            ItemKind::Adjudication => "行政裁决",
            ItemKind::OtherPower => "其他行政权力",
            ItemKind::PublicService => "公共服务",
        }
    }
}

impl FromStr for ItemKind {
    type Err = Error;
    /// From the code ("01"), the name ("LICENSING") or the Chinese label (行政许可).
    fn from_str(s: &str) -> Result<Self> {
        let t = s.trim();
        ItemKind::ALL
            .into_iter()
            .find(|k| k.code() == t || k.as_str().eq_ignore_ascii_case(t) || k.label() == t)
            .ok_or_else(|| Error::invalid(format!("事项类型“{t}”无效，应为 01、05、07、08、09、10 或 20")))
    }
}

/// 办件类型.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CaseKind {
    Instant,
    Promised,
    Escalated,
    Joint,
}

impl CaseKind {
    pub const ALL: [CaseKind; 4] = [CaseKind::Instant, CaseKind::Promised, CaseKind::Escalated, CaseKind::Joint];
    pub fn as_str(self) -> &'static str {
        match self {
            CaseKind::Instant => "instant",
            CaseKind::Promised => "promised",
            CaseKind::Escalated => "escalated",
            CaseKind::Joint => "joint",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            CaseKind::Instant => "即办件",
            CaseKind::Promised => "承诺件",
            CaseKind::Escalated => "上报件",
            CaseKind::Joint => "联办件",
        }
    }
}

impl FromStr for CaseKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let t = s.trim();
        CaseKind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(t) || k.label() == t)
            .ok_or_else(|| Error::invalid(format!("办件类型“{t}”无效，应为 instant、promised、escalated 或 joint")))
    }
}

/// 通办范围.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CrossAreaScope {
    None,
    County,
    City,
    Province,
    Nationwide,
}

impl CrossAreaScope {
    pub const ALL: [CrossAreaScope; 5] = [
        CrossAreaScope::None,
        CrossAreaScope::County,
        CrossAreaScope::City,
        CrossAreaScope::Province,
        CrossAreaScope::Nationwide,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            CrossAreaScope::None => "none",
            CrossAreaScope::County => "county",
            CrossAreaScope::City => "city",
            CrossAreaScope::Province => "province",
            CrossAreaScope::Nationwide => "nationwide",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            CrossAreaScope::None => "不支持通办",
            CrossAreaScope::County => "县域通办",
            CrossAreaScope::City => "市域通办",
            CrossAreaScope::Province => "全省通办",
            CrossAreaScope::Nationwide => "跨省通办",
        }
    }
}

impl FromStr for CrossAreaScope {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let t = s.trim();
        CrossAreaScope::ALL.into_iter().find(|k| k.as_str().eq_ignore_ascii_case(t) || k.label() == t).ok_or_else(
            || Error::invalid(format!("通办范围“{t}”无效，应为 none、county、city、province 或 nationwide")),
        )
    }
}

/// 网办深度: how far the item can be handled online.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OnlineDepth {
    /// Not online at all.
    #[default]
    Offline,
    /// 一级: information and consultation online.
    Consult,
    /// 二级: forms downloaded and checked online (网上预审).
    Pretrial,
    /// 三级: applications received online (网上受理).
    Accept,
    /// 四级: handled entirely online (全程网办).
    Full,
}

impl OnlineDepth {
    pub const ALL: [OnlineDepth; 5] =
        [OnlineDepth::Offline, OnlineDepth::Consult, OnlineDepth::Pretrial, OnlineDepth::Accept, OnlineDepth::Full];
    pub fn as_str(self) -> &'static str {
        match self {
            OnlineDepth::Offline => "offline",
            OnlineDepth::Consult => "consult",
            OnlineDepth::Pretrial => "pretrial",
            OnlineDepth::Accept => "accept",
            OnlineDepth::Full => "full",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            OnlineDepth::Offline => "不支持网上办理",
            OnlineDepth::Consult => "一级：网上咨询",
            OnlineDepth::Pretrial => "二级：网上预审",
            OnlineDepth::Accept => "三级：网上受理",
            OnlineDepth::Full => "四级：全程网办",
        }
    }
}

impl FromStr for OnlineDepth {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let t = s.trim();
        OnlineDepth::ALL.into_iter().find(|k| k.as_str().eq_ignore_ascii_case(t) || k.label() == t).ok_or_else(|| {
            Error::invalid(format!("网办深度“{t}”无效，应为 offline、consult、pretrial、accept 或 full"))
        })
    }
}

/// The GB/T 39046 level digit of an implementation code (A.2).
pub fn level_digit(level: AdminLevel) -> char {
    match level {
        AdminLevel::Province => '2',
        AdminLevel::City => '3',
        AdminLevel::County => '4',
        AdminLevel::Town => '5',
        AdminLevel::Village => '6',
    }
}

/// 实施编码 = credit code + level digit + base code.
pub fn impl_code(credit: &CreditCode, level: AdminLevel, base_code: &str) -> String {
    format!("{}{}{}", credit.as_str(), level_digit(level), base_code)
}

// ---------------------------------------------------------------- lifecycle

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ImplStatus {
    Draft,
    Published,
    Suspended,
    Cancelled,
}

/// A step of the implementation item's lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImplStep {
    Publish,
    Suspend,
    Cancel,
    /// A change of the item's local fields.
    Edit,
}

impl ImplStep {
    pub const ALL: [ImplStep; 4] = [ImplStep::Publish, ImplStep::Suspend, ImplStep::Cancel, ImplStep::Edit];
}

/// The steps `actor` may take on `item` of `tenant` now: the tenant's setup managers, as far as
/// the status allows. The console's buttons and `ImplItem.allowedActions` both come from here.
pub fn allowed_impl_steps(
    actor: &crate::identity::Actor,
    tenant: &crate::tenant::Tenant,
    item: &ImplItem,
) -> Vec<ImplStep> {
    use crate::policy::{Action, authorize};
    if item.tenant != tenant.code || authorize(actor, Action::ManageTenantSetup, tenant).is_err() {
        return Vec::new();
    }
    ImplStep::ALL.into_iter().filter(|s| item.status.apply(*s).is_ok()).collect()
}

impl ImplStatus {
    pub const ALL: [ImplStatus; 4] =
        [ImplStatus::Draft, ImplStatus::Published, ImplStatus::Suspended, ImplStatus::Cancelled];

    pub fn as_str(self) -> &'static str {
        match self {
            ImplStatus::Draft => "DRAFT",
            ImplStatus::Published => "PUBLISHED",
            ImplStatus::Suspended => "SUSPENDED",
            ImplStatus::Cancelled => "CANCELLED",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ImplStatus::Draft => "草稿",
            ImplStatus::Published => "已发布",
            ImplStatus::Suspended => "已暂停",
            ImplStatus::Cancelled => "已取消",
        }
    }

    /// The state after `step`, or ILLEGAL_TRANSITION with the reason in Chinese.
    pub fn apply(self, step: ImplStep) -> Result<ImplStatus> {
        use ImplStatus::*;
        use ImplStep::*;
        let illegal = |m: &str| Err(Error::IllegalTransition(m.to_owned()));
        match (self, step) {
            (Cancelled, _) => illegal("事项已取消，不能再发布、暂停或修改"),
            (Draft | Suspended, Publish) => Ok(Published),
            (Published, Publish) => illegal("事项已经发布，无需重复发布"),
            (Published, Suspend) => Ok(Suspended),
            (Draft, Suspend) => illegal("草稿事项尚未发布，不能暂停"),
            (Suspended, Suspend) => illegal("事项已经暂停"),
            (Draft | Published | Suspended, Cancel) => Ok(Cancelled),
            (s, Edit) => Ok(s),
        }
    }
}

impl FromStr for ImplStatus {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        ImplStatus::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| Error::invalid(format!("事项状态“{s}”无效")))
    }
}

// ---------------------------------------------------------------- base items

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Material {
    pub name: String,
    pub originals: u32,
    pub copies: u32,
    pub required: bool,
    pub deferrable: bool,
}

/// 基本目录 item, owned by a root tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaseItem {
    pub id: Uuid,
    pub owner: RegionCode,
    pub base_code: String,
    pub name: String,
    pub kind: ItemKind,
    pub legal_basis: String,
    pub levels: Vec<AdminLevel>,
    pub statutory_days: u32,
    pub materials: Vec<Material>,
    /// 主管部门 as the catalogue names it (e.g. 民政); a hint for implementing tenants.
    pub department: String,
    pub default_case_kind: CaseKind,
    pub default_cross_area: CrossAreaScope,
    pub version: u32,
}

/// The editable content of a base item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseItemDraft {
    pub base_code: String,
    pub name: String,
    pub kind: ItemKind,
    pub legal_basis: String,
    pub levels: Vec<AdminLevel>,
    pub statutory_days: u32,
    pub materials: Vec<Material>,
    pub department: String,
    pub default_case_kind: CaseKind,
    pub default_cross_area: CrossAreaScope,
}

impl BaseItem {
    pub fn draft(&self) -> BaseItemDraft {
        BaseItemDraft {
            base_code: self.base_code.clone(),
            name: self.name.clone(),
            kind: self.kind,
            legal_basis: self.legal_basis.clone(),
            levels: self.levels.clone(),
            statutory_days: self.statutory_days,
            materials: self.materials.clone(),
            department: self.department.clone(),
            default_case_kind: self.default_case_kind,
            default_cross_area: self.default_cross_area,
        }
    }

    /// The levels in Chinese, e.g. 市级、县级.
    pub fn levels_label(&self) -> String {
        levels_label(&self.levels)
    }
}

pub fn levels_label(levels: &[AdminLevel]) -> String {
    levels.iter().map(|l| l.label()).collect::<Vec<_>>().join("、")
}

pub const MAX_STATUTORY_DAYS: u32 = 365;

/// The longest item name.
pub const MAX_ITEM_NAME_CHARS: usize = 100;

/// The longest material name.
pub const MAX_MATERIAL_NAME_CHARS: usize = 100;

/// The most materials an item lists.
pub const MAX_MATERIALS: usize = 100;

/// A material's name: one line of 1 to 100 characters.
pub fn material_name(s: &str) -> Result<String> {
    text::line("材料名称", s, MAX_MATERIAL_NAME_CHARS)
}

/// Base codes: 1 to 32 ASCII letters, digits and hyphens, e.g. XK-00101-000.
pub fn base_code(s: &str) -> Result<String> {
    let s = s.trim();
    text::check("基本编码", s, TextKind::Line, 32)?;
    if s.is_empty() || s.len() > 32 || !s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(Error::invalid(format!("基本编码“{s}”无效：应为1至32位字母、数字或连字符")));
    }
    Ok(s.to_ascii_uppercase())
}

impl BaseItemDraft {
    /// Checks and normalises the draft.
    pub fn validate(mut self) -> Result<BaseItemDraft> {
        self.base_code = base_code(&self.base_code)?;
        self.name = text::line("事项名称", &self.name, MAX_ITEM_NAME_CHARS)?;
        if self.name.chars().count() < 2 {
            return Err(Error::invalid("事项名称应为2至100个字符"));
        }
        self.legal_basis = self.legal_basis.trim().to_owned();
        text::check("设定依据", &self.legal_basis, TextKind::Multiline, text::MAX_MULTILINE_CHARS)?;
        self.department = self.department.trim().to_owned();
        text::check("主管部门", &self.department, TextKind::Line, MAX_DEPARTMENT_NAME_CHARS)?;
        if self.levels.is_empty() {
            return Err(Error::invalid("行使层级不能为空"));
        }
        let mut levels = self.levels.clone();
        levels.sort();
        levels.dedup();
        self.levels = levels;
        if self.statutory_days > MAX_STATUTORY_DAYS {
            return Err(Error::invalid(format!("法定时限不能超过{MAX_STATUTORY_DAYS}个工作日")));
        }
        self.materials = validate_materials(std::mem::take(&mut self.materials)).map_err(|p| p.error)?;
        Ok(self)
    }
}

/// The most originals or copies of one material.
pub const MAX_MATERIAL_COPIES: u32 = 99;

/// A material list's first problem: the row (0-based) it is on, when one row has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaterialProblem {
    pub row: Option<usize>,
    pub error: Error,
}

/// Checks and normalises a base item's materials; the first problem names its row, so a form
/// can show it next to that row.
pub fn validate_materials(mut ms: Vec<Material>) -> std::result::Result<Vec<Material>, MaterialProblem> {
    if ms.len() > MAX_MATERIALS {
        let error = Error::invalid(format!("申请材料不能超过{MAX_MATERIALS}项"));
        return Err(MaterialProblem { row: None, error });
    }
    let mut seen = HashSet::new();
    for (row, m) in ms.iter_mut().enumerate() {
        let at = |error| MaterialProblem { row: Some(row), error };
        m.name = material_name(&m.name).map_err(at)?;
        if !seen.insert(m.name.clone()) {
            return Err(at(Error::invalid(format!("材料“{}”重复", m.name))));
        }
        if m.originals > MAX_MATERIAL_COPIES || m.copies > MAX_MATERIAL_COPIES {
            return Err(at(Error::invalid(format!("材料“{}”的份数不能超过{MAX_MATERIAL_COPIES}", m.name))));
        }
    }
    Ok(ms)
}

// ---------------------------------------------------------------- implementation items

/// The local fields of an implementation item (what a tenant decides).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImplLocal {
    pub department_id: Uuid,
    /// Co-departments of a joint item (联办件), each reviewing beside the lead department.
    #[serde(default)]
    pub co_department_ids: Vec<Uuid>,
    pub promised_days: u32,
    pub case_kind: CaseKind,
    pub cross_area: CrossAreaScope,
    /// Names of the base materials this tenant requires, in base order.
    pub material_names: Vec<String>,
    /// Those of them that may be accepted missing (容缺).
    pub deferrable_names: Vec<String>,
    pub place: Option<String>,
    pub hours: Option<String>,
    pub phone: Option<String>,
    /// Decimal yuan, e.g. "10.50"; None = free.
    pub fee_yuan: Option<String>,
    /// The guide's elements beyond the above (办事指南, domain.md §2).
    #[serde(default)]
    pub guide: GuideInfo,
}

/// 情形: a situation of the applicant that selects some of the item's materials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scenario {
    pub name: String,
    /// Names of the item's materials this situation needs, in the item's order.
    pub material_names: Vec<String>,
}

/// The elements of the service guide an implementing tenant writes (受理条件, 办理流程, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuideInfo {
    /// 受理条件.
    #[serde(default)]
    pub conditions: Option<String>,
    /// 办理流程.
    #[serde(default)]
    pub process: Option<String>,
    /// 网办深度.
    #[serde(default)]
    pub online_depth: OnlineDepth,
    /// 到现场次数 (0 = 零跑动).
    #[serde(default = "one")]
    pub visits: u32,
    /// 支持预约办理.
    #[serde(default)]
    pub appointment: bool,
    /// 支持网上支付.
    #[serde(default)]
    pub online_payment: bool,
    /// 支持物流快递送达.
    #[serde(default)]
    pub delivery: bool,
    #[serde(default)]
    pub scenarios: Vec<Scenario>,
}

fn one() -> u32 {
    1
}

impl Default for GuideInfo {
    fn default() -> Self {
        GuideInfo {
            conditions: None,
            process: None,
            online_depth: OnlineDepth::Offline,
            visits: 1,
            appointment: false,
            online_payment: false,
            delivery: false,
            scenarios: Vec::new(),
        }
    }
}

/// The most visits an item may ask for.
pub const MAX_VISITS: u32 = 9;

/// The most scenarios an item lists.
pub const MAX_SCENARIOS: usize = 30;

/// The longest scenario name.
pub const MAX_SCENARIO_NAME_CHARS: usize = 100;

impl GuideInfo {
    /// Checks the guide against the item's materials: bounded text, scenarios naming only them.
    pub fn check(self, materials: &[String]) -> Result<GuideInfo> {
        if self.visits > MAX_VISITS {
            return Err(Error::invalid(format!("到现场次数不能超过{MAX_VISITS}次")));
        }
        if self.scenarios.len() > MAX_SCENARIOS {
            return Err(Error::invalid(format!("办理情形不能超过{MAX_SCENARIOS}个")));
        }
        let mut names = HashSet::new();
        let mut scenarios = Vec::with_capacity(self.scenarios.len());
        for sc in self.scenarios {
            let name = text::line("情形名称", &sc.name, MAX_SCENARIO_NAME_CHARS)?;
            if !names.insert(name.clone()) {
                return Err(Error::invalid(format!("情形“{name}”重复")));
            }
            let given = given_material_names(sc.material_names)?;
            if let Some(extra) = given.iter().find(|n| !materials.contains(n)) {
                return Err(Error::invalid(format!("情形“{name}”的材料“{extra}”不在本事项的申请材料中")));
            }
            let material_names = materials.iter().filter(|m| given.contains(m)).cloned().collect();
            scenarios.push(Scenario { name, material_names });
        }
        Ok(GuideInfo {
            conditions: text::optional_multiline("受理条件", self.conditions.as_deref(), text::MAX_MULTILINE_CHARS)?,
            process: text::optional_multiline("办理流程", self.process.as_deref(), text::MAX_MULTILINE_CHARS)?,
            scenarios,
            ..self
        })
    }
}

/// What an implementing tenant asks for, before the checks against the base item.
#[derive(Debug, Clone, Default)]
pub struct ImplInput {
    pub promised_days: i64,
    pub case_kind: Option<CaseKind>,
    /// Co-departments of a joint item; None = none.
    pub co_department_ids: Option<Vec<Uuid>>,
    pub cross_area: Option<CrossAreaScope>,
    /// None = every base material.
    pub material_names: Option<Vec<String>>,
    pub deferrable_names: Option<Vec<String>>,
    pub place: Option<String>,
    pub hours: Option<String>,
    pub phone: Option<String>,
    pub fee_yuan: Option<String>,
    /// None = the defaults (no conditions or process text, one visit, no flags).
    pub guide: Option<GuideInfo>,
}

/// A tenant may implement a base item only at one of its levels.
pub fn check_level(base: &BaseItem, tenant_name: &str, level: AdminLevel) -> Result<()> {
    if base.levels.contains(&level) {
        return Ok(());
    }
    Err(Error::invalid(format!(
        "事项“{}”的行使层级为{}，{}为{}，不能实施该事项",
        base.name,
        base.levels_label(),
        tenant_name,
        level.label()
    )))
}

/// Names of materials as given (to be matched against an item's list): each one line.
fn given_material_names(names: Vec<String>) -> Result<Vec<String>> {
    if names.len() > MAX_MATERIALS {
        return Err(Error::invalid(format!("申请材料不能超过{MAX_MATERIALS}项")));
    }
    names
        .into_iter()
        .map(|n| {
            let n = n.trim().to_owned();
            text::check("材料名称", &n, TextKind::Line, MAX_MATERIAL_NAME_CHARS)?;
            Ok(n)
        })
        .collect()
}

/// Fees in yuan: digits with at most two decimals, normalised to two; "0" and empty are free.
pub fn fee_yuan(v: Option<String>) -> Result<Option<String>> {
    let Some(s) = v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    text::check("收费金额", &s, TextKind::Line, 20)?;
    let bad = || Error::invalid(format!("收费金额“{s}”无效：应为以元为单位的数字，最多两位小数，例如 10.50"));
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    if int.is_empty()
        || int.len() > 9
        || frac.len() > 2
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || (s.contains('.') && frac.is_empty())
    {
        return Err(bad());
    }
    let int: u64 = int.parse().map_err(|_| bad())?;
    let cents: u64 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
    if int == 0 && cents == 0 {
        return Ok(None);
    }
    Ok(Some(format!("{int}.{cents:02}")))
}

/// Checks an implementation against its base item: promised ≤ statutory, materials a subset of
/// the base list, deferrable only where the base allows it.
pub fn check_impl(base: &BaseItem, department_id: Uuid, input: ImplInput) -> Result<ImplLocal> {
    if input.promised_days < 0 {
        return Err(Error::invalid("承诺时限不能为负数"));
    }
    let promised = u32::try_from(input.promised_days).map_err(|_| Error::invalid("承诺时限无效"))?;
    if promised > base.statutory_days {
        return Err(Error::invalid(format!(
            "承诺时限（{promised}个工作日）不能超过法定时限（{}个工作日）",
            base.statutory_days
        )));
    }
    let base_names: Vec<&str> = base.materials.iter().map(|m| m.name.as_str()).collect();
    let wanted: Vec<String> = match input.material_names {
        None => base_names.iter().map(|s| (*s).to_owned()).collect(),
        Some(names) => {
            let names = given_material_names(names)?;
            if let Some(extra) = names.iter().find(|n| !base_names.contains(&n.as_str())) {
                return Err(Error::invalid(format!("材料“{extra}”不在基本目录“{}”的材料清单中", base.name)));
            }
            // Keep the base order, drop repeats.
            base_names.iter().filter(|b| names.iter().any(|n| n == *b)).map(|s| (*s).to_owned()).collect()
        }
    };
    let deferrable: Vec<String> = match input.deferrable_names {
        None => {
            base.materials.iter().filter(|m| m.deferrable && wanted.contains(&m.name)).map(|m| m.name.clone()).collect()
        }
        Some(names) => {
            let names = given_material_names(names)?;
            for n in &names {
                if !wanted.contains(n) {
                    return Err(Error::invalid(format!("容缺材料“{n}”不在本事项的申请材料中")));
                }
                if base.materials.iter().any(|m| &m.name == n && !m.deferrable) {
                    return Err(Error::invalid(format!("材料“{n}”在基本目录中不允许容缺受理")));
                }
            }
            wanted.iter().filter(|w| names.contains(w)).cloned().collect()
        }
    };
    let case_kind = input.case_kind.unwrap_or(base.default_case_kind);
    let mut co: Vec<Uuid> = Vec::new();
    for d in input.co_department_ids.unwrap_or_default() {
        if d == department_id {
            return Err(Error::invalid("牵头部门不能同时作为协办部门"));
        }
        if !co.contains(&d) {
            co.push(d);
        }
    }
    match (case_kind, co.is_empty()) {
        (CaseKind::Joint, true) => return Err(Error::invalid("联办件须指定至少一个协办部门")),
        (CaseKind::Joint, false) | (_, true) => {}
        (_, false) => return Err(Error::invalid("只有联办件才能指定协办部门")),
    }
    Ok(ImplLocal {
        department_id,
        co_department_ids: co,
        promised_days: promised,
        case_kind,
        cross_area: input.cross_area.unwrap_or(base.default_cross_area),
        deferrable_names: deferrable,
        place: text::optional_line("办理地点", input.place.as_deref(), 200)?,
        hours: text::optional_line("办理时间", input.hours.as_deref(), 200)?,
        phone: text::optional_line("咨询电话", input.phone.as_deref(), 50)?,
        fee_yuan: fee_yuan(input.fee_yuan)?,
        guide: input.guide.unwrap_or_default().check(&wanted)?,
        material_names: wanted,
    })
}

/// An implementation item as read: its base item and department joined in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImplItem {
    pub id: Uuid,
    pub impl_code: String,
    pub tenant: RegionCode,
    pub base: BaseItem,
    pub department: Department,
    pub status: ImplStatus,
    pub version: u32,
    pub local: ImplLocal,
    pub suspend_reason: Option<String>,
    /// The county that delegated (下放) the item, if any.
    pub delegated_by: Option<RegionCode>,
    pub updated_at: DateTime<Utc>,
}

impl ImplItem {
    /// The implementation statuses that follow an edit of their base item with a new version
    /// (三级四同): every one but cancelled.
    pub fn follows_base_edits(status: ImplStatus) -> bool {
        status != ImplStatus::Cancelled
    }

    /// [`ImplItem::follows_base_edits`] as a list, for storage filters.
    pub fn statuses_following_base() -> Vec<ImplStatus> {
        ImplStatus::ALL.into_iter().filter(|s| Self::follows_base_edits(*s)).collect()
    }

    /// The new version of this item after its base item was edited at `at`.
    pub fn after_base_edit(self, at: DateTime<Utc>) -> ImplItem {
        ImplItem { version: self.version + 1, updated_at: at, ..self }
    }

    /// The materials this tenant requires, with the base counts and the local 容缺 marks.
    pub fn materials(&self) -> Vec<Material> {
        self.base
            .materials
            .iter()
            .filter(|m| self.local.material_names.contains(&m.name))
            .map(|m| Material { deferrable: self.local.deferrable_names.contains(&m.name), ..m.clone() })
            .collect()
    }

    /// The local fields as an input, for edits that change some of them.
    pub fn as_input(&self) -> ImplInput {
        ImplInput {
            promised_days: i64::from(self.local.promised_days),
            case_kind: Some(self.local.case_kind),
            co_department_ids: Some(self.local.co_department_ids.clone()),
            cross_area: Some(self.local.cross_area),
            material_names: Some(self.local.material_names.clone()),
            deferrable_names: Some(self.local.deferrable_names.clone()),
            place: self.local.place.clone(),
            hours: self.local.hours.clone(),
            phone: self.local.phone.clone(),
            fee_yuan: self.local.fee_yuan.clone(),
            guide: Some(self.local.guide.clone()),
        }
    }
}

// ---------------------------------------------------------------- catalogue files

/// One row of a catalogue file:
/// base_code,name,kind,department,levels,statutory_days,case_kind,cross_area,legal_basis,materials
#[derive(Debug, Clone, Default)]
pub struct CatalogueRow {
    /// 1-based row number in the file (the header is row 1).
    pub line: usize,
    pub cells: Vec<String>,
}

pub const CATALOGUE_COLUMNS: [&str; 10] = [
    "base_code",
    "name",
    "kind",
    "department",
    "levels",
    "statutory_days",
    "case_kind",
    "cross_area",
    "legal_basis",
    "materials",
];

fn row_to_draft(row: &CatalogueRow) -> Result<BaseItemDraft> {
    if row.cells.len() != CATALOGUE_COLUMNS.len() {
        return Err(Error::invalid(format!("应有{}列，实际为{}列", CATALOGUE_COLUMNS.len(), row.cells.len())));
    }
    let cell = |i: usize| row.cells[i].trim();
    let levels = cell(4)
        .split(['|', ';', '、'])
        .filter(|s| !s.trim().is_empty())
        .map(str::parse::<AdminLevel>)
        .collect::<Result<Vec<_>>>()?;
    let statutory_days: u32 =
        cell(5).parse().map_err(|_| Error::invalid(format!("法定时限“{}”无效：应为非负整数（工作日）", cell(5))))?;
    let materials = cell(9)
        .split([';', '；'])
        .filter(|s| !s.trim().is_empty())
        .map(|n| Material { name: n.trim().to_owned(), originals: 1, copies: 0, required: true, deferrable: false })
        .collect();
    BaseItemDraft {
        base_code: cell(0).to_owned(),
        name: cell(1).to_owned(),
        kind: cell(2).parse()?,
        department: cell(3).to_owned(),
        levels,
        statutory_days,
        default_case_kind: cell(6).parse()?,
        default_cross_area: if cell(7).is_empty() { CrossAreaScope::None } else { cell(7).parse()? },
        legal_basis: cell(8).to_owned(),
        materials,
    }
    .validate()
}

/// Validates a whole catalogue file: every bad row with its number and reason, or the drafts.
pub fn validate_catalogue_rows(rows: &[CatalogueRow]) -> std::result::Result<Vec<BaseItemDraft>, Vec<ImportProblem>> {
    let mut problems = Vec::new();
    let mut out = Vec::with_capacity(rows.len());
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for row in rows {
        match row_to_draft(row) {
            Ok(d) => {
                if let Some(first) = seen.insert(d.base_code.clone(), row.line) {
                    problems.push(ImportProblem {
                        line: row.line,
                        message: format!("基本编码 {} 与第{first}行重复", d.base_code),
                    });
                } else {
                    out.push(d);
                }
            }
            Err(e) => problems.push(ImportProblem { line: row.line, message: e.to_string() }),
        }
    }
    if out.is_empty() && problems.is_empty() {
        problems.push(ImportProblem { line: 1, message: "文件中没有事项数据".into() });
    }
    if problems.is_empty() { Ok(out) } else { Err(problems) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_implementation_but_a_cancelled_one_follows_base_edits() {
        assert_eq!(
            ImplItem::statuses_following_base(),
            [ImplStatus::Draft, ImplStatus::Published, ImplStatus::Suspended]
        );
    }

    fn code(body: &str) -> CreditCode {
        CreditCode::complete(body).expect("valid body")
    }

    #[test]
    fn credit_codes_check_their_last_character() {
        let c = code("11610426MB0000001");
        assert_eq!(c.as_str().len(), 18);
        assert_eq!(CreditCode::parse(c.as_str()).expect("round trip"), c);
        assert_eq!(CreditCode::parse(&c.as_str().to_ascii_lowercase()).expect("case-insensitive"), c);
        // A well-known published code (国家税务总局 style example from GB 32100 text).
        let known = CreditCode::parse("91350100M000100Y43").expect("known valid code");
        assert_eq!(known.as_str(), "91350100M000100Y43");
        // Change the check character.
        let mut wrong = c.as_str()[..17].to_owned();
        let last = c.as_str().as_bytes()[17];
        wrong.push(if last == b'0' { '1' } else { '0' });
        let e = CreditCode::parse(&wrong).expect_err("bad check");
        assert_eq!(e.code(), "INVALID_INPUT");
        assert!(e.to_string().contains("校验位"), "{e}");
        for bad in ["", "123", "11610426MB00000010X", "11610426MB000000I1"] {
            let e = CreditCode::parse(bad).expect_err(bad);
            assert!(e.to_string().contains("统一社会信用代码"), "{e}");
        }
        assert!(CreditCode::parse("11610426MB000000O1").expect_err("O").to_string().contains("“O”"));
    }

    #[test]
    fn check_31_maps_to_zero() {
        // Find a body whose sum is a multiple of 31: check char must be '0'.
        let body = "00000000000000000";
        assert_eq!(code(body).as_str(), "000000000000000000");
    }

    #[test]
    fn item_kinds_keep_their_codes() {
        for k in ItemKind::ALL {
            assert_eq!(k.code().parse::<ItemKind>().expect("code"), k);
            assert_eq!(k.as_str().parse::<ItemKind>().expect("name"), k);
            assert_eq!(k.label().parse::<ItemKind>().expect("label"), k);
        }
        assert_eq!(ItemKind::Licensing.code(), "01");
        assert_eq!(ItemKind::PublicService.code(), "20");
        assert_eq!("02".parse::<ItemKind>().map_err(|e| e.code()), Err("INVALID_INPUT"));
    }

    #[test]
    fn impl_codes_follow_gbt_39046() {
        let c = code("11610426MB0000001");
        assert_eq!(level_digit(AdminLevel::City), '3');
        assert_eq!(level_digit(AdminLevel::County), '4');
        assert_eq!(level_digit(AdminLevel::Town), '5');
        assert_eq!(level_digit(AdminLevel::Village), '6');
        assert_eq!(level_digit(AdminLevel::Province), '2');
        assert_eq!(impl_code(&c, AdminLevel::County, "XK-00101-000"), format!("{c}4XK-00101-000"));
    }

    #[test]
    fn lifecycle_is_exhaustive() {
        use ImplStatus::*;
        use ImplStep::*;
        let table = [
            (Draft, Publish, Some(Published)),
            (Draft, Suspend, None),
            (Draft, Cancel, Some(Cancelled)),
            (Draft, Edit, Some(Draft)),
            (Published, Publish, None),
            (Published, Suspend, Some(Suspended)),
            (Published, Cancel, Some(Cancelled)),
            (Published, Edit, Some(Published)),
            (Suspended, Publish, Some(Published)),
            (Suspended, Suspend, None),
            (Suspended, Cancel, Some(Cancelled)),
            (Suspended, Edit, Some(Suspended)),
            (Cancelled, Publish, None),
            (Cancelled, Suspend, None),
            (Cancelled, Cancel, None),
            (Cancelled, Edit, None),
        ];
        for (from, step, to) in table {
            match (from.apply(step), to) {
                (Ok(s), Some(t)) => assert_eq!(s, t, "{from:?} {step:?}"),
                (Err(e), None) => {
                    assert_eq!(e.code(), "ILLEGAL_TRANSITION");
                    assert!(e.to_string().chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)));
                }
                (r, t) => panic!("{from:?} {step:?}: {r:?} expected {t:?}"),
            }
        }
    }

    fn base() -> BaseItem {
        let m = |n: &str, d: bool| Material { name: n.into(), originals: 1, copies: 1, required: true, deferrable: d };
        BaseItem {
            id: Uuid::nil(),
            owner: RegionCode::parse("610400000000").expect("code"),
            base_code: "XK-00101-000".into(),
            name: "社会团体成立登记".into(),
            kind: ItemKind::Licensing,
            legal_basis: "《社会团体登记管理条例》".into(),
            levels: vec![AdminLevel::City, AdminLevel::County],
            statutory_days: 60,
            materials: vec![m("登记申请书", false), m("章程草案", true), m("验资报告", true)],
            department: "民政".into(),
            default_case_kind: CaseKind::Promised,
            default_cross_area: CrossAreaScope::City,
            version: 1,
        }
    }

    #[test]
    fn levels_must_include_the_tenants() {
        let b = base();
        assert!(check_level(&b, "永寿县", AdminLevel::County).is_ok());
        let e = check_level(&b, "监军街道", AdminLevel::Town).expect_err("town");
        assert_eq!(e.code(), "INVALID_INPUT");
        let m = e.to_string();
        assert!(m.contains("市级、县级") && m.contains("乡镇级") && m.contains("监军街道"), "{m}");
    }

    #[test]
    fn implementations_respect_the_base() {
        let b = base();
        let d = Uuid::nil();
        let ok = check_impl(&b, d, ImplInput { promised_days: 20, ..Default::default() }).expect("all materials");
        assert_eq!(ok.material_names.len(), 3);
        assert_eq!(ok.deferrable_names, ["章程草案", "验资报告"]);
        assert_eq!(ok.case_kind, CaseKind::Promised);
        assert_eq!(ok.cross_area, CrossAreaScope::City);

        let e = check_impl(&b, d, ImplInput { promised_days: 61, ..Default::default() }).expect_err("too long");
        assert!(e.to_string().contains("61") && e.to_string().contains("60"));
        assert!(check_impl(&b, d, ImplInput { promised_days: -1, ..Default::default() }).is_err());

        let extra = ImplInput {
            promised_days: 10,
            material_names: Some(vec!["登记申请书".into(), "营业执照".into()]),
            ..Default::default()
        };
        let e = check_impl(&b, d, extra).expect_err("extra material");
        assert!(e.to_string().contains("营业执照"), "{e}");

        let subset = ImplInput {
            promised_days: 10,
            material_names: Some(vec!["验资报告".into(), "登记申请书".into()]),
            deferrable_names: Some(vec!["验资报告".into()]),
            ..Default::default()
        };
        let ok = check_impl(&b, d, subset).expect("subset");
        assert_eq!(ok.material_names, ["登记申请书", "验资报告"], "base order");
        assert_eq!(ok.deferrable_names, ["验资报告"]);

        let not_deferrable =
            ImplInput {
                promised_days: 10, deferrable_names: Some(vec!["登记申请书".into()]), ..Default::default()
            };
        assert!(check_impl(&b, d, not_deferrable).expect_err("base forbids").to_string().contains("不允许容缺"));
        let not_selected = ImplInput {
            promised_days: 10,
            material_names: Some(vec!["登记申请书".into()]),
            deferrable_names: Some(vec!["章程草案".into()]),
            ..Default::default()
        };
        assert!(check_impl(&b, d, not_selected).is_err());
    }

    #[test]
    fn guides_are_bounded_and_scenarios_select_the_items_materials() {
        let b = base();
        let d = Uuid::nil();
        let sc = |n: &str, ms: &[&str]| Scenario {
            name: n.into(),
            material_names: ms.iter().map(|m| (*m).to_owned()).collect(),
        };
        let guide = GuideInfo {
            conditions: Some("  申请人为依法设立的组织\n有固定住所  ".into()),
            process: Some("申请\n受理\n审查\n决定".into()),
            online_depth: OnlineDepth::Accept,
            visits: 0,
            appointment: true,
            online_payment: false,
            delivery: true,
            scenarios: vec![sc("首次登记", &["验资报告", "登记申请书"])],
        };
        let input = |g: GuideInfo| ImplInput { promised_days: 10, guide: Some(g), ..Default::default() };
        let ok = check_impl(&b, d, input(guide.clone())).expect("guide");
        assert_eq!(ok.guide.conditions.as_deref(), Some("申请人为依法设立的组织\n有固定住所"));
        assert_eq!(ok.guide.scenarios[0].material_names, ["登记申请书", "验资报告"], "item order");
        assert_eq!(ok.guide.visits, 0);
        let default = check_impl(&b, d, ImplInput { promised_days: 10, ..Default::default() }).expect("default");
        assert_eq!(default.guide.visits, 1);
        assert_eq!(default.guide.online_depth, OnlineDepth::Offline);

        let e = check_impl(&b, d, input(GuideInfo { visits: 10, ..guide.clone() })).expect_err("visits");
        assert!(e.to_string().contains("到现场次数"), "{e}");
        let e = check_impl(&b, d, input(GuideInfo { scenarios: vec![sc("变更", &["营业执照"])], ..guide.clone() }))
            .expect_err("foreign material");
        assert!(e.to_string().contains("营业执照"), "{e}");
        let twice = vec![sc("变更", &[]), sc("变更", &[])];
        assert!(check_impl(&b, d, input(GuideInfo { scenarios: twice, ..guide.clone() })).is_err());
        let e = check_impl(&b, d, input(GuideInfo { process: Some("申请\u{202E}".into()), ..guide.clone() }))
            .expect_err("bidi");
        assert_eq!(e.code(), "INVALID_INPUT");
        assert!(e.to_string().contains("办理流程"), "{e}");
        let long = "长".repeat(text::MAX_MULTILINE_CHARS + 1);
        assert!(check_impl(&b, d, input(GuideInfo { conditions: Some(long), ..guide })).is_err());
        // Stored items from before keep their meaning.
        let old: GuideInfo = serde_json::from_str("{}").expect("old json");
        assert_eq!(old, GuideInfo::default());
        for k in OnlineDepth::ALL {
            assert_eq!(k.as_str().parse::<OnlineDepth>().expect("name"), k);
            assert_eq!(k.label().parse::<OnlineDepth>().expect("label"), k);
        }
    }

    #[test]
    fn joint_items_name_their_co_departments() {
        let b = base();
        let (lead, co) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let joint = |ids: Vec<Uuid>| ImplInput {
            promised_days: 10,
            case_kind: Some(CaseKind::Joint),
            co_department_ids: Some(ids),
            ..Default::default()
        };
        let e = check_impl(&b, lead, joint(vec![])).expect_err("no co-department");
        assert!(e.to_string().contains("至少一个协办部门"), "{e}");
        let e = check_impl(&b, lead, joint(vec![lead])).expect_err("lead twice");
        assert!(e.to_string().contains("牵头部门"), "{e}");
        let ok = check_impl(&b, lead, joint(vec![co, co])).expect("joint");
        assert_eq!(ok.co_department_ids, [co], "repeats dropped");
        let promised = ImplInput { promised_days: 10, co_department_ids: Some(vec![co]), ..Default::default() };
        let e = check_impl(&b, lead, promised).expect_err("not joint");
        assert!(e.to_string().contains("只有联办件"), "{e}");
    }

    #[test]
    fn fees_are_decimal_yuan() {
        assert_eq!(fee_yuan(None).expect("free"), None);
        assert_eq!(fee_yuan(Some(" ".into())).expect("free"), None);
        assert_eq!(fee_yuan(Some("0".into())).expect("free"), None);
        assert_eq!(fee_yuan(Some("10".into())).expect("ok").as_deref(), Some("10.00"));
        assert_eq!(fee_yuan(Some("10.5".into())).expect("ok").as_deref(), Some("10.50"));
        assert_eq!(fee_yuan(Some("0.05".into())).expect("ok").as_deref(), Some("0.05"));
        for bad in ["-1", "1.234", "abc", "1.", ".5", "1e3", "１０"] {
            assert_eq!(fee_yuan(Some(bad.into())).map_err(|e| e.code()), Err("INVALID_INPUT"), "{bad}");
        }
    }

    #[test]
    fn base_drafts_are_checked() {
        let good = base().draft();
        assert!(good.clone().validate().is_ok());
        assert!(BaseItemDraft { levels: vec![], ..good.clone() }.validate().is_err());
        assert!(BaseItemDraft { base_code: "XK 001".into(), ..good.clone() }.validate().is_err());
        assert!(BaseItemDraft { name: "证".into(), ..good.clone() }.validate().is_err());
        assert!(BaseItemDraft { statutory_days: 400, ..good.clone() }.validate().is_err());
        let mut dup = good.clone();
        dup.materials.push(dup.materials[0].clone());
        assert!(dup.validate().expect_err("dup").to_string().contains("重复"));
        let e = BaseItemDraft { name: "社会\u{0}团体".into(), ..good.clone() }.validate().expect_err("NUL");
        assert!(e.to_string().contains("事项名称"), "{e}");
        let mut bad_material = good.clone();
        bad_material.materials[0].name = "申请\u{202E}书".into();
        assert!(bad_material.validate().expect_err("RLO").to_string().contains("材料名称"));
        assert!(department_name("民政\u{0}局").expect_err("NUL").to_string().contains("部门名称"));
        let lower = BaseItemDraft { base_code: "xk-1".into(), ..good }.validate().expect("ok");
        assert_eq!(lower.base_code, "XK-1");
    }

    #[test]
    fn material_problems_name_their_row() {
        let m = |name: &str, copies: u32| Material {
            name: name.into(),
            originals: 1,
            copies,
            required: true,
            deferrable: false,
        };
        let ok = validate_materials(vec![m(" 申请书 ", 0), m("身份证", 1)]).expect("ok");
        assert_eq!(ok[0].name, "申请书");
        let dup = validate_materials(vec![m("申请书", 0), m("身份证", 1), m("申请书", 0)]).expect_err("dup");
        assert_eq!(dup.row, Some(2));
        assert!(dup.error.to_string().contains("重复"));
        let many = validate_materials(vec![m("申请书", 0), m("身份证", 100)]).expect_err("copies");
        assert_eq!(many.row, Some(1));
        assert_eq!(validate_materials(vec![m("", 0)]).expect_err("empty").row, Some(0));
        let all = (0..=MAX_MATERIALS).map(|i| m(&format!("材料{i}"), 0)).collect();
        assert_eq!(validate_materials(all).expect_err("too many").row, None);
    }

    fn row(line: usize, s: &str) -> CatalogueRow {
        CatalogueRow { line, cells: s.split(',').map(str::to_owned).collect() }
    }

    #[test]
    fn catalogue_rows_report_every_problem_with_its_row() {
        let rows = [
            row(2, "XK-00101-000,社会团体成立登记,01,民政,county|city,60,promised,city,《条例》,申请书;章程"),
            row(3, "XK-00102-000,民办非企业单位成立登记,02,民政,county,60,promised,city,《条例》,申请书"),
            row(4, "XK-00103-000,收养登记,07,民政,county|moon,30,promised,none,《办法》,申请书"),
            row(5, "XK-00101-000,重复登记,07,民政,county,30,promised,none,《办法》,申请书"),
            row(6, "XK-00104-000,结婚登记,07,民政,county,abc,instant,province,《条例》,户口簿"),
            row(7, "XK-00105-000,只有九列,07,民政,county,3,instant,province,《条例》"),
        ];
        let problems = validate_catalogue_rows(&rows).expect_err("bad rows");
        let lines: Vec<usize> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [3, 4, 5, 6, 7]);
        assert!(problems[0].message.contains("事项类型"));
        assert!(problems[1].message.contains("moon"));
        assert!(problems[2].message.contains("第2行"));
        assert!(problems[3].message.contains("法定时限"));
        let ok = validate_catalogue_rows(&rows[..1]).expect("good row");
        assert_eq!(ok[0].levels, [AdminLevel::City, AdminLevel::County]);
        assert_eq!(ok[0].materials.len(), 2);
    }
}
