//! The test harness: starts the real server on a free port, seeded with the 咸阳市 demo, on
//! SQLite (default) or on PostgreSQL and Redis when TONGBAN_TEST_DATABASE_URL and
//! TONGBAN_TEST_REDIS_URL are set.

use std::path::{Path, PathBuf};

use anyhow::Context;
use api::config::Config;
use api::startup::{Application, Runtime, migrate};
use reqwest::Url;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{Value, json};
use tokio::sync::OnceCell;

pub use api::seed::DEMO_PASSWORD;

pub mod netns;
pub mod redis;

/// The signing secret of every test server, so tests can forge tokens.
pub const JWT_SECRET: &str = "test-secret-that-is-long-enough-for-hs256-0123456789";

pub const XIANYANG: &str = "610400000000";
pub const YONGSHOU: &str = "610426000000";
pub const JIANJUN: &str = "610426001000";
pub const DIANTOU: &str = "610426101000";
pub const QINDU: &str = "610402000000";

pub enum Backend {
    Sqlite { file: PathBuf },
    Postgres { admin_url: String, app_url: String, database: String },
}

pub struct TestApp {
    /// The server's clock: tests move it forward.
    pub clock: std::sync::Arc<infra::clock::ShiftableClock>,
    pub address: String,
    pub port: u16,
    pub client: reqwest::Client,
    pub backend: Backend,
    pub redis_url: Option<String>,
    pub redis_prefix: String,
    /// A second server over another's database: it leaves the database to its owner.
    sibling: bool,
}

/// Idle connections are dropped well before the server's keep-alive (5 s) closes them, so that a
/// request after a pause (a CLI run) never goes out on a connection the server is closing.
const IDLE: std::time::Duration = std::time::Duration::from_secs(2);

/// The PostgreSQL base URL (an owner), when the suite runs against PostgreSQL.
pub fn postgres_base() -> Option<String> {
    std::env::var("TONGBAN_TEST_DATABASE_URL").ok().filter(|u| u.starts_with("postgres"))
}

pub fn redis_base() -> Option<String> {
    std::env::var("TONGBAN_TEST_REDIS_URL").ok().filter(|u| !u.is_empty())
}

static PG_CLEANUP: OnceCell<()> = OnceCell::const_new();

/// Drops databases that earlier runs left behind: those created more than an hour ago, so that
/// test runs in parallel (other worktrees, other processes) keep theirs.
async fn pg_cleanup(base: &str) -> anyhow::Result<()> {
    let admin = Database::connect(base).await?;
    let rows = admin
        .query_all_raw(sea_orm::Statement::from_string(
            admin.get_database_backend(),
            "SELECT datname FROM pg_database WHERE datname LIKE 'tbt\\_%'",
        ))
        .await?;
    let cutoff = chrono::Utc::now().timestamp() - 3600;
    for r in rows {
        let name: String = r.try_get("", "datname")?;
        let created = name.split('_').nth(1).and_then(|t| t.parse::<i64>().ok()).unwrap_or(0);
        if created > cutoff {
            continue;
        }
        let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await;
    }
    Ok(())
}

fn with_db(base: &str, db: &str, user: Option<&str>) -> anyhow::Result<String> {
    let mut url = Url::parse(base).context("TONGBAN_TEST_DATABASE_URL")?;
    url.set_path(&format!("/{db}"));
    if let Some(u) = user {
        url.set_username(u).map_err(|_| anyhow::anyhow!("bad url"))?;
        url.set_password(None).map_err(|_| anyhow::anyhow!("bad url"))?;
    }
    Ok(url.to_string())
}

impl TestApp {
    /// A seeded server with the default configuration.
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(tweak: impl FnOnce(&mut Config)) -> TestApp {
        Self::try_spawn(tweak, true).await.expect("test server starts")
    }

    /// Without the demo seed.
    pub async fn spawn_empty() -> TestApp {
        Self::try_spawn(|_| {}, false).await.expect("test server starts")
    }

    async fn try_spawn(tweak: impl FnOnce(&mut Config), seed: bool) -> anyhow::Result<TestApp> {
        // TONGBAN_TEST_LOG=info shows the servers' logs (internal error details included).
        if let Ok(level) = std::env::var("TONGBAN_TEST_LOG") {
            let _ = tracing_subscriber::fmt().with_env_filter(level).with_test_writer().try_init();
        }
        let id = uuid::Uuid::new_v4().simple().to_string();
        let mut config = Config {
            listen: "127.0.0.1:0".into(),
            sweep_interval_secs: 1,
            jwt_secret: Some(JWT_SECRET.to_owned().into()),
            ..Config::default()
        };
        let backend = match postgres_base() {
            Some(base) => {
                PG_CLEANUP
                    .get_or_init(|| async { pg_cleanup(&base).await.expect("clean up old test databases") })
                    .await;
                let database = format!("tbt_{}_{}", chrono::Utc::now().timestamp(), &id[..12]);
                let admin = Database::connect(&base).await?;
                admin.execute_unprepared(&format!("CREATE DATABASE \"{database}\"")).await?;
                let admin_url = with_db(&base, &database, None)?;
                let app_url = with_db(&base, &database, Some(migrations::APP_ROLE))?;
                config.migration_database_url = Some(admin_url.clone().into());
                config.database_url = Some(app_url.clone().into());
                config.db_max_connections = 4;
                Backend::Postgres { admin_url, app_url, database }
            }
            None => {
                let file = std::env::temp_dir().join(format!("tongban-test-{id}.db"));
                config.database_url = Some(format!("sqlite://{}?mode=rwc", file.display()).into());
                Backend::Sqlite { file }
            }
        };
        let redis_url = redis_base();
        let redis_prefix = format!("tbt:{id}:");
        if let Some(r) = &redis_url {
            config.redis_url = Some(r.clone().into());
            config.redis_prefix = redis_prefix.clone();
        }
        tweak(&mut config);
        migrate(&config).await?;
        let clock = std::sync::Arc::new(infra::clock::ShiftableClock::default());
        let runtime = Runtime::build_with_clock(&config, clock.clone()).await?;
        if seed {
            api::seed::seed_demo(&runtime.services).await?;
        }
        let app = Application::build(&config, runtime).await?;
        let port = app.port();
        tokio::spawn(app.run_until_stopped());
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            .pool_idle_timeout(IDLE)
            .build()?;
        Ok(TestApp {
            clock,
            address: format!("http://127.0.0.1:{port}"),
            port,
            client,
            backend,
            redis_url,
            redis_prefix,
            sibling: false,
        })
    }

    /// Another browser: its own cookies, no redirects followed.
    pub fn new_client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            .pool_idle_timeout(IDLE)
            .build()
            .expect("http client")
    }

    /// A second server process sharing `app`'s database and Redis (same prefix): what a
    /// deployment with several servers looks like.
    pub async fn spawn_sibling(app: &TestApp) -> TestApp {
        let mut config = Config {
            listen: "127.0.0.1:0".into(),
            jwt_secret: Some(JWT_SECRET.to_owned().into()),
            ..Config::default()
        };
        let backend = match &app.backend {
            Backend::Sqlite { file } => {
                config.database_url = Some(format!("sqlite://{}?mode=rwc", file.display()).into());
                Backend::Sqlite { file: file.clone() }
            }
            Backend::Postgres { admin_url, app_url, database } => {
                config.migration_database_url = Some(admin_url.clone().into());
                config.database_url = Some(app_url.clone().into());
                config.db_max_connections = 4;
                Backend::Postgres { admin_url: admin_url.clone(), app_url: app_url.clone(), database: database.clone() }
            }
        };
        if let Some(r) = &app.redis_url {
            config.redis_url = Some(r.clone().into());
            config.redis_prefix = app.redis_prefix.clone();
        }
        let runtime = Runtime::build(&config).await.expect("sibling runtime");
        let server = Application::build(&config, runtime).await.expect("sibling server");
        let port = server.port();
        tokio::spawn(server.run_until_stopped());
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            .pool_idle_timeout(IDLE)
            .build()
            .expect("client");
        TestApp {
            clock: std::sync::Arc::new(infra::clock::ShiftableClock::default()),
            address: format!("http://127.0.0.1:{port}"),
            port,
            client,
            backend,
            redis_url: app.redis_url.clone(),
            redis_prefix: app.redis_prefix.clone(),
            sibling: true,
        }
    }

    /// Logs `client` in through the console form (CSRF double-submit): it then holds a session cookie.
    pub async fn console_login(&self, client: &reqwest::Client, username: &str) {
        let page = client.get(self.url("/console/login")).send().await.expect("login page").text().await.expect("html");
        let csrf = Self::csrf_of(&page);
        let r = client
            .post(self.url("/console/login"))
            .form(&[("username", username), ("password", DEMO_PASSWORD), ("csrf", csrf.as_str())])
            .send()
            .await
            .expect("login");
        assert_eq!(r.status(), 303, "console login of {username}");
    }

    /// A new client logged into the console as `username`.
    pub async fn console_client(&self, username: &str) -> reqwest::Client {
        let client = self.new_client();
        self.console_login(&client, username).await;
        client
    }

    /// The hidden CSRF field of a console page.
    pub fn csrf_of(html: &str) -> String {
        html.split("name=\"csrf\" value=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("the page has a CSRF field")
            .to_owned()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// Sends a GraphQL request and returns the whole JSON response.
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut req = self.client.post(self.url("/graphql")).json(&json!({ "query": query, "variables": variables }));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.expect("request").json().await.expect("json body")
    }

    /// Logs in and returns (access token, refresh token).
    pub async fn login(&self, username: &str, password: &str) -> (String, String) {
        let r = self
            .gql(
                None,
                "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken refreshToken } }",
                json!({ "u": username, "p": password }),
            )
            .await;
        let s = &r["data"]["login"];
        let access = s["accessToken"].as_str().unwrap_or_else(|| panic!("login {username} failed: {r}"));
        (access.to_owned(), s["refreshToken"].as_str().unwrap_or_default().to_owned())
    }

    /// Logs a demo user in and returns the access token.
    pub async fn token(&self, username: &str) -> String {
        self.login(username, DEMO_PASSWORD).await.0
    }

    /// A direct connection to the database as its owner (bypassing the application).
    pub async fn owner_db(&self) -> DatabaseConnection {
        let url = match &self.backend {
            Backend::Sqlite { file } => format!("sqlite://{}?mode=rw", file.display()),
            Backend::Postgres { admin_url, .. } => admin_url.clone(),
        };
        Database::connect(url).await.expect("owner connection")
    }

    /// The server's configuration as environment variables, for running the CLI against it.
    pub fn cli_env(&self) -> Vec<(String, String)> {
        let mut env = vec![("TONGBAN_JWT_SECRET".to_owned(), JWT_SECRET.to_owned())];
        match &self.backend {
            Backend::Sqlite { file } => {
                env.push(("TONGBAN_DATABASE_URL".into(), format!("sqlite://{}?mode=rwc", file.display())));
            }
            Backend::Postgres { admin_url, app_url, .. } => {
                env.push(("TONGBAN_DATABASE_URL".into(), app_url.clone()));
                env.push(("TONGBAN_MIGRATION_DATABASE_URL".into(), admin_url.clone()));
            }
        }
        env
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Backend::Sqlite { file } = &self.backend
            && !self.sibling
        {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
            }
        }
    }
}

/// The `href` of the element whose id is `id` in a console page, with askama's escaped `&` undone.
pub fn href_of(html: &str, id: &str) -> Option<String> {
    let at = html.find(&format!("id=\"{id}\""))?;
    let tag = &html[html[..at].rfind('<')?..];
    let tag = &tag[..tag.find('>')?];
    let href = tag.split("href=\"").nth(1)?.split('"').next()?;
    Some(href.replace("&#38;", "&").replace("&amp;", "&"))
}

/// The first error's `extensions.code`.
pub fn error_code(resp: &Value) -> &str {
    resp["errors"][0]["extensions"]["code"].as_str().unwrap_or("<none>")
}

pub fn error_message(resp: &Value) -> &str {
    resp["errors"][0]["message"].as_str().unwrap_or("<none>")
}

/// The real `tongban serve` as a separate process over a test server's database: what a crash
/// (a stack overflow aborts the whole process) must not take down. Killed when dropped.
pub struct ServerProcess {
    child: std::process::Child,
    pub address: String,
    client: reqwest::Client,
}

impl ServerProcess {
    /// Starts `bin serve` (the tests' `env!("CARGO_BIN_EXE_tongban-under-test")`) with `app`'s
    /// database, Redis and secret, and waits until it answers.
    pub async fn start(bin: &str, app: &TestApp, extra_env: &[(&str, &str)]) -> ServerProcess {
        let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port();
        Self::start_at(bin, app, extra_env, port).await
    }

    /// As [`ServerProcess::start`], listening on `port` (a restarted server keeps its address).
    pub async fn start_at(bin: &str, app: &TestApp, extra_env: &[(&str, &str)], port: u16) -> ServerProcess {
        let mut cmd = std::process::Command::new(bin);
        cmd.env_clear().envs(app.cli_env());
        if let Some(r) = &app.redis_url {
            cmd.env("TONGBAN_REDIS_URL", r).env("TONGBAN_REDIS_PREFIX", &app.redis_prefix);
        }
        Self::spawn(cmd, "127.0.0.1", port, extra_env).await
    }

    /// As [`ServerProcess::start_at`], run inside `host`'s network namespace (`ip netns exec`,
    /// which execs: the child's pid is the server's) and listening on its address. There
    /// 127.0.0.1 is the namespace's own: PostgreSQL is reached through its unix socket and Redis
    /// is left out (in-process state). Panics when the database has no unix socket.
    pub async fn start_in(
        bin: &str,
        app: &TestApp,
        net: &netns::Net,
        host: &netns::Host,
        extra_env: &[(&str, &str)],
        port: u16,
    ) -> ServerProcess {
        let mut cmd = std::process::Command::new(net.ip());
        cmd.env_clear().args(["netns", "exec", &host.ns, bin]);
        for (k, v) in app.cli_env() {
            let v = if k.ends_with("DATABASE_URL") && v.starts_with("postgres") {
                netns::postgres_over_socket(&v).expect("PostgreSQL has a unix socket")
            } else {
                v
            };
            cmd.env(k, v);
        }
        let server = Self::spawn(cmd, &host.addr, port, extra_env).await;
        // The pid is the server itself, in the host's namespace: a kill is the server's.
        let pid = server.child.id();
        let exe = std::fs::read_link(format!("/proc/{pid}/exe")).expect("the server's executable");
        assert!(exe.ends_with(Path::new(bin).file_name().expect("binary name")), "{exe:?}");
        let ns = |p: &str| std::fs::read_link(format!("/proc/{p}/ns/net")).expect("network namespace");
        assert_ne!(ns(&pid.to_string()), ns("self"), "the server runs in its own network namespace");
        server
    }

    /// Starts `cmd serve` with the test environment and waits until it answers on `ip:port`.
    async fn spawn(mut cmd: std::process::Command, ip: &str, port: u16, extra_env: &[(&str, &str)]) -> ServerProcess {
        cmd.env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("TONGBAN_LISTEN", format!("{ip}:{port}"))
            .env("TONGBAN_LOG", "error")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::inherit())
            .arg("serve");
        cmd.envs(extra_env.iter().copied());
        let child = cmd.spawn().expect("tongban serve starts");
        let client = reqwest::Client::builder().build().expect("http client");
        let server = ServerProcess { child, address: format!("http://{ip}:{port}"), client };
        for _ in 0..200 {
            if server.is_alive().await {
                return server;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("tongban serve did not answer /healthz within 20 s");
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// Sends a GraphQL request to this server and returns the whole JSON response.
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut req = self.client.post(self.url("/graphql")).json(&json!({ "query": query, "variables": variables }));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.expect("request").json().await.expect("json body")
    }

    /// Whether the process still runs and answers `/healthz`.
    pub async fn is_alive(&self) -> bool {
        let client = reqwest::Client::builder().timeout(std::time::Duration::from_secs(5)).build();
        match client {
            Ok(c) => c.get(self.url("/healthz")).send().await.is_ok_and(|r| r.status().is_success()),
            Err(_) => false,
        }
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.address.rsplit(':').next().and_then(|p| p.parse().ok()).unwrap_or_default()
    }

    /// SIGKILL: no shutdown, no flush, whatever it was doing.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Whether the process has exited (crashed).
    pub fn exited(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(Some(_)))
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
