//! The console's case list: cursor pages, filters, and the XLSX export with Chinese headers.

use std::io::Read;

use serde_json::json;
use tests::{TestApp, YONGSHOU};

/// The text of one part of an XLSX file (a ZIP).
fn xlsx_part(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("an xlsx is a zip");
    let mut part = zip.by_name(name).unwrap_or_else(|_| panic!("no {name}"));
    let mut out = String::new();
    part.read_to_string(&mut out).expect("utf-8 xml");
    out
}

fn links(html: &str, id: &str) -> Option<String> {
    let marker = format!("id=\"{id}\"");
    if !html.contains(&marker) {
        return None;
    }
    let rest = html.split(&marker).next().and_then(|before| before.rsplit("href=\"").next())?;
    let href = rest.split('"').next()?;
    Some(href.replace("&#38;", "&").replace("&amp;", "&"))
}

#[tokio::test]
async fn sixty_cases_page_by_cursor_filter_and_export_as_xlsx() {
    let app = TestApp::spawn().await;
    let window = app.token("ys_window").await;
    let r = app
        .gql(
            Some(&window),
            "query($t: RegionCode!) { implItems(tenant: $t, keyword: \"教师资格\", status: PUBLISHED) { nodes { id } } }",
            json!({ "t": YONGSHOU }),
        )
        .await;
    let item = r["data"]["implItems"]["nodes"][0]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    for i in 0..60 {
        let r = app
            .gql(
                Some(&window),
                "mutation($i: SubmitCaseInput!) { submitCase(input: $i) { case { id } } }",
                json!({ "i": { "implItemId": item,
                    "applicant": { "kind": "PERSON", "name": format!("列表{i:02}"), "idNumber": "11010519491231002X" },
                    "providedMaterials": ["申请表"] } }),
            )
            .await;
        assert!(r["errors"].is_null(), "{r}");
    }
    let clerk = app.console_client("ys_window").await;
    let get = |path: String| {
        let req = clerk.get(app.url(&path));
        async move { req.send().await.expect("get") }
    };
    // Filtered by item and status: exactly our 60 (the seed may hold others).
    let filter = format!("/console/cases?item={item}&status=RECEIVED&no=%E5%88%97%E8%A1%A8");
    let mut seen = std::collections::BTreeSet::new();
    let mut path = filter.clone();
    let mut pages = 0;
    loop {
        let html = get(path.clone()).await.text().await.expect("html");
        assert!(html.contains("id=\"case-total\">60 件"), "{html}");
        pages += 1;
        for part in html.split("列表").skip(1) {
            if let Some(n) = part.get(..2).filter(|n| n.bytes().all(|b| b.is_ascii_digit())) {
                seen.insert(n.to_owned());
            }
        }
        match links(&html, "page-next") {
            Some(next) => path = next,
            None => break,
        }
        assert!(pages < 10, "the pager ends");
    }
    assert_eq!(pages, 3, "20 a page");
    assert_eq!(seen.len(), 60, "every case once: {seen:?}");

    // A date range before today selects none of them.
    let html = get(format!("{filter}&from=2020-01-01&to=2020-01-31")).await.text().await.expect("html");
    assert!(html.contains("暂无办件"), "{html}");
    // A bad date is said plainly.
    let r = get(format!("{filter}&from=2020-13-01")).await;
    assert_eq!(r.status(), 400);

    let r = get(filter.replace("/console/cases?", "/console/cases/export.xlsx?")).await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().expect("type").contains("spreadsheetml"));
    let bytes = r.bytes().await.expect("xlsx");
    let strings = xlsx_part(&bytes, "xl/sharedStrings.xml");
    for header in ["办件编号", "事项", "申请人", "状态", "收件时间", "办结期限", "预警"] {
        assert!(strings.contains(header), "{header}: {strings}");
    }
    let sheet = xlsx_part(&bytes, "xl/worksheets/sheet1.xml");
    assert_eq!(sheet.matches("<row ").count(), 61, "a header and 60 rows");
    assert!(strings.contains("列表00") && strings.contains("列表59") && strings.contains("已收件"));
}
