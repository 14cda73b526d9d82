//! The partner registry and the outbox's health (跨省通办), for the platform administrator: partners
//! with the prefixes they serve, the outbox's depth and oldest message, parked messages with their
//! last error and a retry button, and a form to register a partner.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use domain::Error;
use domain::partner::PartnerInput;
use uuid::Uuid;

use crate::auth::{Console, see_other};
use crate::layout::{Chrome, chrome, error_page};
use crate::view::{STALE_FORM, plain_error, render};

pub(crate) const PARTNERS: &str = "/console/partners";

struct PartnerRow {
    id: String,
    name: String,
    prefixes: String,
    base_url: String,
    client_id: String,
    updated_at: String,
}

struct ParkedRow {
    id: String,
    topic: String,
    created_at: String,
    attempts: i32,
    last_error: String,
}

#[derive(Template)]
#[template(path = "partners.html")]
struct PartnersPage {
    chrome: Chrome,
    partners: Vec<PartnerRow>,
    depth: u64,
    oldest: String,
    parked_count: u64,
    parked: Vec<ParkedRow>,
}

fn time(t: chrono::DateTime<chrono::Utc>) -> String {
    domain::china_time::minute_text(t)
}

/// GET /console/partners
pub(crate) async fn page(mut ctx: Console) -> HttpResponse {
    let chrome = match chrome(&mut ctx, "partners", PARTNERS).await {
        Ok(c) => c,
        Err(e) => return plain_error(&e),
    };
    let s = ctx.services.clone();
    let (partners, health) = match (s.partners.partners(&ctx.actor).await, s.partners.outbox_health(&ctx.actor).await) {
        (Ok(p), Ok(h)) => (p, h),
        (Err(e), _) | (_, Err(e)) => return error_page(ctx, e, PARTNERS).await,
    };
    let partners = partners
        .into_iter()
        .map(|p| PartnerRow {
            id: p.id.to_string(),
            name: p.name,
            prefixes: p.prefixes.join("、"),
            base_url: p.base_url,
            client_id: p.client_id,
            updated_at: time(p.updated_at),
        })
        .collect();
    let oldest = match health.oldest_at {
        Some(at) => {
            let secs = (chrono::Utc::now() - at).num_seconds().max(0);
            format!("{}（已等待 {secs} 秒）", time(at))
        }
        None => "无".to_owned(),
    };
    let parked = health
        .parked
        .into_iter()
        .map(|m| ParkedRow {
            id: m.id.to_string(),
            topic: m.topic,
            created_at: time(m.created_at),
            attempts: m.attempts,
            last_error: m.last_error.unwrap_or_default(),
        })
        .collect();
    let view =
        PartnersPage { chrome, partners, depth: health.depth, oldest, parked_count: health.parked_count, parked };
    render(ctx.response(StatusCode::OK), &view)
}

fn field(f: &[(String, String)], k: &str) -> String {
    f.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default()
}

/// POST /console/partners: registers a partner.
pub(crate) async fn register(ctx: Console, form: web::Form<Vec<(String, String)>>) -> HttpResponse {
    let f = form.into_inner();
    if !ctx.csrf_ok(&field(&f, "csrf")) {
        return error_page(ctx, Error::forbidden(STALE_FORM), PARTNERS).await;
    }
    let prefixes: Vec<String> = field(&f, "prefixes")
        .split([',', '，', '、', ' '])
        .filter(|p| !p.trim().is_empty())
        .map(str::to_owned)
        .collect();
    let secret = field(&f, "client_secret");
    let input = PartnerInput::parse(
        &field(&f, "name"),
        &prefixes,
        &field(&f, "base_url"),
        &field(&f, "client_id"),
        Some(secret.as_str()),
    );
    let result = match input {
        Ok(i) => ctx.services.partners.save(&ctx.actor, None, i).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => see_other(PARTNERS).finish(),
        Err(e) => error_page(ctx, e, PARTNERS).await,
    }
}

/// POST /console/partners/{id}/remove, /console/partners/outbox/{id}/retry
pub(crate) async fn step(
    ctx: Console,
    path: web::Path<(String, String)>,
    form: web::Form<Vec<(String, String)>>,
) -> HttpResponse {
    let f = form.into_inner();
    if !ctx.csrf_ok(&field(&f, "csrf")) {
        return error_page(ctx, Error::forbidden(STALE_FORM), PARTNERS).await;
    }
    let (raw, action) = path.into_inner();
    let Ok(id) = Uuid::parse_str(&raw) else {
        return error_page(ctx, Error::NotFound { what: "合作方" }, PARTNERS).await;
    };
    let s = ctx.services.clone();
    let result = match action.as_str() {
        "remove" => s.partners.remove(&ctx.actor, id).await,
        "retry" => s.partners.retry(&ctx.actor, id).await,
        _ => Err(Error::NotFound { what: "操作" }),
    };
    match result {
        Ok(()) => see_other(PARTNERS).finish(),
        Err(e) => error_page(ctx, e, PARTNERS).await,
    }
}
