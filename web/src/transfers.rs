//! The transfer inbox and outbox (跨域通办): status, holding times and return reasons, with the
//! handling side's sign / accept / return actions.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use domain::Error;
use domain::page::PageRequest;
use domain::transfer::{Direction, Transfer, TransferAction};
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::{Console, see_other};
use crate::forms::{FieldWords, FormState};
use crate::layout::{Chrome, chrome, error_page};
use crate::view::{STALE_FORM, plain_error, render};

pub(crate) const TRANSFERS: &str = "/console/transfers";
const PER_PAGE: u32 = 50;

struct TransferRow {
    id: String,
    case_id: String,
    case_no: String,
    from: String,
    to: String,
    status: &'static str,
    sent_at: String,
    collector_days: i64,
    handler_days: i64,
    warning: &'static str,
    warning_class: &'static str,
    note: String,
    return_reason: String,
    /// The steps the domain offers this actor now.
    may_receive: bool,
    may_accept: bool,
    may_return: bool,
    /// The key of this row's forms in the page's [`FormState`].
    step: String,
}

/// The fields of a transfer's step forms, by the words their errors use.
const STEP_FIELDS: FieldWords = &[("reason", "退回理由")];

/// The key of a transfer's forms in a [`FormState`].
fn step_key(id: &str) -> String {
    format!("transfer-{id}")
}

#[derive(Template)]
#[template(path = "transfers.html")]
struct TransfersPage {
    chrome: Chrome,
    inbound: bool,
    rows: Vec<TransferRow>,
    total: u64,
    next: Option<String>,
    /// The page's cursor, kept by its forms so a refused step shows the same page.
    after: String,
    form: FormState,
    /// A refused step's error whose row is not on this page, shown above the list.
    unplaced: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct TransfersQuery {
    direction: Option<String>,
    after: Option<String>,
}

fn time(t: chrono::DateTime<chrono::Utc>) -> String {
    domain::china_time::minute_text(t)
}

async fn name_of(ctx: &Console, code: &domain::region::RegionCode, center: Option<&str>) -> String {
    match ctx.services.tenants.tenant_identities(&[*code]).await.ok().and_then(|v| v.into_iter().next()) {
        Some(t) => t.center_name(),
        None => center.map(str::to_owned).unwrap_or_else(|| code.to_string()),
    }
}

async fn row(ctx: &Console, t: Transfer) -> Result<TransferRow, Error> {
    let reading = ctx.services.transfers.reading(&t).await?;
    let steps = ctx.services.transfers.allowed_steps(&ctx.actor, &t).await?;
    let may = |a: TransferAction| steps.contains(&a);
    let (warning, warning_class) = match reading.warning {
        domain::case::Warning::Green => ("正常", "green"),
        domain::case::Warning::Yellow => ("黄牌", "yellow"),
        domain::case::Warning::Red => ("红牌", "red"),
    };
    Ok(TransferRow {
        id: t.id.to_string(),
        case_id: t.case_id.to_string(),
        case_no: t.case_no.clone(),
        from: name_of(ctx, &t.from, t.from_center.as_deref()).await,
        to: name_of(ctx, &t.to, None).await,
        status: t.status.label(),
        sent_at: time(t.sent_at),
        collector_days: reading.collector_days,
        handler_days: reading.handler_days,
        warning,
        warning_class,
        note: t.note.clone().unwrap_or_default(),
        return_reason: t.return_reason.clone().unwrap_or_default(),
        may_receive: may(TransferAction::Receive),
        may_accept: may(TransferAction::Accept),
        may_return: may(TransferAction::Return),
        step: step_key(&t.id.to_string()),
    })
}

/// GET /console/transfers?direction=in|out
pub(crate) async fn list(ctx: Console, query: web::Query<TransfersQuery>) -> HttpResponse {
    list_page(ctx, query.into_inner(), FormState::default(), StatusCode::OK).await
}

/// The list, with a refused step's form shown again (`form`) under `code`.
async fn list_page(mut ctx: Console, q: TransfersQuery, form: FormState, code: StatusCode) -> HttpResponse {
    let chrome = match chrome(&mut ctx, "transfers", TRANSFERS).await {
        Ok(c) => c,
        Err(e) => return plain_error(&e),
    };
    let inbound = q.direction.as_deref() != Some("out");
    let direction = if inbound { Direction::Inbound } else { Direction::Outbound };
    let after = q.after.filter(|a| !a.is_empty());
    let page = PageRequest { first: PER_PAGE, after: after.clone() };
    let result = ctx.services.transfers.transfers(&ctx.actor, direction, Vec::new(), Vec::new(), page).await;
    let page = match result {
        Ok(p) => p,
        Err(e) => return error_page(ctx, e, TRANSFERS).await,
    };
    let next = if page.has_next { page.end_cursor.clone() } else { None };
    let mut rows = Vec::with_capacity(page.items.len());
    for t in page.items {
        match row(&ctx, t).await {
            Ok(r) => rows.push(r),
            Err(e) => return error_page(ctx, e, TRANSFERS).await,
        }
    }
    let after = after.unwrap_or_default();
    let unplaced = match rows.iter().any(|r| r.step == form.step) {
        true => String::new(),
        false => [form.general(), form.error(&form.step, "reason")].concat(),
    };
    let view = TransfersPage { chrome, inbound, rows, total: page.total, next, after, form, unplaced };
    render(ctx.response(code), &view)
}

/// POST /console/transfers/{id}/{receive|accept|return}
pub(crate) async fn step(
    ctx: Console,
    path: web::Path<(String, String)>,
    form: web::Form<Vec<(String, String)>>,
) -> HttpResponse {
    let f = form.into_inner();
    let get = |k: &str| f.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    if !ctx.csrf_ok(&get("csrf")) {
        return error_page(ctx, Error::forbidden(STALE_FORM), TRANSFERS).await;
    }
    let (raw, action) = path.into_inner();
    let Ok(id) = Uuid::parse_str(&raw) else {
        return error_page(ctx, Error::NotFound { what: "转办" }, TRANSFERS).await;
    };
    let s = ctx.services.clone();
    let result = match action.as_str() {
        "receive" => s.transfers.receive(&ctx.actor, id).await,
        "accept" => s.transfers.accept(&ctx.actor, id).await,
        "return" => s.transfers.return_transfer(&ctx.actor, id, &get("reason")).await,
        _ => Err(Error::NotFound { what: "操作" }),
    };
    match result {
        Ok(_) => see_other(TRANSFERS).finish(),
        // The inbox again, the error at the row's form and the reason typed kept.
        Err(e @ (Error::InvalidInput(_) | Error::Conflict(_) | Error::IllegalTransition(_))) => {
            let status = crate::errors::status_for(&e);
            let form = FormState::failed(&step_key(&id.to_string()), STEP_FIELDS, &e, f.clone());
            let q = TransfersQuery { direction: None, after: Some(get("after")) };
            list_page(ctx, q, form, status).await
        }
        Err(e) => error_page(ctx, e, TRANSFERS).await,
    }
}
