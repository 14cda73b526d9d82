//! The console's case list: cursor pages, filters, and the XLSX export with Chinese headers.

use std::io::Read;

use serde_json::json;
use tests::{TestApp, YONGSHOU, href_of};

/// The text of one part of an XLSX file (a ZIP).
fn xlsx_part(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("an xlsx is a zip");
    let mut part = zip.by_name(name).unwrap_or_else(|_| panic!("no {name}"));
    let mut out = String::new();
    part.read_to_string(&mut out).expect("utf-8 xml");
    out
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
        match href_of(&html, "page-next") {
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

/// The implementation list and the base catalogue export with the page's filters, scoped like the page.
#[tokio::test]
async fn item_lists_export_as_xlsx_with_the_page_filters() {
    let app = TestApp::spawn().await;
    let count = |token: String, tenant: &'static str, status: Option<&'static str>| {
        let app = &app;
        async move {
            let q = "query($t: RegionCode!, $s: ImplItemStatus) { implItems(tenant: $t, status: $s) { totalCount nodes { implCode } } }";
            let r = app.gql(Some(&token), q, json!({ "t": tenant, "s": status })).await;
            r["data"]["implItems"]["totalCount"].as_u64().unwrap_or_else(|| panic!("{r}")) as usize
        }
    };
    let admin = app.console_client("ys_admin").await;
    let html =
        admin.get(app.url("/console/items?status=PUBLISHED")).send().await.expect("list").text().await.expect("html");
    let href = href_of(&html, "export-xlsx").expect("an export link");
    assert!(href.contains("status=PUBLISHED"), "the link keeps the filters: {href}");
    let r = admin.get(app.url(&href)).send().await.expect("export");
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().expect("type").contains("spreadsheetml"));
    let bytes = r.bytes().await.expect("xlsx");
    let strings = xlsx_part(&bytes, "xl/sharedStrings.xml");
    for header in ["实施编码", "事项名称", "事项类型", "实施部门", "承诺时限（工作日）", "状态", "版本", "下放"]
    {
        assert!(strings.contains(header), "{header}: {strings}");
    }
    let published = count(app.token("ys_admin").await, YONGSHOU, Some("PUBLISHED")).await;
    assert!(published > 1);
    let sheet = xlsx_part(&bytes, "xl/worksheets/sheet1.xml");
    assert_eq!(sheet.matches("<row ").count(), published + 1, "a header and every published item");
    assert!(strings.contains("教师资格") && strings.contains("已发布") && !strings.contains("草稿"));
    // A keyword narrows it like the page.
    let bytes = admin
        .get(app.url("/console/items/export.xlsx?keyword=%E6%95%99%E5%B8%88%E8%B5%84%E6%A0%BC"))
        .send()
        .await
        .expect("export")
        .bytes()
        .await
        .expect("xlsx");
    let rows = xlsx_part(&bytes, "xl/worksheets/sheet1.xml").matches("<row ").count();
    assert!(rows >= 2 && rows < published + 1, "{rows}");
    assert!(!xlsx_part(&bytes, "xl/sharedStrings.xml").contains("结婚登记"));

    // So does the kind.
    let r = app
        .gql(
            Some(&app.token("ys_admin").await),
            "query($t: RegionCode!) { implItems(tenant: $t, kind: PUBLIC_SERVICE) { totalCount } }",
            json!({ "t": YONGSHOU }),
        )
        .await;
    let services = r["data"]["implItems"]["totalCount"].as_u64().unwrap_or_else(|| panic!("{r}")) as usize;
    let bytes = admin
        .get(app.url("/console/items/export.xlsx?kind=PUBLIC_SERVICE"))
        .send()
        .await
        .expect("export")
        .bytes()
        .await
        .expect("xlsx");
    let rows = xlsx_part(&bytes, "xl/worksheets/sheet1.xml").matches("<row ").count();
    assert!(services >= 1, "{services}");
    assert_eq!(rows, services + 1, "the kind filter");

    // A town's station exports its own list only.
    let station = app.console_client("jj_station").await;
    let bytes =
        station.get(app.url("/console/items/export.xlsx")).send().await.expect("export").bytes().await.expect("xlsx");
    let own = count(app.token("jj_station").await, tests::JIANJUN, None).await;
    assert_eq!(xlsx_part(&bytes, "xl/worksheets/sheet1.xml").matches("<row ").count(), own + 1);
    assert!(xlsx_part(&bytes, "xl/sharedStrings.xml").contains("临时救助"));

    // The base catalogue with its keyword.
    let cat = app.console_client("xy_catalogue").await;
    let r = cat.get(app.url("/console/catalogue/export.xlsx?keyword=QR-00104")).send().await.expect("export");
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.expect("xlsx");
    let strings = xlsx_part(&bytes, "xl/sharedStrings.xml");
    for header in ["基本编码", "事项名称", "行使层级", "法定时限（工作日）", "申请材料"] {
        assert!(strings.contains(header), "{header}: {strings}");
    }
    assert!(strings.contains("QR-00104-000") && strings.contains("户口簿"), "{strings}");
    assert_eq!(xlsx_part(&bytes, "xl/worksheets/sheet1.xml").matches("<row ").count(), 2);
}

/// The department filter lists the cases of that department's items; the warning select (黄牌 /
/// 红牌) the cases whose clock shows it. Both are kept in the pager and narrow the export alike.
#[tokio::test]
async fn department_and_warning_filters_narrow_the_list_and_the_export() {
    let app = TestApp::spawn().await;
    let window = app.token("ys_window").await;
    let r = app
        .gql(
            Some(&window),
            "query($t: RegionCode!) { implItems(tenant: $t, status: PUBLISHED) { nodes { id base { name } department { id } } } }",
            json!({ "t": YONGSHOU }),
        )
        .await;
    let nodes = r["data"]["implItems"]["nodes"].as_array().unwrap_or_else(|| panic!("{r}")).clone();
    let dept = |n: &serde_json::Value| n["department"]["id"].as_str().unwrap_or_default().to_owned();
    let teacher =
        nodes.iter().find(|n| n["base"]["name"].as_str().is_some_and(|s| s.contains("教师资格"))).expect("教师资格");
    let other = nodes.iter().find(|n| dept(n) != dept(teacher)).expect("an item of another department");
    let submit = |item: String, name: &'static str, provided: Vec<&'static str>| {
        let (app, window) = (&app, window.clone());
        async move {
            let r = app
                .gql(
                    Some(&window),
                    "mutation($i: SubmitCaseInput!) { submitCase(input: $i) { case { id } } }",
                    json!({ "i": { "implItemId": item,
                        "applicant": { "kind": "PERSON", "name": name, "idNumber": "11010519491231002X" },
                        "providedMaterials": provided } }),
                )
                .await;
            r["data"]["submitCase"]["case"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned()
        }
    };
    let all = vec!["申请表", "身份证明", "学历证书", "体检合格证明", "普通话水平测试等级证书"];
    let teacher_id = teacher["id"].as_str().expect("id").to_owned();
    let running = submit(teacher_id.clone(), "筛选甲一", all).await;
    submit(teacher_id, "筛选甲二", vec!["申请表"]).await;
    submit(other["id"].as_str().expect("id").to_owned(), "筛选乙一", Vec::new()).await;
    let r =
        app.gql(Some(&window), "mutation($id: ID!) { acceptCase(id: $id) { status } }", json!({ "id": running })).await;
    assert_eq!(r["data"]["acceptCase"]["status"], "ACCEPTED", "{r}");

    let clerk = app.console_client("ys_window").await;
    let get = |path: String| {
        let req = clerk.get(app.url(&path));
        async move { req.send().await.expect("get") }
    };
    let search = "no=%E7%AD%9B%E9%80%89"; // 筛选
    let html = get(format!("/console/cases?{search}&department={}", dept(teacher))).await.text().await.expect("html");
    assert!(html.contains("筛选甲一") && html.contains("筛选甲二") && !html.contains("筛选乙一"), "{html}");
    assert!(html.contains("id=\"case-total\">2 件"), "{html}");
    assert!(html.contains(&format!(r#"value="{}" selected"#, dept(teacher))), "the select keeps the department");
    let html = get(format!("/console/cases?{search}&department={}", dept(other))).await.text().await.expect("html");
    assert!(!html.contains("筛选甲一") && html.contains("筛选乙一"), "{html}");
    // A department of no item in reach lists nothing; a malformed one is said plainly.
    let html =
        get(format!("/console/cases?{search}&department={}", uuid::Uuid::nil())).await.text().await.expect("html");
    assert!(html.contains("暂无办件"), "{html}");
    assert_eq!(get(format!("/console/cases?{search}&department=x")).await.status(), 400);
    assert_eq!(get(format!("/console/cases?{search}&warning=blue")).await.status(), 400);

    // Past the deadline the accepted case is red; the others have no clock.
    app.clock.advance(chrono::Duration::days(60));
    let html = get(format!("/console/cases?{search}&warning=red")).await.text().await.expect("html");
    assert!(html.contains("筛选甲一") && !html.contains("筛选甲二") && !html.contains("筛选乙一"), "{html}");
    assert!(html.contains(r#"value="red" selected"#), "the select keeps the warning");
    let export = href_of(&html, "export-xlsx").expect("an export link");
    assert!(export.contains("warning=red"), "{export}");
    let html = get(format!("/console/cases?{search}&warning=yellow")).await.text().await.expect("html");
    assert!(html.contains("暂无办件"), "{html}");

    let xlsx = |path: String| {
        let get = get(path);
        async move { get.await.bytes().await.expect("xlsx") }
    };
    let bytes = xlsx(export).await;
    assert_eq!(xlsx_part(&bytes, "xl/worksheets/sheet1.xml").matches("<row ").count(), 2, "a header and the red case");
    assert!(xlsx_part(&bytes, "xl/sharedStrings.xml").contains("筛选甲一"));
    let bytes = xlsx(format!("/console/cases/export.xlsx?{search}&department={}", dept(teacher))).await;
    let strings = xlsx_part(&bytes, "xl/sharedStrings.xml");
    assert_eq!(xlsx_part(&bytes, "xl/worksheets/sheet1.xml").matches("<row ").count(), 3);
    assert!(strings.contains("筛选甲二") && !strings.contains("筛选乙一"), "{strings}");
}
