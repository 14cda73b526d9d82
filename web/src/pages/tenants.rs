//! The tenants in scope (租户).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use domain::page::PageRequest;
use serde::Deserialize;

use crate::auth::Console;
use crate::layout::{Chrome, chrome, error_page};
use crate::view::{plain_error, render};

const TENANTS_PER_PAGE: u32 = 50;

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
