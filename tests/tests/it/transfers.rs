//! Cross-area handling (跨域通办) inside one deployment: a window of 秦都区 collects an application for
//! an item of 永寿县 (remote intake), transfers it, the county signs, returns, signs again, accepts
//! and decides, and the collector delivers. A third tenant sees none of it.

use serde_json::{Value, json};
use tests::{QINDU, TestApp, YONGSHOU, error_code, error_message};

const SUBMIT: &str = "mutation($i: SubmitCaseInput!) { submitCase(input: $i) { case { id status channel collectingTenant { code } handlingTenant { code } } } }";
const TRANSFER: &str = "mutation($c: ID!, $n: String, $k: String!) { transferCase(caseId: $c, note: $n, idempotencyKey: $k) { id status from { code } to { code } note sentAt } }";
const RECEIVE: &str = "mutation($id: ID!) { receiveTransfer(id: $id) { id status receivedAt } }";
const ACCEPT: &str = "mutation($id: ID!) { acceptTransfer(id: $id) { id status decidedAt case { status deadline } } }";
const RETURN: &str =
    "mutation($id: ID!, $r: String!) { returnTransfer(id: $id, reason: $r) { id status returnReason } }";
const ONE: &str = "query($id: ID!) { transfer(id: $id) { id status returnReason collectorHoldingDays handlerHoldingDays warning resultReturnedAt } }";
const CASE: &str = "query($id: ID!) { case(id: $id) { status transfers { id status returnReason } events { action tenant { code } } } }";
const LIST: &str = "query($d: Direction!, $w: [Warning!]) { transfers(direction: $d, warning: $w) { totalCount nodes { id status warning } } }";

/// A 永寿县 item found by keyword, with the names of all its materials.
async fn yongshou_item(app: &TestApp, keyword: &str) -> (String, Vec<String>) {
    let window = app.token("ys_window").await;
    let r = app
        .gql(
            Some(&window),
            "query($t: RegionCode!, $k: String) { implItems(tenant: $t, keyword: $k, status: PUBLISHED) { nodes { id materials { name } } } }",
            json!({ "t": YONGSHOU, "k": keyword }),
        )
        .await;
    let node = &r["data"]["implItems"]["nodes"][0];
    let id = node["id"].as_str().unwrap_or_else(|| panic!("no item {keyword}: {r}")).to_owned();
    let materials = node["materials"]
        .as_array()
        .map(|ms| ms.iter().filter_map(|m| m["name"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    (id, materials)
}

/// A window clerk of 秦都区 (another county of 咸阳市).
async fn qindu_window(app: &TestApp) -> String {
    let platform = app.token("platform").await;
    let r = app
        .gql(
            Some(&platform),
            "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }",
            json!({ "i": { "tenant": QINDU, "username": "qd_window", "password": tests::DEMO_PASSWORD,
                          "displayName": "秦都区窗口人员", "roles": ["WINDOW_STAFF"] } }),
        )
        .await;
    assert!(r["errors"].is_null(), "{r}");
    app.token("qd_window").await
}

async fn remote_intake(app: &TestApp, token: &str, item: &str, materials: &[String]) -> Value {
    let input = json!({ "i": {
        "implItemId": item,
        "applicant": { "kind": "PERSON", "name": "王小明", "idNumber": "11010519491231002X" },
        "providedMaterials": materials,
        "channel": "REMOTE",
    } });
    app.gql(Some(token), SUBMIT, input).await
}

fn ok<'a>(r: &'a Value, field: &str) -> &'a Value {
    assert!(r["errors"].is_null(), "{field}: {r}");
    &r["data"][field]
}

#[tokio::test]
async fn a_remote_intake_goes_to_the_handler_and_its_result_comes_back() {
    let app = TestApp::spawn().await;
    let qd = qindu_window(&app).await;
    let ys = app.token("ys_window").await;
    let (item, materials) = yongshou_item(&app, "教师资格").await;

    let r = remote_intake(&app, &qd, &item, &materials).await;
    let case = &ok(&r, "submitCase")["case"];
    assert_eq!(case["channel"], "REMOTE");
    assert_eq!(case["collectingTenant"]["code"], QINDU);
    assert_eq!(case["handlingTenant"]["code"], YONGSHOU);
    let case_id = case["id"].as_str().expect("case id").to_owned();

    // The collector checks and transfers; the handler cannot act on it before, nor the collector accept it.
    let r = app.gql(Some(&ys), "mutation($id: ID!) { acceptCase(id: $id) { status } }", json!({ "id": case_id })).await;
    assert_eq!(error_code(&r), "FORBIDDEN", "{r}");
    let r = app.gql(Some(&qd), "mutation($id: ID!) { acceptCase(id: $id) { status } }", json!({ "id": case_id })).await;
    assert_eq!(error_code(&r), "ILLEGAL_TRANSITION", "{r}");

    let vars = |k: &str, n: &str| json!({ "c": case_id, "n": n, "k": k });
    let r = app.gql(Some(&qd), TRANSFER, vars("k1", "材料齐全，请办理")).await;
    let sent = ok(&r, "transferCase").clone();
    assert_eq!(sent["status"], "SENT");
    assert_eq!(sent["from"]["code"], QINDU);
    assert_eq!(sent["to"]["code"], YONGSHOU);
    let first = sent["id"].as_str().expect("id").to_owned();
    // Retried with the same key and request: the same transfer; another request: CONFLICT.
    let r = app.gql(Some(&qd), TRANSFER, vars("k1", "材料齐全，请办理")).await;
    assert_eq!(ok(&r, "transferCase")["id"], first.as_str());
    let r = app.gql(Some(&qd), TRANSFER, vars("k1", "另一说明")).await;
    assert_eq!(error_code(&r), "CONFLICT", "{r}");

    let r = app.gql(Some(&qd), CASE, json!({ "id": case_id })).await;
    assert_eq!(ok(&r, "case")["status"], "TRANSFERRED");

    // In the handler's inbound list, green on the day it was sent; not in the collector's.
    let r = app.gql(Some(&ys), LIST, json!({ "d": "INBOUND" })).await;
    let nodes = ok(&r, "transfers")["nodes"].as_array().expect("nodes").clone();
    assert!(nodes.iter().any(|n| n["id"] == first.as_str() && n["warning"] == "GREEN"), "{r}");
    let r = app.gql(Some(&qd), LIST, json!({ "d": "INBOUND" })).await;
    assert_eq!(ok(&r, "transfers")["totalCount"], 0);
    let r = app.gql(Some(&qd), LIST, json!({ "d": "OUTBOUND" })).await;
    assert_eq!(ok(&r, "transfers")["totalCount"], 1);

    // Accepting needs a signature first; only the handler signs.
    let r = app.gql(Some(&ys), ACCEPT, json!({ "id": first })).await;
    assert_eq!(error_code(&r), "ILLEGAL_TRANSITION", "{r}");
    let r = app.gql(Some(&qd), RECEIVE, json!({ "id": first })).await;
    assert_eq!(error_code(&r), "FORBIDDEN", "{r}");
    let r = app.gql(Some(&ys), RECEIVE, json!({ "id": first })).await;
    assert_eq!(ok(&r, "receiveTransfer")["status"], "RECEIVED");
    assert!(!r["data"]["receiveTransfer"]["receivedAt"].is_null());

    // Returned with a reason: the collector sees it and may send again.
    let reason = "体检合格证明须为县级以上医院出具";
    let r = app.gql(Some(&ys), RETURN, json!({ "id": first, "r": reason })).await;
    assert_eq!(ok(&r, "returnTransfer")["status"], "RETURNED");
    let r = app.gql(Some(&qd), CASE, json!({ "id": case_id })).await;
    let c = ok(&r, "case");
    assert_eq!(c["status"], "RECEIVED");
    assert_eq!(c["transfers"][0]["returnReason"], reason);
    let r = app.gql(Some(&qd), TRANSFER, vars("k2", "已补正")).await;
    let second = ok(&r, "transferCase")["id"].as_str().expect("id").to_owned();
    assert_ne!(second, first);

    let r = app.gql(Some(&ys), RECEIVE, json!({ "id": second })).await;
    assert_eq!(ok(&r, "receiveTransfer")["status"], "RECEIVED");
    let r = app.gql(Some(&ys), ACCEPT, json!({ "id": second })).await;
    let accepted = ok(&r, "acceptTransfer");
    assert_eq!(accepted["status"], "ACCEPTED");
    assert_eq!(accepted["case"]["status"], "ACCEPTED");
    assert!(!accepted["case"]["deadline"].is_null(), "{r}");
    // The collector sees the case as transferred while the handler works on it.
    let r = app.gql(Some(&qd), CASE, json!({ "id": case_id })).await;
    assert_eq!(ok(&r, "case")["status"], "TRANSFERRED");

    // Concluded at the handler: the result returns, and the collector delivers it.
    let approver = app.token("ys_approver").await;
    let r = app
        .gql(
            Some(&approver),
            "mutation($id: ID!) { decideCase(id: $id, approve: true, opinion: \"符合条件\") { status } }",
            json!({ "id": case_id }),
        )
        .await;
    assert_eq!(ok(&r, "decideCase")["status"], "APPROVED");
    let r = app.gql(Some(&qd), ONE, json!({ "id": second })).await;
    let t = ok(&r, "transfer");
    assert_eq!(t["status"], "RESULT_RETURNED");
    assert!(!t["resultReturnedAt"].is_null());
    assert_eq!(t["handlerHoldingDays"], 0);
    let r = app
        .gql(
            Some(&qd),
            "mutation($id: ID!) { deliverCase(id: $id, method: WINDOW) { status } }",
            json!({ "id": case_id }),
        )
        .await;
    assert_eq!(ok(&r, "deliverCase")["status"], "DELIVERED");

    // Both sides' steps are in the case's history, seen from either side.
    for token in [&qd, &ys] {
        let r = app.gql(Some(token), CASE, json!({ "id": case_id })).await;
        let events = ok(&r, "case")["events"].as_array().expect("events").clone();
        let by =
            |action: &str, tenant: &str| events.iter().any(|e| e["action"] == action && e["tenant"]["code"] == tenant);
        assert!(by("转办理地", QINDU) && by("签收转来办件", YONGSHOU) && by("退回收件地", YONGSHOU), "{r}");
        assert!(by("受理转来办件", YONGSHOU) && by("送达", QINDU), "{r}");
        assert_eq!(ok(&r, "case")["transfers"].as_array().map(Vec::len), Some(2));
    }

    // A third tenant sees nothing of it.
    let jj = app.token("jj_station").await;
    for id in [&first, &second] {
        let r = app.gql(Some(&jj), ONE, json!({ "id": id })).await;
        assert_eq!(error_code(&r), "NOT_FOUND", "{r}");
        let r = app.gql(Some(&jj), RECEIVE, json!({ "id": id })).await;
        assert_eq!(error_code(&r), "NOT_FOUND", "{r}");
    }
    let r = app.gql(Some(&jj), CASE, json!({ "id": case_id })).await;
    assert_eq!(error_code(&r), "NOT_FOUND", "{r}");
    for d in ["INBOUND", "OUTBOUND"] {
        let r = app.gql(Some(&jj), LIST, json!({ "d": d })).await;
        assert_eq!(ok(&r, "transfers")["totalCount"], 0);
    }
}

#[tokio::test]
async fn remote_intake_is_refused_outside_the_items_scope() {
    let app = TestApp::spawn().await;
    let qd = qindu_window(&app).await;
    // 最低生活保障审核确认 is handled county-wide only (县域通办).
    let (item, materials) = yongshou_item(&app, "最低生活保障").await;
    let r = remote_intake(&app, &qd, &item, &materials).await;
    assert_eq!(error_code(&r), "FORBIDDEN", "{r}");
    assert!(error_message(&r).contains("县域通办"), "{r}");
    // A town of 永寿县 is inside that scope.
    let jj = app.token("jj_station").await;
    let r = remote_intake(&app, &jj, &item, &materials).await;
    assert_eq!(ok(&r, "submitCase")["case"]["collectingTenant"]["code"], tests::JIANJUN);
    // Bad input never reaches the store.
    let r = app.gql(Some(&qd), TRANSFER, json!({ "c": "not-an-id", "k": "k" })).await;
    assert_eq!(error_code(&r), "NOT_FOUND", "{r}");
    let r = app.gql(Some(&qd), TRANSFER, json!({ "c": uuid::Uuid::nil(), "k": "x".repeat(500) })).await;
    assert_eq!(error_code(&r), "INVALID_INPUT", "{r}");
    let r = app.gql(Some(&qd), ONE, json!({ "id": "?" })).await;
    assert_eq!(error_code(&r), "NOT_FOUND", "{r}");
}

#[tokio::test]
async fn an_unsigned_transfer_turns_yellow_then_red() {
    let app = TestApp::spawn().await;
    let qd = qindu_window(&app).await;
    let ys = app.token("ys_window").await;
    let (item, materials) = yongshou_item(&app, "教师资格").await;
    let r = remote_intake(&app, &qd, &item, &materials).await;
    let case_id = ok(&r, "submitCase")["case"]["id"].as_str().expect("id").to_owned();
    let r = app.gql(Some(&qd), TRANSFER, json!({ "c": case_id, "k": "w1" })).await;
    let id = ok(&r, "transferCase")["id"].as_str().expect("id").to_owned();
    let listed =
        |r: &Value| ok(r, "transfers")["nodes"].as_array().is_some_and(|n| n.iter().any(|t| t["id"] == id.as_str()));
    let r = app.gql(Some(&ys), LIST, json!({ "d": "INBOUND", "w": ["YELLOW", "RED"] })).await;
    assert!(!listed(&r), "{r}");
    // A week on, at least two working days have passed whatever the calendar.
    app.clock.advance(chrono::Duration::days(7));
    let r = app.gql(Some(&ys), ONE, json!({ "id": id })).await;
    assert_eq!(ok(&r, "transfer")["warning"], "RED");
    let r = app.gql(Some(&ys), LIST, json!({ "d": "INBOUND", "w": ["RED"] })).await;
    assert!(listed(&r), "{r}");
    let r = app.gql(Some(&ys), LIST, json!({ "d": "INBOUND", "w": ["GREEN"] })).await;
    assert!(!listed(&r), "{r}");
    // Signed, it leaves the warning list.
    let r = app.gql(Some(&ys), RECEIVE, json!({ "id": id })).await;
    assert_eq!(ok(&r, "receiveTransfer")["status"], "RECEIVED");
    let r = app.gql(Some(&ys), LIST, json!({ "d": "INBOUND", "w": ["RED"] })).await;
    assert!(!listed(&r), "{r}");
}

#[tokio::test]
async fn row_level_security_keeps_transfers_to_their_two_tenants() {
    use sea_orm::{ConnectionTrait, Database, Statement, TransactionTrait};
    let app = TestApp::spawn().await;
    let tests::Backend::Postgres { app_url, .. } = &app.backend else {
        eprintln!("row-level security applies to PostgreSQL only");
        return;
    };
    let qd = qindu_window(&app).await;
    let (item, materials) = yongshou_item(&app, "教师资格").await;
    let r = remote_intake(&app, &qd, &item, &materials).await;
    let case_id = ok(&r, "submitCase")["case"]["id"].as_str().expect("id").to_owned();
    let r = app.gql(Some(&qd), TRANSFER, json!({ "c": case_id, "k": "rls" })).await;
    ok(&r, "transferCase");

    let db = Database::connect(app_url.as_str()).await.expect("connect as the application role");
    let count = |scope: &'static str, table: &'static str| {
        let db = db.clone();
        async move {
            let tx = db.begin().await.expect("begin");
            let b = db.get_database_backend();
            let set = format!("SELECT set_config('tongban.scope', '{scope}', true)");
            tx.execute_raw(Statement::from_string(b, set)).await.expect("scope");
            let q = format!("SELECT count(*) AS n FROM {table}");
            let row = tx.query_one_raw(Statement::from_string(b, q)).await.expect("query").expect("row");
            tx.rollback().await.expect("rollback");
            row.try_get::<i64>("", "n").expect("n")
        }
    };
    for table in ["transfers", "cases"] {
        assert_eq!(count("610402", table).await, 1, "collector {table}");
        assert_eq!(count("610426", table).await, 1, "handler {table}");
        assert_eq!(count("610426001", table).await, 0, "third tenant {table}");
        assert_eq!(count("610404", table).await, 0, "another county {table}");
    }
    // Events of both sides are visible to both; none to a third tenant.
    assert!(count("610402", "case_events").await >= 2);
    assert_eq!(count("610426001", "case_events").await, 0);

    // Neither side can move a transfer, or the case, to a third tenant.
    let tx = db.begin().await.expect("begin");
    let b = db.get_database_backend();
    tx.execute_raw(Statement::from_string(b, "SELECT set_config('tongban.scope', '610402', true)".to_owned()))
        .await
        .expect("scope");
    let moved = tx
        .execute_raw(Statement::from_string(
            b,
            "UPDATE transfers SET from_code = '610404000000', to_code = '610404000000'".to_owned(),
        ))
        .await;
    assert!(moved.is_err_and(|e| e.to_string().contains("row-level security")));
    tx.rollback().await.expect("rollback");
}

/// A service account of 永寿县, as a partner deployment would hold, and its access token.
async fn yongshou_service_token(app: &TestApp) -> String {
    let admin = app.token("ys_admin").await;
    let r = app
        .gql(
            Some(&admin),
            "mutation($t: RegionCode!) { createServiceAccount(tenant: $t, name: \"跨省通办对接\") { clientId clientSecret } }",
            json!({ "t": YONGSHOU }),
        )
        .await;
    let sa = ok(&r, "createServiceAccount").clone();
    let q = "mutation($i: String!, $s: String!) { serviceToken(clientId: $i, clientSecret: $s) { accessToken } }";
    let r = app.gql(None, q, json!({ "i": sa["clientId"], "s": sa["clientSecret"] })).await;
    ok(&r, "serviceToken")["accessToken"].as_str().expect("token").to_owned()
}

const SUBMIT_REMOTE: &str = "mutation($i: RemoteTransferInput!) { submitRemoteTransfer(input: $i) { id status fromCenter remoteCaseNo from { code name } to { code } case { id status channel } } }";

#[tokio::test]
async fn a_partner_submits_a_case_by_service_account_once_per_key() {
    let app = TestApp::spawn().await;
    let service = yongshou_service_token(&app).await;
    let (item, materials) = yongshou_item(&app, "教师资格").await;
    let ys = app.token("ys_window").await;
    let r = app.gql(Some(&ys), "query($id: ID!) { implItem(id: $id) { implCode } }", json!({ "id": item })).await;
    let impl_code = ok(&r, "implItem")["implCode"].as_str().expect("impl code").to_owned();
    let input = |key: &str, from: &str, to: &str, code: &str, no: &str| {
        json!({ "i": {
            "idempotencyKey": key, "fromRegion": from, "fromCenter": "西安市政务服务中心", "remoteCaseNo": no,
            "toRegion": to, "implCode": code,
            "applicant": { "kind": "PERSON", "name": "李华", "idNumber": "11010519491231002X" },
            "providedMaterials": materials,
        } })
    };
    let r = app.gql(Some(&service), SUBMIT_REMOTE, input("p1", "610100000000", YONGSHOU, &impl_code, "XA-1")).await;
    let t = ok(&r, "submitRemoteTransfer").clone();
    assert_eq!(t["status"], "SENT");
    assert_eq!(t["from"]["code"], "610100000000");
    assert_eq!(t["from"]["name"], "西安市政务服务中心");
    assert_eq!(t["remoteCaseNo"], "XA-1");
    assert_eq!(t["case"]["status"], "TRANSFERRED");
    assert_eq!(t["case"]["channel"], "REMOTE");
    // Retried: the same transfer; the same key with another payload: CONFLICT.
    let r = app.gql(Some(&service), SUBMIT_REMOTE, input("p1", "610100000000", YONGSHOU, &impl_code, "XA-1")).await;
    assert_eq!(ok(&r, "submitRemoteTransfer")["id"], t["id"]);
    let r = app.gql(Some(&service), SUBMIT_REMOTE, input("p1", "610100000000", YONGSHOU, &impl_code, "XA-2")).await;
    assert_eq!(error_code(&r), "CONFLICT", "{r}");
    // Outside the item's scope, an unknown item, another tenant: refused with the reason.
    let r = app.gql(Some(&service), SUBMIT_REMOTE, input("p2", "330100000000", YONGSHOU, &impl_code, "HZ-1")).await;
    assert_eq!(error_code(&r), "FORBIDDEN", "{r}");
    assert!(error_message(&r).contains("全省通办"), "{r}");
    let r = app.gql(Some(&service), SUBMIT_REMOTE, input("p3", "610100000000", YONGSHOU, "nope", "XA-3")).await;
    assert_eq!(error_code(&r), "INVALID_INPUT", "{r}");
    let r = app.gql(Some(&service), SUBMIT_REMOTE, input("p4", "610100000000", QINDU, &impl_code, "XA-4")).await;
    assert_eq!(error_code(&r), "FORBIDDEN", "{r}");
    // A service account calls the transfer operations only.
    let r = app.gql(Some(&service), "{ cases { totalCount } }", json!({})).await;
    assert_eq!(error_code(&r), "FORBIDDEN", "{r}");

    // Signed, accepted and decided here: the transfer's result is returned.
    let id = t["id"].as_str().expect("id");
    let r = app.gql(Some(&service), RECEIVE, json!({ "id": id })).await;
    assert_eq!(ok(&r, "receiveTransfer")["status"], "RECEIVED");
    let r = app.gql(Some(&ys), ACCEPT, json!({ "id": id })).await;
    assert_eq!(ok(&r, "acceptTransfer")["case"]["status"], "ACCEPTED");
    let approver = app.token("ys_approver").await;
    let r = app
        .gql(
            Some(&approver),
            "mutation($id: ID!) { decideCase(id: $id, approve: false, opinion: \"学历不符合要求\") { status } }",
            json!({ "id": t["case"]["id"] }),
        )
        .await;
    assert_eq!(ok(&r, "decideCase")["status"], "DENIED");
    let r = app.gql(Some(&service), ONE, json!({ "id": id })).await;
    assert_eq!(ok(&r, "transfer")["status"], "RESULT_RETURNED");
}

#[tokio::test]
async fn the_console_lists_transfers_and_signs_accepts_them() {
    let app = TestApp::spawn().await;
    let qd = qindu_window(&app).await;
    let (item, materials) = yongshou_item(&app, "教师资格").await;
    let r = remote_intake(&app, &qd, &item, &materials).await;
    let case_id = ok(&r, "submitCase")["case"]["id"].as_str().expect("id").to_owned();
    let r = app.gql(Some(&qd), TRANSFER, json!({ "c": case_id, "n": "请签收", "k": "console" })).await;
    let id = ok(&r, "transferCase")["id"].as_str().expect("id").to_owned();

    let county = app.console_client("ys_window").await;
    let get = |path: &'static str| {
        let (client, url) = (county.clone(), app.url(path));
        async move { client.get(url).send().await.expect("get").text().await.expect("body") }
    };
    let html = get("/console/transfers").await;
    assert!(html.contains(&id) && html.contains("请签收") && html.contains("已发送"), "{html}");
    assert!(html.contains(&format!("/console/transfers/{id}/receive")));
    let csrf = TestApp::csrf_of(&html);
    for action in ["receive", "accept"] {
        let r = county
            .post(app.url(&format!("/console/transfers/{id}/{action}")))
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .expect("post");
        assert!(r.status().is_success() || r.status().is_redirection(), "{action}: {}", r.status());
    }
    let r = app.gql(Some(&qd), ONE, json!({ "id": id })).await;
    assert_eq!(ok(&r, "transfer")["status"], "ACCEPTED");
    // Without the form token nothing happens; a third tenant's console shows nothing.
    let station = app.console_client("jj_station").await;
    let html = station.get(app.url("/console/transfers")).send().await.expect("get").text().await.expect("body");
    assert!(!html.contains(&id));
    let html = get("/console/transfers?direction=out").await;
    assert!(!html.contains(&id), "the county sent nothing");
}

/// The console's intake at 秦都区 (another county of 咸阳市) offers every other tenant's published
/// item whose scope covers it, found by name: 永寿县's item handled city-wide (市域通办) is offered,
/// its county-wide (县域通办) and not cross-area (不支持通办) items are not; the case is collected.
#[tokio::test]
async fn the_console_offers_another_countys_items_whose_scope_covers_the_collector() {
    let app = TestApp::spawn().await;
    let (city, materials) = yongshou_item(&app, "失业登记").await;
    let admin = app.token("ys_admin").await;
    let r = app
        .gql(
            Some(&admin),
            "mutation($id: ID!, $u: ImplItemUpdate!) { updateImplItem(id: $id, input: $u) { crossAreaScope status } }",
            json!({ "id": city, "u": { "crossAreaScope": "CITY" } }),
        )
        .await;
    assert_eq!(ok(&r, "updateImplItem")["crossAreaScope"], "CITY", "{r}");
    assert_eq!(ok(&r, "updateImplItem")["status"], "PUBLISHED", "{r}");
    let (county, _) = yongshou_item(&app, "最低生活保障").await;
    let (none, _) = yongshou_item(&app, "林木采伐").await;
    let (province, _) = yongshou_item(&app, "教师资格").await;
    let _ = qindu_window(&app).await;
    let qd = app.console_client("qd_window").await;
    let page = |path: String| {
        let (client, url) = (qd.clone(), app.url(&path));
        async move { client.get(url).send().await.expect("get").text().await.expect("body") }
    };
    let html = page("/console/cases/new".into()).await;
    assert!(html.contains("异地收件（其他单位事项") && html.contains(&city) && html.contains(&province), "{html}");
    assert!(html.contains("永寿县：失业登记"), "named with its tenant: {html}");
    assert!(!html.contains(&county) && !html.contains(&none), "{html}");
    // Found by name: only what matches, and never what the scope excludes.
    let html = page("/console/cases/new?q=失业".into()).await;
    assert!(html.contains(&city) && !html.contains(&province), "{html}");
    let html = page("/console/cases/new?q=最低生活".into()).await;
    assert!(!html.contains(&county) && html.contains("remote-none"), "{html}");
    let html = page(format!("/console/cases/new?item={county}")).await;
    assert!(!html.contains(&county) && !html.contains("remote-intake-note"), "{html}");
    let html = page(format!("/console/cases/new?q={}", "长".repeat(51))).await;
    assert!(html.contains("事项名称不能超过50个字符") && !html.contains("item-choice"), "refused: {html}");

    // Collected at 秦都区 through the console, to be handled at 永寿县.
    let html = page(format!("/console/cases/new?item={city}&q=失业")).await;
    assert!(html.contains("remote-intake-note") && html.contains("name=\"channel\" value=\"REMOTE\""), "{html}");
    let case_id = collect_remotely(&app, &qd, &html, &city, &materials).await;
    let token = app.token("qd_window").await;
    let q = "query($id: ID!) { case(id: $id) { channel collectingTenant { code } handlingTenant { code } } }";
    let r = app.gql(Some(&token), q, json!({ "id": case_id })).await;
    let c = ok(&r, "case");
    assert_eq!(c["channel"], "REMOTE");
    assert_eq!(c["collectingTenant"]["code"], QINDU);
    assert_eq!(c["handlingTenant"]["code"], YONGSHOU);
}

/// Posts the console's intake form of `html` for `item` as a remote collection (异地收件) with every
/// material; the id of the case its receipt links.
async fn collect_remotely(
    app: &TestApp,
    client: &reqwest::Client,
    html: &str,
    item: &str,
    materials: &[String],
) -> String {
    let mut form = vec![
        ("csrf", TestApp::csrf_of(html)),
        ("item", item.to_owned()),
        ("channel", "REMOTE".into()),
        ("name", "王小明".into()),
        ("id_type", "身份证".into()),
        ("id_number", "11010519491231002X".into()),
    ];
    form.extend(materials.iter().map(|m| ("provided", m.clone())));
    let r = client.post(app.url("/console/cases")).form(&form).send().await.expect("post");
    assert_eq!(r.status(), 200);
    let receipt = r.text().await.expect("body");
    receipt
        .split("href=\"/console/cases/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or_else(|| panic!("the receipt links the case: {receipt}"))
        .to_owned()
}

/// The console's intake offers the items of other tenants whose scope covers the station
/// (异地收件), and the case page's 转办理地 form sends the case once per form key.
#[tokio::test]
async fn the_console_collects_remotely_and_transfers_by_form() {
    let app = TestApp::spawn().await;
    let (item, materials) = yongshou_item(&app, "教师资格").await;
    let station = app.console_client("jj_station").await;
    let page = |client: &reqwest::Client, path: String| {
        let (client, url) = (client.clone(), app.url(&path));
        async move { client.get(url).send().await.expect("get").text().await.expect("body") }
    };
    let html = page(&station, "/console/cases/new".into()).await;
    assert!(html.contains("异地收件（其他单位事项") && html.contains(&item), "{html}");

    let html = page(&station, format!("/console/cases/new?item={item}")).await;
    assert!(html.contains("remote-intake-note") && html.contains("name=\"channel\" value=\"REMOTE\""), "{html}");
    let csrf = TestApp::csrf_of(&html);
    let case_id = collect_remotely(&app, &station, &html, &item, &materials).await;

    let jj = app.token("jj_station").await;
    let ys = app.token("ys_window").await;
    let allowed = "query($id: ID!) { case(id: $id) { status channel collectingTenant { code } allowedActions transfers { status note } } }";
    let r = app.gql(Some(&jj), allowed, json!({ "id": case_id })).await;
    let c = ok(&r, "case");
    assert_eq!(c["channel"], "REMOTE");
    assert_eq!(c["collectingTenant"]["code"], tests::JIANJUN);
    assert_eq!(c["allowedActions"], json!(["TRANSFER", "REQUEST_CORRECTION", "REJECT", "WITHDRAW"]), "{r}");
    let r = app.gql(Some(&ys), allowed, json!({ "id": case_id })).await;
    assert_eq!(ok(&r, "case")["allowedActions"], json!([]), "the handler waits for the transfer: {r}");

    let html = page(&station, format!("/console/cases/{case_id}")).await;
    assert!(html.contains("transfer-form") && html.contains("（异地收件）"), "{html}");
    let transfer = [("csrf", csrf.as_str()), ("note", "材料齐全"), ("key", "form-1")];
    // A double submit of the same form sends one transfer.
    for _ in 0..2 {
        let r = station.post(app.url(&format!("/console/cases/{case_id}/transfer"))).form(&transfer).send().await;
        assert_eq!(r.expect("post").status(), 303);
    }
    let r = app.gql(Some(&jj), allowed, json!({ "id": case_id })).await;
    let c = ok(&r, "case");
    assert_eq!(c["status"], "TRANSFERRED");
    // Nothing to do at the collector until the handler has decided: no delivery of an open case.
    assert_eq!(c["allowedActions"], json!([]), "{r}");
    let r = app
        .gql(
            Some(&jj),
            "mutation($id: ID!) { deliverCase(id: $id, method: WINDOW) { status } }",
            json!({ "id": case_id }),
        )
        .await;
    assert_eq!(error_code(&r), "ILLEGAL_TRANSITION", "{r}");
    assert_eq!(c["transfers"], json!([{ "status": "SENT", "note": "材料齐全" }]));
    let html = page(&station, format!("/console/cases/{case_id}")).await;
    assert!(html.contains("case-transfers") && html.contains("已发送") && !html.contains("transfer-form"), "{html}");
    // Another request under a used key is refused at the form.
    let again = [("csrf", csrf.as_str()), ("note", "另一说明"), ("key", "form-1")];
    let r = station.post(app.url(&format!("/console/cases/{case_id}/transfer"))).form(&again).send().await;
    assert_eq!(r.expect("post").status(), 409);
}

/// The actions on a transfer come from the domain: for each status and each side and role, the
/// console shows exactly the buttons `Transfer.allowedActions` lists, the mutations refuse every
/// other step (changing nothing), and accept the ones listed.
#[tokio::test]
async fn transfer_actions_come_from_the_domain_for_every_status_and_side() {
    let app = TestApp::spawn_with(|c| c.login_attempts_per_client = 100).await;
    let qd = qindu_window(&app).await;
    let ys = app.token("ys_window").await;
    let (item, materials) = yongshou_item(&app, "教师资格").await;
    // Five remote intakes, each transfer brought to one status.
    let mut ids = Vec::new();
    let mut cases = Vec::new();
    for n in 0..5 {
        let r = remote_intake(&app, &qd, &item, &materials).await;
        let case_id = ok(&r, "submitCase")["case"]["id"].as_str().expect("id").to_owned();
        let r = app.gql(Some(&qd), TRANSFER, json!({ "c": case_id, "n": "请办理", "k": format!("steps-{n}") })).await;
        ids.push(ok(&r, "transferCase")["id"].as_str().expect("id").to_owned());
        cases.push(case_id);
    }
    for id in &ids[1..] {
        assert_eq!(
            ok(&app.gql(Some(&ys), RECEIVE, json!({ "id": id })).await, "receiveTransfer")["status"],
            "RECEIVED"
        );
    }
    for id in &ids[2..4] {
        assert_eq!(ok(&app.gql(Some(&ys), ACCEPT, json!({ "id": id })).await, "acceptTransfer")["status"], "ACCEPTED");
    }
    let r = app.gql(Some(&ys), RETURN, json!({ "id": ids[4], "r": "材料不全" })).await;
    assert_eq!(ok(&r, "returnTransfer")["status"], "RETURNED");
    let approver = app.token("ys_approver").await;
    let decide = "mutation($id: ID!) { decideCase(id: $id, approve: true, opinion: \"符合条件\") { status } }";
    assert_eq!(
        ok(&app.gql(Some(&approver), decide, json!({ "id": cases[3] })).await, "decideCase")["status"],
        "APPROVED"
    );
    let statuses = ["SENT", "RECEIVED", "ACCEPTED", "RESULT_RETURNED", "RETURNED"];
    let q = "query($id: ID!) { transfer(id: $id) { status allowedActions } }";
    for (id, status) in ids.iter().zip(statuses) {
        assert_eq!(ok(&app.gql(Some(&ys), q, json!({ "id": id })).await, "transfer")["status"], status);
    }

    let handler = |status: &str| -> &[&str] {
        match status {
            "SENT" => &["RECEIVE", "RETURN"],
            "RECEIVED" => &["ACCEPT", "RETURN"],
            _ => &[],
        }
    };
    let steps = [("RECEIVE", "receive", RECEIVE), ("ACCEPT", "accept", ACCEPT), ("RETURN", "return", RETURN)];
    // The handler's window acts; its approver and administrator, the collector and a town do not.
    for (user, acts, sees) in [
        ("ys_window", true, true),
        ("ys_approver", false, true),
        ("ys_admin", false, true),
        ("qd_window", false, true),
        ("jj_station", false, false),
    ] {
        let token = app.token(user).await;
        let console = app.console_client(user).await;
        let mut html = String::new();
        for dir in ["in", "out"] {
            let url = app.url(&format!("/console/transfers?direction={dir}"));
            html.push_str(&console.get(url).send().await.expect("list").text().await.expect("html"));
        }
        for (id, status) in ids.iter().zip(statuses) {
            let r = app.gql(Some(&token), q, json!({ "id": id })).await;
            if !sees {
                assert_eq!(error_code(&r), "NOT_FOUND", "{user}: {r}");
            }
            let allowed: Vec<&str> = r["data"]["transfer"]["allowedActions"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let want: &[&str] = if acts { handler(status) } else { &[] };
            assert_eq!(allowed, want, "{user} on a {status} transfer");
            // The page: exactly those buttons on the transfer's row.
            let row = html
                .split(&format!("data-transfer=\"{id}\""))
                .nth(1)
                .and_then(|r| r.split("</tr>").next())
                .unwrap_or_default();
            assert_eq!(row.is_empty(), !sees, "{user}: the row of a {status} transfer");
            for (action, path, _) in steps {
                let shown = row.contains(&format!("/console/transfers/{id}/{path}\""));
                assert_eq!(shown, allowed.contains(&action), "{user}: {action} on a {status} transfer, row: {row}");
            }
            // The mutations: a step not offered is refused and changes nothing.
            for (action, _, m) in steps {
                if allowed.contains(&action) {
                    continue;
                }
                let r = app.gql(Some(&token), m, json!({ "id": id, "r": "退回理由" })).await;
                let code = error_code(&r);
                assert!(
                    ["FORBIDDEN", "ILLEGAL_TRANSITION", "NOT_FOUND"].contains(&code),
                    "{user} {action} on {status}: {r}"
                );
            }
        }
    }
    for (id, status) in ids.iter().zip(statuses) {
        assert_eq!(ok(&app.gql(Some(&ys), q, json!({ "id": id })).await, "transfer")["status"], status, "unchanged");
    }
    // The offered steps are accepted: return the unsigned one, accept the signed one.
    let r = app.gql(Some(&ys), RETURN, json!({ "id": ids[0], "r": "不属于本地办理" })).await;
    assert_eq!(ok(&r, "returnTransfer")["status"], "RETURNED");
    assert_eq!(ok(&app.gql(Some(&ys), ACCEPT, json!({ "id": ids[1] })).await, "acceptTransfer")["status"], "ACCEPTED");
}

/// A refused return shows the inbox again: the error in Chinese next to the reason, what was
/// typed kept, the transfer unchanged; a step the status no longer allows answers at its row.
#[tokio::test]
async fn the_transfer_return_form_keeps_what_was_typed_on_an_error() {
    let app = TestApp::spawn().await;
    let qd = qindu_window(&app).await;
    let (item, materials) = yongshou_item(&app, "教师资格").await;
    let r = remote_intake(&app, &qd, &item, &materials).await;
    let case_id = ok(&r, "submitCase")["case"]["id"].as_str().expect("id").to_owned();
    let r = app.gql(Some(&qd), TRANSFER, json!({ "c": case_id, "n": "请签收", "k": "form" })).await;
    let id = ok(&r, "transferCase")["id"].as_str().expect("id").to_owned();

    let county = app.console_client("ys_window").await;
    let html = county.get(app.url("/console/transfers")).send().await.expect("get").text().await.expect("html");
    assert!(html.contains(&format!(r#"<label for="reason-{id}">退回理由"#)), "the form macros: {html}");
    let csrf = TestApp::csrf_of(&html);
    let long = "x".repeat(2001);
    let r = county
        .post(app.url(&format!("/console/transfers/{id}/return")))
        .form(&[("csrf", csrf.as_str()), ("reason", long.as_str()), ("after", "")])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 400);
    let html = r.text().await.expect("html");
    assert!(!html.contains("请求有误"), "no separate error page: {html}");
    let error = html.split(&format!(r#"id="reason-{id}-error""#)).nth(1).expect("the error at the reason");
    assert!(error.contains("退回理由"), "{error}");
    assert!(html.contains(&format!(">{long}</textarea>")), "the reason typed is kept");
    let r = app.gql(Some(&qd), ONE, json!({ "id": id })).await;
    assert_eq!(ok(&r, "transfer")["status"], "SENT", "nothing changed");

    // Accepting an unsigned transfer (a stale page): the error at the row, not a separate page.
    let r = county
        .post(app.url(&format!("/console/transfers/{id}/accept")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 409);
    let html = r.text().await.expect("html");
    let row = html.split(&format!("data-transfer=\"{id}\"")).nth(1).and_then(|r| r.split("</tr>").next());
    assert!(row.is_some_and(|r| r.contains("先签收") && r.contains("form-error")), "{html}");
}
