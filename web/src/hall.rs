//! Hall pages: windows with items and A/B staff, who is on duty, today's attendance, sign in and
//! out; the window page where the clerk calls the next number; the public lobby screen.

use std::collections::HashMap;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Datelike;
use domain::Error;
use domain::hall::{Post, WindowKind};
use domain::identity::Role;
use domain::page::PageRequest;
use domain::policy::{Action, authorize};
use domain::ports::ImplQuery;
use domain::region::RegionCode;
use domain::service::{NewWindow, Services};
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::Console;
use crate::forms::{FieldWords, FormState};
use crate::layout::{Chrome, chrome, error_page};
use crate::view::{STALE_FORM, plain_error, render, urlencode};

use crate::routes::HALL;

struct WindowRow {
    id: String,
    number: String,
    name: String,
    kind: &'static str,
    items: String,
    primary: String,
    backup: String,
    on_duty: String,
}

struct BoardRow {
    name: String,
    signed_in: String,
    signed_out: String,
}

struct DutyRow {
    month: String,
    department: String,
    leader: String,
    dates: String,
    published: bool,
}

struct SlotRow {
    time: String,
    capacity: u32,
    booked: u32,
}

struct DepartmentRow {
    name: String,
    credit_code: String,
    stationed: bool,
}

struct ItemOption {
    id: String,
    label: String,
}

/// A user in a picker: the id is sent, the name shown.
struct UserOption {
    id: String,
    label: String,
}

/// A choice of a form: `hidden` when a search by name left it out (it is still sent if chosen).
struct Pick {
    value: String,
    label: String,
    selected: bool,
    hidden: bool,
}

/// `list` (value, label) as choices: `chosen` selected, those whose label lacks `find` hidden
/// (unless chosen).
fn picks<'a>(list: impl IntoIterator<Item = (&'a str, &'a str)>, chosen: &[&str], find: &str) -> Vec<Pick> {
    list.into_iter()
        .map(|(value, label)| {
            let selected = chosen.contains(&value);
            let hidden = crate::forms::left_out(label, find, selected);
            Pick { value: value.to_owned(), label: label.to_owned(), selected, hidden }
        })
        .collect()
}

/// The forms of the hall page and the words their errors use.
const WINDOW_FIELDS: FieldWords =
    &[("number", "窗口编号"), ("name", "窗口名称"), ("kind", "窗口类型"), ("zone", "区域"), ("item", "事项")];
const STAFF_FIELDS: FieldWords = &[("post", "岗"), ("window", "窗口"), ("user", "人员"), ("user", "用户")];
const APPROVER_FIELDS: FieldWords = &[("user", "审批人员"), ("user", "用户"), ("item", "事项")];
const SLOT_FIELDS: FieldWords = &[
    ("day", "日期"),
    ("day", "工作日"),
    ("starts", "开始时间"),
    ("ends", "结束时间"),
    ("capacity", "名额"),
    ("item", "事项"),
];

/// An approver and the items they may decide now.
struct ApproverRow {
    id: String,
    name: String,
    items: String,
}

#[derive(Template)]
#[template(path = "hall.html")]
struct HallPage {
    chrome: Chrome,
    windows: Vec<WindowRow>,
    unstaffed: Vec<String>,
    /// None when the actor may not see the board.
    board: Option<Vec<BoardRow>>,
    manage: bool,
    items: Vec<ItemOption>,
    /// A form that failed, shown again with what was typed.
    form: FormState,
    /// The choices of the forms, with what was typed or picked.
    kinds: Vec<Pick>,
    window_items: Vec<Pick>,
    staff_windows: Vec<Pick>,
    posts: Vec<Pick>,
    staff_pick: Vec<Pick>,
    approver_pick: Vec<Pick>,
    approver_items: Vec<Pick>,
    slot_items: Vec<Pick>,
    /// The searches by name of the pickers.
    find: NoticeQuery,
    notice: Option<String>,
    tenant: String,
    /// This month, YYYY-MM (Asia/Shanghai), for the export link.
    month: String,
    departments: Vec<DepartmentRow>,
    /// Leaders' on-site duty of this month and the next.
    duties: Vec<DutyRow>,
    /// Appointment slots of the chosen item and day.
    slots: Vec<SlotRow>,
    slot_item: String,
    slot_day: String,
    /// Every approver's current authorizations.
    approvers: Vec<ApproverRow>,
}

fn hhmm(t: chrono::DateTime<chrono::Utc>) -> String {
    // China has one time zone, UTC+8, without daylight saving.
    domain::china_time::clock_text(t)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct NoticeQuery {
    saved: Option<String>,
    slot_item: Option<String>,
    slot_day: Option<String>,
    /// Searches by name in the pickers (without script).
    find_win: String,
    find_staff_user: String,
    find_approver_user: String,
    find_approver: String,
}

pub(crate) async fn page(ctx: Console, query: web::Query<NoticeQuery>) -> HttpResponse {
    hall_page(ctx, query.into_inner(), FormState::default(), StatusCode::OK).await
}

/// The hall page, with a failed form (`form`) shown again at its fields.
async fn hall_page(mut ctx: Console, q: NoticeQuery, form: FormState, code: StatusCode) -> HttpResponse {
    let chrome = match chrome(&mut ctx, "hall", HALL).await {
        Ok(c) => c,
        Err(e) => return plain_error(&e),
    };
    match build(&ctx, chrome, q, form).await {
        Ok(p) => render(ctx.response(code), &p),
        Err(e) => error_page(ctx, e, HALL).await,
    }
}

/// A refused submission of `step`: the hall page again when the input was wrong, else the error page.
async fn refused(
    ctx: Console,
    step: &str,
    fields: FieldWords,
    e: Error,
    values: Vec<(String, String)>,
) -> HttpResponse {
    match e {
        Error::InvalidInput(_) | Error::Conflict(_) | Error::IllegalTransition(_) | Error::NotFound { .. } => {
            let code = crate::errors::status_for(&e);
            hall_page(ctx, NoticeQuery::default(), FormState::failed(step, fields, &e, values), code).await
        }
        e => error_page(ctx, e, HALL).await,
    }
}

async fn build(ctx: &Console, chrome: Chrome, q: NoticeQuery, form: FormState) -> Result<HallPage, Error> {
    let (notice, slot_item, slot_day) = (q.saved.clone(), q.slot_item.clone(), q.slot_day.clone());
    let s: &Services = &ctx.services;
    let a = &ctx.actor;
    let tenant = chrome.current.code;
    let views = s.hall.windows(a, &tenant).await?;
    let manage = authorize(a, Action::ManageTenantSetup, &chrome.current).is_ok();
    let list = s
        .catalogue
        .impl_items(a, &tenant, ImplQuery { page: PageRequest { first: 200, after: None }, ..Default::default() })
        .await?
        .items;
    let names: HashMap<Uuid, String> = list.iter().map(|i| (i.id, i.base.name.clone())).collect();
    let staff: Vec<Uuid> = views.iter().flat_map(|v| v.window.primary.into_iter().chain(v.window.backup)).collect();
    let users: HashMap<Uuid, String> =
        s.identity.users_by_id(a, &staff).await?.into_iter().map(|u| (u.id, u.display_name)).collect();
    let name_of = |u: Option<Uuid>| u.and_then(|u| users.get(&u).cloned()).unwrap_or_else(|| "—".into());
    let windows: Vec<WindowRow> = views
        .iter()
        .map(|v| WindowRow {
            id: v.window.id.to_string(),
            number: v.window.number.clone(),
            name: v.window.name.clone(),
            kind: v.window.kind.label(),
            items: v.window.items.iter().filter_map(|i| names.get(i).cloned()).collect::<Vec<_>>().join("、"),
            primary: name_of(v.window.primary),
            backup: name_of(v.window.backup),
            on_duty: v.on_duty.map(|u| name_of(Some(u))).unwrap_or_default(),
        })
        .collect();
    let unstaffed = views.iter().filter(|v| v.on_duty.is_none()).map(|v| v.window.number.clone()).collect();
    let board = match s.hall.attendance_board(a, &tenant, None).await {
        Ok(rows) => Some(
            rows.into_iter()
                .map(|r| BoardRow {
                    name: r.display_name,
                    signed_in: hhmm(r.signed_in_at),
                    signed_out: r.signed_out_at.map(hhmm).unwrap_or_default(),
                })
                .collect(),
        ),
        Err(Error::Forbidden(_)) => None,
        Err(e) => return Err(e),
    };
    let slot_item = slot_item.and_then(|i| Uuid::parse_str(&i).ok()).or_else(|| list.first().map(|i| i.id));
    let slot_day = slot_day
        .and_then(|d| chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok())
        .unwrap_or_else(|| s.calendar.today());
    let slots = match slot_item {
        Some(item) => s
            .hall
            .appointment_slots(&tenant, item, slot_day)
            .await?
            .into_iter()
            .map(|x| SlotRow {
                time: format!("{}–{}", x.starts.format("%H:%M"), x.ends.format("%H:%M")),
                capacity: x.capacity,
                booked: x.booked,
            })
            .collect(),
        None => Vec::new(),
    };
    let items: Vec<ItemOption> =
        list.into_iter().map(|i| ItemOption { id: i.id.to_string(), label: i.base.name }).collect();
    let depts = s.catalogue.departments(a, &tenant).await?;
    let dept_names: HashMap<Uuid, String> = depts.iter().map(|d| (d.id, d.name.clone())).collect();
    let first = s.calendar.today().with_day(1).unwrap_or_else(|| s.calendar.today());
    let mut duties = Vec::new();
    for m in [Some(first), first.checked_add_months(chrono::Months::new(1))].into_iter().flatten() {
        for d in s.hall.leader_schedule(a, &tenant, m).await? {
            duties.push(DutyRow {
                month: m.format("%Y年%m月").to_string(),
                department: dept_names.get(&d.department_id).cloned().unwrap_or_default(),
                leader: d.leader_name,
                dates: d.dates.iter().map(|x| x.format("%m-%d").to_string()).collect::<Vec<_>>().join("、"),
                published: d.published,
            });
        }
    }
    let departments = depts
        .into_iter()
        .map(|d| DepartmentRow { name: d.name, credit_code: d.credit_code.as_str().to_owned(), stationed: d.stationed })
        .collect();
    let (mut staff_users, mut approver_users, mut approvers) = (Vec::new(), Vec::new(), Vec::new());
    if manage {
        let page = PageRequest { first: domain::page::MAX_PAGE, after: None };
        let users = s.identity.users(a, &tenant, None, page).await?.items;
        for u in users.into_iter().filter(|u| u.tenant == tenant && !u.disabled) {
            let option =
                || UserOption { id: u.id.to_string(), label: format!("{}（{}）", u.display_name, u.username) };
            if u.roles.contains(Role::WindowStaff) || u.roles.contains(Role::StationStaff) {
                staff_users.push(option());
            }
            if u.roles.contains(Role::Approver) {
                approver_users.push(option());
                let (granted, _) = s.hall.approver_item_ids(&u).await?;
                let items = granted.iter().filter_map(|i| names.get(i).cloned()).collect::<Vec<_>>().join("、");
                approvers.push(ApproverRow { id: u.id.to_string(), name: option().label, items });
            }
        }
    }
    let item_list = || items.iter().map(|i| (i.id.as_str(), i.label.as_str()));
    let kind = form.value_or("window", "kind", "GENERAL");
    let kinds = [WindowKind::General, WindowKind::Themed, WindowKind::Specialized].map(|k| (k.as_str(), k.label()));
    let window_list: Vec<(String, String)> =
        windows.iter().map(|w| (w.id.clone(), format!("{} {}", w.number, w.name))).collect();
    let post = form.value_or("staff", "post", "PRIMARY");
    let slot_item = slot_item.map(|i| i.to_string()).unwrap_or_default();
    let slot_chosen = form.value_or("slot", "item", &slot_item);
    Ok(HallPage {
        kinds: picks(kinds, &[kind.as_str()], ""),
        window_items: picks(item_list(), &form.values("window", "item"), &q.find_win),
        staff_windows: picks(
            window_list.iter().map(|(a, b)| (a.as_str(), b.as_str())),
            &[form.value("staff", "window")],
            "",
        ),
        posts: picks([("PRIMARY", "A岗"), ("BACKUP", "B岗")], &[post.as_str()], ""),
        staff_pick: picks(
            staff_users.iter().map(|u| (u.id.as_str(), u.label.as_str())),
            &[form.value("staff", "user")],
            &q.find_staff_user,
        ),
        approver_pick: picks(
            approver_users.iter().map(|u| (u.id.as_str(), u.label.as_str())),
            &[form.value("approver", "user")],
            &q.find_approver_user,
        ),
        approver_items: picks(item_list(), &form.values("approver", "item"), &q.find_approver),
        slot_items: picks(item_list(), &[slot_chosen.as_str()], ""),
        chrome,
        windows,
        unstaffed,
        board,
        manage,
        items,
        form,
        find: q,
        notice: notice.filter(|n| !n.is_empty()).map(|n| format!("已保存：{n}")),
        tenant: tenant.to_string(),
        month: s.calendar.today().format("%Y-%m").to_string(),
        departments,
        duties,
        slots,
        slot_item,
        slot_day: slot_day.to_string(),
        approvers,
    })
}

/// The value of `k` in a posted form (the first, if repeated).
fn field(pairs: &[(String, String)], k: &str) -> String {
    pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default()
}

/// POST /console/hall/slots: the center opens an appointment slot (预约时段) for an item.
pub(crate) async fn create_slot(ctx: Console, form: web::Form<Vec<(String, String)>>) -> HttpResponse {
    let pairs = form.into_inner();
    let f = |k: &str| field(&pairs, k);
    if !ctx.csrf_ok(&f("csrf")) {
        return error_page(ctx, Error::forbidden(STALE_FORM), HALL).await;
    }
    let result = async {
        let item = Uuid::parse_str(f("item").trim()).map_err(|_| Error::invalid("请选择事项"))?;
        let day = chrono::NaiveDate::parse_from_str(f("day").trim(), "%Y-%m-%d")
            .map_err(|_| Error::invalid("日期应为YYYY-MM-DD格式"))?;
        let time = |t: &str, what: &str| {
            chrono::NaiveTime::parse_from_str(f(t).trim(), "%H:%M")
                .map_err(|_| Error::invalid(format!("{what}应为HH:MM格式，例如 09:00")))
        };
        let (starts, ends) = (time("starts", "开始时间")?, time("ends", "结束时间")?);
        let capacity = f("capacity").trim().parse::<i64>().map_err(|_| Error::invalid("名额应为整数"))?;
        ctx.services.hall.create_appointment_slot(&ctx.actor, item, day, starts, ends, capacity).await
    }
    .await;
    match result {
        Ok(slot) => {
            let mut b = ctx.response(StatusCode::SEE_OTHER);
            let to = format!("{HALL}?saved={}&slot_item={}&slot_day={}", urlencode("预约时段"), slot.item, slot.day);
            b.insert_header((header::LOCATION, to));
            b.finish()
        }
        Err(e) => refused(ctx, "slot", SLOT_FIELDS, e, pairs).await,
    }
}

fn saved(ctx: &Console, label: &str) -> HttpResponse {
    let mut b = ctx.response(StatusCode::SEE_OTHER);
    b.insert_header((header::LOCATION, format!("{HALL}?saved={}", urlencode(label))));
    b.finish()
}

/// The selected tenant of the switcher (or the own one).
async fn current(ctx: &mut Console) -> Result<RegionCode, Error> {
    Ok(chrome(ctx, "hall", HALL).await?.current.code)
}

/// A create-window form: items are repeated `item` fields, so the form is read as pairs.
pub(crate) async fn create_window(mut ctx: Console, form: web::Form<Vec<(String, String)>>) -> HttpResponse {
    let pairs = form.into_inner();
    if !ctx.csrf_ok(&field(&pairs, "csrf")) {
        return error_page(ctx, Error::forbidden(STALE_FORM), HALL).await;
    }
    let tenant = match current(&mut ctx).await {
        Ok(t) => t,
        Err(e) => return error_page(ctx, e, HALL).await,
    };
    let services = ctx.services.clone();
    let result = async {
        let kind = WindowKind::parse(&field(&pairs, "kind")).map_err(|_| Error::invalid("请选择窗口类型"))?;
        let items = pairs
            .iter()
            .filter(|(n, _)| n == "item")
            .map(|(_, v)| Uuid::parse_str(v).map_err(|_| Error::invalid("所选事项无效")))
            .collect::<Result<Vec<_>, _>>()?;
        let zone = Some(field(&pairs, "zone"));
        let input =
            NewWindow { tenant, number: field(&pairs, "number"), name: field(&pairs, "name"), kind, zone, items };
        services.hall.create_window(&ctx.actor, input).await
    }
    .await;
    match result {
        Ok(v) => saved(&ctx, &format!("窗口 {}", v.window.number)),
        Err(e) => refused(ctx, "window", WINDOW_FIELDS, e, pairs).await,
    }
}

/// POST /console/hall/staff: A岗 or B岗 of a window. `user` is the picked user's id; `username`
/// is still taken from older forms.
pub(crate) async fn assign_staff(mut ctx: Console, form: web::Form<Vec<(String, String)>>) -> HttpResponse {
    let pairs = form.into_inner();
    let f = |k: &str| field(&pairs, k);
    if !ctx.csrf_ok(&f("csrf")) {
        return error_page(ctx, Error::forbidden(STALE_FORM), HALL).await;
    }
    let tenant = match current(&mut ctx).await {
        Ok(t) => t,
        Err(e) => return error_page(ctx, e, HALL).await,
    };
    let services = ctx.services.clone();
    let result = async {
        let post = match f("post").as_str() {
            "PRIMARY" => Post::Primary,
            "BACKUP" => Post::Backup,
            _ => return Err(Error::invalid("请选择A岗或B岗")),
        };
        let window = Uuid::parse_str(f("window").trim()).map_err(|_| Error::invalid("请选择窗口"))?;
        let user = match Uuid::parse_str(f("user").trim()) {
            Ok(id) => id,
            Err(_) if !f("username").trim().is_empty() => {
                services.hall.tenant_user_by_username(&ctx.actor, &tenant, &f("username")).await?.id
            }
            Err(_) => return Err(Error::invalid("请选择人员")),
        };
        services.hall.assign_window_staff(&ctx.actor, window, user, post).await.map(|v| (v, post))
    }
    .await;
    match result {
        Ok((v, post)) => saved(&ctx, &format!("窗口 {} {}", v.window.number, post.label())),
        Err(e) => refused(ctx, "staff", STAFF_FIELDS, e, pairs).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct AttendanceForm {
    csrf: String,
    action: String,
}

pub(crate) async fn attendance(ctx: Console, form: web::Form<AttendanceForm>) -> HttpResponse {
    if !ctx.csrf_ok(&form.csrf) {
        return error_page(ctx, Error::forbidden(STALE_FORM), HALL).await;
    }
    let services = ctx.services.clone();
    let result = match form.action.as_str() {
        "in" => services.hall.sign_in(&ctx.actor).await.map(|_| "签到"),
        "out" => services.hall.sign_out(&ctx.actor).await.map(|_| "签退"),
        _ => Err(Error::invalid("无效的操作")),
    };
    match result {
        Ok(label) => saved(&ctx, label),
        Err(e) => refused(ctx, "attendance", &[], e, Vec::new()).await,
    }
}

#[derive(Template)]
#[template(path = "hall_window.html")]
struct WindowPage {
    chrome: Chrome,
    id: String,
    number: String,
    name: String,
    waiting: u32,
    called: Option<String>,
    empty: bool,
    /// What the last step did (重呼, 过号, 转窗).
    done: Option<String>,
    /// The hall's other windows, for 转窗.
    others: Vec<ItemOption>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct CalledQuery {
    called: Option<String>,
    empty: Option<String>,
    done: Option<String>,
}

pub(crate) async fn window_page(
    mut ctx: Console,
    path: web::Path<String>,
    query: web::Query<CalledQuery>,
) -> HttpResponse {
    let chrome = match chrome(&mut ctx, "hall", HALL).await {
        Ok(c) => c,
        Err(e) => return plain_error(&e),
    };
    let Ok(id) = Uuid::parse_str(&path) else {
        return error_page(ctx, Error::NotFound { what: "窗口" }, HALL).await;
    };
    let services = ctx.services.clone();
    let result = async {
        let v = services.hall.window(&ctx.actor, id).await?;
        let waiting = services.hall.waiting_for(&ctx.actor, id).await?;
        let others = services
            .hall
            .windows(&ctx.actor, &v.window.tenant)
            .await?
            .into_iter()
            .filter(|o| o.window.id != v.window.id)
            .map(|o| ItemOption {
                id: o.window.id.to_string(),
                label: format!("{} {}", o.window.number, o.window.name),
            })
            .collect();
        Ok::<_, Error>((v, waiting, others))
    }
    .await;
    match result {
        Ok((v, waiting, others)) => {
            let q = query.into_inner();
            let page = WindowPage {
                chrome,
                id: v.window.id.to_string(),
                number: v.window.number,
                name: v.window.name,
                waiting,
                called: q.called.filter(|c| c.chars().all(|ch| ch.is_ascii_alphanumeric()) && !c.is_empty()),
                empty: q.empty.is_some(),
                done: q.done.filter(|d| !d.is_empty() && d.chars().count() <= 60),
                others,
            };
            render(ctx.response(StatusCode::OK), &page)
        }
        Err(e) => error_page(ctx, e, HALL).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct CsrfOnly {
    csrf: String,
}

pub(crate) async fn call(ctx: Console, path: web::Path<String>, form: web::Form<CsrfOnly>) -> HttpResponse {
    if !ctx.csrf_ok(&form.csrf) {
        return error_page(ctx, Error::forbidden(STALE_FORM), HALL).await;
    }
    let Ok(id) = Uuid::parse_str(&path) else {
        return error_page(ctx, Error::NotFound { what: "窗口" }, HALL).await;
    };
    let services = ctx.services.clone();
    match services.hall.call_next(&ctx.actor, id).await {
        Ok(c) => {
            let to = match c {
                Some(c) => format!("{HALL}/window/{id}?called={}", c.number),
                None => format!("{HALL}/window/{id}?empty=1"),
            };
            let mut b = ctx.response(StatusCode::SEE_OTHER);
            b.insert_header((header::LOCATION, to));
            b.finish()
        }
        Err(e) => error_page(ctx, e, HALL).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct QueueStepForm {
    csrf: String,
    to: String,
}

/// POST /console/hall/window/{id}/{recall|pass|transfer}: 重呼, 过号 (and call the next), 转窗.
pub(crate) async fn queue_step(
    ctx: Console,
    path: web::Path<(String, String)>,
    form: web::Form<QueueStepForm>,
) -> HttpResponse {
    if !ctx.csrf_ok(&form.csrf) {
        return error_page(ctx, Error::forbidden(STALE_FORM), HALL).await;
    }
    let (raw, action) = path.into_inner();
    let Ok(id) = Uuid::parse_str(&raw) else {
        return error_page(ctx, Error::NotFound { what: "窗口" }, HALL).await;
    };
    let services = ctx.services.clone();
    let a = &ctx.actor;
    let result: Result<String, Error> = async {
        match action.as_str() {
            "recall" => {
                let c = services.hall.recall(a, id).await?;
                Ok(format!("called={}&done={}", c.number, urlencode(&format!("已重呼 {} 号", c.number))))
            }
            "pass" => {
                let (passed, next) = services.hall.pass_ticket(a, id).await?;
                let done = urlencode(&format!("{passed} 号已过号"));
                Ok(match next {
                    Some(c) => format!("called={}&done={done}", c.number),
                    None => format!("empty=1&done={done}"),
                })
            }
            "transfer" => {
                let to = Uuid::parse_str(form.to.trim()).map_err(|_| Error::invalid("请选择目标窗口"))?;
                let (number, target) = services.hall.transfer_ticket(a, id, to).await?;
                Ok(format!("done={}", urlencode(&format!("{number} 号已转至 {} 窗口", target.number))))
            }
            _ => Err(Error::NotFound { what: "页面" }),
        }
    }
    .await;
    match result {
        Ok(query) => {
            let mut b = ctx.response(StatusCode::SEE_OTHER);
            b.insert_header((header::LOCATION, format!("{HALL}/window/{id}?{query}")));
            b.finish()
        }
        Err(e) => error_page(ctx, e, HALL).await,
    }
}

#[derive(Template)]
#[template(path = "lobby.html")]
struct LobbyPage {
    code: String,
    center: String,
    calls: Vec<(String, String)>,
}

/// The public lobby screen: the numbers being called, refreshed every 5 seconds.
pub(crate) async fn lobby(services: web::Data<Services>, path: web::Path<String>) -> HttpResponse {
    let result = async {
        let code = RegionCode::parse(&path)?;
        let t = services.tenants.public_tenant(&code).await?;
        let calls = services.hall.recent_calls(&code, 8).await?;
        Ok::<_, Error>(LobbyPage { code: t.code.to_string(), center: t.center_name(), calls })
    }
    .await;
    match result {
        Ok(p) => render(HttpResponse::build(StatusCode::OK), &p),
        Err(e) => plain_error(&e),
    }
}

/// The lobby screen's QR code (扫码查询): the public tracking page, where an applicant follows a
/// case and rates it. A separate image, so that the screen's refresh every 5 seconds stays small.
pub(crate) async fn lobby_qr(req: HttpRequest, services: web::Data<Services>, path: web::Path<String>) -> HttpResponse {
    let result = async {
        let code = RegionCode::parse(&path)?;
        services.tenants.public_tenant(&code).await
    }
    .await;
    match result {
        Ok(_) => {
            HttpResponse::Ok().content_type("image/svg+xml").body(crate::qr::svg(&crate::qr::site_url(&req, "/track")))
        }
        Err(e) => plain_error(&e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct MonthQuery {
    month: String,
}

fn csv_cell(s: &str) -> String {
    // Quoted, and cells that a spreadsheet would run as a formula are defused.
    let s = if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_owned() };
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// The month's attendance of the selected tenant as CSV (UTF-8 with BOM, for Excel).
pub(crate) async fn attendance_csv(mut ctx: Console, query: web::Query<MonthQuery>) -> HttpResponse {
    let month = chrono::NaiveDate::parse_from_str(&format!("{}-01", query.month.trim()), "%Y-%m-%d");
    let Ok(month) = month else {
        return error_page(ctx, Error::invalid("月份无效，应为YYYY-MM"), HALL).await;
    };
    let tenant = match current(&mut ctx).await {
        Ok(t) => t,
        Err(e) => return error_page(ctx, e, HALL).await,
    };
    let services = ctx.services.clone();
    match services.hall.attendance_month(&ctx.actor, &tenant, month.year(), month.month()).await {
        Ok(rows) => {
            let mut out = String::from("\u{feff}日期,用户名,姓名,签到,签退\n");
            for r in rows {
                let line = [
                    r.day.to_string(),
                    csv_cell(&r.username),
                    csv_cell(&r.display_name),
                    hhmm(r.signed_in_at),
                    r.signed_out_at.map(hhmm).unwrap_or_default(),
                ]
                .join(",");
                out.push_str(&line);
                out.push('\n');
            }
            let name = format!("attendance-{}-{}.csv", tenant, month.format("%Y-%m"));
            ctx.response(StatusCode::OK)
                .content_type("text/csv; charset=utf-8")
                .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")))
                .body(out)
        }
        Err(e) => error_page(ctx, e, HALL).await,
    }
}

/// POST /console/hall/approvers: which items a user of this hall may decide (授权).
pub(crate) async fn authorize_approver(mut ctx: Console, form: web::Form<Vec<(String, String)>>) -> HttpResponse {
    let pairs = form.into_inner();
    let f = |k: &str| field(&pairs, k);
    if !ctx.csrf_ok(&f("csrf")) {
        return error_page(ctx, Error::forbidden(STALE_FORM), HALL).await;
    }
    let tenant = match current(&mut ctx).await {
        Ok(t) => t,
        Err(e) => return error_page(ctx, e, HALL).await,
    };
    let services = ctx.services.clone();
    let result = async {
        let items = pairs
            .iter()
            .filter(|(n, _)| n == "item")
            .map(|(_, v)| Uuid::parse_str(v).map_err(|_| Error::invalid("所选事项无效")))
            .collect::<Result<Vec<_>, _>>()?;
        let user = match Uuid::parse_str(f("user").trim()) {
            Ok(id) => id,
            Err(_) if !f("username").trim().is_empty() => {
                services.hall.tenant_user_by_username(&ctx.actor, &tenant, &f("username")).await?.id
            }
            Err(_) => return Err(Error::invalid("请选择审批人员")),
        };
        services.hall.authorize_approver(&ctx.actor, user, &items).await
    }
    .await;
    match result {
        Ok(u) => saved(&ctx, &format!("{} 的审批授权", u.display_name)),
        Err(e) => refused(ctx, "approver", APPROVER_FIELDS, e, pairs).await,
    }
}
