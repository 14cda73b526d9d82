//! 否定备案: not-accepted cases listed in the console for the center administrators and
//! supervisors who review them, each within their own subtree.

use serde_json::json;
use tests::{JIANJUN, TestApp, YONGSHOU};

const SUBMIT: &str = "mutation($i: SubmitCaseInput!) { submitCase(input: $i) { case { id caseNo } } }";
const REJECT: &str =
    "mutation($id: ID!, $r: String!) { rejectCase(id: $id, reason: $r) { status documents { url number } } }";

/// Submits a case for the first published item of `tenant` matching `keyword` and rejects it.
async fn rejected(app: &TestApp, clerk: &str, tenant: &str, keyword: &str, reason: &str) -> (String, String, String) {
    let token = app.token(clerk).await;
    let r = app
        .gql(
            Some(&token),
            "query($t: RegionCode!, $k: String!) { implItems(tenant: $t, keyword: $k, status: PUBLISHED) { nodes { id } } }",
            json!({ "t": tenant, "k": keyword }),
        )
        .await;
    let item = r["data"]["implItems"]["nodes"][0]["id"].as_str().unwrap_or_else(|| panic!("no item: {r}")).to_owned();
    let input = json!({ "i": {
        "implItemId": item,
        "applicant": { "kind": "PERSON", "name": "赵六", "idNumber": "11010519491231002X" },
        "providedMaterials": [],
    } });
    let r = app.gql(Some(&token), SUBMIT, input).await;
    let case = &r["data"]["submitCase"]["case"];
    let (id, no) = (case["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned(), case["caseNo"].to_string());
    let r = app.gql(Some(&token), REJECT, json!({ "id": id, "r": reason })).await;
    assert_eq!(r["data"]["rejectCase"]["status"], "NOT_ACCEPTED", "{r}");
    let doc = r["data"]["rejectCase"]["documents"][0]["url"].as_str().expect("notice").to_owned();
    (id, no.trim_matches('"').to_owned(), doc)
}

async fn page(client: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let r = client.get(app.url(path)).send().await.expect("page");
    (r.status().as_u16(), r.text().await.expect("html"))
}

#[tokio::test]
async fn rejected_cases_are_listed_for_review_within_the_reviewers_subtree() {
    let app = TestApp::spawn().await;
    let (county_id, county_no, county_doc) =
        rejected(&app, "ys_window", YONGSHOU, "教师资格", "申请人不属于本机关管辖范围，请向户籍所在地申请").await;
    let (_, town_no, _) = rejected(&app, "jj_station", JIANJUN, "临时救助", "申请事项不属于临时救助范围").await;

    // The county's center administrator reviews both: its own and its town's.
    let admin = app.console_client("ys_admin").await;
    let (status, dash) = page(&admin, &app, "/console").await;
    assert_eq!(status, 200);
    assert!(dash.contains("/console/cases/rejections") && dash.contains("不予受理备案"), "menu: {dash}");
    let (status, html) = page(&admin, &app, "/console/cases/rejections").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("共 2 件"), "{html}");
    assert!(html.contains(&county_no) && html.contains(&town_no), "{html}");
    assert!(html.contains("申请人不属于本机关管辖范围，请向户籍所在地申请"), "the reason: {html}");
    assert!(html.contains("申请事项不属于临时救助范围"), "{html}");
    assert!(html.contains("ys_window") && html.contains("jj_station"), "who rejected: {html}");
    assert!(html.contains("赵六（身份证 1101**********002X）"), "masked: {html}");
    assert!(!html.contains("11010519491231002X"), "never the full id number");
    assert!(html.contains(&format!("/console/cases/{county_id}")), "{html}");
    assert!(county_doc.starts_with("/console/documents/"), "{county_doc}");
    assert!(html.contains(&format!("href=\"{county_doc}\"")), "the notice: {html}");
    assert!(html.contains("永寿县政务服务中心"), "{html}");
    let (status, notice) = page(&admin, &app, &county_doc).await;
    assert_eq!(status, 200);
    assert!(notice.contains("不予受理通知书"), "{notice}");

    // The county's supervisor too; window staff neither see the entry nor the page.
    let sup = app.console_client("ys_supervisor").await;
    let (status, html) = page(&sup, &app, "/console/cases/rejections").await;
    assert_eq!(status, 200);
    assert!(html.contains(&county_no) && html.contains(&town_no), "{html}");
    let clerk = app.console_client("ys_window").await;
    assert!(!page(&clerk, &app, "/console").await.1.contains("/console/cases/rejections"));
    assert_eq!(page(&clerk, &app, "/console/cases/rejections").await.0, 403);

    // The town's center administrator sees the town's rejection, never the county's; its station
    // staff not at all.
    let town = app.console_client("jj_admin").await;
    let (status, html) = page(&town, &app, "/console/cases/rejections").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains(&town_no) && html.contains("共 1 件"), "{html}");
    assert!(!html.contains(&county_no) && !html.contains("申请人不属于本机关管辖范围"), "{html}");
    let station = app.console_client("jj_station").await;
    assert_eq!(page(&station, &app, "/console/cases/rejections").await.0, 403);
}
