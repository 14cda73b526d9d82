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
}

#[derive(Template)]
#[template(path = "track.html")]
struct TrackPage {
    ts: TextSize,
    no: String,
    error: String,
    found: Option<Found>,
}

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

/// GET /track: the form.
pub(crate) async fn form(req: HttpRequest) -> HttpResponse {
    let ts = TextSize::of(&req);
    render(StatusCode::OK, &TrackPage { ts, no: String::new(), error: String::new(), found: None })
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
    let f = form.into_inner();
    let client = crate::config::client_address(&req);
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
        })
    }
    .await;
    let no = f.no.chars().take(60).collect();
    let ts = TextSize::of(&req);
    match result {
        Ok(found) => render(StatusCode::OK, &TrackPage { ts, no, error: String::new(), found: Some(found) }),
        Err(e) => {
            let status = status_for(&e);
            let message = match e {
                Error::NotFound { .. } => "未找到办件：请核对办件编号和查询码".to_owned(),
                e => public_message(&e),
            };
            render(status, &TrackPage { ts, no, error: message, found: None })
        }
    }
}
