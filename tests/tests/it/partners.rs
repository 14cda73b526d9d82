//! Cross-province handling (跨省通办) between two deployments: the partner registry, the outbox
//! that delivers a transfer to the partner handling it, and the status reports that come back.
//! Deployment A (the collector, 秦都区) sends to deployment B (the handler, 永寿县).

use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};
use tests::{QINDU, ServerProcess, TestApp, YONGSHOU, error_code};

const PARTNER_KEY: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const REGISTER: &str =
    "mutation($i: PartnerInput!) { registerPartner(input: $i) { id name regionPrefixes baseUrl clientId } }";
const HEALTH: &str =
    "{ outboxHealth { depth oldestAt oldestAgeSeconds parkedCount parked { id topic attempts lastError } } }";
const SUBMIT: &str = "mutation($i: SubmitCaseInput!) { submitCase(input: $i) { case { id } } }";
const TRANSFER: &str = "mutation($c: ID!, $k: String!) { transferCase(caseId: $c, idempotencyKey: $k) { id status } }";
const ONE: &str = "query($id: ID!) { transfer(id: $id) { id status returnReason case { id status } } }";
const INBOUND: &str = "{ transfers(direction: INBOUND, first: 100) { totalCount nodes { id status case { id } } } }";

fn ok<'a>(r: &'a Value, field: &str) -> &'a Value {
    assert!(r["errors"].is_null(), "{field}: {r}");
    &r["data"][field]
}

fn with_key(c: &mut api::config::Config) {
    c.partner_key = Some(PARTNER_KEY.to_owned().into());
    c.outbox_retry_base_ms = 50;
    c.outbox_retry_max_ms = 1_000;
}

/// A service account of `tenant` and its secret: what the other deployment registers.
async fn service_account(app: &TestApp, tenant: &str) -> (String, String) {
    let platform = app.token("platform").await;
    let r = app
        .gql(
            Some(&platform),
            "mutation($t: RegionCode!) { createServiceAccount(tenant: $t, name: \"跨省通办\") { clientId clientSecret } }",
            json!({ "t": tenant }),
        )
        .await;
    let sa = ok(&r, "createServiceAccount");
    (sa["clientId"].as_str().expect("id").to_owned(), sa["clientSecret"].as_str().expect("secret").to_owned())
}

/// Registers at `at` the deployment behind `base` as serving `prefix`, with a service account there.
async fn register(at: &TestApp, name: &str, prefix: &str, base: &str, (id, secret): &(String, String)) -> Value {
    let platform = at.token("platform").await;
    let r = at
        .gql(
            Some(&platform),
            REGISTER,
            json!({ "i": { "name": name, "regionPrefixes": [prefix], "baseUrl": base, "clientId": id, "clientSecret": secret } }),
        )
        .await;
    ok(&r, "registerPartner").clone()
}

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

/// 永寿县's 教师资格 item (the same in both seeded deployments) and its materials.
async fn item(app: &TestApp) -> (String, Vec<String>) {
    let window = app.token("ys_window").await;
    let r = app
        .gql(
            Some(&window),
            "query($t: RegionCode!) { implItems(tenant: $t, keyword: \"教师资格\", status: PUBLISHED) { nodes { id materials { name } } } }",
            json!({ "t": YONGSHOU }),
        )
        .await;
    let node = &r["data"]["implItems"]["nodes"][0];
    let id = node["id"].as_str().expect("item").to_owned();
    let materials = node["materials"]
        .as_array()
        .map(|ms| ms.iter().filter_map(|m| m["name"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    (id, materials)
}

/// A server the test speaks GraphQL to: in this process or a process of its own.
trait Gql {
    async fn call(&self, token: Option<&str>, query: &str, variables: Value) -> Value;
}

impl Gql for TestApp {
    async fn call(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        self.gql(token, query, variables).await
    }
}

impl Gql for ServerProcess {
    async fn call(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        self.gql(token, query, variables).await
    }
}

/// A remote intake at 秦都区 for 永寿县, transferred with `key`: the transfer's id at A.
async fn send(app: &impl Gql, token: &str, item: &str, materials: &[String], key: &str) -> String {
    let input = json!({ "i": {
        "implItemId": item,
        "applicant": { "kind": "PERSON", "name": "王小明", "idNumber": "11010519491231002X" },
        "providedMaterials": materials,
        "channel": "REMOTE",
    } });
    let r = app.call(Some(token), SUBMIT, input).await;
    let case = ok(&r, "submitCase")["case"]["id"].as_str().expect("case").to_owned();
    let r = app.call(Some(token), TRANSFER, json!({ "c": case, "k": key })).await;
    ok(&r, "transferCase")["id"].as_str().expect("transfer").to_owned()
}

/// Polls `check` every 50 ms until it holds, for at most `secs`.
async fn until<F, Fut>(secs: u64, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let end = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < end {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("not within {secs} s: {what}");
}

async fn count(db: &sea_orm::DatabaseConnection, sql: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql.to_owned()))
        .await
        .expect("count")
        .expect("row");
    row.try_get_by_index::<i64>(0).expect("n")
}

#[tokio::test]
async fn the_platform_admin_registers_partners_whose_secret_stays_sealed() {
    let app = TestApp::spawn_with(with_key).await;
    let sa = ("ys-client".to_owned(), "a-very-secret-secret".to_owned());
    let p = register(&app, "浙江省政务服务平台", "33", "https://zw.example.cn/", &sa).await;
    assert_eq!(p["regionPrefixes"], json!(["33"]));
    assert_eq!(p["baseUrl"], "https://zw.example.cn");
    let platform = app.token("platform").await;
    let r = app.gql(Some(&platform), "{ partners { name clientId } }", json!({})).await;
    assert_eq!(ok(&r, "partners")[0]["clientId"], "ys-client");
    // No field returns the secret; at rest it is sealed; the audit entry does not carry it either.
    let r = app.gql(Some(&platform), "{ partners { clientSecret } }", json!({})).await;
    assert!(r["errors"].is_array(), "{r}");
    let db = app.owner_db().await;
    let sealed = count(
        &db,
        "SELECT COUNT(*) FROM partners WHERE secret_sealed LIKE 'v1:%' AND secret_sealed NOT LIKE '%a-very-secret%'",
    )
    .await;
    assert_eq!(sealed, 1);
    let audited = count(
        &db,
        "SELECT COUNT(*) FROM audit_log WHERE action = 'partner.create' AND after_json NOT LIKE '%a-very-secret%'",
    )
    .await;
    assert_eq!(audited, 1);

    // One prefix, one partner; hostile input; only the platform administrator.
    let r = app
        .gql(
            Some(&platform),
            REGISTER,
            json!({ "i": { "name": "另一平台", "regionPrefixes": ["33"], "baseUrl": "https://b.example.cn", "clientId": "x", "clientSecret": "y" } }),
        )
        .await;
    assert_eq!(error_code(&r), "CONFLICT", "{r}");
    for (prefixes, url) in [(json!(["3x"]), "https://b.example.cn"), (json!(["44"]), "file:///etc/passwd")] {
        let r = app
            .gql(
                Some(&platform),
                REGISTER,
                json!({ "i": { "name": "坏", "regionPrefixes": prefixes, "baseUrl": url, "clientId": "x", "clientSecret": "y" } }),
            )
            .await;
        assert_eq!(error_code(&r), "INVALID_INPUT", "{r}");
    }
    let admin = app.token("ys_admin").await;
    for q in ["{ partners { name } }", HEALTH] {
        let r = app.gql(Some(&admin), q, json!({})).await;
        assert_eq!(error_code(&r), "FORBIDDEN", "{r}");
    }
    let r = app.gql(Some(&platform), HEALTH, json!({})).await;
    assert_eq!(ok(&r, "outboxHealth")["depth"], 0);

    // Updated without a secret keeps it; removed, it is gone.
    let id = p["id"].as_str().expect("id");
    let r = app
        .gql(
            Some(&platform),
            "mutation($id: ID!, $i: PartnerInput!) { updatePartner(id: $id, input: $i) { regionPrefixes } }",
            json!({ "id": id, "i": { "name": "浙江省政务服务平台", "regionPrefixes": ["33", "3301"], "baseUrl": "https://zw.example.cn", "clientId": "ys-client" } }),
        )
        .await;
    assert_eq!(ok(&r, "updatePartner")["regionPrefixes"], json!(["33", "3301"]));
    assert_eq!(count(&db, "SELECT COUNT(*) FROM partners WHERE secret_sealed LIKE 'v1:%'").await, 1);
    let r = app.gql(Some(&platform), "mutation($id: ID!) { removePartner(id: $id) }", json!({ "id": id })).await;
    assert_eq!(ok(&r, "removePartner"), true);
    let r = app.gql(Some(&platform), "{ partners { name } }", json!({})).await;
    assert_eq!(ok(&r, "partners"), &json!([]));
}

/// The registry's form registers and changes partners; a refused one shows the page again, the
/// Chinese error next to its field, what was typed kept (never the secret), nothing changed.
#[tokio::test]
async fn the_partner_form_keeps_what_was_typed_on_an_error() {
    let app = TestApp::spawn_with(with_key).await;
    let platform = app.token("platform").await;
    let console = app.console_client("platform").await;
    let html = console.get(app.url("/console/partners")).send().await.expect("get").text().await.expect("body");
    assert!(html.contains(r#"<label for="partner-base-url">接口地址"#), "the form macros: {html}");
    let csrf = TestApp::csrf_of(&html);
    let post = |fields: Vec<(&'static str, String)>| {
        let (client, url) = (console.clone(), app.url("/console/partners"));
        let mut fields = fields;
        fields.push(("csrf", csrf.clone()));
        async move { client.post(url).form(&fields).send().await.expect("post") }
    };
    let form = |id: &str, prefixes: &str, url: &str, secret: &str| {
        vec![
            ("id", id.to_owned()),
            ("name", "浙江省政务服务平台".to_owned()),
            ("prefixes", prefixes.to_owned()),
            ("base_url", url.to_owned()),
            ("client_id", "zj-client".to_owned()),
            ("client_secret", secret.to_owned()),
        ]
    };
    for (prefixes, url, field, words) in [
        ("33", "ftp://zw.example.cn", "partner-base-url", "接口地址须以"),
        ("3x", "https://zw.example.cn", "partner-prefixes", "区划代码前缀"),
    ] {
        let r = post(form("", prefixes, url, "sealed-secret-123")).await;
        assert_eq!(r.status(), 400, "{prefixes} {url}");
        let html = r.text().await.expect("body");
        assert!(!html.contains("请求有误"), "no separate error page: {html}");
        let error = html.split(&format!(r#"id="{field}-error""#)).nth(1).expect("the error at its field");
        assert!(error.split("</p>").next().is_some_and(|e| e.contains(words)), "{error}");
        assert!(html.contains(r#"value="浙江省政务服务平台""#) && html.contains(&format!(r#"value="{url}""#)), "kept");
        assert!(html.contains(&format!(r#"value="{prefixes}""#)) && html.contains(r#"value="zj-client""#), "kept");
        assert!(!html.contains("sealed-secret-123"), "never the secret");
    }
    assert_eq!(ok(&app.gql(Some(&platform), "{ partners { name } }", json!({})).await, "partners"), &json!([]));

    // Registered, then changed on its own form (修改): its values shown, a bad change refused at
    // the field with the form still the change, a good one saved with the secret kept.
    let r = post(form("", "33", "https://zw.example.cn", "sealed-secret-123")).await;
    assert_eq!(r.status(), 303);
    let r = app.gql(Some(&platform), "{ partners { id name regionPrefixes } }", json!({})).await;
    let id = ok(&r, "partners")[0]["id"].as_str().expect("id").to_owned();
    let html = console
        .get(app.url(&format!("/console/partners?edit={id}")))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("body");
    assert!(html.contains("修改合作方") && html.contains(&format!(r#"name="id" value="{id}""#)), "{html}");
    assert!(html.contains(r#"value="zj-client""#) && html.contains(r#"value="33""#), "{html}");
    let r = post(form(&id, "33, 3x", "https://zw.example.cn", "")).await;
    assert_eq!(r.status(), 400);
    let html = r.text().await.expect("body");
    assert!(html.contains(r#"id="partner-prefixes-error""#) && html.contains(r#"value="33, 3x""#), "{html}");
    assert!(html.contains("修改合作方") && html.contains(&format!(r#"name="id" value="{id}""#)), "still the change");
    let r = post(form(&id, "33, 3301", "https://zw.example.cn", "")).await;
    assert_eq!(r.status(), 303);
    let r = app.gql(Some(&platform), "{ partners { regionPrefixes } }", json!({})).await;
    assert_eq!(ok(&r, "partners")[0]["regionPrefixes"], json!(["33", "3301"]));
    let db = app.owner_db().await;
    assert_eq!(count(&db, "SELECT COUNT(*) FROM partners WHERE secret_sealed LIKE 'v1:%'").await, 1, "secret kept");
}

#[tokio::test]
async fn a_partner_that_cannot_be_reached_parks_the_message_and_it_can_be_retried() {
    let app = TestApp::spawn_with(|c| {
        with_key(c);
        c.outbox_max_attempts = 2;
    })
    .await;
    // Nobody listens there.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("port").port();
    register(
        &app,
        "永寿县（另一部署）",
        "610426",
        &format!("http://127.0.0.1:{dead}"),
        &("c".into(), "parked-secret-xyz".into()),
    )
    .await;
    let qd = qindu_window(&app).await;
    let (item, materials) = item(&app).await;
    send(&app, &qd, &item, &materials, "parked-1").await;
    let platform = app.token("platform").await;
    let end = Instant::now() + Duration::from_secs(15);
    let parked = loop {
        let r = app.gql(Some(&platform), HEALTH, json!({})).await;
        let h = r["data"]["outboxHealth"].clone();
        if h["parkedCount"] == 1 {
            break h;
        }
        assert!(Instant::now() < end, "not parked: {r}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(parked["depth"], 0);
    let msg = &parked["parked"][0];
    assert_eq!(msg["attempts"], 2);
    assert!(msg["lastError"].as_str().is_some_and(|e| e.contains("无法连接合作方")), "{parked}");
    // The console shows it with its error and a retry button; other users do not get the page.
    let console = app.console_client("platform").await;
    let html = console.get(app.url("/console/partners")).send().await.expect("get").text().await.expect("body");
    let id = msg["id"].as_str().expect("id");
    assert!(html.contains("永寿县（另一部署）") && html.contains(id) && html.contains("无法连接合作方"), "{html}");
    assert!(html.contains(&format!("/console/partners/{id}/retry")));
    assert!(!html.contains("parked-secret-xyz"), "no secret on the page");
    let clerk = app.console_client("ys_window").await;
    let page = clerk.get(app.url("/console/partners")).send().await.expect("get");
    let body = page.text().await.expect("body");
    assert!(!body.contains(id), "{body}");
    let r = app
        .gql(Some(&platform), "mutation($id: ID!) { retryOutboxMessage(id: $id) }", json!({ "id": msg["id"] }))
        .await;
    assert_eq!(ok(&r, "retryOutboxMessage"), true);
    let r = app
        .gql(Some(&platform), "mutation($id: ID!) { retryOutboxMessage(id: $id) }", json!({ "id": msg["id"] }))
        .await;
    assert!(matches!(error_code(&r), "NOT_FOUND" | "<none>"), "{r}");
    let metrics = app.client.get(app.url("/metrics")).send().await.expect("metrics").text().await.expect("body");
    for m in [
        "tongban_outbox_depth",
        "tongban_outbox_oldest_age_seconds",
        "tongban_outbox_failures_total",
        "tongban_outbox_deliveries_total",
    ] {
        assert!(metrics.contains(m), "{m}");
    }
}

#[tokio::test]
async fn a_case_goes_to_the_partner_is_decided_there_and_its_result_comes_back() {
    let a = TestApp::spawn_with(with_key).await;
    let b = TestApp::spawn_with(with_key).await;
    register(&a, "永寿县（B部署）", "610426", &b.address, &service_account(&b, YONGSHOU).await).await;
    register(&b, "秦都区（A部署）", "610402", &a.address, &service_account(&a, QINDU).await).await;
    let qd = qindu_window(&a).await;
    let (item_a, materials) = item(&a).await;
    let sent = send(&a, &qd, &item_a, &materials, "xp-1").await;

    // It arrives at B's 永寿县 as a partner's transfer.
    let ys = b.token("ys_window").await;
    let end = Instant::now() + Duration::from_secs(20);
    let inbound = loop {
        let r = b.gql(Some(&ys), INBOUND, json!({})).await;
        if r["data"]["transfers"]["totalCount"] == 1 {
            break r;
        }
        assert!(Instant::now() < end, "not arrived: {r}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let remote = inbound["data"]["transfers"]["nodes"][0].clone();
    let remote_id = remote["id"].as_str().expect("id").to_owned();
    let r = b
        .gql(
            Some(&ys),
            "query($id: ID!) { transfer(id: $id) { from { code } fromCenter remoteCaseNo } }",
            json!({ "id": remote_id }),
        )
        .await;
    assert_eq!(ok(&r, "transfer")["from"]["code"], QINDU);

    // Signed, accepted and decided at B; A's transfer and case follow.
    let status_at_a = |want: &'static str| {
        let (a, qd, sent) = (&a, &qd, &sent);
        move || async move {
            let r = a.gql(Some(qd), ONE, json!({ "id": sent })).await;
            r["data"]["transfer"]["status"] == want
        }
    };
    let r = b
        .gql(Some(&ys), "mutation($id: ID!) { receiveTransfer(id: $id) { status } }", json!({ "id": remote_id }))
        .await;
    assert_eq!(ok(&r, "receiveTransfer")["status"], "RECEIVED");
    until(20, "RECEIVED at A", status_at_a("RECEIVED")).await;
    let r =
        b.gql(Some(&ys), "mutation($id: ID!) { acceptTransfer(id: $id) { status } }", json!({ "id": remote_id })).await;
    assert_eq!(ok(&r, "acceptTransfer")["status"], "ACCEPTED");
    until(20, "ACCEPTED at A", status_at_a("ACCEPTED")).await;
    let approver = b.token("ys_approver").await;
    let r = b
        .gql(
            Some(&approver),
            "mutation($id: ID!) { decideCase(id: $id, approve: true, opinion: \"符合条件\") { status } }",
            json!({ "id": remote["case"]["id"] }),
        )
        .await;
    assert_eq!(ok(&r, "decideCase")["status"], "APPROVED");
    until(20, "RESULT_RETURNED at A", status_at_a("RESULT_RETURNED")).await;

    // The collector delivers the result.
    let r = a.gql(Some(&qd), ONE, json!({ "id": sent })).await;
    let case = ok(&r, "transfer")["case"].clone();
    assert_eq!(case["status"], "APPROVED");
    let r = a
        .gql(
            Some(&qd),
            "mutation($id: ID!) { deliverCase(id: $id, method: WINDOW) { status } }",
            json!({ "id": case["id"] }),
        )
        .await;
    assert_eq!(ok(&r, "deliverCase")["status"], "DELIVERED");

    // Another one is returned at B: A's transfer shows the reason and its collector may send again.
    let second = send(&a, &qd, &item_a, &materials, "xp-2").await;
    let end = Instant::now() + Duration::from_secs(20);
    let returned_id = loop {
        let r = b.gql(Some(&ys), INBOUND, json!({})).await;
        let nodes = r["data"]["transfers"]["nodes"].as_array().cloned().unwrap_or_default();
        if let Some(n) = nodes.iter().find(|n| n["status"] == "SENT") {
            break n["id"].as_str().expect("id").to_owned();
        }
        assert!(Instant::now() < end, "the second did not arrive: {r}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let r = b
        .gql(
            Some(&ys),
            "mutation($id: ID!) { returnTransfer(id: $id, reason: \"缺少学历证明原件\") { status } }",
            json!({ "id": returned_id }),
        )
        .await;
    assert_eq!(ok(&r, "returnTransfer")["status"], "RETURNED");
    let end = Instant::now() + Duration::from_secs(20);
    loop {
        let r = a.gql(Some(&qd), ONE, json!({ "id": second })).await;
        if r["data"]["transfer"]["status"] == "RETURNED" {
            assert_eq!(r["data"]["transfer"]["returnReason"], "缺少学历证明原件");
            break;
        }
        assert!(Instant::now() < end, "not returned at A: {r}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Exactly once on both sides; both outboxes drained.
    let (da, db) = (a.owner_db().await, b.owner_db().await);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM transfers").await, 2);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM cases WHERE channel = 'REMOTE'").await, 2);
    assert_eq!(count(&da, "SELECT COUNT(*) FROM outbox WHERE status = 'DONE'").await, 2);
    until(10, "B's reports all delivered", || {
        let db = &db;
        async move { count(db, "SELECT COUNT(*) FROM outbox WHERE status = 'DONE'").await == 4 }
    })
    .await;
    // A report delivered again changes nothing.
    let (id, secret) = service_account(&a, QINDU).await;
    let q = "mutation($i: String!, $s: String!) { serviceToken(clientId: $i, clientSecret: $s) { accessToken } }";
    let r = a.gql(None, q, json!({ "i": id, "s": secret })).await;
    let token = ok(&r, "serviceToken")["accessToken"].as_str().expect("token").to_owned();
    let r = a
        .gql(
            Some(&token),
            "mutation($i: TransferStatusReport!) { reportTransferStatus(input: $i) { status } }",
            json!({ "i": { "idempotencyKey": "xp-1", "fromRegion": QINDU, "toRegion": YONGSHOU, "status": "ACCEPTED" } }),
        )
        .await;
    assert_eq!(ok(&r, "reportTransferStatus")["status"], "RESULT_RETURNED");
}

/// Two real server processes per deployment side, each deployment with its own PostgreSQL
/// database: 200 transfers pending when the sender is killed (SIGKILL) and restarted, and the
/// receiver killed while it answers; every transfer arrives exactly once.
#[tokio::test]
async fn transfers_survive_killed_senders_and_receivers_exactly_once() {
    if tests::postgres_base().is_none() {
        eprintln!("skipped: needs TONGBAN_TEST_DATABASE_URL (PostgreSQL)");
        return;
    }
    const N: usize = 200;
    let bin = env!("CARGO_BIN_EXE_tongban-under-test");
    let env = [
        ("TONGBAN_PARTNER_KEY", PARTNER_KEY),
        ("TONGBAN_OUTBOX_RETRY_BASE_MS", "50"),
        ("TONGBAN_OUTBOX_RETRY_MAX_MS", "1000"),
        ("TONGBAN_DB_MAX_CONNECTIONS", "6"),
        // A killed sender's claimed messages come free after 3 s.
        ("TONGBAN_OUTBOX_LEASE_SECS", "3"),
        ("TONGBAN_OUTBOX_TIMEOUT_SECS", "1"),
        ("TONGBAN_OUTBOX_BATCH", "10"),
    ];
    // The in-process servers only set up and load; the processes deliver.
    let quiet = |c: &mut api::config::Config| {
        with_key(c);
        c.outbox_worker = false;
    };
    let a = TestApp::spawn_with(quiet).await;
    let b = TestApp::spawn_with(quiet).await;
    let b_proc = ServerProcess::start(bin, &b, &env).await;
    let b_port = b_proc.port();
    register(&a, "永寿县（B部署）", "610426", &b_proc.address, &service_account(&b, YONGSHOU).await).await;
    let qd = qindu_window(&a).await;
    let (item_a, materials) = item(&a).await;
    use futures::StreamExt;
    futures::stream::iter(0..N)
        .for_each_concurrent(8, |i| {
            let (a, qd, item_a, materials) = (&a, &qd, &item_a, &materials);
            async move {
                send(a, qd, item_a, materials, &format!("kill-{i}")).await;
            }
        })
        .await;
    let (da, db) = (a.owner_db().await, b.owner_db().await);
    assert_eq!(count(&da, "SELECT COUNT(*) FROM outbox WHERE status = 'PENDING'").await, N as i64);
    let arrived = || {
        let db = &db;
        async move { count(db, "SELECT COUNT(*) FROM transfers").await }
    };

    // The sender starts delivering and is killed on the way.
    let a_proc = ServerProcess::start(bin, &a, &env).await;
    let a_port = a_proc.port();
    until(60, "some arrive", || async { arrived().await >= 20 }).await;
    a_proc.kill();
    let at_kill = arrived().await;
    let restarted = Instant::now();
    let a_proc = ServerProcess::start_at(bin, &a, &env, a_port).await;
    // The receiver is killed while it answers, and comes back on its address.
    until(60, "more arrive", || async { arrived().await >= (at_kill + 20).min(N as i64 - 1) }).await;
    b_proc.kill();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let b_proc = ServerProcess::start_at(bin, &b, &env, b_port).await;
    until(90, "all arrive", || async { arrived().await == N as i64 }).await;
    let drained = restarted.elapsed();
    until(30, "the sender's outbox is drained", || {
        let da = &da;
        async move { count(da, "SELECT COUNT(*) FROM outbox WHERE status = 'DONE'").await == N as i64 }
    })
    .await;
    eprintln!("{N} transfers; {at_kill} arrived before the sender was killed; all within {drained:?} of its restart");

    // Exactly once: one transfer and one case per key at B, no more.
    assert_eq!(
        count(&db, "SELECT COUNT(DISTINCT idempotency_key) FROM transfers WHERE from_code = '610402000000'").await,
        N as i64
    );
    assert_eq!(count(&db, "SELECT COUNT(*) FROM transfers").await, N as i64);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM cases WHERE channel = 'REMOTE'").await, N as i64);
    assert_eq!(count(&da, "SELECT COUNT(*) FROM transfers").await, N as i64);
    assert_eq!(count(&da, "SELECT COUNT(*) FROM outbox WHERE status <> 'DONE'").await, 0);
    drop((a_proc, b_proc));
}

/// The variant over a real network, where the machine allows it (root and iproute2): the two
/// deployments run as two hosts (network namespaces on a bridge). The link to the receiver is cut
/// while 100 transfers are sent and stays down while the sender retries; restored, the sender is
/// killed (SIGKILL) on the way and restarted on its host. Every transfer arrives exactly once.
#[tokio::test]
async fn transfers_cross_a_real_link_cut_for_a_while_exactly_once() {
    let Some(base) = tests::postgres_base() else {
        eprintln!("skipped: needs TONGBAN_TEST_DATABASE_URL (PostgreSQL)");
        return;
    };
    if tests::netns::postgres_over_socket(&base).is_none() {
        eprintln!("skipped: PostgreSQL has no unix socket to reach it from a network namespace");
        return;
    }
    let net = match tests::netns::Net::create(2) {
        Ok(net) => net,
        Err(why) => {
            eprintln!("skipped: {why}");
            return;
        }
    };
    const N: usize = 100;
    // Each host has the port to itself.
    const PORT: u16 = 8080;
    let bin = env!("CARGO_BIN_EXE_tongban-under-test");
    let env = [
        ("TONGBAN_PARTNER_KEY", PARTNER_KEY),
        ("TONGBAN_OUTBOX_RETRY_BASE_MS", "50"),
        ("TONGBAN_OUTBOX_RETRY_MAX_MS", "1000"),
        // An outage is retried through, not parked.
        ("TONGBAN_OUTBOX_MAX_ATTEMPTS", "1000"),
        ("TONGBAN_DB_MAX_CONNECTIONS", "6"),
        ("TONGBAN_OUTBOX_LEASE_SECS", "3"),
        ("TONGBAN_OUTBOX_TIMEOUT_SECS", "1"),
        ("TONGBAN_OUTBOX_BATCH", "10"),
    ];
    let quiet = |c: &mut api::config::Config| {
        with_key(c);
        c.outbox_worker = false;
    };
    let a = TestApp::spawn_with(quiet).await;
    let b = TestApp::spawn_with(quiet).await;
    let (host_a, host_b) = (net.host(0), net.host(1));
    let b_proc = ServerProcess::start_in(bin, &b, &net, host_b, &env, PORT).await;
    register(&a, "永寿县（B部署）", "610426", &b_proc.address, &service_account(&b, YONGSHOU).await).await;
    let qd = qindu_window(&a).await;
    let platform = a.token("platform").await;
    let (item_a, materials) = item(&a).await;
    let (da, db) = (a.owner_db().await, b.owner_db().await);
    let arrived = || {
        let db = &db;
        async move { count(db, "SELECT COUNT(*) FROM transfers").await }
    };

    // B's link is cut; the transfers are collected at A, on its host, whose worker keeps trying.
    net.cut(1);
    let cut = Instant::now();
    let a_proc = ServerProcess::start_in(bin, &a, &net, host_a, &env, PORT).await;
    use futures::StreamExt;
    futures::stream::iter(0..N)
        .for_each_concurrent(8, |i| {
            let (a_proc, qd, item_a, materials) = (&a_proc, &qd, &item_a, &materials);
            async move {
                send(a_proc, qd, item_a, materials, &format!("netns-{i}")).await;
            }
        })
        .await;
    until(20, "failed attempts at A", || {
        let da = &da;
        async move {
            count(da, "SELECT COUNT(*) FROM outbox WHERE attempts > 0 AND last_error LIKE '%无法连接合作方%'").await
                >= 10
        }
    })
    .await;
    let outage = Duration::from_secs(4);
    tokio::time::sleep(outage.saturating_sub(cut.elapsed())).await;
    assert_eq!(arrived().await, 0, "nothing crosses a cut link");
    let r = a_proc.gql(Some(&platform), HEALTH, json!({})).await;
    assert_eq!(ok(&r, "outboxHealth")["depth"], N as i64, "{r}");
    assert_eq!(ok(&r, "outboxHealth")["parkedCount"], 0, "{r}");
    let tried = count(&da, "SELECT COUNT(*) FROM outbox WHERE status = 'PENDING' AND attempts > 0").await;

    // Restored, the messages go; the sender is killed on the way and restarted on its host.
    net.restore(1);
    let restored = Instant::now();
    until(30, "some arrive", || async { arrived().await >= 10 }).await;
    a_proc.kill();
    let at_kill = arrived().await;
    let a_proc = ServerProcess::start_in(bin, &a, &net, host_a, &env, PORT).await;
    until(60, "all arrive", || async { arrived().await == N as i64 }).await;
    let drained = restored.elapsed();
    until(30, "the sender's outbox is drained", || {
        let da = &da;
        async move { count(da, "SELECT COUNT(*) FROM outbox WHERE status = 'DONE'").await == N as i64 }
    })
    .await;
    eprintln!(
        "{N} transfers over {}–{}; link down {:?} ({tried} tried); {at_kill} arrived before the sender was killed; all within {drained:?} of the link's return",
        host_a.addr,
        host_b.addr,
        restored - cut,
    );

    // Exactly once: one transfer and one case per key at B, no more.
    assert_eq!(
        count(&db, "SELECT COUNT(DISTINCT idempotency_key) FROM transfers WHERE from_code = '610402000000'").await,
        N as i64
    );
    assert_eq!(count(&db, "SELECT COUNT(*) FROM transfers").await, N as i64);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM cases WHERE channel = 'REMOTE'").await, N as i64);
    assert_eq!(count(&da, "SELECT COUNT(*) FROM transfers").await, N as i64);
    assert_eq!(count(&da, "SELECT COUNT(*) FROM outbox WHERE status <> 'DONE'").await, 0);
    drop((a_proc, b_proc));
}

#[tokio::test]
async fn status_reports_skip_ahead_and_late_or_repeated_ones_change_nothing() {
    let app = TestApp::spawn_with(|c| {
        with_key(c);
        c.outbox_worker = false;
    })
    .await;
    register(&app, "永寿县（另一部署）", "610426", "http://127.0.0.1:9", &("c".into(), "s".into())).await;
    let qd = qindu_window(&app).await;
    let (item, materials) = item(&app).await;
    let sent = send(&app, &qd, &item, &materials, "skip-1").await;
    let (id, secret) = service_account(&app, QINDU).await;
    let q = "mutation($i: String!, $s: String!) { serviceToken(clientId: $i, clientSecret: $s) { accessToken } }";
    let r = app.gql(None, q, json!({ "i": id, "s": secret })).await;
    let token = ok(&r, "serviceToken")["accessToken"].as_str().expect("token").to_owned();
    const REPORT: &str =
        "mutation($i: TransferStatusReport!) { reportTransferStatus(input: $i) { status case { status } } }";
    let report = |status: &str, key: &str| {
        json!({ "i": { "idempotencyKey": key, "fromRegion": QINDU, "toRegion": YONGSHOU, "status": status,
                       "approved": false, "opinion": "学历不符合要求" } })
    };
    // Only a service account reports; an unknown key is not found.
    let r = app.gql(Some(&qd), REPORT, report("RECEIVED", "skip-1")).await;
    assert_eq!(error_code(&r), "FORBIDDEN", "{r}");
    let r = app.gql(Some(&token), REPORT, report("RECEIVED", "nope")).await;
    assert_eq!(error_code(&r), "NOT_FOUND", "{r}");
    // The result before the signing and the acceptance (those reports still on their way): all applied.
    let r = app.gql(Some(&token), REPORT, report("RESULT_RETURNED", "skip-1")).await;
    let t = ok(&r, "reportTransferStatus");
    assert_eq!(t["status"], "RESULT_RETURNED");
    assert_eq!(t["case"]["status"], "DENIED");
    for late in ["RECEIVED", "ACCEPTED", "RESULT_RETURNED", "RETURNED"] {
        let r = app.gql(Some(&token), REPORT, report(late, "skip-1")).await;
        assert_eq!(ok(&r, "reportTransferStatus")["status"], "RESULT_RETURNED", "{late}");
    }
    let r = app.gql(Some(&qd), ONE, json!({ "id": sent })).await;
    assert_eq!(ok(&r, "transfer")["case"]["status"], "DENIED");
    let db = app.owner_db().await;
    assert_eq!(count(&db, "SELECT COUNT(*) FROM case_events e JOIN transfers t ON t.case_id = e.case_id WHERE t.idempotency_key = 'skip-1' AND e.status = 'DENIED'").await, 1);
}
