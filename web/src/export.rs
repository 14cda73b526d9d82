//! XLSX exports of console lists, with Chinese headers: one sheet per list, every page of it that
//! the list's filters select, up to a bound.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use domain::Error;
use domain::page::{MAX_PAGE, Page, PageRequest};
use rust_xlsxwriter::{Format, Workbook};

use crate::auth::Console;
use crate::cases::{CasesQuery, case_page, rows};
use crate::items::{CatalogueQuery, ItemsQuery, impl_query};
use crate::layout::{chrome, error_page};
use crate::routes::{CASES, CATALOGUE, ITEMS};

/// The most rows one export writes.
const MAX_EXPORT_ROWS: usize = 10_000;

/// A list as one sheet: its name, the Chinese headers with their column widths, and the rows.
struct Sheet<'a> {
    name: &'a str,
    columns: &'a [(&'a str, f64)],
    rows: Vec<Vec<String>>,
}

const CASE_COLUMNS: [(&str, f64); 7] = [
    ("办件编号", 26.0),
    ("事项", 30.0),
    ("申请人", 14.0),
    ("状态", 12.0),
    ("收件时间", 18.0),
    ("办结期限", 12.0),
    ("预警", 8.0),
];

const ITEM_COLUMNS: [(&str, f64); 8] = [
    ("实施编码", 30.0),
    ("事项名称", 30.0),
    ("事项类型", 12.0),
    ("实施部门", 16.0),
    ("承诺时限（工作日）", 10.0),
    ("状态", 10.0),
    ("版本", 6.0),
    ("下放", 6.0),
];

const BASE_COLUMNS: [(&str, f64); 8] = [
    ("基本编码", 18.0),
    ("事项名称", 30.0),
    ("事项类型", 12.0),
    ("行使层级", 16.0),
    ("法定时限（工作日）", 10.0),
    ("主管部门", 12.0),
    ("申请材料", 40.0),
    ("版本", 6.0),
];

fn book(s: &Sheet) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(s.name)?;
    let bold = Format::new().set_bold();
    for (c, (h, w)) in s.columns.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
        sheet.set_column_width(c as u16, *w)?;
    }
    for (i, r) in s.rows.iter().enumerate() {
        for (c, v) in r.iter().enumerate() {
            sheet.write_string(i as u32 + 1, c as u16, v)?;
        }
    }
    book.save_to_buffer()
}

/// The sheet as a download named `file` (ASCII) and `chinese` (its name for browsers that take it).
fn download(s: &Sheet, file: &str, chinese: &str) -> Result<HttpResponse, Error> {
    let bytes = book(s).map_err(|e| Error::internal(format!("xlsx: {e}")))?;
    let disposition = format!("attachment; filename=\"{file}\"; filename*=UTF-8''{}", crate::view::urlencode(chinese));
    Ok(HttpResponse::Ok()
        .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .insert_header((header::CONTENT_DISPOSITION, disposition))
        .body(bytes))
}

/// Every page `fetch` returns from the first cursor on, up to [`MAX_EXPORT_ROWS`] rows.
async fn all_pages<T, F, Fut>(mut fetch: F) -> Result<Vec<T>, Error>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: std::future::Future<Output = Result<Page<T>, Error>>,
{
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let page = fetch(PageRequest { first: MAX_PAGE, after }).await?;
        all.extend(page.items);
        match page.end_cursor.filter(|_| page.has_next) {
            Some(c) if all.len() < MAX_EXPORT_ROWS => after = Some(c),
            _ => break,
        }
    }
    all.truncate(MAX_EXPORT_ROWS);
    Ok(all)
}

/// GET /console/cases/export.xlsx: the cases the list's filters select, every page of them.
pub(crate) async fn cases_xlsx(mut ctx: Console, query: web::Query<CasesQuery>) -> HttpResponse {
    let chrome = match chrome(&mut ctx, "cases", CASES).await {
        Ok(c) => c,
        Err(e) => return crate::view::plain_error(&e),
    };
    let q = query.into_inner();
    let result = async {
        let ctx = &ctx;
        let cases = all_pages(|p| case_page(ctx, chrome.current.code, &q, p)).await?;
        let mut all = Vec::new();
        // Readings a page at a time, as the list reads them.
        for chunk in cases.chunks(MAX_PAGE as usize) {
            all.extend(rows(ctx, chunk).await?.into_iter().map(|r| {
                let cells = [&r.case_no, &r.item, &r.applicant, r.status, &r.received, &r.deadline, r.warning];
                cells.iter().map(|c| c.to_string()).collect()
            }));
        }
        let rows = all;
        download(&Sheet { name: "办件", columns: &CASE_COLUMNS, rows }, "cases.xlsx", "办件.xlsx")
    }
    .await;
    match result {
        Ok(r) => r,
        Err(e) => error_page(ctx, e, CASES).await,
    }
}

/// GET /console/items/export.xlsx: the implementation list of the selected tenant with the
/// page's filters, scoped like the page.
pub(crate) async fn items_xlsx(mut ctx: Console, query: web::Query<ItemsQuery>) -> HttpResponse {
    let chrome = match chrome(&mut ctx, "items", ITEMS).await {
        Ok(c) => c,
        Err(e) => return crate::view::plain_error(&e),
    };
    let q = query.into_inner();
    let result = async {
        let (ctx, t) = (&ctx, &chrome.current.code);
        let items = all_pages(|p| ctx.services.catalogue.impl_items(&ctx.actor, t, impl_query(&q, p))).await?;
        let rows = items
            .iter()
            .map(|i| {
                vec![
                    i.impl_code.clone(),
                    i.base.name.clone(),
                    i.base.kind.label().to_owned(),
                    i.department.name.clone(),
                    i.local.promised_days.to_string(),
                    i.status.label().to_owned(),
                    i.version.to_string(),
                    if i.delegated_by.is_some() { "是" } else { "否" }.to_owned(),
                ]
            })
            .collect();
        download(&Sheet { name: "事项清单", columns: &ITEM_COLUMNS, rows }, "items.xlsx", "事项清单.xlsx")
    }
    .await;
    match result {
        Ok(r) => r,
        Err(e) => error_page(ctx, e, ITEMS).await,
    }
}

/// GET /console/catalogue/export.xlsx: the base catalogue with the page's filters.
pub(crate) async fn catalogue_xlsx(mut ctx: Console, query: web::Query<CatalogueQuery>) -> HttpResponse {
    if let Err(e) = chrome(&mut ctx, "catalogue", CATALOGUE).await {
        return crate::view::plain_error(&e);
    }
    let q = query.into_inner();
    let kind = q.kind.parse::<domain::catalogue::ItemKind>().ok();
    let result = async {
        let ctx = &ctx;
        let items = all_pages(|p| ctx.services.catalogue.base_items(&ctx.actor, Some(&q.keyword), kind, p)).await?;
        let rows = items
            .iter()
            .map(|b| {
                let materials = b.materials.iter().map(|m| m.name.as_str()).collect::<Vec<_>>().join("、");
                vec![
                    b.base_code.clone(),
                    b.name.clone(),
                    b.kind.label().to_owned(),
                    b.levels_label(),
                    b.statutory_days.to_string(),
                    b.department.clone(),
                    materials,
                    b.version.to_string(),
                ]
            })
            .collect();
        download(&Sheet { name: "基本目录", columns: &BASE_COLUMNS, rows }, "catalogue.xlsx", "基本目录.xlsx")
    }
    .await;
    match result {
        Ok(r) => r,
        Err(e) => error_page(ctx, e, CATALOGUE).await,
    }
}
