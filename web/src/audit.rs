//! 审计日志: the selected tenant's audit entries, newest first, with filters and pages, and the
//! verification of its hash chains.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use domain::Error;
use domain::audit::AuditFilter;
use domain::page::PageRequest;
use serde::Deserialize;

use crate::auth::Console;
use crate::layout::{Chrome, chrome, error_page};
use crate::routes::AUDIT;
use crate::view::{plain_error, render, urlencode};

const PAGE_SIZE: u32 = 50;

struct EntryRow {
    at: String,
    actor: String,
    action: String,
    target: String,
    change: String,
}

struct Verification {
    intact: bool,
    entries: u64,
    breaks: Vec<String>,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    chrome: Chrome,
    rows: Vec<EntryRow>,
    total: u64,
    action: String,
    actor: String,
    from: String,
    to: String,
    filters: String,
    next: Option<String>,
    paged: bool,
    verification: Option<Verification>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct AuditQuery {
    action: String,
    actor: String,
    from: String,
    to: String,
    after: String,
    verify: String,
}

fn day(s: &str, what: &str) -> Result<Option<chrono::NaiveDate>, Error> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| Error::invalid(format!("{what}应为YYYY-MM-DD格式")))
}

/// Before and after of an entry, shortened for the table.
fn change_text<V: std::fmt::Display>(before: Option<&V>, after: Option<&V>) -> String {
    let short = |v: &V| {
        let s = v.to_string();
        if s.chars().count() > 120 { format!("{}…", s.chars().take(120).collect::<String>()) } else { s }
    };
    match (before, after) {
        (Some(b), Some(a)) => format!("{} → {}", short(b), short(a)),
        (None, Some(a)) => short(a),
        (Some(b), None) => format!("原：{}", short(b)),
        (None, None) => String::new(),
    }
}

async fn build(ctx: &Console, chrome: Chrome, q: AuditQuery) -> Result<AuditPage, Error> {
    let s = &ctx.services;
    let tenant = chrome.current.code;
    let from = day(&q.from, "起始日期")?;
    let to = day(&q.to, "截止日期")?;
    let filter = AuditFilter {
        action: Some(q.action.trim().to_owned()).filter(|a| !a.is_empty()),
        actor: Some(q.actor.trim().to_owned()).filter(|a| !a.is_empty()),
        from: from.and_then(domain::china_time::day_start),
        until: to.and_then(|d| d.succ_opt()).and_then(domain::china_time::day_start),
    };
    let after = (!q.after.is_empty()).then(|| q.after.clone());
    let paged = after.is_some();
    let page = s.audit.audit_search(&ctx.actor, &tenant, filter, PageRequest { first: PAGE_SIZE, after }).await?;
    let filters = [("action", &q.action), ("actor", &q.actor), ("from", &q.from), ("to", &q.to)]
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}={}", urlencode(v.trim())))
        .collect::<Vec<_>>()
        .join("&");
    let next = page.end_cursor.clone().filter(|_| page.has_next).map(|c| {
        let mut link = format!("{AUDIT}?after={}", urlencode(&c));
        if !filters.is_empty() {
            link.push('&');
            link.push_str(&filters);
        }
        link
    });
    let rows = page
        .items
        .iter()
        .map(|e| EntryRow {
            at: domain::china_time::minute_text(e.record.at),
            actor: e.record.actor.clone(),
            action: e.record.action.clone(),
            target: e.record.target.clone(),
            change: change_text(e.record.before.as_ref(), e.record.after.as_ref()),
        })
        .collect();
    let verification = if q.verify == "1" {
        let v = s.audit.verify_audit(&ctx.actor, &tenant).await?;
        Some(Verification {
            intact: v.intact,
            entries: v.entries,
            breaks: v
                .breaks
                .iter()
                .map(|b| match b.entry_id {
                    Some(id) => format!("链 {}：记录 {}，{}", b.lane, id, b.reason.message()),
                    None => format!("链 {}：{}", b.lane, b.reason.message()),
                })
                .collect(),
        })
    } else {
        None
    };
    Ok(AuditPage {
        chrome,
        rows,
        total: page.total,
        action: q.action,
        actor: q.actor,
        from: q.from,
        to: q.to,
        filters,
        next,
        paged,
        verification,
    })
}

/// GET /console/audit
pub(crate) async fn page(mut ctx: Console, query: web::Query<AuditQuery>) -> HttpResponse {
    let chrome = match chrome(&mut ctx, "audit", AUDIT).await {
        Ok(c) => c,
        Err(e) => return plain_error(&e),
    };
    match build(&ctx, chrome, query.into_inner()).await {
        Ok(p) => render(ctx.response(StatusCode::OK), &p),
        Err(e) => error_page(ctx, e, AUDIT).await,
    }
}
