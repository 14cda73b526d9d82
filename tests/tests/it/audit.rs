use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;
use tests::{JIANJUN, TestApp, YONGSHOU, error_code};

const LOG: &str = "query($t: RegionCode!, $a: String) { auditLog(tenant: $t, first: 2, after: $a) { totalCount nodes { id actor action target tenant { code } at } pageInfo { hasNextPage endCursor } } }";
const VERIFY: &str = "query($t: RegionCode!) { verifyAudit(tenant: $t) { entries intact firstBrokenId breaks { lane entryId reason } } }";

async fn create_clerk(app: &TestApp, token: &str, name: &str) {
    let r = app
        .gql(
            Some(token),
            "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }",
            json!({ "i": { "tenant": JIANJUN, "username": name, "password": "Strong#pass1", "displayName": "李四", "roles": ["STATION_STAFF"] } }),
        )
        .await;
    assert!(r["errors"].is_null(), "{r}");
}

#[tokio::test]
async fn mutations_are_audited_and_the_chain_verifies() {
    let app = TestApp::spawn().await;
    let admin = app.token("ys_admin").await;
    let before = app.gql(Some(&admin), LOG, json!({ "t": JIANJUN })).await["data"]["auditLog"]["totalCount"]
        .as_u64()
        .expect("count");
    create_clerk(&app, &admin, "jj_audit1").await;
    // A failed mutation writes nothing.
    let bad = app
        .gql(
            Some(&admin),
            "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }",
            json!({ "i": { "tenant": JIANJUN, "username": "jj_audit1", "password": "Strong#pass1", "displayName": "x", "roles": ["STATION_STAFF"] } }),
        )
        .await;
    assert_eq!(error_code(&bad), "CONFLICT");

    let log = app.gql(Some(&admin), LOG, json!({ "t": JIANJUN })).await;
    let page = &log["data"]["auditLog"];
    assert_eq!(page["totalCount"].as_u64(), Some(before + 1), "{log}");
    let newest = &page["nodes"][0];
    assert_eq!(newest["actor"], "ys_admin");
    assert_eq!(newest["action"], "user.create");
    assert_eq!(newest["tenant"]["code"], JIANJUN);
    assert!(newest["at"].as_str().expect("at").ends_with("+08:00"));

    // Cursor pagination reaches the oldest entry.
    let next = app.gql(Some(&admin), LOG, json!({ "t": JIANJUN, "a": page["pageInfo"]["endCursor"] })).await;
    assert!(next["data"]["auditLog"]["nodes"].as_array().is_some_and(|n| !n.is_empty()));

    let v = app.gql(Some(&admin), VERIFY, json!({ "t": JIANJUN })).await;
    assert_eq!(v["data"]["verifyAudit"]["intact"], true, "{v}");
    assert_eq!(v["data"]["verifyAudit"]["entries"].as_u64(), Some(before + 1));

    // Logins are audited in the user's tenant.
    let ys = app.gql(Some(&admin), LOG, json!({ "t": YONGSHOU })).await;
    let nodes = ys["data"]["auditLog"]["nodes"].as_array().expect("nodes").clone();
    assert!(nodes.iter().any(|n| n["action"] == "session.login"), "{ys}");

    // Rights: a window clerk may not read the log; a station clerk not another tenant's.
    let window = app.token("ys_window").await;
    assert_eq!(error_code(&app.gql(Some(&window), VERIFY, json!({ "t": YONGSHOU })).await), "FORBIDDEN");
    let clerk = app.token("jj_station").await;
    assert_eq!(error_code(&app.gql(Some(&clerk), LOG, json!({ "t": YONGSHOU })).await), "FORBIDDEN");
}

#[tokio::test]
async fn an_edited_or_deleted_entry_breaks_the_chain() {
    let app = TestApp::spawn().await;
    let admin = app.token("ys_admin").await;
    for n in 1..=3 {
        create_clerk(&app, &admin, &format!("jj_chain{n}")).await;
    }
    let intact = app.gql(Some(&admin), VERIFY, json!({ "t": JIANJUN })).await;
    assert_eq!(intact["data"]["verifyAudit"]["intact"], true, "{intact}");

    let db = app.owner_db().await;
    let b = db.get_database_backend();
    let id_of = |target: &str| {
        format!("SELECT id FROM audit_log WHERE tenant_code = '{JIANJUN}' AND after_json LIKE '%{target}%'")
    };
    let row = db.query_one_raw(Statement::from_string(b, id_of("jj_chain2"))).await.expect("query").expect("row");
    let edited: i64 = row.try_get("", "id").expect("id");

    // Edit: the content no longer matches its hash.
    db.execute_unprepared(&format!("UPDATE audit_log SET actor = 'someone_else' WHERE id = {edited}"))
        .await
        .expect("edit");
    let v = app.gql(Some(&admin), VERIFY, json!({ "t": JIANJUN })).await;
    assert_eq!(v["data"]["verifyAudit"]["intact"], false, "{v}");
    assert_eq!(v["data"]["verifyAudit"]["firstBrokenId"], edited.to_string());
    assert_eq!(v["data"]["verifyAudit"]["breaks"][0]["entryId"], edited.to_string(), "{v}");
    assert_eq!(v["data"]["verifyAudit"]["breaks"][0]["reason"].as_str().map(|r| r.starts_with("哈希不符")), Some(true));
    db.execute_unprepared(&format!("UPDATE audit_log SET actor = 'ys_admin' WHERE id = {edited}")).await.expect("undo");
    let v = app.gql(Some(&admin), VERIFY, json!({ "t": JIANJUN })).await;
    assert_eq!(v["data"]["verifyAudit"]["intact"], true, "undoing the edit restores the chain: {v}");

    // Delete: the next entry of the same chain (lane) links to a missing hash.
    let pair = db
        .query_one_raw(Statement::from_string(
            b,
            format!(
                "SELECT a.id AS gone, n.id AS next FROM audit_log a JOIN audit_log n
                   ON n.tenant_code = a.tenant_code AND n.lane = a.lane AND n.seq = a.seq + 1
                 WHERE a.tenant_code = '{JIANJUN}' ORDER BY a.id LIMIT 1"
            ),
        ))
        .await
        .expect("query")
        .expect("an entry with a successor");
    let (gone, next): (i64, i64) = (pair.try_get("", "gone").expect("id"), pair.try_get("", "next").expect("id"));
    db.execute_unprepared(&format!("DELETE FROM audit_log WHERE id = {gone}")).await.expect("delete");
    let v = app.gql(Some(&admin), VERIFY, json!({ "t": JIANJUN })).await;
    assert_eq!(v["data"]["verifyAudit"]["intact"], false, "{v}");
    assert_eq!(v["data"]["verifyAudit"]["firstBrokenId"], next.to_string());
    assert_eq!(v["data"]["verifyAudit"]["breaks"][0]["entryId"], next.to_string(), "{v}");
    assert_eq!(v["data"]["verifyAudit"]["breaks"][0]["reason"].as_str().map(|r| r.starts_with("链断开")), Some(true));
    // The last entry of a chain has no successor: its chain head still catches the deletion.
    let mut yongshou_intact = app.gql(Some(&admin), VERIFY, json!({ "t": YONGSHOU })).await;
    assert_eq!(yongshou_intact["data"]["verifyAudit"]["intact"], true);
    let last = db
        .query_one_raw(Statement::from_string(
            b,
            format!(
                "SELECT l.seq, l.lane FROM audit_lanes l WHERE l.tenant_code = '{YONGSHOU}' ORDER BY l.lane LIMIT 1"
            ),
        ))
        .await
        .expect("query")
        .expect("a chain head");
    let (seq, lane): (i64, i16) = (last.try_get("", "seq").expect("seq"), last.try_get("", "lane").expect("lane"));
    db.execute_unprepared(&format!(
        "DELETE FROM audit_log WHERE tenant_code = '{YONGSHOU}' AND lane = {lane} AND seq = {seq}"
    ))
    .await
    .expect("delete the last");
    yongshou_intact = app.gql(Some(&admin), VERIFY, json!({ "t": YONGSHOU })).await;
    assert_eq!(yongshou_intact["data"]["verifyAudit"]["intact"], false, "{yongshou_intact}");
    // The break is named: that lane's head points past its last entry.
    assert_eq!(
        yongshou_intact["data"]["verifyAudit"]["breaks"],
        json!([{ "lane": lane, "entryId": null, "reason": "链头指向不存在的记录（末尾记录被删除）" }]),
        "{yongshou_intact}"
    );

    // Other tenants' chains are untouched.
    let xy = app.gql(Some(&app.token("xy_admin").await), VERIFY, json!({ "t": "610400000000" })).await;
    assert_eq!(xy["data"]["verifyAudit"]["intact"], true, "{xy}");
}
