//! The database wall (PostgreSQL): as the application role, writes that would move a row out of
//! its tenants or touch the base catalogue outside its owner's scope are refused.

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbErr, Statement, TransactionTrait};
use serde_json::json;
use tests::{QINDU, TestApp, XIANYANG, YONGSHOU};

const SUBMIT: &str = "mutation($i: SubmitCaseInput!) { submitCase(input: $i) { case { id } } }";

/// A new case at 永寿县, through the API.
async fn yongshou_case(app: &TestApp) -> String {
    let window = app.token("ys_window").await;
    let r = app
        .gql(
            Some(&window),
            "query($t: RegionCode!) { implItems(tenant: $t, keyword: \"教师资格\", status: PUBLISHED) { nodes { id } } }",
            json!({ "t": YONGSHOU }),
        )
        .await;
    let item = r["data"]["implItems"]["nodes"][0]["id"].as_str().unwrap_or_else(|| panic!("no item: {r}")).to_owned();
    let input = json!({ "i": {
        "implItemId": item,
        "applicant": { "kind": "PERSON", "name": "王小明", "idNumber": "11010519491231002X" },
        "providedMaterials": ["申请表"],
    } });
    let r = app.gql(Some(&window), SUBMIT, input).await;
    r["data"]["submitCase"]["case"]["id"].as_str().unwrap_or_else(|| panic!("submit: {r}")).to_owned()
}

/// A transaction of the application role under `scope` (None: no scope at all).
async fn scoped(db: &DatabaseConnection, scope: Option<&str>) -> DatabaseTransaction {
    let tx = db.begin().await.expect("begin");
    if let Some(s) = scope {
        let set = format!("SELECT set_config('tongban.scope', '{s}', true)");
        tx.execute_raw(Statement::from_string(db.get_database_backend(), set)).await.expect("scope");
    }
    tx
}

/// Runs `sql` in its own transaction under `scope`, rolled back: the rows it changed, or its error.
async fn write(db: &DatabaseConnection, scope: Option<&str>, sql: &str) -> Result<u64, DbErr> {
    let tx = scoped(db, scope).await;
    let res = tx.execute_raw(Statement::from_string(db.get_database_backend(), sql.to_owned())).await;
    tx.rollback().await.expect("rollback");
    res.map(|r| r.rows_affected())
}

async fn count(db: &DatabaseConnection, scope: Option<&str>, sql: &str) -> i64 {
    let tx = scoped(db, scope).await;
    let row = tx
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql.to_owned()))
        .await
        .expect("query")
        .expect("row");
    tx.rollback().await.expect("rollback");
    row.try_get("", "n").expect("n")
}

fn refused_by_policy(res: Result<u64, DbErr>, what: &str) {
    match res {
        Err(e) => assert!(e.to_string().contains("row-level security"), "{what}: {e}"),
        Ok(n) => panic!("{what}: allowed, {n} rows"),
    }
}

#[tokio::test]
async fn the_application_role_cannot_move_a_case_out_of_its_tenants() {
    let app = TestApp::spawn().await;
    let tests::Backend::Postgres { app_url, .. } = &app.backend else {
        eprintln!("row-level security applies to PostgreSQL only");
        return;
    };
    let id = yongshou_case(&app).await;
    let db = Database::connect(app_url.as_str()).await.expect("connect as the application role");
    let county = Some("610426");
    let case = |set: &str| format!("UPDATE cases SET {set} WHERE id = '{id}'");

    refused_by_policy(write(&db, county, &case(&format!("tenant_code = '{QINDU}'"))).await, "into another county");
    refused_by_policy(
        write(&db, county, &case("collecting_code = '610402001000'")).await,
        "collected by another county's town",
    );
    refused_by_policy(
        write(&db, county, &case(&format!("tenant_code = '{QINDU}', collecting_code = '610402001000'"))).await,
        "both tenants out of scope",
    );
    refused_by_policy(
        write(&db, Some("*"), &case(&format!("tenant_code = '{QINDU}'"))).await,
        "inconsistent tenants even over all",
    );
    // Within the case's tenants a write passes, and so does one handing it up (上报件).
    assert_eq!(write(&db, county, &case("version = version")).await.expect("same tenants"), 1);
    assert_eq!(write(&db, county, &case(&format!("tenant_code = '{XIANYANG}'"))).await.expect("forwarded up"), 1);
    // No scope, or another county's: the case is out of reach.
    assert_eq!(write(&db, None, &case("version = version")).await.expect("no scope"), 0);
    assert_eq!(write(&db, Some("610402"), &case("version = version")).await.expect("other county"), 0);

    // Its events and documents are written for a tenant of the case only.
    let event = format!(
        "INSERT INTO case_events (case_id, tenant_code, actor_tenant, at, status, actor, action, opinion)
         SELECT case_id, '{{t}}', actor_tenant, at, status, actor, action, opinion FROM case_events
         WHERE case_id = '{id}' LIMIT 1"
    );
    refused_by_policy(write(&db, county, &event.replace("{t}", QINDU)).await, "an event for another county");
    assert_eq!(write(&db, county, &event.replace("{t}", YONGSHOU)).await.expect("an event of the case"), 1);

    // Reads: none without a scope, the county's with it.
    let n = format!("SELECT count(*) AS n FROM cases WHERE id = '{id}'");
    assert_eq!(count(&db, None, &n).await, 0, "no scope, no rows");
    assert_eq!(count(&db, Some(""), &n).await, 0, "an empty scope, no rows");
    assert_eq!(count(&db, county, &n).await, 1);
    assert_eq!(count(&db, Some("*"), &n).await, 1);
}

#[tokio::test]
async fn the_base_catalogue_is_read_by_all_and_written_under_its_owner() {
    let app = TestApp::spawn().await;
    let tests::Backend::Postgres { app_url, .. } = &app.backend else {
        eprintln!("row-level security applies to PostgreSQL only");
        return;
    };
    let db = Database::connect(app_url.as_str()).await.expect("connect as the application role");
    let rename = "UPDATE base_items SET name = name || 'x'";
    let versions = "UPDATE base_item_versions SET snapshot_json = snapshot_json";
    let insert = format!(
        "INSERT INTO base_items (id, owner_code, base_code, name, kind, legal_basis, levels, statutory_days,
           materials_json, department, default_case_kind, default_cross_area, version, updated_at)
         SELECT 'wall-test', owner_code, 'WALL-1', name, kind, legal_basis, levels, statutory_days,
           materials_json, department, default_case_kind, default_cross_area, 1, updated_at
         FROM base_items WHERE owner_code = '{XIANYANG}' LIMIT 1"
    );
    let insert_version = "INSERT INTO base_item_versions (base_item_id, version, snapshot_json, created_at)
         SELECT base_item_id, version + 1000, snapshot_json, created_at FROM base_item_versions LIMIT 1";
    for scope in [None, Some("610426"), Some("610426001")] {
        assert_eq!(write(&db, scope, rename).await.unwrap_or(0), 0, "renamed under {scope:?}");
        assert_eq!(write(&db, scope, versions).await.unwrap_or(0), 0, "versions under {scope:?}");
        assert_eq!(write(&db, scope, "DELETE FROM base_item_versions").await.unwrap_or(0), 0, "{scope:?}");
        refused_by_policy(write(&db, scope, &insert).await, "a base item outside its owner's scope");
        refused_by_policy(write(&db, scope, insert_version).await, "a base item version outside its owner's scope");
        let n = count(&db, scope, "SELECT count(*) AS n FROM base_items").await;
        assert_eq!(n, 31, "every tenant reads the catalogue, under {scope:?}");
        assert!(count(&db, scope, "SELECT count(*) AS n FROM base_item_versions").await >= 31);
    }
    // The owner's scope (the root's catalogue administrators) writes.
    assert_eq!(write(&db, Some("6104"), rename).await.expect("the root"), 31);
    assert_eq!(write(&db, Some("6104"), &insert).await.expect("the root inserts"), 1);
}

#[tokio::test]
async fn a_range_filter_under_the_policy_can_use_an_index() {
    let app = TestApp::spawn().await;
    let tests::Backend::Postgres { app_url, .. } = &app.backend else {
        eprintln!("row-level security applies to PostgreSQL only");
        return;
    };
    let db = Database::connect(app_url.as_str()).await.expect("connect as the application role");
    let tx = scoped(&db, Some("610426")).await;
    let b = db.get_database_backend();
    tx.execute_raw(Statement::from_string(b, "SET LOCAL enable_seqscan = off")).await.expect("no seq scans");
    // A filter by range, and the policy's own ranges with no filter.
    for query in [
        "SELECT count(*) FROM cases WHERE tenant_code >= '610426001' AND tenant_code < '610426002'",
        "SELECT count(*) FROM cases",
    ] {
        let rows = tx.query_all_raw(Statement::from_string(b, format!("EXPLAIN {query}"))).await.expect("explain");
        let plan: Vec<String> = rows.iter().map(|r| r.try_get::<String>("", "QUERY PLAN").expect("line")).collect();
        let plan = plan.join("\n");
        assert!(plan.contains("Index") && !plan.contains("Seq Scan"), "{query}: {plan}");
    }
    tx.rollback().await.expect("rollback");
}
