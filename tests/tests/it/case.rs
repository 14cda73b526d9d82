use serde_json::{Value, json};
use tests::{JIANJUN, TestApp, YONGSHOU, error_code, error_message};

const SUBMIT: &str = "mutation($i: SubmitCaseInput!) { submitCase(input: $i) { queryCode case { id caseNo status kind warning deadline workingDaysLeft applicant { name idNumberMasked phoneMasked } handlingTenant { code } collectingTenant { code } } } }";
const CASE: &str = "query($id: ID!) { case(id: $id) { status warning deadline workingDaysLeft missingMaterials deferredMaterials deferredUntil events { status actor action opinion tenant { code } } } }";
const ALL_MATERIALS: [&str; 5] = ["申请表", "身份证明", "学历证书", "体检合格证明", "普通话水平测试等级证书"];

/// The published 教师资格认定 item the demo seeds at 永寿县.
async fn teacher_item(app: &TestApp, token: &str) -> String {
    let r = app
        .gql(
            Some(token),
            "query($t: RegionCode!) { implItems(tenant: $t, keyword: \"教师资格\", status: PUBLISHED) { nodes { id } } }",
            json!({ "t": YONGSHOU }),
        )
        .await;
    r["data"]["implItems"]["nodes"][0]["id"].as_str().unwrap_or_else(|| panic!("no item: {r}")).to_owned()
}

fn submit_input(item: &str, provided: &[&str], key: Option<&str>) -> Value {
    json!({ "i": {
        "implItemId": item,
        "applicant": { "kind": "PERSON", "name": "王小明", "idNumber": "11010519491231002X", "phone": "13812345678" },
        "providedMaterials": provided,
        "form": { "subject": "小学语文" },
        "idempotencyKey": key,
    } })
}

async fn submit(app: &TestApp, token: &str, item: &str, provided: &[&str]) -> Value {
    let r = app.gql(Some(token), SUBMIT, submit_input(item, provided, None)).await;
    assert!(r["errors"].is_null(), "{r}");
    r["data"]["submitCase"].clone()
}

/// The 永寿县 center admin authorizes `ys_approver` to decide `item` (授权); the demo seed did so
/// for the items it published, items published later need it.
async fn authorize_approver(app: &TestApp, item: &str) -> String {
    let approver = app.token("ys_approver").await;
    let me = app.gql(Some(&approver), "{ me { id } }", json!({})).await;
    let id = me["data"]["me"]["id"].as_str().expect("id").to_owned();
    let admin = app.token("ys_admin").await;
    let r = app
        .gql(
            Some(&admin),
            "mutation($u: ID!, $i: [ID!]!) { authorizeApprover(userId: $u, implItemIds: $i) { id } }",
            json!({ "u": id, "i": [item] }),
        )
        .await;
    assert!(r["errors"].is_null(), "{r}");
    approver
}

/// A new approver of 永寿县 that nobody authorized yet; returns its id and token.
async fn new_approver(app: &TestApp, username: &str) -> (String, String) {
    let admin = app.token("ys_admin").await;
    let r = app
        .gql(
            Some(&admin),
            "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }",
            json!({ "i": { "tenant": YONGSHOU, "username": username, "password": tests::DEMO_PASSWORD,
                          "displayName": "永寿县新审批人员", "roles": ["APPROVER"] } }),
        )
        .await;
    let id = r["data"]["createUser"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    (id, app.token(username).await)
}

async fn act(app: &TestApp, token: &str, mutation: &str, vars: Value) -> Value {
    app.gql(Some(token), mutation, vars).await
}

const ACCEPT: &str = "mutation($id: ID!, $d: [String!], $u: Date) { acceptCase(id: $id, deferredMaterials: $d, deferredUntil: $u) { status deadline workingDaysLeft warning deferredMaterials } }";
const DECIDE: &str = "mutation($id: ID!, $a: Boolean!, $o: String!) { decideCase(id: $id, approve: $a, opinion: $o) { status concludedAt } }";
const DELIVER: &str = "mutation($id: ID!, $m: DeliveryMethod!, $t: String) { deliverCase(id: $id, method: $m, trackingNo: $t) { status } }";

#[tokio::test]
async fn a_case_runs_from_intake_to_archive() {
    let app = TestApp::spawn().await;
    let window = app.token("ys_window").await;
    let item = teacher_item(&app, &window).await;
    let receipt = submit(&app, &window, &item, &ALL_MATERIALS).await;
    let case = &receipt["case"];
    let id = case["id"].as_str().expect("id").to_owned();
    let case_no = case["caseNo"].as_str().expect("no").to_owned();
    assert!(case_no.starts_with("TB610426-"), "{case_no}");
    let query_code = receipt["queryCode"].as_str().expect("code").to_owned();
    assert_eq!(query_code.len(), 8);
    assert_eq!(case["status"], "RECEIVED");
    assert_eq!(case["kind"], "PROMISED");
    assert!(case["deadline"].is_null() && case["workingDaysLeft"].is_null(), "no clock before acceptance");
    assert_eq!(case["applicant"]["idNumberMasked"], "1101**********002X");
    assert_eq!(case["applicant"]["phoneMasked"], "138****5678");
    assert_eq!(case["collectingTenant"]["code"], YONGSHOU);

    let accepted = act(&app, &window, ACCEPT, json!({ "id": id })).await;
    let a = &accepted["data"]["acceptCase"];
    assert_eq!(a["status"], "ACCEPTED", "{accepted}");
    assert_eq!(a["workingDaysLeft"], 20);
    assert_eq!(a["warning"], "GREEN");
    // The deadline is the calendar's: today + 20 working days of 永寿县.
    let today =
        chrono::Utc::now().with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("offset")).date_naive();
    let expected = app
        .gql(
            Some(&window),
            "query($t: RegionCode!, $f: Date!) { addWorkingDays(tenant: $t, from: $f, days: 20) }",
            json!({ "t": YONGSHOU, "f": today.to_string() }),
        )
        .await;
    assert_eq!(a["deadline"], expected["data"]["addWorkingDays"], "{expected}");

    // A window clerk does not decide; the approver does.
    let r = act(&app, &window, DECIDE, json!({ "id": id, "a": true, "o": "符合条件" })).await;
    assert_eq!(error_code(&r), "FORBIDDEN");
    let (_, unauthorized) = new_approver(&app, "ys_approver_new").await;
    let r = act(&app, &unauthorized, DECIDE, json!({ "id": id, "a": true, "o": "符合条件" })).await;
    assert_eq!(error_code(&r), "FORBIDDEN", "an approver decides only authorized items: {r}");
    assert!(error_message(&r).contains("未获授权"));
    let approver = authorize_approver(&app, &item).await;
    let r = act(&app, &approver, DECIDE, json!({ "id": id, "a": true, "o": "符合条件，准予认定" })).await;
    assert_eq!(r["data"]["decideCase"]["status"], "APPROVED", "{r}");
    assert!(r["data"]["decideCase"]["concludedAt"].is_string());
    let r = act(
        &app,
        &window,
        "mutation($id: ID!) { withdrawCase(id: $id, reason: \"不办了\") { status } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(error_code(&r), "ILLEGAL_TRANSITION");
    assert!(error_message(&r).contains("已作出决定"), "{r}");

    let r = act(&app, &window, DELIVER, json!({ "id": id, "m": "POST" })).await;
    assert_eq!(error_code(&r), "INVALID_INPUT");
    assert!(error_message(&r).contains("快递单号"));
    let r = act(&app, &window, DELIVER, json!({ "id": id, "m": "POST", "t": "SF1234567890" })).await;
    assert_eq!(r["data"]["deliverCase"]["status"], "DELIVERED", "{r}");
    let r = act(&app, &window, "mutation($id: ID!) { archiveCase(id: $id) { status } }", json!({ "id": id })).await;
    assert_eq!(r["data"]["archiveCase"]["status"], "ARCHIVED");

    let full = app.gql(Some(&window), CASE, json!({ "id": id })).await;
    let events = full["data"]["case"]["events"].as_array().expect("events").clone();
    let statuses: Vec<&str> = events.iter().map(|e| e["status"].as_str().unwrap_or_default()).collect();
    assert_eq!(statuses, ["RECEIVED", "ACCEPTED", "APPROVED", "DELIVERED", "ARCHIVED"]);
    assert_eq!(events[2]["actor"], "ys_approver");
    assert_eq!(events[2]["opinion"], "符合条件，准予认定");
    assert_eq!(events[3]["opinion"], "邮寄送达，单号 SF1234567890");

    // Public tracking: the right code shows the case, a wrong one nothing.
    let track = "query($n: String!, $q: String!) { trackCase(caseNo: $n, queryCode: $q) { caseNo itemName status handlingCenter events { status } } }";
    let t = app.gql(None, track, json!({ "n": case_no, "q": query_code.to_lowercase() })).await;
    assert_eq!(t["data"]["trackCase"]["status"], "ARCHIVED", "{t}");
    assert_eq!(t["data"]["trackCase"]["itemName"], "教师资格认定");
    assert_eq!(t["data"]["trackCase"]["handlingCenter"], "永寿县政务服务中心");
    let wrong = app.gql(None, track, json!({ "n": case_no, "q": "AAAAAAAA" })).await;
    assert_eq!(error_code(&wrong), "NOT_FOUND");

    // Every step is audited in the handling tenant's chain.
    let admin = app.token("ys_admin").await;
    let log = app
        .gql(
            Some(&admin),
            "query($t: RegionCode!) { auditLog(tenant: $t, first: 50) { nodes { action target } } }",
            json!({ "t": YONGSHOU }),
        )
        .await;
    let actions: Vec<String> = log["data"]["auditLog"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter(|n| n["target"] == case_no.as_str())
        .map(|n| n["action"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(actions, ["case.archive", "case.deliver", "case.decide", "case.accept", "case.submit"]);
    assert_audit_intact(&app).await;
}

/// 永寿县's audit chain verifies.
async fn assert_audit_intact(app: &TestApp) {
    let admin = app.token("ys_admin").await;
    let q = "query($t: RegionCode!) { verifyAudit(tenant: $t) { intact } }";
    let v = app.gql(Some(&admin), q, json!({ "t": YONGSHOU })).await;
    assert_eq!(v["data"]["verifyAudit"]["intact"], true, "{v}");
}

#[tokio::test]
async fn one_correction_notice_lists_every_missing_material() {
    let app = TestApp::spawn().await;
    let window = app.token("ys_window").await;
    let item = teacher_item(&app, &window).await;
    let receipt = submit(&app, &window, &item, &ALL_MATERIALS[..3]).await;
    let id = receipt["case"]["id"].as_str().expect("id").to_owned();

    let r = act(&app, &window, ACCEPT, json!({ "id": id })).await;
    assert_eq!(error_code(&r), "INVALID_INPUT");
    assert!(error_message(&r).contains("体检合格证明"), "{r}");
    let r = act(
        &app,
        &window,
        ACCEPT,
        json!({ "id": id, "d": ["体检合格证明", "普通话水平测试等级证书"], "u": "2099-01-01" }),
    )
    .await;
    assert_eq!(error_code(&r), "INVALID_INPUT");
    assert!(error_message(&r).contains("不允许容缺"), "{r}");

    let correct = "mutation($id: ID!, $m: [String!]!, $n: String!) { requestCorrection(id: $id, missingMaterials: $m, note: $n) { status missingMaterials warning deadline } }";
    let r = act(&app, &window, correct, json!({ "id": id, "m": ["不存在的材料"], "n": "请补正" })).await;
    assert_eq!(error_code(&r), "INVALID_INPUT");
    let r = act(
        &app,
        &window,
        correct,
        json!({ "id": id, "m": ["体检合格证明", "普通话水平测试等级证书"], "n": "请一次性补齐以下材料" }),
    )
    .await;
    let c = &r["data"]["requestCorrection"];
    assert_eq!(c["status"], "CORRECTION_REQUESTED", "{r}");
    assert_eq!(c["missingMaterials"], json!(["体检合格证明", "普通话水平测试等级证书"]));
    assert!(c["deadline"].is_null(), "the clock has not started");

    let r = act(&app, &window, ACCEPT, json!({ "id": id })).await;
    assert_eq!(error_code(&r), "ILLEGAL_TRANSITION");
    let resubmit = "mutation($id: ID!, $p: [String!]!) { resubmitCase(id: $id, providedMaterials: $p) { status missingMaterials } }";
    let r = act(&app, &window, resubmit, json!({ "id": id, "p": ["体检合格证明", "普通话水平测试等级证书"] })).await;
    assert_eq!(r["data"]["resubmitCase"]["status"], "RECEIVED", "{r}");
    assert_eq!(r["data"]["resubmitCase"]["missingMaterials"], json!([]));
    let r = act(&app, &window, ACCEPT, json!({ "id": id })).await;
    assert_eq!(r["data"]["acceptCase"]["status"], "ACCEPTED", "{r}");
}

#[tokio::test]
async fn deferred_materials_special_procedures_and_refusals() {
    let app = TestApp::spawn().await;
    // A base item whose 营业执照 may be supplied later (容缺), implemented and published at 永寿县.
    let cat = app.token("xy_catalogue").await;
    let base = app
        .gql(
            Some(&cat),
            "mutation($i: BaseItemInput!) { createBaseItem(input: $i) { id } }",
            json!({ "i": { "baseCode": "QT-09901-000", "name": "测试容缺事项", "kind": "OTHER_POWER", "legalBasis": "《测试条例》",
                "levels": ["COUNTY"], "statutoryDays": 10,
                "materials": [{ "name": "申请书" }, { "name": "营业执照", "deferrable": true }] } }),
        )
        .await;
    let base_id = base["data"]["createBaseItem"]["id"].as_str().unwrap_or_else(|| panic!("{base}")).to_owned();
    let admin = app.token("ys_admin").await;
    let depts = app
        .gql(Some(&admin), "query($t: RegionCode!) { departments(tenant: $t) { id } }", json!({ "t": YONGSHOU }))
        .await;
    let dept = depts["data"]["departments"][0]["id"].as_str().expect("dept").to_owned();
    let implemented = app
        .gql(
            Some(&admin),
            "mutation($i: ImplItemInput!) { implementItem(input: $i) { id } }",
            json!({ "i": { "tenant": YONGSHOU, "baseItemId": base_id, "departmentId": dept, "promisedDays": 5,
                "caseKind": "PROMISED", "deferrableNames": ["营业执照"] } }),
        )
        .await;
    let item =
        implemented["data"]["implementItem"]["id"].as_str().unwrap_or_else(|| panic!("{implemented}")).to_owned();

    // Not published yet: nothing outside the list can be handled.
    let window = app.token("ys_window").await;
    let r = app.gql(Some(&window), SUBMIT, submit_input(&item, &["申请书"], None)).await;
    assert_eq!(error_code(&r), "INVALID_INPUT");
    assert!(error_message(&r).contains("清单之外无审批"), "{r}");
    let p = app
        .gql(Some(&admin), "mutation($id: ID!) { publishImplItem(id: $id) { status } }", json!({ "id": item }))
        .await;
    assert_eq!(p["data"]["publishImplItem"]["status"], "PUBLISHED", "{p}");

    let receipt = submit(&app, &window, &item, &["申请书"]).await;
    let id = receipt["case"]["id"].as_str().expect("id").to_owned();
    let r = act(&app, &window, ACCEPT, json!({ "id": id, "d": ["营业执照"] })).await;
    assert!(error_message(&r).contains("补交日期"), "{r}");
    let r = act(&app, &window, ACCEPT, json!({ "id": id, "d": ["营业执照"], "u": "2099-12-31" })).await;
    assert_eq!(r["data"]["acceptCase"]["deferredMaterials"], json!(["营业执照"]), "{r}");
    assert_eq!(r["data"]["acceptCase"]["workingDaysLeft"], 5);

    let approver = authorize_approver(&app, &item).await;
    let suspend = "mutation($id: ID!) { suspendCase(id: $id, procedure: HEARING, reason: \"依申请举行听证\") { status warning } }";
    let r = act(&app, &approver, suspend, json!({ "id": id })).await;
    assert_eq!(r["data"]["suspendCase"]["status"], "SUSPENDED", "{r}");
    assert_eq!(r["data"]["suspendCase"]["warning"], "GREEN");
    let r = act(&app, &approver, DECIDE, json!({ "id": id, "a": true, "o": "" })).await;
    assert_eq!(error_code(&r), "ILLEGAL_TRANSITION");
    assert!(error_message(&r).contains("先恢复办理"), "{r}");
    let r = act(&app, &approver, "mutation($id: ID!) { resumeCase(id: $id) { status } }", json!({ "id": id })).await;
    assert_eq!(r["data"]["resumeCase"]["status"], "ACCEPTED");
    let r = act(&app, &approver, DECIDE, json!({ "id": id, "a": false, "o": " " })).await;
    assert_eq!(error_code(&r), "INVALID_INPUT");
    assert!(error_message(&r).contains("理由"));
    let r = act(&app, &approver, DECIDE, json!({ "id": id, "a": false, "o": "经营范围不符合规定" })).await;
    assert_eq!(r["data"]["decideCase"]["status"], "DENIED", "{r}");

    // 不予受理 needs a written reason, and the case is closed.
    let other = submit(&app, &window, &item, &["申请书", "营业执照"]).await;
    let oid = other["case"]["id"].as_str().expect("id").to_owned();
    let reject = "mutation($id: ID!, $r: String!) { rejectCase(id: $id, reason: $r) { status events { status opinion } documents { kind } } }";
    assert_eq!(error_code(&act(&app, &window, reject, json!({ "id": oid, "r": "" })).await), "INVALID_INPUT");
    let r = act(&app, &window, reject, json!({ "id": oid, "r": "不属于本机关职权范围" })).await;
    assert_eq!(r["data"]["rejectCase"]["status"], "NOT_ACCEPTED", "{r}");
    // The mutation answers with the whole history, not only the step it added.
    let events = r["data"]["rejectCase"]["events"].as_array().expect("events");
    let statuses: Vec<&str> = events.iter().filter_map(|e| e["status"].as_str()).collect();
    assert_eq!(statuses, ["RECEIVED", "NOT_ACCEPTED"], "{r}");
    assert_eq!(events[1]["opinion"], "不属于本机关职权范围");
    assert_eq!(r["data"]["rejectCase"]["documents"], json!([{ "kind": "NON_ACCEPTANCE_NOTICE" }]), "{r}");
    let rejected =
        app.gql(Some(&admin), "{ cases(filter: { status: [NOT_ACCEPTED] }) { totalCount } }", json!({})).await;
    assert_eq!(rejected["data"]["cases"]["totalCount"], 1, "listed for review: {rejected}");
}

#[tokio::test]
async fn cases_stay_in_their_tenant_and_retries_do_not_duplicate() {
    let app = TestApp::spawn().await;
    let window = app.token("ys_window").await;
    let item = teacher_item(&app, &window).await;
    let first = app.gql(Some(&window), SUBMIT, submit_input(&item, &ALL_MATERIALS, Some("retry-1"))).await;
    let again = app.gql(Some(&window), SUBMIT, submit_input(&item, &ALL_MATERIALS, Some("retry-1"))).await;
    let id = first["data"]["submitCase"]["case"]["id"].as_str().expect("id").to_owned();
    assert_eq!(again["data"]["submitCase"]["case"]["id"], id.as_str(), "{again}");
    assert_eq!(again["data"]["submitCase"]["queryCode"], "", "the query code is shown once");
    let admin = app.token("ys_admin").await;
    let all = app.gql(Some(&admin), "{ cases { totalCount nodes { id } } }", json!({})).await;
    assert_eq!(all["data"]["cases"]["totalCount"], 1, "{all}");

    // Another tenant's clerk cannot see or touch it: NOT_FOUND, not FORBIDDEN.
    let clerk = app.token("jj_station").await;
    let r = app.gql(Some(&clerk), CASE, json!({ "id": id })).await;
    assert_eq!(error_code(&r), "NOT_FOUND");
    let case_no = first["data"]["submitCase"]["case"]["caseNo"].as_str().expect("no");
    let r = app.gql(Some(&clerk), "query($n: String!) { caseByNo(caseNo: $n) { id } }", json!({ "n": case_no })).await;
    assert_eq!(error_code(&r), "NOT_FOUND");
    let r = act(&app, &clerk, ACCEPT, json!({ "id": id })).await;
    assert_eq!(error_code(&r), "NOT_FOUND");
    let mine = app.gql(Some(&clerk), "{ cases { totalCount } }", json!({})).await;
    assert_eq!(mine["data"]["cases"]["totalCount"], 0);
    let jj = app.token("jj_admin").await;
    let r = app
        .gql(
            Some(&jj),
            "query($t: RegionCode!) { cases(filter: { tenant: $t }) { totalCount } }",
            json!({ "t": YONGSHOU }),
        )
        .await;
    assert_eq!(error_code(&r), "FORBIDDEN");
    let town = app
        .gql(
            Some(&jj),
            "query($t: RegionCode!) { cases(filter: { tenant: $t }) { totalCount } }",
            json!({ "t": JIANJUN }),
        )
        .await;
    assert_eq!(town["data"]["cases"]["totalCount"], 0);
    // A station cannot submit against the county's item.
    let r = app.gql(Some(&clerk), SUBMIT, submit_input(&item, &ALL_MATERIALS, None)).await;
    assert_eq!(error_code(&r), "INVALID_INPUT", "{r}");

    // The county's supervisor lists green running cases; none are red.
    act(&app, &window, ACCEPT, json!({ "id": id })).await;
    let sup = app.token("ys_supervisor").await;
    let green = app.gql(Some(&sup), "{ cases(filter: { warning: [GREEN] }) { totalCount } }", json!({})).await;
    assert_eq!(green["data"]["cases"]["totalCount"], 1, "{green}");
    let red = app.gql(Some(&sup), "{ cases(filter: { warning: [RED, YELLOW] }) { totalCount } }", json!({})).await;
    assert_eq!(red["data"]["cases"]["totalCount"], 0, "{red}");
}

#[tokio::test]
async fn two_clerks_acting_at_once_apply_once() {
    let app = TestApp::spawn().await;
    let w1 = app.token("ys_window").await;
    let item = teacher_item(&app, &w1).await;
    let receipt = submit(&app, &w1, &item, &ALL_MATERIALS).await;
    let id = receipt["case"]["id"].as_str().expect("id").to_owned();
    let (a, b) = tokio::join!(act(&app, &w1, ACCEPT, json!({ "id": id })), act(&app, &w1, ACCEPT, json!({ "id": id })));
    let ok = [&a, &b].iter().filter(|r| r["errors"].is_null()).count();
    assert_eq!(ok, 1, "{a} {b}");
    let loser = if a["errors"].is_null() { &b } else { &a };
    assert!(["CONFLICT", "ILLEGAL_TRANSITION"].contains(&error_code(loser)), "{loser}");
    let full = app.gql(Some(&w1), CASE, json!({ "id": id })).await;
    let accepts =
        full["data"]["case"]["events"].as_array().expect("events").iter().filter(|e| e["status"] == "ACCEPTED").count();
    assert_eq!(accepts, 1);
    // The loser left nothing behind in the audit chain.
    assert_audit_intact(&app).await;
}

/// A transition's read and write share a transaction where a connection can be spared; its other
/// reads (the calendar's generation when accepting) must still find one in a pool of two.
#[tokio::test]
async fn concurrent_transitions_do_not_starve_a_small_pool() {
    let app = TestApp::spawn_with(|c| c.db_max_connections = 2).await;
    let window = app.token("ys_window").await;
    let item = teacher_item(&app, &window).await;
    let mut ids = Vec::new();
    for _ in 0..8 {
        let receipt = submit(&app, &window, &item, &ALL_MATERIALS).await;
        ids.push(receipt["case"]["id"].as_str().expect("id").to_owned());
    }
    let accepts = ids.iter().map(|id| act(&app, &window, ACCEPT, json!({ "id": id })));
    for r in futures::future::join_all(accepts).await {
        assert_eq!(r["data"]["acceptCase"]["status"], "ACCEPTED", "{r}");
    }
    let approver = app.token("ys_approver").await;
    let decides = ids.iter().map(|id| act(&app, &approver, DECIDE, json!({ "id": id, "a": true, "o": "符合条件" })));
    for r in futures::future::join_all(decides).await {
        assert_eq!(r["data"]["decideCase"]["status"], "APPROVED", "{r}");
    }
}

#[tokio::test]
async fn decisions_issue_numbered_printable_documents() {
    let app = TestApp::spawn().await;
    let window = app.token("ys_window").await;
    let item = teacher_item(&app, &window).await;
    let docs = "query($id: ID!) { case(id: $id) { documents { kind number url title issuedAt } } }";

    let first = submit(&app, &window, &item, &ALL_MATERIALS[..4]).await;
    let id1 = first["case"]["id"].as_str().expect("id").to_owned();
    let correct = "mutation($id: ID!, $m: [String!]!) { requestCorrection(id: $id, missingMaterials: $m, note: \"请补齐\") { status } }";
    act(&app, &window, correct, json!({ "id": id1, "m": ["普通话水平测试等级证书"] })).await;
    let second = submit(&app, &window, &item, &ALL_MATERIALS).await;
    let id2 = second["case"]["id"].as_str().expect("id").to_owned();
    act(&app, &window, ACCEPT, json!({ "id": id2 })).await;
    let approver = authorize_approver(&app, &item).await;
    act(&app, &approver, DECIDE, json!({ "id": id2, "a": true, "o": "准予认定" })).await;

    let year = chrono::Utc::now().with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("offset")).date_naive();
    let year = chrono::Datelike::year(&year);
    let d1 = app.gql(Some(&window), docs, json!({ "id": id1 })).await;
    let notice = &d1["data"]["case"]["documents"][0];
    assert_eq!(notice["kind"], "CORRECTION_NOTICE", "{d1}");
    assert_eq!(notice["number"], format!("永寿县补字〔{year}〕1号"));
    let d2 = app.gql(Some(&window), docs, json!({ "id": id2 })).await;
    let kinds: Vec<&str> = d2["data"]["case"]["documents"]
        .as_array()
        .expect("docs")
        .iter()
        .map(|d| d["kind"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(kinds, ["ACCEPTANCE_NOTICE", "APPROVAL_DECISION"]);
    // Each kind has its own series per tenant and year (受字, 补字, 准字 …), running across cases.
    let numbers = |d: &Value| -> Vec<String> {
        let docs = d["data"]["case"]["documents"].as_array().cloned().unwrap_or_default();
        docs.iter().map(|d| d["number"].as_str().unwrap_or_default().to_owned()).collect()
    };
    assert_eq!(numbers(&d2), [format!("永寿县受字〔{year}〕1号"), format!("永寿县准字〔{year}〕1号")]);
    let resubmit = "mutation($id: ID!, $p: [String!]!) { resubmitCase(id: $id, providedMaterials: $p) { status } }";
    act(&app, &window, resubmit, json!({ "id": id1, "p": ["普通话水平测试等级证书"] })).await;
    act(&app, &window, ACCEPT, json!({ "id": id1 })).await;
    let d1 = app.gql(Some(&window), docs, json!({ "id": id1 })).await;
    assert_eq!(numbers(&d1), [format!("永寿县补字〔{year}〕1号"), format!("永寿县受字〔{year}〕2号")]);

    // The printable page needs a console session and shows the one-time notice's full list.
    let url = notice["url"].as_str().expect("url").to_owned();
    let anonymous = app.client.get(app.url(&url)).send().await.expect("page");
    assert_eq!(anonymous.status(), 303, "login first");
    app.console_login(&app.client, "ys_window").await;
    let html = app.client.get(app.url(&url)).send().await.expect("page").text().await.expect("html");
    assert!(html.contains("补正材料通知书"), "{html}");
    assert!(html.contains(&format!("永寿县补字〔{year}〕1号")));
    assert!(html.contains("普通话水平测试等级证书"));
    assert!(html.contains("王小明"));
    // Another tenant's clerk cannot open it.
    let station = app.new_client();
    app.console_login(&station, "jj_station").await;
    let r = station.get(app.url(&url)).send().await.expect("page");
    assert_eq!(r.status(), 404);
}

/// Time moves through the server's clock: warnings change colour, and a correction notice whose
/// deadline passes expires its case in the background sweep.
#[tokio::test]
async fn warnings_and_expiry_follow_the_clock() {
    let app = TestApp::spawn().await;
    let window = app.token("ys_window").await;
    let item = teacher_item(&app, &window).await;
    let running = submit(&app, &window, &item, &ALL_MATERIALS).await;
    let rid = running["case"]["id"].as_str().expect("id").to_owned();
    let accepted = act(&app, &window, ACCEPT, json!({ "id": rid })).await;
    let deadline = accepted["data"]["acceptCase"]["deadline"].as_str().expect("deadline").to_owned();
    let waiting = submit(&app, &window, &item, &ALL_MATERIALS[..4]).await;
    let wid = waiting["case"]["id"].as_str().expect("id").to_owned();
    let correct = "mutation($id: ID!) { requestCorrection(id: $id, missingMaterials: [\"普通话水平测试等级证书\"], note: \"请补齐\") { correctionDue } }";
    let due = act(&app, &window, correct, json!({ "id": wid })).await;
    assert!(due["data"]["requestCorrection"]["correctionDue"].is_string(), "{due}");

    // Jump to the deadline day: yellow, nothing left but today.
    let now = chrono::Utc::now().with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("offset")).date_naive();
    let deadline_day = chrono::NaiveDate::parse_from_str(&deadline, "%Y-%m-%d").expect("date");
    app.clock.advance(chrono::Duration::days((deadline_day - now).num_days()));
    let c = app.gql(Some(&window), CASE, json!({ "id": rid })).await;
    assert_eq!(c["data"]["case"]["warning"], "YELLOW", "{c}");
    assert_eq!(c["data"]["case"]["workingDaysLeft"], 0);

    // Past the deadline and the 30-day correction period.
    app.clock.advance(chrono::Duration::days(40));
    let c = app.gql(Some(&window), CASE, json!({ "id": rid })).await;
    assert_eq!(c["data"]["case"]["warning"], "RED", "{c}");
    assert!(c["data"]["case"]["workingDaysLeft"].as_i64().is_some_and(|d| d < 0));
    let sup = app.token("ys_supervisor").await;
    let red = app
        .gql(
            Some(&sup),
            "{ cases(filter: { warning: [RED] }) { totalCount nodes { id warning workingDaysLeft } } }",
            json!({}),
        )
        .await;
    let listed = &red["data"]["cases"]["nodes"][0];
    assert_eq!(listed["id"], rid.as_str(), "overdue list: {red}");
    assert_eq!(listed["warning"], "RED", "a list reads the clock as the single case does: {red}");
    assert_eq!(listed["workingDaysLeft"], c["data"]["case"]["workingDaysLeft"]);

    let mut status = String::new();
    for _ in 0..50 {
        let w = app.gql(Some(&window), CASE, json!({ "id": wid })).await;
        status = w["data"]["case"]["status"].as_str().unwrap_or_default().to_owned();
        if status == "EXPIRED" {
            let events = w["data"]["case"]["events"].as_array().expect("events").clone();
            assert_eq!(events.last().map(|e| e["actor"].clone()), Some(json!("system:correction-expiry")));
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(status, "EXPIRED");
}

/// A county administrator edits an item's local fields in the console; the published guide follows.
#[tokio::test]
async fn the_console_edits_an_implementation_item() {
    let app = TestApp::spawn().await;
    let admin = app.token("ys_admin").await;
    let item = teacher_item(&app, &admin).await;
    app.console_login(&app.client, "ys_admin").await;
    let form = app.client.get(app.url(&format!("/console/items/{item}/edit"))).send().await.expect("form");
    assert_eq!(form.status(), 200);
    let html = form.text().await.expect("html");
    assert!(html.contains("教师资格认定") && html.contains("承诺时限"), "{html}");
    let csrf = html.split("name=\"csrf\" value=\"").nth(1).and_then(|s| s.split('"').next()).expect("csrf").to_owned();
    let mut fields: Vec<(&str, String)> = vec![
        ("csrf", csrf.clone()),
        ("promised_days", "15".into()),
        ("case_kind", "promised".into()),
        ("cross_area", "province".into()),
        ("place", "县政务服务中心三楼".into()),
        ("hours", "工作日".into()),
        ("phone", "029-35500000".into()),
        ("fee", "".into()),
    ];
    for m in ALL_MATERIALS {
        fields.push(("materials", m.into()));
    }
    let saved =
        app.client.post(app.url(&format!("/console/items/{item}/edit"))).form(&fields).send().await.expect("save");
    assert_eq!(saved.status(), 303);
    let r = app
        .gql(
            Some(&admin),
            "query($id: ID!) { implItem(id: $id) { promisedDays version implCode place } }",
            json!({ "id": item }),
        )
        .await;
    assert_eq!(r["data"]["implItem"]["promisedDays"], 15, "{r}");
    assert_eq!(r["data"]["implItem"]["place"], "县政务服务中心三楼");
    let code = r["data"]["implItem"]["implCode"].as_str().expect("code").to_owned();
    let guide =
        app.client.get(app.url(&format!("/guide/{code}"))).send().await.expect("guide").text().await.expect("html");
    assert!(guide.contains("县政务服务中心三楼"), "the guide shows the edit at once");

    // Rules still hold: more than the statutory 30 days is refused with a Chinese message.
    fields[1].1 = "45".into();
    let refused =
        app.client.post(app.url(&format!("/console/items/{item}/edit"))).form(&fields).send().await.expect("save");
    assert_eq!(refused.status(), 400);
    assert!(refused.text().await.expect("html").contains("法定"));
    // A station sees its own list read-only: no edit forms for the county's items.
    let station = app.new_client();
    app.console_login(&station, "jj_station").await;
    let r = station.get(app.url(&format!("/console/items/{item}/edit"))).send().await.expect("page");
    assert_eq!(r.status(), 404);
}

/// The console workbench: intake from the checklist, accept, the approver decides, delivery; and a
/// correction notice that lists two missing materials.
#[tokio::test]
async fn the_console_workbench_runs_a_case() {
    let app = TestApp::spawn().await;
    let item = teacher_item(&app, &app.token("ys_admin").await).await;
    // The center admin authorizes a new approver on the hall page (the seeded one is already).
    new_approver(&app, "ys_approver_new").await;
    let admin = app.new_client();
    app.console_login(&admin, "ys_admin").await;
    let hall = admin.get(app.url("/console/hall")).send().await.expect("hall").text().await.expect("html");
    let form = [("csrf", TestApp::csrf_of(&hall)), ("username", "ys_approver_new".to_owned()), ("item", item.clone())];
    let r = admin.post(app.url("/console/hall/approvers")).form(&form).send().await.expect("authorize");
    assert_eq!(r.status(), 303);
    let clerk = app.new_client();
    app.console_login(&clerk, "ys_window").await;
    let form = clerk
        .get(app.url(&format!("/console/cases/new?item={item}")))
        .send()
        .await
        .expect("form")
        .text()
        .await
        .expect("html");
    assert!(form.contains("material-checklist") && form.contains("普通话水平测试等级证书"), "{form}");
    let csrf = TestApp::csrf_of(&form);
    let intake = |provided: &[&str]| {
        let mut f: Vec<(&str, String)> = vec![
            ("csrf", csrf.clone()),
            ("item", item.clone()),
            ("applicant_kind", "PERSON".into()),
            ("name", "李华".into()),
            ("id_type", "身份证".into()),
            ("id_number", "11010519491231002X".into()),
            ("phone", "13900000000".into()),
        ];
        for p in provided {
            f.push(("provided", (*p).to_owned()));
        }
        f
    };
    let receipt = clerk.post(app.url("/console/cases")).form(&intake(&ALL_MATERIALS)).send().await.expect("submit");
    assert_eq!(receipt.status(), 200);
    let receipt = receipt.text().await.expect("html");
    assert!(receipt.contains("query-code"), "the query code is shown: {receipt}");
    let case_id =
        receipt.split("/console/cases/").nth(1).and_then(|s| s.split('"').next()).expect("case link").to_owned();
    let post = |who: &reqwest::Client, action: &str, fields: Vec<(&'static str, String)>| {
        let url = app.url(&format!("/console/cases/{case_id}/{action}"));
        let req = who.post(url).form(&fields);
        async move { req.send().await.expect("step") }
    };
    let r = post(&clerk, "accept", vec![("csrf", csrf.clone())]).await;
    assert_eq!(r.status(), 303);
    let approver = app.new_client();
    app.console_login(&approver, "ys_approver_new").await;
    let page = approver
        .get(app.url(&format!("/console/cases/{case_id}")))
        .send()
        .await
        .expect("case")
        .text()
        .await
        .expect("html");
    assert!(page.contains("approve-form"), "{page}");
    let acsrf = TestApp::csrf_of(&page);
    let r = post(&approver, "approve", vec![("csrf", acsrf), ("opinion", "准予认定".into())]).await;
    assert_eq!(r.status(), 303);
    let r =
        post(&clerk, "deliver", vec![("csrf", csrf.clone()), ("method", "WINDOW".into()), ("tracking_no", "".into())])
            .await;
    assert_eq!(r.status(), 303);
    let page = clerk
        .get(app.url(&format!("/console/cases/{case_id}")))
        .send()
        .await
        .expect("case")
        .text()
        .await
        .expect("html");
    assert!(page.contains("已送达"), "{page}");
    assert!(page.contains("受理通知书") && page.contains("准予许可决定书"));

    // A second applicant lacks two materials: one notice lists both.
    let receipt =
        clerk.post(app.url("/console/cases")).form(&intake(&ALL_MATERIALS[..3])).send().await.expect("submit");
    let receipt = receipt.text().await.expect("html");
    let id2 = receipt.split("/console/cases/").nth(1).and_then(|s| s.split('"').next()).expect("case link").to_owned();
    let mut fields = vec![("csrf", csrf.clone()), ("note", "请一次性补齐".to_owned())];
    fields.push(("missing", "体检合格证明".into()));
    fields.push(("missing", "普通话水平测试等级证书".into()));
    let r = clerk.post(app.url(&format!("/console/cases/{id2}/correct"))).form(&fields).send().await.expect("correct");
    assert_eq!(r.status(), 303);
    let page =
        clerk.get(app.url(&format!("/console/cases/{id2}"))).send().await.expect("case").text().await.expect("html");
    assert!(page.contains("体检合格证明、普通话水平测试等级证书"), "{page}");
    let doc = page.split("/console/documents/").nth(1).and_then(|s| s.split('"').next()).expect("notice").to_owned();
    let notice =
        clerk.get(app.url(&format!("/console/documents/{doc}"))).send().await.expect("doc").text().await.expect("html");
    assert!(
        notice.contains("补正材料通知书")
            && notice.contains("1. 体检合格证明")
            && notice.contains("2. 普通话水平测试等级证书")
    );

    // The overdue tab is empty; search by number finds the case.
    let list = clerk.get(app.url("/console/cases?tab=red")).send().await.expect("list").text().await.expect("html");
    assert!(list.contains("暂无办件"));
    let no = receipt.split("id=\"receipt-no\">").nth(1).and_then(|s| s.split('<').next()).expect("number").to_owned();
    let found = clerk
        .get(app.url(&format!("/console/cases?no={no}")))
        .send()
        .await
        .expect("search")
        .text()
        .await
        .expect("html");
    assert!(found.contains(&id2));
    // Another tenant's clerk cannot open it.
    let station = app.new_client();
    app.console_login(&station, "jj_station").await;
    let r = station.get(app.url(&format!("/console/cases/{id2}"))).send().await.expect("case");
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn cases_are_found_by_applicant_and_approvers_see_their_queue() {
    let app = TestApp::spawn().await;
    let window = app.token("ys_window").await;
    let item = teacher_item(&app, &window).await;
    let first = submit(&app, &window, &item, &ALL_MATERIALS).await["case"]["id"].as_str().expect("id").to_owned();
    let mut other = submit_input(&item, &ALL_MATERIALS, None);
    other["i"]["applicant"] = json!({ "kind": "PERSON", "name": "赵敏", "idNumber": "110105198001010016" });
    let r = app.gql(Some(&window), SUBMIT, other).await;
    let second = r["data"]["submitCase"]["case"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    let search = "query($a: String!) { cases(filter: { applicant: $a }) { totalCount nodes { id } } }";
    let found = |a: &'static str| {
        let window = window.clone();
        let app = &app;
        async move {
            let r = app.gql(Some(&window), search, json!({ "a": a })).await;
            let ids: Vec<String> = r["data"]["cases"]["nodes"]
                .as_array()
                .unwrap_or_else(|| panic!("{r}"))
                .iter()
                .filter_map(|n| n["id"].as_str().map(str::to_owned))
                .collect();
            ids
        }
    };
    assert_eq!(found("小明").await, [first.as_str()], "part of the name");
    assert_eq!(found("110105198001010016").await, [second.as_str()], "the whole id number");
    assert!(found("1101051980").await.is_empty(), "not a part of an id number");
    // LIKE's wildcards match only themselves.
    assert!(found("%").await.is_empty(), "a percent sign matches no name");
    assert!(found("_").await.is_empty(), "an underscore matches no name");
    assert!(found("小%").await.is_empty(), "a percent sign inside a name part");
    assert!(found("\\").await.is_empty(), "a backslash");
    let keyword = "query($t: RegionCode!, $k: String) { implItems(tenant: $t, keyword: $k) { totalCount } }";
    let count = |k: &'static str| {
        let window = window.clone();
        let app = &app;
        async move {
            let r = app.gql(Some(&window), keyword, json!({ "t": YONGSHOU, "k": k })).await;
            r["data"]["implItems"]["totalCount"].as_i64().unwrap_or_else(|| panic!("{r}"))
        }
    };
    assert!(count("教师").await > 0, "a real keyword matches");
    assert_eq!(count("%").await, 0, "a percent sign matches no item");
    assert_eq!(count("_").await, 0, "an underscore matches no item");

    // The console's search box takes a number, a name or an id number.
    let console = app.console_client("ys_window").await;
    let html = console.get(app.url("/console/cases?no=赵敏")).send().await.expect("list").text().await.expect("html");
    assert!(html.contains(&second) && !html.contains(&first), "{html}");

    // The queue shows accepted cases of items the approver may decide.
    ok_accept(&app, &window, &first).await;
    let (_, newcomer) = new_approver(&app, "ys_approver_new").await;
    let queue = "{ approvalQueue { totalCount nodes { id } } }";
    let q = app.gql(Some(&newcomer), queue, json!({})).await;
    assert_eq!(q["data"]["approvalQueue"]["totalCount"], 0, "not authorized: {q}");
    let approver = app.token("ys_approver").await;
    let q = app.gql(Some(&approver), queue, json!({})).await;
    assert_eq!(q["data"]["approvalQueue"]["nodes"][0]["id"], first.as_str(), "{q}");
    assert_eq!(q["data"]["approvalQueue"]["totalCount"], 1, "the unaccepted case waits at the window: {q}");
    let r = app.gql(Some(&window), queue, json!({})).await;
    assert_eq!(error_code(&r), "FORBIDDEN", "{r}");
    let desk = app.console_client("ys_approver").await;
    let html = desk.get(app.url("/console/cases?tab=approve")).send().await.expect("queue").text().await.expect("html");
    assert!(html.contains("tab-approve") && html.contains(&first) && !html.contains(&second), "{html}");
}

async fn ok_accept(app: &TestApp, token: &str, id: &str) {
    let r = act(app, token, ACCEPT, json!({ "id": id })).await;
    assert_eq!(r["data"]["acceptCase"]["status"], "ACCEPTED", "{r}");
}

/// Reads `name` off a server's /metrics (0 when absent).
async fn metric(app: &TestApp, name: &str) -> f64 {
    let text = app.client.get(app.url("/metrics")).send().await.expect("metrics").text().await.expect("text");
    text.lines().find_map(|l| l.strip_prefix(name).and_then(|v| v.trim().parse().ok())).unwrap_or(0.0)
}

/// With Redis, a server answers lookups from memory, and a step taken at another server of the
/// deployment shows in its next lookup at once.
#[tokio::test]
async fn a_step_at_one_server_shows_at_once_in_another_servers_cached_lookup() {
    let a = TestApp::spawn().await;
    if a.redis_url.is_none() {
        eprintln!("skipped: the case cache runs only with Redis (TONGBAN_TEST_REDIS_URL)");
        return;
    }
    let b = TestApp::spawn_sibling(&a).await;
    let clerk = a.token("ys_window").await;
    let item = teacher_item(&a, &clerk).await;
    let r = submit(&a, &clerk, &item, &ALL_MATERIALS).await;
    let id = r["case"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    let q = "query($id: ID!) { case(id: $id) { status } }";
    async fn status(app: &TestApp, token: String, id: &str) -> String {
        let r = app.gql(Some(&token), "query($id: ID!) { case(id: $id) { status } }", json!({ "id": id })).await;
        r["data"]["case"]["status"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned()
    }
    let b_clerk = b.token("ys_window").await;
    let mut live = false;
    for _ in 0..50 {
        if metric(&b, "tongban_case_cache_live").await == 1.0 {
            live = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(live, "the second server hears the invalidations");
    for _ in 0..3 {
        assert_eq!(status(&b, b_clerk.clone(), &id).await, r["case"]["status"].as_str().expect("status"));
    }
    let mut hits = 0.0;
    for _ in 0..50 {
        hits = metric(&b, "tongban_case_cache_hits_total").await;
        if hits >= 2.0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(hits >= 2.0, "the lookups came from memory: {hits}");

    ok_accept(&a, &clerk, &id).await;
    assert_eq!(status(&b, b_clerk.clone(), &id).await, "ACCEPTED", "the step at A reached B's cache at once");
    // A town below the county does not reach the county's case, cached or not.
    let other = b.token("jj_admin").await;
    let r = b.gql(Some(&other), q, json!({ "id": id })).await;
    assert_eq!(error_code(&r), "NOT_FOUND", "{r}");
}
