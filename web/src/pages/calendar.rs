//! The working-day calendar and the warning threshold.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use domain::Error;
use serde::Deserialize;

use actix_web::http::header;
use chrono::{Datelike, Weekday};

use crate::auth::Console;
use crate::layout::{Chrome, chrome, error_page, selected_tenant};
use crate::routes::CALENDAR;
use crate::view::{STALE_FORM, plain_error, render, urlencode};

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
