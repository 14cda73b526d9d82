//! Escalated cases (上报件: a town's preliminary review, the county decides) and joint cases
//! (联办件: every department decides, any denial denies).

use serde_json::{Value, json};
use tests::{DIANTOU, JIANJUN, TestApp, YONGSHOU, error_code, error_message};

const SUBMIT: &str = "mutation($i: SubmitCaseInput!) { submitCase(input: $i) { case { id status kind } } }";
const VIEW: &str = "query($id: ID!) { case(id: $id) { status kind deadline handlingTenant { code } collectingTenant { code } item { id tenant { code } } events { action opinion tenant { code } } documents { kind number } departmentReviews { departmentName lead approved opinion reviewer } } }";
const ACCEPT: &str = "mutation($id: ID!) { acceptCase(id: $id) { status deadline workingDaysLeft } }";
const FORWARD: &str = "mutation($id: ID!, $o: String!) { forwardCase(id: $id, opinion: $o) { status handlingTenant { code } collectingTenant { code } deadline } }";
const DECIDE: &str = "mutation($id: ID!, $a: Boolean!, $o: String!) { decideCase(id: $id, approve: $a, opinion: $o) { status departmentReviews { approved } documents { kind } } }";
const DELIVER: &str = "mutation($id: ID!) { deliverCase(id: $id, method: WINDOW) { status } }";

async fn item_id(app: &TestApp, token: &str, tenant: &str, keyword: &str) -> String {
    let r = app
        .gql(
            Some(token),
            "query($t: RegionCode!, $k: String!) { implItems(tenant: $t, keyword: $k, status: PUBLISHED) { nodes { id tenant { code } } } }",
            json!({ "t": tenant, "k": keyword }),
        )
        .await;
    let nodes = r["data"]["implItems"]["nodes"].as_array().cloned().unwrap_or_default();
    let own = nodes.iter().find(|n| n["tenant"]["code"] == tenant);
    own.and_then(|n| n["id"].as_str()).unwrap_or_else(|| panic!("no {keyword} at {tenant}: {r}")).to_owned()
}

async fn submit(app: &TestApp, token: &str, item: &str, provided: &[&str]) -> String {
    let input = json!({ "i": {
        "implItemId": item,
        "applicant": { "kind": "PERSON", "name": "李四", "idNumber": "11010519491231002X" },
        "providedMaterials": provided,
    } });
    let r = app.gql(Some(token), SUBMIT, input).await;
    r["data"]["submitCase"]["case"]["id"].as_str().unwrap_or_else(|| panic!("submit: {r}")).to_owned()
}

async fn user_id(app: &TestApp, token: &str) -> String {
    let me = app.gql(Some(token), "{ me { id } }", json!({})).await;
    me["data"]["me"]["id"].as_str().expect("id").to_owned()
}

async fn ok(app: &TestApp, token: &str, query: &str, vars: Value) -> Value {
    let r = app.gql(Some(token), query, vars).await;
    assert!(r["errors"].is_null(), "{query}: {r}");
    r["data"].clone()
}

const TEACHER: [&str; 5] = ["申请表", "身份证明", "学历证书", "体检合格证明", "普通话水平测试等级证书"];

/// A new 永寿县 approver of `department` (password Approver@2026x); returns its id.
async fn create_approver(app: &TestApp, admin: &str, username: &str, department: &str) -> String {
    let r = ok(
        app,
        admin,
        "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }",
        json!({ "i": { "tenant": YONGSHOU, "username": username, "password": "Approver@2026x",
                      "displayName": username, "roles": ["APPROVER"], "departmentId": department } }),
    )
    .await;
    r["createUser"]["id"].as_str().expect("user").to_owned()
}

async fn appoint_chief(app: &TestApp, admin: &str, user: &str, department: &str) {
    ok(
        app,
        admin,
        "mutation($u: ID!, $d: ID!) { appointChiefRepresentative(userId: $u, departmentId: $d) { id } }",
        json!({ "u": user, "d": department }),
    )
    .await;
}

/// A joint case accepted with one pending review per department, lead first.
async fn accepted_joint(app: &TestApp, window: &str, item: &str, co_name: &str) -> String {
    let id = submit(app, window, item, &TEACHER).await;
    ok(app, window, ACCEPT, json!({ "id": id })).await;
    let v = ok(app, window, VIEW, json!({ "id": id })).await;
    let reviews = v["case"]["departmentReviews"].as_array().expect("reviews").clone();
    assert_eq!(reviews.len(), 2, "{v}");
    assert_eq!(reviews[0]["lead"], true);
    assert!(reviews[0]["approved"].is_null() && reviews[1]["approved"].is_null());
    assert_eq!(reviews[1]["departmentName"], co_name);
    id
}

const RELIEF: [&str; 3] = ["申请书", "身份证明", "遭遇困难情况说明"];

#[tokio::test]
async fn a_town_reviews_an_escalated_case_and_the_county_decides() {
    let app = TestApp::spawn().await;
    let station = app.token("jj_station").await;
    let town_item = item_id(&app, &station, JIANJUN, "临时救助").await;
    let id = submit(&app, &station, &town_item, &RELIEF).await;
    let v = ok(&app, &station, VIEW, json!({ "id": id })).await;
    assert_eq!(v["case"]["kind"], "ESCALATED");
    assert_eq!(v["case"]["handlingTenant"]["code"], JIANJUN);

    // The town reviews; it does not accept an item it escalates.
    let r = app.gql(Some(&station), ACCEPT, json!({ "id": id })).await;
    assert_eq!(error_code(&r), "ILLEGAL_TRANSITION", "{r}");
    assert!(error_message(&r).contains("上报"), "{r}");
    let r = app.gql(Some(&station), FORWARD, json!({ "id": id, "o": "  " })).await;
    assert_eq!(error_code(&r), "INVALID_INPUT", "{r}");
    let v = ok(&app, &station, VIEW, json!({ "id": id })).await;
    assert_eq!(v["case"]["handlingTenant"]["code"], JIANJUN, "a refused forward changes nothing");

    let f = ok(&app, &station, FORWARD, json!({ "id": id, "o": "初审通过，家庭困难属实" })).await;
    let f = &f["forwardCase"];
    assert_eq!(f["status"], "RECEIVED");
    assert_eq!(f["handlingTenant"]["code"], YONGSHOU);
    assert_eq!(f["collectingTenant"]["code"], JIANJUN);
    assert!(f["deadline"].is_null(), "the county's clock starts on its acceptance");
    let r = app.gql(Some(&station), FORWARD, json!({ "id": id, "o": "再次上报" })).await;
    assert_eq!(error_code(&r), "FORBIDDEN", "{r}");
    assert!(error_message(&r).contains("已上报"), "{r}");

    // The county sees it in its own list and accepts it on its own item and calendar.
    let window = app.token("ys_window").await;
    let listed = ok(
        &app,
        &window,
        "query($t: RegionCode!) { cases(filter: { tenant: $t, status: [RECEIVED] }) { nodes { id } } }",
        json!({ "t": YONGSHOU }),
    )
    .await;
    assert!(listed["cases"]["nodes"].as_array().expect("nodes").iter().any(|n| n["id"] == id.as_str()), "{listed}");
    let a = ok(&app, &window, ACCEPT, json!({ "id": id })).await;
    assert_eq!(a["acceptCase"]["status"], "ACCEPTED");
    assert_eq!(a["acceptCase"]["workingDaysLeft"], 10, "the county's promised days");
    let county_item = item_id(&app, &window, YONGSHOU, "临时救助").await;
    let admin = app.token("ys_admin").await;
    let approver = app.token("ys_approver").await;
    let approver_id = user_id(&app, &approver).await;
    ok(
        &app,
        &admin,
        "mutation($u: ID!, $i: [ID!]!) { authorizeApprover(userId: $u, implItemIds: $i) { id } }",
        json!({ "u": approver_id, "i": [county_item] }),
    )
    .await;
    let d = ok(&app, &approver, DECIDE, json!({ "id": id, "a": true, "o": "准予临时救助" })).await;
    assert_eq!(d["decideCase"]["status"], "APPROVED");

    // Both see the whole case: the town its review, the county's acceptance and decision.
    let county_view = ok(&app, &window, VIEW, json!({ "id": id })).await;
    let v = ok(&app, &station, VIEW, json!({ "id": id })).await;
    assert_eq!(county_view["case"]["events"], v["case"]["events"], "the same history at both");
    assert_eq!(county_view["case"]["documents"], v["case"]["documents"]);
    let c = &v["case"];
    assert_eq!(c["status"], "APPROVED");
    assert_eq!(c["item"]["id"], county_item.as_str());
    assert_eq!(c["item"]["tenant"]["code"], YONGSHOU);
    let events = c["events"].as_array().expect("events");
    let by: Vec<(&str, &str)> = events
        .iter()
        .map(|e| (e["action"].as_str().unwrap_or_default(), e["tenant"]["code"].as_str().unwrap_or_default()))
        .collect();
    assert_eq!(by, [("收件", JIANJUN), ("上报", JIANJUN), ("受理", YONGSHOU), ("准予许可", YONGSHOU)]);
    assert!(events[1]["opinion"].as_str().unwrap_or_default().starts_with("初审通过"), "{events:?}");
    let kinds: Vec<&str> = c["documents"].as_array().expect("docs").iter().filter_map(|d| d["kind"].as_str()).collect();
    assert_eq!(kinds, ["ACCEPTANCE_NOTICE", "APPROVAL_DECISION"]);
    let town_list = ok(&app, &station, "{ cases { nodes { id handlingTenant { code } } } }", json!({})).await;
    assert!(town_list["cases"]["nodes"].as_array().expect("nodes").iter().any(|n| n["id"] == id.as_str()));

    // A sibling town's station sees nothing of it.
    let admin_id = ok(
        &app,
        &admin,
        "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }",
        json!({ "i": { "tenant": DIANTOU, "username": "dt_station", "password": "Station@2026x", "displayName": "店头镇站点", "roles": ["STATION_STAFF"] } }),
    )
    .await;
    assert!(admin_id["createUser"]["id"].is_string());
    let sibling = app.login("dt_station", "Station@2026x").await.0;
    let r = app.gql(Some(&sibling), VIEW, json!({ "id": id })).await;
    assert_eq!(error_code(&r), "NOT_FOUND", "{r}");

    // The town hands over the result.
    let r = ok(&app, &station, DELIVER, json!({ "id": id })).await;
    assert_eq!(r["deliverCase"]["status"], "DELIVERED");
}

#[tokio::test]
async fn only_escalated_items_are_forwarded_and_only_to_a_publishing_ancestor() {
    let app = TestApp::spawn().await;
    let window = app.token("ys_window").await;
    let teacher = item_id(&app, &window, YONGSHOU, "教师资格").await;
    let id = submit(&app, &window, &teacher, &TEACHER).await;
    let r = app.gql(Some(&window), FORWARD, json!({ "id": id, "o": "初审通过" })).await;
    assert_eq!(error_code(&r), "ILLEGAL_TRANSITION", "{r}");
    assert!(error_message(&r).contains("不是上报件"), "{r}");

    // 集体土地临时用地审批初审 is a town-only escalated item: no ancestor publishes it.
    let admin = app.token("jj_admin").await;
    let base = ok(&app, &admin, "{ baseItems(keyword: \"集体土地临时用地\") { nodes { id } } }", json!({})).await;
    let base_id = base["baseItems"]["nodes"][0]["id"].as_str().expect("base item").to_owned();
    let depts =
        ok(&app, &admin, "query($t: RegionCode!) { departments(tenant: $t) { id } }", json!({ "t": JIANJUN })).await;
    let dept = depts["departments"][0]["id"].as_str().expect("department").to_owned();
    let item = ok(
        &app,
        &admin,
        "mutation($i: ImplItemInput!) { implementItem(input: $i) { id caseKind } }",
        json!({ "i": { "tenant": JIANJUN, "baseItemId": base_id, "departmentId": dept, "promisedDays": 5, "caseKind": "ESCALATED" } }),
    )
    .await;
    let item = item["implementItem"]["id"].as_str().expect("item").to_owned();
    ok(&app, &admin, "mutation($id: ID!) { publishImplItem(id: $id) { status } }", json!({ "id": item })).await;
    let station = app.token("jj_station").await;
    let id = submit(&app, &station, &item, &["申请书", "用地范围图", "土地权属证明"]).await;
    let r = app.gql(Some(&station), FORWARD, json!({ "id": id, "o": "初审通过" })).await;
    assert_eq!(error_code(&r), "INVALID_INPUT", "{r}");
    assert!(error_message(&r).contains("上级单位均未发布"), "{r}");
    let v = ok(&app, &station, VIEW, json!({ "id": id })).await;
    assert_eq!(v["case"]["handlingTenant"]["code"], JIANJUN);
    assert_eq!(v["case"]["events"].as_array().expect("events").len(), 1, "nothing recorded");
}

#[tokio::test]
async fn every_department_of_a_joint_case_decides_and_any_denial_denies() {
    let app = TestApp::spawn().await;
    let admin = app.token("ys_admin").await;
    let window = app.token("ys_window").await;
    let item = item_id(&app, &window, YONGSHOU, "教师资格").await;
    let depts =
        ok(&app, &admin, "query($t: RegionCode!) { departments(tenant: $t) { id name } }", json!({ "t": YONGSHOU }))
            .await;
    let current =
        ok(&app, &admin, "query($id: ID!) { implItem(id: $id) { department { id } } }", json!({ "id": item })).await;
    let lead = current["implItem"]["department"]["id"].as_str().expect("lead").to_owned();
    let others: Vec<(String, String)> = depts["departments"]
        .as_array()
        .expect("departments")
        .iter()
        .filter(|d| d["id"] != lead.as_str())
        .map(|d| (d["id"].as_str().unwrap_or_default().to_owned(), d["name"].as_str().unwrap_or_default().to_owned()))
        .collect();
    let (co, co_name) = others[0].clone();
    let (outsider, _) = others[1].clone();

    const UPDATE: &str = "mutation($id: ID!, $u: ImplItemUpdate!) { updateImplItem(id: $id, input: $u) { caseKind coDepartments { id } } }";
    let r = app.gql(Some(&admin), UPDATE, json!({ "id": item, "u": { "caseKind": "JOINT" } })).await;
    assert_eq!(error_code(&r), "INVALID_INPUT", "{r}");
    assert!(error_message(&r).contains("协办部门"), "{r}");
    let u =
        ok(&app, &admin, UPDATE, json!({ "id": item, "u": { "caseKind": "JOINT", "coDepartmentIds": [co] } })).await;
    assert_eq!(u["updateImplItem"]["caseKind"], "JOINT");
    assert_eq!(u["updateImplItem"]["coDepartments"][0]["id"], co.as_str());

    // The lead's chief representative, a co-department approver and an approver of neither.
    let lead_approver = app.token("ys_approver").await;
    let lead_id = user_id(&app, &lead_approver).await;
    appoint_chief(&app, &admin, &lead_id, &lead).await;
    let mut tokens = Vec::new();
    for (name, dept) in [("ys_co", &co), ("ys_out", &outsider)] {
        let uid = create_approver(&app, &admin, name, dept).await;
        ok(
            &app,
            &admin,
            "mutation($u: ID!, $i: [ID!]!) { authorizeApprover(userId: $u, implItemIds: $i) { id } }",
            json!({ "u": uid, "i": [item] }),
        )
        .await;
        tokens.push(app.login(name, "Approver@2026x").await.0);
    }
    let (co_approver, outside_approver) = (&tokens[0], &tokens[1]);
    // An approver of the lead department, not authorized for the item, who is the co-department's chief
    // representative: on this item they speak for the co-department only.
    let dual_id = create_approver(&app, &admin, "ys_dual", &lead).await;
    appoint_chief(&app, &admin, &dual_id, &co).await;
    let dual = app.login("ys_dual", "Approver@2026x").await.0;

    // All approve: approved with the last department's decision.
    let id = accepted_joint(&app, &window, &item, &co_name).await;
    let queue = "{ approvalQueue { totalCount nodes { id } } }";
    for (who, expected) in [(&lead_approver, 1), (co_approver, 1), (outside_approver, 0), (&dual, 1)] {
        let q = ok(&app, who, queue, json!({})).await;
        assert_eq!(q["approvalQueue"]["totalCount"], expected, "{q}");
    }
    let r = app.gql(Some(outside_approver), DECIDE, json!({ "id": id, "a": true, "o": "同意" })).await;
    assert_eq!(error_code(&r), "FORBIDDEN", "{r}");
    let suspend = "mutation($id: ID!) { suspendCase(id: $id, procedure: INSPECTION, reason: \"送检\") { status } }";
    let r = app.gql(Some(outside_approver), suspend, json!({ "id": id })).await;
    assert_eq!(error_code(&r), "FORBIDDEN", "only the case's departments suspend it: {r}");
    let d = ok(&app, &lead_approver, DECIDE, json!({ "id": id, "a": true, "o": "符合条件" })).await;
    assert_eq!(d["decideCase"]["status"], "ACCEPTED", "the co-department has not decided");
    assert_eq!(d["decideCase"]["departmentReviews"][0]["approved"], true);
    assert!(d["decideCase"]["documents"].as_array().expect("docs").iter().all(|k| k["kind"] != "APPROVAL_DECISION"));
    let r = app.gql(Some(&lead_approver), DECIDE, json!({ "id": id, "a": false, "o": "改变主意" })).await;
    assert_eq!(error_code(&r), "ILLEGAL_TRANSITION", "{r}");
    assert!(error_message(&r).contains("不能重复"), "{r}");
    for (who, expected) in [(&lead_approver, 0), (co_approver, 1), (&dual, 1)] {
        let q = ok(&app, who, queue, json!({})).await;
        assert_eq!(q["approvalQueue"]["totalCount"], expected, "only the department still to review waits: {q}");
    }
    let d = ok(&app, co_approver, DECIDE, json!({ "id": id, "a": true, "o": "" })).await;
    assert_eq!(d["decideCase"]["status"], "APPROVED");
    let v = ok(&app, &window, VIEW, json!({ "id": id })).await;
    let reviewers: Vec<&str> =
        v["case"]["departmentReviews"].as_array().expect("r").iter().filter_map(|r| r["reviewer"].as_str()).collect();
    assert_eq!(reviewers, ["ys_approver", "ys_co"]);

    // One denial denies, with its reasons in the decision.
    let id = accepted_joint(&app, &window, &item, &co_name).await;
    let r = app.gql(Some(co_approver), DECIDE, json!({ "id": id, "a": false, "o": " " })).await;
    assert_eq!(error_code(&r), "INVALID_INPUT", "{r}");
    let d = ok(&app, co_approver, DECIDE, json!({ "id": id, "a": false, "o": "体检结论不合格" })).await;
    assert_eq!(d["decideCase"]["status"], "ACCEPTED");
    for (who, expected) in [(&lead_approver, 1), (&dual, 0)] {
        let q = ok(&app, who, queue, json!({})).await;
        assert_eq!(q["approvalQueue"]["totalCount"], expected, "the lead's review waits, not for ys_dual: {q}");
    }
    let d = ok(&app, &lead_approver, DECIDE, json!({ "id": id, "a": true, "o": "学历符合" })).await;
    assert_eq!(d["decideCase"]["status"], "DENIED");
    let v = ok(&app, &window, VIEW, json!({ "id": id })).await;
    let last = v["case"]["events"].as_array().expect("events").last().cloned().expect("event");
    assert_eq!(last["action"], "不予许可");
    let opinion = last["opinion"].as_str().unwrap_or_default();
    assert!(opinion.contains("体检结论不合格") && opinion.contains(co_name.as_str()), "{opinion}");
    assert_eq!(v["case"]["documents"].as_array().expect("docs").last().expect("doc")["kind"], "DENIAL_DECISION");
}

#[tokio::test]
async fn the_console_forwards_an_escalated_case_and_shows_it_to_both() {
    let app = TestApp::spawn().await;
    let station_token = app.token("jj_station").await;
    let town_item = item_id(&app, &station_token, JIANJUN, "临时救助").await;
    let id = submit(&app, &station_token, &town_item, &RELIEF).await;
    let station = app.console_client("jj_station").await;
    let page_of = |client: &reqwest::Client| {
        let req = client.get(app.url(&format!("/console/cases/{id}")));
        async move { req.send().await.expect("case").text().await.expect("html") }
    };
    let page = page_of(&station).await;
    assert!(page.contains("forward-form") && !page.contains("accept-form"), "the town reviews, not accepts: {page}");
    let form = [("csrf", TestApp::csrf_of(&page)), ("opinion", "初审通过".to_owned())];
    let r = station.post(app.url(&format!("/console/cases/{id}/forward"))).form(&form).send().await.expect("forward");
    assert_eq!(r.status(), 303);
    let page = page_of(&station).await;
    assert!(page.contains("forwarded-note") && page.contains("永寿县政务服务中心"), "{page}");
    assert!(!page.contains("forward-form") && !page.contains("accept-form"), "{page}");

    let county = app.console_client("ys_window").await;
    let page = page_of(&county).await;
    assert!(page.contains("accept-form") && page.contains("case-collecting"), "{page}");
    assert!(page.contains("监军街道便民服务中心"), "{page}");
}

/// Row-level security follows the case: the collecting town and the handling county see a
/// forwarded case with all its events, a sibling town nothing, even without application filters.
#[tokio::test]
async fn row_level_security_follows_a_forwarded_case() {
    use sea_orm::{ConnectionTrait, Database, Statement, TransactionTrait};
    let app = TestApp::spawn().await;
    let tests::Backend::Postgres { app_url, .. } = &app.backend else {
        eprintln!("row-level security applies to PostgreSQL only");
        return;
    };
    let station = app.token("jj_station").await;
    let item = item_id(&app, &station, JIANJUN, "临时救助").await;
    let id = submit(&app, &station, &item, &RELIEF).await;
    ok(&app, &station, FORWARD, json!({ "id": id, "o": "初审通过" })).await;
    let window = app.token("ys_window").await;
    ok(&app, &window, ACCEPT, json!({ "id": id })).await;

    let db = Database::connect(app_url.as_str()).await.expect("connect as the application role");
    let b = db.get_database_backend();
    let seen = |scope: &'static str| {
        let db = &db;
        let id = id.clone();
        async move {
            let tx = db.begin().await.expect("begin");
            let sql = |s: String| Statement::from_string(b, s);
            tx.execute_raw(sql(format!("SELECT set_config('tongban.scope', '{scope}', true)"))).await.expect("scope");
            let mut counts = Vec::new();
            for table in ["cases", "case_events", "documents"] {
                let column = if table == "cases" { "id" } else { "case_id" };
                let q = format!("SELECT count(*) AS n FROM {table} WHERE {column} = '{id}'");
                let row = tx.query_one_raw(sql(q)).await.expect("count").expect("row");
                counts.push(row.try_get::<i64>("", "n").expect("n"));
            }
            tx.commit().await.expect("commit");
            counts
        }
    };
    assert_eq!(seen(JIANJUN).await, [1, 3, 1], "the collecting town");
    assert_eq!(seen(YONGSHOU).await, [1, 3, 1], "the handling county, its own code only");
    assert_eq!(seen(DIANTOU).await, [0, 0, 0], "a sibling town");
}

/// The value of the `<option>` whose label starts with `label`.
fn option_value(html: &str, label: &str) -> String {
    let at = html.find(&format!("\">{label}")).unwrap_or_else(|| panic!("no option {label}"));
    let value = html[..at].rsplit("value=\"").next().expect("value");
    value.to_owned()
}

/// A county administrator creates a joint item in the console, naming its co-department at once.
#[tokio::test]
async fn the_console_implements_a_joint_item_with_its_co_departments() {
    let app = TestApp::spawn().await;
    let admin = app.token("ys_admin").await;
    app.console_login(&app.client, "ys_admin").await;
    let html = app.client.get(app.url("/console/items")).send().await.expect("page").text().await.expect("html");
    let base = option_value(&html, "CJ-00202-000 对教师申诉的处理");
    let lead = option_value(&html, "教育局");
    let co = option_value(&html, "人力资源和社会保障局");
    let mut form = vec![
        ("csrf", TestApp::csrf_of(&html)),
        ("base_item", base),
        ("department", lead.clone()),
        ("promised_days", "10".into()),
        ("case_kind", "joint".into()),
        ("place", "县政务服务中心二楼教育窗口".into()),
    ];
    const ITEMS: &str = "query($t: RegionCode!) { implItems(tenant: $t, keyword: \"教师申诉\") { totalCount nodes { caseKind department { id } coDepartments { id name } } } }";

    // Joint without a co-department, or with the lead itself: refused in Chinese, nothing created.
    for extra in [None, Some(lead.clone())] {
        let mut f = form.clone();
        f.extend(extra.map(|d| ("co_departments", d)));
        let r = app.client.post(app.url("/console/items/implement")).form(&f).send().await.expect("post");
        assert_eq!(r.status(), 400);
        assert!(r.text().await.expect("html").contains("协办部门"));
    }
    let none = app.gql(Some(&admin), ITEMS, json!({ "t": YONGSHOU })).await;
    assert_eq!(none["data"]["implItems"]["totalCount"], 0, "{none}");

    form.push(("co_departments", co.clone()));
    let r = app.client.post(app.url("/console/items/implement")).form(&form).send().await.expect("post");
    assert_eq!(r.status(), 303);
    let made = app.gql(Some(&admin), ITEMS, json!({ "t": YONGSHOU })).await;
    let item = &made["data"]["implItems"]["nodes"][0];
    assert_eq!(item["caseKind"], "JOINT", "{made}");
    assert_eq!(item["department"]["id"], lead.as_str());
    assert_eq!(item["coDepartments"], json!([{ "id": co, "name": "人力资源和社会保障局" }]));
}

/// The demo ships a joint item (林木采伐许可证核发: 林业局 leads, 自然资源局 reviews) and an approver for
/// each department, so a joint case runs end to end without setup.
#[tokio::test]
async fn the_demo_runs_a_joint_case() {
    let app = TestApp::spawn().await;
    let window = app.token("ys_window").await;
    let item = item_id(&app, &window, YONGSHOU, "林木采伐").await;
    let id = submit(&app, &window, &item, &["采伐申请书", "林木权属证明", "伐区调查设计"]).await;
    let accepted = ok(&app, &window, ACCEPT, json!({ "id": id })).await;
    assert_eq!(accepted["acceptCase"]["status"], "ACCEPTED", "{accepted}");
    // The county's general approver speaks for neither department.
    let general = app.token("ys_approver").await;
    let r = app.gql(Some(&general), DECIDE, json!({ "id": id, "a": true, "o": "同意" })).await;
    assert_eq!(error_code(&r), "FORBIDDEN", "{r}");
    let (forestry, land) = (app.token("ys_forestry").await, app.token("ys_land").await);
    let d = ok(&app, &forestry, DECIDE, json!({ "id": id, "a": true, "o": "伐区设计符合规定" })).await;
    assert_eq!(d["decideCase"]["status"], "ACCEPTED", "自然资源局 has not reviewed yet: {d}");
    let d = ok(&app, &land, DECIDE, json!({ "id": id, "a": true, "o": "不涉及占用林地" })).await;
    assert_eq!(d["decideCase"]["status"], "APPROVED", "{d}");
    let v = ok(&app, &window, VIEW, json!({ "id": id })).await;
    let reviews: Vec<(String, bool)> = v["case"]["departmentReviews"]
        .as_array()
        .expect("reviews")
        .iter()
        .map(|r| (r["departmentName"].as_str().unwrap_or_default().to_owned(), r["lead"].as_bool().unwrap_or_default()))
        .collect();
    assert_eq!(reviews, [("林业局".to_owned(), true), ("自然资源局".to_owned(), false)]);
}
