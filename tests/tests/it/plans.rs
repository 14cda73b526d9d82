//! The plans PostgreSQL gives the main case lists and lookups, read as the application role under a
//! county administrator's scope, over generated cases (bench/gen_cases.sql): none may scan `cases`
//! sequentially. A plan regression shows here before any benchmark runs. PostgreSQL only.

use chrono::{Duration, Utc};
use domain::case::CaseStatus;
use domain::page::PageRequest;
use domain::ports::{CaseQuery, ReviewGroup};
use domain::tenant::Scope;
use sea_orm::sea_query::PostgresQueryBuilder;
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
use serde_json::Value;
use tests::{Backend, TestApp};

const GENERATOR: &str = include_str!("../../../bench/gen_cases.sql");
const CASES: u32 = 30_000;

/// The generator without psql's meta-commands, for `CASES` cases.
fn generator_sql() -> String {
    GENERATOR
        .lines()
        .filter(|l| !l.trim_start().starts_with('\\'))
        // VACUUM cannot run in the one transaction of a multi-statement query; the test runs it after.
        .filter(|l| !l.trim_start().starts_with("VACUUM"))
        .collect::<Vec<_>>()
        .join("\n")
        .replace(" :n)", &format!(" {CASES})"))
}

/// Every plan node, depth first.
fn nodes(plan: &Value, out: &mut Vec<(String, String, String)>) {
    let s = |k: &str| plan[k].as_str().unwrap_or_default().to_owned();
    out.push((s("Node Type"), s("Relation Name"), s("Index Name")));
    for child in plan["Plans"].as_array().into_iter().flatten() {
        nodes(child, out);
    }
}

#[tokio::test]
async fn case_lists_and_lookups_use_indexes_under_row_level_security() {
    if tests::postgres_base().is_none() {
        return;
    }
    let app = TestApp::spawn().await;
    let Backend::Postgres { app_url, .. } = &app.backend else { return };
    let owner = app.owner_db().await;
    owner.execute_unprepared(&generator_sql()).await.expect("generated cases");
    owner.execute_unprepared("VACUUM ANALYZE cases").await.expect("analyze");
    let items: Vec<uuid::Uuid> = owner
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT id FROM impl_items WHERE tenant_code = '610426000000' AND status = 'PUBLISHED'",
        ))
        .await
        .expect("items")
        .iter()
        .filter_map(|r| r.try_get::<String>("", "id").ok())
        .filter_map(|s| s.parse().ok())
        .collect();
    let some_case: String = owner
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT id FROM cases WHERE tenant_code = '610426001000' LIMIT 1",
        ))
        .await
        .expect("a case")
        .and_then(|r| r.try_get("", "id").ok())
        .expect("a generated case at 监军街道");

    let today = Utc::now().date_naive();
    let list = |prefix: &str| CaseQuery {
        tenant_prefix: prefix.to_owned(),
        page: PageRequest { first: 20, after: None },
        ..Default::default()
    };
    let county = Scope::Subtree("610426".into());
    let lists: Vec<(&str, Scope, CaseQuery)> = vec![
        ("a town's 20 newest", county.clone(), list("610426001")),
        ("a county's 20 newest", county.clone(), list("610426")),
        ("a village's 20 newest", county.clone(), list("610426001001")),
        ("a city's 20 newest", Scope::Subtree("6104".into()), list("6104")),
        (
            "the county's red list",
            county.clone(),
            CaseQuery { statuses: vec![CaseStatus::Accepted], deadline_until: today.pred_opt(), ..list("610426") },
        ),
        (
            "the county's yellow list",
            county.clone(),
            CaseQuery {
                statuses: vec![CaseStatus::Accepted],
                deadline_from: Some(today),
                deadline_until: Some(today + Duration::days(2)),
                ..list("610426")
            },
        ),
        (
            "an approver's queue",
            Scope::only(&"610426000000".parse().expect("code")),
            CaseQuery {
                statuses: vec![CaseStatus::Accepted, CaseStatus::Suspended],
                awaiting_review: Some(vec![ReviewGroup { items: items.clone(), departments: Vec::new() }]),
                ..list("610426000000")
            },
        ),
        (
            // The department filter: the case row has no department, so it asks for the items of one.
            "a county's cases of a department's items",
            county.clone(),
            CaseQuery { impl_items: Some(items.iter().take(3).copied().collect()), ..list("610426") },
        ),
        (
            // Planned for its dates (custom plans): the month is read by date.
            "a city's cases of one month two years back",
            Scope::Subtree("6104".into()),
            CaseQuery {
                received_from: Some(Utc::now() - Duration::days(730)),
                received_to: Some(Utc::now() - Duration::days(700)),
                ..list("6104")
            },
        ),
        (
            "a county's second page",
            county.clone(),
            CaseQuery {
                page: PageRequest { first: 20, after: Some("1795900000000000_ffffffff".into()) },
                ..list("610426")
            },
        ),
    ];

    let db = Database::connect(app_url.as_str()).await.expect("application role");
    let mut checked = 0;
    for (what, scope, q) in &lists {
        let (page, count) = infra::case_list_statements(DbBackend::Postgres, scope, q).expect("statements");
        for (part, st) in [("page", page), ("count", count)] {
            // Lists run as prepared statements on their generic plans, which only EXPLAIN EXECUTE of
            // a named statement shows (the values bound to an EXPLAIN would plan for them).
            let tx = sea_orm::TransactionTrait::begin(&db).await.expect("begin");
            tx.execute_raw(infra::db::listing_settings(scope, infra::case_list_plans(q)))
                .await
                .expect("listing settings");
            tx.execute_unprepared(&format!("PREPARE listed AS {}", st.sql)).await.expect("prepare");
            let args: Vec<String> = st
                .values
                .iter()
                .flat_map(|v| v.0.iter())
                .map(|v| sea_orm::sea_query::QueryBuilder::value_to_string(&PostgresQueryBuilder, v))
                .collect();
            let args = if args.is_empty() { String::new() } else { format!("({})", args.join(", ")) };
            let explain =
                Statement::from_string(DbBackend::Postgres, format!("EXPLAIN (FORMAT JSON) EXECUTE listed{args}"));
            let row = tx.query_one_raw(explain).await.expect("explain").expect("a plan");
            // A prepared statement outlives the transaction, on a pooled connection.
            tx.execute_unprepared("DEALLOCATE listed").await.expect("deallocate");
            let plan: Value =
                serde_json::from_str(&row.try_get::<String>("", "QUERY PLAN").unwrap_or_else(|_| {
                    row.try_get::<Value>("", "QUERY PLAN").map(|v| v.to_string()).expect("plan text")
                }))
                .expect("json plan");
            let mut all = Vec::new();
            nodes(&plan[0]["Plan"], &mut all);
            let on_cases: Vec<_> = all.iter().filter(|(_, rel, _)| rel == "cases").collect();
            assert!(
                on_cases.iter().all(|(node, _, _)| node != "Seq Scan" && !node.starts_with("Bitmap")),
                "{what} ({part}) scans cases without an ordered index: {all:?}"
            );
            assert!(
                on_cases.iter().any(|(node, _, index)| node.starts_with("Index") && !index.is_empty()),
                "{what} ({part}) reads cases through an index: {all:?}"
            );
            if *what == "an approver's queue" {
                // The tenant's open cases in received order (m0021), from the index alone: not its
                // newest cases of every status, nor all its open ones by deadline and then sorted.
                assert!(
                    on_cases
                        .iter()
                        .any(|(node, _, index)| node == "Index Only Scan" && index == "cases_open_tenant_received"),
                    "{what} ({part}) reads the tenant's open cases from their own index: {all:?}"
                );
            }
            if what.ends_with("list") {
                // Warning lists: a county's running cases by deadline, not its newest in order.
                assert!(
                    on_cases.iter().any(|(_, _, index)| index == "cases_running_t6"),
                    "{what} ({part}) reads the running cases by deadline: {all:?}"
                );
            }
            tx.rollback().await.expect("rollback");
            checked += 1;
        }
    }
    assert_eq!(checked, lists.len() * 2);

    // A lookup by id and by number, under the county's scope and its policy alone.
    for (what, sql) in [
        ("case by id", format!("SELECT * FROM cases WHERE id = '{some_case}'")),
        ("case by number", "SELECT * FROM cases WHERE case_no = 'TB610426-20261128-G00000001'".to_owned()),
    ] {
        let tx = sea_orm::TransactionTrait::begin(&db).await.expect("begin");
        tx.execute_unprepared("SELECT set_config('tongban.scope', '610426', true)").await.expect("scope");
        let row = tx
            .query_one_raw(Statement::from_string(DbBackend::Postgres, format!("EXPLAIN (FORMAT JSON) {sql}")))
            .await
            .expect("explain")
            .expect("a plan");
        let plan: Value = row.try_get::<Value>("", "QUERY PLAN").expect("json plan");
        let mut all = Vec::new();
        nodes(&plan[0]["Plan"], &mut all);
        assert!(
            all.iter().any(|(node, rel, _)| rel == "cases" && node == "Index Scan"),
            "{what} reads one row through an index: {all:?}"
        );
        tx.rollback().await.expect("rollback");
    }
}
