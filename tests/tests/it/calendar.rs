//! The working-day calendar over HTTP, and `tongban import-calendar` as a process.

use std::io::Write;
use std::process::{Command, Output};

use serde_json::{Value, json};
use tests::{JIANJUN, QINDU, TestApp, XIANYANG, YONGSHOU, error_code, error_message};

const ADD: &str = "query($t: RegionCode!, $f: Date!, $n: Int!) { addWorkingDays(tenant: $t, from: $f, days: $n) }";
const DEADLINE: &str =
    "query($t: RegionCode!, $f: Date!, $n: Int!) { deadline(tenant: $t, from: $f, days: $n) { date provisional } }";
const SET: &str = "mutation($t: RegionCode!, $d: Date!, $w: Boolean!, $n: String) { setCalendarDay(tenant: $t, date: $d, workday: $w, name: $n) { date workday name } }";
const CALENDAR: &str = "query($t: RegionCode!, $y: Int!) { calendar(tenant: $t, year: $y) { date workday name } }";
const LOG_COUNT: &str =
    "query($t: RegionCode!) { auditLog(tenant: $t, first: 1) { totalCount nodes { actor action target } } }";

async fn add(app: &TestApp, token: &str, tenant: &str, from: &str, days: i64) -> String {
    let r = app.gql(Some(token), ADD, json!({ "t": tenant, "f": from, "n": days })).await;
    r["data"]["addWorkingDays"]
        .as_str()
        .unwrap_or_else(|| panic!("addWorkingDays {tenant} {from} {days}: {r}"))
        .to_owned()
}

async fn set(app: &TestApp, token: &str, tenant: &str, date: &str, workday: bool, name: Option<&str>) -> Value {
    app.gql(Some(token), SET, json!({ "t": tenant, "d": date, "w": workday, "n": name })).await
}

async fn calendar(app: &TestApp, token: &str, tenant: &str, year: i32) -> Value {
    let r = app.gql(Some(token), CALENDAR, json!({ "t": tenant, "y": year })).await;
    assert!(r["errors"].is_null(), "{r}");
    r["data"]["calendar"].clone()
}

fn day<'a>(cal: &'a Value, date: &str) -> &'a Value {
    cal.as_array().and_then(|a| a.iter().find(|d| d["date"] == date)).unwrap_or_else(|| panic!("{date} listed"))
}

/// (total entries, newest entry) of a tenant's audit log.
async fn audit(app: &TestApp, token: &str, tenant: &str) -> (u64, Value) {
    let r = app.gql(Some(token), LOG_COUNT, json!({ "t": tenant })).await;
    let log = &r["data"]["auditLog"];
    (log["totalCount"].as_u64().unwrap_or_else(|| panic!("{r}")), log["nodes"][0].clone())
}

#[tokio::test]
async fn deadlines_follow_official_days_root_edits_and_local_overrides() {
    let app = TestApp::spawn().await;
    let station = app.token("jj_station").await;
    let ys_admin = app.token("ys_admin").await;
    let jj_admin = app.token("jj_admin").await;
    let catalogue = app.token("xy_catalogue").await;
    let xy_admin = app.token("xy_admin").await;

    // Spring Festival: Friday 02-13 + 3 → 02-25 (02-14 make-up Saturday; 02-15…02-23 off).
    assert_eq!(add(&app, &station, JIANJUN, "2026-02-13", 3).await, "2026-02-25");
    assert_eq!(add(&app, &station, JIANJUN, "2026-02-13", 1).await, "2026-02-14");
    assert_eq!(add(&app, &ys_admin, YONGSHOU, "2026-02-13", 3).await, "2026-02-25");
    // National Day: 10-01…10-07 off, Saturday 10-10 a make-up workday.
    assert_eq!(add(&app, &station, JIANJUN, "2026-09-30", 1).await, "2026-10-08");
    assert_eq!(add(&app, &station, JIANJUN, "2026-09-30", 3).await, "2026-10-10");
    assert_eq!(add(&app, &station, JIANJUN, "2026-10-01", 0).await, "2026-10-08");
    let d = app.gql(Some(&station), DEADLINE, json!({ "t": JIANJUN, "f": "2026-09-30", "n": 3 })).await;
    assert_eq!(d["data"]["deadline"], json!({ "date": "2026-10-10", "provisional": false }), "{d}");
    let between = app
        .gql(
            Some(&station),
            "query { workingDaysBetween(tenant: \"610426001000\", from: \"2026-02-13\", to: \"2026-02-25\") { days provisional } }",
            json!({}),
        )
        .await;
    assert_eq!(between["data"]["workingDaysBetween"], json!({ "days": 3, "provisional": false }), "{between}");

    // A local holiday at 监军街道 (Monday 03-02) moves its deadline, not 永寿县's.
    // Friday 02-27 + 2: 02-28 (make-up Saturday), then Monday 03-02.
    assert_eq!(add(&app, &station, JIANJUN, "2026-02-27", 2).await, "2026-03-02");
    let (jj_log_before, _) = audit(&app, &ys_admin, JIANJUN).await;
    let r = set(&app, &jj_admin, JIANJUN, "2026-03-02", false, Some("街道活动日")).await;
    assert_eq!(
        r["data"]["setCalendarDay"],
        json!({ "date": "2026-03-02", "workday": false, "name": "街道活动日" }),
        "{r}"
    );
    assert_eq!(add(&app, &station, JIANJUN, "2026-02-27", 2).await, "2026-03-03");
    assert_eq!(add(&app, &ys_admin, YONGSHOU, "2026-02-27", 2).await, "2026-03-02");
    let (jj_log_after, newest) = audit(&app, &ys_admin, JIANJUN).await;
    assert_eq!(jj_log_after, jj_log_before + 1);
    assert_eq!(newest, json!({ "actor": "jj_admin", "action": "calendar.local_override", "target": "2026-03-02" }));

    // A root edit by the catalogue administrator moves everyone under 咸阳市.
    assert_eq!(add(&app, &ys_admin, YONGSHOU, "2026-03-03", 1).await, "2026-03-04");
    let r = set(&app, &catalogue, XIANYANG, "2026-03-04", false, Some("市级调整")).await;
    assert_eq!(r["data"]["setCalendarDay"]["workday"], false, "{r}");
    assert_eq!(add(&app, &ys_admin, YONGSHOU, "2026-03-03", 1).await, "2026-03-05");
    assert_eq!(add(&app, &station, JIANJUN, "2026-03-03", 1).await, "2026-03-05");
    assert_eq!(add(&app, &xy_admin, QINDU, "2026-03-03", 1).await, "2026-03-05");
    let (_, newest) = audit(&app, &xy_admin, XIANYANG).await;
    assert_eq!(newest, json!({ "actor": "xy_catalogue", "action": "calendar.root_edit", "target": "2026-03-04" }));
    // A local override can turn the root's day back on, for its own subtree only.
    set(&app, &ys_admin, YONGSHOU, "2026-03-04", true, Some("县内照常上班")).await;
    assert_eq!(add(&app, &station, JIANJUN, "2026-03-03", 1).await, "2026-03-04");
    assert_eq!(add(&app, &xy_admin, QINDU, "2026-03-03", 1).await, "2026-03-05");

    // The whole year, effective flags included.
    let cal = calendar(&app, &station, JIANJUN, 2026).await;
    assert_eq!(cal.as_array().map(Vec::len), Some(365));
    assert_eq!(day(&cal, "2026-02-14"), &json!({ "date": "2026-02-14", "workday": true, "name": "调休上班" }));
    assert_eq!(day(&cal, "2026-03-02")["name"], "街道活动日");
    assert_eq!(day(&cal, "2026-03-04")["workday"], true);
    assert_eq!(day(&cal, "2026-03-07")["workday"], false, "a plain Saturday");
    let qd = calendar(&app, &xy_admin, QINDU, 2026).await;
    assert_eq!(day(&qd, "2026-03-02")["workday"], true);
    assert_eq!(day(&qd, "2026-03-04"), &json!({ "date": "2026-03-04", "workday": false, "name": "市级调整" }));

    // 2027 has no official data yet: weekends only, and deadlines say provisional.
    let cal = calendar(&app, &station, JIANJUN, 2027).await;
    assert_eq!(cal.as_array().map(Vec::len), Some(365));
    assert_eq!(day(&cal, "2027-01-01"), &json!({ "date": "2027-01-01", "workday": true, "name": null }));
    assert_eq!(day(&cal, "2027-01-02")["workday"], false);
    let d = app.gql(Some(&station), DEADLINE, json!({ "t": JIANJUN, "f": "2026-12-30", "n": 3 })).await;
    assert_eq!(d["data"]["deadline"], json!({ "date": "2027-01-04", "provisional": true }), "{d}");
}

#[tokio::test]
async fn only_the_right_administrators_edit_and_bad_input_changes_nothing() {
    let app = TestApp::spawn().await;
    let station = app.token("jj_station").await;
    let ys_admin = app.token("ys_admin").await;
    let jj_admin = app.token("jj_admin").await;
    let xy_admin = app.token("xy_admin").await;
    let catalogue = app.token("xy_catalogue").await;
    let before_jj = calendar(&app, &ys_admin, JIANJUN, 2026).await;
    let before_xy = calendar(&app, &xy_admin, XIANYANG, 2026).await;
    let (log_xy, _) = audit(&app, &xy_admin, XIANYANG).await;
    let (log_ys, _) = audit(&app, &ys_admin, YONGSHOU).await;
    let (log_jj, _) = audit(&app, &ys_admin, JIANJUN).await;

    let forbidden = [
        (&station, JIANJUN, "a station clerk"),
        (&station, XIANYANG, "a station clerk, root calendar"),
        (&ys_admin, XIANYANG, "a county admin, root calendar"),
        (&xy_admin, XIANYANG, "the root's center admin: the calendar is the catalogue's"),
        (&catalogue, YONGSHOU, "the catalogue admin: local overrides are the centers'"),
        (&jj_admin, YONGSHOU, "out of scope"),
        (&ys_admin, QINDU, "out of scope"),
    ];
    for (token, tenant, who) in forbidden {
        let r = set(&app, token, tenant, "2026-03-02", false, Some("x")).await;
        assert_eq!(error_code(&r), "FORBIDDEN", "{who}: {r}");
        assert!(!error_message(&r).is_ascii(), "Chinese message: {r}");
    }
    let r = app.gql(Some(&station), CALENDAR, json!({ "t": YONGSHOU, "y": 2026 })).await;
    assert_eq!(error_code(&r), "FORBIDDEN", "{r}");
    let r = app.gql(Some(&ys_admin), ADD, json!({ "t": QINDU, "f": "2026-02-13", "n": 3 })).await;
    assert_eq!(error_code(&r), "FORBIDDEN", "{r}");
    let r = app.gql(None, ADD, json!({ "t": JIANJUN, "f": "2026-02-13", "n": 3 })).await;
    assert_eq!(error_code(&r), "UNAUTHENTICATED", "{r}");

    let invalid: [(&str, Value, &str); 9] = [
        (ADD, json!({ "t": JIANJUN, "f": "2026-02-30", "n": 3 }), "日期"),
        (ADD, json!({ "t": JIANJUN, "f": "20260213", "n": 3 }), "日期"),
        (ADD, json!({ "t": JIANJUN, "f": "2026-02-13", "n": -1 }), "工作日数"),
        (ADD, json!({ "t": JIANJUN, "f": "2026-02-13", "n": 100000 }), "工作日数"),
        (ADD, json!({ "t": "6104", "f": "2026-02-13", "n": 1 }), "区划代码"),
        (CALENDAR, json!({ "t": JIANJUN, "y": 1800 }), "年份"),
        (SET, json!({ "t": JIANJUN, "d": "2026-13-01", "w": false, "n": "x" }), "日期"),
        (SET, json!({ "t": JIANJUN, "d": "1999-01-04", "w": false, "n": "x" }), "日期"),
        (SET, json!({ "t": JIANJUN, "d": "2026-03-02", "w": false, "n": "长".repeat(51) }), "名称"),
    ];
    for (query, vars, word) in invalid {
        let r = app.gql(Some(&jj_admin), query, vars.clone()).await;
        assert_eq!(error_code(&r), "INVALID_INPUT", "{vars}: {r}");
        assert!(error_message(&r).contains(word), "{vars}: {r}");
    }
    let r = set(&app, &catalogue, XIANYANG, "2026-02-30", false, None).await;
    assert_eq!(error_code(&r), "INVALID_INPUT", "{r}");

    // Nothing changed, nothing audited.
    assert_eq!(calendar(&app, &ys_admin, JIANJUN, 2026).await, before_jj);
    assert_eq!(calendar(&app, &xy_admin, XIANYANG, 2026).await, before_xy);
    assert_eq!(audit(&app, &xy_admin, XIANYANG).await.0, log_xy);
    assert_eq!(audit(&app, &ys_admin, YONGSHOU).await.0, log_ys);
    assert_eq!(audit(&app, &ys_admin, JIANJUN).await.0, log_jj);
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
    let path = std::env::temp_dir().join(format!("tongban-cal-{}.csv", uuid::Uuid::new_v4().simple()));
    let mut f = std::fs::File::create(&path).expect("create");
    f.write_all(content.as_bytes()).expect("write");
    path
}

async fn page(app: &TestApp, client: &reqwest::Client, path: &str) -> (reqwest::StatusCode, String) {
    let r = client.get(app.url(path)).send().await.expect("page");
    (r.status(), r.text().await.expect("html"))
}

/// Logs into the console and returns the dashboard's HTML.
async fn dashboard(app: &TestApp, username: &str) -> String {
    let client = app.console_client(username).await;
    page(app, &client, "/console").await.1
}

#[tokio::test]
async fn console_calendar_page_lists_special_days_and_sets_local_ones() {
    let app = TestApp::spawn().await;
    let admin = app.console_client("jj_admin").await;
    let (status, html) = page(&app, &admin, "/console/calendar?year=2026").await;
    assert_eq!(status, reqwest::StatusCode::OK);
    for needle in ["2026-02-14", "调休上班", "2026-10-01", "国庆节", "id=\"calendar-form\""] {
        assert!(html.contains(needle), "{needle}");
    }
    assert!(!html.contains("2026-03-07"), "plain weekends are not listed");
    let csrf = TestApp::csrf_of(&html);

    // A forged form changes nothing.
    let form = [("csrf", "x"), ("date", "2026-03-02"), ("workday", "false"), ("name", "街道活动日")];
    let r = admin.post(app.url("/console/calendar")).form(&form).send().await.expect("post");
    assert_eq!(r.status(), reqwest::StatusCode::FORBIDDEN);
    let form = [("csrf", csrf.as_str()), ("date", "2026-03-02"), ("workday", "false"), ("name", "街道活动日")];
    let r = admin.post(app.url("/console/calendar")).form(&form).send().await.expect("post");
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);
    let (_, html) = page(&app, &admin, "/console/calendar?year=2026").await;
    assert!(html.contains("2026-03-02") && html.contains("街道活动日"), "{html}");
    let token = app.token("jj_station").await;
    assert_eq!(add(&app, &token, JIANJUN, "2026-02-27", 2).await, "2026-03-03");

    let bad = [("csrf", csrf.as_str()), ("date", "2026-02-30"), ("workday", "false"), ("name", "")];
    let r = admin.post(app.url("/console/calendar")).form(&bad).send().await.expect("post");
    assert_eq!(r.status(), reqwest::StatusCode::BAD_REQUEST);
    let (status, _) = page(&app, &admin, "/console/calendar?year=abc").await;
    assert_eq!(status, reqwest::StatusCode::BAD_REQUEST);
    let (_, html) = page(&app, &admin, "/console/calendar?year=2027").await;
    assert!(html.contains("calendar-provisional"), "2027 is shown as provisional");

    // A station clerk may look, not edit.
    let clerk = app.console_client("jj_station").await;
    let (status, html) = page(&app, &clerk, "/console/calendar?year=2026").await;
    assert_eq!(status, reqwest::StatusCode::OK);
    assert!(!html.contains("calendar-form"));
    let csrf = TestApp::csrf_of(&html);
    let form = [("csrf", csrf.as_str()), ("date", "2026-03-05"), ("workday", "false"), ("name", "x")];
    let r = clerk.post(app.url("/console/calendar")).form(&form).send().await.expect("post");
    assert_eq!(r.status(), reqwest::StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn import_calendar_validates_whole_files_and_is_idempotent() {
    let app = TestApp::spawn().await;
    let env = app.cli_env();
    let station = app.token("jj_station").await;
    let xy_admin = app.token("xy_admin").await;

    // The shipped 2025–2026 data is there from the first migration; 2027 is not, and from
    // November on the root tenant's administrators are warned.
    let today = chrono::Utc::now().with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("offset"));
    let warns_now = chrono::Datelike::year(&today) == 2026 && chrono::Datelike::month(&today) >= 11;
    let warning = "2027年法定节假日数据尚未导入";
    if warns_now {
        assert!(dashboard(&app, "xy_admin").await.contains(warning));
        assert!(dashboard(&app, "xy_catalogue").await.contains(warning));
    }
    assert!(!dashboard(&app, "ys_admin").await.contains("法定节假日数据尚未导入"), "not a root tenant");
    // (Console logins are audited too: count from here.)
    let (log_before, _) = audit(&app, &xy_admin, XIANYANG).await;

    let bad = temp_file("date,kind,name\n2027-01-01,holiday,元旦\n2027-02-30,holiday,春节\n2027-02-06,rest,调休\n");
    let o = tongban(&env, &["import-calendar", bad.to_str().expect("path")]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("第3行") && err.contains("未导入任何数据"), "{err}");
    let o = tongban(&env, &["import-calendar", temp_file("day,kind\n").to_str().expect("path")]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("第1行"), "{}", String::from_utf8_lossy(&o.stderr));
    let o = tongban(&env, &["import-calendar", "/nonexistent/holidays.csv"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("无法读取文件"));
    // Nothing half-imported: 2027-01-01 is still an ordinary Friday, and still provisional.
    let cal = calendar(&app, &station, JIANJUN, 2027).await;
    assert_eq!(day(&cal, "2027-01-01")["workday"], true);
    assert_eq!(audit(&app, &xy_admin, XIANYANG).await.0, log_before);

    let good = temp_file("date,kind,name\n2027-01-01,holiday,元旦\n2027-02-06,workday,调休上班\n");
    let o = tongban(&env, &["import-calendar", good.to_str().expect("path")]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("2027年") && out.contains("新增 2") && out.contains("新增官方年份 1"), "{out}");
    // The running server notices the import made by another process.
    let cal = calendar(&app, &station, JIANJUN, 2027).await;
    assert_eq!(day(&cal, "2027-01-01"), &json!({ "date": "2027-01-01", "workday": false, "name": "元旦" }));
    assert_eq!(day(&cal, "2027-02-06")["workday"], true);
    let d = app.gql(Some(&station), DEADLINE, json!({ "t": JIANJUN, "f": "2026-12-30", "n": 3 })).await;
    assert_eq!(d["data"]["deadline"], json!({ "date": "2027-01-05", "provisional": false }), "{d}");
    let (log_after, newest) = audit(&app, &xy_admin, XIANYANG).await;
    assert_eq!(log_after, log_before + 1);
    assert_eq!(newest["action"], "calendar.import_official");
    assert!(!dashboard(&app, "xy_admin").await.contains(warning), "the warning goes once loaded");
    let (log_after, _) = audit(&app, &xy_admin, XIANYANG).await;

    // Idempotent: a second run changes nothing and audits nothing.
    let o = tongban(&env, &["import-calendar", good.to_str().expect("path")]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("新增 0，更新 0，未变 2，删除 0，新增官方年份 0"),
        "{out} {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(audit(&app, &xy_admin, XIANYANG).await.0, log_after);
}
