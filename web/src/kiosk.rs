//! The public ticket page of a hall (取号): kiosk-sized buttons, one per item its windows serve.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use domain::Error;
use domain::region::RegionCode;
use domain::service::Services;
use serde::Deserialize;
use uuid::Uuid;

use crate::errors::{public_message, status_for};
use crate::text_size::TextSize;

struct Choice {
    id: String,
    name: String,
}

struct Taken {
    number: String,
    ahead: u32,
    windows: String,
}

#[derive(Template)]
#[template(path = "ticket.html")]
struct TicketPage {
    ts: TextSize,
    tenant: String,
    center: String,
    items: Vec<Choice>,
    taken: Option<Taken>,
    error: String,
}

fn render(status: StatusCode, page: &TicketPage) -> HttpResponse {
    match page.render() {
        Ok(body) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .insert_header(("Cache-Control", "no-store"))
            .body(body),
        Err(e) => {
            tracing::error!(error = %e, "ticket template failed");
            HttpResponse::InternalServerError()
                .content_type("text/plain; charset=utf-8")
                .body("系统内部错误，请稍后再试")
        }
    }
}

async fn page(ts: TextSize, services: &Services, raw: &str, taken: Result<Option<Taken>, Error>) -> HttpResponse {
    let loaded = async {
        let code = RegionCode::parse(raw).map_err(|_| Error::NotFound { what: "服务大厅" })?;
        let (t, items) = services.hall.kiosk_items(&code).await?;
        Ok::<_, Error>((t, items))
    }
    .await;
    let (t, items) = match loaded {
        Ok(x) => x,
        Err(e) => return crate::view::plain_error(&e),
    };
    let (status, taken, error) = match taken {
        Ok(t) => (StatusCode::OK, t, String::new()),
        Err(e) => (status_for(&e), None, public_message(&e)),
    };
    let view = TicketPage {
        ts,
        tenant: t.code.to_string(),
        center: t.center_name(),
        items: items.into_iter().map(|i| Choice { id: i.id.to_string(), name: i.name }).collect(),
        taken,
        error,
    };
    render(status, &view)
}

/// GET /ticket/{tenant}: the items to take a number for.
pub(crate) async fn form(req: HttpRequest, services: web::Data<Services>, path: web::Path<String>) -> HttpResponse {
    page(TextSize::of(&req), &services, &path.into_inner(), Ok(None)).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct TakeForm {
    item: String,
}

/// POST /ticket/{tenant}: takes a number (rate-limited per client) and shows it large.
pub(crate) async fn take(
    req: HttpRequest,
    services: web::Data<Services>,
    path: web::Path<String>,
    form: web::Form<TakeForm>,
) -> HttpResponse {
    let raw = path.into_inner();
    let client = crate::config::client_address(&req);
    let taken = async {
        let code = RegionCode::parse(&raw).map_err(|_| Error::NotFound { what: "服务大厅" })?;
        let item = Uuid::parse_str(form.item.trim()).map_err(|_| Error::invalid("请选择要办理的事项"))?;
        let t = services.hall.take_public_ticket(&code, item, &client).await?;
        let windows: Vec<String> = t.windows.iter().map(|w| format!("{}号窗口", w.number)).collect();
        Ok(Some(Taken { number: t.number, ahead: t.position.saturating_sub(1), windows: windows.join("、") }))
    }
    .await;
    page(TextSize::of(&req), &services, &raw, taken).await
}
