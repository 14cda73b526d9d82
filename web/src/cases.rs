//! The case workbench (办件): intake from an item's material checklist, the accept / correct /
//! reject decision, approvals, delivery, search and the warning lists.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use domain::Error;
use domain::case::{
    Applicant, ApplicantKind, Case, CaseStatus, CaseStep, Channel, ClockReading, DeliveryMethod, DocumentKind,
    SpecialProcedure, Warning,
};
use domain::catalogue::ImplStatus;
use domain::page::PageRequest;
use domain::policy::{Action, authorize};
use domain::ports::ImplQuery;
use domain::service::{CaseFilter, SubmitCase};
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::{Console, see_other};
use crate::forms::{FieldWords, FormState};
use crate::layout::{Chrome, chrome, error_page};
use crate::view::{STALE_FORM, render};

use crate::routes::CASES;

pub(crate) struct CaseRow {
    pub(crate) id: String,
    pub(crate) case_no: String,
    pub(crate) item: String,
    pub(crate) applicant: String,
    pub(crate) status: &'static str,
    pub(crate) warning: &'static str,
    pub(crate) warning_key: &'static str,
    pub(crate) deadline: String,
    pub(crate) received: String,
}

struct Choice {
    value: String,
    label: String,
    selected: bool,
    /// Left out by the search by name (items).
    hidden: bool,
}

#[derive(Template)]
#[template(path = "cases.html")]
struct CasesPage {
    chrome: Chrome,
    rows: Vec<CaseRow>,
    /// “52 件”, or “1000 件以上” where counting stopped.
    total: String,
    tab: String,
    no: String,
    from: String,
    to: String,
    statuses: Vec<Choice>,
    item_find: String,
    items: Vec<Choice>,
    departments: Vec<Choice>,
    /// 全部 / 黄牌 / 红牌.
    warnings: Vec<Choice>,
    /// The query string of the filters (without the cursor), for the pager and the export.
    filters: String,
    /// The next page's link, if any.
    next: Option<String>,
    /// Not the first page: a link back to it.
    paged: bool,
    /// Approvers get a tab with their queue (待我审批).
    approver: bool,
    /// Supervising the tenant: the 不予受理备案 tab.
    may_review: bool,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub(crate) struct CasesQuery {
    pub(crate) tab: String,
    pub(crate) no: String,
    pub(crate) from: String,
    pub(crate) to: String,
    pub(crate) status: String,
    pub(crate) item: String,
    pub(crate) department: String,
    /// yellow or red (the tabs set it too).
    pub(crate) warning: String,
    /// Search by name in the item choices (without script; with it they filter as one types).
    pub(crate) item_find: String,
    pub(crate) after: String,
}

/// Cases shown per page of the console list.
const PER_PAGE: u32 = 20;

impl CasesQuery {
    fn filters(&self) -> String {
        let pairs = [
            ("tab", &self.tab),
            ("no", &self.no),
            ("from", &self.from),
            ("to", &self.to),
            ("status", &self.status),
            ("item", &self.item),
            ("department", &self.department),
            ("warning", &self.warning),
        ];
        pairs
            .iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(k, v)| format!("{k}={}", crate::view::urlencode(v.trim())))
            .collect::<Vec<_>>()
            .join("&")
    }
}

fn date_of(s: &str, what: &str) -> Result<Option<chrono::NaiveDate>, Error> {
    match s.trim() {
        "" => Ok(None),
        d => chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| Error::invalid(format!("{what}格式不正确，应为 YYYY-MM-DD"))),
    }
}

/// One page of the list the query asks for: by number, the approver's queue, or filtered.
pub(crate) async fn case_page(
    ctx: &Console,
    tenant: domain::region::RegionCode,
    q: &CasesQuery,
    page: PageRequest,
) -> Result<domain::page::Page<Case>, Error> {
    let no = q.no.trim();
    if domain::case::CaseNo::parse(no).is_ok() {
        let c = ctx.services.cases.case_by_no(&ctx.actor, no).await?;
        return Ok(domain::page::Page {
            items: vec![c],
            has_next: false,
            end_cursor: None,
            total: 1,
            total_exact: true,
        });
    }
    let applicant = (!no.is_empty()).then(|| no.to_owned());
    if q.tab == "approve" && applicant.is_none() {
        return ctx.services.cases.approval_queue(&ctx.actor, page).await;
    }
    let warnings = match (q.tab.as_str(), q.warning.trim()) {
        ("yellow", _) | (_, "yellow") => vec![Warning::Yellow],
        ("red", _) | (_, "red") => vec![Warning::Red],
        (_, "") => Vec::new(),
        _ => return Err(Error::invalid("预警条件无效")),
    };
    let statuses = match q.status.trim() {
        "" => Vec::new(),
        s => vec![CaseStatus::parse(s)?],
    };
    let impl_item = match q.item.trim() {
        "" => None,
        i => Some(Uuid::parse_str(i).map_err(|_| Error::invalid("事项无效"))?),
    };
    let department = match q.department.trim() {
        "" => None,
        d => Some(Uuid::parse_str(d).map_err(|_| Error::invalid("部门无效"))?),
    };
    let filter = CaseFilter {
        tenant: Some(tenant),
        warnings,
        applicant,
        statuses,
        impl_item,
        department,
        received_from: date_of(&q.from, "起始日期")?,
        received_to: date_of(&q.to, "截止日期")?,
        ..Default::default()
    };
    ctx.services.cases.cases(&ctx.actor, filter, page).await
}

pub(crate) fn row(c: &Case, r: Option<ClockReading>) -> CaseRow {
    let warning = r.map_or(Warning::Green, |r| r.warning);
    CaseRow {
        id: c.id.to_string(),
        case_no: c.case_no.clone(),
        item: c.item_name.clone(),
        applicant: c.applicant.name.clone(),
        status: c.status.label(),
        warning: warning.label(),
        warning_key: warning.as_str(),
        deadline: r.map(|r| r.deadline.date.to_string()).unwrap_or_default(),
        received: domain::china_time::minute_text(c.received_at),
    }
}

/// The rows of a page of cases: one calendar and threshold lookup per handling tenant.
pub(crate) async fn rows(ctx: &Console, cases: &[Case]) -> Result<Vec<CaseRow>, Error> {
    let readings = ctx.services.cases.case_readings(cases).await?;
    Ok(cases.iter().zip(readings).map(|(c, r)| row(c, r)).collect())
}

/// The published items of the tenant, for the item filter (by name).
async fn item_choices(
    ctx: &Console,
    tenant: &domain::region::RegionCode,
    chosen: &str,
    find: &str,
) -> Result<Vec<Choice>, Error> {
    let q = ImplQuery { page: PageRequest { first: domain::page::MAX_PAGE, after: None }, ..Default::default() };
    let list = match ctx.services.catalogue.impl_items(&ctx.actor, tenant, q).await {
        Ok(p) => p.items,
        Err(Error::Forbidden(_)) => Vec::new(),
        Err(e) => return Err(e),
    };
    Ok(list
        .into_iter()
        .map(|i| {
            let selected = i.id.to_string() == chosen;
            let hidden = crate::forms::left_out(&i.base.name, find, selected);
            Choice { selected, hidden, value: i.id.to_string(), label: i.base.name }
        })
        .collect())
}

/// The tenant's departments, for the department filter.
async fn department_choices(
    ctx: &Console,
    tenant: &domain::region::RegionCode,
    chosen: &str,
) -> Result<Vec<Choice>, Error> {
    let list = match ctx.services.catalogue.departments(&ctx.actor, tenant).await {
        Ok(l) => l,
        Err(Error::Forbidden(_)) => Vec::new(),
        Err(e) => return Err(e),
    };
    Ok(list
        .into_iter()
        .map(|d| Choice { selected: d.id.to_string() == chosen, value: d.id.to_string(), label: d.name, hidden: false })
        .collect())
}

/// GET /console/cases: the current tenant's cases, a page at a time; tabs for yellow and red,
/// filters by received date, status, item, department and warning; search by number or applicant.
pub(crate) async fn list(mut ctx: Console, query: web::Query<CasesQuery>) -> HttpResponse {
    let chrome = match chrome(&mut ctx, "cases", CASES).await {
        Ok(c) => c,
        Err(e) => return crate::view::plain_error(&e),
    };
    let q = query.into_inner();
    let result = async {
        let after = Some(q.after.trim().to_owned()).filter(|a| !a.is_empty());
        let page = case_page(&ctx, chrome.current.code, &q, PageRequest { first: PER_PAGE, after }).await?;
        let items = item_choices(&ctx, &chrome.current.code, q.item.trim(), &q.item_find).await?;
        let departments = department_choices(&ctx, &chrome.current.code, q.department.trim()).await?;
        Ok::<_, Error>((rows(&ctx, &page.items).await?, count_label(&page), page, items, departments))
    }
    .await;
    match result {
        Ok((rows, total, page, items, departments)) => {
            let approver = ctx.actor.has(domain::identity::Role::Approver);
            let may_review = authorize(&ctx.actor, Action::Supervise, &chrome.current).is_ok();
            let filters = q.filters();
            let next = page.end_cursor.filter(|_| page.has_next).map(|c| {
                let sep = if filters.is_empty() { "" } else { "&" };
                format!("{CASES}?{filters}{sep}after={}", crate::view::urlencode(&c))
            });
            let statuses = CaseStatus::ALL
                .iter()
                .map(|s| Choice {
                    value: s.as_str().to_owned(),
                    label: s.label().to_owned(),
                    selected: q.status == s.as_str(),
                    hidden: false,
                })
                .collect();
            let warnings = [("", "全部"), ("yellow", "黄牌（即将到期）"), ("red", "红牌（已超期）")]
                .iter()
                .map(|(v, l)| Choice {
                    value: (*v).to_owned(),
                    label: (*l).to_owned(),
                    selected: q.warning.trim() == *v,
                    hidden: false,
                })
                .collect();
            let view = CasesPage {
                chrome,
                rows,
                total,
                paged: !q.after.trim().is_empty(),
                tab: q.tab,
                no: q.no,
                from: q.from,
                to: q.to,
                item_find: q.item_find,
                statuses,
                items,
                departments,
                warnings,
                filters,
                next,
                approver,
                may_review,
            };
            render(ctx.response(StatusCode::OK), &view)
        }
        Err(e) => error_page(ctx, e, CASES).await,
    }
}

struct RejectionRow {
    id: String,
    case_no: String,
    date: String,
    item: String,
    applicant: String,
    tenant: String,
    reason: String,
    by: String,
    notice_url: Option<String>,
    notice_no: String,
}

#[derive(Template)]
#[template(path = "case_rejections.html")]
struct RejectionsPage {
    chrome: Chrome,
    rows: Vec<RejectionRow>,
    /// “52 件”, or “1000 件以上” where counting stopped.
    total: String,
}

fn rejection_row(c: &Case, names: &std::collections::HashMap<domain::region::RegionCode, String>) -> RejectionRow {
    let event = c.events.iter().rev().find(|e| e.status == CaseStatus::NotAccepted);
    let notice = c.documents.iter().find(|d| d.kind == DocumentKind::NonAcceptanceNotice);
    let at = event.map(|e| e.at).or(c.concluded_at).unwrap_or(c.received_at);
    RejectionRow {
        id: c.id.to_string(),
        case_no: c.case_no.clone(),
        date: domain::china_time::minute_text(at),
        item: c.item_name.clone(),
        applicant: format!("{}（{} {}）", c.applicant.name, c.applicant.id_type, c.applicant.id_number_masked()),
        tenant: names.get(&c.handling).cloned().unwrap_or_else(|| c.handling.to_string()),
        reason: event.and_then(|e| e.opinion.clone()).unwrap_or_default(),
        by: event.map(|e| e.actor.clone()).unwrap_or_default(),
        notice_url: notice.map(|d| format!("/console/documents/{}", d.id)),
        notice_no: notice.map(|d| d.number.clone()).unwrap_or_default(),
    }
}

/// GET /console/cases/rejections: 否定备案 — the not-accepted cases of the selected tenant and
/// its descendants, with their reasons, for those who supervise it.
pub(crate) async fn rejections(mut ctx: Console) -> HttpResponse {
    let chrome = match chrome(&mut ctx, "rejections", CASES).await {
        Ok(c) => c,
        Err(e) => return crate::view::plain_error(&e),
    };
    let result = async {
        authorize(&ctx.actor, Action::Supervise, &chrome.current)?;
        let filter = CaseFilter {
            tenant: Some(chrome.current.code),
            statuses: vec![CaseStatus::NotAccepted],
            history: true,
            ..Default::default()
        };
        let page = ctx.services.cases.cases(&ctx.actor, filter, PageRequest { first: 100, after: None }).await?;
        let mut codes: Vec<_> = page.items.iter().map(|c| c.handling).collect();
        codes.sort();
        codes.dedup();
        let mut names = std::collections::HashMap::new();
        for code in codes {
            let t = ctx.services.tenants.tenant(&ctx.actor, &code).await?;
            names.insert(code, t.center_name());
        }
        let rows = page.items.iter().map(|c| rejection_row(c, &names)).collect();
        Ok::<_, Error>((rows, count_label(&page)))
    }
    .await;
    match result {
        Ok((rows, total)) => render(ctx.response(StatusCode::OK), &RejectionsPage { chrome, rows, total }),
        Err(e) => error_page(ctx, e, CASES).await,
    }
}

struct ItemChoice {
    id: String,
    name: String,
    selected: bool,
}

struct MaterialLine {
    name: String,
    originals: u32,
    copies: u32,
    required: bool,
    deferrable: bool,
}

/// Remote items offered at once; more are found by name.
const REMOTE_SHOWN: u32 = 50;

#[derive(Template)]
#[template(path = "case_new.html")]
struct NewCasePage {
    chrome: Chrome,
    items: Vec<ItemChoice>,
    /// Other tenants' items whose scope covers this one (异地收件), named with their tenant.
    remote_items: Vec<ItemChoice>,
    /// The name searched for among them.
    q: String,
    /// How many match, when more than are shown.
    remote_more: String,
    item: String,
    /// The chosen item is another tenant's: the case is a remote intake.
    remote: bool,
    /// The handling tenant of a remote intake.
    handler: String,
    materials: Vec<MaterialLine>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct NewQuery {
    item: String,
    /// A name (or implementation code) to find other tenants' items by.
    q: String,
}

/// GET /console/cases/new?item=&q=: the intake form with the item's material checklist (容缺
/// marked); other tenants' items that may be collected here (异地收件), found by name.
pub(crate) async fn new_form(mut ctx: Console, query: web::Query<NewQuery>) -> HttpResponse {
    let chrome = match chrome(&mut ctx, "cases", CASES).await {
        Ok(c) => c,
        Err(e) => return crate::view::plain_error(&e),
    };
    let result = async {
        let q = ImplQuery {
            status: Some(ImplStatus::Published),
            page: PageRequest { first: 200, after: None },
            ..Default::default()
        };
        let list = ctx.services.catalogue.impl_items(&ctx.actor, &ctx.actor.tenant, q).await?.items;
        let search = query.q.trim();
        let remote_page = ctx
            .services
            .transfers
            .remote_intake_items(&ctx.actor, Some(search).filter(|s| !s.is_empty()), REMOTE_SHOWN)
            .await?;
        let remote_more = if remote_page.has_next {
            let more = if remote_page.total_exact { "" } else { "以上" };
            format!("共{}项{more}，列出前{}项，请输入名称查找", remote_page.total, remote_page.items.len())
        } else {
            String::new()
        };
        let mut remote_list = remote_page.items;
        let wanted = Uuid::parse_str(query.item.trim()).ok();
        let own = wanted.and_then(|id| list.iter().find(|i| i.id == id).cloned());
        let other = match wanted {
            Some(id) if own.is_none() => ctx.services.transfers.remote_intake_item(&ctx.actor, id).await?,
            _ => None,
        };
        if let Some(o) = &other
            && !remote_list.iter().any(|(_, i)| i.id == o.1.id)
        {
            remote_list.insert(0, o.clone());
        }
        let handler = other.as_ref().map(|(t, _)| t.center_name()).unwrap_or_default();
        let remote = own.is_none() && other.is_some();
        let chosen = own.or(other.map(|(_, i)| i));
        let materials = chosen
            .as_ref()
            .map(|i| {
                i.materials()
                    .into_iter()
                    .map(|m| MaterialLine {
                        name: m.name,
                        originals: m.originals,
                        copies: m.copies,
                        required: m.required,
                        deferrable: m.deferrable,
                    })
                    .collect()
            })
            .unwrap_or_default();
        let items = list
            .iter()
            .map(|i| ItemChoice {
                id: i.id.to_string(),
                name: i.base.name.clone(),
                selected: chosen.as_ref().is_some_and(|c| c.id == i.id),
            })
            .collect();
        let remote_items = remote_list
            .iter()
            .map(|(t, i)| ItemChoice {
                id: i.id.to_string(),
                name: format!("{}：{}", t.name, i.base.name),
                selected: chosen.as_ref().is_some_and(|c| c.id == i.id),
            })
            .collect();
        Ok::<_, Error>(NewCasePage {
            chrome,
            items,
            remote_items,
            q: search.to_owned(),
            remote_more,
            remote,
            handler,
            item: chosen.map(|c| c.id.to_string()).unwrap_or_default(),
            materials,
        })
    }
    .await;
    match result {
        Ok(view) => render(ctx.response(StatusCode::OK), &view),
        Err(e) => error_page(ctx, e, CASES).await,
    }
}

#[derive(Template)]
#[template(path = "case_receipt.html")]
struct ReceiptPage {
    chrome: Chrome,
    id: String,
    case_no: String,
    query_code: String,
    /// The QR code to the case's tracking page (扫码查询、评价).
    qr: String,
}

fn get(fields: &[(String, String)], k: &str) -> String {
    fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_owned()).unwrap_or_default()
}

fn all(fields: &[(String, String)], k: &str) -> Vec<String> {
    fields.iter().filter(|(n, _)| n == k).map(|(_, v)| v.clone()).collect()
}

/// POST /console/cases: 收件. The receipt shows the query code once.
pub(crate) async fn submit(mut ctx: Console, form: web::Form<Vec<(String, String)>>) -> HttpResponse {
    let f = form.into_inner();
    if !ctx.csrf_ok(&get(&f, "csrf")) {
        return error_page(ctx, Error::forbidden(STALE_FORM), CASES).await;
    }
    let chrome = match chrome(&mut ctx, "cases", CASES).await {
        Ok(c) => c,
        Err(e) => return crate::view::plain_error(&e),
    };
    let result = async {
        let kind = match get(&f, "applicant_kind").as_str() {
            "COMPANY" => ApplicantKind::Company,
            "INSTITUTION" => ApplicantKind::Institution,
            "SOCIAL_ORG" => ApplicantKind::SocialOrg,
            "OTHER" => ApplicantKind::Other,
            _ => ApplicantKind::Person,
        };
        let phone = get(&f, "phone");
        let applicant =
            Applicant::parse(kind, &get(&f, "name"), &get(&f, "id_type"), &get(&f, "id_number"), Some(phone.as_str()))?;
        let submit = SubmitCase {
            impl_item_id: Uuid::parse_str(&get(&f, "item")).map_err(|_| Error::invalid("请选择事项"))?,
            applicant,
            provided: all(&f, "provided"),
            channel: if get(&f, "channel") == "REMOTE" { Channel::Remote } else { Channel::Window },
            form: None,
            idempotency_key: Some(get(&f, "key")).filter(|k| !k.is_empty()),
        };
        ctx.services.cases.submit_case(&ctx.actor, submit).await
    }
    .await;
    match result {
        Ok(r) => {
            let qr = crate::qr::svg(&crate::qr::track_url(&ctx.req, &r.case.case_no, &r.query_code));
            let view = ReceiptPage {
                chrome,
                id: r.case.id.to_string(),
                case_no: r.case.case_no.clone(),
                query_code: r.query_code,
                qr,
            };
            render(ctx.response(StatusCode::OK), &view)
        }
        Err(e) => error_page(ctx, e, CASES).await,
    }
}

struct EventLine {
    at: String,
    action: String,
    actor: String,
    opinion: String,
}

struct DocLine {
    title: &'static str,
    number: String,
    url: String,
}

struct MaterialState {
    name: String,
    provided: bool,
    deferrable: bool,
}

struct TransferLine {
    status: &'static str,
    from: String,
    to: String,
    sent_at: String,
    note: String,
    return_reason: String,
}

struct ReviewLine {
    department: String,
    lead: bool,
    verdict: &'static str,
    opinion: String,
    reviewer: String,
}

/// The forms of the case page, one flag per step the actor may take now (from the domain).
#[derive(Default)]
struct Steps {
    any: bool,
    accept: bool,
    correct: bool,
    reject: bool,
    forward: bool,
    resubmit: bool,
    suspend: bool,
    resume: bool,
    approve: bool,
    deny: bool,
    deliver: bool,
    archive: bool,
    withdraw: bool,
    transfer: bool,
}

impl Steps {
    fn of(list: &[CaseStep]) -> Steps {
        let mut s = Steps { any: !list.is_empty(), ..Default::default() };
        for step in list {
            *match step {
                CaseStep::Accept => &mut s.accept,
                CaseStep::RequestCorrection => &mut s.correct,
                CaseStep::Reject => &mut s.reject,
                CaseStep::Forward => &mut s.forward,
                CaseStep::Resubmit => &mut s.resubmit,
                CaseStep::Suspend => &mut s.suspend,
                CaseStep::Resume => &mut s.resume,
                CaseStep::Approve => &mut s.approve,
                CaseStep::Deny => &mut s.deny,
                CaseStep::Deliver => &mut s.deliver,
                CaseStep::Archive => &mut s.archive,
                CaseStep::Withdraw => &mut s.withdraw,
                CaseStep::Transfer => &mut s.transfer,
            } = true;
        }
        s
    }
}

const DELIVERY_METHODS: [(&str, &str); 3] = [("WINDOW", "窗口领取"), ("POST", "邮寄送达"), ("ONLINE", "网上送达")];

#[derive(Template)]
#[template(path = "case_detail.html")]
struct DetailPage {
    chrome: Chrome,
    id: String,
    case_no: String,
    item: String,
    kind: &'static str,
    status: &'static str,
    applicant: String,
    id_masked: String,
    deadline: String,
    days_left: String,
    warning: &'static str,
    warning_key: &'static str,
    missing: String,
    deferred: String,
    materials: Vec<MaterialState>,
    events: Vec<EventLine>,
    documents: Vec<DocLine>,
    handling_center: String,
    /// Empty unless collected at another tenant (an escalated case after 上报).
    collecting_center: String,
    /// False at the collecting tenant of a forwarded case: it watches and hands over the result.
    handles_here: bool,
    /// A remote intake (异地收件), handled at another tenant by transfer.
    remote: bool,
    /// The transfers of a remote intake, oldest first.
    transfers: Vec<TransferLine>,
    /// A fresh idempotency key for the 转办 form.
    transfer_key: String,
    reviews: Vec<ReviewLine>,
    /// The forms shown: exactly the steps the domain allows this actor now.
    steps: Steps,
    /// A form that failed, shown again with its error and what was typed.
    form: FormState,
    delivery_methods: [(&'static str, &'static str); 3],
}

/// GET /console/cases/{id}: the case with the forms of the steps the actor may take now.
pub(crate) async fn detail(ctx: Console, path: web::Path<String>) -> HttpResponse {
    let id = Uuid::parse_str(&path.into_inner()).map_err(|_| Error::NotFound { what: "办件" });
    match id {
        Ok(id) => show(ctx, id, FormState::default(), StatusCode::OK).await,
        Err(e) => error_page(ctx, e, CASES).await,
    }
}

/// The case page, with `form` when a step failed.
async fn show(mut ctx: Console, id: Uuid, form: FormState, status: StatusCode) -> HttpResponse {
    let chrome = match chrome(&mut ctx, "cases", CASES).await {
        Ok(c) => c,
        Err(e) => return crate::view::plain_error(&e),
    };
    let result = async {
        let c = ctx.services.cases.case(&ctx.actor, id).await?;
        let reading = ctx.services.cases.case_reading(&c).await?;
        let item = ctx.services.cases.case_item(&c).await?;
        let steps = ctx.services.cases.allowed_steps(&ctx.actor, &c).await?;
        let warning = reading.map_or(Warning::Green, |r| r.warning);
        let centers = ctx.services.tenants.tenant_identities(&[c.handling, c.collecting]).await?;
        let center = |code| centers.iter().find(|t| t.code == code).map(|t| t.center_name()).unwrap_or_default();
        let transfers = ctx.services.transfers.case_transfers(&ctx.actor, &c).await?;
        Ok::<_, Error>(DetailPage {
            remote: c.is_remote(),
            transfers: transfers
                .iter()
                .map(|t| TransferLine {
                    status: t.status.label(),
                    from: t.from_center.clone().unwrap_or_else(|| center(t.from)),
                    to: center(t.to),
                    sent_at: domain::china_time::minute_text(t.sent_at),
                    note: t.note.clone().unwrap_or_default(),
                    return_reason: t.return_reason.clone().unwrap_or_default(),
                })
                .collect(),
            transfer_key: Uuid::now_v7().to_string(),
            handling_center: center(c.handling),
            collecting_center: if c.collected_elsewhere() { center(c.collecting) } else { String::new() },
            handles_here: !c.collected_elsewhere() || ctx.actor.scope().contains(&c.handling),
            reviews: c
                .reviews
                .iter()
                .map(|r| ReviewLine {
                    department: r.department.clone(),
                    lead: r.lead,
                    verdict: match r.approve {
                        Some(true) => "同意",
                        Some(false) => "不同意",
                        None => "待审查",
                    },
                    opinion: r.opinion.clone().unwrap_or_default(),
                    reviewer: r.reviewer.clone().unwrap_or_default(),
                })
                .collect(),
            chrome,
            id: c.id.to_string(),
            case_no: c.case_no.clone(),
            item: c.item_name.clone(),
            kind: c.kind.label(),
            status: c.status.label(),
            applicant: c.applicant.name.clone(),
            id_masked: format!("{} {}", c.applicant.id_type, c.applicant.id_number_masked()),
            deadline: reading.map(|r| r.deadline.date.to_string()).unwrap_or_else(|| "受理后起算".into()),
            days_left: reading.map(|r| r.working_days_left.to_string()).unwrap_or_default(),
            warning: warning.label(),
            warning_key: warning.as_str(),
            missing: c.missing.join("、"),
            deferred: c.deferred.join("、"),
            materials: item
                .materials()
                .into_iter()
                .map(|m| MaterialState {
                    provided: c.provided.contains(&m.name),
                    deferrable: m.deferrable,
                    name: m.name,
                })
                .collect(),
            events: c
                .events
                .iter()
                .map(|e| EventLine {
                    at: domain::china_time::minute_text(e.at),
                    action: e.action.clone(),
                    actor: e.actor.clone(),
                    opinion: e.opinion.clone().unwrap_or_default(),
                })
                .collect(),
            documents: c
                .documents
                .iter()
                .map(|d| DocLine {
                    title: d.title(),
                    number: d.number.clone(),
                    url: format!("/console/documents/{}", d.id),
                })
                .collect(),
            steps: Steps::of(&steps),
            form,
            delivery_methods: DELIVERY_METHODS,
        })
    }
    .await;
    match result {
        Ok(view) => render(ctx.response(status), &view),
        Err(e) => error_page(ctx, e, CASES).await,
    }
}

/// The fields of each step's form and the words their errors use.
fn step_fields(step: CaseStep) -> FieldWords {
    match step {
        CaseStep::Forward => &[("opinion", "初审意见")],
        CaseStep::Accept => &[("deferred_until", "日期")],
        CaseStep::RequestCorrection => &[("note", "补正说明")],
        CaseStep::Reject => &[("reason", "不予受理理由")],
        CaseStep::Approve => &[("opinion", "审批意见")],
        CaseStep::Deny => &[("opinion", "理由"), ("opinion", "审批意见")],
        CaseStep::Suspend => &[("reason", "特别程序理由")],
        CaseStep::Deliver => &[("tracking_no", "快递单号")],
        CaseStep::Withdraw => &[("reason", "撤回理由")],
        CaseStep::Transfer => &[("note", "转办说明")],
        CaseStep::Resubmit | CaseStep::Resume | CaseStep::Archive => &[],
    }
}

/// POST /console/cases/{id}/{action}: one step of the case, then back to it. A refused step shows
/// the case again with the error next to the field and what was typed kept.
pub(crate) async fn step(
    ctx: Console,
    path: web::Path<(String, String)>,
    form: web::Form<Vec<(String, String)>>,
) -> HttpResponse {
    let f = form.into_inner();
    if !ctx.csrf_ok(&get(&f, "csrf")) {
        return error_page(ctx, Error::forbidden(STALE_FORM), CASES).await;
    }
    let (raw, action) = path.into_inner();
    let (Ok(id), Some(step)) = (Uuid::parse_str(&raw), CaseStep::from_key(&action)) else {
        return error_page(ctx, Error::NotFound { what: "办件" }, CASES).await;
    };
    if step.irreversible() && get(&f, "confirm") != "1" {
        let form = FormState::at(step.key(), "confirm", "此操作不可撤销，请勾选确认后再提交", f);
        return show(ctx, id, form, StatusCode::BAD_REQUEST).await;
    }
    let s = ctx.services.clone();
    let a = &ctx.actor;
    let result = match step {
        CaseStep::Accept => {
            let until = match get(&f, "deferred_until").as_str() {
                "" => Ok(None),
                d => chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                    .map(Some)
                    .map_err(|_| Error::invalid("补交日期格式不正确")),
            };
            match until {
                Ok(u) => s.cases.accept_case(a, id, all(&f, "deferred"), u).await,
                Err(e) => Err(e),
            }
        }
        CaseStep::RequestCorrection => s.cases.request_correction(a, id, all(&f, "missing"), &get(&f, "note")).await,
        CaseStep::Resubmit => s.cases.resubmit_case(a, id, all(&f, "provided")).await,
        CaseStep::Reject => s.cases.reject_case(a, id, &get(&f, "reason")).await,
        CaseStep::Forward => s.cases.forward_case(a, id, &get(&f, "opinion")).await,
        CaseStep::Suspend => s.cases.suspend_case(a, id, SpecialProcedure::Other, &get(&f, "reason")).await,
        CaseStep::Resume => s.cases.resume_case(a, id).await,
        CaseStep::Approve => s.cases.decide_case(a, id, true, &get(&f, "opinion")).await,
        CaseStep::Deny => s.cases.decide_case(a, id, false, &get(&f, "opinion")).await,
        CaseStep::Deliver => {
            let method = match get(&f, "method").as_str() {
                "POST" => DeliveryMethod::Post,
                "ONLINE" => DeliveryMethod::Online,
                _ => DeliveryMethod::Window,
            };
            let tracking = get(&f, "tracking_no");
            s.cases.deliver_case(a, id, method, Some(tracking.as_str())).await
        }
        CaseStep::Archive => s.cases.archive_case(a, id).await,
        CaseStep::Withdraw => s.cases.withdraw_case(a, id, &get(&f, "reason")).await,
        CaseStep::Transfer => {
            let note = Some(get(&f, "note")).filter(|n| !n.is_empty());
            let key = Some(get(&f, "key")).filter(|k| !k.is_empty()).unwrap_or_else(|| Uuid::now_v7().to_string());
            match s.transfers.transfer_case(a, id, note.as_deref(), &key).await {
                Ok(t) => s.cases.case(a, t.case_id).await,
                Err(e) => Err(e),
            }
        }
    };
    match result {
        Ok(c) => see_other(&format!("{CASES}/{}", c.id)).finish(),
        Err(e @ (Error::InvalidInput(_) | Error::IllegalTransition(_) | Error::Conflict(_) | Error::Forbidden(_))) => {
            let status = crate::errors::status_for(&e);
            show(ctx, id, FormState::failed(step.key(), step_fields(step), &e, f), status).await
        }
        Err(e) => error_page(ctx, e, CASES).await,
    }
}

/// A list's total as the console says it.
fn count_label<T>(page: &domain::page::Page<T>) -> String {
    if page.total_exact { format!("{} 件", page.total) } else { format!("{} 件以上", page.total) }
}
