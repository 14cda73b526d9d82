//! The public ticket page (取号) of a hall: the items its windows serve, a number taken and then
//! called at the window.

use serde_json::json;
use tests::{TestApp, YONGSHOU};

#[tokio::test]
async fn a_ticket_taken_on_the_public_page_is_called_at_the_window() {
    let app = TestApp::spawn().await;
    let admin = app.token("ys_admin").await;
    let window_token = app.token("ys_window").await;
    let r = app
        .gql(
            Some(&admin),
            "query($t: RegionCode!) { implItems(tenant: $t, keyword: \"教师资格\", status: PUBLISHED) { nodes { id base { name } } } }",
            json!({ "t": YONGSHOU }),
        )
        .await;
    let item = r["data"]["implItems"]["nodes"][0].clone();
    let item_id = item["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    let name = item["base"]["name"].as_str().expect("name").to_owned();
    let r = app
        .gql(
            Some(&admin),
            "mutation($t: RegionCode!, $i: [ID!]!) { createWindow(tenant: $t, number: \"K01\", name: \"综合窗口\", kind: GENERAL, implItemIds: $i) { id } }",
            json!({ "t": YONGSHOU, "i": [item_id] }),
        )
        .await;
    let window = r["data"]["createWindow"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    let me = app.gql(Some(&window_token), "{ me { id } }", json!({})).await;
    let clerk_id = me["data"]["me"]["id"].as_str().expect("id").to_owned();
    let r = app
        .gql(
            Some(&admin),
            "mutation($w: ID!, $u: ID!) { assignWindowStaff(windowId: $w, userId: $u, post: PRIMARY) { id } }",
            json!({ "w": window, "u": clerk_id }),
        )
        .await;
    assert!(r["errors"].is_null(), "{r}");

    let public = app.new_client();
    let r = public.get(app.url(&format!("/ticket/{YONGSHOU}"))).send().await.expect("page");
    assert_eq!(r.status(), 200);
    let html = r.text().await.expect("html");
    assert!(html.contains("排队取号") && html.contains(&name) && html.contains(&item_id), "{html}");

    let r = public.post(app.url(&format!("/ticket/{YONGSHOU}"))).form(&[("item", item_id.as_str())]).send().await;
    let r = r.expect("take");
    assert_eq!(r.status(), 200);
    let html = r.text().await.expect("html");
    let number = html
        .split("id=\"ticket-number\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap_or_else(|| panic!("no number: {html}"))
        .to_owned();
    assert!(html.contains("K01号窗口"), "{html}");

    // A bad item is refused on the page itself.
    let r = public.post(app.url(&format!("/ticket/{YONGSHOU}"))).form(&[("item", "x")]).send().await.expect("take");
    assert_eq!(r.status(), 400);
    assert!(r.text().await.expect("html").contains("请选择要办理的事项"));

    // The window calls it.
    let r = app
        .gql(Some(&window_token), "mutation($w: ID!) { callNext(windowId: $w) { number } }", json!({ "w": window }))
        .await;
    assert_eq!(r["data"]["callNext"]["number"], number.as_str(), "{r}");
    assert_eq!(public.get(app.url("/ticket/123")).send().await.expect("page").status(), 404);
}
