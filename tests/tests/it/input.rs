//! Text from outside: NUL and other control characters, direction overrides, overlong fields and
//! oversized or deeply nested JSON are INVALID_INPUT naming the field, never INTERNAL, and
//! nothing is stored. Strings travel in GraphQL variables, so `\u0000` arrives as a real NUL.

use serde_json::{Value, json};
use tests::{TestApp, YONGSHOU, error_code, error_message};

const SUBMIT: &str = "mutation($i: SubmitCaseInput!) { submitCase(input: $i) { case { id } } }";
const COUNT: &str = "query($t: RegionCode!) { cases(filter: { tenant: $t }) { totalCount } }";

/// Asserts INVALID_INPUT with a message naming `field`.
fn assert_invalid(r: &Value, field: &str) {
    assert_eq!(error_code(r), "INVALID_INPUT", "{field}: {r}");
    assert!(error_message(r).contains(field), "the message names {field}: {r}");
}

async fn teacher_item(app: &TestApp, token: &str) -> String {
    let q =
        "query($t: RegionCode!) { implItems(tenant: $t, keyword: \"教师资格\", status: PUBLISHED) { nodes { id } } }";
    let r = app.gql(Some(token), q, json!({ "t": YONGSHOU })).await;
    r["data"]["implItems"]["nodes"][0]["id"].as_str().unwrap_or_else(|| panic!("no item: {r}")).to_owned()
}

async fn case_count(app: &TestApp, token: &str) -> u64 {
    let r = app.gql(Some(token), COUNT, json!({ "t": YONGSHOU })).await;
    r["data"]["cases"]["totalCount"].as_u64().unwrap_or_else(|| panic!("{r}"))
}

fn submission(item: &str, applicant: Value, form: Value) -> Value {
    let mut a = json!({ "kind": "PERSON", "name": "王小明", "idNumber": "11010519491231002X", "phone": "13812345678" });
    if let (Some(a), Some(over)) = (a.as_object_mut(), applicant.as_object()) {
        a.extend(over.clone());
    }
    json!({ "i": { "implItemId": item, "applicant": a, "providedMaterials": ["申请表"], "form": form } })
}

#[tokio::test]
async fn public_lookups_refuse_control_characters_before_looking() {
    let app = TestApp::spawn().await;
    let login = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }";
    let r = app.gql(None, login, json!({ "u": "ys_admin\u{0}", "p": tests::DEMO_PASSWORD })).await;
    assert_invalid(&r, "参数 username");
    let r = app.gql(None, login, json!({ "u": "ys_admin", "p": "x".repeat(5_000) })).await;
    assert_invalid(&r, "密码");
    // The refusals counted as no failed login of the real user.
    app.token("ys_admin").await;

    let token = "mutation($c: String!, $s: String!) { serviceToken(clientId: $c, clientSecret: $s) { accessToken } }";
    let r = app.gql(None, token, json!({ "c": "svc-\u{0}", "s": "secret" })).await;
    assert_invalid(&r, "参数 clientId");

    let guide = "query($c: String!) { serviceGuide(implCode: $c) { implCode } }";
    let r = app.gql(None, guide, json!({ "c": "11610426MB0000001X4XK\u{0}" })).await;
    assert_invalid(&r, "参数 implCode");

    let track = "query($n: String!, $q: String!) { trackCase(caseNo: $n, queryCode: $q) { status } }";
    let r = app.gql(None, track, json!({ "n": "TB610426-20261128-\u{0}", "q": "AAAAAAAA" })).await;
    assert_invalid(&r, "参数 caseNo");
}

#[tokio::test]
async fn a_booking_with_a_nul_in_the_name_is_refused_and_books_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.token("ys_admin").await;
    let item = teacher_item(&app, &admin).await;
    let today = chrono::Utc::now().with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("tz")).date_naive();
    let next = "query($t: RegionCode!, $f: Date!) { addWorkingDays(tenant: $t, from: $f, days: 1) }";
    let next = app.gql(Some(&admin), next, json!({ "t": YONGSHOU, "f": today.to_string() })).await;
    let day = next["data"]["addWorkingDays"].as_str().unwrap_or_else(|| panic!("{next}")).to_owned();
    let slot = "mutation($i: ID!, $d: Date!) { createAppointmentSlot(implItemId: $i, date: $d, startTime: \"09:00\", endTime: \"10:00\", capacity: 1) { id } }";
    let r = app.gql(Some(&admin), slot, json!({ "i": item, "d": day })).await;
    let slot = r["data"]["createAppointmentSlot"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();

    let book = "mutation($t: RegionCode!, $s: ID!, $n: String!) { bookAppointment(tenant: $t, slotId: $s, applicantName: $n, phone: \"13800001234\") { id } }";
    let r = app.gql(None, book, json!({ "t": YONGSHOU, "s": slot, "n": "张\u{0}三" })).await;
    assert_invalid(&r, "参数 applicantName");
    let r = app.gql(None, book, json!({ "t": YONGSHOU, "s": slot, "n": "张三\u{202E}" })).await;
    assert_invalid(&r, "参数 applicantName");

    let slots = "query($t: RegionCode!, $i: ID!, $d: Date!) { appointmentSlots(tenant: $t, implItemId: $i, date: $d) { booked } }";
    let r = app.gql(None, slots, json!({ "t": YONGSHOU, "i": item, "d": day })).await;
    assert_eq!(r["data"]["appointmentSlots"][0]["booked"], 0, "nothing booked: {r}");
    // The place is still there for a proper name.
    let r = app.gql(None, book, json!({ "t": YONGSHOU, "s": slot, "n": "张三" })).await;
    assert!(r["data"]["bookAppointment"]["id"].is_string(), "{r}");
}

#[tokio::test]
async fn bad_applicant_text_and_oversized_forms_store_no_case() {
    let app = TestApp::spawn().await;
    let window = app.token("ys_window").await;
    let item = teacher_item(&app, &window).await;
    let before = case_count(&app, &window).await;
    let ok_form = json!({ "subject": "小学语文" });

    let r = app.gql(Some(&window), SUBMIT, submission(&item, json!({ "name": "王\u{0}小明" }), ok_form.clone())).await;
    assert_invalid(&r, "参数 input.applicant.name");
    assert!(error_message(&r).contains("NUL"), "{r}");
    let r =
        app.gql(Some(&window), SUBMIT, submission(&item, json!({ "name": "王小明\u{202E}" }), ok_form.clone())).await;
    assert_invalid(&r, "参数 input.applicant.name");
    assert!(error_message(&r).contains("U+202E"), "{r}");
    let long =
        json!({ "kind": "COMPANY", "name": "某公司", "idType": "证".repeat(5_000), "idNumber": "91610426MA6X00000X" });
    let r = app.gql(Some(&window), SUBMIT, submission(&item, long, ok_form.clone())).await;
    assert_invalid(&r, "证件类型");

    // 100 KB in strings each short enough for the API edge: the form's own bound refuses it.
    let mut big = json!({ "subject": "小学语文" });
    for i in 0..10 {
        big[format!("part{i}")] = json!("x".repeat(10 * 1024));
    }
    let r = app.gql(Some(&window), SUBMIT, submission(&item, json!({}), big)).await;
    assert_invalid(&r, "申请表单");
    // Deeper than a form may be (8) but within what the API edge lets through (16)…
    let mut deep = json!("底");
    for _ in 0..12 {
        deep = json!({ "a": deep });
    }
    let r = app.gql(Some(&window), SUBMIT, submission(&item, json!({}), deep.clone())).await;
    assert_invalid(&r, "申请表单");
    // …and deeper than any input value may be: refused at the edge.
    for _ in 0..40 {
        deep = json!({ "a": deep });
    }
    let r = app.gql(Some(&window), SUBMIT, submission(&item, json!({}), deep)).await;
    assert_invalid(&r, "嵌套过深");
    let r = app.gql(Some(&window), SUBMIT, submission(&item, json!({}), json!({ "subject": "语\u{0}文" }))).await;
    assert_invalid(&r, "参数 input.form.subject");

    assert_eq!(case_count(&app, &window).await, before, "nothing was stored");
    // The same submission with clean text is taken.
    let r = app.gql(Some(&window), SUBMIT, submission(&item, json!({}), ok_form)).await;
    assert!(r["data"]["submitCase"]["case"]["id"].is_string(), "{r}");
    assert_eq!(case_count(&app, &window).await, before + 1);
}

#[tokio::test]
async fn the_console_shows_the_same_refusal() {
    let app = TestApp::spawn().await;
    let window = app.token("ys_window").await;
    let item = teacher_item(&app, &window).await;
    let before = case_count(&app, &window).await;
    let clerk = app.console_client("ys_window").await;
    let page = clerk.get(app.url(&format!("/console/cases/new?item={item}"))).send().await.expect("form");
    let csrf = TestApp::csrf_of(&page.text().await.expect("html"));
    let form = [
        ("csrf", csrf),
        ("item", item),
        ("applicant_kind", "PERSON".into()),
        ("name", "李\u{0}华".into()),
        ("id_type", "身份证".into()),
        ("id_number", "11010519491231002X".into()),
        ("phone", "13900000000".into()),
        ("provided", "申请表".into()),
    ];
    let r = clerk.post(app.url("/console/cases")).form(&form).send().await.expect("submit");
    assert_eq!(r.status(), 400);
    let html = r.text().await.expect("html");
    assert!(html.contains("申请人名称") && html.contains("NUL"), "{html}");
    assert_eq!(case_count(&app, &window).await, before);
}
