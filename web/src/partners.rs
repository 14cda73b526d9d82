//! The partner registry and the outbox's health (跨省通办), for the platform administrator: partners
//! with the prefixes they serve, the outbox's depth and oldest message, parked messages with their
//! last error and a retry button, and a form to register a partner.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use domain::Error;
use domain::partner::PartnerInput;
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::{Console, see_other};
use crate::forms::{FieldWords, FormState};
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
    /// The partner being changed (its id), or empty for a new one.
    editing: String,
    /// The register / update form: what was typed, else the partner's current values.
    partner_name: String,
    prefixes: String,
    base_url: String,
    client_id: String,
    form: FormState,
}

/// The key of the register / update form in its [`FormState`].
const PARTNER_STEP: &str = "partner";
/// The form's fields, by the words their errors use.
const PARTNER_FIELDS: FieldWords = &[
    ("name", "合作方名称"),
    ("prefixes", "区划代码前缀"),
    ("base_url", "接口地址"),
    ("client_id", "服务账号ID"),
    ("client_secret", "服务账号密钥"),
];

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct PartnersQuery {
    /// The partner to change.
    edit: String,
}

fn time(t: chrono::DateTime<chrono::Utc>) -> String {
    domain::china_time::minute_text(t)
}

/// GET /console/partners[?edit={id}]
pub(crate) async fn page(ctx: Console, q: web::Query<PartnersQuery>) -> HttpResponse {
    partners_page(ctx, &q.edit, FormState::default(), StatusCode::OK).await
}

/// The page, its form for the partner `edit` (empty: a new one), a refused submission shown
/// again (`form`) under `code`.
async fn partners_page(mut ctx: Console, edit: &str, form: FormState, code: StatusCode) -> HttpResponse {
    let chrome = match chrome(&mut ctx, "partners", PARTNERS).await {
        Ok(c) => c,
        Err(e) => return plain_error(&e),
    };
    let s = ctx.services.clone();
    let (partners, health) = match (s.partners.partners(&ctx.actor).await, s.partners.outbox_health(&ctx.actor).await) {
        (Ok(p), Ok(h)) => (p, h),
        (Err(e), _) | (_, Err(e)) => return error_page(ctx, e, PARTNERS).await,
    };
    let editing = match edit.trim() {
        "" => None,
        raw => match Uuid::parse_str(raw).ok().and_then(|id| partners.iter().find(|p| p.id == id)) {
            Some(p) => Some(p.clone()),
            None => return error_page(ctx, Error::NotFound { what: "合作方" }, PARTNERS).await,
        },
    };
    let current = |f: fn(&domain::partner::Partner) -> String| editing.as_ref().map(f).unwrap_or_default();
    let typed = |name: &str, now: String| form.value_or(PARTNER_STEP, name, &now);
    let partner_name = typed("name", current(|p| p.name.clone()));
    let prefixes = typed("prefixes", current(|p| p.prefixes.join(", ")));
    let base_url = typed("base_url", current(|p| p.base_url.clone()));
    let client_id = typed("client_id", current(|p| p.client_id.clone()));
    let editing = editing.map(|p| p.id.to_string()).unwrap_or_default();
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
    let view = PartnersPage {
        chrome,
        partners,
        depth: health.depth,
        oldest,
        parked_count: health.parked_count,
        parked,
        editing,
        partner_name,
        prefixes,
        base_url,
        client_id,
        form,
    };
    render(ctx.response(code), &view)
}

fn field(f: &[(String, String)], k: &str) -> String {
    f.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default()
}

/// POST /console/partners: registers a partner, or changes one (`id`; an empty secret keeps its own).
pub(crate) async fn register(ctx: Console, form: web::Form<Vec<(String, String)>>) -> HttpResponse {
    let f = form.into_inner();
    if !ctx.csrf_ok(&field(&f, "csrf")) {
        return error_page(ctx, Error::forbidden(STALE_FORM), PARTNERS).await;
    }
    let edit = field(&f, "id");
    let id = match edit.trim() {
        "" => None,
        raw => match Uuid::parse_str(raw) {
            Ok(id) => Some(id),
            Err(_) => return error_page(ctx, Error::NotFound { what: "合作方" }, PARTNERS).await,
        },
    };
    let prefixes: Vec<String> = field(&f, "prefixes")
        .split([',', '，', '、', ' '])
        .filter(|p| !p.trim().is_empty())
        .map(str::to_owned)
        .collect();
    let secret = field(&f, "client_secret");
    // A change keeps the partner's secret unless a new one is typed.
    let secret = Some(secret.as_str()).filter(|s| id.is_none() || !s.is_empty());
    let input =
        PartnerInput::parse(&field(&f, "name"), &prefixes, &field(&f, "base_url"), &field(&f, "client_id"), secret);
    let result = match input {
        Ok(i) => ctx.services.partners.save(&ctx.actor, id, i).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => see_other(PARTNERS).finish(),
        // The form again, the error at its field; what was typed kept, never the secret.
        Err(e @ (Error::InvalidInput(_) | Error::Conflict(_))) => {
            let status = crate::errors::status_for(&e);
            let values = f.into_iter().filter(|(n, _)| n != "client_secret").collect();
            let form = FormState::failed(PARTNER_STEP, PARTNER_FIELDS, &e, values);
            partners_page(ctx, &edit, form, status).await
        }
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
