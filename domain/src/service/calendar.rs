//! The working-day calendar of a tenant: official national days, the root tenant's edits, and
//! local overrides of the tenants below the root down to the handling tenant (top-down).

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use chrono::{Datelike, NaiveDate};
use serde_json::json;

use crate::audit::AuditRecord;
use crate::calendar::{CalendarDay, Deadline, WorkingCalendar, parse_official_csv};
use crate::error::{Error, Result};
use crate::identity::{Actor, Role};
use crate::policy::{Action, authorize};
use crate::ports::CalendarImportStats;
use crate::region::{AdminLevel, RegionCode};
use crate::tenant::Tenant;

use super::CalendarService;
use super::deadlines::Affected;

/// Years the calendar answers for.
pub const MIN_YEAR: i32 = 2000;
pub const MAX_YEAR: i32 = 2100;
/// The longest limit `add_working_days` accepts (about 14 years).
pub const MAX_WORKING_DAYS: i64 = 3650;

/// Built calendars per tenant, shared by the clones of `Services` in one process. Every entry
/// belongs to one calendar generation (see `CalendarRepo::generation`); a newer generation, from
/// any process, empties the whole cache. Independent of the clock.
#[derive(Clone, Default)]
pub struct CalendarCache(Arc<Mutex<CacheState>>);

#[derive(Default)]
struct CacheState {
    generation: i64,
    calendars: HashMap<RegionCode, Arc<WorkingCalendar>>,
}

impl CalendarCache {
    fn get(&self, generation: i64, tenant: &RegionCode) -> Option<Arc<WorkingCalendar>> {
        let mut state = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if state.generation != generation {
            state.calendars.clear();
            state.generation = generation;
            return None;
        }
        state.calendars.get(tenant).cloned()
    }

    fn put(&self, generation: i64, tenant: RegionCode, calendar: Arc<WorkingCalendar>) {
        let mut state = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if state.generation == generation {
            state.calendars.insert(tenant, calendar);
        }
    }

    /// Forgets everything (after a change made by this process).
    pub fn invalidate(&self) {
        let mut state = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        state.calendars.clear();
        state.generation = -1;
    }
}

/// The outcome of an official calendar import.
#[derive(Debug, Clone)]
pub struct CalendarImportReport {
    pub years: BTreeSet<i32>,
    pub stats: CalendarImportStats,
    /// Provisional case deadlines recomputed (the hook of the case lifecycle).
    pub recomputed: u64,
}

/// Splits a top-down path (ancestors, then the tenant) into the calendar's owner — the nearest
/// root tenant, ancestor or self — and the tenants below it whose entries are local overrides.
/// Tenants above the root play no part. Without any root on the path, every tenant's entries
/// are local overrides.
pub fn calendar_layers(path: &[Tenant]) -> (Option<&Tenant>, &[Tenant]) {
    match path.iter().rposition(|t| t.root) {
        Some(i) => (path.get(i), path.get(i + 1..).unwrap_or_default()),
        None => (None, path),
    }
}

/// What editing `tenant`'s calendar needs: a root tenant's calendar belongs to its catalogue
/// administrators (domain §7); a descendant's local overrides to the center administrators whose
/// scope holds it.
pub fn calendar_edit_action(tenant: &Tenant) -> Action {
    if tenant.root { Action::ManageCatalogue } else { Action::ManageTenantSetup }
}

/// The console's warning: for a center or catalogue administrator of a root tenant, when the
/// current year's official data is missing, or, from November on, next year's.
pub fn calendar_warning_for(
    actor: &Actor,
    actor_tenant: &Tenant,
    today: NaiveDate,
    official_years: &BTreeSet<i32>,
) -> Option<String> {
    let admin = actor.has(Role::CenterAdmin) || actor.has(Role::CatalogueAdmin);
    if !admin || !actor_tenant.root || actor.tenant != actor_tenant.code {
        return None;
    }
    let mut missing = Vec::new();
    if !official_years.contains(&today.year()) {
        missing.push(today.year());
    }
    if today.month() >= 11 && !official_years.contains(&(today.year() + 1)) {
        missing.push(today.year() + 1);
    }
    if missing.is_empty() {
        return None;
    }
    let years: Vec<String> = missing.iter().map(|y| format!("{y}年")).collect();
    Some(format!(
        "{}法定节假日数据尚未导入，期限将按仅排除周末计算并标记为暂定。请导入国务院办公厅通知后运行 tongban import-calendar。",
        years.join("、")
    ))
}

fn check_year(year: i32) -> Result<()> {
    if (MIN_YEAR..=MAX_YEAR).contains(&year) {
        Ok(())
    } else {
        Err(Error::invalid(format!("年份{year}无效，应在{MIN_YEAR}年至{MAX_YEAR}年之间")))
    }
}

fn check_date(date: NaiveDate) -> Result<()> {
    check_year(date.year()).map_err(|_| Error::invalid(format!("日期{date}无效，应在{MIN_YEAR}年至{MAX_YEAR}年之间")))
}

fn clean_name(name: Option<String>) -> Result<Option<String>> {
    crate::text::optional_line("日期名称", name.as_deref(), crate::calendar::MAX_DAY_NAME_CHARS)
}

fn effective_day(cal: &WorkingCalendar, date: NaiveDate) -> CalendarDay {
    CalendarDay { date, workday: cal.is_workday(date), name: cal.entry(date).and_then(|e| e.name.clone()) }
}

impl CalendarService {
    /// Today in Asia/Shanghai.
    pub fn today(&self) -> NaiveDate {
        crate::china_time::local_day(self.ports.clock.now())
    }

    /// The tenant and its stored ancestors, top-down.
    pub(super) async fn tenant_path(&self, tenant: &Tenant) -> Result<Vec<Tenant>> {
        let depth = tenant.level.significant_digits();
        let above: Vec<RegionCode> = AdminLevel::ALL
            .iter()
            .filter(|l| l.significant_digits() < depth)
            .map(|l| tenant.code.truncate(*l))
            .filter(|c| *c != tenant.code)
            .collect();
        let mut path = self.ports.tenants.get_many(&above).await?;
        path.retain(|t| t.contains(&tenant.code) && t.code != tenant.code);
        path.sort_by_key(|t| t.level.significant_digits());
        path.push(tenant.clone());
        Ok(path)
    }

    /// The effective calendar of `tenant`. No authorization: callers have checked the actor.
    pub async fn working_calendar(&self, tenant: &Tenant) -> Result<Arc<WorkingCalendar>> {
        let generation = self.ports.calendar.generation().await?;
        self.working_calendar_at(generation, tenant).await
    }

    /// The working calendars of several tenants, the generation read once.
    pub async fn working_calendars(&self, tenants: &[Tenant]) -> Result<HashMap<RegionCode, Arc<WorkingCalendar>>> {
        let generation = self.ports.calendar.generation().await?;
        let mut out = HashMap::with_capacity(tenants.len());
        for t in tenants {
            out.insert(t.code, self.working_calendar_at(generation, t).await?);
        }
        Ok(out)
    }

    async fn working_calendar_at(&self, generation: i64, tenant: &Tenant) -> Result<Arc<WorkingCalendar>> {
        if let Some(cal) = self.calendars.get(generation, &tenant.code) {
            return Ok(cal);
        }
        let path = self.tenant_path(tenant).await?;
        let (root, below) = calendar_layers(&path);
        let (official, years) = self.ports.calendar.official().await?;
        let owners: Vec<RegionCode> = root.into_iter().chain(below).map(|t| t.code).collect();
        // The layers lie in the root's subtree (or, without a root, in the path's top tenant's).
        let top = root.or(path.first()).unwrap_or(tenant);
        let mut entries = self.ports.calendar.entries(&top.subtree(), &owners).await?;
        let root_edits = root.and_then(|r| entries.remove(&r.code)).unwrap_or_default();
        let local: Vec<Vec<CalendarDay>> = below.iter().map(|t| entries.remove(&t.code).unwrap_or_default()).collect();
        let cal = Arc::new(WorkingCalendar::from_layers(years, official, root_edits, local));
        self.calendars.put(generation, tenant.code, cal.clone());
        Ok(cal)
    }

    /// Every date of `year` with its effective workday flag and name, for a tenant in scope.
    pub async fn calendar(&self, actor: &Actor, tenant: &RegionCode, year: i32) -> Result<Vec<CalendarDay>> {
        check_year(year)?;
        let t = self.tenants.tenant(actor, tenant).await?;
        let cal = self.working_calendar(&t).await?;
        let first = NaiveDate::from_ymd_opt(year, 1, 1).ok_or_else(|| Error::invalid(format!("年份{year}无效")))?;
        Ok(first.iter_days().take_while(|d| d.year() == year).map(|d| effective_day(&cal, d)).collect())
    }

    /// The years whose official holiday data is loaded.
    pub async fn official_calendar_years(&self) -> Result<BTreeSet<i32>> {
        self.ports.calendar.official_years().await
    }

    /// May `actor` edit `tenant`'s calendar (a root edit or a local override)?
    pub fn may_edit_calendar(&self, actor: &Actor, tenant: &Tenant) -> bool {
        authorize(actor, calendar_edit_action(tenant), tenant).is_ok()
    }

    /// Sets one day of a tenant's calendar: on a root tenant an edit by its catalogue
    /// administrator, on a descendant a local override by a center administrator in scope.
    /// Returns the day as it now takes effect there.
    pub async fn set_calendar_day(
        &self,
        actor: &Actor,
        tenant: &RegionCode,
        date: NaiveDate,
        workday: bool,
        name: Option<String>,
    ) -> Result<CalendarDay> {
        let t = self.tenants.tenant(actor, tenant).await?;
        authorize(actor, calendar_edit_action(&t), &t)?;
        check_date(date)?;
        let name = clean_name(name)?;
        let before = effective_day(&*self.working_calendar(&t).await?, date);
        let day = CalendarDay { date, workday, name };
        let action = if t.root { "calendar.root_edit" } else { "calendar.local_override" };
        let audit = AuditRecord::new(actor, t.code, self.now(), action, date.to_string())
            .before(json!({ "workday": before.workday, "name": before.name }))
            .after(json!({ "workday": day.workday, "name": day.name }));
        self.ports.calendar.set_day(&t.code, &day, &actor.name(), audit).await?;
        self.calendars.invalidate();
        // Also when the day did not change: setting it again redoes a recompute that failed after the
        // write (CONFLICT tells the caller to retry). Only deadlines that differ are saved.
        let affected = Affected::Covering { prefix: t.code.prefix(t.level).to_owned(), date };
        self.recompute_deadlines(
            affected,
            &format!("{}调整{date}为{}", t.name, if workday { "工作日" } else { "休息日" }),
        )
        .await?;
        Ok(effective_day(&*self.working_calendar(&t).await?, date))
    }

    /// The close of the `days`-th working day after `from` in the tenant's calendar; flagged
    /// provisional when it relies on a year without official data.
    pub async fn add_working_days(
        &self,
        actor: &Actor,
        tenant: &RegionCode,
        from: NaiveDate,
        days: i64,
    ) -> Result<Deadline> {
        if !(0..=MAX_WORKING_DAYS).contains(&days) {
            return Err(Error::invalid(format!("工作日数{days}无效，应在0至{MAX_WORKING_DAYS}之间")));
        }
        check_date(from)?;
        let t = self.tenants.tenant(actor, tenant).await?;
        let n = u32::try_from(days).map_err(|_| Error::invalid("工作日数无效"))?;
        Ok(self.working_calendar(&t).await?.add_working_days(from, n))
    }

    /// Working days in `(from, to]` (negative when `to` is earlier), and whether the count relies
    /// on a year without official data.
    pub async fn working_days_between(
        &self,
        actor: &Actor,
        tenant: &RegionCode,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<(i64, bool)> {
        check_date(from)?;
        check_date(to)?;
        let t = self.tenants.tenant(actor, tenant).await?;
        let cal = self.working_calendar(&t).await?;
        Ok((cal.working_days_between(from, to), !cal.covers(from, to)))
    }

    /// Loads official holiday data (`date,kind,name`): the file's years replace what is stored
    /// for them and become official, all in one transaction, or nothing on any error. Running it
    /// again changes nothing. For the command line.
    pub async fn import_official_calendar(&self, text: &str) -> Result<CalendarImportReport> {
        let (days, years) = parse_official_csv(text)?;
        if days.is_empty() {
            return Err(Error::invalid("文件中没有日历数据"));
        }
        for y in &years {
            check_year(*y)?;
        }
        let codes = self.ports.calendar.root_tenant_codes().await?;
        let roots = self.ports.tenants.get_many(&codes).await?;
        let now = self.now();
        let listed: Vec<String> = years.iter().map(ToString::to_string).collect();
        let audits = roots
            .iter()
            .map(|root| {
                let system = Actor::system("import-calendar", root);
                AuditRecord::new(
                    &system,
                    root.code,
                    now,
                    "calendar.import_official",
                    format!("{}年", listed.join("、")),
                )
                .after(json!({ "years": years, "days": days.len() }))
            })
            .collect();
        let stats = self.ports.calendar.import_official(&days, &years, audits).await?;
        self.calendars.invalidate();
        // Also when nothing changed: a provisional deadline left over from an earlier run is redone.
        let why = format!("{}年法定节假日数据已导入", listed.join("、"));
        let recomputed = self.recompute_deadlines(Affected::Provisional, &why).await?;
        Ok(CalendarImportReport { years, stats, recomputed })
    }

    /// At start-up: provisional deadlines are redone, in case an import's recompute was cut short
    /// (those in years still without official data stay as they are).
    pub async fn heal_provisional_deadlines(&self) -> Result<u64> {
        self.recompute_deadlines(Affected::Provisional, "启动时核对：按已导入的法定节假日数据重算").await
    }

    /// The console's warning about missing official data, for the actor's role and tenant.
    pub async fn calendar_warning(&self, actor: &Actor, today: NaiveDate) -> Result<Option<String>> {
        if !(actor.has(Role::CenterAdmin) || actor.has(Role::CatalogueAdmin)) {
            return Ok(None);
        }
        let Some(own) = self.ports.tenants.get(&actor.tenant).await? else {
            return Ok(None);
        };
        if !own.root {
            return Ok(None);
        }
        let years = self.ports.calendar.official_years().await?;
        Ok(calendar_warning_for(actor, &own, today, &years))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::{ActorKind, Roles};
    use crate::policy::authorize;
    use uuid::Uuid;

    fn tenant(code: &str, level: AdminLevel, root: bool) -> Tenant {
        Tenant { code: RegionCode::parse(code).expect("valid"), name: code.into(), level, parent: None, root }
    }

    fn actor(t: &Tenant, roles: &[Role]) -> Actor {
        Actor {
            kind: ActorKind::User { id: Uuid::nil(), username: "u".into() },
            tenant: t.code,
            level: t.level,
            roles: Roles::new(roles.to_vec()).expect("roles"),
        }
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn tree() -> [Tenant; 4] {
        [
            tenant("610000000000", AdminLevel::Province, false),
            tenant("610400000000", AdminLevel::City, true),
            tenant("610426000000", AdminLevel::County, false),
            tenant("610426001000", AdminLevel::Town, false),
        ]
    }

    #[test]
    fn layers_start_at_the_nearest_root() {
        let [sx, xy, ys, jj] = tree();
        let path = [sx.clone(), xy.clone(), ys.clone(), jj.clone()];
        let (root, below) = calendar_layers(&path);
        assert_eq!(root.map(|t| t.code), Some(xy.code));
        assert_eq!(below.iter().map(|t| t.code).collect::<Vec<_>>(), [ys.code, jj.code]);

        // The root itself: no local layers.
        let (root, below) = calendar_layers(&path[..2]);
        assert_eq!(root.map(|t| t.code), Some(xy.code));
        assert!(below.is_empty());

        // A nested root wins over a higher one.
        let mut ys_root = ys.clone();
        ys_root.root = true;
        let nested = [sx.clone(), xy, ys_root.clone(), jj.clone()];
        let (root, below) = calendar_layers(&nested);
        assert_eq!(root.map(|t| t.code), Some(ys_root.code));
        assert_eq!(below.len(), 1);

        // No root at all: every tenant is a local layer.
        let (root, below) = calendar_layers(&path[..1]);
        assert!(root.is_none());
        assert_eq!(below.len(), 1);
    }

    #[test]
    fn layers_compose_top_down() {
        let (official, years) =
            parse_official_csv(include_str!("../../../migrations/data/holidays-cn-2025-2026.csv")).expect("parses");
        let day = |s: &str, workday: bool| CalendarDay { date: d(s), workday, name: Some("调整".into()) };
        // Root: 03-02 off. County: 03-03 off. Town: turns 03-02 back on.
        let root = vec![day("2026-03-02", false)];
        let county = vec![day("2026-03-03", false)];
        let town = vec![day("2026-03-02", true)];
        let at_county =
            WorkingCalendar::from_layers(years.clone(), official.clone(), root.clone(), vec![county.clone()]);
        let at_town = WorkingCalendar::from_layers(years.clone(), official.clone(), root.clone(), vec![county, town]);
        let at_other_county = WorkingCalendar::from_layers(years, official, root, Vec::<Vec<CalendarDay>>::new());
        assert!(!at_county.is_workday(d("2026-03-02")));
        assert!(at_town.is_workday(d("2026-03-02")));
        assert!(!at_town.is_workday(d("2026-03-03")));
        assert!(at_other_county.is_workday(d("2026-03-03")));
        // Friday 02-27 + 2: 02-28 (make-up Saturday), then the next working day.
        assert_eq!(at_other_county.add_working_days(d("2026-02-27"), 2).date, d("2026-03-03"));
        assert_eq!(at_county.add_working_days(d("2026-02-27"), 2).date, d("2026-03-04"));
        assert_eq!(at_town.add_working_days(d("2026-02-27"), 2).date, d("2026-03-02"));
    }

    #[test]
    fn root_calendar_is_for_its_catalogue_admins_local_overrides_for_center_admins() {
        let [_, xy, ys, jj] = tree();
        assert_eq!(calendar_edit_action(&xy), Action::ManageCatalogue);
        assert_eq!(calendar_edit_action(&ys), Action::ManageTenantSetup);
        let may = |a: &Actor, t: &Tenant| authorize(a, calendar_edit_action(t), t).is_ok();

        let xy_catalogue = actor(&xy, &[Role::CatalogueAdmin]);
        let xy_admin = actor(&xy, &[Role::CenterAdmin]);
        let ys_admin = actor(&ys, &[Role::CenterAdmin]);
        let jj_admin = actor(&jj, &[Role::CenterAdmin]);
        let jj_station = actor(&jj, &[Role::StationStaff]);
        let ys_catalogue_wannabe = actor(&ys, &[Role::CatalogueAdmin]);
        let platform = actor(&xy, &[Role::PlatformAdmin]);

        assert!(may(&xy_catalogue, &xy));
        assert!(!may(&xy_catalogue, &ys), "local overrides are not the catalogue's");
        assert!(!may(&xy_admin, &xy), "the root calendar is the catalogue admins'");
        assert!(may(&xy_admin, &ys));
        assert!(may(&xy_admin, &jj));
        assert!(!may(&ys_admin, &xy));
        assert!(may(&ys_admin, &ys));
        assert!(may(&ys_admin, &jj));
        assert!(may(&jj_admin, &jj));
        assert!(!may(&jj_admin, &ys));
        assert!(!may(&jj_station, &jj));
        assert!(!may(&ys_catalogue_wannabe, &xy));
        assert!(may(&platform, &xy));
        // Out of scope is FORBIDDEN.
        let err = authorize(&jj_admin, calendar_edit_action(&xy), &xy).expect_err("forbidden");
        assert_eq!(err.code(), "FORBIDDEN");
    }

    #[test]
    fn warning_window() {
        let [_, xy, ys, jj] = tree();
        let y25_26 = BTreeSet::from([2025, 2026]);
        let y25_27 = BTreeSet::from([2025, 2026, 2027]);
        let admin = actor(&xy, &[Role::CenterAdmin]);
        let catalogue = actor(&xy, &[Role::CatalogueAdmin]);

        let msg = calendar_warning_for(&admin, &xy, d("2026-11-28"), &y25_26).expect("warns");
        assert!(msg.starts_with("2027年法定节假日数据尚未导入"), "{msg}");
        assert!(msg.contains("暂定") && msg.contains("tongban import-calendar"), "{msg}");
        assert!(calendar_warning_for(&catalogue, &xy, d("2026-11-01"), &y25_26).is_some());
        assert!(calendar_warning_for(&admin, &xy, d("2026-12-31"), &y25_26).is_some());
        // Before November: no warning; once loaded: none.
        assert!(calendar_warning_for(&admin, &xy, d("2026-10-31"), &y25_26).is_none());
        assert!(calendar_warning_for(&admin, &xy, d("2026-11-28"), &y25_27).is_none());
        // The current year missing warns all year.
        let msg = calendar_warning_for(&admin, &xy, d("2027-03-01"), &y25_26).expect("warns");
        assert!(msg.starts_with("2027年"), "{msg}");
        let msg = calendar_warning_for(&admin, &xy, d("2027-11-02"), &y25_26).expect("warns");
        assert!(msg.starts_with("2027年、2028年"), "{msg}");
        // Only administrators of a root tenant.
        for (a, t) in [
            (actor(&xy, &[Role::WindowStaff]), &xy),
            (actor(&xy, &[Role::Supervisor]), &xy),
            (actor(&ys, &[Role::CenterAdmin]), &ys),
            (actor(&jj, &[Role::CenterAdmin]), &jj),
        ] {
            assert!(calendar_warning_for(&a, t, d("2026-11-28"), &y25_26).is_none(), "{:?}", a.roles);
        }
    }

    #[test]
    fn inputs_are_bounded() {
        assert!(check_year(2026).is_ok());
        let err = check_year(1999).expect_err("too early");
        assert_eq!(err.code(), "INVALID_INPUT");
        assert!(err.to_string().contains("年份"));
        assert!(check_year(2101).is_err());
        assert!(check_date(d("2100-12-31")).is_ok());
        assert!(check_date(d("1970-01-01")).is_err());
        assert_eq!(clean_name(Some("  ".into())).expect("ok"), None);
        assert_eq!(clean_name(Some(" 县庆 ".into())).expect("ok").as_deref(), Some("县庆"));
        assert!(clean_name(Some("长".repeat(51))).is_err());
        assert!(clean_name(Some("a\nb".into())).is_err());
    }

    #[test]
    fn cache_follows_the_generation() {
        let cache = CalendarCache::default();
        let code = RegionCode::parse("610426000000").expect("code");
        let cal = Arc::new(WorkingCalendar::default());
        assert!(cache.get(1, &code).is_none());
        cache.put(1, code, cal.clone());
        assert!(cache.get(1, &code).is_some());
        // Another process changed the calendar.
        assert!(cache.get(2, &code).is_none());
        cache.put(1, code, cal.clone());
        assert!(cache.get(2, &code).is_none(), "a stale build is not stored");
        cache.put(2, code, cal);
        assert!(cache.get(2, &code).is_some());
        cache.invalidate();
        assert!(cache.get(2, &code).is_none());
    }
}
