//! The public complaint page (投诉) of a center: no login, one form; the domain limits attempts
//! per client and answers with the deadline (3 working days) the complaint is handled in.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use domain::Error;
use domain::region::RegionCode;
use domain::service::Services;
use serde::Deserialize;

use crate::errors::{public_message, status_for};
use crate::text_size::TextSize;

#[derive(Template)]
#[template(path = "complaint.html")]
struct ComplaintPage {
    ts: TextSize,
    tenant: String,
    center: String,
    case_no: String,
    content: String,
    contact: String,
    error: String,
    /// The deadline of the complaint just filed.
    filed: String,
}

fn render(status: StatusCode, page: &ComplaintPage) -> HttpResponse {
    match page.render() {
        Ok(body) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .insert_header(("Cache-Control", "no-store"))
            .body(body),
        Err(e) => {
            tracing::error!(error = %e, "complaint template failed");
            HttpResponse::InternalServerError()
                .content_type("text/plain; charset=utf-8")
                .body("系统内部错误，请稍后再试")
        }
    }
}

async fn center(services: &Services, raw: &str) -> Result<(RegionCode, String), Error> {
    let code = RegionCode::parse(raw).map_err(|_| Error::NotFound { what: "政务服务中心" })?;
    let t = services.tenants.public_tenant(&code).await?;
    Ok((t.code, t.center_name()))
}

fn empty(req: &HttpRequest, tenant: RegionCode, center: String) -> ComplaintPage {
    ComplaintPage {
        ts: TextSize::of(req),
        tenant: tenant.to_string(),
        center,
        case_no: String::new(),
        content: String::new(),
        contact: String::new(),
        error: String::new(),
        filed: String::new(),
    }
}

/// GET /complaint/{tenant}: the form.
pub(crate) async fn form(req: HttpRequest, services: web::Data<Services>, path: web::Path<String>) -> HttpResponse {
    match center(&services, &path.into_inner()).await {
        Ok((code, name)) => render(StatusCode::OK, &empty(&req, code, name)),
        Err(e) => crate::view::plain_error(&e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct ComplaintForm {
    case_no: String,
    content: String,
    contact: String,
}

/// POST /complaint/{tenant}: files the complaint; errors next to the form, the input kept.
pub(crate) async fn file(
    req: HttpRequest,
    services: web::Data<Services>,
    path: web::Path<String>,
    form: web::Form<ComplaintForm>,
) -> HttpResponse {
    let (code, name) = match center(&services, &path.into_inner()).await {
        Ok(x) => x,
        Err(e) => return crate::view::plain_error(&e),
    };
    let f = form.into_inner();
    let client = crate::config::client_address(&req);
    let case_no = Some(f.case_no.trim()).filter(|s| !s.is_empty());
    let mut page = empty(&req, code, name);
    match services.supervision.file_complaint(&code, case_no, &f.content, &f.contact, &client).await {
        Ok(c) => {
            page.filed = c.deadline.format("%Y年%m月%d日").to_string();
            render(StatusCode::OK, &page)
        }
        Err(e) => {
            page.case_no = f.case_no.chars().take(60).collect();
            page.content = f.content.chars().take(2000).collect();
            page.contact = f.contact.chars().take(50).collect();
            page.error = public_message(&e);
            render(status_for(&e), &page)
        }
    }
}
