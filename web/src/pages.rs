//! Page handlers and their templates.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, web};
use askama::Template;
use chrono::{Datelike, Weekday};
use domain::Error;
use domain::page::{MAX_PAGE, Page, PageRequest};
use domain::region::RegionCode;
use domain::service::{LoginRequest, Services};
use domain::tenant::Tenant;
use serde::Deserialize;

use crate::ConsoleConfig;
use crate::auth::{
    Console, LOGIN_CSRF, LOGIN_URL, TENANT, cookie, logout_cookies, removal, see_other, session_cookies,
};
use crate::csrf;
use crate::errors::{public_message, status_for, title_for};
use crate::menu::{MenuItem, menu_for};

const HOME: &str = "/console";
const CALENDAR: &str = "/console/calendar";
const TENANTS_PER_PAGE: u32 = 50;
pub(crate) const STALE_FORM: &str = "页面已过期，请刷新后重试";

/// Renders a page, or a bare 500 when the template fails.
pub(crate) fn render(mut b: HttpResponseBuilder, page: &impl Template) -> HttpResponse {
    match page.render() {
        Ok(body) => b.content_type("text/html; charset=utf-8").body(body),
        Err(e) => {
            tracing::error!(error = %e, "console template failed");
            HttpResponse::InternalServerError()
                .content_type("text/plain; charset=utf-8")
                .body("系统内部错误，请稍后再试")
        }
    }
}

// ---- pages without a session ----

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    csrf: &'a str,
    username: &'a str,
    error: Option<String>,
    notice: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "error_plain.html")]
struct PlainErrorPage {
    title: &'static str,
    message: String,
    login_link: bool,
}

/// An error page outside the layout (no session, or the layout itself failed).
pub(crate) fn plain_error(err: &Error) -> HttpResponse {
    let status = status_for(err);
    let page = PlainErrorPage {
        title: title_for(status),
        message: public_message(err),
        login_link: status == StatusCode::UNAUTHORIZED,
    };
    render(HttpResponse::build(status), &page)
}

pub(crate) async fn not_found() -> HttpResponse {
    let page = PlainErrorPage {
        title: title_for(StatusCode::NOT_FOUND),
        message: "您访问的页面不存在".into(),
        login_link: false,
    };
    render(HttpResponse::build(StatusCode::NOT_FOUND), &page)
}

fn config(req: &HttpRequest) -> Result<web::Data<ConsoleConfig>, Error> {
    req.app_data::<web::Data<ConsoleConfig>>()
        .cloned()
        .ok_or_else(|| Error::internal("console: ConsoleConfig not configured"))
}

/// The login page with a double-submit CSRF token.
fn login_page(
    req: &HttpRequest,
    status: StatusCode,
    username: &str,
    error: Option<String>,
    notice: Option<&'static str>,
) -> HttpResponse {
    let config = match config(req) {
        Ok(c) => c,
        Err(e) => return plain_error(&e),
    };
    // Keep a valid token so that two open login tabs both work.
    let token = req
        .cookie(LOGIN_CSRF)
        .map(|c| c.value().to_owned())
        .filter(|v| csrf::looks_random(v))
        .unwrap_or_else(csrf::random_token);
    let page = LoginPage { csrf: &token, username, error, notice };
    let mut b = HttpResponse::build(status);
    b.cookie(cookie(LOGIN_CSRF, token.clone(), config.secure_cookies, None));
    render(b, &page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct LoginQuery {
    out: Option<String>,
}

pub(crate) async fn login_form(req: HttpRequest, query: web::Query<LoginQuery>) -> HttpResponse {
    let notice = query.out.is_some().then_some("已退出登录");
    login_page(&req, StatusCode::OK, "", None, notice)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct LoginForm {
    username: String,
    password: String,
    csrf: String,
}

pub(crate) async fn login(req: HttpRequest, form: web::Form<LoginForm>) -> HttpResponse {
    let form = form.into_inner();
    // CSRF first: nothing else is touched for a forged request.
    let cookie_token = req.cookie(LOGIN_CSRF).map(|c| c.value().to_owned());
    if !csrf::verify_double_submit(cookie_token.as_deref(), &form.csrf) {
        return login_page(&req, StatusCode::FORBIDDEN, &form.username, Some(STALE_FORM.into()), None);
    }
    let (services, config) = match (req.app_data::<web::Data<Services>>(), config(&req)) {
        (Some(s), Ok(c)) => (s.clone(), c),
        (None, _) => return plain_error(&Error::internal("console: Services not configured")),
        (_, Err(e)) => return plain_error(&e),
    };
    let client = crate::client_address(&req);
    let result = services
        .identity
        .login(LoginRequest { username: &form.username, password: &form.password, client: &client })
        .await;
    match result {
        Ok(session) => {
            let secure = config.secure_cookies;
            let mut b = see_other(HOME);
            for c in session_cookies(&services, &session, secure) {
                b.cookie(c);
            }
            b.cookie(removal(TENANT, secure));
            b.cookie(removal(LOGIN_CSRF, secure));
            b.finish()
        }
        Err(e) => {
            let mut resp = login_page(&req, status_for(&e), &form.username, Some(public_message(&e)), None);
            if let Error::RateLimited { retry_after_secs } = e {
                resp.headers_mut().insert(header::RETRY_AFTER, retry_after_secs.into());
            }
            resp
        }
    }
}

// ---- the layout ----

pub(crate) struct TenantOption {
    pub(crate) code: String,
    pub(crate) label: String,
    pub(crate) selected: bool,
}

/// What the layout shows around every logged-in page.
pub(crate) struct Chrome {
    pub(crate) user_name: String,
    /// The selected tenant: the own one unless switched.
    pub(crate) current: Tenant,
    pub(crate) center_name: String,
    pub(crate) own_center: String,
    pub(crate) tenants: Vec<TenantOption>,
    /// More tenants in scope than the switcher lists.
    pub(crate) tenants_truncated: bool,
    pub(crate) menu: Vec<MenuItem>,
    pub(crate) active: &'static str,
    pub(crate) csrf: String,
    /// Where the tenant switcher returns to.
    pub(crate) back: &'static str,
    /// Missing official holiday data, for root-tenant administrators.
    pub(crate) calendar_warning: Option<String>,
}

/// The tenant chosen in the switcher, if any and still valid.
async fn selected_tenant(ctx: &mut Console, own: &Tenant) -> Result<Tenant, Error> {
    let Some(raw) = ctx.req.cookie(TENANT).map(|c| c.value().to_owned()) else {
        return Ok(own.clone());
    };
    let code = RegionCode::parse(&raw).ok().filter(|c| *c != own.code);
    if let Some(code) = code {
        match ctx.services.tenants.tenant(&ctx.actor, &code).await {
            Ok(t) => return Ok(t),
            Err(e @ Error::Internal(_)) => return Err(e),
            Err(_) => {}
        }
    }
    // Unparseable, the own tenant, or no longer in scope: forget it.
    ctx.cookies.push(removal(TENANT, ctx.secure()));
    Ok(own.clone())
}

pub(crate) async fn chrome(ctx: &mut Console, active: &'static str, back: &'static str) -> Result<Chrome, Error> {
    let services = ctx.services.clone();
    let user = services.identity.me(&ctx.actor).await?;
    let own = services.tenants.tenant(&ctx.actor, &ctx.actor.tenant).await?;
    let current = selected_tenant(ctx, &own).await?;
    let children = match services
        .tenants
        .tenants(&ctx.actor, Some(own.code), None, PageRequest { first: MAX_PAGE, after: None })
        .await
    {
        Ok(p) => p,
        Err(Error::Forbidden(_)) => Page { items: Vec::new(), has_next: false, end_cursor: None, total: 0 },
        Err(e) => return Err(e),
    };
    let mut listed: Vec<&Tenant> = std::iter::once(&own).chain(&children.items).collect();
    if !listed.iter().any(|t| t.code == current.code) {
        listed.push(&current);
    }
    let tenants = listed
        .into_iter()
        .map(|t| TenantOption { code: t.code.to_string(), label: t.center_name(), selected: t.code == current.code })
        .collect();
    Ok(Chrome {
        user_name: user.display_name,
        center_name: current.center_name(),
        own_center: own.center_name(),
        current,
        tenants,
        tenants_truncated: children.has_next,
        menu: menu_for(&ctx.actor.roles),
        active,
        csrf: ctx.csrf()?,
        back,
        calendar_warning: services.calendar.calendar_warning(&ctx.actor, services.calendar.today()).await?,
    })
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    title: &'static str,
    message: String,
}

/// An error inside the layout, or outside it when the layout cannot be built.
pub(crate) async fn error_page(mut ctx: Console, err: Error, back: &'static str) -> HttpResponse {
    let chrome = match chrome(&mut ctx, "", back).await {
        Ok(c) => c,
        Err(e) => return plain_error(&e),
    };
    let status = status_for(&err);
    let page = ErrorPage { chrome, title: title_for(status), message: public_message(&err) };
    render(ctx.response(status), &page)
}

// ---- logged-in pages ----

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    roles: Vec<&'static str>,
    today: String,
    widgets: [&'static str; 4],
}

/// 2026年3月2日 星期一, in Beijing time.
fn today_label(ctx: &Console) -> String {
    // China has one time zone, UTC+8, without daylight saving.
    let now = ctx.services.calendar.today();
    let weekday = match now.weekday() {
        Weekday::Mon => "一",
        Weekday::Tue => "二",
        Weekday::Wed => "三",
        Weekday::Thu => "四",
        Weekday::Fri => "五",
        Weekday::Sat => "六",
        Weekday::Sun => "日",
    };
    format!("{}年{}月{}日 星期{weekday}", now.year(), now.month(), now.day())
}

pub(crate) async fn dashboard(mut ctx: Console) -> HttpResponse {
    let chrome = match chrome(&mut ctx, "dashboard", HOME).await {
        Ok(c) => c,
        Err(e) => return plain_error(&e),
    };
    let page = DashboardPage {
        chrome,
        roles: ctx.actor.roles.iter().map(|r| r.label()).collect(),
        today: today_label(&ctx),
        widgets: ["待办办件", "预警提醒", "今日统计", "系统通知"],
    };
    render(ctx.response(StatusCode::OK), &page)
}

struct TenantRow {
    code: String,
    name: String,
    level: &'static str,
    center: String,
}

#[derive(Template)]
#[template(path = "tenants.html")]
struct TenantsPage {
    chrome: Chrome,
    rows: Vec<TenantRow>,
    total: u64,
    next: Option<String>,
    first_page: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct TenantsQuery {
    after: Option<String>,
}

pub(crate) async fn tenants(mut ctx: Console, query: web::Query<TenantsQuery>) -> HttpResponse {
    const BACK: &str = "/console/tenants";
    let chrome = match chrome(&mut ctx, "tenants", BACK).await {
        Ok(c) => c,
        Err(e) => return plain_error(&e),
    };
    let after = query.into_inner().after.filter(|a| !a.is_empty());
    let first_page = after.is_none();
    let result = ctx
        .services
        .tenants
        .tenants(&ctx.actor, Some(chrome.current.code), None, PageRequest { first: TENANTS_PER_PAGE, after })
        .await;
    let page = match result {
        Ok(p) => p,
        Err(e) => return error_page(ctx, e, BACK).await,
    };
    let next = if page.has_next { page.end_cursor.clone() } else { None };
    let rows = page
        .items
        .iter()
        .map(|t| TenantRow {
            code: t.code.to_string(),
            name: t.name.clone(),
            level: t.level.label(),
            center: t.center_name(),
        })
        .collect();
    let view = TenantsPage { chrome, rows, total: page.total, next, first_page };
    render(ctx.response(StatusCode::OK), &view)
}

// ---- the working-day calendar ----

struct CalendarRow {
    date: String,
    weekday: &'static str,
    workday: bool,
    name: String,
}

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage {
    chrome: Chrome,
    year: i32,
    rows: Vec<CalendarRow>,
    provisional: bool,
    may_edit: bool,
    notice: Option<String>,
    /// The root tenant's yellow-warning threshold (shown on root tenants only).
    threshold: Option<domain::service::WarningThreshold>,
    may_set_threshold: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct CalendarQuery {
    year: Option<String>,
    saved: Option<String>,
}

fn weekday_label(d: chrono::NaiveDate) -> &'static str {
    match d.weekday() {
        Weekday::Mon => "星期一",
        Weekday::Tue => "星期二",
        Weekday::Wed => "星期三",
        Weekday::Thu => "星期四",
        Weekday::Fri => "星期五",
        Weekday::Sat => "星期六",
        Weekday::Sun => "星期日",
    }
}

/// The year's days that differ from the weekend rule or carry a name, for the selected tenant.
pub(crate) async fn calendar(mut ctx: Console, query: web::Query<CalendarQuery>) -> HttpResponse {
    let chrome = match chrome(&mut ctx, "calendar", CALENDAR).await {
        Ok(c) => c,
        Err(e) => return plain_error(&e),
    };
    let query = query.into_inner();
    let year = match query.year.as_deref().map(str::trim).filter(|y| !y.is_empty()) {
        None => ctx.services.calendar.today().year(),
        Some(y) => match y.parse::<i32>() {
            Ok(y) => y,
            Err(_) => return error_page(ctx, Error::invalid(format!("年份“{y}”无效")), CALENDAR).await,
        },
    };
    let services = ctx.services.clone();
    let days = match services.calendar.calendar(&ctx.actor, &chrome.current.code, year).await {
        Ok(d) => d,
        Err(e) => return error_page(ctx, e, CALENDAR).await,
    };
    let official = match services.calendar.official_calendar_years().await {
        Ok(y) => y,
        Err(e) => return error_page(ctx, e, CALENDAR).await,
    };
    let rows = days
        .into_iter()
        .filter(|d| {
            let weekday = !matches!(d.date.weekday(), Weekday::Sat | Weekday::Sun);
            d.workday != weekday || d.name.is_some()
        })
        .map(|d| CalendarRow {
            date: d.date.format("%Y-%m-%d").to_string(),
            weekday: weekday_label(d.date),
            workday: d.workday,
            name: d.name.unwrap_or_default(),
        })
        .collect();
    let may_edit = services.calendar.may_edit_calendar(&ctx.actor, &chrome.current);
    let notice = query.saved.filter(|s| !s.is_empty()).map(|s| format!("已保存：{s}"));
    let threshold = if chrome.current.root {
        match services.cases.warning_threshold(&ctx.actor, &chrome.current.code).await {
            Ok(t) => Some(t),
            Err(e) => return error_page(ctx, e, CALENDAR).await,
        }
    } else {
        None
    };
    let may_set_threshold = services.cases.may_set_warning_threshold(&ctx.actor, &chrome.current);
    let page = CalendarPage {
        chrome,
        year,
        rows,
        provisional: !official.contains(&year),
        may_edit,
        notice,
        threshold,
        may_set_threshold,
    };
    render(ctx.response(StatusCode::OK), &page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct CalendarForm {
    csrf: String,
    date: String,
    workday: String,
    name: String,
}

/// Sets a day for the selected tenant (a root edit or a local override, as the rights allow).
pub(crate) async fn set_calendar_day(mut ctx: Console, form: web::Form<CalendarForm>) -> HttpResponse {
    if !ctx.csrf_ok(&form.csrf) {
        return error_page(ctx, Error::forbidden(STALE_FORM), CALENDAR).await;
    }
    let form = form.into_inner();
    let date = match chrono::NaiveDate::parse_from_str(form.date.trim(), "%Y-%m-%d") {
        Ok(d) => d,
        Err(_) => {
            let e = Error::invalid(format!("日期“{}”无效，应为YYYY-MM-DD", form.date.trim()));
            return error_page(ctx, e, CALENDAR).await;
        }
    };
    let workday = match form.workday.as_str() {
        "true" => true,
        "false" => false,
        _ => return error_page(ctx, Error::invalid("请选择上班或休息"), CALENDAR).await,
    };
    let services = ctx.services.clone();
    let own = match services.tenants.tenant(&ctx.actor, &ctx.actor.tenant).await {
        Ok(t) => t,
        Err(e) => return error_page(ctx, e, CALENDAR).await,
    };
    let current = match selected_tenant(&mut ctx, &own).await {
        Ok(t) => t,
        Err(e) => return error_page(ctx, e, CALENDAR).await,
    };
    match services.calendar.set_calendar_day(&ctx.actor, &current.code, date, workday, Some(form.name)).await {
        Ok(day) => {
            let label = format!("{} {}", day.date, if day.workday { "上班" } else { "休息" });
            let to = format!("{CALENDAR}?year={}&saved={}", date.year(), urlencode(&label));
            let mut b = ctx.response(StatusCode::SEE_OTHER);
            b.insert_header((header::LOCATION, to));
            b.finish()
        }
        Err(e) => error_page(ctx, e, CALENDAR).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct ThresholdForm {
    csrf: String,
    yellow_days: String,
}

/// POST /console/calendar/warning: the selected root tenant's yellow-warning threshold.
pub(crate) async fn set_warning_threshold(mut ctx: Console, form: web::Form<ThresholdForm>) -> HttpResponse {
    if !ctx.csrf_ok(&form.csrf) {
        return error_page(ctx, Error::forbidden(STALE_FORM), CALENDAR).await;
    }
    let raw = form.yellow_days.trim();
    let Ok(days) = raw.parse::<i64>() else {
        return error_page(ctx, Error::invalid(format!("预警阈值“{raw}”无效，应为整数个工作日")), CALENDAR).await;
    };
    let services = ctx.services.clone();
    let own = match services.tenants.tenant(&ctx.actor, &ctx.actor.tenant).await {
        Ok(t) => t,
        Err(e) => return error_page(ctx, e, CALENDAR).await,
    };
    let current = match selected_tenant(&mut ctx, &own).await {
        Ok(t) => t,
        Err(e) => return error_page(ctx, e, CALENDAR).await,
    };
    match services.cases.set_warning_threshold(&ctx.actor, &current.code, days).await {
        Ok(t) => {
            let label = format!("预警阈值 {} 个工作日", t.yellow_days);
            let to = format!("{CALENDAR}?saved={}", urlencode(&label));
            let mut b = ctx.response(StatusCode::SEE_OTHER);
            b.insert_header((header::LOCATION, to));
            b.finish()
        }
        Err(e) => error_page(ctx, e, CALENDAR).await,
    }
}

pub(crate) fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

// ---- forms of logged-in pages ----

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct CsrfForm {
    csrf: String,
}

pub(crate) async fn logout(ctx: Console, form: web::Form<CsrfForm>) -> HttpResponse {
    if !ctx.csrf_ok(&form.csrf) {
        return error_page(ctx, Error::forbidden(STALE_FORM), HOME).await;
    }
    if let Err(e) = ctx.services.identity.logout(&ctx.actor, &ctx.claims).await {
        // The cookies go anyway; the tokens expire on their own.
        tracing::warn!(code = e.code(), error = %e, "console logout failed");
        if let Error::Internal(detail) = &e {
            tracing::error!(%detail, "console logout failed");
        }
    }
    let mut b = see_other(&format!("{LOGIN_URL}?out=1"));
    for c in logout_cookies(ctx.secure()) {
        b.cookie(c);
    }
    b.finish()
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct TenantForm {
    csrf: String,
    tenant: String,
    back: String,
}

/// Only the console's own pages are valid return targets.
fn back_target(back: &str) -> &'static str {
    match back {
        "/console/tenants" => "/console/tenants",
        CALENDAR => CALENDAR,
        "/console/items" => "/console/items",
        "/console/catalogue" => "/console/catalogue",
        crate::hall::HALL => crate::hall::HALL,
        _ => HOME,
    }
}

pub(crate) async fn switch_tenant(ctx: Console, form: web::Form<TenantForm>) -> HttpResponse {
    let back = back_target(&form.back);
    if !ctx.csrf_ok(&form.csrf) {
        return error_page(ctx, Error::forbidden(STALE_FORM), back).await;
    }
    let chosen = match RegionCode::parse(&form.tenant) {
        Ok(c) => c,
        Err(e) => return error_page(ctx, e, back).await,
    };
    match ctx.services.tenants.tenant(&ctx.actor, &chosen).await {
        Ok(t) => {
            let secure = ctx.secure();
            let choice = if t.code == ctx.actor.tenant {
                removal(TENANT, secure)
            } else {
                cookie(TENANT, t.code.to_string(), secure, None)
            };
            let mut b = ctx.response(StatusCode::SEE_OTHER);
            b.insert_header((header::LOCATION, back)).cookie(choice);
            b.finish()
        }
        Err(e) => error_page(ctx, e, back).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_console_pages_are_return_targets() {
        assert_eq!(back_target("/console/tenants"), "/console/tenants");
        assert_eq!(back_target("/console/calendar"), "/console/calendar");
        assert_eq!(back_target("https://evil.example/"), "/console");
        assert_eq!(back_target("//evil.example"), "/console");
        assert_eq!(back_target(""), "/console");
    }
}
