//! Windows, A/B staff, approver authorization and the lobby queue.

use std::collections::HashSet;

use serde_json::{Value, json};
use tests::{JIANJUN, TestApp, YONGSHOU, error_code, error_message};

const ITEMS: &str =
    "query($t: RegionCode!) { implItems(tenant: $t, first: 50) { nodes { id base { name } department { id name } } } }";
const CREATE: &str = "mutation($t: RegionCode!, $n: String!, $name: String!, $k: WindowKind!, $i: [ID!]!) {
  createWindow(tenant: $t, number: $n, name: $name, kind: $k, implItemIds: $i) { id number name kind items { id } primary { username } backup { username } onDuty { username } } }";
const ASSIGN: &str = "mutation($w: ID!, $u: ID!, $p: Post!) { assignWindowStaff(windowId: $w, userId: $u, post: $p) { id primary { username } backup { username } onDuty { username } } }";
const WINDOWS: &str = "query($t: RegionCode!) { windows(tenant: $t) { number onDuty { username } primary { username } backup { username } items { id } } unstaffedWindows(tenant: $t) { number } }";
const TAKE: &str = "mutation($t: RegionCode!, $i: ID!) { takeTicket(tenant: $t, implItemId: $i) { number position issuedAt window { number } windowNumbers } }";
const CALL: &str = "mutation($w: ID!) { callNext(windowId: $w) { number window { number } calledAt } }";

async fn items(app: &TestApp, token: &str, tenant: &str) -> Vec<Value> {
    let r = app.gql(Some(token), ITEMS, json!({ "t": tenant })).await;
    r["data"]["implItems"]["nodes"].as_array().unwrap_or_else(|| panic!("{r}")).clone()
}

async fn user_id(app: &TestApp, username: &str) -> String {
    let t = app.token(username).await;
    let r = app.gql(Some(&t), "{ me { id } }", json!({})).await;
    r["data"]["me"]["id"].as_str().expect("id").to_owned()
}

/// Two items of one department and one of another.
fn pick(items: &[Value]) -> (Value, Value, Value) {
    for a in items {
        for b in items {
            if a["id"] != b["id"] && a["department"]["id"] == b["department"]["id"] {
                let c =
                    items.iter().find(|c| c["department"]["id"] != a["department"]["id"]).expect("other department");
                return (a.clone(), b.clone(), c.clone());
            }
        }
    }
    panic!("the demo has two items of one department: {items:?}");
}

async fn create(app: &TestApp, admin: &str, number: &str, kind: &str, ids: &[&Value]) -> Value {
    let ids: Vec<&Value> = ids.iter().map(|i| &i["id"]).collect();
    app.gql(Some(admin), CREATE, json!({ "t": YONGSHOU, "n": number, "name": "综合受理窗口", "k": kind, "i": ids }))
        .await
}

#[tokio::test]
async fn windows_with_items_and_ab_staff_show_who_is_on_duty() {
    let app = TestApp::spawn().await;
    let admin = app.token("ys_admin").await;
    let list = items(&app, &admin, YONGSHOU).await;
    let (a, b, c) = pick(&list);

    let w = create(&app, &admin, "a01", "GENERAL", &[&a, &c]).await;
    let w = &w["data"]["createWindow"];
    assert_eq!(w["number"], "A01", "{w}");
    assert_eq!(w["kind"], "GENERAL");
    assert_eq!(w["items"].as_array().map(Vec::len), Some(2));
    assert_eq!(w["onDuty"], Value::Null);
    let wid = w["id"].as_str().expect("id").to_owned();

    let dup = create(&app, &admin, "A01", "GENERAL", &[&a]).await;
    assert_eq!(error_code(&dup), "CONFLICT", "{dup}");

    // A specialized window serves one department: the offending item is named.
    let bad = create(&app, &admin, "B01", "SPECIALIZED", &[&a, &b, &c]).await;
    assert_eq!(error_code(&bad), "INVALID_INPUT", "{bad}");
    assert!(error_message(&bad).contains(c["base"]["name"].as_str().expect("name")), "{bad}");
    let ok = create(&app, &admin, "B01", "SPECIALIZED", &[&a, &b]).await;
    assert_eq!(ok["data"]["createWindow"]["kind"], "SPECIALIZED", "{ok}");

    // Items of another tenant, bad numbers, and non-admins are refused.
    let jj_admin = app.token("jj_admin").await;
    let town_items = items(&app, &jj_admin, JIANJUN).await;
    if let Some(t) = town_items.first() {
        let r = create(&app, &admin, "C01", "GENERAL", &[t]).await;
        assert_eq!(error_code(&r), "INVALID_INPUT", "{r}");
    }
    assert_eq!(error_code(&create(&app, &admin, "01", "GENERAL", &[&a]).await), "INVALID_INPUT");
    let clerk = app.token("ys_window").await;
    assert_eq!(error_code(&create(&app, &clerk, "C02", "GENERAL", &[&a]).await), "FORBIDDEN");

    // A/B staff: users of the window's tenant only; foreign ids are NOT_FOUND.
    let r = app
        .gql(
            Some(&admin),
            "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }",
            json!({ "i": { "tenant": YONGSHOU, "username": "ys_window_b", "password": tests::DEMO_PASSWORD,
                          "displayName": "永寿县B岗人员", "roles": ["WINDOW_STAFF"] } }),
        )
        .await;
    let backup_id = r["data"]["createUser"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    let primary_id = user_id(&app, "ys_window").await;
    let r = app.gql(Some(&admin), ASSIGN, json!({ "w": wid, "u": primary_id, "p": "PRIMARY" })).await;
    assert_eq!(r["data"]["assignWindowStaff"]["primary"]["username"], "ys_window", "{r}");
    let r = app.gql(Some(&admin), ASSIGN, json!({ "w": wid, "u": backup_id, "p": "BACKUP" })).await;
    assert_eq!(r["data"]["assignWindowStaff"]["backup"]["username"], "ys_window_b", "{r}");
    let jj_user = user_id(&app, "jj_station").await;
    let r = app.gql(Some(&admin), ASSIGN, json!({ "w": wid, "u": jj_user, "p": "BACKUP" })).await;
    assert_eq!(error_code(&r), "NOT_FOUND", "{r}");
    let r = app.gql(Some(&jj_admin), ASSIGN, json!({ "w": wid, "u": jj_user, "p": "BACKUP" })).await;
    assert_eq!(error_code(&r), "NOT_FOUND", "{r}");
    let r = app
        .gql(Some(&jj_admin), "query($t: RegionCode!) { windows(tenant: $t) { id } }", json!({ "t": YONGSHOU }))
        .await;
    assert_eq!(error_code(&r), "FORBIDDEN", "{r}");

    // Nobody signed in: both windows are unstaffed.
    let r = app.gql(Some(&admin), WINDOWS, json!({ "t": YONGSHOU })).await;
    assert_eq!(r["data"]["unstaffedWindows"], json!([{ "number": "A01" }, { "number": "B01" }]), "{r}");
    // The backup signs in: B serves.
    let b_token = app.token("ys_window_b").await;
    assert_eq!(app.gql(Some(&b_token), "mutation { signIn }", json!({})).await["data"]["signIn"], true);
    let r = app.gql(Some(&admin), WINDOWS, json!({ "t": YONGSHOU })).await;
    assert_eq!(r["data"]["windows"][0]["onDuty"]["username"], "ys_window_b", "{r}");
    assert_eq!(r["data"]["unstaffedWindows"], json!([{ "number": "B01" }]));
    // The primary signs in: A serves; when A signs out, B again.
    assert_eq!(app.gql(Some(&clerk), "mutation { signIn }", json!({})).await["data"]["signIn"], true);
    let r = app.gql(Some(&admin), WINDOWS, json!({ "t": YONGSHOU })).await;
    assert_eq!(r["data"]["windows"][0]["onDuty"]["username"], "ys_window", "{r}");
    assert_eq!(app.gql(Some(&clerk), "mutation { signOut }", json!({})).await["data"]["signOut"], true);
    let r = app.gql(Some(&admin), WINDOWS, json!({ "t": YONGSHOU })).await;
    assert_eq!(r["data"]["windows"][0]["onDuty"]["username"], "ys_window_b", "{r}");

    // Audited.
    let log = app
        .gql(
            Some(&admin),
            "query($t: RegionCode!) { auditLog(tenant: $t, first: 50) { nodes { action } } }",
            json!({ "t": YONGSHOU }),
        )
        .await;
    let actions: Vec<&str> = log["data"]["auditLog"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter_map(|n| n["action"].as_str())
        .collect();
    assert_eq!(actions.iter().filter(|a| **a == "window.create").count(), 2, "{actions:?}");
    assert_eq!(actions.iter().filter(|a| **a == "window.assign_staff").count(), 2, "{actions:?}");
}

#[tokio::test]
async fn approvers_decide_only_authorized_items_or_their_departments_as_chief() {
    let app = TestApp::spawn().await;
    let admin = app.token("ys_admin").await;
    let list = items(&app, &admin, YONGSHOU).await;
    let (a, b, c) = pick(&list);
    // A new approver: the demo seed authorized `ys_approver` for every published item already.
    let r = app
        .gql(
            Some(&admin),
            "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }",
            json!({ "i": { "tenant": YONGSHOU, "username": "ys_approver_new", "password": tests::DEMO_PASSWORD,
                          "displayName": "永寿县新审批人员", "roles": ["APPROVER"] } }),
        )
        .await;
    let approver_id = r["data"]["createUser"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    let approver = app.token("ys_approver_new").await;
    let may = |id: &Value| {
        let id = id.clone();
        let app = &app;
        let approver = approver.clone();
        async move {
            let r = app.gql(Some(&approver), "query($i: ID!) { mayDecide(implItemId: $i) }", json!({ "i": id })).await;
            r["data"]["mayDecide"].as_bool().unwrap_or_else(|| panic!("{r}"))
        }
    };
    assert!(!may(&a["id"]).await);

    let r = app
        .gql(
            Some(&admin),
            "mutation($u: ID!, $i: [ID!]!) { authorizeApprover(userId: $u, implItemIds: $i) { username authorizedItemIds department { name } } }",
            json!({ "u": approver_id, "i": [a["id"]] }),
        )
        .await;
    assert_eq!(r["data"]["authorizeApprover"]["authorizedItemIds"], json!([a["id"]]), "{r}");
    assert_eq!(r["data"]["authorizeApprover"]["department"], Value::Null);
    assert!(may(&a["id"]).await);
    assert!(!may(&b["id"]).await);
    assert!(!may(&c["id"]).await);

    // Chief representative of a's department: all of its items.
    let r = app
        .gql(
            Some(&admin),
            "mutation($u: ID!, $d: ID!) { appointChiefRepresentative(userId: $u, departmentId: $d) { chiefOfDepartmentIds } }",
            json!({ "u": approver_id, "d": a["department"]["id"] }),
        )
        .await;
    assert_eq!(r["data"]["appointChiefRepresentative"]["chiefOfDepartmentIds"], json!([a["department"]["id"]]), "{r}");
    assert!(may(&b["id"]).await);
    assert!(!may(&c["id"]).await);
    // Window staff never decide, whatever is recorded.
    let clerk = app.token("ys_window").await;
    let r = app.gql(Some(&clerk), "query($i: ID!) { mayDecide(implItemId: $i) }", json!({ "i": a["id"] })).await;
    assert_eq!(r["data"]["mayDecide"], false, "{r}");

    // Other tenants' items and users; non-admins.
    let jj_admin = app.token("jj_admin").await;
    let r = app
        .gql(
            Some(&jj_admin),
            "mutation($u: ID!, $i: [ID!]!) { authorizeApprover(userId: $u, implItemIds: $i) { id } }",
            json!({ "u": approver_id, "i": [a["id"]] }),
        )
        .await;
    assert_eq!(error_code(&r), "NOT_FOUND", "{r}");
    let jj_approver = user_id(&app, "jj_approver").await;
    let r = app
        .gql(
            Some(&admin),
            "mutation($u: ID!, $i: [ID!]!) { authorizeApprover(userId: $u, implItemIds: $i) { id } }",
            json!({ "u": jj_approver, "i": [a["id"]] }),
        )
        .await;
    assert_eq!(error_code(&r), "INVALID_INPUT", "{r}");
    let r = app
        .gql(
            Some(&clerk),
            "mutation($u: ID!, $i: [ID!]!) { authorizeApprover(userId: $u, implItemIds: $i) { id } }",
            json!({ "u": approver_id, "i": [b["id"]] }),
        )
        .await;
    assert_eq!(error_code(&r), "FORBIDDEN", "{r}");
}

/// Sets up windows A01 (items a, c) and B01 (item a): a's queue is shared, c's is A01's alone.
async fn two_windows(app: &TestApp) -> (String, String, Value, Value, Value) {
    let admin = app.token("ys_admin").await;
    let list = items(app, &admin, YONGSHOU).await;
    let (a, b, c) = pick(&list);
    let w1 = create(app, &admin, "A01", "GENERAL", &[&a, &c]).await;
    let w2 = create(app, &admin, "B01", "GENERAL", &[&a]).await;
    let id = |w: &Value| w["data"]["createWindow"]["id"].as_str().unwrap_or_else(|| panic!("{w}")).to_owned();
    (id(&w1), id(&w2), a, b, c)
}

#[tokio::test]
async fn tickets_are_routed_to_the_windows_serving_the_item_and_called_once() {
    let app = TestApp::spawn().await;
    let (a01, b01, a, b, c) = two_windows(&app).await;

    // Public kiosk: no login. Prefix is the letter of the first serving window.
    let t1 = app.gql(None, TAKE, json!({ "t": YONGSHOU, "i": a["id"] })).await;
    assert_eq!(t1["data"]["takeTicket"]["number"], "A001", "{t1}");
    assert_eq!(t1["data"]["takeTicket"]["position"], 1);
    assert_eq!(t1["data"]["takeTicket"]["window"], Value::Null);
    assert_eq!(t1["data"]["takeTicket"]["windowNumbers"], json!(["A01", "B01"]));
    let t2 = app.gql(None, TAKE, json!({ "t": YONGSHOU, "i": a["id"] })).await;
    assert_eq!(t2["data"]["takeTicket"]["number"], "A002");
    assert_eq!(t2["data"]["takeTicket"]["position"], 2);
    let t3 = app.gql(None, TAKE, json!({ "t": YONGSHOU, "i": c["id"] })).await;
    assert_eq!(t3["data"]["takeTicket"]["number"], "A003");
    assert_eq!(t3["data"]["takeTicket"]["position"], 1, "its own queue: {t3}");
    let none = app.gql(None, TAKE, json!({ "t": YONGSHOU, "i": b["id"] })).await;
    assert_eq!(error_code(&none), "INVALID_INPUT", "{none}");
    let foreign = app.gql(None, TAKE, json!({ "t": JIANJUN, "i": a["id"] })).await;
    assert_eq!(error_code(&foreign), "NOT_FOUND", "{foreign}");

    // Only the hall's staff call; other tenants do not see the window.
    let admin = app.token("ys_admin").await;
    assert_eq!(error_code(&app.gql(Some(&admin), CALL, json!({ "w": b01 })).await), "FORBIDDEN");
    let jj = app.token("jj_station").await;
    assert_eq!(error_code(&app.gql(Some(&jj), CALL, json!({ "w": b01 })).await), "NOT_FOUND");

    let clerk = app.token("ys_window").await;
    // B01 serves a only: A001, A002, then nothing (A003 waits for A01).
    let r = app.gql(Some(&clerk), CALL, json!({ "w": b01 })).await;
    assert_eq!(r["data"]["callNext"]["number"], "A001", "{r}");
    assert_eq!(r["data"]["callNext"]["window"]["number"], "B01");
    assert!(r["data"]["callNext"]["calledAt"].is_string());
    let r = app.gql(Some(&clerk), CALL, json!({ "w": b01 })).await;
    assert_eq!(r["data"]["callNext"]["number"], "A002", "{r}");
    let r = app.gql(Some(&clerk), CALL, json!({ "w": b01 })).await;
    assert_eq!(r["data"]["callNext"], Value::Null, "{r}");
    let r = app.gql(Some(&clerk), CALL, json!({ "w": a01 })).await;
    assert_eq!(r["data"]["callNext"]["number"], "A003", "{r}");
    let r = app.gql(Some(&clerk), CALL, json!({ "w": a01 })).await;
    assert_eq!(r["data"]["callNext"], Value::Null, "{r}");

    // The lobby screen (public) shows the latest calls first.
    let r = app
        .gql(
            None,
            "query($t: RegionCode!) { lobbyCalls(tenant: $t) { number windowNumber } }",
            json!({ "t": YONGSHOU }),
        )
        .await;
    assert_eq!(
        r["data"]["lobbyCalls"],
        json!([{ "number": "A003", "windowNumber": "A01" }, { "number": "A002", "windowNumber": "B01" }, { "number": "A001", "windowNumber": "B01" }]),
        "{r}"
    );
    // Who called and when is audited.
    let log = app
        .gql(
            Some(&admin),
            "query($t: RegionCode!) { auditLog(tenant: $t, first: 50) { nodes { action actor target } } }",
            json!({ "t": YONGSHOU }),
        )
        .await;
    let calls: Vec<&Value> = log["data"]["auditLog"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter(|n| n["action"] == "queue.call")
        .collect();
    assert_eq!(calls.len(), 3, "{log}");
    assert!(calls.iter().all(|n| n["actor"] == "ys_window"));
}

/// Two server processes over one database and one Redis: numbers are never issued or called twice.
#[tokio::test]
async fn two_servers_sharing_redis_issue_and_call_each_number_once() {
    let private;
    let url = match tests::redis_base() {
        Some(u) => u,
        None => match tests::redis::PrivateRedis::start() {
            Some(r) => {
                private = r;
                private.url()
            }
            None => {
                eprintln!("no Redis available; skipping");
                return;
            }
        },
    };
    let prefix = format!("tbt:{}:", uuid::Uuid::new_v4().simple());
    let (u, p) = (url.clone(), prefix.clone());
    let mut one = TestApp::spawn_with(move |c| {
        c.redis_url = Some(u.into());
        c.redis_prefix = p;
    })
    .await;
    one.redis_url = Some(url);
    one.redis_prefix = prefix;
    let two = TestApp::spawn_sibling(&one).await;
    let (a01, b01, a, _, _) = two_windows(&one).await;

    let take = |app: &TestApp| {
        let body = json!({ "query": TAKE, "variables": { "t": YONGSHOU, "i": a["id"] } });
        let req = app.client.post(app.url("/graphql")).json(&body);
        async move {
            let r: Value = req.send().await.expect("send").json().await.expect("json");
            r["data"]["takeTicket"]["number"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned()
        }
    };
    let mut futures = Vec::new();
    for i in 0..40 {
        futures.push(take(if i % 2 == 0 { &one } else { &two }));
    }
    let issued: Vec<String> = futures::future::join_all(futures).await;
    let unique: HashSet<&String> = issued.iter().collect();
    assert_eq!(unique.len(), 40, "duplicate numbers: {issued:?}");

    let c1 = one.token("ys_window").await;
    let c2 = two.token("ys_window").await;
    let call = |app: &TestApp, token: &str, w: &str| {
        let body = json!({ "query": CALL, "variables": { "w": w } });
        let req = app.client.post(app.url("/graphql")).bearer_auth(token).json(&body);
        async move {
            let r: Value = req.send().await.expect("send").json().await.expect("json");
            assert!(r["errors"].is_null(), "{r}");
            r["data"]["callNext"]["number"].as_str().map(str::to_owned)
        }
    };
    let mut called: Vec<String> = Vec::new();
    loop {
        let round = futures::future::join_all([
            call(&one, &c1, &a01),
            call(&two, &c2, &b01),
            call(&one, &c1, &b01),
            call(&two, &c2, &a01),
        ])
        .await;
        if round.iter().all(Option::is_none) {
            break;
        }
        called.extend(round.into_iter().flatten());
    }
    let called_set: HashSet<&String> = called.iter().collect();
    assert_eq!(called.len(), 40, "each number called exactly once: {called:?}");
    assert_eq!(called_set, unique, "no number lost");
}

#[tokio::test]
async fn console_hall_page_attendance_export_and_public_lobby() {
    let app = TestApp::spawn().await;
    let clerk = app.token("ys_window").await;
    assert_eq!(app.gql(Some(&clerk), "mutation { signIn }", json!({})).await["data"]["signIn"], true);
    let admin = app.console_client("ys_admin").await;
    let html = admin.get(app.url("/console/hall")).send().await.expect("page").text().await.expect("html");
    assert!(html.contains("大厅窗口") && html.contains("新建窗口") && html.contains("永寿县窗口人员"), "{html}");
    assert!(html.contains("进驻部门") && html.contains("领导进驻现场办公"), "{html}");

    // A form without its CSRF token changes nothing.
    let r = admin
        .post(app.url("/console/hall/windows"))
        .form(&[("number", "A09"), ("name", "综合受理窗口"), ("kind", "GENERAL")])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), reqwest::StatusCode::FORBIDDEN);

    let month = chrono::Utc::now().with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("tz")).format("%Y-%m");
    let r = admin.get(app.url(&format!("/console/hall/attendance.csv?month={month}"))).send().await.expect("csv");
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    assert!(r.headers()["content-type"].to_str().expect("type").starts_with("text/csv"));
    let csv = r.text().await.expect("body");
    assert!(csv.starts_with("\u{feff}日期,用户名,姓名,签到,签退\n"), "{csv}");
    assert!(csv.contains("\"ys_window\",\"永寿县窗口人员\""), "{csv}");

    // Window staff see the windows but not the board or the export.
    let staff = app.console_client("ys_window").await;
    let html = staff.get(app.url("/console/hall")).send().await.expect("page").text().await.expect("html");
    assert!(html.contains("签到") && !html.contains("新建窗口") && !html.contains("今日考勤"), "{html}");
    let r = staff.get(app.url(&format!("/console/hall/attendance.csv?month={month}"))).send().await.expect("csv");
    assert_eq!(r.status(), reqwest::StatusCode::FORBIDDEN);

    // The lobby screen is public and refreshes itself.
    let r = app.client.get(app.url(&format!("/lobby/{YONGSHOU}"))).send().await.expect("lobby");
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    let html = r.text().await.expect("html");
    assert!(html.contains("http-equiv=\"refresh\" content=\"5\"") && html.contains("永寿县政务服务中心"), "{html}");
    assert_eq!(
        app.client.get(app.url("/lobby/123")).send().await.expect("lobby").status(),
        reqwest::StatusCode::BAD_REQUEST
    );
}

const SLOT: &str = "mutation($i: ID!, $d: Date!, $s: String!, $e: String!, $c: Int!) {
  createAppointmentSlot(implItemId: $i, date: $d, startTime: $s, endTime: $e, capacity: $c) { id date startTime endTime capacity booked available } }";
const BOOK: &str = "mutation($t: RegionCode!, $s: ID!, $n: String!, $p: String!) {
  bookAppointment(tenant: $t, slotId: $s, applicantName: $n, phone: $p) { id code phone slot { booked available } } }";

#[tokio::test]
async fn appointments_book_to_capacity_cancel_and_check_in_before_walk_ins() {
    let app = TestApp::spawn().await;
    let (_, b01, a, _, _) = two_windows(&app).await;
    let admin = app.token("ys_admin").await;
    let today = chrono::Utc::now().with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("tz")).date_naive();
    let next = app
        .gql(
            Some(&admin),
            "query($t: RegionCode!, $f: Date!) { addWorkingDays(tenant: $t, from: $f, days: 1) }",
            json!({ "t": YONGSHOU, "f": today.to_string() }),
        )
        .await;
    let next = next["data"]["addWorkingDays"].as_str().unwrap_or_else(|| panic!("{next}")).to_owned();

    // Non-working days have no slots; bad times and capacities are refused; only the center admin.
    let r = app
        .gql(Some(&admin), SLOT, json!({ "i": a["id"], "d": "2027-01-03", "s": "09:00", "e": "10:00", "c": 1 }))
        .await;
    assert_eq!(error_code(&r), "INVALID_INPUT", "{r}");
    assert!(error_message(&r).contains("不是工作日"), "{r}");
    let r = app.gql(Some(&admin), SLOT, json!({ "i": a["id"], "d": next, "s": "10:00", "e": "09:00", "c": 1 })).await;
    assert_eq!(error_code(&r), "INVALID_INPUT", "{r}");
    let clerk = app.token("ys_window").await;
    let r = app.gql(Some(&clerk), SLOT, json!({ "i": a["id"], "d": next, "s": "09:00", "e": "10:00", "c": 1 })).await;
    assert_eq!(error_code(&r), "FORBIDDEN", "{r}");

    let r = app.gql(Some(&admin), SLOT, json!({ "i": a["id"], "d": next, "s": "09:00", "e": "10:00", "c": 1 })).await;
    let slot = r["data"]["createAppointmentSlot"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    let book = |phone: &'static str| app.gql(None, BOOK, json!({ "t": YONGSHOU, "s": slot, "n": "张三", "p": phone }));
    let first = book("13800001234").await;
    assert_eq!(first["data"]["bookAppointment"]["phone"], "138****1234", "{first}");
    assert_eq!(first["data"]["bookAppointment"]["slot"]["available"], 0);
    let full = book("13800005678").await;
    assert_eq!(error_code(&full), "CONFLICT", "{full}");
    let listed = app
        .gql(
            None,
            "query($t: RegionCode!, $i: ID!, $d: Date!) { appointmentSlots(tenant: $t, implItemId: $i, date: $d) { booked available } }",
            json!({ "t": YONGSHOU, "i": a["id"], "d": next }),
        )
        .await;
    assert_eq!(listed["data"]["appointmentSlots"], json!([{ "booked": 1, "available": 0 }]), "{listed}");

    // Cancelling (with the code) frees the place.
    let id = first["data"]["bookAppointment"]["id"].clone();
    let code = first["data"]["bookAppointment"]["code"].clone();
    let cancel = "mutation($t: RegionCode!, $i: ID!, $c: String!) { cancelAppointment(tenant: $t, id: $i, code: $c) }";
    let wrong = app.gql(None, cancel, json!({ "t": YONGSHOU, "i": id, "c": "nope" })).await;
    assert_eq!(error_code(&wrong), "NOT_FOUND", "{wrong}");
    assert_eq!(
        app.gql(None, cancel, json!({ "t": YONGSHOU, "i": id, "c": code })).await["data"]["cancelAppointment"],
        true
    );
    let again = app.gql(None, cancel, json!({ "t": YONGSHOU, "i": id, "c": code })).await;
    assert_eq!(error_code(&again), "ILLEGAL_TRANSITION", "{again}");
    assert!(book("13800005678").await["data"]["bookAppointment"]["id"].is_string());

    // Checking in on the day: today must be a working day of the hall for that; make it one.
    let r = app
        .gql(
            Some(&admin),
            "mutation($t: RegionCode!, $d: Date!) { setCalendarDay(tenant: $t, date: $d, workday: true, name: \"测试上班\") { workday } }",
            json!({ "t": YONGSHOU, "d": today.to_string() }),
        )
        .await;
    assert_eq!(r["data"]["setCalendarDay"]["workday"], true, "{r}");
    let r = app
        .gql(Some(&admin), SLOT, json!({ "i": a["id"], "d": today.to_string(), "s": "00:00", "e": "23:59", "c": 5 }))
        .await;
    let today_slot = r["data"]["createAppointmentSlot"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    let walk_in = app.gql(None, TAKE, json!({ "t": YONGSHOU, "i": a["id"] })).await;
    assert_eq!(walk_in["data"]["takeTicket"]["number"], "A001", "{walk_in}");
    let booked = app.gql(None, BOOK, json!({ "t": YONGSHOU, "s": today_slot, "n": "李四", "p": "13900001111" })).await;
    let (id, code) =
        (booked["data"]["bookAppointment"]["id"].clone(), booked["data"]["bookAppointment"]["code"].clone());
    let check_in = "mutation($t: RegionCode!, $i: ID!, $c: String!) { checkInAppointment(tenant: $t, id: $i, code: $c) { number position } }";
    let t = app.gql(None, check_in, json!({ "t": YONGSHOU, "i": id, "c": code })).await;
    assert_eq!(t["data"]["checkInAppointment"]["number"], "A002", "{t}");
    assert_eq!(t["data"]["checkInAppointment"]["position"], 1, "ahead of the walk-in: {t}");
    let twice = app.gql(None, check_in, json!({ "t": YONGSHOU, "i": id, "c": code })).await;
    assert_eq!(error_code(&twice), "ILLEGAL_TRANSITION", "{twice}");
    let r = app.gql(Some(&clerk), CALL, json!({ "w": b01 })).await;
    assert_eq!(r["data"]["callNext"]["number"], "A002", "the appointment goes first: {r}");
    let r = app.gql(Some(&clerk), CALL, json!({ "w": b01 })).await;
    assert_eq!(r["data"]["callNext"]["number"], "A001", "{r}");
}

#[tokio::test]
async fn leaders_on_site_duty_is_filed_for_a_later_month_and_published() {
    let app = TestApp::spawn().await;
    let admin = app.token("ys_admin").await;
    let deps = app
        .gql(Some(&admin), "query($t: RegionCode!) { departments(tenant: $t) { id } }", json!({ "t": YONGSHOU }))
        .await;
    let dept = deps["data"]["departments"][0]["id"].clone();
    let today = chrono::Utc::now().with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("tz")).date_naive();
    use chrono::Datelike;
    // Two months ahead is always open (the 10th rule binds next month only).
    let first = today.with_day(1).expect("first");
    let month = first.checked_add_months(chrono::Months::new(2)).expect("month");
    let d1 = month.with_day(3).expect("day").to_string();
    let d2 = month.with_day(17).expect("day").to_string();
    let file = "mutation($d: ID!, $m: Date!, $n: String!, $ds: [Date!]!) {
      fileLeaderDuty(departmentId: $d, month: $m, leaderName: $n, dates: $ds) { leaderName dates published } }";
    let r = app
        .gql(Some(&admin), file, json!({ "d": dept, "m": month.to_string(), "n": "王副局长", "ds": [d2, d1] }))
        .await;
    assert_eq!(r["data"]["fileLeaderDuty"]["dates"], json!([d1, d2]), "{r}");
    assert_eq!(r["data"]["fileLeaderDuty"]["published"], false);
    // This month, and dates outside the month, are refused.
    let r = app
        .gql(
            Some(&admin),
            file,
            json!({ "d": dept, "m": first.to_string(), "n": "王副局长", "ds": [first.to_string()] }),
        )
        .await;
    assert_eq!(error_code(&r), "INVALID_INPUT", "{r}");
    let r = app
        .gql(
            Some(&admin),
            file,
            json!({ "d": dept, "m": month.to_string(), "n": "王副局长", "ds": [today.to_string()] }),
        )
        .await;
    assert_eq!(error_code(&r), "INVALID_INPUT", "{r}");
    // Staff outside the department may not file.
    let clerk = app.token("ys_window").await;
    let r =
        app.gql(Some(&clerk), file, json!({ "d": dept, "m": month.to_string(), "n": "王副局长", "ds": [d1] })).await;
    assert_eq!(error_code(&r), "FORBIDDEN", "{r}");

    let schedule =
        "query($t: RegionCode!, $m: Date!) { leaderSchedule(tenant: $t, month: $m) { leaderName published } }";
    let vars = json!({ "t": YONGSHOU, "m": month.to_string() });
    assert_eq!(app.gql(Some(&clerk), schedule, vars.clone()).await["data"]["leaderSchedule"], json!([]));
    let publish = "mutation($t: RegionCode!, $m: Date!) { publishLeaderSchedule(tenant: $t, month: $m) }";
    assert_eq!(error_code(&app.gql(Some(&clerk), publish, vars.clone()).await), "FORBIDDEN");
    assert_eq!(app.gql(Some(&admin), publish, vars.clone()).await["data"]["publishLeaderSchedule"], 1);
    let r = app.gql(Some(&clerk), schedule, vars.clone()).await;
    assert_eq!(r["data"]["leaderSchedule"], json!([{ "leaderName": "王副局长", "published": true }]), "{r}");
    // Published: no more changes.
    let r = app.gql(Some(&admin), file, json!({ "d": dept, "m": month.to_string(), "n": "李局长", "ds": [d1] })).await;
    assert_eq!(error_code(&r), "CONFLICT", "{r}");
}

/// Anonymous 取号 and appointment calls share one budget per client address; a signed-in clerk
/// issuing a ticket at the desk is not held to it.
#[tokio::test]
async fn anonymous_public_writes_share_one_limit_per_client() {
    let app = TestApp::spawn_with(|c| {
        c.public_writes_per_client = 3;
    })
    .await;
    let (_, _, a, _, _) = two_windows(&app).await;
    let take = || app.gql(None, TAKE, json!({ "t": YONGSHOU, "i": a["id"] }));
    assert!(take().await["data"]["takeTicket"]["number"].is_string());
    assert!(take().await["data"]["takeTicket"]["number"].is_string());
    // A guessed appointment code draws on the same budget.
    let cancel = "mutation($t: RegionCode!, $i: ID!, $c: String!) { cancelAppointment(tenant: $t, id: $i, code: $c) }";
    let guess = app.gql(None, cancel, json!({ "t": YONGSHOU, "i": uuid::Uuid::nil().to_string(), "c": "AAAA" })).await;
    assert_eq!(error_code(&guess), "NOT_FOUND", "{guess}");

    let limited = take().await;
    assert_eq!(error_code(&limited), "RATE_LIMITED", "{limited}");
    assert!(error_message(&limited).contains("频繁"), "{limited}");
    let guess = app.gql(None, cancel, json!({ "t": YONGSHOU, "i": uuid::Uuid::nil().to_string(), "c": "AAAA" })).await;
    assert_eq!(error_code(&guess), "RATE_LIMITED", "{guess}");

    // The limited calls issued nothing: the clerk's ticket is the third number.
    let clerk = app.token("ys_window").await;
    let r = app.gql(Some(&clerk), TAKE, json!({ "t": YONGSHOU, "i": a["id"] })).await;
    let number = r["data"]["takeTicket"]["number"].as_str().unwrap_or_else(|| panic!("{r}"));
    assert!(number.ends_with("003"), "{r}");
}
