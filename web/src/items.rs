//! Console pages of the catalogue: the implementation list of the selected tenant (事项清单) and
//! the base catalogue of a root tenant (基本目录) with its import.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use domain::Error;
use domain::catalogue::{
    CaseKind, GuideInfo, ImplInput, ImplItem, ImplStatus, ImplStep, ItemKind, MAX_SCENARIOS, OnlineDepth, Scenario,
};
use domain::page::{MAX_PAGE, PageRequest};
use domain::policy::{Action, authorize};
use domain::ports::ImplQuery;
use domain::region::AdminLevel;
use domain::service::Delegation;
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::{Console, see_other};
use crate::forms::{FieldWords, FormState};
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
    /// Its public guide exists (published).
    published: bool,
    can_edit: bool,
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
    /// The list's filters as a query string, for the pager and the export link.
    filters: String,
    kinds: Vec<Opt>,
    department_filter: Vec<Opt>,
    co_departments: Vec<Opt>,
    implement_days: String,
    delegate_days: String,
    delegate_publish: bool,
    /// A failed implementation or delegation form: its error and what was typed.
    form: FormState,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct ItemsQuery {
    keyword: String,
    status: String,
    kind: String,
    department: String,
    after: String,
    msg: String,
    n: u32,
}

/// The list's filters as a query of the implementation list, for one page.
pub(crate) fn impl_query(q: &ItemsQuery, page: PageRequest) -> ImplQuery {
    ImplQuery {
        tenant: None,
        keyword: Some(q.keyword.clone()),
        kind: q.kind.parse::<ItemKind>().ok(),
        status: q.status.parse::<ImplStatus>().ok(),
        department: Uuid::parse_str(q.department.trim()).ok(),
        covering: None,
        page,
    }
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

pub(crate) async fn items(ctx: Console, query: web::Query<ItemsQuery>) -> HttpResponse {
    items_page(ctx, query.into_inner(), FormState::default(), StatusCode::OK).await
}

/// The implementation form's fields and the words their errors use.
const IMPLEMENT_FIELDS: FieldWords = &[
    ("base_item", "基本目录事项"),
    ("department", "实施部门"),
    ("promised_days", "承诺时限"),
    ("case_kind", "办件类型"),
    ("co_departments", "协办部门"),
    ("co_departments", "联办件"),
    ("place", "办理地点"),
    ("hours", "办理时间"),
    ("phone", "电话"),
    ("fee", "收费"),
];
/// The delegation form's fields and the words their errors use.
const DELEGATE_FIELDS: FieldWords = &[("base_item", "基本目录事项"), ("promised_days", "承诺时限")];

/// The list, with a failed implementation or delegation form shown again (`form`).
async fn items_page(mut ctx: Console, q: ItemsQuery, form: FormState, code: StatusCode) -> HttpResponse {
    let chrome = match chrome(&mut ctx, "items", ITEMS).await {
        Ok(c) => c,
        Err(e) => return crate::view::plain_error(&e),
    };
    let t = chrome.current.clone();
    let status = q.status.parse::<ImplStatus>().ok();
    let iq = impl_query(&q, PageRequest { first: PER_PAGE, after: Some(q.after.clone()).filter(|a| !a.is_empty()) });
    let page = match ctx.services.catalogue.impl_items(&ctx.actor, &t.code, iq).await {
        Ok(p) => p,
        Err(e) => return error_page(ctx, e, ITEMS).await,
    };
    let can_manage = authorize(&ctx.actor, Action::ManageTenantSetup, &t).is_ok();
    let departments = match ctx.services.catalogue.departments(&ctx.actor, &t.code).await {
        Ok(ds) => ds,
        Err(e) => return error_page(ctx, e, ITEMS).await,
    };
    let chosen = Uuid::parse_str(q.department.trim()).ok();
    let department_filter = departments
        .iter()
        .map(|d| Opt { value: d.id.to_string(), label: d.name.clone(), selected: Some(d.id) == chosen })
        .collect();
    let kind = q.kind.parse::<ItemKind>().ok();
    let kinds = ItemKind::ALL
        .iter()
        .map(|k| Opt { value: k.code().into(), label: k.label().into(), selected: Some(*k) == kind })
        .collect();
    let typed_co = form.values("implement", "co_departments");
    let co_departments = departments
        .iter()
        .filter(|_| can_manage)
        .map(|d| Opt {
            value: d.id.to_string(),
            label: d.name.clone(),
            selected: typed_co.contains(&d.id.to_string().as_str()),
        })
        .collect();
    let typed_dept = form.value("implement", "department");
    let departments: Vec<Opt> = departments
        .into_iter()
        .filter(|_| can_manage)
        .map(|d| Opt { selected: d.id.to_string() == typed_dept, value: d.id.to_string(), label: d.name })
        .collect();
    let (mut bases, mut town_bases) = (Vec::new(), Vec::new());
    if can_manage {
        let all = PageRequest { first: MAX_PAGE, after: None };
        let catalogue = match ctx.services.catalogue.base_items(&ctx.actor, None, None, all).await {
            Ok(p) => p.items,
            Err(e) => return error_page(ctx, e, ITEMS).await,
        };
        for b in &catalogue {
            let label = format!("{} {}（{}）", b.base_code, b.name, b.levels_label());
            let value = b.id.to_string();
            if b.levels.contains(&t.level) {
                let selected = form.value("implement", "base_item") == value;
                bases.push(Opt { value: value.clone(), label: label.clone(), selected });
            }
            if b.levels.contains(&AdminLevel::Town) {
                let selected = form.value("delegate", "base_item") == value;
                town_bases.push(Opt { value, label, selected });
            }
        }
    }
    let rows = page
        .items
        .iter()
        .map(|i| {
            let steps = domain::catalogue::allowed_impl_steps(&ctx.actor, &t, i);
            let may = |s: ImplStep| steps.contains(&s);
            ItemRow {
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
                published: i.status == ImplStatus::Published,
                can_edit: may(ImplStep::Edit),
                can_publish: may(ImplStep::Publish),
                can_suspend: may(ImplStep::Suspend),
                can_cancel: may(ImplStep::Cancel),
            }
        })
        .collect();
    let statuses = ImplStatus::ALL
        .iter()
        .map(|s| Opt { value: s.as_str().into(), label: s.label().into(), selected: Some(*s) == status })
        .collect();
    let kind_typed = form.value_or("implement", "case_kind", CaseKind::Promised.as_str());
    let case_kinds = CaseKind::ALL
        .iter()
        .map(|k| Opt { value: k.as_str().into(), label: k.label().into(), selected: k.as_str() == kind_typed })
        .collect();
    let filters = [("keyword", &q.keyword), ("status", &q.status), ("kind", &q.kind), ("department", &q.department)]
        .iter()
        .map(|(k, v)| format!("{k}={}", crate::view::urlencode(v.trim())))
        .collect::<Vec<_>>()
        .join("&");
    let view = ItemsPage {
        filters,
        kinds,
        department_filter,
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
        co_departments,
        case_kinds,
        implement_days: form.value_or("implement", "promised_days", "0"),
        delegate_days: form.value_or("delegate", "promised_days", "0"),
        delegate_publish: form.step != "delegate" || !form.value("delegate", "publish").is_empty(),
        form,
    };
    render(ctx.response(code), &view)
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
        Err(e @ (Error::InvalidInput(_) | Error::Conflict(_))) => {
            let form = FormState::failed("implement", IMPLEMENT_FIELDS, &e, fields);
            items_page(ctx, ItemsQuery::default(), form, crate::errors::status_for(&e)).await
        }
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

pub(crate) async fn delegate(mut ctx: Console, form: web::Form<Vec<(String, String)>>) -> HttpResponse {
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
        let d = Delegation {
            from: current.code,
            base_item: id(&get("base_item"), "基本目录事项")?,
            towns: None,
            department_name: None,
            defaults: ImplInput { promised_days: days(&get("promised_days"))?, ..Default::default() },
            publish: !get("publish").is_empty(),
        };
        ctx.services.catalogue.delegate_item(&ctx.actor, d).await
    }
    .await;
    match result {
        Ok(r) => see_other(&format!("{ITEMS}?msg=delegated&n={}", r.items.len())).finish(),
        Err(e @ (Error::InvalidInput(_) | Error::Conflict(_))) => {
            let form = FormState::failed("delegate", DELEGATE_FIELDS, &e, fields);
            items_page(ctx, ItemsQuery::default(), form, crate::errors::status_for(&e)).await
        }
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
    /// The list's filters as a query string, for the export link.
    filters: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct CatalogueQuery {
    pub(crate) keyword: String,
    pub(crate) kind: String,
    after: String,
    msg: String,
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
    let filters = format!("keyword={}&kind={}", crate::view::urlencode(&q.keyword), crate::view::urlencode(&q.kind));
    let view = CataloguePage {
        chrome,
        rows,
        total: p.total,
        keyword: q.keyword,
        kinds,
        next: if p.has_next { p.end_cursor } else { None },
        can_edit,
        report: report.or_else(|| catalogue_notice(&q.msg)),
        problems,
        filters,
    };
    render(ctx.response(status), &view)
}

fn catalogue_notice(msg: &str) -> Option<String> {
    match msg {
        "created" => Some("已新建基本目录事项".to_owned()),
        "saved" => Some("已保存；内容变化时生成了新版本".to_owned()),
        _ => None,
    }
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

/// One material row of the base item form, as stored or as typed.
struct MaterialRow {
    index: usize,
    name: String,
    originals: String,
    copies: String,
    required: bool,
    deferrable: bool,
    /// The row's error in Chinese, shown next to it.
    error: String,
}

impl MaterialRow {
    fn blank(index: usize) -> Self {
        MaterialRow {
            index,
            name: String::new(),
            originals: "1".into(),
            copies: "0".into(),
            required: true,
            deferrable: false,
            error: String::new(),
        }
    }
}

/// Blank material rows offered below the item's own.
const BLANK_MATERIALS: usize = 3;
/// The most rows the form takes (the list's bound and room for blank rows).
const MAX_MATERIAL_ROWS: usize = domain::catalogue::MAX_MATERIALS + 20;
/// The key of the base item form in its [`FormState`].
const BASE_STEP: &str = "base";
/// The base item form's fields and the words their errors use.
const BASE_FIELDS: FieldWords = &[
    ("base_code", "基本编码"),
    ("name", "事项名称"),
    ("kind", "事项类型"),
    ("legal_basis", "设定依据"),
    ("levels", "行使层级"),
    ("statutory_days", "法定时限"),
    ("department", "主管部门"),
    ("case_kind", "办件类型"),
];

#[derive(Template)]
#[template(path = "base_item.html")]
struct BaseItemPage {
    chrome: Chrome,
    /// Where the form posts.
    action: String,
    is_new: bool,
    submit_label: &'static str,
    base_code: String,
    /// The item's name (not `name`, which the form macros use for their own argument).
    item_name: String,
    kinds: Vec<Opt>,
    legal_basis: String,
    levels: Vec<LevelBox>,
    statutory_days: String,
    department: String,
    case_kinds: Vec<Opt>,
    rows: Vec<MaterialRow>,
    version: u32,
    form: FormState,
}

/// What the base item form holds: the stored item, or what was typed.
struct BaseInput {
    base_code: String,
    name: String,
    kind: String,
    legal_basis: String,
    levels: Vec<String>,
    statutory_days: String,
    department: String,
    case_kind: String,
    rows: Vec<MaterialRow>,
}

impl BaseInput {
    fn new_item() -> Self {
        BaseInput {
            base_code: String::new(),
            name: String::new(),
            kind: ItemKind::ALL[0].code().into(),
            legal_basis: String::new(),
            levels: vec![AdminLevel::County.as_str().into()],
            statutory_days: "20".into(),
            department: String::new(),
            case_kind: CaseKind::Promised.as_str().into(),
            rows: (0..BLANK_MATERIALS).map(MaterialRow::blank).collect(),
        }
    }

    fn of(b: &domain::catalogue::BaseItem) -> Self {
        let own = b.materials.iter().map(|m| MaterialRow {
            index: 0,
            name: m.name.clone(),
            originals: m.originals.to_string(),
            copies: m.copies.to_string(),
            required: m.required,
            deferrable: m.deferrable,
            error: String::new(),
        });
        let blank = (0..BLANK_MATERIALS).map(MaterialRow::blank);
        BaseInput {
            base_code: b.base_code.clone(),
            name: b.name.clone(),
            kind: b.kind.code().into(),
            legal_basis: b.legal_basis.clone(),
            levels: b.levels.iter().map(|l| l.as_str().to_owned()).collect(),
            statutory_days: b.statutory_days.to_string(),
            department: b.department.clone(),
            case_kind: b.default_case_kind.as_str().into(),
            rows: renumber(own.chain(blank).collect()),
        }
    }

    /// The posted form; rows ticked 删除 are dropped.
    fn from_form(fields: &[(String, String)]) -> Self {
        let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
        let count = get("material_rows").trim().parse::<usize>().unwrap_or(0).min(MAX_MATERIAL_ROWS);
        let rows = (0..count)
            .filter(|i| get(&format!("m{i}_remove")).is_empty())
            .map(|i| MaterialRow {
                index: i,
                name: get(&format!("m{i}_name")),
                originals: get(&format!("m{i}_originals")),
                copies: get(&format!("m{i}_copies")),
                required: !get(&format!("m{i}_required")).is_empty(),
                deferrable: !get(&format!("m{i}_deferrable")).is_empty(),
                error: String::new(),
            })
            .collect();
        BaseInput {
            base_code: get("base_code"),
            name: get("name"),
            kind: get("kind"),
            legal_basis: get("legal_basis"),
            levels: fields.iter().filter(|(n, _)| n == "levels").map(|(_, v)| v.clone()).collect(),
            statutory_days: get("statutory_days"),
            department: get("department"),
            case_kind: get("case_kind"),
            rows: renumber(rows),
        }
    }

    /// The draft to save; a problem is placed at its field or material row.
    fn draft(
        &mut self,
        old: Option<&domain::catalogue::BaseItem>,
    ) -> Result<domain::catalogue::BaseItemDraft, FormState> {
        let at =
            |field: &str, e: Error| FormState::at(BASE_STEP, field, &crate::errors::public_message(&e), Vec::new());
        let kind = self.kind.parse().map_err(|e| at("kind", e))?;
        let levels = self.levels.iter().map(|l| l.parse::<AdminLevel>()).collect::<Result<Vec<_>, _>>();
        let levels = levels.map_err(|e| at("levels", e))?;
        let statutory_days = self
            .statutory_days
            .trim()
            .parse()
            .map_err(|_| at("statutory_days", Error::invalid("法定时限应为非负整数（工作日）")))?;
        let default_case_kind = self.case_kind.parse().map_err(|e| at("case_kind", e))?;
        let materials = self.materials()?;
        Ok(domain::catalogue::BaseItemDraft {
            base_code: old.map_or_else(|| self.base_code.clone(), |o| o.base_code.clone()),
            name: self.name.clone(),
            kind,
            legal_basis: self.legal_basis.clone(),
            levels,
            statutory_days,
            materials,
            department: self.department.clone(),
            default_case_kind,
            default_cross_area: old.map_or(domain::catalogue::CrossAreaScope::None, |o| o.default_cross_area),
        })
    }

    /// The rows with a name, checked by the domain's rule; the first problem is shown at its row.
    fn materials(&mut self) -> Result<Vec<domain::catalogue::Material>, FormState> {
        let mut named = Vec::new();
        let mut ms = Vec::new();
        for (i, r) in self.rows.iter().enumerate().filter(|(_, r)| !r.name.trim().is_empty()) {
            let count = |s: &str, what: &str| match s.trim() {
                "" => Ok(0),
                t => t.parse::<u32>().map_err(|_| format!("{what}“{t}”无效：应为0至99的整数")),
            };
            let parsed = count(&r.originals, "原件份数").and_then(|o| Ok((o, count(&r.copies, "复印件份数")?)));
            let (originals, copies) = match parsed {
                Ok(p) => p,
                Err(message) => return Err(self.row_error(i, Error::invalid(message))),
            };
            named.push(i);
            ms.push(domain::catalogue::Material {
                name: r.name.clone(),
                originals,
                copies,
                required: r.required,
                deferrable: r.deferrable,
            });
        }
        domain::catalogue::validate_materials(ms).map_err(|p| match p.row.and_then(|k| named.get(k).copied()) {
            Some(i) => self.row_error(i, p.error),
            None => FormState::failed(BASE_STEP, &[], &p.error, Vec::new()),
        })
    }

    fn row_error(&mut self, i: usize, e: Error) -> FormState {
        let message = crate::errors::public_message(&e);
        if let Some(r) = self.rows.get_mut(i) {
            r.error.clone_from(&message);
        }
        FormState::at(BASE_STEP, "materials", &message, Vec::new())
    }
}

/// Rows numbered in the order shown.
fn renumber(mut rows: Vec<MaterialRow>) -> Vec<MaterialRow> {
    for (i, r) in rows.iter_mut().enumerate() {
        r.index = i;
    }
    rows
}

async fn base_page(
    mut ctx: Console,
    old: Option<&domain::catalogue::BaseItem>,
    input: BaseInput,
    form: FormState,
    status: StatusCode,
) -> HttpResponse {
    let chrome = match chrome(&mut ctx, "catalogue", CATALOGUE).await {
        Ok(c) => c,
        Err(e) => return crate::view::plain_error(&e),
    };
    let view = BaseItemPage {
        chrome,
        action: old.map_or_else(|| format!("{CATALOGUE}/new"), |o| format!("{CATALOGUE}/{}", o.id)),
        is_new: old.is_none(),
        submit_label: if old.is_some() { "保存为新版本" } else { "创建事项" },
        kinds: ItemKind::ALL
            .iter()
            .map(|k| Opt {
                value: k.code().into(),
                label: format!("{}（{}）", k.label(), k.code()),
                selected: k.code() == input.kind,
            })
            .collect(),
        levels: AdminLevel::ALL
            .iter()
            .map(|l| LevelBox {
                value: l.as_str(),
                label: l.label(),
                checked: input.levels.iter().any(|v| v == l.as_str()),
            })
            .collect(),
        case_kinds: CaseKind::ALL
            .iter()
            .map(|k| Opt { value: k.as_str().into(), label: k.label().into(), selected: k.as_str() == input.case_kind })
            .collect(),
        base_code: input.base_code,
        item_name: input.name,
        legal_basis: input.legal_basis,
        statutory_days: input.statutory_days,
        department: input.department,
        rows: input.rows,
        version: old.map_or(0, |o| o.version),
        form,
    };
    render(ctx.response(status), &view)
}

/// GET /console/catalogue/{id}: the base item form.
pub(crate) async fn base_item_form(ctx: Console, path: web::Path<String>) -> HttpResponse {
    let Ok(id) = Uuid::parse_str(&path.into_inner()) else {
        return error_page(ctx, Error::NotFound { what: "基本目录事项" }, CATALOGUE).await;
    };
    match ctx.services.catalogue.base_item(&ctx.actor, id).await {
        Ok(b) => base_page(ctx, Some(&b), BaseInput::of(&b), FormState::default(), StatusCode::OK).await,
        Err(e) => error_page(ctx, e, CATALOGUE).await,
    }
}

/// GET /console/catalogue/new: an empty base item form, for the catalogue's administrator.
pub(crate) async fn base_item_new(mut ctx: Console) -> HttpResponse {
    let own = match chrome(&mut ctx, "catalogue", CATALOGUE).await {
        Ok(c) => c.current,
        Err(e) => return crate::view::plain_error(&e),
    };
    if !ctx.services.catalogue.may_edit_base_catalogue(&ctx.actor, &own) {
        return error_page(ctx, Error::forbidden("只有本级目录管理员可以新建基本目录事项"), CATALOGUE).await;
    }
    base_page(ctx, None, BaseInput::new_item(), FormState::default(), StatusCode::OK).await
}

/// POST /console/catalogue/new: creates the item, or shows the form again.
pub(crate) async fn base_item_create(ctx: Console, form: web::Form<Vec<(String, String)>>) -> HttpResponse {
    submit_base(ctx, None, form.into_inner()).await
}

/// POST /console/catalogue/{id}: saves a new version, or shows the form again.
pub(crate) async fn base_item_save(
    ctx: Console,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> HttpResponse {
    let Ok(id) = Uuid::parse_str(&path.into_inner()) else {
        return error_page(ctx, Error::NotFound { what: "基本目录事项" }, CATALOGUE).await;
    };
    submit_base(ctx, Some(id), form.into_inner()).await
}

/// 添加一行 shows the form again with one more row; 保存 saves, or shows the form with the error at
/// its field or row and everything typed kept.
async fn submit_base(ctx: Console, id: Option<Uuid>, fields: Vec<(String, String)>) -> HttpResponse {
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    if !ctx.csrf_ok(&get("csrf")) {
        return error_page(ctx, Error::forbidden(STALE_FORM), CATALOGUE).await;
    }
    let old = match id {
        Some(id) => match ctx.services.catalogue.base_item(&ctx.actor, id).await {
            Ok(b) => Some(b),
            Err(e) => return error_page(ctx, e, CATALOGUE).await,
        },
        None => None,
    };
    let mut input = BaseInput::from_form(&fields);
    if !get("add_row").is_empty() {
        if input.rows.len() < MAX_MATERIAL_ROWS {
            input.rows.push(MaterialRow::blank(input.rows.len()));
        }
        return base_page(ctx, old.as_ref(), input, FormState::default(), StatusCode::OK).await;
    }
    let draft = match input.draft(old.as_ref()) {
        Ok(d) => d,
        Err(form) => return base_page(ctx, old.as_ref(), input, form, StatusCode::BAD_REQUEST).await,
    };
    let result = match &old {
        Some(o) => ctx.services.catalogue.update_base_item(&ctx.actor, o.id, draft).await,
        None => ctx.services.catalogue.create_base_item(&ctx.actor, draft).await,
    };
    match result {
        Ok(b) => {
            let msg = if old.is_some() { "saved" } else { "created" };
            see_other(&format!("{CATALOGUE}?keyword={}&msg={msg}", crate::view::urlencode(&b.base_code))).finish()
        }
        Err(e @ (Error::InvalidInput(_) | Error::Conflict(_))) => {
            let status = crate::errors::status_for(&e);
            let form = FormState::failed(BASE_STEP, BASE_FIELDS, &e, Vec::new());
            base_page(ctx, old.as_ref(), input, form, status).await
        }
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
    promised_days: String,
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
    visits: String,
    appointment: bool,
    online_payment: bool,
    delivery: bool,
    /// The item's scenarios and two blank rows for new ones.
    scenarios: Vec<ScenarioRow>,
    form: FormState,
}

/// The key of the item edit form in its [`FormState`].
const EDIT_STEP: &str = "edit";
/// The edit form's fields and the words their errors use (the first match wins).
const EDIT_FIELDS: FieldWords = &[
    ("promised_days", "承诺时限"),
    ("case_kind", "办件类型"),
    ("cross_area", "通办范围"),
    ("co_departments", "协办部门"),
    ("scenarios", "情形"),
    ("materials", "材料"),
    ("place", "办理地点"),
    ("hours", "办理时间"),
    ("phone", "电话"),
    ("fee", "收费"),
    ("conditions", "受理条件"),
    ("process", "办理流程"),
    ("online_depth", "网办深度"),
    ("visits", "到现场次数"),
];

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
pub(crate) async fn edit_form(ctx: Console, path: web::Path<String>) -> HttpResponse {
    let Ok(id) = Uuid::parse_str(&path.into_inner()) else {
        return error_page(ctx, Error::NotFound { what: "实施清单事项" }, ITEMS).await;
    };
    edit_page(ctx, id, None, FormState::default(), StatusCode::OK).await
}

/// The edit page of the item as stored, or with what was typed (`typed`) and the error in `form`.
async fn edit_page(
    mut ctx: Console,
    id: Uuid,
    typed: Option<&[(String, String)]>,
    form: FormState,
    status: StatusCode,
) -> HttpResponse {
    let chrome = match chrome(&mut ctx, "items", ITEMS).await {
        Ok(c) => c,
        Err(e) => return crate::view::plain_error(&e),
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
    let mut view = ImplItemPage {
        form,
        co_departments,
        chrome,
        id: item.id.to_string(),
        impl_code: item.impl_code.clone(),
        name: item.base.name.clone(),
        status: item.status.label(),
        version: item.version,
        statutory_days: item.base.statutory_days,
        promised_days: l.promised_days.to_string(),
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
        visits: l.guide.visits.to_string(),
        appointment: l.guide.appointment,
        online_payment: l.guide.online_payment,
        delivery: l.guide.delivery,
        scenarios: scenario_rows(&item),
    };
    if let Some(fields) = typed {
        keep_typed(&mut view, fields);
    }
    render(ctx.response(status), &view)
}

/// Puts what was typed back into the edit page.
fn keep_typed(view: &mut ImplItemPage, fields: &[(String, String)]) {
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let has = |k: &str, v: &str| fields.iter().any(|(n, x)| n == k && x == v);
    let choose = |opts: &mut Vec<Opt>, k: &str| {
        let chosen = get(k);
        for o in opts.iter_mut() {
            o.selected = o.value == chosen;
        }
    };
    choose(&mut view.case_kinds, "case_kind");
    choose(&mut view.scopes, "cross_area");
    choose(&mut view.depths, "online_depth");
    for m in &mut view.materials {
        m.required = has("materials", &m.name);
        m.deferrable = has("deferrable", &m.name);
    }
    for d in &mut view.co_departments {
        d.selected = has("co_departments", &d.value);
    }
    for sc in &mut view.scenarios {
        sc.name = get(&format!("scenario_name_{}", sc.index));
        let key = format!("scenario_{}", sc.index);
        for m in &mut sc.materials {
            m.selected = has(&key, &m.value);
        }
    }
    view.promised_days = get("promised_days");
    view.place = get("place");
    view.hours = get("hours");
    view.phone = get("phone");
    view.fee = get("fee");
    view.conditions = get("conditions");
    view.process = get("process");
    view.visits = get("visits");
    view.appointment = !get("appointment").is_empty();
    view.online_payment = !get("online_payment").is_empty();
    view.delivery = !get("delivery").is_empty();
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
        Err(e @ (Error::InvalidInput(_) | Error::Conflict(_) | Error::IllegalTransition(_))) => {
            let status = crate::errors::status_for(&e);
            edit_page(ctx, id, Some(&fields), FormState::failed(EDIT_STEP, EDIT_FIELDS, &e, Vec::new()), status).await
        }
        Err(e) => error_page(ctx, e, ITEMS).await,
    }
}
