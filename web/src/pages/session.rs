//! Login, logout and the tenant switcher.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use domain::Error;
use domain::region::RegionCode;
use domain::service::{LoginRequest, Services};
use serde::Deserialize;

use crate::auth::{Console, LOGIN_CSRF, TENANT, cookie, logout_cookies, removal, see_other, session_cookies};
use crate::config::{ConsoleConfig, client_address};
use crate::csrf;
use crate::errors::{public_message, status_for};
use crate::layout::error_page;
use crate::routes::{CALENDAR, CATALOGUE, HALL, HOME, ITEMS, LOGIN_URL, TENANTS};
use crate::view::{STALE_FORM, plain_error, render};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    csrf: &'a str,
    username: &'a str,
    error: Option<String>,
    notice: Option<&'static str>,
}

fn config(req: &HttpRequest) -> Result<web::Data<ConsoleConfig>, Error> {
    req.app_data::<web::Data<ConsoleConfig>>()
        .cloned()
        .ok_or_else(|| Error::internal("console: ConsoleConfig not configured"))
}

/// The login page with a double-submit CSRF token.
fn login_page(
    req: &HttpRequest,
    status: StatusCode,
    username: &str,
    error: Option<String>,
    notice: Option<&'static str>,
) -> HttpResponse {
    let config = match config(req) {
        Ok(c) => c,
        Err(e) => return plain_error(&e),
    };
    // Keep a valid token so that two open login tabs both work.
    let token = req
        .cookie(LOGIN_CSRF)
        .map(|c| c.value().to_owned())
        .filter(|v| csrf::looks_random(v))
        .unwrap_or_else(csrf::random_token);
    let page = LoginPage { csrf: &token, username, error, notice };
    let mut b = HttpResponse::build(status);
    b.cookie(cookie(LOGIN_CSRF, token.clone(), config.secure_cookies, None));
    render(b, &page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct LoginQuery {
    out: Option<String>,
}

pub(crate) async fn login_form(req: HttpRequest, query: web::Query<LoginQuery>) -> HttpResponse {
    let notice = query.out.is_some().then_some("已退出登录");
    login_page(&req, StatusCode::OK, "", None, notice)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct LoginForm {
    username: String,
    password: String,
    csrf: String,
}

pub(crate) async fn login(req: HttpRequest, form: web::Form<LoginForm>) -> HttpResponse {
    let form = form.into_inner();
    // CSRF first: nothing else is touched for a forged request.
    let cookie_token = req.cookie(LOGIN_CSRF).map(|c| c.value().to_owned());
    if !csrf::verify_double_submit(cookie_token.as_deref(), &form.csrf) {
        return login_page(&req, StatusCode::FORBIDDEN, &form.username, Some(STALE_FORM.into()), None);
    }
    let (services, config) = match (req.app_data::<web::Data<Services>>(), config(&req)) {
        (Some(s), Ok(c)) => (s.clone(), c),
        (None, _) => return plain_error(&Error::internal("console: Services not configured")),
        (_, Err(e)) => return plain_error(&e),
    };
    let client = client_address(&req);
    let result = services
        .identity
        .login(LoginRequest { username: &form.username, password: &form.password, client: &client })
        .await;
    match result {
        Ok(session) => {
            let secure = config.secure_cookies;
            let mut b = see_other(HOME);
            for c in session_cookies(&services, &session, secure) {
                b.cookie(c);
            }
            b.cookie(removal(TENANT, secure));
            b.cookie(removal(LOGIN_CSRF, secure));
            b.finish()
        }
        Err(e) => {
            let mut resp = login_page(&req, status_for(&e), &form.username, Some(public_message(&e)), None);
            if let Error::RateLimited { retry_after_secs } = e {
                resp.headers_mut().insert(header::RETRY_AFTER, retry_after_secs.into());
            }
            resp
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct CsrfForm {
    csrf: String,
}

pub(crate) async fn logout(ctx: Console, form: web::Form<CsrfForm>) -> HttpResponse {
    if !ctx.csrf_ok(&form.csrf) {
        return error_page(ctx, Error::forbidden(STALE_FORM), HOME).await;
    }
    if let Err(e) = ctx.services.identity.logout(&ctx.actor, &ctx.claims).await {
        // The cookies go anyway; the tokens expire on their own.
        tracing::warn!(code = e.code(), error = %e, "console logout failed");
        if let Error::Internal(detail) = &e {
            tracing::error!(%detail, "console logout failed");
        }
    }
    let mut b = see_other(&format!("{LOGIN_URL}?out=1"));
    for c in logout_cookies(ctx.secure()) {
        b.cookie(c);
    }
    b.finish()
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct TenantForm {
    csrf: String,
    tenant: String,
    back: String,
}

/// Only the console's own pages are valid return targets.
fn back_target(back: &str) -> &'static str {
    match back {
        TENANTS => TENANTS,
        CALENDAR => CALENDAR,
        ITEMS => ITEMS,
        CATALOGUE => CATALOGUE,
        HALL => HALL,
        _ => HOME,
    }
}

pub(crate) async fn switch_tenant(ctx: Console, form: web::Form<TenantForm>) -> HttpResponse {
    let back = back_target(&form.back);
    if !ctx.csrf_ok(&form.csrf) {
        return error_page(ctx, Error::forbidden(STALE_FORM), back).await;
    }
    let chosen = match RegionCode::parse(&form.tenant) {
        Ok(c) => c,
        Err(e) => return error_page(ctx, e, back).await,
    };
    match ctx.services.tenants.tenant(&ctx.actor, &chosen).await {
        Ok(t) => {
            let secure = ctx.secure();
            let choice = if t.code == ctx.actor.tenant {
                removal(TENANT, secure)
            } else {
                cookie(TENANT, t.code.to_string(), secure, None)
            };
            let mut b = ctx.response(StatusCode::SEE_OTHER);
            b.insert_header((header::LOCATION, back)).cookie(choice);
            b.finish()
        }
        Err(e) => error_page(ctx, e, back).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_console_pages_are_return_targets() {
        assert_eq!(back_target("/console/tenants"), "/console/tenants");
        assert_eq!(back_target("/console/calendar"), "/console/calendar");
        assert_eq!(back_target("https://evil.example/"), "/console");
        assert_eq!(back_target("//evil.example"), "/console");
        assert_eq!(back_target(""), "/console");
    }
}
