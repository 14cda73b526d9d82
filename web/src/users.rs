//! 用户管理 for center administrators: the users of the selected tenant's subtree (pages, search),
//! creating one, and a user's page: name, roles, department, disable, reset the password, the
//! window posts they hold and the items they may decide, all changed through the domain services.

use std::collections::HashMap;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use askama::Template;
use domain::Error;
use domain::hall::Post;
use domain::identity::{Role, User};
use domain::page::PageRequest;
use domain::ports::ImplQuery;
use domain::region::RegionCode;
use domain::service::{NewUser, Services, UserChange};
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::Console;
use crate::forms::{FieldWords, FormState};
use crate::layout::{Chrome, chrome, error_page};
use crate::routes::USERS;
use crate::view::{STALE_FORM, plain_error, render, urlencode};

const PAGE_SIZE: u32 = 20;

/// Which field an error message belongs to.
const USER_FIELDS: FieldWords = &[
    ("username", "用户名"),
    ("password", "密码"),
    ("display_name", "姓名"),
    ("roles", "角色"),
    ("department", "部门"),
];

pub(crate) struct Opt {
    pub(crate) value: String,
    pub(crate) label: String,
    pub(crate) selected: bool,
}

struct UserRow {
    id: String,
    username: String,
    display_name: String,
    tenant: String,
    roles: String,
    department: String,
    disabled: bool,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    chrome: Chrome,
    rows: Vec<UserRow>,
    total: u64,
    q: String,
    next: Option<String>,
    paged: bool,
    roles: Vec<Opt>,
    departments: Vec<Opt>,
    form: FormState,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct ListQuery {
    q: String,
    after: String,
}

fn roles_text(u: &User) -> String {
    u.roles.iter().map(Role::label).collect::<Vec<_>>().join("、")
}

/// The roles a center administrator may pick (the platform role is the platform's own).
fn role_options(checked: &[Role]) -> Vec<Opt> {
    Role::ALL
        .iter()
        .filter(|r| **r != Role::PlatformAdmin)
        .map(|r| Opt { value: r.as_str().to_owned(), label: r.label().to_owned(), selected: checked.contains(r) })
        .collect()
}

async fn department_options(
    s: &Services,
    ctx: &Console,
    tenant: &RegionCode,
    chosen: Option<Uuid>,
) -> Result<Vec<Opt>, Error> {
    Ok(s.catalogue
        .departments(&ctx.actor, tenant)
        .await?
        .into_iter()
        .map(|d| Opt { value: d.id.to_string(), label: d.name, selected: Some(d.id) == chosen })
        .collect())
}

/// Tenant names for the rows (a subtree has few distinct tenants on one page).
async fn tenant_names(s: &Services, ctx: &Console, users: &[User]) -> Result<HashMap<RegionCode, String>, Error> {
    let mut names = HashMap::new();
    for u in users {
        if let std::collections::hash_map::Entry::Vacant(e) = names.entry(u.tenant) {
            e.insert(s.tenants.tenant(&ctx.actor, &u.tenant).await?.name);
        }
    }
    Ok(names)
}

async fn build_list(
    ctx: &Console,
    chrome: Chrome,
    q: ListQuery,
    form: FormState,
    checked: &[Role],
) -> Result<UsersPage, Error> {
    let s: &Services = &ctx.services;
    let tenant = chrome.current.code;
    let after = (!q.after.is_empty()).then(|| q.after.clone());
    let paged = after.is_some();
    let page =
        s.identity.users(&ctx.actor, &tenant, Some(q.q.as_str()), PageRequest { first: PAGE_SIZE, after }).await?;
    let depts: HashMap<Uuid, String> =
        s.catalogue.departments(&ctx.actor, &tenant).await?.into_iter().map(|d| (d.id, d.name)).collect();
    let names = tenant_names(s, ctx, &page.items).await?;
    let next = page.end_cursor.filter(|_| page.has_next).map(|c| {
        let mut link = format!("{USERS}?after={}", urlencode(&c));
        if !q.q.is_empty() {
            link.push_str(&format!("&q={}", urlencode(&q.q)));
        }
        link
    });
    let rows = page
        .items
        .iter()
        .map(|u| UserRow {
            id: u.id.to_string(),
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            tenant: names.get(&u.tenant).cloned().unwrap_or_default(),
            roles: roles_text(u),
            department: u.department_id.and_then(|d| depts.get(&d).cloned()).unwrap_or_default(),
            disabled: u.disabled,
        })
        .collect();
    let chosen = Uuid::parse_str(form.value("create", "department")).ok();
    Ok(UsersPage {
        departments: department_options(s, ctx, &tenant, chosen).await?,
        chrome,
        rows,
        total: page.total,
        q: q.q,
        next,
        paged,
        roles: role_options(checked),
        form,
    })
}

/// GET /console/users
pub(crate) async fn list(mut ctx: Console, query: web::Query<ListQuery>) -> HttpResponse {
    let chrome = match chrome(&mut ctx, "users", USERS).await {
        Ok(c) => c,
        Err(e) => return plain_error(&e),
    };
    match build_list(&ctx, chrome, query.into_inner(), FormState::default(), &[]).await {
        Ok(p) => render(ctx.response(StatusCode::OK), &p),
        Err(e) => error_page(ctx, e, USERS).await,
    }
}

fn field(pairs: &[(String, String)], k: &str) -> String {
    pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_owned()).unwrap_or_default()
}

fn roles_of(pairs: &[(String, String)]) -> Result<Vec<Role>, Error> {
    pairs
        .iter()
        .filter(|(n, _)| n == "role")
        .map(|(_, v)| v.parse::<Role>().map_err(|_| Error::invalid("角色无效")))
        .collect()
}

fn department_of(pairs: &[(String, String)]) -> Result<Option<Uuid>, Error> {
    let d = field(pairs, "department");
    if d.is_empty() {
        return Ok(None);
    }
    Uuid::parse_str(&d).map(Some).map_err(|_| Error::invalid("部门无效"))
}

/// POST /console/users: creates a user at the selected tenant.
pub(crate) async fn create(mut ctx: Console, form: web::Form<Vec<(String, String)>>) -> HttpResponse {
    let pairs = form.into_inner();
    if !ctx.csrf_ok(&field(&pairs, "csrf")) {
        return error_page(ctx, Error::forbidden(STALE_FORM), USERS).await;
    }
    let chrome = match chrome(&mut ctx, "users", USERS).await {
        Ok(c) => c,
        Err(e) => return plain_error(&e),
    };
    let tenant = chrome.current.code;
    let result = async {
        let roles = roles_of(&pairs)?;
        if roles.is_empty() {
            return Err(Error::invalid("请至少选择一个角色"));
        }
        let input = NewUser {
            tenant,
            username: field(&pairs, "username"),
            password: pairs.iter().find(|(n, _)| n == "password").map(|(_, v)| v.clone()).unwrap_or_default(),
            display_name: field(&pairs, "display_name"),
            roles,
            department_id: department_of(&pairs)?,
        };
        ctx.services.identity.create_user(&ctx.actor, input).await
    }
    .await;
    match result {
        Ok(u) => saved_redirect(&ctx, &format!("{USERS}/{}", u.id), &format!("已创建用户 {}", u.username)),
        Err(e @ Error::Internal(_)) => error_page(ctx, e, USERS).await,
        Err(e) => {
            let values = pairs.iter().filter(|(n, _)| n != "password").cloned().collect();
            let form = FormState::failed("create", USER_FIELDS, &e, values);
            let checked = roles_of(&pairs).unwrap_or_default();
            match build_list(&ctx, chrome, ListQuery::default(), form, &checked).await {
                Ok(p) => render(ctx.response(crate::errors::status_for(&e)), &p),
                Err(e) => error_page(ctx, e, USERS).await,
            }
        }
    }
}

fn saved_redirect(ctx: &Console, to: &str, notice: &str) -> HttpResponse {
    let mut b = ctx.response(StatusCode::SEE_OTHER);
    let sep = if to.contains('?') { '&' } else { '?' };
    b.insert_header((header::LOCATION, format!("{to}{sep}saved={}", urlencode(notice))));
    b.finish()
}

struct PostRow {
    window: String,
    post: &'static str,
}

/// An item of the authorization picker: `hidden` when the search by name left it out.
struct ItemRow {
    value: String,
    label: String,
    selected: bool,
    hidden: bool,
}

#[derive(Template)]
#[template(path = "user_detail.html")]
struct UserPage {
    chrome: Chrome,
    id: String,
    username: String,
    display_name: String,
    tenant: String,
    roles_text: String,
    disabled: bool,
    is_self: bool,
    roles: Vec<Opt>,
    departments: Vec<Opt>,
    /// Window posts held (A/B).
    posts: Vec<PostRow>,
    windows: Vec<Opt>,
    approver: bool,
    /// The user's tenant's items, checked where the user is authorized.
    items: Vec<ItemRow>,
    /// The search by name in the items (without script).
    find: String,
    authorized: Vec<String>,
    notice: Option<String>,
    form: FormState,
}

impl UserPage {
    /// The name in the edit form: what was typed if the edit failed, else the stored one.
    fn edit_name(&self) -> &str {
        if self.form.step == "edit" { self.form.value("edit", "display_name") } else { &self.display_name }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct SavedQuery {
    saved: String,
    find_authorize: String,
}

async fn build_user(
    ctx: &Console,
    chrome: Chrome,
    id: Uuid,
    notice: Option<String>,
    form: FormState,
    find: &str,
) -> Result<UserPage, Error> {
    let s: &Services = &ctx.services;
    let (user, tenant) = s.identity.managed_user(&ctx.actor, id).await?;
    let views = s.hall.windows(&ctx.actor, &user.tenant).await?;
    let mut posts = Vec::new();
    for v in &views {
        let label = format!("{} {}", v.window.number, v.window.name);
        if v.window.primary == Some(user.id) {
            posts.push(PostRow { window: label.clone(), post: Post::Primary.label() });
        }
        if v.window.backup == Some(user.id) {
            posts.push(PostRow { window: label, post: Post::Backup.label() });
        }
    }
    let windows = views
        .iter()
        .map(|v| Opt {
            value: v.window.id.to_string(),
            label: format!("{} {}", v.window.number, v.window.name),
            selected: false,
        })
        .collect();
    let approver = user.roles.contains(Role::Approver);
    let (granted, _chief) = s.hall.approver_item_ids(&user).await?;
    let list = s
        .catalogue
        .impl_items(
            &ctx.actor,
            &user.tenant,
            ImplQuery { page: PageRequest { first: 200, after: None }, ..Default::default() },
        )
        .await?
        .items;
    let authorized = list.iter().filter(|i| granted.contains(&i.id)).map(|i| i.base.name.clone()).collect();
    let items = list
        .into_iter()
        .map(|i| {
            let selected = granted.contains(&i.id);
            let hidden = crate::forms::left_out(&i.base.name, find, selected);
            ItemRow { selected, hidden, value: i.id.to_string(), label: i.base.name }
        })
        .collect();
    Ok(UserPage {
        departments: department_options(s, ctx, &user.tenant, user.department_id).await?,
        chrome,
        id: user.id.to_string(),
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        tenant: tenant.name,
        roles_text: roles_text(&user),
        disabled: user.disabled,
        is_self: ctx.actor.user_id() == Some(user.id),
        roles: role_options(&user.roles.iter().collect::<Vec<_>>()),
        posts,
        windows,
        approver,
        items,
        find: find.to_owned(),
        authorized,
        notice,
        form,
    })
}

/// GET /console/users/{id}
pub(crate) async fn detail(mut ctx: Console, path: web::Path<String>, query: web::Query<SavedQuery>) -> HttpResponse {
    let chrome = match chrome(&mut ctx, "users", USERS).await {
        Ok(c) => c,
        Err(e) => return plain_error(&e),
    };
    let Ok(id) = Uuid::parse_str(&path) else {
        return error_page(ctx, Error::NotFound { what: "用户" }, USERS).await;
    };
    let q = query.into_inner();
    let notice = Some(q.saved).filter(|s| !s.is_empty());
    match build_user(&ctx, chrome, id, notice, FormState::default(), &q.find_authorize).await {
        Ok(p) => render(ctx.response(StatusCode::OK), &p),
        Err(e) => error_page(ctx, e, USERS).await,
    }
}

/// POST /console/users/{id}/{action}: edit, disable, enable, password, post, authorize.
pub(crate) async fn step(
    mut ctx: Console,
    path: web::Path<(String, String)>,
    form: web::Form<Vec<(String, String)>>,
) -> HttpResponse {
    let pairs = form.into_inner();
    if !ctx.csrf_ok(&field(&pairs, "csrf")) {
        return error_page(ctx, Error::forbidden(STALE_FORM), USERS).await;
    }
    let (raw, action) = path.into_inner();
    let Ok(id) = Uuid::parse_str(&raw) else {
        return error_page(ctx, Error::NotFound { what: "用户" }, USERS).await;
    };
    let s = ctx.services.clone();
    let a = &ctx.actor;
    let result: Result<String, Error> = async {
        match action.as_str() {
            "edit" => {
                let change = UserChange {
                    display_name: field(&pairs, "display_name"),
                    roles: roles_of(&pairs)?,
                    department_id: department_of(&pairs)?,
                };
                s.identity.update_user(a, id, change).await.map(|_| "已保存用户信息".to_owned())
            }
            "disable" => {
                if field(&pairs, "confirm") != "1" {
                    return Err(Error::invalid("请勾选确认后再停用"));
                }
                s.identity.set_user_disabled(a, id, true).await.map(|_| "已停用".to_owned())
            }
            "enable" => s.identity.set_user_disabled(a, id, false).await.map(|_| "已启用".to_owned()),
            "password" => {
                let p = pairs.iter().find(|(n, _)| n == "password").map(|(_, v)| v.as_str()).unwrap_or_default();
                s.identity.reset_password(a, id, p).await.map(|_| "已重置密码".to_owned())
            }
            "post" => {
                let post = match field(&pairs, "post").as_str() {
                    "PRIMARY" => Post::Primary,
                    "BACKUP" => Post::Backup,
                    _ => return Err(Error::invalid("请选择A岗或B岗")),
                };
                let window = Uuid::parse_str(&field(&pairs, "window")).map_err(|_| Error::invalid("请选择窗口"))?;
                let v = s.hall.assign_window_staff(a, window, id, post).await?;
                Ok(format!("已设为窗口 {} 的{}", v.window.number, post.label()))
            }
            "authorize" => {
                let items = pairs
                    .iter()
                    .filter(|(n, _)| n == "item")
                    .map(|(_, v)| Uuid::parse_str(v).map_err(|_| Error::invalid("事项无效")))
                    .collect::<Result<Vec<_>, _>>()?;
                s.hall.authorize_approver(a, id, &items).await.map(|_| "已保存审批授权".to_owned())
            }
            _ => Err(Error::NotFound { what: "页面" }),
        }
    }
    .await;
    match result {
        Ok(notice) => saved_redirect(&ctx, &format!("{USERS}/{id}"), &notice),
        Err(e @ (Error::Internal(_) | Error::NotFound { .. } | Error::Forbidden(_))) => error_page(ctx, e, USERS).await,
        Err(e) => {
            let chrome = match chrome(&mut ctx, "users", USERS).await {
                Ok(c) => c,
                Err(e) => return plain_error(&e),
            };
            let values = pairs.iter().filter(|(n, _)| n != "password").cloned().collect();
            let form = FormState::failed(&action, USER_FIELDS, &e, values);
            match build_user(&ctx, chrome, id, None, form, "").await {
                Ok(p) => render(ctx.response(crate::errors::status_for(&e)), &p),
                Err(e) => error_page(ctx, e, USERS).await,
            }
        }
    }
}
