//! The start page.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;
use chrono::{Datelike, Weekday};

use crate::auth::Console;
use crate::layout::{Chrome, chrome};
use crate::routes::HOME;
use crate::view::{plain_error, render};

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
