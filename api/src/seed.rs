//! Reading region files and seeding the demo.

use std::io::Read;
use std::path::Path;

use anyhow::{Context, anyhow};
use domain::catalogue::{
    CATALOGUE_COLUMNS, CaseKind, CatalogueRow, CreditCode, GuideInfo, ImplInput, OnlineDepth, Scenario,
};
use domain::hall::{Post, WindowKind};
use domain::identity::{Actor, Role};
use domain::page::PageRequest;
use domain::ports::ImplQuery;
use domain::region::RegionCode;
use domain::service::{Delegation, NewUser, NewWindow, Services};
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
    ("ys_window2", "永寿县窗口人员二", "610426000000", &[Role::WindowStaff]),
    ("ys_approver", "永寿县审批人员", "610426000000", &[Role::Approver]),
    ("ys_supervisor", "永寿县监察人员", "610426000000", &[Role::Supervisor]),
    ("jj_admin", "监军街道中心管理员", "610426001000", &[Role::CenterAdmin]),
    ("jj_station", "监军街道站点人员", "610426001000", &[Role::StationStaff]),
    ("jj_approver", "监军街道审批人员", "610426001000", &[Role::Approver]),
];

/// Approvers who speak for one department of 永寿县: they review the demo's joint item (联办件).
pub const DEMO_DEPARTMENT_APPROVERS: &[(&str, &str, &str)] =
    &[("ys_forestry", "永寿县林业局审批人员", "林业局"), ("ys_land", "永寿县自然资源局审批人员", "自然资源局")];

/// The demo's joint item: 林业局 leads, 自然资源局 reviews too.
const DEMO_JOINT_ITEM: &str = "XK-00701-000";

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
    match services.tenants.import_regions(None, rows).await.map_err(|e| anyhow!("{e}"))? {
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
    let roots = services.tenants.root_tenants().await.map_err(|e| anyhow!("{e}"))?;
    let top = roots.first().context("没有根租户")?;
    let system = Actor::system("seed-demo", top);
    let city = services.tenants.set_root_tenant(&system, &root_code).await.map_err(|e| anyhow!("{e}"))?;
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
        match services.identity.create_user(&system, new).await {
            Ok(_) | Err(domain::Error::Conflict(_)) => {}
            Err(e) => return Err(anyhow!("创建演示用户 {username} 失败：{e}")),
        }
    }
    seed_demo_catalogue(services, &city).await?;
    seed_demo_approvers(services, &city).await?;
    seed_demo_department_approvers(services, &city).await?;
    Ok(())
}

/// (number, name, A post, B post)
type DemoWindow = (&'static str, &'static str, &'static str, Option<&'static str>);

/// The demo's halls, so that 取号 and 叫号 work at once: at 永寿县 two general windows serving every
/// published item, `ys_window` and `ys_window2` on each other's A and B posts; at 监军街道 one window
/// of `jj_station`. Only for `serve --demo` and `seed demo` (the tests build their own windows).
/// Idempotent: a hall that has windows is left alone.
pub async fn seed_demo_hall(services: &Services) -> anyhow::Result<()> {
    let err = |e: domain::Error| anyhow!("{e}");
    let root = RegionCode::parse(migrations::seed::DEMO_ROOT).map_err(err)?;
    let roots = services.tenants.root_tenants().await.map_err(err)?;
    let top = roots.first().context("没有根租户")?;
    let city = services.tenants.tenant(&Actor::system("seed-demo", top), &root).await.map_err(err)?;
    let system = Actor::system("seed-demo", &city);
    let halls: [(&str, &[DemoWindow]); 2] = [
        (
            DEMO_COUNTY,
            &[
                ("A01", "综合受理一号窗口", "ys_window", Some("ys_window2")),
                ("A02", "综合受理二号窗口", "ys_window2", Some("ys_window")),
            ],
        ),
        (DEMO_TOWN, &[("A01", "便民服务窗口", "jj_station", None)]),
    ];
    for (code, windows) in halls {
        let tenant = RegionCode::parse(code).map_err(err)?;
        if !services.hall.windows(&system, &tenant).await.map_err(err)?.is_empty() {
            continue;
        }
        let q = ImplQuery {
            status: Some(domain::catalogue::ImplStatus::Published),
            page: PageRequest { first: 200, after: None },
            ..Default::default()
        };
        let items: Vec<uuid::Uuid> = services
            .catalogue
            .impl_items(&system, &tenant, q)
            .await
            .map_err(err)?
            .items
            .iter()
            .filter(|i| i.tenant == tenant)
            .map(|i| i.id)
            .collect();
        if items.is_empty() {
            continue;
        }
        for (number, name, primary, backup) in windows {
            let input = NewWindow {
                tenant,
                number: (*number).into(),
                name: (*name).into(),
                kind: WindowKind::General,
                zone: Some("一楼大厅".into()),
                items: items.clone(),
            };
            let w = services.hall.create_window(&system, input).await.map_err(err)?;
            for (username, post) in [(Some(*primary), Post::Primary), (*backup, Post::Backup)] {
                let Some(username) = username else { continue };
                let Some(user) = demo_user(services, &system, &tenant, username).await? else { continue };
                services.hall.assign_window_staff(&system, w.window.id, user.id, post).await.map_err(err)?;
            }
        }
    }
    Ok(())
}

/// The department approvers of the joint item: created with their department and authorized for it.
/// Idempotent.
async fn seed_demo_department_approvers(services: &Services, city: &domain::tenant::Tenant) -> anyhow::Result<()> {
    let err = |e: domain::Error| anyhow!("{e}");
    let system = Actor::system("seed-demo", city);
    let county = RegionCode::parse(DEMO_COUNTY).map_err(err)?;
    let depts = services.catalogue.departments(&system, &county).await.map_err(err)?;
    let q = ImplQuery {
        status: Some(domain::catalogue::ImplStatus::Published),
        page: PageRequest { first: 200, after: None },
        ..Default::default()
    };
    let published = services.catalogue.impl_items(&system, &county, q).await.map_err(err)?.items;
    let joint = published.iter().find(|i| i.tenant == county && i.base.base_code == DEMO_JOINT_ITEM);
    for (username, display, department) in DEMO_DEPARTMENT_APPROVERS {
        let Some(d) = depts.iter().find(|d| d.name == *department) else { continue };
        let new = NewUser {
            tenant: county,
            username: (*username).into(),
            password: DEMO_PASSWORD.into(),
            display_name: (*display).into(),
            roles: vec![Role::Approver],
            department_id: Some(d.id),
        };
        match services.identity.create_user(&system, new).await {
            Ok(_) | Err(domain::Error::Conflict(_)) => {}
            Err(e) => return Err(anyhow!("创建演示用户 {username} 失败：{e}")),
        }
        let (Some(item), Some(user)) = (joint, demo_user(services, &system, &county, username).await?) else {
            continue;
        };
        if services.hall.approver_item_ids(&user).await.map_err(err)?.0.contains(&item.id) {
            continue;
        }
        services
            .hall
            .authorize_approver(&system, user.id, &[item.id])
            .await
            .map_err(|e| anyhow!("为演示审批人员 {username} 授权失败：{e}"))?;
    }
    Ok(())
}

/// A seeded demo user of `tenant`, or None before it exists.
async fn demo_user(
    services: &Services,
    system: &Actor,
    tenant: &RegionCode,
    username: &str,
) -> anyhow::Result<Option<domain::identity::User>> {
    match services.hall.tenant_user_by_username(system, tenant, username).await {
        Ok(u) => Ok(Some(u)),
        Err(domain::Error::NotFound { .. }) => Ok(None),
        Err(e) => Err(anyhow!("{e}")),
    }
}

/// Authorizes each demo approver for the published items of their tenant, so that the demo
/// runs end to end. Idempotent: only items not yet authorized are added (and audited).
async fn seed_demo_approvers(services: &Services, city: &domain::tenant::Tenant) -> anyhow::Result<()> {
    let err = |e: domain::Error| anyhow!("{e}");
    let system = Actor::system("seed-demo", city);
    for (username, _, tenant, _) in DEMO_USERS.iter().filter(|u| u.3.contains(&Role::Approver)) {
        let tenant = RegionCode::parse(tenant).map_err(err)?;
        let Some(user) = demo_user(services, &system, &tenant, username).await? else {
            continue;
        };
        let q = ImplQuery {
            status: Some(domain::catalogue::ImplStatus::Published),
            page: PageRequest { first: 200, after: None },
            ..Default::default()
        };
        let published = services.catalogue.impl_items(&system, &tenant, q).await.map_err(err)?.items;
        let have = services.hall.approver_item_ids(&user).await.map_err(err)?.0;
        // Joint items are reviewed by their departments' approvers (see DEMO_DEPARTMENT_APPROVERS).
        let missing: Vec<uuid::Uuid> = published
            .iter()
            .filter(|i| i.tenant == tenant && !have.contains(&i.id) && i.local.case_kind != CaseKind::Joint)
            .map(|i| i.id)
            .collect();
        if missing.is_empty() {
            continue;
        }
        services
            .hall
            .authorize_approver(&system, user.id, &missing)
            .await
            .map_err(|e| anyhow!("为演示审批人员 {username} 授权失败：{e}"))?;
    }
    Ok(())
}

/// 永寿县 and 监军街道 in the demo.
const DEMO_COUNTY: &str = "610426000000";
const DEMO_TOWN: &str = "610426001000";

/// The full name of a department the sample catalogue names by its short form.
fn department_full_name(short: &str) -> String {
    match short {
        "人社" => "人力资源和社会保障局".into(),
        "民宗" => "民族宗教事务局".into(),
        "住建" => "住房和城乡建设局".into(),
        "发改" => "发展和改革局".into(),
        "医保" => "医疗保障局".into(),
        "残联" => "残疾人联合会".into(),
        other => format!("{other}局"),
    }
}

/// A demo credit code: 1 (机构编制) 1 (机关), the county's region, a made-up organisation code.
fn demo_credit_code(region6: &str, n: usize) -> anyhow::Result<CreditCode> {
    CreditCode::complete(&format!("11{region6}MB{n:07}")).map_err(|e| anyhow!("{e}"))
}

/// The demo catalogue: the sample at 咸阳市, departments at 永寿县 and 监军街道, a handful of items
/// implemented and published at 永寿县, and 临时救助 delegated to its towns. Idempotent.
async fn seed_demo_catalogue(services: &Services, city: &domain::tenant::Tenant) -> anyhow::Result<()> {
    let err = |e: domain::Error| anyhow!("{e}");
    let rows = parse_catalogue_csv(migrations::seed::SAMPLE_CATALOGUE)?;
    match services.catalogue.import_catalogue(None, &city.code, &rows).await.map_err(err)? {
        Ok(_) => {}
        Err(p) => return Err(anyhow!(format_catalogue_problems(&p))),
    }
    let system = Actor::system("seed-demo", city);
    let county = RegionCode::parse(DEMO_COUNTY).map_err(err)?;
    let town = RegionCode::parse(DEMO_TOWN).map_err(err)?;
    let mut shorts: Vec<String> = Vec::new();
    for r in &rows {
        if let Some(d) = r.cells.get(3).map(|d| d.trim().to_owned())
            && !d.is_empty()
            && !shorts.contains(&d)
        {
            shorts.push(d);
        }
    }
    let mut wanted: Vec<(RegionCode, String, CreditCode)> = Vec::new();
    for (i, short) in shorts.iter().enumerate() {
        wanted.push((county, department_full_name(short), demo_credit_code(&DEMO_COUNTY[..6], i + 1)?));
    }
    wanted.push((town, "监军街道便民服务中心".into(), demo_credit_code(&DEMO_COUNTY[..6], 101)?));
    for (tenant, name, code) in &wanted {
        match services.catalogue.create_department(&system, tenant, name, code.as_str(), true).await {
            Ok(_) | Err(domain::Error::Conflict(_)) => {}
            Err(e) => return Err(anyhow!("创建演示部门 {name} 失败：{e}")),
        }
    }
    let existing = services
        .catalogue
        .impl_items(&system, &county, ImplQuery { page: PageRequest { first: 1, after: None }, ..Default::default() })
        .await
        .map_err(err)?;
    if existing.total > 0 {
        return Ok(());
    }
    let depts = services.catalogue.departments(&system, &county).await.map_err(err)?;
    let base_page = PageRequest { first: 200, after: None };
    let base = services.catalogue.base_items(&system, None, None, base_page).await.map_err(err)?.items;
    let by_code = |c: &str| base.iter().find(|b| b.base_code == c);
    let demo = [
        ("QR-00104-000", 0, "婚姻登记处（县政务服务中心一楼）"),
        ("GF-00106-000", 20, "县政务服务中心二楼民政窗口"),
        ("XK-00201-000", 20, "县政务服务中心二楼教育窗口"),
        ("FW-00403-000", 0, "县政务服务中心一楼人社窗口"),
        ("FW-00112-000", 0, "县政务服务中心一楼综合窗口"),
        ("GF-00108-000", 10, "县政务服务中心二楼民政窗口"),
    ];
    for (code, days, place) in demo {
        let Some(b) = by_code(code) else { continue };
        let dept_name = department_full_name(&b.department);
        let Some(d) = depts.iter().find(|d| d.name == dept_name) else { continue };
        // Items the towns escalate (上报件) are decided here at the county.
        let case_kind = (b.default_case_kind == CaseKind::Escalated).then_some(CaseKind::Promised);
        let input = ImplInput {
            promised_days: days,
            case_kind,
            place: Some(place.into()),
            hours: Some("工作日 上午9:00-12:00 下午13:30-17:30".into()),
            phone: Some("029-35512345".into()),
            guide: Some(demo_guide(code)),
            ..Default::default()
        };
        let item = services.catalogue.implement_item(&system, &county, b.id, d.id, input).await.map_err(err)?;
        services.catalogue.publish_impl_item(&system, item.id).await.map_err(err)?;
    }
    if let Some(b) = by_code(DEMO_JOINT_ITEM)
        && let Some(lead) = depts.iter().find(|d| d.name == "林业局")
        && let Some(co) = depts.iter().find(|d| d.name == "自然资源局")
    {
        let input = ImplInput {
            promised_days: 15,
            case_kind: Some(CaseKind::Joint),
            co_department_ids: Some(vec![co.id]),
            place: Some("县政务服务中心二楼林业窗口".into()),
            hours: Some("工作日 上午9:00-12:00 下午13:30-17:30".into()),
            phone: Some("029-35512345".into()),
            ..Default::default()
        };
        let item = services.catalogue.implement_item(&system, &county, b.id, lead.id, input).await.map_err(err)?;
        services.catalogue.publish_impl_item(&system, item.id).await.map_err(err)?;
    }
    if let Some(b) = by_code("GF-00108-000") {
        let d = Delegation {
            from: county,
            base_item: b.id,
            towns: None,
            department_name: None,
            defaults: ImplInput {
                promised_days: 5,
                place: Some("便民服务中心综合窗口".into()),
                hours: Some("工作日 上午9:00-12:00 下午14:00-17:30".into()),
                ..Default::default()
            },
            publish: true,
        };
        services.catalogue.delegate_item(&system, d).await.map_err(err)?;
    }
    Ok(())
}

/// The demo items' service guide elements (受理条件, 办理流程, 情形, …).
fn demo_guide(code: &str) -> GuideInfo {
    let lines = |l: &[&str]| Some(l.join("\n"));
    let scenario = |name: &str, ms: &[&str]| Scenario {
        name: name.into(),
        material_names: ms.iter().map(|m| (*m).to_owned()).collect(),
    };
    let process = lines(&["申请人提交申请材料", "窗口受理", "审查", "作出决定", "送达结果"]);
    let base = GuideInfo { process, appointment: true, ..GuideInfo::default() };
    match code {
        "QR-00104-000" => GuideInfo {
            conditions: lines(&[
                "男女双方自愿结婚，男年满22周岁、女年满20周岁",
                "双方均无配偶，且没有直系血亲和三代以内旁系血亲关系",
                "双方共同到婚姻登记机关申请",
            ]),
            process: lines(&["双方提交证件和声明", "登记员审查", "当场颁发结婚证"]),
            ..base
        },
        "GF-00106-000" => GuideInfo {
            conditions: lines(&["共同生活的家庭成员人均收入低于当地最低生活保障标准", "家庭财产状况符合规定"]),
            online_depth: OnlineDepth::Accept,
            visits: 1,
            ..base
        },
        "XK-00201-000" => GuideInfo {
            conditions: lines(&[
                "遵守宪法和法律，热爱教育事业，具有良好的思想品德",
                "具备规定的学历，或经国家教师资格考试合格",
                "具有教育教学能力，普通话水平达到相应标准",
            ]),
            online_depth: OnlineDepth::Full,
            visits: 0,
            online_payment: false,
            delivery: true,
            scenarios: vec![
                scenario("首次申请认定", &["申请表", "身份证明", "学历证书", "体检合格证明", "普通话水平测试等级证书"]),
                scenario("学历可在线核验", &["申请表", "身份证明", "体检合格证明", "普通话水平测试等级证书"]),
            ],
            ..base
        },
        "FW-00403-000" => GuideInfo {
            conditions: lines(&["法定劳动年龄内、有劳动能力和就业要求、处于无业状态的城乡劳动者"]),
            process: lines(&["提交证件和登记表", "窗口当场办理登记"]),
            online_depth: OnlineDepth::Accept,
            ..base
        },
        _ => base,
    }
}

/// Parses catalogue CSV text with the sample's header.
pub fn parse_catalogue_csv(text: &str) -> anyhow::Result<Vec<CatalogueRow>> {
    domain::catalogue_file::parse_catalogue_csv(text).map_err(|e| anyhow!(e))
}

fn check_catalogue_header<'a>(cells: impl Iterator<Item = &'a str>) -> anyhow::Result<()> {
    domain::catalogue_file::check_header(cells).map_err(|e| anyhow!(e))
}

/// Reads the first sheet of an XLSX workbook with the sample's columns.
pub fn parse_catalogue_xlsx(bytes: &[u8]) -> anyhow::Result<Vec<CatalogueRow>> {
    use calamine::{Data, Reader, Xlsx};
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).map_err(|e| anyhow!("无法读取 XLSX 文件：{e}"))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(|| anyhow!("XLSX 文件没有工作表"))?
        .map_err(|e| anyhow!("无法读取工作表：{e}"))?;
    let cell_text = |c: &Data| match c {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 => format!("{f:.0}"),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        other => other.to_string(),
    };
    let mut rows_iter = range.rows();
    let header: Vec<String> =
        rows_iter.next().ok_or_else(|| anyhow!("第1行：缺少表头"))?.iter().map(cell_text).collect();
    let header: Vec<&str> = header.iter().map(String::as_str).filter(|s| !s.trim().is_empty()).collect();
    check_catalogue_header(header.into_iter())?;
    let mut rows = Vec::new();
    for (i, r) in rows_iter.enumerate() {
        let mut cells: Vec<String> = r.iter().map(cell_text).collect();
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        // Sheets pad rows to the widest one; drop empty cells past the known columns.
        while cells.len() > CATALOGUE_COLUMNS.len() && cells.last().is_some_and(|c| c.trim().is_empty()) {
            cells.pop();
        }
        while cells.len() < CATALOGUE_COLUMNS.len() {
            cells.push(String::new());
        }
        rows.push(CatalogueRow { line: i + 2, cells });
    }
    Ok(rows)
}

/// Reads a catalogue file: `.xlsx` as a workbook, anything else as UTF-8 CSV.
pub fn read_catalogue_file(path: &Path) -> anyhow::Result<Vec<CatalogueRow>> {
    let bytes = std::fs::read(path).with_context(|| format!("无法读取文件 {}", path.display()))?;
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("xlsx")) {
        parse_catalogue_xlsx(&bytes)
    } else {
        parse_catalogue_csv(&String::from_utf8(bytes).context("文件不是 UTF-8 编码")?)
    }
}

pub fn format_catalogue_problems(problems: &[ImportProblem]) -> String {
    let mut s = format!("目录文件有 {} 处错误，未导入任何数据：", problems.len());
    for p in problems {
        s.push_str(&format!("\n  第{}行：{}", p.line, p.message));
    }
    s
}

/// Imports a catalogue file for `owner` through the domain; returns a one-line report.
pub async fn import_catalogue(
    services: &Services,
    owner: &RegionCode,
    rows: &[CatalogueRow],
) -> anyhow::Result<String> {
    match services.catalogue.import_catalogue(None, owner, rows).await.map_err(|e| anyhow!("{e}"))? {
        Ok(r) => Ok(format!(
            "目录导入完成（{}）：新增 {}，更新 {}，未变 {}",
            r.owner, r.stats.inserted, r.stats.updated, r.stats.unchanged
        )),
        Err(problems) => Err(anyhow!(format_catalogue_problems(&problems))),
    }
}

pub fn demo_logins() -> String {
    let mut s = String::from("演示账号（密码均为 ");
    s.push_str(DEMO_PASSWORD);
    s.push_str("）：\n");
    for (u, d, _, _) in DEMO_USERS {
        s.push_str(&format!("  {u:<14} {d}\n"));
    }
    for (u, d, _) in DEMO_DEPARTMENT_APPROVERS {
        s.push_str(&format!("  {u:<14} {d}（联办件“林木采伐许可证核发”）\n"));
    }
    s
}
