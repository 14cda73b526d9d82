//! Configuration: an optional TOML file, overridden by TONGBAN_* environment variables.

use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// Every key can be set in the TOML file or as `TONGBAN_<KEY>` (e.g. TONGBAN_DATABASE_URL).
/// Secrets and URLs (which may carry passwords) are masked in Debug output.
#[derive(Debug, Deserialize)]
#[serde(default)]
pub struct Config {
    /// sqlite://path?mode=rwc or postgres://user:pass@host/db (the application role).
    pub database_url: Option<SecretString>,
    /// Owner connection for `migrate` on PostgreSQL; defaults to `database_url`.
    pub migration_database_url: Option<SecretString>,
    pub redis_url: Option<SecretString>,
    /// Prefix of every Redis key, so that deployments can share one Redis.
    pub redis_prefix: String,
    pub listen: String,
    /// HS256 signing secret for access tokens (at least 32 bytes).
    pub jwt_secret: Option<SecretString>,
    pub access_token_ttl_secs: i64,
    pub refresh_token_ttl_secs: i64,
    pub graphql_max_depth: usize,
    pub graphql_max_complexity: usize,
    pub graphql_introspection: bool,
    /// Root fields of one GraphQL request resolved at once (each may hold a database connection).
    pub graphql_concurrency: usize,
    /// The largest request body accepted, in bytes (GraphQL and JSON; console forms have their own).
    pub max_body_bytes: usize,
    /// Serve GraphiQL at GET /graphql (on in the demo).
    pub graphiql: bool,
    pub db_max_connections: u32,
    /// Mark console cookies Secure (behind HTTPS).
    pub secure_cookies: bool,
    pub login_failures_per_user: u32,
    pub login_attempts_per_client: u32,
    pub login_window_secs: u64,
    /// Anonymous public writes (取号, 预约, 取消, 签到) per client address within `public_window_secs`.
    pub public_writes_per_client: u32,
    pub public_window_secs: u64,
    /// Calendar days an applicant has to supply missing materials (补正期限).
    pub correction_days: i64,
    /// Working days before the deadline that a case turns yellow.
    pub warning_yellow_days: i64,
    /// Seconds between background sweeps (expired correction notices).
    pub sweep_interval_secs: u64,
    /// `text` or `json`.
    pub log_format: String,
    /// How long published service guides stay cached; 0 turns the cache off (for measuring).
    pub guide_cache_ttl_secs: u64,
    /// Fonts for PDF documents from this directory instead of the system's (needs a CJK font).
    pub pdf_font_dir: Option<PathBuf>,
    /// The key partners' service-account secrets are sealed with: 32 bytes as 64 hex digits or
    /// base64 (TONGBAN_PARTNER_KEY). Without it partners cannot be registered or reached.
    pub partner_key: Option<SecretString>,
    /// Run the outbox worker that delivers messages to partner deployments.
    pub outbox_worker: bool,
    /// Delivery attempts before a message is parked.
    pub outbox_max_attempts: i32,
    /// The first retry's delay, in milliseconds (doubling each time, with jitter).
    pub outbox_retry_base_ms: u64,
    /// The longest delay between attempts, in milliseconds.
    pub outbox_retry_max_ms: u64,
    /// Seconds a claimed message stays leased to one server: a server killed mid-delivery holds its
    /// messages this long. More than twice `outbox_timeout_secs`.
    pub outbox_lease_secs: u64,
    /// Seconds one request to a partner may take.
    pub outbox_timeout_secs: u64,
    /// Messages one server claims at once.
    pub outbox_batch: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: None,
            migration_database_url: None,
            redis_url: None,
            redis_prefix: "tongban:".into(),
            listen: "127.0.0.1:8080".into(),
            jwt_secret: None,
            access_token_ttl_secs: 900,
            refresh_token_ttl_secs: 7 * 24 * 3600,
            graphql_max_depth: 12,
            graphql_max_complexity: 1000,
            graphql_introspection: true,
            graphql_concurrency: 2,
            max_body_bytes: 1 << 20,
            graphiql: false,
            db_max_connections: default_pool_size(),
            secure_cookies: false,
            login_failures_per_user: 5,
            login_attempts_per_client: 30,
            guide_cache_ttl_secs: 600,
            login_window_secs: 300,
            public_writes_per_client: 120,
            public_window_secs: 600,
            correction_days: 30,
            warning_yellow_days: 1,
            sweep_interval_secs: 300,
            log_format: "text".into(),
            pdf_font_dir: None,
            partner_key: None,
            outbox_worker: true,
            outbox_max_attempts: 10,
            outbox_retry_base_ms: 500,
            outbox_retry_max_ms: 60_000,
            outbox_lease_secs: 12,
            outbox_timeout_secs: 5,
            outbox_batch: 50,
        }
    }
}

/// Three connections per CPU this process sees (6 on two cores), between 4 and 64. On two cores, 6
/// against 16 kept the write rate and halved its request p99, and brought the lists' p99 at 8 clients
/// from 21–30 ms to 15–18 ms (`bench/README.md`): more backends than cores only take turns on them.
fn default_pool_size() -> u32 {
    let cpus = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    u32::try_from(cpus * 3).unwrap_or(64).clamp(4, 64)
}

/// The default SQLite file of the demo, in the working directory.
pub const DEMO_DATABASE: &str = "tongban-demo.db";

impl Config {
    /// Loads `file` (or `tongban.toml` when present) and the environment.
    pub fn load(file: Option<&Path>) -> Result<Config, String> {
        let mut fig = Figment::new();
        match file {
            Some(f) if !f.exists() => return Err(format!("配置文件 {} 不存在", f.display())),
            Some(f) => fig = fig.merge(Toml::file(f)),
            None if Path::new("tongban.toml").exists() => fig = fig.merge(Toml::file("tongban.toml")),
            None => {}
        }
        fig = fig.merge(Env::prefixed("TONGBAN_").ignore(&["config"]).filter(|k| !k.as_str().starts_with("test_")));
        let config: Config = fig.extract().map_err(|e| {
            let key = e.path.join(".");
            let source = match &e.metadata {
                Some(m) => format!("（来自{}）", m.name),
                None => String::new(),
            };
            format!("配置错误：配置项 {key} 的值无效{source}：{}", e.kind)
        })?;
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> Result<(), String> {
        if self.access_token_ttl_secs < 30 || self.access_token_ttl_secs > 24 * 3600 {
            return Err("配置错误：access_token_ttl_secs 须在30秒至1天之间".into());
        }
        if self.refresh_token_ttl_secs < self.access_token_ttl_secs {
            return Err("配置错误：refresh_token_ttl_secs 不能短于 access_token_ttl_secs".into());
        }
        if self.graphql_max_depth < 3 || self.graphql_max_complexity < 10 {
            return Err("配置错误：graphql_max_depth 至少为3，graphql_max_complexity 至少为10".into());
        }
        if self.max_body_bytes < 4096 || self.max_body_bytes > 64 << 20 {
            return Err("配置错误：max_body_bytes 须在4096字节至64MiB之间".into());
        }
        if self.graphql_concurrency == 0 || self.graphql_concurrency > 64 {
            return Err("配置错误：graphql_concurrency 须在1至64之间".into());
        }
        // The pool opens whole at start, so a size past what PostgreSQL admits fails the start.
        if self.db_max_connections == 0 || self.db_max_connections > 256 {
            return Err("配置错误：db_max_connections 须在1至256之间".into());
        }
        if self.public_writes_per_client == 0 || self.public_window_secs == 0 {
            return Err("配置错误：public_writes_per_client 和 public_window_secs 须大于0".into());
        }
        if self.listen.parse::<std::net::SocketAddr>().is_err() {
            return Err(format!("配置错误：listen 地址“{}”无效，应形如 127.0.0.1:8080", self.listen));
        }
        if let Some(k) = &self.partner_key {
            infra::partner::PartnerKey::parse(k.expose_secret()).map_err(|e| format!("配置错误：{e}"))?;
        }
        if self.outbox_max_attempts < 1
            || self.outbox_retry_base_ms == 0
            || self.outbox_retry_max_ms < self.outbox_retry_base_ms
        {
            return Err(
                "配置错误：outbox_max_attempts 至少为1，outbox_retry_max_ms 不能小于 outbox_retry_base_ms（且大于0）"
                    .into(),
            );
        }
        if self.outbox_timeout_secs == 0 || self.outbox_lease_secs <= 2 * self.outbox_timeout_secs {
            return Err(
                "配置错误：outbox_lease_secs 须大于 outbox_timeout_secs 的两倍（且 outbox_timeout_secs 大于0）".into(),
            );
        }
        if self.outbox_batch == 0 || self.outbox_batch > 1000 {
            return Err("配置错误：outbox_batch 须在1至1000之间".into());
        }
        if self.jwt_secret.as_ref().is_some_and(|s| s.expose_secret().len() < 32) {
            return Err("配置错误：TONGBAN_JWT_SECRET 至少需要32个字符".into());
        }
        Ok(())
    }

    /// The partner key, checked in [`Config::load`].
    pub fn partner_key(&self) -> anyhow::Result<Option<infra::partner::PartnerKey>> {
        self.partner_key
            .as_ref()
            .map(|k| infra::partner::PartnerKey::parse(k.expose_secret()).map_err(|e| anyhow::anyhow!(e)))
            .transpose()
    }

    pub fn outbox_settings(&self) -> infra::outbox::WorkerSettings {
        infra::outbox::WorkerSettings {
            backoff: domain::partner::Backoff {
                base_ms: self.outbox_retry_base_ms,
                max_ms: self.outbox_retry_max_ms,
                max_attempts: self.outbox_max_attempts,
            },
            lease: std::time::Duration::from_secs(self.outbox_lease_secs),
            timeout: std::time::Duration::from_secs(self.outbox_timeout_secs),
            batch: self.outbox_batch,
            ..infra::outbox::WorkerSettings::default()
        }
    }

    pub fn database_url(&self) -> Option<&str> {
        self.database_url.as_ref().map(|s| s.expose_secret())
    }

    pub fn migration_url(&self) -> Option<&str> {
        self.migration_database_url.as_ref().map(|s| s.expose_secret()).or(self.database_url())
    }

    /// Fills in what the demo needs: a SQLite file and a generated secret kept beside it.
    pub fn for_demo(mut self) -> Result<Config, String> {
        if self.database_url.is_none() {
            self.database_url = Some(format!("sqlite://{DEMO_DATABASE}?mode=rwc").into());
        }
        if self.jwt_secret.is_none() {
            let db = self.database_url().unwrap_or_default();
            let path = sqlite_path(db).unwrap_or_else(|| PathBuf::from(DEMO_DATABASE));
            let secret_file = path.with_extension("secret");
            self.jwt_secret = Some(load_or_create_secret(&secret_file)?.into());
        }
        self.graphiql = true;
        Ok(self)
    }

    pub fn settings(&self) -> domain::service::Settings {
        domain::service::Settings {
            access_ttl: chrono::Duration::seconds(self.access_token_ttl_secs),
            refresh_ttl: chrono::Duration::seconds(self.refresh_token_ttl_secs),
            login_failures_per_user: self.login_failures_per_user,
            login_attempts_per_client: self.login_attempts_per_client,
            login_window: std::time::Duration::from_secs(self.login_window_secs),
            correction_days: self.correction_days,
            case_yellow_days: self.warning_yellow_days,
            guide_cache_ttl: std::time::Duration::from_secs(self.guide_cache_ttl_secs),
            public_writes_per_client: self.public_writes_per_client,
            public_window: std::time::Duration::from_secs(self.public_window_secs),
        }
    }
}

fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

fn load_or_create_secret(path: &Path) -> Result<String, String> {
    if let Ok(s) = std::fs::read_to_string(path) {
        let s = s.trim().to_owned();
        if s.len() >= 32 {
            return Ok(s);
        }
    }
    let secret = infra::secrets::generate_signing_secret();
    write_private(path, &secret).map_err(|e| format!("无法写入密钥文件 {}：{e}", path.display()))?;
    Ok(secret)
}

#[cfg(unix)]
fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path)?;
    f.write_all(content.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    std::fs::write(path, content)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_masks_secrets() {
        let c = Config {
            jwt_secret: Some("a-very-secret-value-that-is-long-enough".to_owned().into()),
            database_url: Some("postgres://app:hunter2@db/tongban".to_owned().into()),
            ..Config::default()
        };
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("a-very-secret"));
        assert!(!dbg.contains("hunter2"));
    }

    #[test]
    fn sqlite_paths() {
        assert_eq!(sqlite_path("sqlite://x/y.db?mode=rwc"), Some(PathBuf::from("x/y.db")));
        assert_eq!(sqlite_path("postgres://h/db"), None);
    }
}
