use serde_json::json;
use tests::{JIANJUN, TestApp, YONGSHOU, error_code, error_message};

const BOARD: &str = "query($t: RegionCode!) { attendanceBoard(tenant: $t) { username displayName day signedInAt signedOutAt present } }";

#[tokio::test]
async fn staff_sign_in_and_out_and_the_board_shows_it() {
    let app = TestApp::spawn().await;
    let window = app.token("ys_window").await;
    let admin = app.token("ys_admin").await;

    let empty = app.gql(Some(&admin), BOARD, json!({ "t": YONGSHOU })).await;
    assert_eq!(empty["data"]["attendanceBoard"], json!([]), "{empty}");

    let r = app.gql(Some(&window), "mutation { signIn }", json!({})).await;
    assert_eq!(r["data"]["signIn"], true, "{r}");
    let again = app.gql(Some(&window), "mutation { signIn }", json!({})).await;
    assert_eq!(error_code(&again), "CONFLICT");
    assert!(error_message(&again).contains("已签到"));

    let board = app.gql(Some(&admin), BOARD, json!({ "t": YONGSHOU })).await;
    let rows = board["data"]["attendanceBoard"].as_array().expect("rows").clone();
    assert_eq!(rows.len(), 1, "{board}");
    assert_eq!(rows[0]["username"], "ys_window");
    assert_eq!(rows[0]["displayName"], "永寿县窗口人员");
    assert_eq!(rows[0]["present"], true);
    assert!(rows[0]["signedInAt"].as_str().expect("time").ends_with("+08:00"));

    let out = app.gql(Some(&window), "mutation { signOut }", json!({})).await;
    assert_eq!(out["data"]["signOut"], true, "{out}");
    let twice = app.gql(Some(&window), "mutation { signOut }", json!({})).await;
    assert_eq!(error_code(&twice), "ILLEGAL_TRANSITION");
    assert!(error_message(&twice).contains("尚未签到"));
    let board = app.gql(Some(&admin), BOARD, json!({ "t": YONGSHOU })).await;
    assert_eq!(board["data"]["attendanceBoard"][0]["present"], false);
    assert!(board["data"]["attendanceBoard"][0]["signedOutAt"].is_string());

    // Signing in again the same day opens a new record.
    assert_eq!(app.gql(Some(&window), "mutation { signIn }", json!({})).await["data"]["signIn"], true);
    let board = app.gql(Some(&admin), BOARD, json!({ "t": YONGSHOU })).await;
    assert_eq!(board["data"]["attendanceBoard"].as_array().map(Vec::len), Some(2));

    // Audited in the hall's chain.
    let log = app
        .gql(
            Some(&admin),
            "query($t: RegionCode!) { auditLog(tenant: $t, first: 10) { nodes { action actor } } }",
            json!({ "t": YONGSHOU }),
        )
        .await;
    let actions: Vec<String> = log["data"]["auditLog"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter(|n| n["actor"] == "ys_window")
        .map(|n| n["action"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(actions, ["attendance.sign_in", "attendance.sign_out", "attendance.sign_in", "session.login"]);
}

#[tokio::test]
async fn the_board_is_for_admins_and_supervisors_in_scope() {
    let app = TestApp::spawn().await;
    let station = app.token("jj_station").await;
    assert_eq!(app.gql(Some(&station), "mutation { signIn }", json!({})).await["data"]["signIn"], true);

    let window = app.token("ys_window").await;
    assert_eq!(error_code(&app.gql(Some(&window), BOARD, json!({ "t": YONGSHOU })).await), "FORBIDDEN");
    let jj_admin = app.token("jj_admin").await;
    assert_eq!(error_code(&app.gql(Some(&jj_admin), BOARD, json!({ "t": YONGSHOU })).await), "FORBIDDEN");
    let jj = app.gql(Some(&jj_admin), BOARD, json!({ "t": JIANJUN })).await;
    assert_eq!(jj["data"]["attendanceBoard"][0]["username"], "jj_station", "{jj}");
    // The county's supervisor sees its towns' boards; the county's own board has no town staff.
    let sup = app.token("ys_supervisor").await;
    let town = app.gql(Some(&sup), BOARD, json!({ "t": JIANJUN })).await;
    assert_eq!(town["data"]["attendanceBoard"].as_array().map(Vec::len), Some(1));
    let county = app.gql(Some(&sup), BOARD, json!({ "t": YONGSHOU })).await;
    assert_eq!(county["data"]["attendanceBoard"], json!([]));
    // Service accounts have no attendance.
    assert_eq!(error_code(&app.gql(None, "mutation { signIn }", json!({})).await), "UNAUTHENTICATED");
}

/// The center opens appointment slots from the hall page; only working days take them.
#[tokio::test]
async fn the_console_opens_appointment_slots_on_working_days() {
    let app = TestApp::spawn().await;
    app.console_login(&app.client, "ys_admin").await;
    let page = app.client.get(app.url("/console/hall")).send().await.expect("hall").text().await.expect("html");
    assert!(page.contains("预约时段"), "{page}");
    let csrf = TestApp::csrf_of(&page);
    let item = page
        .split("name=\"item\">")
        .nth(1)
        .and_then(|s| s.split("value=\"").nth(1))
        .and_then(|s| s.split('"').next())
        .expect("an item option")
        .to_owned();
    let (workday, day_off) = days_ahead(&app).await;
    let ok = open_slot(&app, &csrf, &item, &workday).await;
    assert_eq!(ok.status(), 303);
    let listed = app
        .client
        .get(app.url(&format!("/console/hall?slot_item={item}&slot_day={workday}")))
        .send()
        .await
        .expect("hall")
        .text()
        .await
        .expect("html");
    assert!(listed.contains("09:00–10:00"), "{listed}");
    let weekend = open_slot(&app, &csrf, &item, &day_off).await;
    assert_eq!(weekend.status(), 400);
    assert!(weekend.text().await.expect("html").contains("不是工作日"));
    // A window clerk sees the slots but cannot open one.
    let clerk = app.new_client();
    app.console_login(&clerk, "ys_window").await;
    let page = clerk.get(app.url("/console/hall")).send().await.expect("hall").text().await.expect("html");
    assert!(!page.contains("id=\"slot-form\""));
}

async fn open_slot(app: &TestApp, csrf: &str, item: &str, day: &str) -> reqwest::Response {
    let form =
        [("csrf", csrf), ("item", item), ("day", day), ("starts", "09:00"), ("ends", "10:00"), ("capacity", "3")];
    app.client.post(app.url("/console/hall/slots")).form(&form).send().await.expect("slot")
}

/// A working day and a day off of 永寿县 after today, from its calendar.
async fn days_ahead(app: &TestApp) -> (String, String) {
    let token = app.token("ys_admin").await;
    let today =
        chrono::Utc::now().with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("offset")).date_naive();
    let mut days = Vec::new();
    for year in [chrono::Datelike::year(&today), chrono::Datelike::year(&today) + 1] {
        let r = app
            .gql(
                Some(&token),
                "query($t: RegionCode!, $y: Int!) { calendar(tenant: $t, year: $y) { date workday } }",
                json!({ "t": YONGSHOU, "y": year }),
            )
            .await;
        days.extend(r["data"]["calendar"].as_array().expect("calendar").clone());
    }
    let after = |workday: bool| {
        days.iter()
            .filter(|d| d["workday"] == workday && d["date"].as_str().is_some_and(|x| x > today.to_string().as_str()))
            .map(|d| d["date"].as_str().unwrap_or_default().to_owned())
            .nth(1)
            .expect("a day ahead")
    };
    (after(true), after(false))
}
