//! Reading region files and seeding the demo.

use std::io::Read;
use std::path::Path;

use anyhow::{Context, anyhow};
use domain::identity::{Actor, Role};
use domain::region::RegionCode;
use domain::service::{NewUser, Services};
use domain::tenant::{ImportProblem, RegionRow};

/// The demo users' shared password, printed at start.
pub const DEMO_PASSWORD: &str = "Tongban@2026";

/// (user name, display name, tenant, roles)
pub const DEMO_USERS: &[(&str, &str, &str, &[Role])] = &[
    ("platform", "平台管理员", "610400000000", &[Role::PlatformAdmin]),
    ("xy_admin", "咸阳市中心管理员", "610400000000", &[Role::CenterAdmin]),
    ("xy_catalogue", "咸阳市目录管理员", "610400000000", &[Role::CatalogueAdmin]),
    ("xy_window", "咸阳市窗口人员", "610400000000", &[Role::WindowStaff]),
    ("xy_approver", "咸阳市审批人员", "610400000000", &[Role::Approver]),
    ("xy_supervisor", "咸阳市监察人员", "610400000000", &[Role::Supervisor]),
    ("ys_admin", "永寿县中心管理员", "610426000000", &[Role::CenterAdmin]),
    ("ys_window", "永寿县窗口人员", "610426000000", &[Role::WindowStaff]),
    ("ys_approver", "永寿县审批人员", "610426000000", &[Role::Approver]),
    ("ys_supervisor", "永寿县监察人员", "610426000000", &[Role::Supervisor]),
    ("jj_admin", "监军街道中心管理员", "610426001000", &[Role::CenterAdmin]),
    ("jj_station", "监军街道站点人员", "610426001000", &[Role::StationStaff]),
    ("jj_approver", "监军街道审批人员", "610426001000", &[Role::Approver]),
];

/// Parses `code,name,level,parent_code` CSV text (header required).
pub fn parse_region_csv(text: &str) -> anyhow::Result<Vec<RegionRow>> {
    let mut rdr = csv::ReaderBuilder::new().has_headers(true).flexible(false).from_reader(text.as_bytes());
    let headers = rdr.headers().context("区划文件缺少表头")?.clone();
    let expected = ["code", "name", "level", "parent_code"];
    let names: Vec<&str> = headers.iter().map(|h| h.trim().trim_start_matches('\u{feff}')).collect();
    if names != expected {
        return Err(anyhow!("第1行：表头应为 code,name,level,parent_code，实际为 {}", names.join(",")));
    }
    let mut rows = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let line = i + 2;
        let rec = rec.map_err(|e| anyhow!("第{line}行：无法解析（{e}）"))?;
        let get = |n: usize| rec.get(n).unwrap_or_default().to_owned();
        rows.push(RegionRow { line, code: get(0), name: get(1), level: get(2), parent_code: get(3) });
    }
    Ok(rows)
}

/// Reads a region file, gzip-compressed when it ends in `.gz`.
pub fn read_region_file(path: &Path) -> anyhow::Result<Vec<RegionRow>> {
    let bytes = std::fs::read(path).with_context(|| format!("无法读取文件 {}", path.display()))?;
    let mut text = String::new();
    if path.extension().is_some_and(|e| e == "gz") {
        flate2::read::GzDecoder::new(&bytes[..]).read_to_string(&mut text).context("无法解压 gzip 文件")?;
    } else {
        text = String::from_utf8(bytes).context("文件不是 UTF-8 编码")?;
    }
    parse_region_csv(&text)
}

pub fn format_problems(problems: &[ImportProblem]) -> String {
    let mut s = format!("区划文件有 {} 处错误，未导入任何数据：", problems.len());
    for p in problems {
        s.push_str(&format!("\n  第{}行：{}", p.line, p.message));
    }
    s
}

/// Imports regions through the domain; returns a one-line report.
pub async fn import_regions(services: &Services, rows: Vec<RegionRow>) -> anyhow::Result<String> {
    match services.import_regions(None, rows).await.map_err(|e| anyhow!("{e}"))? {
        Ok(r) => Ok(format!(
            "导入完成：新增 {}，更新 {}，未变 {}，合并重复 {}",
            r.stats.inserted, r.stats.updated, r.stats.unchanged, r.merged
        )),
        Err(problems) => Err(anyhow!(format_problems(&problems))),
    }
}

/// Loads the 咸阳市 demo: regions, 咸阳市 as root tenant, one user per role. Idempotent.
pub async fn seed_demo(services: &Services) -> anyhow::Result<()> {
    let rows = parse_region_csv(migrations::seed::XIANYANG_REGIONS)?;
    let report = import_regions(services, rows).await?;
    tracing::info!("{report}");
    let root_code = RegionCode::parse(migrations::seed::DEMO_ROOT).map_err(|e| anyhow!("{e}"))?;
    let roots = services.root_tenants().await.map_err(|e| anyhow!("{e}"))?;
    let top = roots.first().context("没有根租户")?;
    let system = Actor::system("seed-demo", top);
    let city = services.set_root_tenant(&system, &root_code).await.map_err(|e| anyhow!("{e}"))?;
    let system = Actor::system("seed-demo", &city);
    for (username, display, tenant, roles) in DEMO_USERS {
        let new = NewUser {
            tenant: RegionCode::parse(tenant).map_err(|e| anyhow!("{e}"))?,
            username: (*username).into(),
            password: DEMO_PASSWORD.into(),
            display_name: (*display).into(),
            roles: roles.to_vec(),
            department_id: None,
        };
        match services.create_user(&system, new).await {
            Ok(_) | Err(domain::Error::Conflict(_)) => {}
            Err(e) => return Err(anyhow!("创建演示用户 {username} 失败：{e}")),
        }
    }
    Ok(())
}

pub fn demo_logins() -> String {
    let mut s = String::from("演示账号（密码均为 ");
    s.push_str(DEMO_PASSWORD);
    s.push_str("）：\n");
    for (u, d, _, _) in DEMO_USERS {
        s.push_str(&format!("  {u:<14} {d}\n"));
    }
    s
}
