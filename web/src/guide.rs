//! The public service-guide portal (办事指南): no login, printable.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use domain::Error;
use domain::catalogue::{ImplItem, ItemKind};
use domain::page::PageRequest;
use domain::ports::ImplQuery;
use domain::region::{AdminLevel, RegionCode};
use domain::service::Services;
use domain::tenant::Tenant;
use serde::Deserialize;
use uuid::Uuid;

use crate::errors::{public_message, status_for, title_for};
use crate::text_size::TextSize;

const PER_PAGE: u32 = 30;
/// The demo county, shown when no tenant is chosen.
const DEFAULT_TENANT: &str = "610426000000";

fn render(status: StatusCode, page: &impl Template) -> HttpResponse {
    match page.render() {
        Ok(body) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .insert_header(("Cache-Control", "no-cache"))
            .body(body),
        Err(e) => {
            tracing::error!(error = %e, "guide template failed");
            HttpResponse::InternalServerError()
                .content_type("text/plain; charset=utf-8")
                .body("系统内部错误，请稍后再试")
        }
    }
}

#[derive(Template)]
#[template(path = "guide_error.html")]
struct GuideError {
    ts: TextSize,
    title: &'static str,
    message: String,
}

fn error(err: &Error, ts: TextSize) -> HttpResponse {
    let status = status_for(err);
    render(status, &GuideError { ts, title: title_for(status), message: public_message(err) })
}

pub(crate) struct Row {
    code: String,
    name: String,
    kind: &'static str,
    department: String,
    promised: u32,
}

pub(crate) struct Opt {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "guide_list.html")]
struct GuideList {
    ts: TextSize,
    /// The area picker: city → county → town, each list the children of the level above.
    cities: Vec<Opt>,
    counties: Vec<Opt>,
    towns: Vec<Opt>,
    center: String,
    keyword: String,
    kinds: Vec<Opt>,
    departments: Vec<Opt>,
    rows: Vec<Row>,
    total: u64,
    next: Option<String>,
    query: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct ListQuery {
    tenant: String,
    city: String,
    county: String,
    town: String,
    keyword: String,
    kind: String,
    department: String,
    after: String,
}

/// The chosen area: the deepest level picked whose parent is the level above, else `tenant`
/// (a link), else the demo county.
async fn chosen_area(services: &Services, q: &ListQuery) -> Result<RegionCode, Error> {
    let parse = |s: &str| Some(s.trim()).filter(|s| !s.is_empty()).map(RegionCode::parse).transpose();
    let (city, county, town) = (parse(&q.city)?, parse(&q.county)?, parse(&q.town)?);
    // Whether `child` is a stored area under `parent` (a stale or unknown pick is ignored).
    let under = |child: RegionCode, parent: RegionCode| async move {
        match services.tenants.public_tenant(&child).await {
            Ok(t) => Ok(t.parent == Some(parent)),
            Err(Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    };
    if let Some(city) = city {
        let mut chosen = city;
        if let Some(county) = county
            && under(county, city).await?
        {
            chosen = county;
            if let Some(town) = town
                && under(town, county).await?
            {
                chosen = town;
            }
        }
        return Ok(chosen);
    }
    RegionCode::parse(if q.tenant.trim().is_empty() { DEFAULT_TENANT } else { q.tenant.trim() })
}

/// The picker's three lists for the path of `chosen` (its ancestors up to the city).
async fn area_picker(services: &Services, chosen: &Tenant) -> Result<[Vec<Opt>; 3], Error> {
    let mut path = vec![chosen.clone()];
    while let Some(p) = path.last().and_then(|t| t.parent) {
        if path.last().is_some_and(|t| t.level == AdminLevel::City) {
            break;
        }
        path.push(services.tenants.public_tenant(&p).await?);
    }
    let at = |level: AdminLevel| path.iter().find(|t| t.level == level).map(|t| t.code);
    let opts = |list: Vec<Tenant>, selected: Option<RegionCode>| {
        list.into_iter()
            .map(|t| Opt { selected: Some(t.code) == selected, value: t.code.to_string(), label: t.name })
            .collect::<Vec<_>>()
    };
    let (city, county, town) = (at(AdminLevel::City), at(AdminLevel::County), at(AdminLevel::Town));
    let cities = opts(services.tenants.public_areas(None).await?, city);
    let counties = match city {
        Some(c) => opts(services.tenants.public_areas(Some(&c)).await?, county),
        None => Vec::new(),
    };
    let towns = match county {
        Some(c) => opts(services.tenants.public_areas(Some(&c)).await?, town),
        None => Vec::new(),
    };
    Ok([cities, counties, towns])
}

fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub(crate) async fn list(req: HttpRequest, services: web::Data<Services>, q: web::Query<ListQuery>) -> HttpResponse {
    let ts = TextSize::of(&req);
    let q = q.into_inner();
    let code = match chosen_area(&services, &q).await {
        Ok(c) => c,
        Err(e) => return error(&e, ts),
    };
    let tenant = match services.tenants.tenant_identities(&[code]).await {
        Ok(mut ts) if !ts.is_empty() => ts.remove(0),
        Ok(_) => return error(&Error::NotFound { what: "服务中心" }, ts),
        Err(e) => return error(&e, ts),
    };
    let [cities, counties, towns] = match area_picker(&services, &tenant).await {
        Ok(lists) => lists,
        Err(e) => return error(&e, ts),
    };
    let kind = q.kind.parse::<ItemKind>().ok();
    let department = Uuid::parse_str(q.department.trim()).ok();
    let after = Some(q.after.clone()).filter(|a| !a.is_empty());
    let iq = ImplQuery {
        tenant: None,
        keyword: Some(q.keyword.clone()),
        kind,
        status: None,
        department,
        covering: None,
        page: PageRequest { first: PER_PAGE, after },
    };
    let page = match services.catalogue.public_guides(&code, iq).await {
        Ok(p) => p,
        Err(e) => return error(&e, ts),
    };
    let depts = match services.catalogue.public_departments(&code).await {
        Ok(d) => d,
        Err(e) => return error(&e, ts),
    };
    let rows = page
        .items
        .iter()
        .map(|i| Row {
            code: i.impl_code.clone(),
            name: i.base.name.clone(),
            kind: i.base.kind.label(),
            department: i.department.name.clone(),
            promised: i.local.promised_days,
        })
        .collect();
    let kinds = ItemKind::ALL
        .iter()
        .map(|k| Opt { value: k.code().into(), label: k.label().into(), selected: Some(*k) == kind })
        .collect();
    let departments = depts
        .iter()
        .map(|d| Opt { value: d.id.to_string(), label: d.name.clone(), selected: Some(d.id) == department })
        .collect();
    let query =
        format!("tenant={}&keyword={}&kind={}&department={}", code, enc(&q.keyword), enc(&q.kind), enc(&q.department));
    let view = GuideList {
        ts,
        cities,
        counties,
        towns,
        center: tenant.center_name(),
        keyword: q.keyword,
        kinds,
        departments,
        rows,
        total: page.total,
        next: if page.has_next { page.end_cursor } else { None },
        query,
    };
    render(StatusCode::OK, &view)
}

pub(crate) struct MaterialRow {
    name: String,
    originals: u32,
    copies: u32,
    required: bool,
    deferrable: bool,
}

#[derive(Template)]
#[template(path = "guide_detail.html")]
struct GuideDetail {
    ts: TextSize,
    item: ImplItem,
    center: String,
    kind: &'static str,
    kind_code: &'static str,
    levels: String,
    case_kind: &'static str,
    cross_area: &'static str,
    online_depth: &'static str,
    materials: Vec<MaterialRow>,
    /// 受理条件 and 办理流程, one entry a line.
    conditions: Vec<String>,
    process: Vec<String>,
    /// 到现场次数 in words.
    visits: String,
}

fn lines(s: &Option<String>) -> Vec<String> {
    s.as_deref().unwrap_or_default().lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect()
}

pub(crate) async fn detail(req: HttpRequest, services: web::Data<Services>, path: web::Path<String>) -> HttpResponse {
    let ts = TextSize::of(&req);
    let item = match services.catalogue.service_guide(&path.into_inner()).await {
        Ok(i) => i,
        Err(e) => return error(&e, ts),
    };
    let center = match services.tenants.tenant_identities(&[item.tenant]).await {
        Ok(ts) => ts.first().map(|t| t.center_name()).unwrap_or_default(),
        Err(e) => return error(&e, ts),
    };
    let materials = item
        .materials()
        .into_iter()
        .map(|m| MaterialRow {
            name: m.name,
            originals: m.originals,
            copies: m.copies,
            required: m.required,
            deferrable: m.deferrable,
        })
        .collect();
    let view = GuideDetail {
        ts,
        center,
        kind: item.base.kind.label(),
        kind_code: item.base.kind.code(),
        levels: item.base.levels_label(),
        case_kind: item.local.case_kind.label(),
        cross_area: item.local.cross_area.label(),
        online_depth: item.local.guide.online_depth.label(),
        materials,
        conditions: lines(&item.local.guide.conditions),
        process: lines(&item.local.guide.process),
        visits: match item.local.guide.visits {
            0 => "0次（零跑动）".to_owned(),
            n => format!("{n}次"),
        },
        item,
    };
    render(StatusCode::OK, &view)
}
