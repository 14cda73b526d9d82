//! The public 办件查询 page: case number and query code, no login.

use serde_json::json;
use tests::{TestApp, YONGSHOU};

#[tokio::test]
async fn an_applicant_tracks_a_case_with_its_query_code() {
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
    let r = app
        .gql(
            Some(&window),
            "mutation($i: SubmitCaseInput!) { submitCase(input: $i) { queryCode case { id caseNo } } }",
            json!({ "i": { "implItemId": item,
                "applicant": { "kind": "PERSON", "name": "孙八", "idNumber": "11010519491231002X" },
                "providedMaterials": ["申请表", "身份证明", "学历证书", "体检合格证明", "普通话水平测试等级证书"] } }),
        )
        .await;
    let receipt = &r["data"]["submitCase"];
    let no = receipt["case"]["caseNo"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    let code = receipt["queryCode"].as_str().expect("code").to_owned();

    let public = app.new_client();
    let form = public.get(app.url("/track")).send().await.expect("form");
    assert_eq!(form.status(), 200);
    let html = form.text().await.expect("html");
    assert!(html.contains("id=\"track-form\"") && html.contains("查询码"), "{html}");

    let r =
        public.post(app.url("/track")).form(&[("no", no.as_str()), ("code", "WRONG123")]).send().await.expect("post");
    assert_eq!(r.status(), 404);
    let html = r.text().await.expect("html");
    assert!(html.contains("未找到办件") && html.contains(&format!("value=\"{no}\"")), "the number is kept: {html}");
    assert!(!html.contains("track-result") && !html.contains("孙八"));

    let r = public
        .post(app.url("/track"))
        .form(&[("no", no.as_str()), ("code", code.as_str())])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 200);
    let html = r.text().await.expect("html");
    assert!(html.contains("id=\"track-result\"") && html.contains("已收件") && html.contains("教师资格"), "{html}");
    assert!(!html.contains("孙八") && !html.contains("11010519491231002X"), "no personal data on the public page");
    // Lower case works as well: the code is case-insensitive.
    let r = public
        .post(app.url("/track"))
        .form(&[("no", no.as_str()), ("code", code.to_ascii_lowercase().as_str())])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 200);
}

/// The receipt carries a QR code to the case's tracking page; scanned (GET with the number and
/// code) it shows the case and its own QR code; once concluded the applicant rates it there
/// (扫码评价), once, and the case's rating is on GraphQL.
#[tokio::test]
async fn a_scanned_code_tracks_the_case_and_rates_it_once_concluded() {
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
    // The console's receipt shows the QR code with the query code.
    let clerk = app.console_client("ys_window").await;
    let page = clerk.get(app.url("/console/cases/new")).send().await.expect("new").text().await.expect("html");
    let csrf = TestApp::csrf_of(&page);
    let materials = ["申请表", "身份证明", "学历证书", "体检合格证明", "普通话水平测试等级证书"];
    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("item", item.as_str()),
        ("applicant_kind", "PERSON"),
        ("name", "孙八"),
        ("id_type", "身份证"),
        ("id_number", "11010519491231002X"),
        ("phone", "13812345678"),
    ];
    form.extend(materials.iter().map(|m| ("provided", *m)));
    let receipt = clerk.post(app.url("/console/cases")).form(&form).send().await.expect("submit");
    let html = receipt.text().await.expect("html");
    let pick =
        |id: &str| html.split(&format!("id=\"{id}\">")).nth(1).and_then(|s| s.split('<').next()).map(str::to_owned);
    let no = pick("receipt-no").unwrap_or_else(|| panic!("{html}"));
    let code = pick("query-code").expect("query code");
    let qr = html.split("id=\"receipt-qr\"").nth(1).expect("QR code on the receipt");
    assert!(qr.contains("<svg"), "{qr}");
    let id = html.split("/console/cases/").nth(1).and_then(|s| s.split('"').next()).expect("case id").to_owned();

    // Scanned: the tracking page opens on the case, with its QR code; no rating before conclusion.
    let public = app.new_client();
    let scanned = format!("/track?no={no}&code={code}");
    let html = public.get(app.url(&scanned)).send().await.expect("scan").text().await.expect("html");
    assert!(html.contains("id=\"track-result\"") && html.contains("id=\"track-qr\""), "{html}");
    assert!(!html.contains("id=\"rate-form\""), "not concluded yet");

    let approver = app.token("ys_approver").await;
    let r = app.gql(Some(&window), "mutation($id: ID!) { acceptCase(id: $id) { status } }", json!({ "id": id })).await;
    assert!(r["errors"].is_null(), "{r}");
    let r = app
        .gql(
            Some(&approver),
            "mutation($id: ID!) { decideCase(id: $id, approve: true, opinion: \"符合条件\") { status } }",
            json!({ "id": id }),
        )
        .await;
    assert!(r["errors"].is_null(), "{r}");
    let html = public.get(app.url(&scanned)).send().await.expect("scan").text().await.expect("html");
    assert!(html.contains("id=\"rate-form\"") && html.contains("非常满意"), "{html}");
    // The acceptance notice and the decision carry the QR code too (the number; the code is the
    // applicant's, from the receipt).
    let case_page =
        clerk.get(app.url(&format!("/console/cases/{id}"))).send().await.expect("case").text().await.expect("html");
    let docs: Vec<String> = case_page
        .split("/console/documents/")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .filter(|d| !d.ends_with(".pdf"))
        .map(str::to_owned)
        .collect();
    assert_eq!(docs.len(), 2, "acceptance notice and decision: {case_page}");
    for d in docs {
        let doc = clerk.get(app.url(&format!("/console/documents/{d}"))).send().await.expect("doc");
        let doc = doc.text().await.expect("html");
        let qr = doc.split("id=\"document-qr\"").nth(1).unwrap_or_else(|| panic!("no QR code: {doc}"));
        assert!(qr.contains("<svg"), "{qr}");
    }

    let rate = |level: &'static str| {
        let req = public.post(app.url("/track/rate")).form(&[
            ("no", no.as_str()),
            ("code", code.as_str()),
            ("level", level),
            ("comment", "等候时间较长"),
        ]);
        async move { req.send().await.expect("rate").text().await.expect("html") }
    };
    let html = rate("4").await;
    assert!(html.contains("id=\"rate-done\"") && html.contains("整改"), "{html}");
    assert!(!html.contains("id=\"rate-form\""));
    let again = rate("1").await;
    assert!(again.contains("已评价"), "{again}");

    let sup = app.token("ys_admin").await;
    let r = app
        .gql(
            Some(&sup),
            "query($id: ID!) { case(id: $id) { rating { level channel comment rectification { status } } } }",
            json!({ "id": id }),
        )
        .await;
    let rating = &r["data"]["case"]["rating"];
    assert_eq!(rating["level"], 4, "{r}");
    assert_eq!(rating["channel"], "QR");
    assert_eq!(rating["comment"], "等候时间较长");
    assert_eq!(rating["rectification"]["status"], "OPEN");
}
