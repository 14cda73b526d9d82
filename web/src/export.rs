//! XLSX exports of console lists, with Chinese headers.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use domain::Error;
use domain::page::{MAX_PAGE, PageRequest};
use rust_xlsxwriter::{Format, Workbook};

use crate::auth::Console;
use crate::cases::{CaseRow, CasesQuery, case_page, rows};
use crate::layout::{chrome, error_page};
use crate::routes::CASES;

/// The most rows one export writes.
const MAX_EXPORT_ROWS: usize = 10_000;

const CASE_HEADERS: [&str; 7] = ["办件编号", "事项", "申请人", "状态", "收件时间", "办结期限", "预警"];

fn case_book(list: &[CaseRow]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("办件")?;
    let bold = Format::new().set_bold();
    for (c, h) in CASE_HEADERS.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (i, r) in list.iter().enumerate() {
        let row = i as u32 + 1;
        let cells = [&r.case_no, &r.item, &r.applicant, r.status, &r.received, &r.deadline, r.warning];
        for (c, v) in cells.iter().enumerate() {
            sheet.write_string(row, c as u16, *v)?;
        }
    }
    for (c, w) in [26.0, 30.0, 14.0, 12.0, 18.0, 12.0, 8.0].iter().enumerate() {
        sheet.set_column_width(c as u16, *w)?;
    }
    book.save_to_buffer()
}

/// GET /console/cases/export.xlsx: the cases the list's filters select, every page of them.
pub(crate) async fn cases_xlsx(mut ctx: Console, query: web::Query<CasesQuery>) -> HttpResponse {
    let chrome = match chrome(&mut ctx, "cases", CASES).await {
        Ok(c) => c,
        Err(e) => return crate::view::plain_error(&e),
    };
    let q = query.into_inner();
    let result = async {
        let mut all = Vec::new();
        let mut after = None;
        loop {
            let page = case_page(&ctx, chrome.current.code, &q, PageRequest { first: MAX_PAGE, after }).await?;
            all.extend(rows(&ctx, &page.items).await?);
            match page.end_cursor.filter(|_| page.has_next) {
                Some(c) if all.len() < MAX_EXPORT_ROWS => after = Some(c),
                _ => break,
            }
        }
        all.truncate(MAX_EXPORT_ROWS);
        case_book(&all).map_err(|e| Error::internal(format!("xlsx: {e}")))
    }
    .await;
    match result {
        Ok(bytes) => HttpResponse::Ok()
            .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            .insert_header((
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"cases.xlsx\"; filename*=UTF-8''%E5%8A%9E%E4%BB%B6.xlsx",
            ))
            .body(bytes),
        Err(e) => error_page(ctx, e, CASES).await,
    }
}
