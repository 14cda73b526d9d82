use std::io::Write;
use std::process::{Command, Output};

use serde_json::json;
use tests::TestApp;

fn tongban(env: &[(String, String)], args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tongban-under-test"));
    for (k, _) in std::env::vars() {
        if k.starts_with("TONGBAN_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("TONGBAN_LOG", "warn").args(args).envs(env.iter().map(|(k, v)| (k, v))).output().expect("run tongban")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn temp_csv(name: &str, content: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("tongban-{}-{name}", uuid::Uuid::new_v4().simple()));
    let mut f = std::fs::File::create(&path).expect("create");
    f.write_all(content.as_bytes()).expect("write");
    path
}

#[tokio::test]
async fn serve_refuses_to_start_without_a_secret_or_with_bad_settings() {
    let db = std::env::temp_dir().join(format!("tongban-cfg-{}.db", uuid::Uuid::new_v4().simple()));
    let url = format!("sqlite://{}?mode=rwc", db.display());
    let base = vec![("TONGBAN_DATABASE_URL".to_owned(), url), ("TONGBAN_LISTEN".to_owned(), "127.0.0.1:0".to_owned())];

    let o = tongban(&base, &["serve"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("TONGBAN_JWT_SECRET"), "{}", stderr(&o));

    let mut short = base.clone();
    short.push(("TONGBAN_JWT_SECRET".into(), "too-short".into()));
    let o = tongban(&short, &["serve"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("至少需要32个字符"), "{}", stderr(&o));

    let mut bad_ttl = base.clone();
    bad_ttl.push(("TONGBAN_ACCESS_TOKEN_TTL_SECS".into(), "soon".into()));
    let o = tongban(&bad_ttl, &["serve"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).to_lowercase().contains("access_token_ttl_secs") && stderr(&o).contains("配置错误"),
        "{}",
        stderr(&o)
    );

    for size in ["0", "100000"] {
        let mut pool = base.clone();
        pool.push(("TONGBAN_DB_MAX_CONNECTIONS".into(), size.into()));
        let o = tongban(&pool, &["serve"]);
        assert!(!o.status.success());
        assert!(stderr(&o).contains("db_max_connections 须在1至256之间"), "{size}: {}", stderr(&o));
    }

    let mut bad_listen = base.clone();
    bad_listen[1].1 = "nowhere".into();
    let o = tongban(&bad_listen, &["serve"]);
    assert!(stderr(&o).contains("listen"), "{}", stderr(&o));

    let o = tongban(&base, &["--config", "/nonexistent/tongban.toml", "migrate"]);
    assert!(stderr(&o).contains("配置文件"), "{}", stderr(&o));

    // A TOML file works, and the environment overrides it.
    let toml = temp_csv("c.toml", "listen = \"127.0.0.1:0\"\naccess_token_ttl_secs = 5\n");
    let o = tongban(&base, &["--config", toml.to_str().expect("path"), "migrate"]);
    assert!(stderr(&o).contains("access_token_ttl_secs"), "the file is read: {}", stderr(&o));
    let mut fixed = base.clone();
    fixed.push(("TONGBAN_ACCESS_TOKEN_TTL_SECS".into(), "600".into()));
    let o = tongban(&fixed, &["--config", toml.to_str().expect("path"), "migrate"]);
    assert!(o.status.success(), "{}", stderr(&o));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
}

#[tokio::test]
async fn region_import_reports_line_numbers_and_imports_nothing_on_error() {
    let app = TestApp::spawn().await;
    let env = app.cli_env();
    let admin = app.token("xy_admin").await;
    let count = || async {
        app.gql(Some(&admin), "{ tenants(first: 1) { totalCount } }", json!({})).await["data"]["tenants"]["totalCount"]
            .as_u64()
            .expect("count")
    };
    let before = count().await;

    let bad = temp_csv(
        "bad.csv",
        "code,name,level,parent_code\n\
         610490000000,新区,county,610400000000\n\
         61042690100,坏代码,town,610490000000\n\
         610490002000,错层级,hamlet,610490000000\n\
         610490003000,孤儿,town,610499000000\n",
    );
    let o = tongban(&env, &["import-regions", bad.to_str().expect("path")]);
    assert!(!o.status.success());
    let err = stderr(&o);
    for line in ["第3行", "第4行", "第5行"] {
        assert!(err.contains(line), "{line} in {err}");
    }
    assert!(err.contains("未导入任何数据"), "{err}");
    assert_eq!(count().await, before, "nothing half-imported");

    let header = temp_csv("hdr.csv", "id,name\n1,x\n");
    let o = tongban(&env, &["import-regions", header.to_str().expect("path")]);
    assert!(stderr(&o).contains("第1行"), "{}", stderr(&o));
    let o = tongban(&env, &["import-regions", "/nonexistent.csv"]);
    assert!(stderr(&o).contains("无法读取文件"), "{}", stderr(&o));

    let good = temp_csv(
        "good.csv",
        "code,name,level,parent_code\n610490000000,新区,county,610400000000\n610490000001,新区一村,village,610490000000\n",
    );
    let o = tongban(&env, &["import-regions", good.to_str().expect("path")]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("新增 2"), "{}", stdout(&o));
    assert_eq!(count().await, before + 2);
    // Idempotent: a second run changes nothing.
    let o = tongban(&env, &["import-regions", good.to_str().expect("path")]);
    assert!(stdout(&o).contains("新增 0，更新 0，未变 2"), "{} {}", stdout(&o), stderr(&o));
    // Re-importing the demo tree changes nothing either.
    let o = tongban(&env, &["seed", "demo"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(count().await, before + 2);
}

#[tokio::test]
async fn create_admin_makes_a_platform_administrator() {
    let app = TestApp::spawn().await;
    let env = app.cli_env();
    let o = tongban(&env, &["create-admin", "--username", "root_admin", "--password", "Very#secret99"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stdout(&o).contains("Very#secret99"), "the password is never printed");
    let token = app.login("root_admin", "Very#secret99").await.0;
    let me = app.gql(Some(&token), "{ me { roles tenant { code } } }", json!({})).await;
    assert_eq!(me["data"]["me"]["roles"], json!(["PLATFORM_ADMIN"]));
    assert_eq!(me["data"]["me"]["tenant"]["code"], "610000000000", "the root of the imported tree");
    // The platform administrator sees every tenant.
    let r = app.gql(Some(&token), "query { tenant(code: \"610402000000\") { name } }", json!({})).await;
    assert_eq!(r["data"]["tenant"]["name"], "秦都区");

    let o = tongban(&env, &["create-admin", "--username", "weak_admin", "--password", "123"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("密码"), "{}", stderr(&o));
    let o = tongban(&env, &["create-admin", "--username", "x_admin", "--password", "Very#secret99", "--tenant", "123"]);
    assert!(stderr(&o).contains("区划代码"), "{}", stderr(&o));
}

/// The SDL without descriptions, each field's arguments on its line as in `f(a: A, b: B): T`.
fn signatures(sdl: &str) -> String {
    let mut out = String::new();
    let mut in_description = false;
    for line in sdl.lines() {
        if line.trim_start().starts_with("\"\"\"") {
            let t = line.trim();
            if !(t.len() > 6 && t.ends_with("\"\"\"")) {
                in_description = !in_description;
            }
            continue;
        }
        if !in_description {
            out.push_str(line);
            out.push('\n');
        }
    }
    out.replace("(\n\t\t", "(").replace(",\n\t\t", ", ").replace("\n\t)", ")")
}

#[test]
fn schema_prints_the_served_sdl() {
    let o = tongban(&[], &["schema"]);
    assert!(o.status.success());
    let sdl = signatures(&stdout(&o));
    for op in [
        "me: User!",
        "tenants(",
        "login(",
        "refreshSession(",
        "serviceToken(",
        "verifyAudit(",
        "calendar(tenant: RegionCode!, year: Int!): [CalendarDay!]!",
        "addWorkingDays(tenant: RegionCode!, from: Date!, days: Int!): Date!",
        "setCalendarDay(tenant: RegionCode!, date: Date!, workday: Boolean!, name: String): CalendarDay!",
    ] {
        assert!(sdl.contains(op), "{op}");
    }
}

/// api/schema.graphql is the served schema as committed, for partners and the contract check; it
/// changes with the code or this fails. `tongban schema > api/schema.graphql` brings it up to date.
#[test]
fn committed_schema_is_the_served_one() {
    let o = tongban(&[], &["schema"]);
    assert!(o.status.success());
    let committed = include_str!("../../../api/schema.graphql");
    let served = stdout(&o);
    if served != committed {
        let first = served.lines().zip(committed.lines()).position(|(a, b)| a != b);
        panic!(
            "api/schema.graphql differs from the served schema (first difference at line {}): run `cargo run -p api --bin tongban -- schema > api/schema.graphql`",
            first.map_or(served.lines().count().min(committed.lines().count()) + 1, |i| i + 1)
        );
    }
}

/// The demo authorizes its approvers for the items published at their tenants, once: seeding
/// again adds no authorization and no audit entry.
#[tokio::test]
async fn the_demo_seed_authorizes_its_approvers_once() {
    let app = TestApp::spawn().await;
    let me = "{ me { authorizedItemIds } }";
    let published = "query($t: RegionCode!) { implItems(tenant: $t, status: PUBLISHED, first: 100) { nodes { id } } }";
    let ids = |v: &serde_json::Value, path: &[&str]| {
        let mut v = v.clone();
        for p in path {
            v = v[*p].clone();
        }
        let mut out: Vec<String> = v
            .as_array()
            .unwrap_or_else(|| panic!("{v}"))
            .iter()
            .map(|x| x.as_str().map_or_else(|| x["id"].as_str().unwrap_or_default().to_owned(), str::to_owned))
            .collect();
        out.sort();
        out
    };
    let ys = app.token("ys_approver").await;
    let jj = app.token("jj_approver").await;
    let admin = app.token("ys_admin").await;
    let ys_items =
        ids(&app.gql(Some(&admin), published, json!({ "t": tests::YONGSHOU })).await, &["data", "implItems", "nodes"]);
    let jj_items =
        ids(&app.gql(Some(&admin), published, json!({ "t": tests::JIANJUN })).await, &["data", "implItems", "nodes"]);
    assert_eq!(ys_items.len(), 7, "six items (one joint) and 临时救助, which the towns escalate");
    assert!(!jj_items.is_empty());
    // The joint item is reviewed by its departments' approvers, not by the general one.
    let joint = "query($t: RegionCode!) { implItems(tenant: $t, keyword: \"林木采伐\") { nodes { id caseKind } } }";
    let j = app.gql(Some(&admin), joint, json!({ "t": tests::YONGSHOU })).await;
    assert_eq!(j["data"]["implItems"]["nodes"][0]["caseKind"], "JOINT", "{j}");
    let joint_id = j["data"]["implItems"]["nodes"][0]["id"].as_str().expect("id").to_owned();
    let general: Vec<String> = ys_items.iter().filter(|i| **i != joint_id).cloned().collect();
    assert_eq!(ids(&app.gql(Some(&ys), me, json!({})).await, &["data", "me", "authorizedItemIds"]), general);
    for dept_approver in ["ys_forestry", "ys_land"] {
        let t = app.token(dept_approver).await;
        let mine = ids(&app.gql(Some(&t), me, json!({})).await, &["data", "me", "authorizedItemIds"]);
        assert_eq!(mine, std::slice::from_ref(&joint_id));
    }
    assert_eq!(ids(&app.gql(Some(&jj), me, json!({})).await, &["data", "me", "authorizedItemIds"]), jj_items);
    let xy = app.token("xy_approver").await;
    assert!(ids(&app.gql(Some(&xy), me, json!({})).await, &["data", "me", "authorizedItemIds"]).is_empty());

    let log = "query($t: RegionCode!) { auditLog(tenant: $t, first: 200) { totalCount nodes { action } } }";
    let count = |r: serde_json::Value| {
        r["data"]["auditLog"]["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("{r}"))
            .iter()
            .filter(|n| n["action"] == "approver.authorize")
            .count()
    };
    let before = count(app.gql(Some(&admin), log, json!({ "t": tests::YONGSHOU })).await);
    assert_eq!(before, 3, "one authorization each for 永寿县's approver and the two department approvers");
    let o = tongban(&app.cli_env(), &["seed", "demo"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(count(app.gql(Some(&admin), log, json!({ "t": tests::YONGSHOU })).await), before);
    assert_eq!(ids(&app.gql(Some(&ys), me, json!({})).await, &["data", "me", "authorizedItemIds"]), general);
}

/// `seed demo` opens the demo's halls with A/B posts, once, so that 取号 and 叫号 work at once.
#[tokio::test]
async fn the_demo_seed_opens_windows_with_a_and_b_posts_once() {
    let app = TestApp::spawn().await;
    let admin = app.token("ys_admin").await;
    let q = "query($t: RegionCode!) { windows(tenant: $t) { id number primary { username } backup { username } items { id } } }";
    let before = app.gql(Some(&admin), q, json!({ "t": tests::YONGSHOU })).await;
    assert_eq!(before["data"]["windows"], json!([]), "the tests' seed opens no windows");
    for _ in 0..2 {
        let o = tongban(&app.cli_env(), &["seed", "demo"]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let r = app.gql(Some(&admin), q, json!({ "t": tests::YONGSHOU })).await;
    let windows = r["data"]["windows"].as_array().unwrap_or_else(|| panic!("{r}")).clone();
    assert_eq!(windows.len(), 2, "seeding twice opens them once: {r}");
    assert_eq!(windows[0]["number"], "A01");
    assert_eq!(windows[0]["primary"]["username"], "ys_window");
    assert_eq!(windows[0]["backup"]["username"], "ys_window2");
    assert_eq!(windows[1]["primary"]["username"], "ys_window2");
    let jj = app.gql(Some(&admin), q, json!({ "t": tests::JIANJUN })).await;
    assert_eq!(jj["data"]["windows"][0]["primary"]["username"], "jj_station", "{jj}");

    // A ticket taken now is called at once.
    let item = windows[0]["items"][0]["id"].as_str().expect("item").to_owned();
    let t = app
        .gql(
            None,
            "mutation($t: RegionCode!, $i: ID!) { takeTicket(tenant: $t, implItemId: $i) { number } }",
            json!({ "t": tests::YONGSHOU, "i": item }),
        )
        .await;
    let number = t["data"]["takeTicket"]["number"].as_str().unwrap_or_else(|| panic!("{t}")).to_owned();
    let clerk = app.token("ys_window").await;
    let c = app
        .gql(Some(&clerk), "mutation($w: ID!) { callNext(windowId: $w) { number } }", json!({ "w": windows[0]["id"] }))
        .await;
    assert_eq!(c["data"]["callNext"]["number"], number.as_str(), "{c}");
}
