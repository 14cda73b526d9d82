//! Irreversible steps outside the case page ask for confirmation: 作废 of an implementation item.

use serde_json::json;
use tests::{TestApp, YONGSHOU};

#[tokio::test]
async fn cancelling_an_item_needs_the_confirmation_ticked() {
    let app = TestApp::spawn().await;
    let admin = app.token("ys_admin").await;
    let status_of = |id: String| {
        let (app, admin) = (&app, admin.clone());
        async move {
            let r =
                app.gql(Some(&admin), "query($id: ID!) { implItem(id: $id) { status } }", json!({ "id": id })).await;
            r["data"]["implItem"]["status"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned()
        }
    };
    let r = app
        .gql(
            Some(&admin),
            "query($t: RegionCode!) { implItems(tenant: $t, keyword: \"结婚登记\", status: PUBLISHED) { nodes { id } } }",
            json!({ "t": YONGSHOU }),
        )
        .await;
    let id = r["data"]["implItems"]["nodes"][0]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    let console = app.console_client("ys_admin").await;
    let html = console.get(app.url("/console/items")).send().await.expect("items").text().await.expect("html");
    assert!(html.contains("确认作废"), "the cancel form asks for confirmation");
    let csrf = TestApp::csrf_of(&html);
    let url = app.url(&format!("/console/items/{id}/cancel"));
    let r = console.post(&url).form(&[("csrf", csrf.as_str())]).send().await.expect("post");
    assert_eq!(r.status(), 400);
    assert!(r.text().await.expect("html").contains("请勾选"));
    assert_eq!(status_of(id.clone()).await, "PUBLISHED", "nothing changed");
    let r = console.post(&url).form(&[("csrf", csrf.as_str()), ("confirm", "1")]).send().await.expect("post");
    assert_eq!(r.status(), 303);
    assert_eq!(status_of(id).await, "CANCELLED");
}
