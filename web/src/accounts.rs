//! 服务账号: partner systems' client credentials for the cross-area API. A center administrator
//! creates, rotates and revokes them; a secret is shown once, in the answer that made it.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use domain::Error;
use domain::service::NewServiceAccount;
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::Console;
use crate::forms::{FieldWords, FormState};
use crate::layout::{Chrome, chrome, error_page};
use crate::routes::ACCOUNTS;
use crate::view::{STALE_FORM, plain_error, render};

const FIELDS: FieldWords = &[("name", "名称")];

struct AccountRow {
    id: String,
    client_id: String,
    name: String,
    tenant: String,
    created: String,
}

/// A secret just issued: shown on this answer only.
struct Issued {
    client_id: String,
    secret: String,
}

#[derive(Template)]
#[template(path = "accounts.html")]
struct AccountsPage {
    chrome: Chrome,
    rows: Vec<AccountRow>,
    issued: Option<Issued>,
    notice: Option<String>,
    form: FormState,
}

async fn build(
    ctx: &Console,
    chrome: Chrome,
    issued: Option<Issued>,
    notice: Option<String>,
    form: FormState,
) -> Result<AccountsPage, Error> {
    let s = &ctx.services;
    let accounts = s.identity.service_accounts(&ctx.actor, &chrome.current.code).await?;
    let mut rows = Vec::new();
    for a in accounts {
        let tenant = if a.tenant == chrome.current.code {
            chrome.current.name.clone()
        } else {
            s.tenants.tenant(&ctx.actor, &a.tenant).await?.name
        };
        rows.push(AccountRow {
            id: a.id.to_string(),
            client_id: a.client_id,
            name: a.name,
            tenant,
            created: domain::china_time::minute_text(a.created_at),
        });
    }
    Ok(AccountsPage { chrome, rows, issued, notice, form })
}

/// GET /console/accounts
pub(crate) async fn page(mut ctx: Console) -> HttpResponse {
    let chrome = match chrome(&mut ctx, "accounts", ACCOUNTS).await {
        Ok(c) => c,
        Err(e) => return plain_error(&e),
    };
    match build(&ctx, chrome, None, None, FormState::default()).await {
        Ok(p) => render(ctx.response(StatusCode::OK), &p),
        Err(e) => error_page(ctx, e, ACCOUNTS).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct CreateForm {
    csrf: String,
    name: String,
}

/// POST /console/accounts: a new account at the selected tenant; the page shows its secret once.
pub(crate) async fn create(mut ctx: Console, form: web::Form<CreateForm>) -> HttpResponse {
    let f = form.into_inner();
    if !ctx.csrf_ok(&f.csrf) {
        return error_page(ctx, Error::forbidden(STALE_FORM), ACCOUNTS).await;
    }
    let chrome = match chrome(&mut ctx, "accounts", ACCOUNTS).await {
        Ok(c) => c,
        Err(e) => return plain_error(&e),
    };
    let result = ctx.services.identity.create_service_account(&ctx.actor, &chrome.current.code, &f.name).await;
    answer(ctx, chrome, result, "已创建服务账号", vec![("name".into(), f.name)]).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct StepForm {
    csrf: String,
    confirm: String,
}

/// POST /console/accounts/{id}/{rotate|revoke}
pub(crate) async fn step(
    mut ctx: Console,
    path: web::Path<(String, String)>,
    form: web::Form<StepForm>,
) -> HttpResponse {
    let f = form.into_inner();
    if !ctx.csrf_ok(&f.csrf) {
        return error_page(ctx, Error::forbidden(STALE_FORM), ACCOUNTS).await;
    }
    let (raw, action) = path.into_inner();
    let Ok(id) = Uuid::parse_str(&raw) else {
        return error_page(ctx, Error::NotFound { what: "服务账号" }, ACCOUNTS).await;
    };
    let chrome = match chrome(&mut ctx, "accounts", ACCOUNTS).await {
        Ok(c) => c,
        Err(e) => return plain_error(&e),
    };
    let s = ctx.services.clone();
    match action.as_str() {
        "rotate" => {
            let result = s.identity.rotate_service_account(&ctx.actor, id).await;
            answer(ctx, chrome, result, "已更换密钥，原密钥和已签发的令牌立即失效", Vec::new()).await
        }
        "revoke" => {
            let result = if f.confirm == "1" {
                s.identity.revoke_service_account(&ctx.actor, id).await
            } else {
                Err(Error::invalid("请勾选确认后再注销"))
            };
            match result {
                Ok(a) => {
                    let notice = format!("已注销服务账号 {}", a.client_id);
                    match build(&ctx, chrome, None, Some(notice), FormState::default()).await {
                        Ok(p) => render(ctx.response(StatusCode::OK), &p),
                        Err(e) => error_page(ctx, e, ACCOUNTS).await,
                    }
                }
                Err(e) => failed(ctx, chrome, e, Vec::new()).await,
            }
        }
        _ => error_page(ctx, Error::NotFound { what: "页面" }, ACCOUNTS).await,
    }
}

async fn answer(
    ctx: Console,
    chrome: Chrome,
    result: Result<NewServiceAccount, Error>,
    notice: &str,
    values: Vec<(String, String)>,
) -> HttpResponse {
    match result {
        Ok(n) => {
            let issued = Issued { client_id: n.account.client_id, secret: n.client_secret };
            match build(&ctx, chrome, Some(issued), Some(notice.to_owned()), FormState::default()).await {
                Ok(p) => render(ctx.response(StatusCode::OK), &p),
                Err(e) => error_page(ctx, e, ACCOUNTS).await,
            }
        }
        Err(e) => failed(ctx, chrome, e, values).await,
    }
}

async fn failed(ctx: Console, chrome: Chrome, e: Error, values: Vec<(String, String)>) -> HttpResponse {
    if matches!(e, Error::Internal(_) | Error::NotFound { .. } | Error::Forbidden(_)) {
        return error_page(ctx, e, ACCOUNTS).await;
    }
    let form = FormState::failed("create", FIELDS, &e, values);
    match build(&ctx, chrome, None, None, form).await {
        Ok(p) => render(ctx.response(crate::errors::status_for(&e)), &p),
        Err(e) => error_page(ctx, e, ACCOUNTS).await,
    }
}
