//! Ratings (好差评) and rectifications, complaints, statistics.

use serde_json::{Value, json};
use tests::{JIANJUN, TestApp, XIANYANG, YONGSHOU, error_code, href_of};

const SUBMIT: &str = "mutation($i: SubmitCaseInput!) { submitCase(input: $i) { queryCode case { id caseNo } } }";
const ACCEPT: &str = "mutation($id: ID!) { acceptCase(id: $id) { status } }";
const DECIDE: &str = "mutation($id: ID!) { decideCase(id: $id, approve: true, opinion: \"符合条件\") { status } }";
const FORWARD: &str = "mutation($id: ID!) { forwardCase(id: $id, opinion: \"初审通过\") { status } }";
const RATE: &str = "mutation($n: String!, $q: String!, $l: Int!, $c: String!, $m: String) {
    rateCase(caseNo: $n, queryCode: $q, level: $l, channel: $c, comment: $m) { id level channel comment } }";
const RECTS: &str = "query($t: RegionCode!, $s: [RectificationStatus!]) { rectifications(tenant: $t, status: $s) {
    id status deadline outcome callback overdue caseNo level rating { id level case { caseNo } } } }";
const COMPLETE: &str = "mutation($id: ID!) { completeRectification(id: $id, outcome: \"已约谈窗口人员并改进\", callback: \"电话回访，申请人表示满意\") { status outcome callback } }";
const APPEAL: &str =
    "mutation($id: ID!) { appealRating(id: $id, reason: \"申请人材料不全，已一次性告知\") { status } }";
const DECIDE_APPEAL: &str = "mutation($id: ID!, $o: Boolean!) { decideRatingAppeal(id: $id, overturn: $o, note: \"经复核\") { status decision } }";
const FILE: &str = "mutation($t: RegionCode!, $n: String, $c: String!, $p: String!) {
    fileComplaint(tenant: $t, caseNo: $n, content: $c, contact: $p) { id status deadline contact overdue caseNo } }";
const COMPLAINTS: &str =
    "query($t: RegionCode!) { complaints(tenant: $t) { id status deadline contact overdue result workingDays } }";
const EXTEND: &str = "mutation($id: ID!, $d: Int!) { extendComplaint(id: $id, days: $d, reason: \"需要调查核实\") { status deadline workingDays } }";
const RESOLVE: &str =
    "mutation($id: ID!) { resolveComplaint(id: $id, result: \"已向投诉人说明并致歉\") { status result } }";
const STATS: &str = "query($t: RegionCode!, $f: Date!, $to: Date!, $g: GroupBy!) { stats(tenant: $t, from: $f, to: $to, groupBy: $g) {
    key label received accepted concluded onTime overdue onTimeRate avgWorkingDays ratings badRatings satisfaction crossAreaIn crossAreaOut } }";
const TEACHER: [&str; 5] = ["申请表", "身份证明", "学历证书", "体检合格证明", "普通话水平测试等级证书"];
const RELIEF: [&str; 3] = ["申请书", "身份证明", "遭遇困难情况说明"];

async fn ok(app: &TestApp, token: Option<&str>, query: &str, vars: Value) -> Value {
    let r = app.gql(token, query, vars).await;
    assert!(r["errors"].is_null(), "{query}: {r}");
    r["data"].clone()
}

async fn item(app: &TestApp, token: &str, tenant: &str, keyword: &str) -> (String, String, String) {
    let r = ok(
        app,
        Some(token),
        "query($t: RegionCode!, $k: String!) { implItems(tenant: $t, keyword: $k, status: PUBLISHED) {
            nodes { id tenant { code } department { id name } } } }",
        json!({ "t": tenant, "k": keyword }),
    )
    .await;
    let nodes = r["implItems"]["nodes"].as_array().cloned().unwrap_or_default();
    let n = nodes.iter().find(|n| n["tenant"]["code"] == tenant).unwrap_or_else(|| panic!("no {keyword}: {r}"));
    let s = |v: &Value| v.as_str().expect("string").to_owned();
    (s(&n["id"]), s(&n["department"]["id"]), s(&n["department"]["name"]))
}

/// Submits a case; returns (id, case number, query code).
async fn submit(app: &TestApp, token: &str, item: &str, provided: &[&str]) -> (String, String, String) {
    let input = json!({ "i": {
        "implItemId": item,
        "applicant": { "kind": "PERSON", "name": "王小明", "idNumber": "11010519491231002X", "phone": "13812345678" },
        "providedMaterials": provided,
    } });
    let d = ok(app, Some(token), SUBMIT, input).await;
    let r = &d["submitCase"];
    let s = |v: &Value| v.as_str().expect("string").to_owned();
    (s(&r["case"]["id"]), s(&r["case"]["caseNo"]), s(&r["queryCode"]))
}

/// A teacher case accepted and approved at 永寿县.
async fn concluded(app: &TestApp, item: &str) -> (String, String, String) {
    let window = app.token("ys_window").await;
    let approver = app.token("ys_approver").await;
    let c = submit(app, &window, item, &TEACHER).await;
    ok(app, Some(&window), ACCEPT, json!({ "id": c.0 })).await;
    ok(app, Some(&approver), DECIDE, json!({ "id": c.0 })).await;
    c
}

/// The statistics summary agrees with the cases and ratings, key by key; returns its rows.
pub async fn summary_exact(app: &TestApp) -> i64 {
    let (rows, drift) = infra::check_stats_summary(&app.owner_db().await).await.expect("summary check");
    assert_eq!(drift, 0, "summary rows disagreeing with the records");
    rows
}

fn today(app: &TestApp) -> chrono::NaiveDate {
    use domain::ports::Clock;
    domain::china_time::local_day(app.clock.now())
}

async fn add_working_days(app: &TestApp, token: &str, from: chrono::NaiveDate, days: i64) -> Value {
    let r = ok(
        app,
        Some(token),
        "query($t: RegionCode!, $f: Date!, $d: Int!) { addWorkingDays(tenant: $t, from: $f, days: $d) }",
        json!({ "t": YONGSHOU, "f": from.to_string(), "d": days }),
    )
    .await;
    r["addWorkingDays"].clone()
}

#[tokio::test]
async fn a_bad_rating_opens_a_rectification_that_is_appealed_and_completed() {
    let app = TestApp::spawn().await;
    let window = app.token("ys_window").await;
    let admin = app.token("ys_admin").await;
    let (teacher, _, _) = item(&app, &window, YONGSHOU, "教师资格").await;

    // Not before the case concluded.
    let open = submit(&app, &window, &teacher, &TEACHER).await;
    let r = app.gql(None, RATE, json!({ "n": open.1, "q": open.2, "l": 1, "c": "QR" })).await;
    assert_eq!(error_code(&r), "ILLEGAL_TRANSITION", "{r}");

    let (_, no, code) = concluded(&app, &teacher).await;
    let r = app.gql(None, RATE, json!({ "n": no, "q": "AAAAAAAA", "l": 5, "c": "QR" })).await;
    assert_eq!(error_code(&r), "NOT_FOUND", "{r}");
    for (level, channel) in [(0, "QR"), (6, "QR"), (5, "PIGEON")] {
        let r = app.gql(None, RATE, json!({ "n": no, "q": code, "l": level, "c": channel })).await;
        assert_eq!(error_code(&r), "INVALID_INPUT", "{level} {channel}: {r}");
    }
    let rated = ok(&app, None, RATE, json!({ "n": no, "q": code, "l": 5, "c": "qr", "m": "等了很久" })).await;
    assert_eq!(rated["rateCase"]["level"], 5);
    assert_eq!(rated["rateCase"]["channel"], "QR");
    let again = app.gql(None, RATE, json!({ "n": no, "q": code, "l": 1, "c": "QR" })).await;
    assert_eq!(error_code(&again), "CONFLICT", "one rating per case: {again}");

    // The center admin sees the rectification, due in five working days.
    let list = ok(&app, Some(&admin), RECTS, json!({ "t": YONGSHOU })).await;
    let rects = list["rectifications"].as_array().expect("list").clone();
    assert_eq!(rects.len(), 1, "{list}");
    let rect = &rects[0];
    let id = rect["id"].as_str().expect("id").to_owned();
    assert_eq!(rect["status"], "OPEN");
    assert_eq!(rect["caseNo"], no.as_str());
    assert_eq!(rect["rating"]["case"]["caseNo"], no.as_str());
    assert_eq!(rect["overdue"], false);
    assert_eq!(rect["deadline"], add_working_days(&app, &admin, today(&app), 5).await);
    // A sibling's staff and a town see none of it.
    let town = app.token("jj_admin").await;
    let r = app.gql(Some(&town), RECTS, json!({ "t": YONGSHOU })).await;
    assert_eq!(error_code(&r), "FORBIDDEN", "{r}");
    let r = app.gql(Some(&town), COMPLETE, json!({ "id": id })).await;
    assert_eq!(error_code(&r), "NOT_FOUND", "{r}");

    // The department appeals; the center admin upholds the rating; the department rectifies.
    let a = ok(&app, Some(&window), APPEAL, json!({ "id": id })).await;
    assert_eq!(a["appealRating"]["status"], "APPEALED");
    let r = app.gql(Some(&window), COMPLETE, json!({ "id": id })).await;
    assert_eq!(error_code(&r), "ILLEGAL_TRANSITION", "not while appealed: {r}");
    let r = app.gql(Some(&window), DECIDE_APPEAL, json!({ "id": id, "o": false })).await;
    assert_eq!(error_code(&r), "FORBIDDEN", "the center admin decides: {r}");
    let d = ok(&app, Some(&admin), DECIDE_APPEAL, json!({ "id": id, "o": false })).await;
    assert_eq!(d["decideRatingAppeal"]["status"], "OPEN");
    let open_list = ok(&app, Some(&admin), RECTS, json!({ "t": YONGSHOU, "s": ["OPEN"] })).await;
    assert_eq!(open_list["rectifications"].as_array().map(Vec::len), Some(1));

    // Past its deadline it is flagged.
    app.clock.advance(chrono::Duration::days(20));
    let list = ok(&app, Some(&admin), RECTS, json!({ "t": YONGSHOU })).await;
    assert_eq!(list["rectifications"][0]["overdue"], true, "{list}");
    let c = ok(&app, Some(&window), COMPLETE, json!({ "id": id })).await;
    assert_eq!(c["completeRectification"]["status"], "DONE");
    assert_eq!(c["completeRectification"]["callback"], "电话回访，申请人表示满意");
    let list = ok(&app, Some(&admin), RECTS, json!({ "t": YONGSHOU })).await;
    assert_eq!(list["rectifications"][0]["overdue"], false, "done is not overdue: {list}");
    let r = app.gql(Some(&window), COMPLETE, json!({ "id": id })).await;
    assert_eq!(error_code(&r), "ILLEGAL_TRANSITION", "{r}");
    let none = ok(&app, Some(&admin), RECTS, json!({ "t": YONGSHOU, "s": ["OPEN", "APPEALED"] })).await;
    assert_eq!(none["rectifications"].as_array().map(Vec::len), Some(0));

    // Each step is audited.
    let log = ok(
        &app,
        Some(&admin),
        "query($t: RegionCode!) { auditLog(tenant: $t, first: 50) { nodes { action } } }",
        json!({ "t": YONGSHOU }),
    )
    .await;
    let actions: Vec<&str> =
        log["auditLog"]["nodes"].as_array().expect("nodes").iter().filter_map(|n| n["action"].as_str()).collect();
    for a in ["rating.create", "rectification.appeal", "rectification.decide_appeal", "rectification.complete"] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
}

#[tokio::test]
async fn a_root_sets_its_rectification_deadline() {
    let app = TestApp::spawn().await;
    let county = app.token("ys_admin").await;
    let set = "mutation($t: RegionCode!, $d: Int!) { setRectificationDays(tenant: $t, days: $d) }";
    let r = app.gql(Some(&county), set, json!({ "t": YONGSHOU, "d": 3 })).await;
    assert_eq!(error_code(&r), "INVALID_INPUT", "only a root sets it: {r}");
    let city = app.token("xy_admin").await;
    let r = app.gql(Some(&city), set, json!({ "t": XIANYANG, "d": 0 })).await;
    assert_eq!(error_code(&r), "INVALID_INPUT", "{r}");
    ok(&app, Some(&city), set, json!({ "t": XIANYANG, "d": 2 })).await;

    let window = app.token("ys_window").await;
    let (teacher, _, _) = item(&app, &window, YONGSHOU, "教师资格").await;
    let (_, no, code) = concluded(&app, &teacher).await;
    ok(&app, None, RATE, json!({ "n": no, "q": code, "l": 4, "c": "WINDOW" })).await;
    let list = ok(&app, Some(&county), RECTS, json!({ "t": YONGSHOU })).await;
    assert_eq!(list["rectifications"][0]["deadline"], add_working_days(&app, &county, today(&app), 2).await);
    // A good rating opens nothing.
    let (_, no, code) = concluded(&app, &teacher).await;
    let r = ok(&app, None, RATE, json!({ "n": no, "q": code, "l": 3, "c": "ONLINE" })).await;
    assert_eq!(r["rateCase"]["level"], 3);
    let list = ok(&app, Some(&county), RECTS, json!({ "t": YONGSHOU })).await;
    assert_eq!(list["rectifications"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn complaints_are_filed_extended_within_fifteen_days_and_resolved() {
    let app = TestApp::spawn().await;
    let admin = app.token("ys_admin").await;
    let r = app.gql(None, FILE, json!({ "t": YONGSHOU, "c": "   ", "p": "13812345678" })).await;
    assert_eq!(error_code(&r), "INVALID_INPUT", "{r}");
    let r = app.gql(None, FILE, json!({ "t": "610426999000", "c": "态度差", "p": "13812345678" })).await;
    assert_eq!(error_code(&r), "NOT_FOUND", "{r}");
    let filed =
        ok(&app, None, FILE, json!({ "t": YONGSHOU, "n": "TB610426-X", "c": "窗口人员态度差", "p": "13812345678" }))
            .await;
    let c = &filed["fileComplaint"];
    let id = c["id"].as_str().expect("id").to_owned();
    assert_eq!(c["status"], "OPEN");
    assert_eq!(c["contact"], "138****5678", "the public sees it masked");
    assert_eq!(c["deadline"], add_working_days(&app, &admin, today(&app), 3).await);
    let filed_on = today(&app);

    // The handling admin sees the contact; the city and the county's supervisor see it masked.
    let mine = ok(&app, Some(&admin), COMPLAINTS, json!({ "t": YONGSHOU })).await;
    assert_eq!(mine["complaints"][0]["contact"], "13812345678");
    for user in ["xy_admin", "ys_supervisor"] {
        let t = app.token(user).await;
        let other = ok(&app, Some(&t), COMPLAINTS, json!({ "t": YONGSHOU })).await;
        assert_eq!(other["complaints"][0]["contact"], "138****5678", "{user}");
    }
    let window = app.token("ys_window").await;
    let r = app.gql(Some(&window), EXTEND, json!({ "id": id, "d": 2 })).await;
    assert_eq!(error_code(&r), "FORBIDDEN", "{r}");

    let r = app.gql(Some(&admin), EXTEND, json!({ "id": id, "d": 13 })).await;
    assert_eq!(error_code(&r), "INVALID_INPUT", "3 + 13 > 15: {r}");
    let r = app.gql(Some(&admin), EXTEND, json!({ "id": id, "d": 0 })).await;
    assert_eq!(error_code(&r), "INVALID_INPUT", "{r}");
    let e = ok(&app, Some(&admin), EXTEND, json!({ "id": id, "d": 10 })).await;
    assert_eq!(e["extendComplaint"]["status"], "EXTENDED");
    assert_eq!(e["extendComplaint"]["workingDays"], 13);
    assert_eq!(e["extendComplaint"]["deadline"], add_working_days(&app, &admin, filed_on, 13).await);
    let e = ok(&app, Some(&admin), EXTEND, json!({ "id": id, "d": 2 })).await;
    assert_eq!(e["extendComplaint"]["workingDays"], 15);
    let r = app.gql(Some(&admin), EXTEND, json!({ "id": id, "d": 1 })).await;
    assert_eq!(error_code(&r), "INVALID_INPUT", "{r}");

    app.clock.advance(chrono::Duration::days(40));
    let late = ok(&app, Some(&admin), COMPLAINTS, json!({ "t": YONGSHOU })).await;
    assert_eq!(late["complaints"][0]["overdue"], true, "{late}");
    let done = ok(&app, Some(&admin), RESOLVE, json!({ "id": id })).await;
    assert_eq!(done["resolveComplaint"]["status"], "RESOLVED");
    assert_eq!(done["resolveComplaint"]["result"], "已向投诉人说明并致歉");
    let r = app.gql(Some(&admin), RESOLVE, json!({ "id": id })).await;
    assert_eq!(error_code(&r), "ILLEGAL_TRANSITION", "{r}");
    let after = ok(&app, Some(&admin), COMPLAINTS, json!({ "t": YONGSHOU })).await;
    assert_eq!(after["complaints"][0]["overdue"], false);
    // A sibling county sees none of it.
    let qindu = app.gql(Some(&admin), COMPLAINTS, json!({ "t": tests::QINDU })).await;
    assert_eq!(error_code(&qindu), "FORBIDDEN", "{qindu}");
}

fn row<'a>(rows: &'a Value, key: &str) -> &'a Value {
    rows.as_array().and_then(|r| r.iter().find(|r| r["key"] == key)).unwrap_or_else(|| panic!("no row {key} in {rows}"))
}

/// Checks every column of a row: (received, accepted, concluded, onTime, overdue, ratings, bad,
/// crossIn, crossOut), the rates and the average working days.
fn check(r: &Value, counts: [i64; 9], on_time_rate: f64, satisfaction: f64, avg_days: f64) {
    let names = [
        "received",
        "accepted",
        "concluded",
        "onTime",
        "overdue",
        "ratings",
        "badRatings",
        "crossAreaIn",
        "crossAreaOut",
    ];
    for (name, want) in names.iter().zip(counts) {
        assert_eq!(r[name].as_i64(), Some(want), "{name} of {r}");
    }
    let close = |name: &str, want: f64| {
        let got = r[name].as_f64().unwrap_or(f64::NAN);
        assert!((got - want).abs() < 1e-9, "{name}: {got} != {want} in {r}");
    };
    close("onTimeRate", on_time_rate);
    close("satisfaction", satisfaction);
    close("avgWorkingDays", avg_days);
}

/// The one row with a case taken in elsewhere.
fn cross_in_row(rows: &Value) -> &Value {
    let found: Vec<&Value> =
        rows.as_array().map(|r| r.iter().filter(|r| r["crossAreaIn"] == 1).collect()).unwrap_or_default();
    assert_eq!(found.len(), 1, "{rows}");
    found[0]
}

/// Sums a column over the rows of a grouping.
fn total(rows: &Value, name: &str) -> i64 {
    rows.as_array().map(|r| r.iter().map(|r| r[name].as_i64().unwrap_or(0)).sum()).unwrap_or(0)
}

async fn workdays_between(app: &TestApp, token: &str, from: chrono::NaiveDate, to: chrono::NaiveDate) -> i64 {
    use chrono::Datelike;
    let mut n = 0;
    for year in from.year()..=to.year() {
        let cal = ok(
            app,
            Some(token),
            "query($t: RegionCode!, $y: Int!) { calendar(tenant: $t, year: $y) { date workday } }",
            json!({ "t": YONGSHOU, "y": year }),
        )
        .await;
        for d in cal["calendar"].as_array().expect("days") {
            let date: chrono::NaiveDate = d["date"].as_str().and_then(|s| s.parse().ok()).expect("date");
            if date > from && date <= to && d["workday"] == true {
                n += 1;
            }
        }
    }
    n
}

#[tokio::test]
async fn stats_count_a_known_set_in_every_grouping() {
    let app = TestApp::spawn().await;
    let window = app.token("ys_window").await;
    let approver = app.token("ys_approver").await;
    let station = app.token("jj_station").await;
    let admin = app.token("ys_admin").await;
    let (teacher, teacher_dept, teacher_dept_name) = item(&app, &window, YONGSHOU, "教师资格").await;
    let (relief_town, _, _) = item(&app, &station, JIANJUN, "临时救助").await;
    let (relief, _, _) = item(&app, &window, YONGSHOU, "临时救助").await;
    let day0 = today(&app);

    // A: concluded, rated 1. B: concluded, rated 5. E: concluded, rated 4 then overturned on appeal.
    let a = concluded(&app, &teacher).await;
    ok(&app, None, RATE, json!({ "n": a.1, "q": a.2, "l": 1, "c": "QR" })).await;
    let b = concluded(&app, &teacher).await;
    ok(&app, None, RATE, json!({ "n": b.1, "q": b.2, "l": 5, "c": "QR" })).await;
    let e = concluded(&app, &teacher).await;
    ok(&app, None, RATE, json!({ "n": e.1, "q": e.2, "l": 4, "c": "WINDOW" })).await;
    let rects = ok(&app, Some(&admin), RECTS, json!({ "t": YONGSHOU })).await;
    let rect_e = rects["rectifications"]
        .as_array()
        .and_then(|l| l.iter().find(|r| r["caseNo"] == e.1.as_str()))
        .and_then(|r| r["id"].as_str())
        .expect("rectification of E")
        .to_owned();
    ok(&app, Some(&window), APPEAL, json!({ "id": rect_e })).await;
    let o = ok(&app, Some(&admin), DECIDE_APPEAL, json!({ "id": rect_e, "o": true })).await;
    assert_eq!(o["decideRatingAppeal"]["status"], "OVERTURNED");
    // C: received only. D: taken in at the town, forwarded to and accepted by the county.
    submit(&app, &window, &teacher, &TEACHER).await;
    let d = submit(&app, &station, &relief_town, &RELIEF).await;
    ok(&app, Some(&station), FORWARD, json!({ "id": d.0 })).await;
    ok(&app, Some(&window), ACCEPT, json!({ "id": d.0 })).await;
    // F: accepted today, concluded after some days.
    let f = submit(&app, &window, &teacher, &TEACHER).await;
    ok(&app, Some(&window), ACCEPT, json!({ "id": f.0 })).await;

    assert!(summary_exact(&app).await > 0);
    let sup = app.token("ys_supervisor").await;
    let stats = |from: chrono::NaiveDate, to: chrono::NaiveDate, g: &str| json!({ "t": YONGSHOU, "f": from.to_string(), "to": to.to_string(), "g": g });
    let by = |v: Value| v["stats"].clone();
    let tenant = by(ok(&app, Some(&sup), STATS, stats(day0, day0, "TENANT")).await);
    // received A B E C D F; accepted A B E D F; concluded A B E, all on time; ratings A and B.
    check(row(&tenant, YONGSHOU), [6, 5, 3, 3, 0, 2, 1, 1, 0], 1.0, 0.5, 0.0);
    check(row(&tenant, JIANJUN), [0, 0, 0, 0, 0, 0, 0, 0, 1], 1.0, 1.0, 0.0);
    assert_eq!(row(&tenant, JIANJUN)["label"], "监军街道");
    assert_eq!(tenant.as_array().map(Vec::len), Some(2), "{tenant}");

    let items = by(ok(&app, Some(&sup), STATS, stats(day0, day0, "ITEM")).await);
    check(row(&items, &teacher), [5, 4, 3, 3, 0, 2, 1, 0, 0], 1.0, 0.5, 0.0);
    // D is counted under the item it is handled on.
    check(cross_in_row(&items), [1, 1, 0, 0, 0, 0, 0, 1, 0], 1.0, 1.0, 0.0);
    assert!([relief.as_str(), relief_town.as_str()].contains(&cross_in_row(&items)["key"].as_str().unwrap_or("")));
    assert_eq!(row(&items, &teacher)["label"], "教师资格认定");

    let depts = by(ok(&app, Some(&sup), STATS, stats(day0, day0, "DEPARTMENT")).await);
    assert_eq!(row(&depts, &teacher_dept)["label"], teacher_dept_name.as_str());
    let merged = row(&depts, &teacher_dept)["crossAreaIn"] == 1;
    if merged {
        check(row(&depts, &teacher_dept), [6, 5, 3, 3, 0, 2, 1, 1, 0], 1.0, 0.5, 0.0);
    } else {
        check(row(&depts, &teacher_dept), [5, 4, 3, 3, 0, 2, 1, 0, 0], 1.0, 0.5, 0.0);
        check(cross_in_row(&depts), [1, 1, 0, 0, 0, 0, 0, 1, 0], 1.0, 1.0, 0.0);
    }
    assert_eq!(depts.as_array().map(Vec::len), Some(if merged { 1 } else { 2 }), "{depts}");

    let staff = by(ok(&app, Some(&sup), STATS, stats(day0, day0, "STAFF")).await);
    // ys_window accepted all but C; jj_station took D in for the county.
    check(row(&staff, "ys_window"), [5, 5, 3, 3, 0, 2, 1, 1, 0], 1.0, 0.5, 0.0);
    check(row(&staff, "-"), [1, 0, 0, 0, 0, 0, 0, 0, 0], 1.0, 1.0, 0.0);
    check(row(&staff, "jj_station"), [0, 0, 0, 0, 0, 0, 0, 0, 1], 1.0, 1.0, 0.0);

    let windows = by(ok(&app, Some(&sup), STATS, stats(day0, day0, "WINDOW")).await);
    for (name, want) in [("received", 6), ("accepted", 5), ("concluded", 3), ("onTime", 3), ("overdue", 0)] {
        assert_eq!(total(&windows, name), want, "{name} over windows: {windows}");
    }
    for (name, want) in [("ratings", 2), ("badRatings", 1), ("crossAreaIn", 1), ("crossAreaOut", 0)] {
        assert_eq!(total(&windows, name), want, "{name} over windows: {windows}");
    }

    // Two weeks later F concludes, on time (20 working days); D's deadline (10) is near or past.
    app.clock.advance(chrono::Duration::days(14));
    ok(&app, Some(&approver), DECIDE, json!({ "id": f.0 })).await;
    let day1 = today(&app);
    let f_days = workdays_between(&app, &sup, day0, day1).await;
    assert!(f_days > 0 && f_days <= 20, "{f_days}");
    let dv = ok(&app, Some(&window), "query($id: ID!) { case(id: $id) { deadline } }", json!({ "id": d.0 })).await;
    let d_deadline: chrono::NaiveDate = dv["case"]["deadline"].as_str().and_then(|s| s.parse().ok()).expect("deadline");
    let od = i64::from(d_deadline < day1);
    let tenant = by(ok(&app, Some(&sup), STATS, stats(day0, day1, "TENANT")).await);
    let rate = 4.0 / (4 + od) as f64;
    check(row(&tenant, YONGSHOU), [6, 5, 4, 4, od, 2, 1, 1, 0], rate, 0.5, f_days as f64 / 4.0);
    // F's conclusion day alone.
    let later = by(ok(&app, Some(&sup), STATS, stats(day1, day1, "TENANT")).await);
    check(row(&later, YONGSHOU), [0, 0, 1, 1, 0, 0, 0, 0, 0], 1.0, 1.0, f_days as f64);
    // Once D's deadline has passed it is overdue though still open.
    app.clock.advance(chrono::Duration::days(20));
    let day2 = today(&app);
    assert!(d_deadline < day2);
    let tenant = by(ok(&app, Some(&sup), STATS, stats(day0, day2, "TENANT")).await);
    check(row(&tenant, YONGSHOU), [6, 5, 4, 4, 1, 2, 1, 1, 0], 0.8, 0.5, f_days as f64 / 4.0);
    summary_exact(&app).await;

    // Statistics are for supervisors, in their scope; bad periods are refused.
    let r = app.gql(Some(&window), STATS, stats(day0, day0, "TENANT")).await;
    assert_eq!(error_code(&r), "FORBIDDEN", "{r}");
    let r = app.gql(Some(&sup), STATS, stats(day1, day0, "TENANT")).await;
    assert_eq!(error_code(&r), "INVALID_INPUT", "{r}");
    let r =
        app.gql(Some(&sup), STATS, json!({ "t": YONGSHOU, "f": "2026-13-01", "to": "2026-12-01", "g": "ITEM" })).await;
    assert_eq!(error_code(&r), "INVALID_INPUT", "{r}");
}

/// Every kind of step moves the summary with the records: rejection, correction, suspension,
/// withdrawal, forwarding, conclusion, ratings upheld and overturned; the figures read from it
/// follow, and a step that moves none writes none.
#[tokio::test]
async fn the_statistics_summary_follows_every_step() {
    let app = TestApp::spawn().await;
    let window = app.token("ys_window").await;
    let approver = app.token("ys_approver").await;
    let station = app.token("jj_station").await;
    let admin = app.token("ys_admin").await;
    let sup = app.token("ys_supervisor").await;
    let (teacher, _, _) = item(&app, &window, YONGSHOU, "教师资格").await;
    let (relief_town, _, _) = item(&app, &station, JIANJUN, "临时救助").await;
    assert_eq!(summary_exact(&app).await, 0);
    let day0 = today(&app);

    let rejected = submit(&app, &window, &teacher, &TEACHER).await;
    ok(
        &app,
        Some(&window),
        "mutation($id: ID!) { rejectCase(id: $id, reason: \"不属于本机关职权范围\") { status } }",
        json!({ "id": rejected.0 }),
    )
    .await;
    let corrected = submit(&app, &window, &teacher, &TEACHER[..2]).await;
    let r = app.gql(Some(&window), "mutation($id: ID!) { requestCorrection(id: $id, missingMaterials: [\"学历证书\"], note: \"请补正\") { status } }", json!({ "id": corrected.0 })).await;
    assert!(r["errors"].is_null(), "{r}");
    let withdrawn = submit(&app, &window, &teacher, &TEACHER).await;
    ok(&app, Some(&window), ACCEPT, json!({ "id": withdrawn.0 })).await;
    ok(
        &app,
        Some(&window),
        "mutation($id: ID!) { withdrawCase(id: $id, reason: \"申请人撤回\") { status } }",
        json!({ "id": withdrawn.0 }),
    )
    .await;
    let forwarded = submit(&app, &station, &relief_town, &RELIEF).await;
    ok(&app, Some(&station), FORWARD, json!({ "id": forwarded.0 })).await;
    ok(&app, Some(&window), ACCEPT, json!({ "id": forwarded.0 })).await;
    summary_exact(&app).await;
    let good = concluded(&app, &teacher).await;
    ok(&app, None, RATE, json!({ "n": good.1, "q": good.2, "l": 2, "c": "QR" })).await;
    let bad = concluded(&app, &teacher).await;
    ok(&app, None, RATE, json!({ "n": bad.1, "q": bad.2, "l": 5, "c": "QR" })).await;
    summary_exact(&app).await;
    let rects = ok(&app, Some(&admin), RECTS, json!({ "t": YONGSHOU })).await;
    let rect = rects["rectifications"][0]["id"].as_str().expect("rectification").to_owned();
    ok(&app, Some(&window), APPEAL, json!({ "id": rect })).await;
    ok(&app, Some(&admin), DECIDE_APPEAL, json!({ "id": rect, "o": true })).await;
    summary_exact(&app).await;

    let stats = json!({ "t": YONGSHOU, "f": day0.to_string(), "to": day0.to_string(), "g": "TENANT" });
    let tenant = ok(&app, Some(&sup), STATS, stats.clone()).await["stats"].clone();
    // received: rejected, corrected, withdrawn, forwarded, good, bad; accepted: withdrawn,
    // forwarded, good, bad; concluded good, bad (and withdrawn if withdrawal concludes).
    let y = row(&tenant, YONGSHOU);
    assert_eq!(y["received"], 6, "{tenant}");
    assert_eq!(y["accepted"], 4, "{tenant}");
    assert_eq!(y["ratings"], 1, "the overturned rating is left out: {tenant}");
    assert_eq!(y["badRatings"], 0, "{tenant}");
    assert_eq!(y["crossAreaIn"], 1, "{tenant}");
    assert_eq!(row(&tenant, JIANJUN)["crossAreaOut"], 1, "{tenant}");

    // Past every deadline: the open forwarded case turns overdue, read from its deadline's row.
    app.clock.advance(chrono::Duration::days(60));
    let to = today(&app);
    let all = json!({ "t": YONGSHOU, "f": day0.to_string(), "to": to.to_string(), "g": "STAFF" });
    let staff = ok(&app, Some(&sup), STATS, all).await["stats"].clone();
    assert_eq!(row(&staff, "ys_window")["overdue"], 1, "{staff}");
    ok(&app, Some(&approver), DECIDE, json!({ "id": forwarded.0 })).await;
    summary_exact(&app).await;
}

#[tokio::test]
async fn the_monthly_report_downloads_as_a_spreadsheet_and_csv() {
    use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};

    let app = TestApp::spawn().await;
    let window = app.token("ys_window").await;
    let (teacher, _, dept_name) = item(&app, &window, YONGSHOU, "教师资格").await;
    let (_, no, code) = concluded(&app, &teacher).await;
    ok(&app, None, RATE, json!({ "n": no, "q": code, "l": 5, "c": "QR" })).await;
    ok(&app, None, FILE, json!({ "t": YONGSHOU, "c": "排队时间太长", "p": "13812345678" })).await;
    let month = today(&app).format("%Y-%m").to_string();

    let console = app.console_client("ys_supervisor").await;
    let page = console.get(app.url(&format!("/console/supervision?month={month}"))).send().await.expect("page");
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("html");
    assert!(html.contains("月度通报") && html.contains("download-xlsx") && html.contains(&dept_name), "{html}");

    let resp =
        console.get(app.url(&format!("/console/supervision/report.xlsx?month={month}"))).send().await.expect("xlsx");
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-disposition"].to_str().unwrap_or("").contains("attachment"));
    let bytes = resp.bytes().await.expect("bytes").to_vec();
    let mut wb: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("a spreadsheet");
    assert_eq!(wb.sheet_names(), ["总体情况", "部门排名", "窗口排名", "差评整改", "投诉"]);
    let summary = wb.worksheet_range("总体情况").expect("summary");
    let value = |name: &str| -> Data {
        summary
            .rows()
            .find(|r| r.first() == Some(&Data::String(name.into())))
            .and_then(|r| r.get(1).cloned())
            .unwrap_or_else(|| panic!("no {name}"))
    };
    assert_eq!(value("收件"), Data::Float(1.0));
    assert_eq!(value("办结"), Data::Float(1.0));
    assert_eq!(value("差评数"), Data::Float(1.0));
    assert_eq!(value("满意率"), Data::Float(0.0));
    assert_eq!(value("差评整改"), Data::Float(1.0));
    assert_eq!(value("投诉"), Data::Float(1.0));
    let depts = wb.worksheet_range("部门排名").expect("departments");
    let rows: Vec<_> = depts.rows().collect();
    assert!(rows[1].contains(&Data::String("按期办结率".into())), "Chinese headers: {:?}", rows[1]);
    assert_eq!(rows[2][0], Data::Float(1.0), "ranked first");
    assert_eq!(rows[2][1], Data::String(dept_name.clone()));
    let complaints = wb.worksheet_range("投诉").expect("complaints");
    assert!(complaints.rows().any(|r| r.contains(&Data::String("排队时间太长".into()))));

    let csv =
        console.get(app.url(&format!("/console/supervision/report.csv?month={month}"))).send().await.expect("csv");
    assert_eq!(csv.status(), 200);
    let text = csv.text().await.expect("text");
    assert!(text.contains("部门排名") && text.contains("按期办结率") && text.contains("排队时间太长"), "{text}");
    assert!(text.contains(&format!("1,{dept_name},1,1,1,1,0,100.0%")), "{text}");

    // Window staff do not supervise; a bad month is refused.
    let clerk = app.console_client("ys_window").await;
    let r = clerk.get(app.url("/console/supervision/report.xlsx")).send().await.expect("forbidden");
    assert_eq!(r.status(), 403);
    let r = console.get(app.url("/console/supervision?month=2026-13")).send().await.expect("bad");
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn the_console_completes_a_rectification_and_resolves_a_complaint() {
    let app = TestApp::spawn().await;
    let window = app.token("ys_window").await;
    let (teacher, _, _) = item(&app, &window, YONGSHOU, "教师资格").await;
    let (_, no, code) = concluded(&app, &teacher).await;
    ok(&app, None, RATE, json!({ "n": no, "q": code, "l": 4, "c": "WINDOW" })).await;
    ok(&app, None, FILE, json!({ "t": YONGSHOU, "c": "办事指南不清楚", "p": "13812345678" })).await;

    let console = app.console_client("ys_admin").await;
    let html = console.get(app.url("/console/supervision")).send().await.expect("page").text().await.expect("html");
    assert!(html.contains(&no) && html.contains("办事指南不清楚"), "{html}");
    assert!(html.contains("13812345678"), "the handling admin sees the contact: {html}");
    let csrf = TestApp::csrf_of(&html);
    let admin = app.token("ys_admin").await;
    let rects = ok(&app, Some(&admin), RECTS, json!({ "t": YONGSHOU })).await;
    let rect = rects["rectifications"][0]["id"].as_str().expect("id").to_owned();
    let r = console
        .post(app.url(&format!("/console/supervision/rectifications/{rect}/complete")))
        .form(&[("csrf", csrf.as_str()), ("outcome", "已整改"), ("callback", "已回访")])
        .send()
        .await
        .expect("complete");
    assert!(r.status().is_success() || r.status().is_redirection(), "{}", r.status());
    let rects = ok(&app, Some(&admin), RECTS, json!({ "t": YONGSHOU })).await;
    assert_eq!(rects["rectifications"][0]["status"], "DONE");
    assert_eq!(rects["rectifications"][0]["callback"], "已回访");

    let complaints = ok(&app, Some(&admin), COMPLAINTS, json!({ "t": YONGSHOU })).await;
    let id = complaints["complaints"][0]["id"].as_str().expect("id").to_owned();
    let r = console
        .post(app.url(&format!("/console/supervision/complaints/{id}/resolve")))
        .form(&[("csrf", "stale"), ("result", "已答复")])
        .send()
        .await
        .expect("stale");
    assert_eq!(r.status(), 403, "a stale form changes nothing");
    console
        .post(app.url(&format!("/console/supervision/complaints/{id}/resolve")))
        .form(&[("csrf", csrf.as_str()), ("result", "已答复投诉人")])
        .send()
        .await
        .expect("resolve");
    let complaints = ok(&app, Some(&admin), COMPLAINTS, json!({ "t": YONGSHOU })).await;
    assert_eq!(complaints["complaints"][0]["status"], "RESOLVED");
    assert_eq!(complaints["complaints"][0]["result"], "已答复投诉人");
    let html = console.get(app.url("/console/supervision")).send().await.expect("page").text().await.expect("html");
    assert!(html.contains("暂无待办整改") && html.contains("暂无待办投诉"), "{html}");
}

/// A refused completion or resolution shows the page again (the same month and cursors), the
/// Chinese error next to its field, what was typed kept, nothing changed.
#[tokio::test]
async fn the_supervision_forms_keep_what_was_typed_on_an_error() {
    let app = TestApp::spawn().await;
    let window = app.token("ys_window").await;
    let (teacher, _, _) = item(&app, &window, YONGSHOU, "教师资格").await;
    let (_, no, code) = concluded(&app, &teacher).await;
    ok(&app, None, RATE, json!({ "n": no, "q": code, "l": 4, "c": "WINDOW" })).await;
    ok(&app, None, FILE, json!({ "t": YONGSHOU, "c": "办事指南不清楚", "p": "13812345678" })).await;
    let admin = app.token("ys_admin").await;
    let rect = ok(&app, Some(&admin), RECTS, json!({ "t": YONGSHOU })).await["rectifications"][0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let complaint = ok(&app, Some(&admin), COMPLAINTS, json!({ "t": YONGSHOU })).await["complaints"][0]["id"]
        .as_str()
        .expect("id")
        .to_owned();

    let console = app.console_client("ys_admin").await;
    let html = console.get(app.url("/console/supervision")).send().await.expect("page").text().await.expect("html");
    assert!(html.contains(&format!(r#"<label for="outcome-{rect}">整改结果"#)), "the form macros: {html}");
    let month = html.split(r#"name="month" value=""#).nth(1).and_then(|s| s.split('"').next()).expect("month");
    let csrf = TestApp::csrf_of(&html);
    let r = console
        .post(app.url(&format!("/console/supervision/rectifications/{rect}/complete")))
        .form(&[("csrf", csrf.as_str()), ("outcome", "  "), ("callback", "电话回访，申请人表示满意"), ("month", month)])
        .send()
        .await
        .expect("complete");
    assert_eq!(r.status(), 400);
    let html = r.text().await.expect("html");
    assert!(!html.contains("请求有误"), "no separate error page: {html}");
    let error = html.split(&format!(r#"id="outcome-{rect}-error""#)).nth(1).expect("the error at the outcome");
    assert!(error.split("</p>").next().is_some_and(|e| e.contains("整改结果不能为空")), "{error}");
    assert!(html.contains(">电话回访，申请人表示满意</textarea>"), "the call-back typed is kept: {html}");
    assert!(html.contains(&format!(r#"name="month" value="{month}""#)), "the same month");

    let long = "x".repeat(2001);
    let r = console
        .post(app.url(&format!("/console/supervision/complaints/{complaint}/resolve")))
        .form(&[("csrf", csrf.as_str()), ("result", long.as_str()), ("month", month)])
        .send()
        .await
        .expect("resolve");
    assert_eq!(r.status(), 400);
    let html = r.text().await.expect("html");
    let error = html.split(&format!(r#"id="result-{complaint}-error""#)).nth(1).expect("the error at the result");
    assert!(error.split("</p>").next().is_some_and(|e| e.contains("办理结果")), "{error}");
    assert!(html.contains(&format!(">{long}</textarea>")), "the result typed is kept");

    let rects = ok(&app, Some(&admin), RECTS, json!({ "t": YONGSHOU })).await;
    assert_eq!(rects["rectifications"][0]["status"], "OPEN", "nothing changed");
    let complaints = ok(&app, Some(&admin), COMPLAINTS, json!({ "t": YONGSHOU })).await;
    assert_eq!(complaints["complaints"][0]["status"], "OPEN", "nothing changed");
}

/// The public complaint page: no login, an accessible form; a bad input keeps what was typed, a
/// filed complaint answers with its deadline and reaches the center's administrator.
#[tokio::test]
async fn the_public_complaint_page_files_a_complaint() {
    let app = TestApp::spawn().await;
    let public = app.new_client();
    let url = app.url(&format!("/complaint/{YONGSHOU}"));
    let form = public.get(&url).send().await.expect("form");
    assert_eq!(form.status(), 200);
    let html = form.text().await.expect("html");
    assert!(html.contains("id=\"complaint-form\"") && html.contains("<label for=\"complaint-content\">"), "{html}");

    let r = public.post(&url).form(&[("content", "  "), ("contact", "13812345678")]).send().await.expect("post");
    assert_eq!(r.status(), 400);
    let html = r.text().await.expect("html");
    assert!(html.contains("id=\"complaint-error\"") && html.contains("value=\"13812345678\""), "{html}");

    let r = public
        .post(&url)
        .form(&[("case_no", ""), ("content", "窗口人员态度生硬，多次让我重复提交材料"), ("contact", "13812345678")])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 200);
    let html = r.text().await.expect("html");
    assert!(html.contains("id=\"complaint-filed\"") && html.contains("前答复您"), "{html}");

    let admin = app.token("ys_admin").await;
    let list = ok(&app, Some(&admin), COMPLAINTS, json!({ "t": YONGSHOU })).await;
    assert_eq!(list["complaints"].as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(list["complaints"][0]["status"], "OPEN");
    assert_eq!(list["complaints"][0]["workingDays"], 3);

    let missing = public.get(app.url("/complaint/999999999999")).send().await.expect("unknown");
    assert_eq!(missing.status(), 404);
}

/// Complaints come in stretches after a cursor, newest first, in GraphQL and in the console, so no
/// list is cut off at a fixed size.
#[tokio::test]
async fn complaints_page_by_cursor_in_graphql_and_the_console() {
    let app = TestApp::spawn_with(|c| c.login_attempts_per_client = 100).await;
    let admin = app.token("ys_admin").await;
    let mut filed = Vec::new();
    for i in 0..53 {
        let r = ok(&app, None, FILE, json!({ "t": YONGSHOU, "c": format!("投诉第{i}件"), "p": "13812345678" })).await;
        filed.push(r["fileComplaint"]["id"].as_str().expect("id").to_owned());
    }
    filed.reverse();

    let q = "query($t: RegionCode!, $f: Int!, $a: ID) { complaints(tenant: $t, first: $f, after: $a) { id } }";
    let mut seen: Vec<String> = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let r = ok(&app, Some(&admin), q, json!({ "t": YONGSHOU, "f": 20, "a": after })).await;
        let ids: Vec<String> = r["complaints"]
            .as_array()
            .expect("list")
            .iter()
            .map(|c| c["id"].as_str().expect("id").to_owned())
            .collect();
        assert!(ids.len() <= 20);
        let Some(last) = ids.last().cloned() else { break };
        seen.extend(ids);
        after = Some(last);
    }
    assert_eq!(seen, filed, "every complaint once, newest first");
    for (f, a) in [(0, None), (201, None), (20, Some("not-an-id"))] {
        let r = app.gql(Some(&admin), q, json!({ "t": YONGSHOU, "f": f, "a": a })).await;
        assert_eq!(error_code(&r), "INVALID_INPUT", "{r}");
    }

    // The console shows 50 open complaints and links to the rest.
    let console = app.console_client("ys_admin").await;
    let html = console.get(app.url("/console/supervision")).send().await.expect("page").text().await.expect("html");
    assert_eq!(html.matches(r#"class="complaint"#).count(), 50, "{html}");
    let next = href_of(&html, "complaint-next").expect("a link to the next page");
    let html = console.get(app.url(&next)).send().await.expect("page").text().await.expect("html");
    assert_eq!(html.matches(r#"class="complaint"#).count(), 3, "{next}");
    let open =
        html.split(r#"id="open-complaints""#).nth(1).and_then(|s| s.split("</section>").next()).expect("section");
    assert!(open.contains("投诉第0件") && !open.contains("投诉第52件"), "{open}");
    assert!(!html.contains(r#"id="complaint-next""#));
}
