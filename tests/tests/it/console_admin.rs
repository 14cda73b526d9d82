//! The console's management pages for a center administrator: users of the subtree (create,
//! edit, disable, reset the password, posts and approver authorizations), service accounts and
//! the audit log, each scoped like the API.

use serde_json::json;
use tests::{DEMO_PASSWORD, TestApp, YONGSHOU, error_code};

const NEW_PASSWORD: &str = "Qingshui#2026x";

async fn page(app: &TestApp, client: &reqwest::Client, path: &str) -> (u16, String) {
    let r = client.get(app.url(path)).send().await.expect("get");
    (r.status().as_u16(), r.text().await.expect("html"))
}

async fn post(app: &TestApp, client: &reqwest::Client, path: &str, form: &[(&str, &str)]) -> (u16, String, String) {
    let r = client.post(app.url(path)).form(form).send().await.expect("post");
    let location = r.headers().get("location").and_then(|l| l.to_str().ok()).unwrap_or_default().to_owned();
    (r.status().as_u16(), location, r.text().await.expect("body"))
}

async fn published_item(app: &TestApp, admin: &str, keyword: &str) -> (String, String) {
    let r = app
        .gql(
            Some(admin),
            "query($t: RegionCode!, $k: String!) { implItems(tenant: $t, keyword: $k, status: PUBLISHED) { nodes { id base { name } } } }",
            json!({ "t": YONGSHOU, "k": keyword }),
        )
        .await;
    let node = &r["data"]["implItems"]["nodes"][0];
    (
        node["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned(),
        node["base"]["name"].as_str().expect("name").to_owned(),
    )
}

#[tokio::test]
async fn a_center_admin_creates_a_user_gives_a_post_and_an_authorization() {
    let app = TestApp::spawn().await;
    let admin = app.token("ys_admin").await;
    let (item, item_name) = published_item(&app, &admin, "教师资格").await;
    let r = app
        .gql(
            Some(&admin),
            "mutation($t: RegionCode!, $i: [ID!]!) { createWindow(tenant: $t, number: \"A09\", name: \"综合受理\", kind: GENERAL, implItemIds: $i) { id } }",
            json!({ "t": YONGSHOU, "i": [item.clone()] }),
        )
        .await;
    let window = r["data"]["createWindow"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();

    let console = app.console_client("ys_admin").await;
    let (status, html) = page(&app, &console, "/console/users").await;
    assert_eq!(status, 200);
    // The subtree: 永寿县 and 监军街道, not 咸阳市.
    for needle in ["ys_window", "jj_station", "监军街道", "窗口人员"] {
        assert!(html.contains(needle), "{needle}");
    }
    assert!(!html.contains("xy_admin"));
    assert!(!html.contains("即将上线"));
    let csrf = TestApp::csrf_of(&html);

    // A weak password: the error sits at the password, the rest stays typed.
    let (status, _, html) = post(
        &app,
        &console,
        "/console/users",
        &[
            ("csrf", &csrf),
            ("username", "ys_clerk9"),
            ("display_name", "王小清"),
            ("password", "short"),
            ("role", "WINDOW_STAFF"),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert!(html.contains("field-error"), "{html}");
    assert!(html.contains("密码长度"), "{html}");
    assert!(html.contains(r#"value="ys_clerk9""#) && html.contains(r#"value="王小清""#), "typed values kept");
    assert!(!html.contains("short"), "a password is never sent back");

    let (status, location, _) = post(
        &app,
        &console,
        "/console/users",
        &[
            ("csrf", &csrf),
            ("username", "ys_clerk9"),
            ("display_name", "王小清"),
            ("password", NEW_PASSWORD),
            ("role", "WINDOW_STAFF"),
            ("role", "APPROVER"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    assert!(location.starts_with("/console/users/"), "{location}");
    let user_path = location.split('?').next().expect("path").to_owned();
    let (_, html) = page(&app, &console, &location).await;
    assert!(html.contains("已创建用户 ys_clerk9"));
    assert!(html.contains("未设窗口岗位") && html.contains("暂无审批授权"));

    // A post and an authorization, both picked from lists.
    let (status, _, _) =
        post(&app, &console, &format!("{user_path}/post"), &[("csrf", &csrf), ("window", &window), ("post", "BACKUP")])
            .await;
    assert_eq!(status, 303);
    let (status, _, _) =
        post(&app, &console, &format!("{user_path}/authorize"), &[("csrf", &csrf), ("item", &item)]).await;
    assert_eq!(status, 303);
    let (_, html) = page(&app, &console, &user_path).await;
    assert!(html.contains("A09 综合受理") && html.contains("B岗"), "{html}");
    let listed = html.split(r#"id="user-authorized""#).nth(1).expect("authorizations listed");
    assert!(listed.contains(&item_name));
    // The hall page shows the post too.
    let (_, hall) = page(&app, &console, "/console/hall").await;
    assert!(hall.contains("王小清"));
    // The hall page picks staff and approvers from lists and shows every approver's items.
    assert!(hall.contains(r#"data-name="王小清（ys_clerk9）""#) && !hall.contains(r#"id="staff-username""#));
    let approvers = hall.split(r#"id="approver-table""#).nth(1).expect("approvers listed");
    let row = approvers.split("</tr>").find(|r| r.contains("王小清")).expect("the new approver's row");
    assert!(row.contains(&item_name), "{row}");

    // The new user logs in and is a window clerk who may decide the item.
    let (token, _) = app.login("ys_clerk9", NEW_PASSWORD).await;
    let me = app.gql(Some(&token), "{ me { roles authorizedItemIds } }", json!({})).await;
    assert_eq!(me["data"]["me"]["authorizedItemIds"], json!([item]), "{me}");
}

#[tokio::test]
async fn disable_enable_reset_and_roles_go_through_the_domain() {
    let app = TestApp::spawn().await;
    let admin = app.token("ys_admin").await;
    let console = app.console_client("ys_admin").await;
    let held = app.token("ys_window").await;
    let me = app.gql(Some(&held), "{ me { id } }", json!({})).await;
    let clerk = me["data"]["me"]["id"].as_str().expect("id").to_owned();
    let path = format!("/console/users/{clerk}");
    let (status, html) = page(&app, &console, &path).await;
    assert_eq!(status, 200);
    let csrf = TestApp::csrf_of(&html);

    // Disabling asks for confirmation.
    let (status, _, html) = post(&app, &console, &format!("{path}/disable"), &[("csrf", &csrf)]).await;
    assert_eq!(status, 400);
    assert!(html.contains("请勾选确认"));
    let (status, _, _) = post(&app, &console, &format!("{path}/disable"), &[("csrf", &csrf), ("confirm", "1")]).await;
    assert_eq!(status, 303);
    let q = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }";
    let r = app.gql(None, q, json!({ "u": "ys_window", "p": DEMO_PASSWORD })).await;
    assert_eq!(error_code(&r), "UNAUTHENTICATED", "a disabled user cannot log in: {r}");
    let r = app.gql(Some(&held), "{ me { id } }", json!({})).await;
    assert_eq!(error_code(&r), "UNAUTHENTICATED", "the token a disabled user holds stops at once: {r}");
    let (_, html) = page(&app, &console, "/console/users?q=ys_window").await;
    assert!(html.contains("已停用"));

    let (status, _, _) = post(&app, &console, &format!("{path}/enable"), &[("csrf", &csrf)]).await;
    assert_eq!(status, 303);
    let (status, _, _) =
        post(&app, &console, &format!("{path}/password"), &[("csrf", &csrf), ("password", NEW_PASSWORD)]).await;
    assert_eq!(status, 303);
    let r = app.gql(None, q, json!({ "u": "ys_window", "p": DEMO_PASSWORD })).await;
    assert_eq!(error_code(&r), "UNAUTHENTICATED", "the old password is gone");
    let (held, held_refresh) = app.login("ys_window", NEW_PASSWORD).await;
    let r = app.gql(Some(&held), "{ me { id } }", json!({})).await;
    assert_eq!(r["data"]["me"]["id"], clerk.as_str(), "enabled again, new tokens work: {r}");

    // Roles: the platform role cannot be granted by a center administrator.
    let (status, _, html) = post(
        &app,
        &console,
        &format!("{path}/edit"),
        &[("csrf", &csrf), ("display_name", "永寿县窗口"), ("role", "PLATFORM_ADMIN")],
    )
    .await;
    assert_eq!(status, 403, "{html}");
    let (status, _, _) = post(
        &app,
        &console,
        &format!("{path}/edit"),
        &[("csrf", &csrf), ("display_name", "永寿县窗口人员"), ("role", "WINDOW_STAFF"), ("role", "SUPERVISOR")],
    )
    .await;
    assert_eq!(status, 303);
    // Roles travel in the token: the held one ends, its refresh carries the new roles.
    let r = app.gql(Some(&held), "{ me { id } }", json!({})).await;
    assert_eq!(error_code(&r), "UNAUTHENTICATED", "{r}");
    let q = "mutation($r: String!) { refreshSession(refreshToken: $r) { accessToken } }";
    let r = app.gql(None, q, json!({ "r": held_refresh })).await;
    let refreshed = r["data"]["refreshSession"]["accessToken"].as_str().unwrap_or_else(|| panic!("{r}"));
    let me = app.gql(Some(refreshed), "{ me { roles } }", json!({})).await;
    assert_eq!(me["data"]["me"]["roles"], json!(["WINDOW_STAFF", "SUPERVISOR"]), "{me}");
    let (token, _) = app.login("ys_window", NEW_PASSWORD).await;
    let me = app.gql(Some(&token), "{ me { displayName roles } }", json!({})).await;
    assert_eq!(me["data"]["me"]["roles"], json!(["WINDOW_STAFF", "SUPERVISOR"]), "{me}");
    assert_eq!(me["data"]["me"]["displayName"], "永寿县窗口人员");

    // Every change is in the audit log, and the page verifies the chain.
    let (status, html) = page(&app, &console, "/console/audit?action=user.").await;
    assert_eq!(status, 200);
    for needle in ["user.disable", "user.enable", "user.reset_password", "user.update", "ys_admin"] {
        assert!(html.contains(needle), "{needle}");
    }
    assert!(!html.contains("session.login"), "filtered by action");
    let (_, html) = page(&app, &console, "/console/audit?verify=1").await;
    assert!(html.contains("校验通过"), "{html}");
    let _ = admin;
}

#[tokio::test]
async fn management_pages_are_scoped_like_the_api() {
    let app = TestApp::spawn().await;
    let me = app.gql(Some(&app.token("ys_window").await), "{ me { id } }", json!({})).await;
    let clerk = me["data"]["me"]["id"].as_str().expect("id").to_owned();
    // 监军街道's administrator does not see 永寿县's users.
    let jj = app.console_client("jj_admin").await;
    let (status, html) = page(&app, &jj, &format!("/console/users/{clerk}")).await;
    assert_eq!(status, 404, "{html}");
    let (_, html) = page(&app, &jj, "/console/users").await;
    assert!(html.contains("jj_station") && !html.contains("ys_window"));
    // A clerk has no management pages.
    let clerk_console = app.console_client("ys_window").await;
    for path in ["/console/users", "/console/accounts"] {
        let (status, _) = page(&app, &clerk_console, path).await;
        assert_eq!(status, 403, "{path}");
    }
    let (_, html) = page(&app, &clerk_console, "/console").await;
    assert!(!html.contains("用户管理"));
}

#[tokio::test]
async fn service_accounts_are_created_rotated_and_revoked_with_the_secret_shown_once() {
    let app = TestApp::spawn().await;
    let console = app.console_client("ys_admin").await;
    let (status, html) = page(&app, &console, "/console/accounts").await;
    assert_eq!(status, 200);
    let csrf = TestApp::csrf_of(&html);
    let (status, _, html) =
        post(&app, &console, "/console/accounts", &[("csrf", &csrf), ("name", "礼泉县通办对接")]).await;
    assert_eq!(status, 200);
    let grab = |html: &str, id: &str| {
        html.split(&format!(r#"id="{id}">"#)).nth(1).and_then(|s| s.split('<').next()).expect(id).to_owned()
    };
    let client_id = grab(&html, "issued-client-id");
    let secret = grab(&html, "issued-secret");
    let (_, listed) = page(&app, &console, "/console/accounts").await;
    assert!(listed.contains(&client_id) && !listed.contains(&secret), "the secret is shown once");

    let q = "mutation($i: String!, $s: String!) { serviceToken(clientId: $i, clientSecret: $s) { accessToken } }";
    let r = app.gql(None, q, json!({ "i": client_id, "s": secret })).await;
    let old_token = r["data"]["serviceToken"]["accessToken"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    let probe = "query { transfers(direction: INBOUND, first: 1) { nodes { id } } }";
    let works = |r: &serde_json::Value| error_code(r) != "UNAUTHENTICATED";
    assert!(works(&app.gql(Some(&old_token), probe, json!({})).await));

    let id =
        listed.split("/console/accounts/").nth(1).and_then(|s| s.split('/').next()).expect("account id").to_owned();
    let (status, _, html) = post(&app, &console, &format!("/console/accounts/{id}/rotate"), &[("csrf", &csrf)]).await;
    assert_eq!(status, 200);
    let new_secret = grab(&html, "issued-secret");
    assert_ne!(new_secret, secret);
    assert!(!works(&app.gql(Some(&old_token), probe, json!({})).await), "tokens issued before stop");
    let r = app.gql(None, q, json!({ "i": client_id, "s": secret })).await;
    assert_eq!(error_code(&r), "UNAUTHENTICATED");
    let r = app.gql(None, q, json!({ "i": client_id, "s": new_secret })).await;
    let token = r["data"]["serviceToken"]["accessToken"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    assert!(works(&app.gql(Some(&token), probe, json!({})).await), "a token issued after the rotation works");

    let (status, _, html) = post(&app, &console, &format!("/console/accounts/{id}/revoke"), &[("csrf", &csrf)]).await;
    assert_eq!(status, 400, "{html}");
    let (status, _, html) =
        post(&app, &console, &format!("/console/accounts/{id}/revoke"), &[("csrf", &csrf), ("confirm", "1")]).await;
    assert_eq!(status, 200);
    assert!(html.contains("已注销服务账号") && !html.contains(r#"id="account-table""#));
    assert!(!works(&app.gql(Some(&token), probe, json!({})).await));
    let r = app.gql(None, q, json!({ "i": client_id, "s": new_secret })).await;
    assert_eq!(error_code(&r), "UNAUTHENTICATED");
}
