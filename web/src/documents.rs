//! Printable documents (文书) of cases, and their PDF where a CJK font is installed.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::http::header::{Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use domain::Error;
use domain::case::DocumentKind;
use domain::ports::DocumentPrinter;
use uuid::Uuid;

use crate::auth::Console;
use crate::view::{plain_error, render};

/// Said on the page, and by the PDF route, when no CJK font is installed.
pub const PDF_UNAVAILABLE: &str = "本机未安装中文字体（fonts-noto-cjk），暂不能生成 PDF，请使用浏览器打印本页";

#[derive(Template)]
#[template(path = "document.html")]
struct DocumentPage {
    title: &'static str,
    number: String,
    paragraphs: Vec<String>,
    issued: String,
    /// The PDF link, or None with the note why not.
    pdf: Option<String>,
    pdf_unavailable: &'static str,
    /// Acceptance notices and decisions: a QR code to the tracking page with the case number (the
    /// applicant adds the query code from the receipt), where the case is followed and rated.
    qr: String,
}

/// The printer the application provides (app data `web::Data<dyn DocumentPrinter>`); none means no PDF.
fn printer(req: &HttpRequest) -> Option<Arc<dyn DocumentPrinter>> {
    req.app_data::<web::Data<dyn DocumentPrinter>>().map(|d| d.clone().into_inner())
}

/// Whether PDFs can be made; the first call discovers the fonts, so it runs off the executor.
async fn pdf_available(req: &HttpRequest) -> bool {
    match printer(req) {
        Some(p) => web::block(move || p.available()).await.unwrap_or(false),
        None => false,
    }
}

/// GET /console/documents/{id}: the document as a printable page.
pub(crate) async fn show(ctx: Console, id: web::Path<String>) -> HttpResponse {
    let Ok(id) = Uuid::parse_str(&id) else {
        return plain_error(&Error::NotFound { what: "文书" });
    };
    let doc = match ctx.services.cases.document(&ctx.actor, id).await {
        Ok(d) => d,
        Err(e) => return plain_error(&e),
    };
    let day = domain::china_time::local_day(doc.issued_at);
    let qr = match qr_of(&ctx, &doc).await {
        Ok(qr) => qr,
        Err(e) => return plain_error(&e),
    };
    let page = DocumentPage {
        title: doc.title(),
        number: doc.number.clone(),
        paragraphs: doc.paragraphs.clone(),
        issued: day.format("%Y年%m月%d日").to_string(),
        pdf: pdf_available(&ctx.req).await.then(|| format!("/console/documents/{id}.pdf")),
        pdf_unavailable: PDF_UNAVAILABLE,
        qr,
    };
    render(ctx.response(StatusCode::OK), &page)
}

/// The QR code to the case's tracking page that acceptance notices and decisions carry (扫码查询),
/// as SVG; empty for other documents.
async fn qr_of(ctx: &Console, doc: &domain::case::Document) -> Result<String, Error> {
    Ok(match doc.kind {
        DocumentKind::AcceptanceNotice | DocumentKind::ApprovalDecision | DocumentKind::DenialDecision => {
            let c = ctx.services.cases.case_summary(&ctx.actor, doc.case_id).await?;
            crate::qr::svg(&crate::qr::track_url(&ctx.req, &c.case_no, ""))
        }
        _ => String::new(),
    })
}

/// GET /console/documents/{id}.pdf: the same document as a PDF, shown inline; 503 without a CJK font.
pub(crate) async fn pdf(ctx: Console, id: web::Path<String>) -> HttpResponse {
    let Ok(id) = Uuid::parse_str(&id) else {
        return plain_error(&Error::NotFound { what: "文书" });
    };
    let doc = match ctx.services.cases.document(&ctx.actor, id).await {
        Ok(d) => d,
        Err(e) => return plain_error(&e),
    };
    let unavailable = || {
        ctx.response(StatusCode::SERVICE_UNAVAILABLE).content_type("text/plain; charset=utf-8").body(PDF_UNAVAILABLE)
    };
    let Some(printer) = printer(&ctx.req) else {
        return unavailable();
    };
    let number = doc.number.clone();
    let qr = match qr_of(&ctx, &doc).await {
        Ok(qr) => qr,
        Err(e) => return plain_error(&e),
    };
    let printed =
        web::block(move || printer.available().then(|| printer.pdf(&doc, Some(qr.as_str()).filter(|q| !q.is_empty()))))
            .await;
    match printed {
        Ok(Some(Ok(bytes))) => ctx
            .response(StatusCode::OK)
            .content_type("application/pdf")
            .insert_header(disposition(id, &number))
            .body(bytes),
        Ok(None) => unavailable(),
        Ok(Some(Err(e))) => plain_error(&e),
        Err(e) => plain_error(&Error::internal(e)),
    }
}

/// Inline, named after the number (`永寿县受字〔2026〕1号.pdf`), with an ASCII fallback.
fn disposition(id: Uuid, number: &str) -> ContentDisposition {
    ContentDisposition {
        disposition: DispositionType::Inline,
        parameters: vec![
            DispositionParam::Filename(format!("{id}.pdf")),
            DispositionParam::FilenameExt(ExtendedValue {
                charset: Charset::Ext("UTF-8".into()),
                language_tag: None,
                value: format!("{number}.pdf").into_bytes(),
            }),
        ],
    }
}
