//! The steps of a case come from the domain: for every status and role, the console page shows
//! exactly the forms `Case.allowedActions` lists, and exactly those mutations are accepted.

use std::collections::BTreeSet;

use serde_json::{Value, json};
use tests::{TestApp, YONGSHOU, error_code};

const SUBMIT: &str = "mutation($i: SubmitCaseInput!) { submitCase(input: $i) { case { id } } }";
const ALLOWED: &str = "query($id: ID!) { case(id: $id) { status allowedActions } }";
const ALL_MATERIALS: [&str; 5] = ["申请表", "身份证明", "学历证书", "体检合格证明", "普通话水平测试等级证书"];

/// Every step: its GraphQL name, its console form key, and a mutation with valid input.
const STEPS: [(&str, &str, &str); 12] = [
    ("FORWARD", "forward", "mutation($id: ID!) { forwardCase(id: $id, opinion: \"初审通过\") { status } }"),
    ("ACCEPT", "accept", "mutation($id: ID!) { acceptCase(id: $id) { status } }"),
    (
        "REQUEST_CORRECTION",
        "correct",
        "mutation($id: ID!) { requestCorrection(id: $id, missingMaterials: [\"体检合格证明\"], note: \"请补齐\") { status } }",
    ),
    ("REJECT", "reject", "mutation($id: ID!) { rejectCase(id: $id, reason: \"不符合申请条件\") { status } }"),
    (
        "RESUBMIT",
        "resubmit",
        "mutation($id: ID!) { resubmitCase(id: $id, providedMaterials: [\"体检合格证明\", \"普通话水平测试等级证书\"]) { status } }",
    ),
    (
        "APPROVE",
        "approve",
        "mutation($id: ID!) { decideCase(id: $id, approve: true, opinion: \"符合条件\") { status } }",
    ),
    ("DENY", "deny", "mutation($id: ID!) { decideCase(id: $id, approve: false, opinion: \"不符合条件\") { status } }"),
    (
        "SUSPEND",
        "suspend",
        "mutation($id: ID!) { suspendCase(id: $id, procedure: HEARING, reason: \"组织听证\") { status } }",
    ),
    ("RESUME", "resume", "mutation($id: ID!) { resumeCase(id: $id) { status } }"),
    ("DELIVER", "deliver", "mutation($id: ID!) { deliverCase(id: $id, method: WINDOW) { status } }"),
    ("ARCHIVE", "archive", "mutation($id: ID!) { archiveCase(id: $id) { status } }"),
    ("WITHDRAW", "withdraw", "mutation($id: ID!) { withdrawCase(id: $id, reason: \"申请人撤回\") { status } }"),
];

const STATUSES: [&str; 10] = [
    "RECEIVED",
    "CORRECTION_REQUESTED",
    "NOT_ACCEPTED",
    "ACCEPTED",
    "SUSPENDED",
    "APPROVED",
    "DENIED",
    "DELIVERED",
    "ARCHIVED",
    "WITHDRAWN",
];

const ROLES: [&str; 5] = ["ys_window", "ys_approver", "ys_supervisor", "ys_admin", "ys_forestry"];

/// What the rules say (domain.md §4, §7): the clerk handles, the authorized approver decides,
/// the supervisor, the administrator and an approver without authorization for the item do nothing.
fn expected(role: &str, status: &str) -> BTreeSet<&'static str> {
    let list: &[&str] = match (role, status) {
        ("ys_window", "RECEIVED") => &["ACCEPT", "REQUEST_CORRECTION", "REJECT", "WITHDRAW"],
        ("ys_window", "CORRECTION_REQUESTED") => &["RESUBMIT", "WITHDRAW"],
        ("ys_window", "ACCEPTED" | "SUSPENDED") => &["WITHDRAW"],
        ("ys_window", "APPROVED" | "DENIED") => &["DELIVER"],
        ("ys_window", "NOT_ACCEPTED" | "DELIVERED" | "WITHDRAWN") => &["ARCHIVE"],
        ("ys_approver", "ACCEPTED") => &["APPROVE", "DENY", "SUSPEND"],
        ("ys_approver", "SUSPENDED") => &["RESUME"],
        _ => &[],
    };
    list.iter().copied().collect()
}

struct World {
    app: TestApp,
    window: String,
    approver: String,
    item: String,
}

impl World {
    async fn ok(&self, token: &str, query: &str, id: &str) -> Value {
        let r = self.app.gql(Some(token), query, json!({ "id": id })).await;
        assert!(r["errors"].is_null(), "{query}: {r}");
        r
    }

    /// A new case of the teacher item brought to `status` by the clerk and the approver.
    async fn case_in(&self, status: &str) -> String {
        let provided: &[&str] = if status == "CORRECTION_REQUESTED" { &ALL_MATERIALS[..3] } else { &ALL_MATERIALS };
        let input = json!({ "i": {
            "implItemId": self.item,
            "applicant": { "kind": "PERSON", "name": "赵六", "idNumber": "11010519491231002X" },
            "providedMaterials": provided,
        } });
        let r = self.app.gql(Some(&self.window), SUBMIT, input).await;
        let id = r["data"]["submitCase"]["case"]["id"].as_str().unwrap_or_else(|| panic!("submit: {r}")).to_owned();
        let step = |name: &str| STEPS.iter().find(|s| s.0 == name).expect("step").2;
        let path: &[(&str, bool)] = match status {
            "RECEIVED" => &[],
            "CORRECTION_REQUESTED" => &[("REQUEST_CORRECTION", false)],
            "NOT_ACCEPTED" => &[("REJECT", false)],
            "WITHDRAWN" => &[("WITHDRAW", false)],
            "ACCEPTED" => &[("ACCEPT", false)],
            "SUSPENDED" => &[("ACCEPT", false), ("SUSPEND", true)],
            "APPROVED" => &[("ACCEPT", false), ("APPROVE", true)],
            "DENIED" => &[("ACCEPT", false), ("DENY", true)],
            "DELIVERED" => &[("ACCEPT", false), ("APPROVE", true), ("DELIVER", false)],
            "ARCHIVED" => &[("ACCEPT", false), ("APPROVE", true), ("DELIVER", false), ("ARCHIVE", false)],
            other => panic!("no path to {other}"),
        };
        for (name, by_approver) in path {
            let token = if *by_approver { &self.approver } else { &self.window };
            self.ok(token, step(name), &id).await;
        }
        let r = self.ok(&self.window, ALLOWED, &id).await;
        assert_eq!(r["data"]["case"]["status"], status, "{r}");
        id
    }
}

fn names(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .filter_map(|s| s.as_str())
        .map(String::from)
        .collect()
}

#[tokio::test]
async fn every_status_and_role_sees_exactly_the_steps_it_may_take() {
    let app = TestApp::spawn().await;
    let window = app.token("ys_window").await;
    let approver = app.token("ys_approver").await;
    let r = app
        .gql(
            Some(&window),
            "query($t: RegionCode!) { implItems(tenant: $t, keyword: \"教师资格\", status: PUBLISHED) { nodes { id } } }",
            json!({ "t": YONGSHOU }),
        )
        .await;
    let item = r["data"]["implItems"]["nodes"][0]["id"].as_str().unwrap_or_else(|| panic!("no item: {r}")).to_owned();
    let world = World { app, window, approver, item };
    let mut tokens = Vec::new();
    let mut consoles = Vec::new();
    for role in ROLES {
        tokens.push(world.app.token(role).await);
        consoles.push(world.app.console_client(role).await);
    }

    for status in STATUSES {
        let id = world.case_in(status).await;
        for (i, role) in ROLES.iter().enumerate() {
            let r = world.ok(&tokens[i], ALLOWED, &id).await;
            let field = names(&r["data"]["case"]["allowedActions"]);
            let want: BTreeSet<String> = expected(role, status).into_iter().map(String::from).collect();
            assert_eq!(field, want, "{role} on {status}: allowedActions");

            // The page shows exactly those forms.
            let page = consoles[i]
                .get(world.app.url(&format!("/console/cases/{id}")))
                .send()
                .await
                .expect("page")
                .text()
                .await
                .expect("html");
            assert!(page.contains("id=\"case-status\""), "{role} sees the case: {page}");
            let shown: BTreeSet<String> = STEPS
                .iter()
                .filter(|(_, key, _)| page.contains(&format!("id=\"{key}-form\"")))
                .map(|(name, _, _)| (*name).to_owned())
                .collect();
            assert_eq!(shown, field, "{role} on {status}: the page's forms");

            // Every other step is refused and changes nothing.
            for (name, _, mutation) in STEPS.iter().filter(|s| !field.contains(s.0)) {
                let r = world.app.gql(Some(&tokens[i]), mutation, json!({ "id": id })).await;
                assert!(!r["errors"].is_null(), "{role} on {status}: {name} was accepted: {r}");
                let code = error_code(&r);
                assert!(
                    matches!(code, "FORBIDDEN" | "ILLEGAL_TRANSITION" | "NOT_FOUND"),
                    "{role} {status} {name}: {r}"
                );
            }
            let after = world.ok(&tokens[i], ALLOWED, &id).await;
            assert_eq!(after["data"]["case"]["status"], status, "{role}: refused steps changed the case");

            // Every listed step is accepted (each on a case of its own).
            for (name, _, mutation) in STEPS.iter().filter(|s| field.contains(s.0)) {
                let fresh = world.case_in(status).await;
                let r = world.app.gql(Some(&tokens[i]), mutation, json!({ "id": fresh })).await;
                assert!(r["errors"].is_null(), "{role} on {status}: {name} was listed but refused: {r}");
            }
        }
    }
}

#[tokio::test]
async fn a_station_sees_no_county_case_and_a_town_case_only_to_forward() {
    let app = TestApp::spawn().await;
    let station = app.token("jj_station").await;
    let window = app.token("ys_window").await;
    let r = app
        .gql(
            Some(&station),
            "query($t: RegionCode!) { implItems(tenant: $t, keyword: \"临时救助\", status: PUBLISHED) { nodes { id tenant { code } } } }",
            json!({ "t": tests::JIANJUN }),
        )
        .await;
    let nodes = r["data"]["implItems"]["nodes"].as_array().cloned().unwrap_or_default();
    let item = nodes
        .iter()
        .find(|n| n["tenant"]["code"] == tests::JIANJUN)
        .and_then(|n| n["id"].as_str())
        .unwrap_or_else(|| panic!("no town item: {r}"))
        .to_owned();
    let input = json!({ "i": {
        "implItemId": item,
        "applicant": { "kind": "PERSON", "name": "李四", "idNumber": "11010519491231002X" },
        "providedMaterials": ["申请书", "身份证明", "遭遇困难情况说明"],
    } });
    let r = app.gql(Some(&station), SUBMIT, input).await;
    let id = r["data"]["submitCase"]["case"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    let steps = |token: String| {
        let app = &app;
        let id = id.clone();
        async move {
            let r = app.gql(Some(&token), ALLOWED, json!({ "id": id })).await;
            assert!(r["errors"].is_null(), "{r}");
            names(&r["data"]["case"]["allowedActions"])
        }
    };
    let town = steps(station.clone()).await;
    let want: BTreeSet<String> =
        ["FORWARD", "REQUEST_CORRECTION", "REJECT", "WITHDRAW"].into_iter().map(String::from).collect();
    assert_eq!(town, want, "the town reviews an escalated item; it does not accept it");
    // The county's administrator sees the town's case but does not work on it.
    assert!(steps(app.token("ys_admin").await).await.is_empty());

    // After forwarding, the town only watches; the county accepts.
    let r = app
        .gql(
            Some(&station),
            "mutation($id: ID!) { forwardCase(id: $id, opinion: \"初审通过\") { status } }",
            json!({ "id": id }),
        )
        .await;
    assert!(r["errors"].is_null(), "{r}");
    assert!(steps(station).await.is_empty(), "the collecting town watches until the result is back");
    let county = steps(window).await;
    assert!(county.contains("ACCEPT") && !county.contains("FORWARD"), "{county:?}");
}

/// A refused step shows the case again: the error in Chinese next to its field, what was typed
/// kept; irreversible steps need the confirmation ticked.
#[tokio::test]
async fn a_refused_step_keeps_the_form_and_irreversible_steps_ask_for_confirmation() {
    let app = TestApp::spawn().await;
    let window = app.token("ys_window").await;
    let approver = app.token("ys_approver").await;
    let r = app
        .gql(
            Some(&window),
            "query($t: RegionCode!) { implItems(tenant: $t, keyword: \"教师资格\", status: PUBLISHED) { nodes { id } } }",
            json!({ "t": YONGSHOU }),
        )
        .await;
    let item = r["data"]["implItems"]["nodes"][0]["id"].as_str().unwrap_or_else(|| panic!("no item: {r}")).to_owned();
    let world = World { app, window, approver, item };
    let clerk = world.app.console_client("ys_window").await;
    let page_of = |id: String| {
        let req = clerk.get(world.app.url(&format!("/console/cases/{id}")));
        async move { req.send().await.expect("page").text().await.expect("html") }
    };
    let post = |id: String, step: &'static str, fields: Vec<(&'static str, String)>| {
        let req = clerk.post(world.app.url(&format!("/console/cases/{id}/{step}"))).form(&fields);
        async move { req.send().await.expect("post") }
    };

    // 不予受理 without the confirmation: refused, the reason kept.
    let id = world.case_in("RECEIVED").await;
    let csrf = TestApp::csrf_of(&page_of(id.clone()).await);
    let r = post(id.clone(), "reject", vec![("csrf", csrf.clone()), ("reason", "材料不全且不符合条件".into())]).await;
    assert_eq!(r.status(), 400);
    let html = r.text().await.expect("html");
    assert!(!html.contains("请求有误"), "no separate error page: {html}");
    let form = html.split("id=\"reject-form\"").nth(1).and_then(|s| s.split("</form>").next()).expect("reject form");
    assert!(form.contains("材料不全且不符合条件"), "the reason is kept: {form}");
    assert!(form.contains("class=\"field-error\"") && form.contains("请勾选确认"), "{form}");
    assert_eq!(world.ok(&world.window, ALLOWED, &id).await["data"]["case"]["status"], "RECEIVED");
    let r = post(
        id.clone(),
        "reject",
        vec![("csrf", csrf.clone()), ("reason", "不符合条件".into()), ("confirm", "1".into())],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(world.ok(&world.window, ALLOWED, &id).await["data"]["case"]["status"], "NOT_ACCEPTED");

    // Delivery by post without a tracking number: the error sits at the tracking field.
    let id = world.case_in("APPROVED").await;
    let r = post(
        id.clone(),
        "deliver",
        vec![("csrf", csrf.clone()), ("method", "POST".into()), ("tracking_no", "".into())],
    )
    .await;
    assert_eq!(r.status(), 400);
    let html = r.text().await.expect("html");
    let form = html.split("id=\"deliver-form\"").nth(1).and_then(|s| s.split("</form>").next()).expect("deliver form");
    assert!(form.contains("value=\"POST\" selected"), "the chosen method is kept: {form}");
    let field = form.split("id=\"deliver-tracking\"").nth(1).expect("tracking field");
    assert!(field.split('>').next().unwrap_or_default().contains("aria-invalid=\"true\""), "{field}");
    assert!(form.contains("id=\"deliver-tracking-error\"") && form.contains("邮寄送达须填写快递单号"), "{form}");
    let r = post(
        id.clone(),
        "deliver",
        vec![("csrf", csrf), ("method", "POST".into()), ("tracking_no", "SF1234567890".into())],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(world.ok(&world.window, ALLOWED, &id).await["data"]["case"]["status"], "DELIVERED");
}
