//! Console pages of the catalogue: the implementation list of the selected tenant (事项清单) and
//! the base catalogue of a root tenant (基本目录) with its import.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use domain::Error;
use domain::catalogue::{
    CaseKind, GuideInfo, ImplInput, ImplItem, ImplStatus, ItemKind, MAX_SCENARIOS, OnlineDepth, Scenario,
};
use domain::page::{MAX_PAGE, PageRequest};
use domain::policy::{Action, authorize};
use domain::ports::ImplQuery;
use domain::region::AdminLevel;
use domain::service::Delegation;
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::{Console, see_other};
use crate::layout::{Chrome, chrome, error_page};
use crate::view::{STALE_FORM, render};

use crate::routes::{CATALOGUE, ITEMS};
const PER_PAGE: u32 = 50;

struct Opt {
    value: String,
    label: String,
    selected: bool,
}

struct ItemRow {
    id: String,
    code: String,
    name: String,
    kind: &'static str,
    department: String,
    status: &'static str,
    status_key: &'static str,
    version: u32,
    promised: u32,
    delegated: bool,
    can_publish: bool,
    can_suspend: bool,
    can_cancel: bool,
}

#[derive(Template)]
#[template(path = "items.html")]
struct ItemsPage {
    chrome: Chrome,
    rows: Vec<ItemRow>,
    total: u64,
    keyword: String,
    statuses: Vec<Opt>,
    next: Option<String>,
    notice: Option<String>,
    can_manage: bool,
    can_delegate: bool,
    bases: Vec<Opt>,
    town_bases: Vec<Opt>,
    departments: Vec<Opt>,
    case_kinds: Vec<Opt>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct ItemsQuery {
    keyword: String,
    status: String,
    after: String,
    msg: String,
    n: u32,
}

fn notice(msg: &str, n: u32) -> Option<String> {
    Some(match msg {
        "implemented" => "已创建实施清单事项（草稿），发布后公开办事指南".to_owned(),
        "published" => "事项已发布".to_owned(),
        "suspended" => "事项已暂停".to_owned(),
        "cancelled" => "事项已取消".to_owned(),
        "delegated" => format!("已下放到{n}个乡镇"),
        "saved" => "已保存；已发布的事项生成了新版本".to_owned(),
        _ => return None,
    })
}

pub(crate) async fn items(mut ctx: Console, query: web::Query<ItemsQuery>) -> HttpResponse {
    let chrome = match chrome(&mut ctx, "items", ITEMS).await {
        Ok(c) => c,
        Err(e) => return crate::view::plain_error(&e),
    };
    let q = query.into_inner();
    let t = chrome.current.clone();
    let status = q.status.parse::<ImplStatus>().ok();
    let iq = ImplQuery {
        tenant: None,
        keyword: Some(q.keyword.clone()),
        kind: None,
        status,
        department: None,
        covering: None,
        page: PageRequest { first: PER_PAGE, after: Some(q.after.clone()).filter(|a| !a.is_empty()) },
    };
    let page = match ctx.services.catalogue.impl_items(&ctx.actor, &t.code, iq).await {
        Ok(p) => p,
        Err(e) => return error_page(ctx, e, ITEMS).await,
    };
    let can_manage = authorize(&ctx.actor, Action::ManageTenantSetup, &t).is_ok();
    let (mut bases, mut town_bases, mut departments) = (Vec::new(), Vec::new(), Vec::new());
    if can_manage {
        let all = PageRequest { first: MAX_PAGE, after: None };
        let catalogue = match ctx.services.catalogue.base_items(&ctx.actor, None, None, all).await {
            Ok(p) => p.items,
            Err(e) => return error_page(ctx, e, ITEMS).await,
        };
        for b in &catalogue {
            let label = format!("{} {}（{}）", b.base_code, b.name, b.levels_label());
            if b.levels.contains(&t.level) {
                bases.push(Opt { value: b.id.to_string(), label: label.clone(), selected: false });
            }
            if b.levels.contains(&AdminLevel::Town) {
                town_bases.push(Opt { value: b.id.to_string(), label, selected: false });
            }
        }
        departments = match ctx.services.catalogue.departments(&ctx.actor, &t.code).await {
            Ok(ds) => ds.into_iter().map(|d| Opt { value: d.id.to_string(), label: d.name, selected: false }).collect(),
            Err(e) => return error_page(ctx, e, ITEMS).await,
        };
    }
    let rows = page
        .items
        .iter()
        .map(|i| ItemRow {
            id: i.id.to_string(),
            code: i.impl_code.clone(),
            name: i.base.name.clone(),
            kind: i.base.kind.label(),
            department: i.department.name.clone(),
            status: i.status.label(),
            status_key: i.status.as_str(),
            version: i.version,
            promised: i.local.promised_days,
            delegated: i.delegated_by.is_some(),
            can_publish: i.status.apply(domain::catalogue::ImplStep::Publish).is_ok(),
            can_suspend: i.status.apply(domain::catalogue::ImplStep::Suspend).is_ok(),
            can_cancel: i.status.apply(domain::catalogue::ImplStep::Cancel).is_ok(),
        })
        .collect();
    let statuses = ImplStatus::ALL
        .iter()
        .map(|s| Opt { value: s.as_str().into(), label: s.label().into(), selected: Some(*s) == status })
        .collect();
    let case_kinds = CaseKind::ALL
        .iter()
        .map(|k| Opt { value: k.as_str().into(), label: k.label().into(), selected: *k == CaseKind::Promised })
        .collect();
    let view = ItemsPage {
        can_delegate: can_manage && t.level == AdminLevel::County,
        chrome,
        total: page.total,
        next: if page.has_next { page.end_cursor.clone() } else { None },
        rows,
        keyword: q.keyword,
        statuses,
        notice: notice(&q.msg, q.n),
        can_manage,
        bases,
        town_bases,
        departments,
        case_kinds,
    };
    render(ctx.response(StatusCode::OK), &view)
}

fn days(s: &str) -> Result<i64, Error> {
    s.trim().parse::<i64>().map_err(|_| Error::invalid("承诺时限应为整数（工作日）"))
}

fn id(s: &str, what: &'static str) -> Result<Uuid, Error> {
    Uuid::parse_str(s.trim()).map_err(|_| Error::invalid(format!("请选择{what}")))
}

fn text(s: String) -> Option<String> {
    Some(s).filter(|s| !s.trim().is_empty())
}

/// POST /console/items/implement: a new implementation item (draft); a joint item names its co-departments.
pub(crate) async fn implement(mut ctx: Console, form: web::Form<Vec<(String, String)>>) -> HttpResponse {
    let fields = form.into_inner();
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    if !ctx.csrf_ok(&get("csrf")) {
        return error_page(ctx, Error::forbidden(STALE_FORM), ITEMS).await;
    }
    let current = match chrome(&mut ctx, "items", ITEMS).await {
        Ok(c) => c.current,
        Err(e) => return error_page(ctx, e, ITEMS).await,
    };
    let result = async {
        let case_kind = get("case_kind").parse::<CaseKind>()?;
        let input = ImplInput {
            promised_days: days(&get("promised_days"))?,
            case_kind: Some(case_kind),
            co_department_ids: co_departments(&fields, case_kind)?,
            cross_area: None,
            material_names: None,
            deferrable_names: None,
            place: text(get("place")),
            hours: text(get("hours")),
            phone: text(get("phone")),
            fee_yuan: text(get("fee")),
            guide: None,
        };
        let base = id(&get("base_item"), "基本目录事项")?;
        let dept = id(&get("department"), "实施部门")?;
        ctx.services.catalogue.implement_item(&ctx.actor, &current.code, base, dept, input).await
    }
    .await;
    match result {
        Ok(_) => see_other(&format!("{ITEMS}?msg=implemented")).finish(),
        Err(e) => error_page(ctx, e, ITEMS).await,
    }
}

/// The checked co-departments; they count only for joint items (switching the kind away drops them).
fn co_departments(fields: &[(String, String)], kind: CaseKind) -> Result<Option<Vec<Uuid>>, Error> {
    if kind != CaseKind::Joint {
        return Ok(Some(Vec::new()));
    }
    let ids = fields.iter().filter(|(n, _)| n == "co_departments").map(|(_, v)| id(v, "协办部门"));
    Ok(Some(ids.collect::<Result<Vec<_>, _>>()?))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct DelegateForm {
    csrf: String,
    base_item: String,
    promised_days: String,
    publish: String,
}

pub(crate) async fn delegate(mut ctx: Console, form: web::Form<DelegateForm>) -> HttpResponse {
    let f = form.into_inner();
    if !ctx.csrf_ok(&f.csrf) {
        return error_page(ctx, Error::forbidden(STALE_FORM), ITEMS).await;
    }
    let current = match chrome(&mut ctx, "items", ITEMS).await {
        Ok(c) => c.current,
        Err(e) => return error_page(ctx, e, ITEMS).await,
    };
    let result = async {
        let d = Delegation {
            from: current.code,
            base_item: id(&f.base_item, "基本目录事项")?,
            towns: None,
            department_name: None,
            defaults: ImplInput { promised_days: days(&f.promised_days)?, ..Default::default() },
            publish: !f.publish.is_empty(),
        };
        ctx.services.catalogue.delegate_item(&ctx.actor, d).await
    }
    .await;
    match result {
        Ok(r) => see_other(&format!("{ITEMS}?msg=delegated&n={}", r.items.len())).finish(),
        Err(e) => error_page(ctx, e, ITEMS).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct StepForm {
    csrf: String,
    reason: String,
    /// Ticked for 作废 (cancelling cannot be undone).
    confirm: String,
}

pub(crate) async fn step(ctx: Console, path: web::Path<(String, String)>, form: web::Form<StepForm>) -> HttpResponse {
    let (raw, action) = path.into_inner();
    if !ctx.csrf_ok(&form.csrf) {
        return error_page(ctx, Error::forbidden(STALE_FORM), ITEMS).await;
    }
    let Ok(item) = Uuid::parse_str(&raw) else {
        return error_page(ctx, Error::NotFound { what: "实施清单事项" }, ITEMS).await;
    };
    if action == "cancel" && form.confirm != "1" {
        return error_page(ctx, Error::invalid("作废不可撤销，请勾选“确认作废”后再提交"), ITEMS).await;
    }
    let s = &ctx.services;
    let (result, msg) = match action.as_str() {
        "publish" => (s.catalogue.publish_impl_item(&ctx.actor, item).await, "published"),
        "suspend" => (s.catalogue.suspend_impl_item(&ctx.actor, item, &form.reason).await, "suspended"),
        "cancel" => (s.catalogue.cancel_impl_item(&ctx.actor, item).await, "cancelled"),
        _ => return crate::view::not_found().await,
    };
    match result {
        Ok(_) => see_other(&format!("{ITEMS}?msg={msg}")).finish(),
        Err(e) => error_page(ctx, e, ITEMS).await,
    }
}

// ---------------------------------------------------------------- base catalogue

struct BaseRow {
    id: String,
    code: String,
    name: String,
    kind: &'static str,
    levels: String,
    days: u32,
    materials: usize,
    version: u32,
}

struct Problem {
    line: usize,
    message: String,
}

#[derive(Template)]
#[template(path = "catalogue.html")]
struct CataloguePage {
    chrome: Chrome,
    rows: Vec<BaseRow>,
    total: u64,
    keyword: String,
    kinds: Vec<Opt>,
    next: Option<String>,
    can_edit: bool,
    report: Option<String>,
    problems: Vec<Problem>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct CatalogueQuery {
    keyword: String,
    kind: String,
    after: String,
}

async fn catalogue_page(
    mut ctx: Console,
    q: CatalogueQuery,
    report: Option<String>,
    problems: Vec<Problem>,
    status: StatusCode,
) -> HttpResponse {
    let chrome = match chrome(&mut ctx, "catalogue", CATALOGUE).await {
        Ok(c) => c,
        Err(e) => return crate::view::plain_error(&e),
    };
    let kind = q.kind.parse::<ItemKind>().ok();
    let page = PageRequest { first: PER_PAGE, after: Some(q.after.clone()).filter(|a| !a.is_empty()) };
    let p = match ctx.services.catalogue.base_items(&ctx.actor, Some(&q.keyword), kind, page).await {
        Ok(p) => p,
        Err(e) => return error_page(ctx, e, CATALOGUE).await,
    };
    let own = chrome.current.clone();
    let can_edit = ctx.services.catalogue.may_edit_base_catalogue(&ctx.actor, &own);
    let rows = p
        .items
        .iter()
        .map(|b| BaseRow {
            id: b.id.to_string(),
            code: b.base_code.clone(),
            name: b.name.clone(),
            kind: b.kind.label(),
            levels: b.levels_label(),
            days: b.statutory_days,
            materials: b.materials.len(),
            version: b.version,
        })
        .collect();
    let kinds = ItemKind::ALL
        .iter()
        .map(|k| Opt { value: k.code().into(), label: k.label().into(), selected: Some(*k) == kind })
        .collect();
    let view = CataloguePage {
        chrome,
        rows,
        total: p.total,
        keyword: q.keyword,
        kinds,
        next: if p.has_next { p.end_cursor } else { None },
        can_edit,
        report,
        problems,
    };
    render(ctx.response(status), &view)
}

pub(crate) async fn catalogue(ctx: Console, query: web::Query<CatalogueQuery>) -> HttpResponse {
    catalogue_page(ctx, query.into_inner(), None, Vec::new(), StatusCode::OK).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct ImportForm {
    csrf: String,
    csv: String,
}

/// Imports pasted (or file-loaded) CSV text and shows the report on the catalogue page.
pub(crate) async fn import(ctx: Console, form: web::Form<ImportForm>) -> HttpResponse {
    let f = form.into_inner();
    if !ctx.csrf_ok(&f.csrf) {
        return error_page(ctx, Error::forbidden(STALE_FORM), CATALOGUE).await;
    }
    let rows = match domain::catalogue_file::parse_catalogue_csv(&f.csv) {
        Ok(r) => r,
        Err(e) => {
            let p = vec![Problem { line: 1, message: e.to_string() }];
            return catalogue_page(ctx, CatalogueQuery::default(), None, p, StatusCode::BAD_REQUEST).await;
        }
    };
    let owner = ctx.actor.tenant;
    match ctx.services.catalogue.import_catalogue(Some(&ctx.actor), &owner, &rows).await {
        Ok(Ok(r)) => {
            let report =
                format!("导入完成：新增 {}，更新 {}，未变 {}", r.stats.inserted, r.stats.updated, r.stats.unchanged);
            catalogue_page(ctx, CatalogueQuery::default(), Some(report), Vec::new(), StatusCode::OK).await
        }
        Ok(Err(problems)) => {
            let p = problems.into_iter().map(|p| Problem { line: p.line, message: p.message }).collect();
            catalogue_page(ctx, CatalogueQuery::default(), None, p, StatusCode::BAD_REQUEST).await
        }
        Err(e) => error_page(ctx, e, CATALOGUE).await,
    }
}

// ---------------------------------------------------------------- base item edit

struct LevelBox {
    value: &'static str,
    label: &'static str,
    checked: bool,
}

#[derive(Template)]
#[template(path = "base_item.html")]
struct BaseItemPage {
    chrome: Chrome,
    id: String,
    base_code: String,
    name: String,
    kinds: Vec<Opt>,
    legal_basis: String,
    levels: Vec<LevelBox>,
    statutory_days: u32,
    department: String,
    case_kinds: Vec<Opt>,
    materials: String,
    version: u32,
}

/// One line per material: 名称;原件份数;复印件份数;必需(1/0);容缺(1/0).
fn materials_text(ms: &[domain::catalogue::Material]) -> String {
    ms.iter()
        .map(|m| format!("{};{};{};{};{}", m.name, m.originals, m.copies, u8::from(m.required), u8::from(m.deferrable)))
        .collect::<Vec<_>>()
        .join("\n")
}

fn parse_materials(text: &str) -> Result<Vec<domain::catalogue::Material>, Error> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let parts: Vec<&str> = line.split([';', '；']).map(str::trim).collect();
        let num = |k: usize, d: u32| -> Result<u32, Error> {
            match parts.get(k).filter(|s| !s.is_empty()) {
                None => Ok(d),
                Some(s) => s.parse().map_err(|_| Error::invalid(format!("材料第{}行：份数“{s}”无效", i + 1))),
            }
        };
        let flag = |k: usize, d: bool| parts.get(k).filter(|s| !s.is_empty()).map_or(d, |s| *s == "1" || *s == "是");
        out.push(domain::catalogue::Material {
            name: parts[0].to_owned(),
            originals: num(1, 1)?,
            copies: num(2, 0)?,
            required: flag(3, true),
            deferrable: flag(4, false),
        });
    }
    Ok(out)
}

pub(crate) async fn base_item_form(mut ctx: Console, path: web::Path<String>) -> HttpResponse {
    let chrome = match chrome(&mut ctx, "catalogue", CATALOGUE).await {
        Ok(c) => c,
        Err(e) => return crate::view::plain_error(&e),
    };
    let Ok(id) = Uuid::parse_str(&path.into_inner()) else {
        return error_page(ctx, Error::NotFound { what: "基本目录事项" }, CATALOGUE).await;
    };
    let b = match ctx.services.catalogue.base_item(&ctx.actor, id).await {
        Ok(b) => b,
        Err(e) => return error_page(ctx, e, CATALOGUE).await,
    };
    let view = BaseItemPage {
        chrome,
        id: b.id.to_string(),
        kinds: ItemKind::ALL
            .iter()
            .map(|k| Opt { value: k.code().into(), label: k.label().into(), selected: *k == b.kind })
            .collect(),
        levels: AdminLevel::ALL
            .iter()
            .map(|l| LevelBox { value: l.as_str(), label: l.label(), checked: b.levels.contains(l) })
            .collect(),
        case_kinds: CaseKind::ALL
            .iter()
            .map(|k| Opt { value: k.as_str().into(), label: k.label().into(), selected: *k == b.default_case_kind })
            .collect(),
        materials: materials_text(&b.materials),
        base_code: b.base_code,
        name: b.name,
        legal_basis: b.legal_basis,
        statutory_days: b.statutory_days,
        department: b.department,
        version: b.version,
    };
    render(ctx.response(StatusCode::OK), &view)
}

pub(crate) async fn base_item_save(
    ctx: Console,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> HttpResponse {
    let fields = form.into_inner();
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    if !ctx.csrf_ok(&get("csrf")) {
        return error_page(ctx, Error::forbidden(STALE_FORM), CATALOGUE).await;
    }
    let Ok(id) = Uuid::parse_str(&path.into_inner()) else {
        return error_page(ctx, Error::NotFound { what: "基本目录事项" }, CATALOGUE).await;
    };
    let result = async {
        let old = ctx.services.catalogue.base_item(&ctx.actor, id).await?;
        let levels = fields
            .iter()
            .filter(|(n, _)| n == "levels")
            .map(|(_, v)| v.parse::<AdminLevel>())
            .collect::<Result<Vec<_>, _>>()?;
        let draft = domain::catalogue::BaseItemDraft {
            base_code: old.base_code.clone(),
            name: get("name"),
            kind: get("kind").parse()?,
            legal_basis: get("legal_basis"),
            levels,
            statutory_days: get("statutory_days")
                .trim()
                .parse()
                .map_err(|_| Error::invalid("法定时限应为非负整数（工作日）"))?,
            materials: parse_materials(&get("materials"))?,
            department: get("department"),
            default_case_kind: get("case_kind").parse()?,
            default_cross_area: old.default_cross_area,
        };
        ctx.services.catalogue.update_base_item(&ctx.actor, id, draft).await
    }
    .await;
    match result {
        Ok(b) => see_other(&format!("{CATALOGUE}?keyword={}", b.base_code)).finish(),
        Err(e) => error_page(ctx, e, CATALOGUE).await,
    }
}

#[derive(Template)]
#[template(path = "impl_item.html")]
struct ImplItemPage {
    chrome: Chrome,
    id: String,
    impl_code: String,
    name: String,
    status: &'static str,
    version: u32,
    statutory_days: u32,
    promised_days: u32,
    case_kinds: Vec<Opt>,
    scopes: Vec<Opt>,
    materials: Vec<MaterialBox>,
    co_departments: Vec<Opt>,
    place: String,
    hours: String,
    phone: String,
    fee: String,
    conditions: String,
    process: String,
    depths: Vec<Opt>,
    visits: u32,
    appointment: bool,
    online_payment: bool,
    delivery: bool,
    /// The item's scenarios and two blank rows for new ones.
    scenarios: Vec<ScenarioRow>,
}

struct ScenarioRow {
    index: usize,
    name: String,
    /// Every base material, ticked when this scenario needs it.
    materials: Vec<Opt>,
}

/// Blank scenario rows offered below the item's own.
const BLANK_SCENARIOS: usize = 2;

struct MaterialBox {
    name: String,
    required: bool,
    may_defer: bool,
    deferrable: bool,
}

/// GET /console/items/{id}/edit: the local fields of an implementation item.
pub(crate) async fn edit_form(mut ctx: Console, path: web::Path<String>) -> HttpResponse {
    let chrome = match chrome(&mut ctx, "items", ITEMS).await {
        Ok(c) => c,
        Err(e) => return crate::view::plain_error(&e),
    };
    let Ok(id) = Uuid::parse_str(&path.into_inner()) else {
        return error_page(ctx, Error::NotFound { what: "实施清单事项" }, ITEMS).await;
    };
    let item = match ctx.services.catalogue.impl_item(&ctx.actor, id).await {
        Ok(i) => i,
        Err(e) => return error_page(ctx, e, ITEMS).await,
    };
    let departments = match ctx.services.catalogue.departments(&ctx.actor, &item.tenant).await {
        Ok(d) => d,
        Err(e) => return error_page(ctx, e, ITEMS).await,
    };
    let l = &item.local;
    let co_departments = departments
        .iter()
        .filter(|d| d.id != item.department.id)
        .map(|d| Opt { value: d.id.to_string(), label: d.name.clone(), selected: l.co_department_ids.contains(&d.id) })
        .collect();
    let view = ImplItemPage {
        co_departments,
        chrome,
        id: item.id.to_string(),
        impl_code: item.impl_code.clone(),
        name: item.base.name.clone(),
        status: item.status.label(),
        version: item.version,
        statutory_days: item.base.statutory_days,
        promised_days: l.promised_days,
        case_kinds: CaseKind::ALL
            .iter()
            .map(|k| Opt { value: k.as_str().into(), label: k.label().into(), selected: *k == l.case_kind })
            .collect(),
        scopes: domain::catalogue::CrossAreaScope::ALL
            .iter()
            .map(|s| Opt { value: s.as_str().into(), label: s.label().into(), selected: *s == l.cross_area })
            .collect(),
        materials: item
            .base
            .materials
            .iter()
            .map(|m| MaterialBox {
                name: m.name.clone(),
                required: l.material_names.contains(&m.name),
                may_defer: m.deferrable,
                deferrable: l.deferrable_names.contains(&m.name),
            })
            .collect(),
        place: l.place.clone().unwrap_or_default(),
        hours: l.hours.clone().unwrap_or_default(),
        phone: l.phone.clone().unwrap_or_default(),
        fee: l.fee_yuan.clone().unwrap_or_default(),
        conditions: l.guide.conditions.clone().unwrap_or_default(),
        process: l.guide.process.clone().unwrap_or_default(),
        depths: OnlineDepth::ALL
            .iter()
            .map(|d| Opt { value: d.as_str().into(), label: d.label().into(), selected: *d == l.guide.online_depth })
            .collect(),
        visits: l.guide.visits,
        appointment: l.guide.appointment,
        online_payment: l.guide.online_payment,
        delivery: l.guide.delivery,
        scenarios: scenario_rows(&item),
    };
    render(ctx.response(StatusCode::OK), &view)
}

fn scenario_rows(item: &ImplItem) -> Vec<ScenarioRow> {
    let g = &item.local.guide;
    let blank = BLANK_SCENARIOS.min(MAX_SCENARIOS.saturating_sub(g.scenarios.len()));
    let names = g.scenarios.iter().map(|s| (s.name.as_str(), s.material_names.as_slice()));
    names
        .chain(std::iter::repeat_n(("", &[][..]), blank))
        .enumerate()
        .map(|(index, (name, ms))| ScenarioRow {
            index,
            name: name.to_owned(),
            materials: item
                .base
                .materials
                .iter()
                .map(|m| Opt { value: m.name.clone(), label: m.name.clone(), selected: ms.contains(&m.name) })
                .collect(),
        })
        .collect()
}

/// The guide's elements from the edit form; scenario rows without a name are dropped.
fn guide_form(fields: &[(String, String)]) -> Result<GuideInfo, Error> {
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let visits = get("visits");
    let visits = visits
        .trim()
        .parse::<u32>()
        .map_err(|_| Error::invalid(format!("到现场次数“{visits}”无效：应为0至9的整数")))?;
    let mut scenarios = Vec::new();
    for i in 0..MAX_SCENARIOS + BLANK_SCENARIOS {
        let name = get(&format!("scenario_name_{i}"));
        let key = format!("scenario_{i}");
        if name.trim().is_empty() {
            continue;
        }
        let material_names = fields.iter().filter(|(n, _)| *n == key).map(|(_, v)| v.clone()).collect();
        scenarios.push(Scenario { name, material_names });
    }
    Ok(GuideInfo {
        conditions: text(get("conditions")),
        process: text(get("process")),
        online_depth: get("online_depth").parse()?,
        visits,
        appointment: !get("appointment").is_empty(),
        online_payment: !get("online_payment").is_empty(),
        delivery: !get("delivery").is_empty(),
        scenarios,
    })
}

/// POST /console/items/{id}/edit: saves the local fields (a published item gets a new version).
pub(crate) async fn edit_save(
    ctx: Console,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> HttpResponse {
    let fields = form.into_inner();
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let all = |k: &str| fields.iter().filter(|(n, _)| n == k).map(|(_, v)| v.clone()).collect::<Vec<_>>();
    if !ctx.csrf_ok(&get("csrf")) {
        return error_page(ctx, Error::forbidden(STALE_FORM), ITEMS).await;
    }
    let Ok(id) = Uuid::parse_str(&path.into_inner()) else {
        return error_page(ctx, Error::NotFound { what: "实施清单事项" }, ITEMS).await;
    };
    let result = async {
        let case_kind = get("case_kind").parse::<CaseKind>()?;
        let input = ImplInput {
            promised_days: days(&get("promised_days"))?,
            case_kind: Some(case_kind),
            co_department_ids: co_departments(&fields, case_kind)?,
            cross_area: Some(get("cross_area").parse()?),
            material_names: Some(all("materials")),
            deferrable_names: Some(all("deferrable")),
            place: text(get("place")),
            hours: text(get("hours")),
            phone: text(get("phone")),
            fee_yuan: text(get("fee")),
            guide: Some(match fields.iter().any(|(n, _)| n == "visits") {
                true => guide_form(&fields)?,
                // A form without the guide's section (an older page) leaves the guide as it is.
                false => ctx.services.catalogue.impl_item(&ctx.actor, id).await?.local.guide,
            }),
        };
        ctx.services.catalogue.update_impl_item(&ctx.actor, id, None, input).await
    }
    .await;
    match result {
        Ok(_) => see_other(&format!("{ITEMS}?msg=saved")).finish(),
        Err(e) => error_page(ctx, e, ITEMS).await,
    }
}
