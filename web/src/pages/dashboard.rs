//! The start page (工作台): live counts of the selected tenant's cases for the actor, the
//! notices they can act on, and for supervisors the charts of the last 30 days.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;
use chrono::{Datelike, Weekday};
use domain::Error;
use domain::policy::{Action, authorize};

use crate::auth::Console;
use crate::charts::{self, Series};
use crate::layout::{Chrome, chrome, error_page};
use crate::routes::{CALENDAR, CASES, HOME, SUPERVISION};
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

/// A server-drawn chart (SVG) with its caption.
struct Chart {
    id: &'static str,
    caption: String,
    svg: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    roles: Vec<&'static str>,
    today: String,
    tiles: Vec<Tile>,
    notices: Vec<Notice>,
    charts: Vec<Chart>,
}

/// The days the dashboard's charts cover, today included.
const CHART_DAYS: i64 = 30;

/// For those who supervise the selected tenant: the 30-day trend, received and concluded by
/// department, satisfaction and on-time rate by department, and a county's (or city's) towns
/// (counties) side by side.
async fn charts(ctx: &Console, tenant: &domain::tenant::Tenant) -> Result<Vec<Chart>, Error> {
    use domain::supervision::{GroupBy, StatsRow};

    if authorize(&ctx.actor, Action::Supervise, tenant).is_err() {
        return Ok(Vec::new());
    }
    let s = &ctx.services.supervision;
    let to = ctx.services.calendar.today();
    let from = to - chrono::Duration::days(CHART_DAYS - 1);
    let daily = s.daily(&ctx.actor, &tenant.code, from, to).await?;
    let mut received = vec![0.0; CHART_DAYS as usize];
    let mut concluded = vec![0.0; CHART_DAYS as usize];
    for (day, c) in &daily {
        if let Ok(i) = usize::try_from((*day - from).num_days())
            && i < received.len()
        {
            received[i] = c.received as f64;
            concluded[i] = c.concluded as f64;
        }
    }
    let mut out = vec![Chart {
        id: "chart-trend",
        caption: format!("近{CHART_DAYS}日收件与办结"),
        svg: charts::trend(
            &format!("近{CHART_DAYS}日办件趋势"),
            from,
            &[Series::received(received), Series::concluded(concluded)],
        ),
    }];
    let depts = s.stats(&ctx.actor, &tenant.code, from, to, GroupBy::Department).await?;
    let labels: Vec<String> = depts.iter().map(|r| r.label.clone()).collect();
    out.push(Chart {
        id: "chart-departments",
        caption: format!("近{CHART_DAYS}日各部门收件与办结"),
        svg: charts::bars(
            "各部门办件量",
            &labels,
            &[
                Series::received(depts.iter().map(|r| r.received as f64).collect()),
                Series::concluded(depts.iter().map(|r| r.concluded as f64).collect()),
            ],
            false,
        ),
    });
    out.push(Chart {
        id: "chart-satisfaction",
        caption: format!("近{CHART_DAYS}日各部门满意率（好差评）与按时办结率"),
        svg: charts::bars(
            "满意率与按时办结率",
            &labels,
            &[
                Series::rate("满意率", depts.iter().map(|r| r.satisfaction).collect()),
                Series::on_time(depts.iter().map(|r| r.on_time_rate).collect()),
            ],
            true,
        ),
    });
    // A county sees its towns side by side (a city its counties), those without cases too.
    let rows = s.stats(&ctx.actor, &tenant.code, from, to, GroupBy::Tenant).await?;
    let children = ctx
        .services
        .tenants
        .tenants(&ctx.actor, Some(tenant.code), None, domain::page::PageRequest { first: 50, after: None })
        .await?
        .items;
    let below: Vec<StatsRow> = children
        .into_iter()
        .map(|c| {
            rows.iter().find(|r| r.key == c.code.as_str()).cloned().unwrap_or_else(|| StatsRow {
                key: c.code.to_string(),
                label: c.name.clone(),
                ..StatsRow::default()
            })
        })
        .collect();
    if !below.is_empty() {
        out.push(Chart {
            id: "chart-areas",
            caption: format!("近{CHART_DAYS}日下辖各地收件与办结"),
            svg: charts::bars(
                "下辖各地办件量",
                &below.iter().map(|r| r.label.clone()).collect::<Vec<_>>(),
                &[
                    Series::received(below.iter().map(|r| r.received as f64).collect()),
                    Series::concluded(below.iter().map(|r| r.concluded as f64).collect()),
                ],
                false,
            ),
        });
    }
    out.retain(|c| !c.svg.is_empty());
    Ok(out)
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
        // Bad ratings waiting for their rectification, for those who supervise the tenant.
        if authorize(&ctx.actor, Action::Supervise, &chrome.current).is_ok() {
            let open = ctx
                .services
                .supervision
                .rectifications(
                    &ctx.actor,
                    &chrome.current.code,
                    &[domain::supervision::RectificationStatus::Open],
                    &domain::page::PageRequest { first: domain::page::MAX_PAGE, after: None },
                )
                .await?;
            let (value, open) = match open.next {
                Some(_) => (format!("{}+", open.items.len()), open.items.len()),
                None => (open.items.len().to_string(), open.items.len()),
            };
            tiles.push(Tile {
                id: "count-rectifications",
                label: "待办差评整改",
                value,
                link: format!("{SUPERVISION}#open-rectifications"),
                tone: if open > 0 { "warning-RED" } else { "" },
            });
        }
        let mut notices = Vec::new();
        // Raised only to the root's administrators, who can act on the calendar.
        if let Some(message) = chrome.calendar_warning.clone() {
            notices.push(Notice { message, link: CALENDAR, action: "前往工作日历" });
        }
        let charts = charts(&ctx, &chrome.current).await?;
        Ok::<_, Error>((tiles, notices, charts))
    }
    .await;
    match result {
        Ok((tiles, notices, charts)) => {
            let page = DashboardPage {
                chrome,
                roles: ctx.actor.roles.iter().map(|r| r.label()).collect(),
                today: today_label(&ctx),
                tiles,
                notices,
                charts,
            };
            render(ctx.response(StatusCode::OK), &page)
        }
        Err(e) => error_page(ctx, e, HOME).await,
    }
}
