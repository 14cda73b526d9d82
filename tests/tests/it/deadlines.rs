//! Stored deadlines follow the calendar (provisional ones are redone once a year's official data
//! is loaded, root edits move the deadlines they touch), and each root tenant's yellow threshold.

use std::io::Write;
use std::process::{Command, Output};

use chrono::NaiveDate;
use serde_json::{Value, json};
use tests::{QINDU, TestApp, XIANYANG, YONGSHOU, error_code, error_message};

const ALL_MATERIALS: [&str; 5] = ["申请表", "身份证明", "学历证书", "体检合格证明", "普通话水平测试等级证书"];
const CASE: &str = "query($id: ID!) { case(id: $id) { caseNo status deadline deadlineProvisional workingDaysLeft warning events { actor action opinion } } }";
const ACCEPT: &str =
    "mutation($id: ID!) { acceptCase(id: $id) { deadline deadlineProvisional workingDaysLeft warning } }";
const LISTED: &str = "query($w: [Warning!]) { cases(filter: { warning: $w }) { totalCount nodes { id } } }";
const THRESHOLD: &str =
    "mutation($t: RegionCode!, $d: Int!) { setWarningThreshold(tenant: $t, yellowDays: $d) { yellowDays isDefault } }";
const GET_THRESHOLD: &str = "query($t: RegionCode!) { warningThreshold(tenant: $t) { yellowDays isDefault } }";

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

/// The server's local date (Asia/Shanghai) before any shift.
fn today() -> NaiveDate {
    chrono::Utc::now().with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("offset")).date_naive()
}

/// Moves the server's clock so that its local date becomes `to` (from `from`, its date now).
fn move_to(app: &TestApp, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    app.clock.advance(chrono::Duration::days((to - from).num_days()));
    to
}

/// A 教师资格认定 case (20 working days) accepted at 永寿县 by its window.
async fn accepted_case(app: &TestApp, window: &str) -> (String, Value) {
    let r = app
        .gql(
            Some(window),
            "query($t: RegionCode!) { implItems(tenant: $t, keyword: \"教师资格\", status: PUBLISHED) { nodes { id } } }",
            json!({ "t": YONGSHOU }),
        )
        .await;
    let item = r["data"]["implItems"]["nodes"][0]["id"].as_str().unwrap_or_else(|| panic!("no item: {r}")).to_owned();
    let submit = "mutation($i: SubmitCaseInput!) { submitCase(input: $i) { case { id } } }";
    let input = json!({ "i": {
        "implItemId": item,
        "applicant": { "kind": "PERSON", "name": "王小明", "idNumber": "11010519491231002X" },
        "providedMaterials": ALL_MATERIALS,
    } });
    let r = app.gql(Some(window), submit, input).await;
    let id = r["data"]["submitCase"]["case"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    let a = app.gql(Some(window), ACCEPT, json!({ "id": id })).await;
    assert!(a["errors"].is_null(), "{a}");
    (id, a["data"]["acceptCase"].clone())
}

async fn listed(app: &TestApp, token: &str, warning: &str) -> Vec<String> {
    let r = app.gql(Some(token), LISTED, json!({ "w": [warning] })).await;
    let nodes = r["data"]["cases"]["nodes"].as_array().unwrap_or_else(|| panic!("{r}")).clone();
    nodes.iter().map(|n| n["id"].as_str().unwrap_or_default().to_owned()).collect()
}

async fn newest_audit(app: &TestApp, token: &str, tenant: &str) -> (u64, Value) {
    let q = "query($t: RegionCode!) { auditLog(tenant: $t, first: 1) { totalCount nodes { actor action target } } }";
    let r = app.gql(Some(token), q, json!({ "t": tenant })).await;
    let log = &r["data"]["auditLog"];
    (log["totalCount"].as_u64().unwrap_or_else(|| panic!("{r}")), log["nodes"][0].clone())
}

fn tongban(env: &[(String, String)], args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tongban-under-test"));
    for (k, _) in std::env::vars() {
        if k.starts_with("TONGBAN_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("TONGBAN_LOG", "warn").args(args).envs(env.iter().map(|(k, v)| (k, v))).output().expect("run tongban")
}

fn temp_file(content: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("tongban-dl-{}.csv", uuid::Uuid::new_v4().simple()));
    let mut f = std::fs::File::create(&path).expect("create");
    f.write_all(content.as_bytes()).expect("write");
    path
}

/// Accepted on Monday 2026-12-14 with 20 working days, the deadline lands in 2027, which has no
/// official data yet: 2027-01-11, provisional (New Year's Day counted as a Friday). Loading 2027
/// moves it to 2027-01-12 and clears the mark, in the stored deadline that the warning lists use,
/// with an event and an audit entry; a root edit inside the window moves it again.
#[tokio::test]
async fn loading_a_year_recomputes_provisional_deadlines() {
    let app = TestApp::spawn().await;
    let now = move_to(&app, today(), d("2026-12-14"));
    let window = app.token("ys_window").await;
    let (id, accepted) = accepted_case(&app, &window).await;
    assert_eq!(accepted["deadline"], "2027-01-11", "{accepted}");
    assert_eq!(accepted["deadlineProvisional"], true);

    let ys_admin = app.token("ys_admin").await;
    // Logins are audited too: every token before counting.
    let sup = app.token("ys_supervisor").await;
    let (log_before, _) = newest_audit(&app, &ys_admin, YONGSHOU).await;
    let file = temp_file("date,kind,name\n2027-01-01,holiday,元旦\n");
    let o = tongban(&app.cli_env(), &["import-calendar", file.to_str().expect("path")]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("已重新计算 1 个暂定期限"), "{out}");

    let c = app.gql(Some(&window), CASE, json!({ "id": id })).await;
    let case = &c["data"]["case"];
    assert_eq!(case["deadline"], "2027-01-12", "{c}");
    assert_eq!(case["deadlineProvisional"], false);
    let last = case["events"].as_array().and_then(|e| e.last()).cloned().unwrap_or_default();
    assert_eq!(last["action"], "期限重算", "{c}");
    assert_eq!(last["actor"], "system:recompute-deadlines");
    let opinion = last["opinion"].as_str().unwrap_or_default();
    assert!(opinion.contains("2027年法定节假日数据已导入") && opinion.contains("2027-01-11（暂定）"), "{opinion}");
    assert!(opinion.ends_with("调整为2027-01-12"), "{opinion}");
    let (log_after, entry) = newest_audit(&app, &ys_admin, YONGSHOU).await;
    assert_eq!(log_after, log_before + 1, "one audit entry for the tenant's batch");
    assert_eq!(entry["action"], "case.recompute_deadlines");
    assert_eq!(entry["target"], "1件");

    // The warning lists select by the stored deadline: on Friday 01-08 one working day ahead is
    // Monday 01-11, the old deadline, yet the case is not yellow any more.
    let now = move_to(&app, now, d("2027-01-08"));
    assert!(listed(&app, &sup, "YELLOW").await.is_empty(), "not yellow on 01-08");
    assert_eq!(app.gql(Some(&window), CASE, json!({ "id": id })).await["data"]["case"]["warning"], "GREEN");

    // Running it again recomputes nothing and audits nothing.
    let o = tongban(&app.cli_env(), &["import-calendar", file.to_str().expect("path")]);
    assert!(!String::from_utf8_lossy(&o.stdout).contains("重新计算"));
    assert_eq!(newest_audit(&app, &ys_admin, YONGSHOU).await.0, log_after);

    // The root's catalogue administrator gives 2027-01-05 off: inside the window, one day later.
    let cat = app.token("xy_catalogue").await;
    let set = "mutation($t: RegionCode!, $d: Date!) { setCalendarDay(tenant: $t, date: $d, workday: false, name: \"调整\") { workday } }";
    let r = app.gql(Some(&cat), set, json!({ "t": XIANYANG, "d": "2027-01-05" })).await;
    assert_eq!(r["data"]["setCalendarDay"]["workday"], false, "{r}");
    let c = app.gql(Some(&window), CASE, json!({ "id": id })).await;
    let last = c["data"]["case"]["events"].as_array().and_then(|e| e.last()).cloned().unwrap_or_default();
    assert_eq!(last["action"], "期限重算", "{c}");
    assert!(last["opinion"].as_str().unwrap_or_default().ends_with("由2027-01-12调整为2027-01-13"), "{last}");
    // On Monday 01-12 one working day is left before Tuesday 01-13: yellow, by the stored deadline.
    move_to(&app, now, d("2027-01-12"));
    assert_eq!(listed(&app, &sup, "YELLOW").await, vec![id.as_str()]);
    assert!(listed(&app, &sup, "RED").await.is_empty());
    // The statistics summary moved the open case's deadline with it.
    super::supervision::summary_exact(&app).await;
}

/// 咸阳市 sets a three-day threshold: a 永寿县 case with two working days left turns yellow, in
/// its reading and in the yellow list. Another root keeps the deployment's default.
#[tokio::test]
async fn a_root_tenant_sets_its_yellow_threshold() {
    let app = TestApp::spawn().await;
    let window = app.token("ys_window").await;
    let (id, accepted) = accepted_case(&app, &window).await;
    let deadline = d(accepted["deadline"].as_str().expect("deadline"));
    // The latest day with two working days left before the deadline.
    let between =
        "query($t: RegionCode!, $f: Date!, $to: Date!) { workingDaysBetween(tenant: $t, from: $f, to: $to) { days } }";
    let mut day = deadline;
    loop {
        day = day.pred_opt().expect("date");
        let r = app.gql(Some(&window), between, json!({ "t": YONGSHOU, "f": day, "to": deadline })).await;
        if r["data"]["workingDaysBetween"]["days"] == 2 {
            break;
        }
    }
    move_to(&app, today(), day);
    let c = app.gql(Some(&window), CASE, json!({ "id": id })).await;
    assert_eq!(c["data"]["case"]["workingDaysLeft"], 2, "{c}");
    assert_eq!(c["data"]["case"]["warning"], "GREEN", "the default is one day");
    let sup = app.token("ys_supervisor").await;
    assert!(listed(&app, &sup, "YELLOW").await.is_empty());

    let xy_admin = app.token("xy_admin").await;
    let r = app.gql(Some(&xy_admin), GET_THRESHOLD, json!({ "t": XIANYANG })).await;
    assert_eq!(r["data"]["warningThreshold"], json!({ "yellowDays": 1, "isDefault": true }), "{r}");
    let catalogue = app.token("xy_catalogue").await;
    let (log_before, _) = newest_audit(&app, &xy_admin, XIANYANG).await;

    // Bad input and the wrong people change nothing.
    let r = app.gql(Some(&xy_admin), THRESHOLD, json!({ "t": XIANYANG, "d": 11 })).await;
    assert_eq!(error_code(&r), "INVALID_INPUT", "{r}");
    assert!(error_message(&r).contains("0至10个工作日"), "{r}");
    let r = app.gql(Some(&xy_admin), THRESHOLD, json!({ "t": XIANYANG, "d": -1 })).await;
    assert_eq!(error_code(&r), "INVALID_INPUT", "{r}");
    let ys_admin = app.token("ys_admin").await;
    let r = app.gql(Some(&ys_admin), THRESHOLD, json!({ "t": XIANYANG, "d": 3 })).await;
    assert_eq!(error_code(&r), "FORBIDDEN", "{r}");
    let r = app.gql(Some(&ys_admin), THRESHOLD, json!({ "t": YONGSHOU, "d": 3 })).await;
    assert_eq!(error_code(&r), "INVALID_INPUT", "only a root sets it: {r}");
    assert!(error_message(&r).contains("不是根租户"), "{r}");
    let r = app.gql(Some(&catalogue), THRESHOLD, json!({ "t": XIANYANG, "d": 3 })).await;
    assert_eq!(error_code(&r), "FORBIDDEN", "{r}");
    assert_eq!(newest_audit(&app, &xy_admin, XIANYANG).await.0, log_before);
    assert_eq!(app.gql(Some(&window), CASE, json!({ "id": id })).await["data"]["case"]["warning"], "GREEN");

    let r = app.gql(Some(&xy_admin), THRESHOLD, json!({ "t": XIANYANG, "d": 3 })).await;
    assert_eq!(r["data"]["setWarningThreshold"], json!({ "yellowDays": 3, "isDefault": false }), "{r}");
    let (log_after, entry) = newest_audit(&app, &xy_admin, XIANYANG).await;
    assert_eq!((log_after, entry["action"].as_str()), (log_before + 1, Some("tenant.warning_threshold")));
    assert_eq!(entry["actor"], "xy_admin");

    let c = app.gql(Some(&window), CASE, json!({ "id": id })).await;
    assert_eq!(c["data"]["case"]["warning"], "YELLOW", "{c}");
    assert_eq!(listed(&app, &sup, "YELLOW").await, vec![id.as_str()]);
    assert!(listed(&app, &sup, "GREEN").await.is_empty());
    // The console's yellow tab: its rows read the root's threshold too.
    let console = app.console_client("ys_window").await;
    let html =
        console.get(app.url("/console/cases?tab=yellow")).send().await.expect("list").text().await.expect("html");
    let no = c["data"]["case"]["caseNo"].as_str().expect("no");
    assert!(html.contains(no) && html.contains("class=\"warning-YELLOW\""), "{html}");

    // Another root (秦都区, made one directly as the platform would) keeps the default.
    use sea_orm::ConnectionTrait;
    let db = app.owner_db().await;
    let sql = format!("UPDATE tenants SET root = true WHERE code = '{QINDU}'");
    db.execute_unprepared(&sql).await.expect("make root");
    let r = app.gql(Some(&xy_admin), GET_THRESHOLD, json!({ "t": QINDU })).await;
    assert_eq!(r["data"]["warningThreshold"], json!({ "yellowDays": 1, "isDefault": true }), "{r}");
    let r = app.gql(Some(&xy_admin), GET_THRESHOLD, json!({ "t": XIANYANG })).await;
    assert_eq!(r["data"]["warningThreshold"]["yellowDays"], 3, "{r}");
}

/// The calendar page shows the threshold to the root's administrators and lets them set it.
#[tokio::test]
async fn the_console_sets_the_threshold_on_the_calendar_page() {
    let app = TestApp::spawn().await;
    let admin = app.console_client("xy_admin").await;
    let html = admin.get(app.url("/console/calendar")).send().await.expect("page").text().await.expect("html");
    assert!(html.contains("threshold-form") && html.contains("（系统默认值）"), "{html}");
    let form = [("csrf", TestApp::csrf_of(&html)), ("yellow_days", "abc".to_owned())];
    let r = admin.post(app.url("/console/calendar/warning")).form(&form).send().await.expect("post");
    assert_eq!(r.status(), 400);
    assert!(r.text().await.expect("html").contains("预警阈值“abc”无效"));
    let form = [("csrf", TestApp::csrf_of(&html)), ("yellow_days", "2".to_owned())];
    let r = admin.post(app.url("/console/calendar/warning")).form(&form).send().await.expect("post");
    assert_eq!(r.status(), 303);
    let html = admin.get(app.url("/console/calendar")).send().await.expect("page").text().await.expect("html");
    assert!(html.contains("<strong id=\"yellow-days\">2</strong>") && !html.contains("（系统默认值）"), "{html}");
    // A county's administrator sees no threshold form: the county is not a root.
    let county = app.console_client("ys_admin").await;
    let html = county.get(app.url("/console/calendar")).send().await.expect("page").text().await.expect("html");
    assert!(!html.contains("threshold-form"), "{html}");
}

/// A recompute that failed after its calendar write (the caller got CONFLICT) is redone by setting
/// the day again, even to the value it already has.
#[tokio::test]
async fn setting_a_day_again_redoes_a_failed_recompute() {
    let app = TestApp::spawn().await;
    let window = app.token("ys_window").await;
    let sup = app.token("ys_supervisor").await;
    let (id, accepted) = accepted_case(&app, &window).await;
    assert_eq!(accepted["warning"], "GREEN", "{accepted}");
    // The stored deadline (what the lists select by) is left stale, as a recompute cut short would
    // leave it: the case shows as overdue.
    let stale = today() - chrono::Duration::days(1);
    use sea_orm::ConnectionTrait;
    let db = app.owner_db().await;
    db.execute_unprepared(&format!("UPDATE cases SET deadline = '{stale}' WHERE id = '{id}'")).await.expect("stale");
    assert_eq!(listed(&app, &sup, "RED").await, vec![id.as_str()]);

    // The root's catalogue administrator sets the stale date to what it already is.
    let cat = app.token("xy_catalogue").await;
    let year = chrono::Datelike::year(&stale);
    let q = "query($t: RegionCode!, $y: Int!) { calendar(tenant: $t, year: $y) { date workday } }";
    let days = app.gql(Some(&cat), q, json!({ "t": XIANYANG, "y": year })).await;
    let workday = days["data"]["calendar"]
        .as_array()
        .unwrap_or_else(|| panic!("{days}"))
        .iter()
        .find(|x| x["date"] == stale.to_string())
        .and_then(|x| x["workday"].as_bool())
        .expect("the day");
    let set = "mutation($t: RegionCode!, $d: Date!, $w: Boolean!) { setCalendarDay(tenant: $t, date: $d, workday: $w, name: \"核对\") { workday } }";
    let r = app.gql(Some(&cat), set, json!({ "t": XIANYANG, "d": stale.to_string(), "w": workday })).await;
    assert_eq!(r["data"]["setCalendarDay"]["workday"], workday, "{r}");
    assert!(listed(&app, &sup, "RED").await.is_empty(), "the stored deadline is right again");
    let c = app.gql(Some(&window), CASE, json!({ "id": id })).await;
    let last = c["data"]["case"]["events"].as_array().and_then(|e| e.last()).cloned().unwrap_or_default();
    assert_eq!(last["action"], "期限重算", "{c}");
    let opinion = last["opinion"].as_str().unwrap_or_default();
    assert!(
        opinion.ends_with(&format!("由{stale}调整为{}", accepted["deadline"].as_str().unwrap_or_default())),
        "{last}"
    );
}

/// A starting server redoes the provisional deadlines an interrupted import left behind.
#[tokio::test]
async fn a_starting_server_redoes_provisional_deadlines() {
    let app = TestApp::spawn().await;
    let window = app.token("ys_window").await;
    let sup = app.token("ys_supervisor").await;
    let (id, accepted) = accepted_case(&app, &window).await;
    let stale = today() - chrono::Duration::days(1);
    use sea_orm::ConnectionTrait;
    let db = app.owner_db().await;
    let sql = format!("UPDATE cases SET deadline = '{stale}', deadline_provisional = true WHERE id = '{id}'");
    db.execute_unprepared(&sql).await.expect("provisional");
    assert_eq!(listed(&app, &sup, "RED").await, vec![id.as_str()]);

    let sibling = TestApp::spawn_sibling(&app).await;
    let mut healed = false;
    for _ in 0..100 {
        if listed(&sibling, &sup, "RED").await.is_empty() {
            healed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(healed, "the stored deadline is redone at start");
    let c = sibling.gql(Some(&window), CASE, json!({ "id": id })).await;
    assert_eq!(c["data"]["case"]["deadline"], accepted["deadline"], "{c}");
    assert_eq!(c["data"]["case"]["deadlineProvisional"], false, "{c}");
    let last = c["data"]["case"]["events"].as_array().and_then(|e| e.last()).cloned().unwrap_or_default();
    assert_eq!(last["action"], "期限重算", "{c}");
    assert!(last["opinion"].as_str().unwrap_or_default().contains("启动时核对"), "{last}");
}
