//! The window page's queue steps: 重呼, 过号 (and the next number), 转窗 to another window of the
//! hall, on the console and through GraphQL.

use serde_json::json;
use tests::{TestApp, YONGSHOU, error_code};

async fn item(app: &TestApp, admin: &str, keyword: &str) -> String {
    let r = app
        .gql(
            Some(admin),
            "query($t: RegionCode!, $k: String!) { implItems(tenant: $t, keyword: $k, status: PUBLISHED) { nodes { id } } }",
            json!({ "t": YONGSHOU, "k": keyword }),
        )
        .await;
    r["data"]["implItems"]["nodes"][0]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned()
}

async fn window(app: &TestApp, admin: &str, number: &str, item: &str, clerk: &str) -> String {
    let r = app
        .gql(
            Some(admin),
            "mutation($t: RegionCode!, $n: String!, $i: [ID!]!) { createWindow(tenant: $t, number: $n, name: \"综合窗口\", kind: GENERAL, implItemIds: $i) { id } }",
            json!({ "t": YONGSHOU, "n": number, "i": [item] }),
        )
        .await;
    let id = r["data"]["createWindow"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    let r = app
        .gql(
            Some(admin),
            "mutation($w: ID!, $u: ID!) { assignWindowStaff(windowId: $w, userId: $u, post: PRIMARY) { id } }",
            json!({ "w": id, "u": clerk }),
        )
        .await;
    assert!(r["errors"].is_null(), "{r}");
    id
}

async fn take(app: &TestApp, item: &str) -> String {
    let r = app
        .gql(
            None,
            "mutation($t: RegionCode!, $i: ID!) { takeTicket(tenant: $t, implItemId: $i) { number } }",
            json!({ "t": YONGSHOU, "i": item }),
        )
        .await;
    r["data"]["takeTicket"]["number"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned()
}

#[tokio::test]
async fn recall_pass_and_transfer_at_the_window() {
    let app = TestApp::spawn().await;
    let admin = app.token("ys_admin").await;
    let clerk_token = app.token("ys_window").await;
    let me = app.gql(Some(&clerk_token), "{ me { id } }", json!({})).await;
    let clerk = me["data"]["me"]["id"].as_str().expect("id").to_owned();
    let (teacher, marriage) = (item(&app, &admin, "教师资格").await, item(&app, &admin, "结婚登记").await);
    let w1 = window(&app, &admin, "A01", &teacher, &clerk).await;
    let w2 = window(&app, &admin, "A02", &marriage, &clerk).await;
    let first = take(&app, &teacher).await;
    let second = take(&app, &teacher).await;

    let console = app.console_client("ys_window").await;
    let page = |path: String| {
        let console = console.clone();
        let url = app.url(&path);
        async move { console.get(url).send().await.expect("get").text().await.expect("html") }
    };
    let html = page(format!("/console/hall/window/{w1}")).await;
    for needle in ["重呼", "过号", "转窗", "A02 综合窗口"] {
        assert!(html.contains(needle), "{needle}");
    }
    let csrf = TestApp::csrf_of(&html);
    let step = |path: String, form: Vec<(&'static str, String)>| {
        let console = console.clone();
        let url = app.url(&path);
        async move {
            let r = console.post(url).form(&form).send().await.expect("post");
            let status = r.status().as_u16();
            let location = r.headers().get("location").and_then(|l| l.to_str().ok()).unwrap_or_default().to_owned();
            (status, location, r.text().await.expect("body"))
        }
    };
    let csrf_only = || vec![("csrf", csrf.clone())];

    // Nothing called yet: nothing to recall.
    let (status, _, body) = step(format!("/console/hall/window/{w1}/recall"), csrf_only()).await;
    assert_eq!(status, 400);
    assert!(body.contains("还没有叫号"));

    let (status, location, _) = step(format!("/console/hall/window/{w1}/call"), csrf_only()).await;
    assert_eq!(status, 303);
    assert!(location.contains(&format!("called={first}")), "{location}");
    let (status, location, _) = step(format!("/console/hall/window/{w1}/recall"), csrf_only()).await;
    assert_eq!(status, 303);
    let html = page(location).await;
    assert!(html.contains(&format!("已重呼 {first} 号")), "{html}");
    let lobby = page(format!("/lobby/{YONGSHOU}")).await;
    // Called now (on top) and twice in the list.
    assert_eq!(lobby.matches(&first).count(), 3, "the lobby shows the call again: {lobby}");

    // 过号: the first did not come; the second is called.
    let (status, location, _) = step(format!("/console/hall/window/{w1}/pass"), csrf_only()).await;
    assert_eq!(status, 303);
    assert!(location.contains(&format!("called={second}")), "{location}");
    assert!(page(location).await.contains(&format!("{first} 号已过号")));

    // 转窗: the second goes to A02 and is called there first.
    let third = take(&app, &marriage).await;
    let (status, location, _) =
        step(format!("/console/hall/window/{w1}/transfer"), vec![("csrf", csrf.clone()), ("to", w2.clone())]).await;
    assert_eq!(status, 303);
    assert!(page(location).await.contains(&format!("{second} 号已转至 A02 窗口")));
    let html = page(format!("/console/hall/window/{w2}")).await;
    assert!(html.contains(r#"<strong id="waiting">2</strong>"#), "{html}");
    let (_, location, _) = step(format!("/console/hall/window/{w2}/call"), csrf_only()).await;
    assert!(location.contains(&format!("called={second}")), "transferred tickets go first: {location}");
    let (_, location, _) = step(format!("/console/hall/window/{w2}/call"), csrf_only()).await;
    assert!(location.contains(&format!("called={third}")), "{location}");
    // Not to itself.
    let (status, _, body) =
        step(format!("/console/hall/window/{w2}/transfer"), vec![("csrf", csrf.clone()), ("to", w2.clone())]).await;
    assert_eq!(status, 400);
    assert!(body.contains("不能是本窗口"));

    // The same steps through GraphQL.
    let r = app
        .gql(Some(&clerk_token), "mutation($w: ID!) { recallTicket(windowId: $w) { number } }", json!({ "w": w2 }))
        .await;
    assert_eq!(r["data"]["recallTicket"]["number"], third.as_str(), "{r}");
    let r = app
        .gql(Some(&clerk_token), "mutation($w: ID!) { passTicket(windowId: $w) { number } }", json!({ "w": w2 }))
        .await;
    assert!(r["data"]["passTicket"].is_null() && r["errors"].is_null(), "nobody waits: {r}");
    let r = app
        .gql(
            Some(&clerk_token),
            "mutation($w: ID!, $t: ID!) { transferTicket(windowId: $w, toWindowId: $t) }",
            json!({ "w": w2, "t": w1 }),
        )
        .await;
    assert_eq!(r["data"]["transferTicket"], third.as_str(), "{r}");
    // Another hall's clerk cannot touch these windows.
    let other = app.token("jj_station").await;
    let r =
        app.gql(Some(&other), "mutation($w: ID!) { recallTicket(windowId: $w) { number } }", json!({ "w": w1 })).await;
    assert_eq!(error_code(&r), "NOT_FOUND", "{r}");

    let log = "query($t: RegionCode!) { auditLog(tenant: $t, first: 100) { nodes { action } } }";
    let r = app.gql(Some(&admin), log, json!({ "t": YONGSHOU })).await;
    let actions: Vec<&str> =
        r["data"]["auditLog"]["nodes"].as_array().expect("nodes").iter().filter_map(|n| n["action"].as_str()).collect();
    for a in ["queue.recall", "queue.pass", "queue.transfer"] {
        assert!(actions.contains(&a), "{a}");
    }
}

/// The lobby screen shows a QR code to the public tracking page (扫码查询), served as its own image;
/// an unknown hall has none.
#[tokio::test]
async fn the_lobby_screen_shows_a_qr_code_to_the_tracking_page() {
    let app = TestApp::spawn().await;
    let lobby = app.client.get(app.url(&format!("/lobby/{YONGSHOU}"))).send().await.expect("lobby");
    assert_eq!(lobby.status(), 200);
    let html = lobby.text().await.expect("html");
    let src = format!("/lobby/{YONGSHOU}/qr.svg");
    assert!(html.contains(&format!("src=\"{src}\"")) && html.contains("扫码查询"), "{html}");
    let qr = app.client.get(app.url(&src)).send().await.expect("qr");
    assert_eq!(qr.status(), 200);
    assert_eq!(qr.headers()["content-type"], "image/svg+xml");
    let svg = qr.text().await.expect("svg");
    assert!(svg.contains("<svg") && svg.contains("</svg>"), "{svg}");
    let unknown = app.client.get(app.url("/lobby/610426999000/qr.svg")).send().await.expect("unknown");
    assert_eq!(unknown.status(), 404);
}

/// The entries of a picker (`pick-{key}` list or the select `id`): (name, hidden, checked or selected).
fn picker(html: &str, marker: &str, end: &str) -> Vec<(String, bool, bool)> {
    let list = html.split(marker).nth(1).and_then(|s| s.split(end).next()).unwrap_or_else(|| panic!("no {marker}"));
    list.split("data-name=\"")
        .skip(1)
        .map(|entry| {
            let name = entry.split('"').next().unwrap_or_default().to_owned();
            let tag = entry.split('>').next().unwrap_or_default();
            let input = entry.split("<input").nth(1).and_then(|s| s.split('>').next()).unwrap_or(tag);
            (name, tag.contains(" hidden"), input.contains(" checked") || tag.contains(" selected"))
        })
        .collect()
}

/// A refused hall form answers with the hall page again: the Chinese error at its field and what
/// was typed kept; nothing is saved.
#[tokio::test]
async fn a_refused_hall_form_keeps_what_was_typed() {
    let app = TestApp::spawn().await;
    let admin = app.token("ys_admin").await;
    let teacher = item(&app, &admin, "教师资格").await;
    let console = app.console_client("ys_admin").await;
    let html = console.get(app.url("/console/hall")).send().await.expect("hall").text().await.expect("html");
    let csrf = TestApp::csrf_of(&html);
    let post = |path: &'static str, form: Vec<(&'static str, String)>| {
        let req = console.post(app.url(path)).form(&form);
        async move {
            let r = req.send().await.expect("post");
            (r.status().as_u16(), r.text().await.expect("html"))
        }
    };

    // A bad window number: the error under 编号, the name, kind, zone and item kept.
    let form = vec![
        ("csrf", csrf.clone()),
        ("number", "Z".to_owned()),
        ("name", "人才服务窗口".to_owned()),
        ("kind", "THEMED".to_owned()),
        ("zone", "二楼西区".to_owned()),
        ("item", teacher.clone()),
    ];
    let (status, html) = post("/console/hall/windows", form).await;
    assert_eq!(status, 400);
    let error = html.split(r#"id="win-number-error""#).nth(1).expect("the error at 编号");
    assert!(error.split("</p>").next().is_some_and(|e| e.contains("窗口编号")), "{error}");
    for kept in [r#"value="Z""#, r#"value="人才服务窗口""#, r#"value="二楼西区""#, r#"value="THEMED" selected"#]
    {
        assert!(html.contains(kept), "{kept}");
    }
    let items = picker(&html, r#"id="pick-win""#, "</div>");
    assert!(items.iter().any(|(_, _, checked)| *checked), "the item stays ticked: {items:?}");
    assert_eq!(items.iter().filter(|(_, _, c)| *c).count(), 1);
    assert!(!html.contains("已保存") && !html.contains(r#"id="window-Z""#), "nothing saved");

    // A slot with a bad time: the error at 开始时间, the typed values kept.
    let form = vec![
        ("csrf", csrf.clone()),
        ("item", teacher.clone()),
        ("day", "2030-01-07".to_owned()),
        ("starts", "9点".to_owned()),
        ("ends", "10:30".to_owned()),
        ("capacity", "12".to_owned()),
    ];
    let (status, html) = post("/console/hall/slots", form).await;
    assert_eq!(status, 400);
    assert!(html.contains(r#"id="slot-starts-error""#) && html.contains("开始时间应为HH:MM格式"), "{html}");
    for kept in [r#"value="9点""#, r#"value="10:30""#, r#"value="12""#, r#"value="2030-01-07""#] {
        assert!(html.contains(kept), "{kept}");
    }

    // A post without a person: the error at 人员, the window and post kept.
    let r = app
        .gql(
            Some(&admin),
            "mutation($t: RegionCode!, $i: [ID!]!) { createWindow(tenant: $t, number: \"A07\", name: \"综合窗口\", kind: GENERAL, implItemIds: $i) { id } }",
            json!({ "t": YONGSHOU, "i": [teacher] }),
        )
        .await;
    let win = r["data"]["createWindow"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    let form =
        vec![("csrf", csrf.clone()), ("window", win.clone()), ("post", "BACKUP".to_owned()), ("user", String::new())];
    let (status, html) = post("/console/hall/staff", form).await;
    assert_eq!(status, 400);
    assert!(html.contains(r#"id="staff-user-error""#) && html.contains("请选择人员"), "{html}");
    assert!(html.contains(&format!(r#"value="{win}" selected"#)) && html.contains(r#"value="BACKUP" selected"#));

    // Signing out before signing in: the hall page with the reason, not an error page.
    let form = vec![("csrf", csrf.clone()), ("action", "out".to_owned())];
    let (status, html) = post("/console/hall/attendance", form).await;
    assert!((400..500).contains(&status), "{status}");
    assert!(html.contains(r#"class="alert form-error""#) && html.contains(r#"id="window-form""#), "{html}");
}

/// Pickers search by name: without script a GET hides what does not match; what is chosen stays.
#[tokio::test]
async fn pickers_search_items_and_people_by_name() {
    let app = TestApp::spawn().await;
    let admin = app.token("ys_admin").await;
    let console = app.console_client("ys_admin").await;
    let get = |path: String| {
        let req = console.get(app.url(&path));
        async move { req.send().await.expect("get").text().await.expect("html") }
    };
    let html = get("/console/hall".into()).await;
    let all = picker(&html, r#"id="pick-win""#, "</div>");
    assert!(all.len() > 1 && all.iter().all(|(_, hidden, _)| !hidden), "{all:?}");
    assert!(html.contains(r#"name="find_win" form="find-form-win""#), "a search box of its own GET form");
    let html = get("/console/hall?find_win=%E6%95%99%E5%B8%88".into()).await;
    let found = picker(&html, r#"id="pick-win""#, "</div>");
    assert_eq!(found.len(), all.len(), "hidden, not removed");
    assert!(found.iter().all(|(name, hidden, _)| *hidden != name.contains("教师")), "{found:?}");
    assert!(found.iter().any(|(_, hidden, _)| !hidden));
    // People by name: the select keeps its options, those not matching hidden.
    let html = get("/console/hall?find_staff_user=ys_window2".into()).await;
    let staff = picker(&html, r#"id="staff-user""#, "</select>");
    assert!(staff.iter().any(|(n, hidden, _)| n.contains("（ys_window2）") && !hidden), "{staff:?}");
    assert!(staff.iter().any(|(n, hidden, _)| n.contains("（ys_window）") && *hidden), "{staff:?}");

    // On a user's page a search never hides a granted item, so saving keeps it.
    let teacher = item(&app, &admin, "教师资格").await;
    let r = app
        .gql(
            Some(&admin),
            "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }",
            json!({ "i": { "tenant": YONGSHOU, "username": "ys_pick", "password": tests::DEMO_PASSWORD,
                          "displayName": "筛选审批人员", "roles": ["APPROVER"] } }),
        )
        .await;
    let user = r["data"]["createUser"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    let r = app
        .gql(
            Some(&admin),
            "mutation($u: ID!, $i: [ID!]!) { authorizeApprover(userId: $u, implItemIds: $i) { id } }",
            json!({ "u": user, "i": [teacher] }),
        )
        .await;
    assert!(r["errors"].is_null(), "{r}");
    let html = get(format!("/console/users/{user}?find_authorize=%E6%97%A0%E6%AD%A4%E4%BA%8B%E9%A1%B9")).await;
    let items = picker(&html, r#"id="pick-authorize""#, "</div>");
    assert!(items.len() > 1, "{items:?}");
    for (name, hidden, checked) in &items {
        assert_eq!(!hidden, *checked, "only the granted item shows: {name}");
    }
    assert_eq!(items.iter().filter(|(_, _, c)| *c).count(), 1);
}
