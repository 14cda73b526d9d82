//! The dashboard (工作台) counts the selected tenant's cases live, per role.

use serde_json::json;
use tests::{TestApp, YONGSHOU};

/// The value of the tile `id` on the dashboard, or None when the tile is not shown.
fn tile(html: &str, id: &str) -> Option<u64> {
    let rest = html.split(&format!("id=\"{id}\"")).nth(1)?;
    let value = rest.split("tile-value").nth(1)?.split('>').nth(1)?.split('<').next()?;
    Some(value.trim().parse().unwrap_or_else(|_| panic!("{id}: {value}")))
}

#[tokio::test]
async fn the_dashboard_counts_what_waits_for_each_role() {
    let app = TestApp::spawn().await;
    let clerk = app.console_client("ys_window").await;
    let approver = app.console_client("ys_approver").await;
    let supervisor = app.console_client("ys_supervisor").await;
    let dash = |c: &reqwest::Client| {
        let req = c.get(app.url("/console"));
        async move { req.send().await.expect("dashboard").text().await.expect("html") }
    };
    let before = dash(&clerk).await;
    assert!(!before.contains("暂无数据"), "{before}");
    let to_handle = tile(&before, "count-to-handle").expect("the clerk's work");
    let received = tile(&before, "count-received-today").expect("received today");
    let accepted = tile(&before, "count-accepted-today").expect("accepted today");
    assert_eq!(tile(&before, "count-to-decide"), None, "a clerk has no approval queue");
    let queue = tile(&dash(&approver).await, "count-to-decide").expect("the approver's queue");
    let sup = dash(&supervisor).await;
    assert_eq!(tile(&sup, "count-to-handle"), None, "a supervisor handles nothing");
    let sup_received = tile(&sup, "count-received-today").expect("supervisor's count");

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
            "mutation($i: SubmitCaseInput!) { submitCase(input: $i) { case { id } } }",
            json!({ "i": { "implItemId": item,
                "applicant": { "kind": "PERSON", "name": "钱七", "idNumber": "11010519491231002X" },
                "providedMaterials": ["申请表", "身份证明", "学历证书", "体检合格证明", "普通话水平测试等级证书"] } }),
        )
        .await;
    let id = r["data"]["submitCase"]["case"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    let now = dash(&clerk).await;
    assert_eq!(tile(&now, "count-to-handle"), Some(to_handle + 1));
    assert_eq!(tile(&now, "count-received-today"), Some(received + 1));
    assert_eq!(tile(&dash(&supervisor).await, "count-received-today"), Some(sup_received + 1));

    let r = app.gql(Some(&window), "mutation($id: ID!) { acceptCase(id: $id) { status } }", json!({ "id": id })).await;
    assert!(r["errors"].is_null(), "{r}");
    let now = dash(&clerk).await;
    assert_eq!(tile(&now, "count-to-handle"), Some(to_handle), "accepted: now the approver's");
    assert_eq!(tile(&now, "count-accepted-today"), Some(accepted + 1));
    assert_eq!(tile(&dash(&approver).await, "count-to-decide"), Some(queue + 1));
    assert!(now.contains("href=\"/console/cases?tab=red\""), "each count links to its list");
}

/// A supervisor's dashboard draws the last 30 days as SVG charts: the trend with today's case, the
/// departments, satisfaction, and the county's towns side by side; a clerk gets none.
#[tokio::test]
async fn a_supervisor_sees_the_charts_of_the_last_thirty_days() {
    let app = TestApp::spawn().await;
    let window = app.token("ys_window").await;
    let r = app
        .gql(
            Some(&window),
            "query($t: RegionCode!) { implItems(tenant: $t, keyword: \"教师资格\", status: PUBLISHED) { nodes { id department { name } } } }",
            json!({ "t": YONGSHOU }),
        )
        .await;
    let item = r["data"]["implItems"]["nodes"][0]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    let dept = r["data"]["implItems"]["nodes"][0]["department"]["name"].as_str().expect("department").to_owned();
    let r = app
        .gql(
            Some(&window),
            "mutation($i: SubmitCaseInput!) { submitCase(input: $i) { case { id } } }",
            json!({ "i": { "implItemId": item,
                "applicant": { "kind": "PERSON", "name": "钱七", "idNumber": "11010519491231002X" },
                "providedMaterials": ["申请表", "身份证明", "学历证书", "体检合格证明", "普通话水平测试等级证书"] } }),
        )
        .await;
    assert!(r["errors"].is_null(), "{r}");
    let page = |c: reqwest::Client| {
        let req = c.get(app.url("/console"));
        async move { req.send().await.expect("dashboard").text().await.expect("html") }
    };
    let sup = page(app.console_client("ys_supervisor").await).await;
    for id in ["chart-trend", "chart-departments", "chart-satisfaction", "chart-areas"] {
        let chart = sup.split(&format!("id=\"{id}\"")).nth(1).unwrap_or_else(|| panic!("no {id}: {sup}"));
        assert!(chart.trim_start().split("<svg").nth(1).is_some(), "{id} is SVG");
    }
    let trend = sup.split("id=\"chart-trend\"").nth(1).and_then(|s| s.split("</figure>").next()).unwrap_or_default();
    assert!(trend.contains("收件") && trend.contains("办结"), "{trend}");
    let depts =
        sup.split("id=\"chart-departments\"").nth(1).and_then(|s| s.split("</figure>").next()).unwrap_or_default();
    let short: String = dept.chars().take(8).collect();
    assert!(depts.contains(&short), "{dept} in {depts}");
    let areas = sup.split("id=\"chart-areas\"").nth(1).and_then(|s| s.split("</figure>").next()).unwrap_or_default();
    assert!(areas.contains("监军街道") || areas.contains("街道") || areas.contains("镇"), "towns: {areas}");
    let clerk = page(app.console_client("ys_window").await).await;
    assert!(!clerk.contains("dashboard-charts"), "a clerk sees no charts");
}
