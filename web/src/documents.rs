//! Printable documents (文书) of cases.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use domain::Error;
use uuid::Uuid;

use crate::auth::Console;
use crate::pages::{plain_error, render};

#[derive(Template)]
#[template(path = "document.html")]
struct DocumentPage {
    title: &'static str,
    number: String,
    paragraphs: Vec<String>,
    issued: String,
}

/// GET /console/documents/{id}: the document as a printable page.
pub(crate) async fn show(ctx: Console, id: web::Path<String>) -> HttpResponse {
    let Ok(id) = Uuid::parse_str(&id) else {
        return plain_error(&Error::NotFound { what: "文书" });
    };
    let doc = match ctx.services.document(&ctx.actor, id).await {
        Ok(d) => d,
        Err(e) => return plain_error(&e),
    };
    let day = domain::hall::local_day(doc.issued_at);
    let page = DocumentPage {
        title: doc.title(),
        number: doc.number.clone(),
        paragraphs: doc.paragraphs.clone(),
        issued: day.format("%Y年%m月%d日").to_string(),
    };
    render(ctx.response(StatusCode::OK), &page)
}
