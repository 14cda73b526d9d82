//! Rendering shared by every page: templates, the plain error page, form and URL helpers.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, HttpResponseBuilder};
use askama::Template;
use domain::Error;

use crate::errors::{public_message, status_for, title_for};

pub(crate) const STALE_FORM: &str = "页面已过期，请刷新后重试";

/// Renders a page, or a bare 500 when the template fails.
pub(crate) fn render(mut b: HttpResponseBuilder, page: &impl Template) -> HttpResponse {
    match page.render() {
        Ok(body) => b.content_type("text/html; charset=utf-8").body(body),
        Err(e) => {
            tracing::error!(error = %e, "console template failed");
            HttpResponse::InternalServerError()
                .content_type("text/plain; charset=utf-8")
                .body("系统内部错误，请稍后再试")
        }
    }
}

#[derive(Template)]
#[template(path = "error_plain.html")]
struct PlainErrorPage {
    title: &'static str,
    message: String,
    login_link: bool,
}

/// An error page outside the layout (no session, or the layout itself failed).
pub(crate) fn plain_error(err: &Error) -> HttpResponse {
    let status = status_for(err);
    let page = PlainErrorPage {
        title: title_for(status),
        message: public_message(err),
        login_link: status == StatusCode::UNAUTHORIZED,
    };
    render(HttpResponse::build(status), &page)
}

pub(crate) async fn not_found() -> HttpResponse {
    let page = PlainErrorPage {
        title: title_for(StatusCode::NOT_FOUND),
        message: "您访问的页面不存在".into(),
        login_link: false,
    };
    render(HttpResponse::build(StatusCode::NOT_FOUND), &page)
}

pub(crate) fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
