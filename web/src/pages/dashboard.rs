//! The start page (工作台): live counts of the selected tenant's cases for the actor, and the
//! notices they can act on.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;
use chrono::{Datelike, Weekday};
use domain::Error;

use crate::auth::Console;
use crate::layout::{Chrome, chrome, error_page};
use crate::routes::{CALENDAR, CASES, HOME};
use crate::view::{plain_error, render};

/// One live count, linking to the list it counts.
struct Tile {
    id: &'static str,
    label: &'static str,
    value: String,
    link: String,
    /// warning-YELLOW / warning-RED, or empty.
    tone: &'static str,
}

/// A notice to someone who can act on it, with the page to act on.
struct Notice {
    message: String,
    link: &'static str,
    action: &'static str,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    roles: Vec<&'static str>,
    today: String,
    tiles: Vec<Tile>,
    notices: Vec<Notice>,
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

fn tile(id: &'static str, label: &'static str, count: domain::service::Count, link: String) -> Tile {
    Tile { id, label, value: count.label(), link, tone: "" }
}

pub(crate) async fn dashboard(mut ctx: Console) -> HttpResponse {
    let chrome = match chrome(&mut ctx, "dashboard", HOME).await {
        Ok(c) => c,
        Err(e) => return plain_error(&e),
    };
    let result = async {
        let mut tiles = Vec::new();
        // Platform administrators and catalogue staff see no cases of their own tenant's list.
        if !ctx.actor.is_service() {
            let c = ctx.services.cases.case_counts(&ctx.actor, &chrome.current.code).await?;
            if let Some(n) = c.to_handle {
                tiles.push(tile("count-to-handle", "待我办理", n, CASES.to_owned()));
            }
            if let Some(n) = c.to_decide {
                tiles.push(tile("count-to-decide", "待我审批", n, format!("{CASES}?tab=approve")));
            }
            tiles.push(Tile {
                tone: "warning-YELLOW",
                ..tile("count-yellow", "黄牌预警", c.yellow, format!("{CASES}?tab=yellow"))
            });
            tiles
                .push(Tile {
                    tone: "warning-RED", ..tile("count-red", "红牌超期", c.red, format!("{CASES}?tab=red"))
                });
            tiles.push(tile("count-received-today", "今日收件", c.received_today, CASES.to_owned()));
            tiles.push(tile("count-accepted-today", "今日受理", c.accepted_today, CASES.to_owned()));
            tiles.push(tile("count-concluded-today", "今日办结", c.concluded_today, CASES.to_owned()));
        }
        let mut notices = Vec::new();
        // Raised only to the root's administrators, who can act on the calendar.
        if let Some(message) = chrome.calendar_warning.clone() {
            notices.push(Notice { message, link: CALENDAR, action: "前往工作日历" });
        }
        Ok::<_, Error>((tiles, notices))
    }
    .await;
    match result {
        Ok((tiles, notices)) => {
            let page = DashboardPage {
                chrome,
                roles: ctx.actor.roles.iter().map(|r| r.label()).collect(),
                today: today_label(&ctx),
                tiles,
                notices,
            };
            render(ctx.response(StatusCode::OK), &page)
        }
        Err(e) => error_page(ctx, e, HOME).await,
    }
}
