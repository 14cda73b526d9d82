//! The `tongban` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, anyhow};
use clap::{Parser, Subcommand};
use domain::identity::{Actor, Role};
use domain::region::RegionCode;
use domain::service::NewUser;

use crate::config::Config;
use crate::seed;
use crate::startup::{Application, Runtime, migrate};

#[derive(Parser)]
#[command(name = "tongban", version, about = "通办：政务服务中心多租户平台")]
pub struct Cli {
    /// TOML configuration file (default: ./tongban.toml when present).
    #[arg(long, global = true, env = "TONGBAN_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the console and the API.
    Serve {
        /// SQLite file and generated secret in the working directory; migrate, seed 咸阳市, GraphiQL on.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations.
    Migrate,
    /// Load seed data.
    Seed {
        #[command(subcommand)]
        what: SeedWhat,
    },
    /// Import regions from a `code,name,level,parent_code` CSV file (optionally .gz).
    ImportRegions { file: PathBuf },
    /// Import a base catalogue (CSV or XLSX with the columns of the sample catalogue).
    ImportCatalogue {
        file: PathBuf,
        /// Region code of the owning root tenant (default: the demo root 咸阳市, else the first root).
        #[arg(long)]
        owner: Option<String>,
    },
    /// Import official holidays and make-up workdays from a `date,kind,name` CSV file (the State
    /// Council notice of a year); the file's years become official.
    ImportCalendar { file: PathBuf },
    /// Create a platform administrator.
    CreateAdmin {
        #[arg(long)]
        username: String,
        #[arg(long)]
        password: String,
        /// Region code of the administrator's tenant (default: the root of the imported tree).
        #[arg(long)]
        tenant: Option<String>,
        #[arg(long, default_value = "平台管理员")]
        display_name: String,
    },
    /// Print the served GraphQL schema (SDL).
    Schema,
    /// Check the statistics summary against the cases and ratings; with --rebuild refill it from
    /// them first (after loading data around the application).
    StatsSummary {
        #[arg(long)]
        rebuild: bool,
    },
}

#[derive(Subcommand)]
enum SeedWhat {
    /// The 咸阳市 demo: regions, root tenant, one user per role.
    Demo,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("无法启动运行时：{e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("错误：{e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logs(config: &Config) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("TONGBAN_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = if config.log_format == "json" { builder.json().try_init() } else { builder.try_init() };
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    if let Command::Schema = cli.command {
        println!("{}", crate::graphql::sdl());
        return Ok(());
    }
    let mut config = Config::load(cli.config.as_deref()).map_err(|e| anyhow!(e))?;
    init_logs(&config);
    match cli.command {
        Command::Schema => Ok(()),
        Command::Serve { demo } => {
            if demo {
                config = config.for_demo().map_err(|e| anyhow!(e))?;
            }
            let sqlite = config.database_url().is_some_and(|u| u.starts_with("sqlite:"));
            if demo || sqlite || config.migration_database_url.is_some() {
                migrate(&config).await?;
            }
            let runtime = Runtime::build(&config).await?;
            if demo {
                seed::seed_demo(&runtime.services).await?;
                seed::seed_demo_hall(&runtime.services).await?;
            }
            let app = Application::build(&config, runtime).await?;
            let host = config.listen.rsplit_once(':').map_or("127.0.0.1", |(h, _)| h);
            println!("通办已启动：http://{host}:{}", app.port());
            println!("  控制台  http://{host}:{}/console", app.port());
            println!("  GraphQL http://{host}:{}/graphql", app.port());
            if demo {
                print!("{}", seed::demo_logins());
            }
            app.run_until_stopped().await?;
            Ok(())
        }
        Command::Migrate => {
            migrate(&config).await?;
            println!("数据库迁移完成");
            Ok(())
        }
        Command::Seed { what: SeedWhat::Demo } => {
            ensure_secret(&mut config);
            let runtime = Runtime::build(&config).await?;
            seed::seed_demo(&runtime.services).await?;
            seed::seed_demo_hall(&runtime.services).await?;
            println!("演示数据已加载");
            print!("{}", seed::demo_logins());
            Ok(())
        }
        Command::ImportRegions { file } => {
            let rows = seed::read_region_file(&file)?;
            ensure_secret(&mut config);
            let runtime = Runtime::build(&config).await?;
            println!("{}", seed::import_regions(&runtime.services, rows).await?);
            Ok(())
        }
        Command::ImportCatalogue { file, owner } => {
            let rows = seed::read_catalogue_file(&file)?;
            ensure_secret(&mut config);
            let runtime = Runtime::build(&config).await?;
            let s = &runtime.services;
            let owner = match owner {
                Some(o) => RegionCode::parse(&o).map_err(|e| anyhow!("{e}"))?,
                None => default_owner(s).await?,
            };
            println!("{}", seed::import_catalogue(s, &owner, &rows).await?);
            Ok(())
        }
        Command::ImportCalendar { file } => {
            let bytes = std::fs::read(&file).with_context(|| format!("无法读取文件 {}", file.display()))?;
            let text = String::from_utf8(bytes).context("文件不是 UTF-8 编码")?;
            ensure_secret(&mut config);
            let runtime = Runtime::build(&config).await?;
            let r = runtime.services.calendar.import_official_calendar(&text).await.map_err(|e| {
                if let domain::Error::Internal(detail) = &e {
                    tracing::error!(%detail, "import-calendar failed");
                }
                anyhow!("日历文件有误，未导入任何数据：{e}")
            })?;
            let years: Vec<String> = r.years.iter().map(|y| format!("{y}年")).collect();
            println!(
                "导入完成（{}）：新增 {}，更新 {}，未变 {}，删除 {}，新增官方年份 {}",
                years.join("、"),
                r.stats.inserted,
                r.stats.updated,
                r.stats.unchanged,
                r.stats.removed,
                r.stats.new_years
            );
            if r.recomputed > 0 {
                println!("已重新计算 {} 个暂定期限", r.recomputed);
            }
            Ok(())
        }
        Command::StatsSummary { rebuild } => {
            let url = config.migration_url().context("未配置数据库：请设置 TONGBAN_DATABASE_URL")?;
            let db = crate::startup::connect_db(url, 2).await?;
            if rebuild {
                infra::rebuild_stats_summary(&db.conn).await.map_err(|e| anyhow!("统计汇总重建失败：{e}"))?;
            }
            let (rows, drift) =
                infra::check_stats_summary(&db.conn).await.map_err(|e| anyhow!("统计汇总核对失败：{e}"))?;
            println!("统计汇总共 {rows} 行，与办件记录不一致 {drift} 行");
            if drift != 0 {
                return Err(anyhow!("统计汇总与办件记录不一致：请运行 tongban stats-summary --rebuild"));
            }
            Ok(())
        }
        Command::CreateAdmin { username, password, tenant, display_name } => {
            ensure_secret(&mut config);
            let runtime = Runtime::build(&config).await?;
            let s = &runtime.services;
            let roots = s.tenants.root_tenants().await.map_err(|e| anyhow!("{e}"))?;
            let root =
                roots.first().ok_or_else(|| anyhow!("尚未导入行政区划：请先运行 tongban import-regions FILE"))?;
            let tenant = match tenant {
                Some(t) => RegionCode::parse(&t).map_err(|e| anyhow!("{e}"))?,
                None => root.code,
            };
            let system = Actor::system("create-admin", root);
            let new = NewUser {
                tenant,
                username,
                password,
                display_name,
                roles: vec![Role::PlatformAdmin],
                department_id: None,
            };
            let user = s.identity.create_user(&system, new).await.map_err(|e| anyhow!("{e}"))?;
            println!("已创建平台管理员 {}（{}）", user.username, user.tenant);
            Ok(())
        }
    }
}

/// The demo root when it is a root tenant, else the first root.
async fn default_owner(s: &domain::service::Services) -> anyhow::Result<RegionCode> {
    let demo = RegionCode::parse(migrations::seed::DEMO_ROOT).map_err(|e| anyhow!("{e}"))?;
    if let Ok(t) = s.tenants.tenant_identities(&[demo]).await
        && t.first().is_some_and(|t| t.root)
    {
        return Ok(demo);
    }
    let roots = s.tenants.root_tenants().await.map_err(|e| anyhow!("{e}"))?;
    roots.first().map(|r| r.code).ok_or_else(|| anyhow!("尚未导入行政区划：请先运行 tongban import-regions FILE"))
}

/// Commands that sign nothing still build the services; give them a throw-away key.
fn ensure_secret(config: &mut Config) {
    if config.jwt_secret.is_none() {
        config.jwt_secret = Some(infra::secrets::generate_signing_secret().into());
    }
}
