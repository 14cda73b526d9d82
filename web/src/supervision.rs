//! 监督考核: the monthly report (月度通报) of the selected tenant with its spreadsheet and CSV
//! downloads, and the open rectifications and complaints.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::Datelike;
use domain::Error;
use domain::policy::{Action, authorize};
use domain::service::{Cell, MonthlyReport, Table, parse_month, report_csv};
use rust_xlsxwriter::{Format, Workbook};
use serde::Deserialize;

use crate::auth::Console;
use crate::forms::{FieldWords, FormState};
use crate::layout::{Chrome, chrome, error_page};
use crate::routes::SUPERVISION;
use crate::view::{render, urlencode};

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct MonthQuery {
    month: String,
    /// The cursors of the open rectifications and complaints shown (the last id seen).
    rect_after: String,
    complaint_after: String,
}

/// Open rectifications and complaints shown per stretch.
const OPEN_PER_PAGE: u32 = 50;

struct HtmlTable {
    title: &'static str,
    headers: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

#[derive(Template)]
#[template(path = "supervision.html")]
struct SupervisionPage {
    chrome: Chrome,
    month: String,
    title: String,
    tables: Vec<HtmlTable>,
    rectifications: Vec<RectRow>,
    complaints: Vec<ComplaintRow>,
    /// Links to the next stretch of each open list, when there is one.
    rect_next: Option<String>,
    complaint_next: Option<String>,
    /// The open lists' cursors, kept by their forms so a refused one shows the same page.
    rect_after: String,
    complaint_after: String,
    form: FormState,
    /// A refused form's error whose row is not on this page, shown above the lists.
    unplaced: String,
}

/// The fields of the rectification and complaint forms, by the words their errors use.
const COMPLETE_FIELDS: FieldWords = &[("outcome", "整改结果"), ("callback", "回访情况")];
const RESOLVE_FIELDS: FieldWords = &[("result", "办理结果")];

/// The keys of a row's form in a [`FormState`].
fn complete_key(id: &str) -> String {
    format!("complete-{id}")
}
fn resolve_key(id: &str) -> String {
    format!("resolve-{id}")
}

struct RectRow {
    id: String,
    case_no: String,
    department: String,
    level: u8,
    status: &'static str,
    deadline: String,
    overdue: bool,
    appeal: String,
    step: String,
}

struct ComplaintRow {
    id: String,
    filed_on: String,
    case_no: String,
    content: String,
    contact: String,
    status: &'static str,
    deadline: String,
    overdue: bool,
    step: String,
}

/// The rectifications and complaints still to be handled in the selected tenant's subtree.
async fn open_work(ctx: &Console, current: &domain::tenant::Tenant, q: &MonthQuery) -> Result<OpenWork, Error> {
    use domain::page::PageRequest;
    use domain::supervision::{ComplaintStatus, RectificationStatus};
    let s = &ctx.services.supervision;
    let open = [RectificationStatus::Open, RectificationStatus::Appealed];
    let page = |after: &str| PageRequest { first: OPEN_PER_PAGE, after: Some(after.to_owned()) };
    let rects = s.rectifications(&ctx.actor, &current.code, &open, &page(&q.rect_after)).await?;
    let complaints = s
        .complaints(
            &ctx.actor,
            &current.code,
            &[ComplaintStatus::Open, ComplaintStatus::Extended],
            &page(&q.complaint_after),
        )
        .await?;
    let link = |rect: &str, complaint: &str, anchor: &str| {
        let (m, r, c) = (urlencode(q.month.trim()), urlencode(rect), urlencode(complaint));
        format!("{SUPERVISION}?month={m}&rect_after={r}&complaint_after={c}#{anchor}")
    };
    let rect_next = rects.next.map(|n| link(&n.to_string(), &q.complaint_after, "open-rectifications"));
    let complaint_next = complaints.next.map(|n| link(&q.rect_after, &n.to_string(), "open-complaints"));
    let rects = rects
        .items
        .into_iter()
        .map(|r| RectRow {
            id: r.id.to_string(),
            step: complete_key(&r.id.to_string()),
            overdue: s.rectification_overdue(&r),
            case_no: r.case_no,
            department: r.department,
            level: r.level,
            status: r.status.label(),
            deadline: r.deadline.to_string(),
            appeal: r.appeal_reason.unwrap_or_default(),
        })
        .collect();
    let complaints = complaints
        .items
        .into_iter()
        .map(|c| ComplaintRow {
            id: c.id.to_string(),
            step: resolve_key(&c.id.to_string()),
            overdue: s.complaint_overdue(&c),
            contact: s.complaint_contact(Some(&ctx.actor), &c),
            filed_on: c.filed_on.to_string(),
            case_no: c.case_no.unwrap_or_default(),
            content: c.content,
            status: c.status.label(),
            deadline: c.deadline.to_string(),
        })
        .collect();
    Ok(OpenWork { rects, complaints, rect_next, complaint_next })
}

struct OpenWork {
    rects: Vec<RectRow>,
    complaints: Vec<ComplaintRow>,
    rect_next: Option<String>,
    complaint_next: Option<String>,
}

fn month_of(ctx: &Console, q: &MonthQuery) -> Result<chrono::NaiveDate, Error> {
    if q.month.trim().is_empty() {
        let today = ctx.services.calendar.today();
        return today.with_day(1).ok_or_else(|| Error::invalid("月份无效"));
    }
    parse_month(&q.month)
}

fn title(r: &MonthlyReport) -> String {
    format!("{}{}年{}月政务服务月度通报", r.tenant.name, r.month.year(), r.month.month())
}

async fn report(ctx: &Console, current: &domain::tenant::Tenant, q: &MonthQuery) -> Result<MonthlyReport, Error> {
    authorize(&ctx.actor, Action::Supervise, current)?;
    let month = month_of(ctx, q)?;
    ctx.services.supervision.monthly_report(&ctx.actor, &current.code, month).await
}

/// GET /console/supervision?month=YYYY-MM
pub(crate) async fn page(ctx: Console, q: web::Query<MonthQuery>) -> HttpResponse {
    supervision_page(ctx, q.into_inner(), FormState::default(), StatusCode::OK).await
}

/// The page, with a refused form shown again (`form`) under `code`.
async fn supervision_page(mut ctx: Console, q: MonthQuery, form: FormState, code: StatusCode) -> HttpResponse {
    let chrome = match chrome(&mut ctx, "supervision", SUPERVISION).await {
        Ok(c) => c,
        Err(e) => return crate::view::plain_error(&e),
    };
    let result = async {
        let r = report(&ctx, &chrome.current, &q).await?;
        let open = open_work(&ctx, &chrome.current, &q).await?;
        Ok::<_, Error>((r, open))
    }
    .await;
    match result {
        Ok((r, open)) => {
            let tables = ctx
                .services
                .supervision
                .report_tables(&r)
                .into_iter()
                .map(|t| HtmlTable {
                    title: t.title,
                    headers: t.headers,
                    rows: t.rows.iter().map(|row| row.iter().map(Cell::text).collect()).collect(),
                })
                .collect();
            let shown =
                open.rects.iter().any(|r| r.step == form.step) || open.complaints.iter().any(|c| c.step == form.step);
            let unplaced = match shown {
                true => String::new(),
                false => {
                    let fields = ["outcome", "callback", "result"].map(|f| form.error(&form.step, f));
                    [form.general(), fields[0], fields[1], fields[2]].concat()
                }
            };
            let page = SupervisionPage {
                month: r.month.format("%Y-%m").to_string(),
                title: title(&r),
                chrome,
                tables,
                rectifications: open.rects,
                complaints: open.complaints,
                rect_next: open.rect_next,
                complaint_next: open.complaint_next,
                rect_after: q.rect_after.clone(),
                complaint_after: q.complaint_after.clone(),
                form,
                unplaced,
            };
            render(ctx.response(code), &page)
        }
        Err(e) => error_page(ctx, e, SUPERVISION).await,
    }
}

fn attachment(ctx: &Console, content_type: &str, name: &str, body: Vec<u8>) -> HttpResponse {
    // RFC 5987: the Chinese file name percent-encoded, an ASCII fallback beside it.
    let encoded: String = name.bytes().map(|b| format!("%{b:02X}")).collect();
    ctx.response(StatusCode::OK)
        .content_type(content_type)
        .insert_header(("Content-Disposition", format!("attachment; filename=\"report\"; filename*=UTF-8''{encoded}")))
        .body(body)
}

/// The tables as a workbook: one sheet each, bold Chinese headers.
fn workbook(title: &str, tables: &[Table]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let pct = Format::new().set_num_format("0.0%");
    let one = Format::new().set_num_format("0.0");
    for t in tables {
        let ws = wb.add_worksheet();
        ws.set_name(t.title)?;
        ws.write_string_with_format(0, 0, title, &bold)?;
        for (c, h) in t.headers.iter().enumerate() {
            ws.write_string_with_format(1, c as u16, *h, &bold)?;
            ws.set_column_width(c as u16, 14)?;
        }
        for (r, row) in t.rows.iter().enumerate() {
            let r = r as u32 + 2;
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                match cell {
                    Cell::Text(s) => ws.write_string(r, c, s)?,
                    Cell::Int(n) => ws.write_number(r, c, *n as f64)?,
                    Cell::Rate(x) => ws.write_number_with_format(r, c, *x, &pct)?,
                    Cell::Num(x) => ws.write_number_with_format(r, c, *x, &one)?,
                };
            }
        }
    }
    wb.save_to_buffer()
}

/// GET /console/supervision/report.xlsx?month=YYYY-MM
pub(crate) async fn xlsx(mut ctx: Console, q: web::Query<MonthQuery>) -> HttpResponse {
    let chrome = match chrome(&mut ctx, "supervision", SUPERVISION).await {
        Ok(c) => c,
        Err(e) => return crate::view::plain_error(&e),
    };
    let r = match report(&ctx, &chrome.current, &q).await {
        Ok(r) => r,
        Err(e) => return error_page(ctx, e, SUPERVISION).await,
    };
    let title = title(&r);
    let tables = ctx.services.supervision.report_tables(&r);
    match workbook(&title, &tables) {
        Ok(bytes) => attachment(
            &ctx,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            &format!("{title}.xlsx"),
            bytes,
        ),
        Err(e) => error_page(ctx, Error::internal(e), SUPERVISION).await,
    }
}

/// GET /console/supervision/report.csv?month=YYYY-MM
pub(crate) async fn csv(mut ctx: Console, q: web::Query<MonthQuery>) -> HttpResponse {
    let chrome = match chrome(&mut ctx, "supervision", SUPERVISION).await {
        Ok(c) => c,
        Err(e) => return crate::view::plain_error(&e),
    };
    let r = match report(&ctx, &chrome.current, &q).await {
        Ok(r) => r,
        Err(e) => return error_page(ctx, e, SUPERVISION).await,
    };
    let title = title(&r);
    let body = report_csv(&title, &ctx.services.supervision.report_tables(&r));
    attachment(&ctx, "text/csv; charset=utf-8", &format!("{title}.csv"), body.into_bytes())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct CompleteForm {
    csrf: String,
    outcome: String,
    callback: String,
    /// The page the form was on.
    month: String,
    rect_after: String,
    complaint_after: String,
}

fn back_to_page(ctx: &Console) -> HttpResponse {
    let mut b = ctx.response(StatusCode::SEE_OTHER);
    b.insert_header((actix_web::http::header::LOCATION, SUPERVISION));
    b.finish()
}

fn path_id(id: &str, what: &'static str) -> Result<uuid::Uuid, Error> {
    uuid::Uuid::parse_str(id.trim()).map_err(|_| Error::NotFound { what })
}

/// After a step: back to the page; a refusal of what was typed (or of a step taken meanwhile)
/// shows the page again, the error at the form, what was typed kept; others the error page.
async fn after_step(
    ctx: Console,
    result: Result<(), Error>,
    failed: impl FnOnce(&Error) -> FormState,
    q: MonthQuery,
) -> HttpResponse {
    match result {
        Ok(()) => back_to_page(&ctx),
        Err(e @ (Error::InvalidInput(_) | Error::Conflict(_) | Error::IllegalTransition(_))) => {
            let status = crate::errors::status_for(&e);
            supervision_page(ctx, q, failed(&e), status).await
        }
        Err(e) => error_page(ctx, e, SUPERVISION).await,
    }
}

/// POST /console/supervision/rectifications/{id}/complete: the call-back and the outcome.
pub(crate) async fn complete(ctx: Console, id: web::Path<String>, form: web::Form<CompleteForm>) -> HttpResponse {
    if !ctx.csrf_ok(&form.csrf) {
        return error_page(ctx, Error::forbidden(crate::view::STALE_FORM), SUPERVISION).await;
    }
    let id = match path_id(&id, "整改单") {
        Ok(id) => id,
        Err(e) => return error_page(ctx, e, SUPERVISION).await,
    };
    let f = form.into_inner();
    let callback = Some(f.callback.as_str()).filter(|c| !c.trim().is_empty());
    let result =
        ctx.services.supervision.complete_rectification(&ctx.actor, id, &f.outcome, callback).await.map(|_| ());
    let values = vec![("outcome".to_owned(), f.outcome.clone()), ("callback".to_owned(), f.callback.clone())];
    let failed = |e: &Error| FormState::failed(&complete_key(&id.to_string()), COMPLETE_FIELDS, e, values);
    let q = MonthQuery { month: f.month, rect_after: f.rect_after, complaint_after: f.complaint_after };
    after_step(ctx, result, failed, q).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct ResolveForm {
    csrf: String,
    result: String,
    /// The page the form was on.
    month: String,
    rect_after: String,
    complaint_after: String,
}

/// POST /console/supervision/complaints/{id}/resolve: the answer given to the complainant.
pub(crate) async fn resolve(ctx: Console, id: web::Path<String>, form: web::Form<ResolveForm>) -> HttpResponse {
    if !ctx.csrf_ok(&form.csrf) {
        return error_page(ctx, Error::forbidden(crate::view::STALE_FORM), SUPERVISION).await;
    }
    let id = match path_id(&id, "投诉") {
        Ok(id) => id,
        Err(e) => return error_page(ctx, e, SUPERVISION).await,
    };
    let f = form.into_inner();
    let result = ctx.services.supervision.resolve_complaint(&ctx.actor, id, &f.result).await.map(|_| ());
    let values = vec![("result".to_owned(), f.result.clone())];
    let failed = |e: &Error| FormState::failed(&resolve_key(&id.to_string()), RESOLVE_FIELDS, e, values);
    let q = MonthQuery { month: f.month, rect_after: f.rect_after, complaint_after: f.complaint_after };
    after_step(ctx, result, failed, q).await
}
