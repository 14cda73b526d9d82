//! The layout around every logged-in page (user, tenant switcher, menu) and its error page.

use actix_web::HttpResponse;
use askama::Template;
use domain::Error;
use domain::page::{MAX_PAGE, Page, PageRequest};
use domain::region::RegionCode;
use domain::tenant::Tenant;

use crate::auth::{Console, TENANT, removal};
use crate::errors::{public_message, status_for, title_for};
use crate::menu::{MenuItem, menu_for};
use crate::view::{plain_error, render};

pub(crate) struct TenantOption {
    pub(crate) code: String,
    pub(crate) label: String,
    pub(crate) selected: bool,
}

/// What the layout shows around every logged-in page.
pub(crate) struct Chrome {
    pub(crate) user_name: String,
    /// The selected tenant: the own one unless switched.
    pub(crate) current: Tenant,
    pub(crate) center_name: String,
    pub(crate) own_center: String,
    pub(crate) tenants: Vec<TenantOption>,
    /// More tenants in scope than the switcher lists.
    pub(crate) tenants_truncated: bool,
    pub(crate) menu: Vec<MenuItem>,
    pub(crate) active: &'static str,
    pub(crate) csrf: String,
    /// Where the tenant switcher returns to.
    pub(crate) back: &'static str,
    /// Missing official holiday data, for root-tenant administrators.
    pub(crate) calendar_warning: Option<String>,
}

/// The tenant chosen in the switcher, if any and still valid.
pub(crate) async fn selected_tenant(ctx: &mut Console, own: &Tenant) -> Result<Tenant, Error> {
    let Some(raw) = ctx.req.cookie(TENANT).map(|c| c.value().to_owned()) else {
        return Ok(own.clone());
    };
    let code = RegionCode::parse(&raw).ok().filter(|c| *c != own.code);
    if let Some(code) = code {
        match ctx.services.tenants.tenant(&ctx.actor, &code).await {
            Ok(t) => return Ok(t),
            Err(e @ Error::Internal(_)) => return Err(e),
            Err(_) => {}
        }
    }
    // Unparseable, the own tenant, or no longer in scope: forget it.
    ctx.cookies.push(removal(TENANT, ctx.secure()));
    Ok(own.clone())
}

pub(crate) async fn chrome(ctx: &mut Console, active: &'static str, back: &'static str) -> Result<Chrome, Error> {
    let services = ctx.services.clone();
    let user = services.identity.me(&ctx.actor).await?;
    let own = services.tenants.tenant(&ctx.actor, &ctx.actor.tenant).await?;
    let current = selected_tenant(ctx, &own).await?;
    let children = match services
        .tenants
        .tenants(&ctx.actor, Some(own.code), None, PageRequest { first: MAX_PAGE, after: None })
        .await
    {
        Ok(p) => p,
        Err(Error::Forbidden(_)) => Page::empty(),
        Err(e) => return Err(e),
    };
    let mut listed: Vec<&Tenant> = std::iter::once(&own).chain(&children.items).collect();
    if !listed.iter().any(|t| t.code == current.code) {
        listed.push(&current);
    }
    let tenants = listed
        .into_iter()
        .map(|t| TenantOption { code: t.code.to_string(), label: t.center_name(), selected: t.code == current.code })
        .collect();
    Ok(Chrome {
        user_name: user.display_name,
        center_name: current.center_name(),
        own_center: own.center_name(),
        current,
        tenants,
        tenants_truncated: children.has_next,
        menu: menu_for(&ctx.actor.roles),
        active,
        csrf: ctx.csrf()?,
        back,
        calendar_warning: services.calendar.calendar_warning(&ctx.actor, services.calendar.today()).await?,
    })
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    title: &'static str,
    message: String,
}

/// An error inside the layout, or outside it when the layout cannot be built.
pub(crate) async fn error_page(mut ctx: Console, err: Error, back: &'static str) -> HttpResponse {
    let chrome = match chrome(&mut ctx, "", back).await {
        Ok(c) => c,
        Err(e) => return plain_error(&e),
    };
    let status = status_for(&err);
    let page = ErrorPage { chrome, title: title_for(status), message: public_message(&err) };
    render(ctx.response(status), &page)
}
