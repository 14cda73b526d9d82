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
