use serde_json::json;
use tests::{DIANTOU, JIANJUN, QINDU, TestApp, XIANYANG, YONGSHOU, error_code};

const TENANT: &str = "query($c: RegionCode!) { tenant(code: $c) { code name level centerName parent { code name } } }";
const CHILDREN: &str = "query($p: RegionCode) { tenants(parent: $p, first: 200) { totalCount nodes { code name } pageInfo { hasNextPage } } }";

#[tokio::test]
async fn a_station_clerk_sees_only_its_own_station() {
    let app = TestApp::spawn().await;
    let clerk = app.token("jj_station").await;
    let own = app.gql(Some(&clerk), TENANT, json!({ "c": JIANJUN })).await;
    assert_eq!(own["data"]["tenant"]["centerName"], "监军街道便民服务中心");
    // Its parent's identity is public, shown where the station points at it.
    assert_eq!(own["data"]["tenant"]["parent"]["name"], "永寿县");
    for other in [DIANTOU, YONGSHOU, XIANYANG, QINDU] {
        let r = app.gql(Some(&clerk), TENANT, json!({ "c": other })).await;
        assert_eq!(error_code(&r), "FORBIDDEN", "{other}: {r}");
        assert!(r["data"].is_null());
        let r = app.gql(Some(&clerk), CHILDREN, json!({ "p": other })).await;
        assert_eq!(error_code(&r), "FORBIDDEN", "{other}: {r}");
    }
    // Without a parent the listing is the clerk's scope: its own station only.
    let all = app.gql(Some(&clerk), CHILDREN, json!({ "p": null })).await;
    assert_eq!(all["data"]["tenants"]["totalCount"], 1, "{all}");
    assert_eq!(all["data"]["tenants"]["nodes"][0]["code"], JIANJUN);
}

#[tokio::test]
async fn a_county_admin_sees_its_towns_not_its_siblings() {
    let app = TestApp::spawn().await;
    let admin = app.token("ys_admin").await;
    let towns = app.gql(Some(&admin), CHILDREN, json!({ "p": YONGSHOU })).await;
    let nodes = towns["data"]["tenants"]["nodes"].as_array().expect("nodes");
    assert!(nodes.iter().any(|n| n["code"] == JIANJUN), "{towns}");
    assert!(nodes.iter().any(|n| n["code"] == DIANTOU));
    assert!(nodes.iter().all(|n| n["code"].as_str().is_some_and(|c| c.starts_with("610426"))));
    assert_eq!(towns["data"]["tenants"]["totalCount"].as_u64(), Some(nodes.len() as u64));

    let dt = app.gql(Some(&admin), TENANT, json!({ "c": DIANTOU })).await;
    assert_eq!(dt["data"]["tenant"]["level"], "TOWN");
    for other in [QINDU, XIANYANG, "610402001000"] {
        let r = app.gql(Some(&admin), TENANT, json!({ "c": other })).await;
        assert_eq!(error_code(&r), "FORBIDDEN", "{other}: {r}");
    }
    let r = app.gql(Some(&admin), TENANT, json!({ "c": "619999000000" })).await;
    assert_eq!(error_code(&r), "NOT_FOUND");

    // The whole scope, paginated by cursor without gaps or repeats.
    let q = "query($a: String) { tenants(first: 50, after: $a) { totalCount nodes { code } pageInfo { hasNextPage endCursor } } }";
    let (mut after, mut seen) = (serde_json::Value::Null, Vec::new());
    loop {
        let p = app.gql(Some(&admin), q, json!({ "a": after })).await;
        let page = &p["data"]["tenants"];
        for n in page["nodes"].as_array().expect("nodes") {
            seen.push(n["code"].as_str().expect("code").to_owned());
        }
        if page["pageInfo"]["hasNextPage"] != true {
            assert_eq!(page["totalCount"].as_u64(), Some(seen.len() as u64));
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    let mut sorted = seen.clone();
    sorted.dedup();
    assert_eq!(sorted.len(), seen.len());
    assert!(seen.len() > 100, "永寿县 has towns and villages: {}", seen.len());
    assert!(seen.iter().all(|c| c.starts_with("610426")));
}

#[tokio::test]
async fn the_city_sees_all_its_counties_and_children_resolve() {
    let app = TestApp::spawn().await;
    let admin = app.token("xy_admin").await;
    let q =
        "query($c: RegionCode!) { tenant(code: $c) { name children(first: 100) { totalCount nodes { code level } } } }";
    let r = app.gql(Some(&admin), q, json!({ "c": XIANYANG })).await;
    let kids = &r["data"]["tenant"]["children"];
    assert!(kids["totalCount"].as_u64().is_some_and(|n| n >= 14), "{r}");
    assert!(kids["nodes"].as_array().expect("nodes").iter().all(|n| n["level"] == "COUNTY"));
    let r = app.gql(Some(&admin), "{ tenants(level: TOWN, first: 1) { totalCount } }", json!({})).await;
    assert!(r["data"]["tenants"]["totalCount"].as_u64().is_some_and(|n| n > 100), "{r}");
}

async fn users_of(tx: &sea_orm::DatabaseTransaction) -> Vec<String> {
    use sea_orm::{ConnectionTrait, Statement};
    let s = Statement::from_string(tx.get_database_backend(), "SELECT tenant_code FROM users".to_owned());
    tx.query_all_raw(s)
        .await
        .expect("query")
        .into_iter()
        .map(|r| r.try_get::<String>("", "tenant_code").expect("code"))
        .collect()
}

/// PostgreSQL's row-level security is a second wall: a query that forgets the scope still sees
/// only the rows of the scope set for its transaction, and nothing without one.
#[tokio::test]
async fn row_level_security_holds_without_application_filters() {
    use sea_orm::{ConnectionTrait, Database, Statement, TransactionTrait};
    let app = TestApp::spawn().await;
    let tests::Backend::Postgres { app_url, .. } = &app.backend else {
        eprintln!("row-level security applies to PostgreSQL only; set TONGBAN_TEST_DATABASE_URL to run this test");
        return;
    };
    let db = Database::connect(app_url.as_str()).await.expect("connect as the application role");
    let b = db.get_database_backend();
    let count = |sql: &str| Statement::from_string(b, sql.to_owned());
    // No scope set: nothing at all.
    let tx = db.begin().await.expect("begin");
    assert!(users_of(&tx).await.is_empty());
    tx.commit().await.expect("commit");

    // The clerk's scope: only 监军街道's users, though the query has no WHERE.
    let tx = db.begin().await.expect("begin");
    tx.execute_raw(count(&format!("SELECT set_config('tongban.scope', '{JIANJUN}', true)"))).await.expect("scope");
    let seen = users_of(&tx).await;
    assert!(!seen.is_empty());
    assert!(seen.iter().all(|c| c == JIANJUN), "{seen:?}");
    tx.commit().await.expect("commit");

    // The setting is per transaction: the next one on a pooled connection sees nothing again.
    let tx = db.begin().await.expect("begin");
    assert!(users_of(&tx).await.is_empty());
    // Writing another tenant's row is refused too.
    tx.execute_raw(count(&format!("SELECT set_config('tongban.scope', '{JIANJUN}', true)"))).await.expect("scope");
    let insert = tx
        .execute_raw(count(&format!(
            "INSERT INTO users (id, tenant_code, username, display_name, password_hash, roles, disabled, created_at)
             VALUES ('x', '{QINDU}', 'sneaky', 'x', 'x', 'WINDOW_STAFF', false, now())"
        )))
        .await;
    assert!(insert.is_err(), "RLS must refuse a row outside the scope");
    drop(tx);

    // The application role owns nothing and cannot switch RLS off or rewrite the audit log.
    assert!(db.execute_unprepared("ALTER TABLE users DISABLE ROW LEVEL SECURITY").await.is_err());
    let tx = db.begin().await.expect("begin");
    tx.execute_raw(count("SELECT set_config('tongban.scope', '*', true)")).await.expect("scope");
    assert!(tx.execute_unprepared("UPDATE audit_log SET actor = 'forged'").await.is_err());
}

/// Every table that carries a `tenant_code` has row-level security enabled and forced.
#[tokio::test]
async fn every_tenant_owned_table_has_forced_row_level_security() {
    use sea_orm::{ConnectionTrait, Statement};
    let app = TestApp::spawn_empty().await;
    if !matches!(app.backend, tests::Backend::Postgres { .. }) {
        eprintln!("row-level security applies to PostgreSQL only");
        return;
    }
    let db = app.owner_db().await;
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity
               FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
              WHERE a.attname = 'tenant_code' AND c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace",
        ))
        .await
        .expect("catalog query");
    assert!(rows.len() >= 5, "tenant tables found: {}", rows.len());
    for r in rows {
        let name: String = r.try_get("", "relname").expect("name");
        let enabled: bool = r.try_get("", "relrowsecurity").expect("flag");
        let forced: bool = r.try_get("", "relforcerowsecurity").expect("flag");
        assert!(enabled && forced, "{name}: RLS enabled {enabled}, forced {forced}");
    }
}
