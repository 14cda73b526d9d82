//! Composition: connects the adapters, builds the services, serves HTTP.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};
use anyhow::{Context, anyhow};
use domain::ports::{Cache, DocumentPrinter, Ephemeral};
use domain::service::{Ports, Services};
use infra::Db;
use infra::cache::{MemoryCache, RedisCache};
use infra::ephemeral::{MemoryEphemeral, RedisEphemeral};
use sea_orm_migration::MigratorTrait;
use secrecy::ExposeSecret;

use crate::config::Config;
use crate::graphql::{self, Schemas};
use crate::health;

/// Everything a request needs, built once per process.
#[derive(Clone)]
pub struct Runtime {
    pub services: Services,
    pub db: Db,
    pub redis: Option<Arc<RedisEphemeral>>,
    /// Documents as PDF (fonts are discovered on first use).
    pub printer: Arc<dyn DocumentPrinter>,
    /// Partner registry and outbox (跨省通办).
    pub partners: infra::partner::PartnerStore,
    pub outbox_counters: Arc<infra::outbox::OutboxCounters>,
}

pub async fn connect_db(url: &str, max: u32) -> anyhow::Result<Db> {
    Db::connect(url, max).await.map_err(|e| anyhow!("无法连接数据库：{e}"))
}

/// Applies pending migrations over the owner connection.
pub async fn migrate(config: &Config) -> anyhow::Result<()> {
    let url = config.migration_url().context("未配置数据库：请设置 TONGBAN_DATABASE_URL")?;
    let db = connect_db(url, 2).await?;
    migrations::Migrator::up(&db.conn, None).await.map_err(|e| anyhow!("数据库迁移失败：{e}"))?;
    Ok(())
}

impl Runtime {
    pub async fn build(config: &Config) -> anyhow::Result<Runtime> {
        Self::build_with_clock(config, Arc::new(infra::clock::SystemClock)).await
    }

    /// With another clock (tests move time forward through it).
    pub async fn build_with_clock(config: &Config, clock: Arc<dyn domain::ports::Clock>) -> anyhow::Result<Runtime> {
        let url = config.database_url().context("未配置数据库：请设置 TONGBAN_DATABASE_URL")?;
        let secret = config
            .jwt_secret
            .as_ref()
            .context("未配置 JWT 密钥：请设置 TONGBAN_JWT_SECRET（至少32个字符），或用 serve --demo 运行演示")?;
        let signer = infra::jwt::JwtSigner::new(secret.expose_secret().as_bytes()).map_err(|e| anyhow!(e))?;
        let db = connect_db(url, config.db_max_connections).await?;
        let (ephemeral, cache, redis): (Arc<dyn Ephemeral>, Arc<dyn Cache>, _) = match &config.redis_url {
            Some(u) => {
                let r = Arc::new(
                    RedisEphemeral::connect(u.expose_secret(), &config.redis_prefix).await.map_err(|e| anyhow!(e))?,
                );
                (r.clone(), Arc::new(RedisCache::new(r.clone())), Some(r))
            }
            None => (Arc::new(MemoryEphemeral::default()), Arc::new(MemoryCache::default()), None),
        };
        if let Some(r) = &redis {
            db.case_cache.follow(r.client(), r.connection(), &config.redis_prefix);
        }
        let queue: Arc<dyn domain::queue::QueueStore> = match &redis {
            Some(r) => Arc::new(infra::queue::RedisQueue::new(r.connection(), &config.redis_prefix)),
            None => Arc::new(infra::queue::MemoryQueue::default()),
        };
        let partners = infra::partner::PartnerStore { db: db.clone(), key: config.partner_key()? };
        let store = Arc::new(db.clone());
        let ports = Ports {
            tenants: store.clone(),
            users: store.clone(),
            sessions: store.clone(),
            audit: store.clone(),
            catalogue: store.clone(),
            cache,
            attendance: store.clone(),
            calendar: store.clone(),
            hall: store.clone(),
            appointments: store.clone(),
            queue,
            cases: store.clone(),
            transfers: store.clone(),
            supervision: store,
            partners: Arc::new(partners.clone()),
            passwords: Arc::new(infra::password::Argon2Hasher),
            secrets: Arc::new(infra::secrets::OsSecrets),
            tokens: Arc::new(signer),
            ephemeral,
            clock,
        };
        let printer: Arc<dyn DocumentPrinter> = match &config.pdf_font_dir {
            Some(dir) => Arc::new(infra::pdf::TypstPrinter::with_font_dir(dir.clone())),
            None => Arc::new(infra::pdf::TypstPrinter::system()),
        };
        let outbox_counters = Arc::new(infra::outbox::OutboxCounters::default());
        Ok(Runtime { services: Services::new(ports, config.settings()), db, redis, printer, partners, outbox_counters })
    }
}

/// A bound, not yet running server.
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    pub async fn build(config: &Config, runtime: Runtime) -> anyhow::Result<Application> {
        let listener = TcpListener::bind(&config.listen).with_context(|| format!("无法监听 {}", config.listen))?;
        let port = listener.local_addr()?.port();
        let schema = graphql::build_schema(runtime.services.clone(), runtime.printer.clone(), config);
        spawn_sweeper(runtime.services.clone(), config.sweep_interval_secs);
        if config.outbox_worker {
            let worker = infra::outbox::OutboxWorker::new(
                runtime.partners.clone(),
                config.outbox_settings(),
                runtime.outbox_counters.clone(),
            )
            .map_err(|e| anyhow!("outbox worker: {e}"))?;
            tokio::spawn(Arc::new(worker).run());
        }
        let server = serve(listener, runtime, schema, config)?;
        Ok(Application { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Background work: once at start, provisional deadlines are redone; then, on a timer, correction
/// notices past their deadline expire their cases.
fn spawn_sweeper(services: Services, every_secs: u64) {
    tokio::spawn(async move {
        match services.calendar.heal_provisional_deadlines().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(recomputed = n, "provisional deadlines recomputed at start"),
            Err(e) => tracing::warn!(error = %e, detail = ?e, "provisional deadline check failed"),
        }
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(every_secs.max(1)));
        loop {
            tick.tick().await;
            match services.cases.expire_corrections().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(expired = n, "correction deadlines passed"),
                Err(e) => tracing::warn!(error = %e, detail = ?e, "correction sweep failed"),
            }
        }
    });
}

/// Outbox depth, the oldest pending message's age, deliveries and failures on /metrics, read from
/// the outbox (shared by every server of the deployment) and this process's worker every 2 s; and
/// this process's case cache.
fn spawn_outbox_metrics(
    registry: &prometheus::Registry,
    store: infra::partner::PartnerStore,
    counters: Arc<infra::outbox::OutboxCounters>,
    case_cache: Arc<infra::case_cache::CaseCache>,
) -> anyhow::Result<()> {
    use domain::ports::PartnerRepo;
    use prometheus::{IntCounter, IntGauge};
    use std::sync::atomic::Ordering;
    let gauge = |name: &str, help: &str| -> anyhow::Result<IntGauge> {
        let g = IntGauge::new(name, help)?;
        registry.register(Box::new(g.clone()))?;
        Ok(g)
    };
    let counter = |name: &str, help: &str| -> anyhow::Result<IntCounter> {
        let c = IntCounter::new(name, help)?;
        registry.register(Box::new(c.clone()))?;
        Ok(c)
    };
    let depth = gauge("tongban_outbox_depth", "Outbox messages waiting for delivery")?;
    let age = gauge("tongban_outbox_oldest_age_seconds", "Age of the oldest undelivered outbox message")?;
    let parked = gauge("tongban_outbox_parked", "Outbox messages parked after failed deliveries")?;
    let delivered = counter("tongban_outbox_deliveries_total", "Outbox messages delivered by this process")?;
    let failed = counter("tongban_outbox_failures_total", "Failed outbox delivery attempts by this process")?;
    let cache_hits = counter("tongban_case_cache_hits_total", "Case lookups answered from this process's memory")?;
    let cache_live = gauge("tongban_case_cache_live", "1 while the case cache hears every process's writes")?;
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(2));
        loop {
            tick.tick().await;
            cache_hits.inc_by(case_cache.hits().saturating_sub(cache_hits.get()));
            cache_live.set(i64::from(case_cache.is_live()));
            let d = counters.delivered.load(Ordering::Relaxed);
            delivered.inc_by(d.saturating_sub(delivered.get()));
            let f = counters.failed.load(Ordering::Relaxed);
            failed.inc_by(f.saturating_sub(failed.get()));
            match store.outbox_health(0).await {
                Ok(h) => {
                    depth.set(i64::try_from(h.depth).unwrap_or(i64::MAX));
                    parked.set(i64::try_from(h.parked_count).unwrap_or(i64::MAX));
                    age.set(h.oldest_at.map(|at| (chrono::Utc::now() - at).num_seconds().max(0)).unwrap_or(0));
                }
                Err(e) => tracing::warn!(error = %e, "outbox metrics failed"),
            }
        }
    });
    Ok(())
}

fn serve(listener: TcpListener, runtime: Runtime, schema: Schemas, config: &Config) -> anyhow::Result<Server> {
    let registry = prometheus::Registry::new();
    spawn_outbox_metrics(
        &registry,
        runtime.partners.clone(),
        runtime.outbox_counters.clone(),
        runtime.db.case_cache.clone(),
    )?;
    let prometheus = actix_web_prom::PrometheusMetricsBuilder::new("tongban")
        .registry(registry)
        .endpoint("/metrics")
        .build()
        .map_err(|e| anyhow!("metrics: {e}"))?;
    let console = web::Data::new(::web::ConsoleConfig {
        csrf_key: config.jwt_secret.as_ref().map(|s| s.expose_secret().as_bytes().to_vec()).unwrap_or_default(),
        secure_cookies: config.secure_cookies,
    });
    let graphiql = config.graphiql;
    let max_body = config.max_body_bytes;
    let services = web::Data::new(runtime.services.clone());
    let printer: web::Data<dyn DocumentPrinter> = web::Data::from(runtime.printer.clone());
    let probes = web::Data::new(health::Probes { db: runtime.db.clone(), redis: runtime.redis.clone() });
    let schema = web::Data::new(schema);
    let server = HttpServer::new(move || {
        App::new()
            .wrap(prometheus.clone())
            .wrap(tracing_actix_web::TracingLogger::default())
            .app_data(probes.clone())
            .app_data(services.clone())
            .app_data(printer.clone())
            .app_data(schema.clone())
            .app_data(console.clone())
            .app_data(web::Data::new(graphql::GraphiQl(graphiql)))
            .app_data(web::JsonConfig::default().limit(max_body))
            .configure(health::configure)
            .configure(graphql::configure)
            .configure(::web::configure)
            .route(
                "/",
                web::get()
                    .to(|| async { actix_web::HttpResponse::Found().insert_header(("Location", "/console")).finish() }),
            )
    })
    .listen(listener)?
    .run();
    Ok(server)
}
