//! The public 办件查询 page (/track): an applicant enters the case number and the query code the
//! window gave them. No login; attempts are rate-limited per client by the domain.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use domain::Error;
use domain::service::Services;
use serde::Deserialize;

use crate::errors::{public_message, status_for};
use crate::text_size::TextSize;

struct Step {
    at: String,
    action: String,
    opinion: String,
}

struct Found {
    case_no: String,
    item: String,
    status: &'static str,
    center: String,
    received: String,
    deadline: String,
    steps: Vec<Step>,
    /// The QR code to this page for the case (the window's lobby screen or a notice can show it).
    qr: String,
    /// Concluded: the applicant may rate it (扫码评价), the query code going with the form.
    concluded: bool,
    code: String,
    /// The handling tenant, for its complaint page.
    tenant: String,
}

#[derive(Template)]
#[template(path = "track.html")]
struct TrackPage {
    ts: TextSize,
    no: String,
    error: String,
    found: Option<Found>,
    /// The outcome of a rating just given, or why it was refused.
    rated: String,
    rate_error: String,
}

/// The levels of a rating, best first (4 and 5 are bad ratings).
const LEVELS: [(u8, &str); 5] = [(1, "非常满意"), (2, "满意"), (3, "基本满意"), (4, "不满意"), (5, "非常不满意")];

fn render(status: StatusCode, page: &TrackPage) -> HttpResponse {
    match page.render() {
        Ok(body) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .insert_header(("Cache-Control", "no-store"))
            .body(body),
        Err(e) => {
            tracing::error!(error = %e, "track template failed");
            HttpResponse::InternalServerError()
                .content_type("text/plain; charset=utf-8")
                .body("系统内部错误，请稍后再试")
        }
    }
}

fn page(req: &HttpRequest, no: &str) -> TrackPage {
    TrackPage {
        ts: TextSize::of(req),
        no: no.chars().take(60).collect(),
        error: String::new(),
        found: None,
        rated: String::new(),
        rate_error: String::new(),
    }
}

/// GET /track: the form; with the case number and query code (a scanned QR code), the case.
pub(crate) async fn form(
    req: HttpRequest,
    services: web::Data<Services>,
    query: web::Query<TrackForm>,
) -> HttpResponse {
    let q = query.into_inner();
    if q.no.is_empty() || q.code.is_empty() {
        return render(StatusCode::OK, &page(&req, &q.no));
    }
    show(&req, &services, q, page(&req, "")).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct TrackForm {
    no: String,
    code: String,
}

/// POST /track: the case's progress, or the error next to the form (the number kept, the code not).
pub(crate) async fn lookup(
    req: HttpRequest,
    services: web::Data<Services>,
    form: web::Form<TrackForm>,
) -> HttpResponse {
    show(&req, &services, form.into_inner(), page(&req, "")).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct RateForm {
    no: String,
    code: String,
    level: String,
    comment: String,
}

/// POST /track/rate: rates a concluded case (扫码评价), then shows it again with the outcome.
pub(crate) async fn rate(req: HttpRequest, services: web::Data<Services>, form: web::Form<RateForm>) -> HttpResponse {
    let f = form.into_inner();
    let client = crate::config::client_address(&req);
    let mut p = page(&req, "");
    let level = f.level.trim().parse::<i64>().unwrap_or(0);
    let comment = Some(f.comment.as_str()).filter(|c| !c.trim().is_empty());
    match services.supervision.rate_case(&f.no, &f.code, level, "QR", comment, &client).await {
        Ok((_, rect)) => {
            p.rated = if rect.is_some() {
                "感谢您的评价。您的意见已转办理部门整改，并将回访。".to_owned()
            } else {
                "感谢您的评价。".to_owned()
            };
        }
        Err(e) => {
            p.rate_error = match e {
                Error::Conflict(_) => "该办件已评价，每件只能评价一次".to_owned(),
                Error::InvalidInput(_) if level == 0 => "请选择评价等级".to_owned(),
                e => public_message(&e),
            };
        }
    }
    show(&req, &services, TrackForm { no: f.no, code: f.code }, p).await
}

/// The case's progress into `p`, or the error next to the form (the number kept, the code not).
async fn show(req: &HttpRequest, services: &Services, f: TrackForm, mut p: TrackPage) -> HttpResponse {
    let client = crate::config::client_address(req);
    let result = async {
        let c = services.cases.track_case(&f.no, &f.code, &client).await?;
        let reading = services.cases.case_reading(&c).await?;
        let center = services.tenants.tenant_identities(&[c.handling]).await?.first().map(|t| t.center_name());
        Ok::<_, Error>(Found {
            case_no: c.case_no.clone(),
            item: c.item_name.clone(),
            status: c.status.label(),
            center: center.unwrap_or_default(),
            received: domain::china_time::minute_text(c.received_at),
            deadline: reading.map(|r| r.deadline.date.to_string()).unwrap_or_else(|| "受理后起算".into()),
            steps: c
                .events
                .iter()
                .map(|e| Step {
                    at: domain::china_time::minute_text(e.at),
                    action: e.action.clone(),
                    opinion: e.opinion.clone().unwrap_or_default(),
                })
                .collect(),
            qr: crate::qr::svg(&crate::qr::track_url(req, &c.case_no, &f.code)),
            concluded: c.concluded_at.is_some(),
            code: f.code.clone(),
            tenant: c.handling.to_string(),
        })
    }
    .await;
    p.no = f.no.chars().take(60).collect();
    match result {
        Ok(found) => {
            p.found = Some(found);
            render(StatusCode::OK, &p)
        }
        Err(e) => {
            let status = status_for(&e);
            p.error = match e {
                Error::NotFound { .. } => "未找到办件：请核对办件编号和查询码".to_owned(),
                e => public_message(&e),
            };
            render(status, &p)
        }
    }
}
