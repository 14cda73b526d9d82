//! In-memory ports, so that console flows run without a database.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use domain::audit::{AuditEntry, AuditRecord};
use domain::catalogue::{BaseItem, Department, ImplItem, ItemKind};
use domain::identity::{Credentials, Role, Roles, ServiceAccount, User};
use domain::page::{Page, PageRequest};
use domain::ports::{
    AuditRepo, BaseWrite, Cache, CalendarImportStats, CalendarRepo, CatalogueRepo, Clock, Ephemeral, ImplQuery,
    ImportStats, PasswordHasher, Secrets, SessionRepo, TenantQuery, TenantRepo, TokenSigner, UserRepo,
};
use domain::region::{AdminLevel, RegionCode};
use domain::service::{Ports, Services, Settings};
use domain::session::{AccessClaims, RefreshToken};
use domain::tenant::{Scope, Tenant};
use domain::{Error, Result};
use uuid::Uuid;

pub const PASSWORD: &str = "Tongban@2026";

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().expect("lock")
}

pub struct FakeClock(Mutex<DateTime<Utc>>);

impl FakeClock {
    pub fn advance(&self, by: chrono::Duration) {
        *lock(&self.0) += by;
    }
}

impl Clock for FakeClock {
    fn now(&self) -> DateTime<Utc> {
        *lock(&self.0)
    }
}

#[derive(Default)]
struct Tenants(Vec<Tenant>);

#[async_trait]
impl TenantRepo for Tenants {
    async fn get(&self, code: &RegionCode) -> Result<Option<Tenant>> {
        Ok(self.0.iter().find(|t| t.code == *code).cloned())
    }
    async fn get_many(&self, codes: &[RegionCode]) -> Result<Vec<Tenant>> {
        Ok(self.0.iter().filter(|t| codes.contains(&t.code)).cloned().collect())
    }
    async fn list(&self, q: &TenantQuery) -> Result<Page<Tenant>> {
        let matching: Vec<Tenant> = self
            .0
            .iter()
            .filter(|t| q.scope.as_ref().is_none_or(|s| s.contains(&t.code)))
            .filter(|t| q.parent.is_none_or(|p| t.parent == Some(p)))
            .filter(|t| q.level.is_none_or(|l| t.level == l))
            .cloned()
            .collect();
        let total = matching.len() as u64;
        let mut rows: Vec<Tenant> =
            matching.into_iter().filter(|t| q.page.after.as_deref().is_none_or(|a| t.code.as_str() > a)).collect();
        rows.sort_by_key(|t| t.code);
        rows.truncate(q.page.first as usize + 1);
        Ok(Page::from_rows(rows, &q.page, total, |t| t.code.to_string()))
    }
    async fn count(&self) -> Result<u64> {
        Ok(self.0.len() as u64)
    }
    async fn levels(&self, codes: &[RegionCode]) -> Result<HashMap<RegionCode, AdminLevel>> {
        Ok(self.0.iter().filter(|t| codes.contains(&t.code)).map(|t| (t.code, t.level)).collect())
    }
    async fn import(&self, _: &[Tenant], _: AuditRecord) -> Result<ImportStats> {
        Err(Error::internal("not in the fake"))
    }
    async fn set_root(&self, _: &RegionCode, _: bool, _: AuditRecord) -> Result<()> {
        Err(Error::internal("not in the fake"))
    }
    async fn roots(&self) -> Result<Vec<Tenant>> {
        Ok(self.0.iter().filter(|t| t.root).cloned().collect())
    }
    async fn warning_yellow_days(&self, _: &RegionCode) -> Result<Option<i64>> {
        Ok(None)
    }
    async fn set_warning_yellow_days(&self, _: &RegionCode, _: i64, _: &str, _: AuditRecord) -> Result<()> {
        Err(Error::internal("not in the fake"))
    }
}

#[derive(Default)]
struct Users(Vec<Credentials>);

#[async_trait]
impl UserRepo for Users {
    async fn credentials_by_username(&self, username: &str) -> Result<Option<Credentials>> {
        let name = username.to_ascii_lowercase();
        Ok(self.0.iter().find(|c| c.user.username == name).cloned())
    }
    async fn get(&self, scope: &domain::tenant::Scope, id: Uuid) -> Result<Option<User>> {
        Ok(self.0.iter().map(|c| &c.user).find(|u| u.id == id && scope.contains(&u.tenant)).cloned())
    }
    async fn get_many(&self, scope: &domain::tenant::Scope, ids: &[Uuid]) -> Result<Vec<User>> {
        Ok(self
            .0
            .iter()
            .map(|c| &c.user)
            .filter(|u| ids.contains(&u.id) && scope.contains(&u.tenant))
            .cloned()
            .collect())
    }
    async fn create(&self, _: &User, _: &str, _: AuditRecord) -> Result<()> {
        Err(Error::internal("not in the fake"))
    }
    async fn create_service_account(&self, _: &ServiceAccount, _: AuditRecord) -> Result<()> {
        Err(Error::internal("not in the fake"))
    }
    async fn service_account_by_client_id(&self, _: &str) -> Result<Option<ServiceAccount>> {
        Ok(None)
    }
    async fn list(&self, scope: &Scope, _: Option<&str>, _: &PageRequest) -> Result<Page<User>> {
        let users: Vec<User> = self.0.iter().map(|c| c.user.clone()).filter(|u| scope.contains(&u.tenant)).collect();
        let total = users.len() as u64;
        Ok(Page { items: users, has_next: false, end_cursor: None, total, total_exact: true })
    }
    async fn update(&self, _: &User, _: Option<&str>, _: AuditRecord) -> Result<()> {
        Err(Error::internal("not in the fake"))
    }
    async fn service_accounts(&self, _: &Scope) -> Result<Vec<ServiceAccount>> {
        Ok(Vec::new())
    }
    async fn update_service_account(&self, _: &ServiceAccount, _: AuditRecord) -> Result<()> {
        Err(Error::internal("not in the fake"))
    }
    async fn delete_service_account(&self, _: &ServiceAccount, _: AuditRecord) -> Result<()> {
        Err(Error::internal("not in the fake"))
    }
}

#[derive(Default)]
struct Sessions(Mutex<Vec<RefreshToken>>);

#[async_trait]
impl SessionRepo for Sessions {
    async fn insert(&self, token: &RefreshToken, _: AuditRecord) -> Result<()> {
        lock(&self.0).push(token.clone());
        Ok(())
    }
    async fn by_hash(&self, token_hash: &str) -> Result<Option<RefreshToken>> {
        Ok(lock(&self.0).iter().find(|t| t.token_hash == token_hash).cloned())
    }
    async fn rotate(&self, old: Uuid, used_at: DateTime<Utc>, new: &RefreshToken, _: AuditRecord) -> Result<bool> {
        let mut all = lock(&self.0);
        let Some(t) = all.iter_mut().find(|t| t.id == old && t.used_at.is_none()) else {
            return Ok(false);
        };
        t.used_at = Some(used_at);
        all.push(new.clone());
        Ok(true)
    }
    async fn revoke_family(&self, family: Uuid, at: DateTime<Utc>, _: AuditRecord) -> Result<()> {
        for t in lock(&self.0).iter_mut().filter(|t| t.family == family) {
            t.revoked_at.get_or_insert(at);
        }
        Ok(())
    }
}

/// Nobody signs in in these tests.
struct NoAttendance;

#[async_trait]
impl domain::ports::AttendanceRepo for NoAttendance {
    async fn sign_in(&self, _: &domain::hall::Attendance, _: AuditRecord) -> Result<bool> {
        Ok(true)
    }
    async fn sign_out(
        &self,
        _: &RegionCode,
        _: Uuid,
        _: chrono::NaiveDate,
        _: DateTime<Utc>,
        _: AuditRecord,
    ) -> Result<bool> {
        Ok(false)
    }
    async fn between(
        &self,
        _: &RegionCode,
        _: chrono::NaiveDate,
        _: chrono::NaiveDate,
    ) -> Result<Vec<domain::hall::Attendance>> {
        Ok(Vec::new())
    }
}

/// No cases in these tests.
struct NoCases;

/// No partner deployments.
#[async_trait]
impl domain::ports::PartnerRepo for NoCases {
    async fn partners(&self) -> Result<Vec<domain::partner::Partner>> {
        Ok(Vec::new())
    }
    async fn save_partner(&self, _: &domain::partner::Partner, _: Option<&str>, _: AuditRecord) -> Result<()> {
        Err(Error::internal("no partners in console tests"))
    }
    async fn remove_partner(&self, _: Uuid, _: AuditRecord) -> Result<bool> {
        Ok(false)
    }
    async fn outbox_health(&self, _: u64) -> Result<domain::partner::OutboxHealth> {
        Ok(domain::partner::OutboxHealth::default())
    }
    async fn retry_outbox(&self, _: Uuid, _: AuditRecord) -> Result<bool> {
        Ok(false)
    }
}

#[async_trait]
impl domain::ports::TransferRepo for NoCases {
    async fn transfer(&self, _: &domain::tenant::Scope, _: Uuid) -> Result<Option<domain::transfer::Transfer>> {
        Ok(None)
    }
    async fn by_key(
        &self,
        _: &domain::tenant::Scope,
        _: &domain::region::RegionCode,
        _: &str,
    ) -> Result<Option<domain::transfer::Transfer>> {
        Ok(None)
    }
    async fn of_case(&self, _: &domain::tenant::Scope, _: Uuid) -> Result<Vec<domain::transfer::Transfer>> {
        Ok(Vec::new())
    }
    async fn list(
        &self,
        _: &domain::tenant::Scope,
        _: &domain::ports::TransferQuery,
    ) -> Result<domain::page::Page<domain::transfer::Transfer>> {
        Ok(domain::page::Page::empty())
    }
}

#[async_trait]
impl domain::ports::CaseRepo for NoCases {
    async fn get_for_intake(&self, _: &domain::tenant::Scope, _: Uuid) -> Result<Option<domain::ports::ForIntake>> {
        Ok(None)
    }
    async fn get(&self, _: &domain::tenant::Scope, _: Uuid, _: bool) -> Result<Option<domain::case::Case>> {
        Ok(None)
    }
    async fn get_for_transition(
        &self,
        _: &domain::tenant::Scope,
        _: Uuid,
        _: domain::ports::TransitionRead,
    ) -> Result<Option<domain::ports::ForTransition>> {
        Ok(None)
    }
    async fn by_no(&self, _: &domain::tenant::Scope, _: &str) -> Result<Option<domain::case::Case>> {
        Ok(None)
    }
    async fn for_tracking(&self, _: &str) -> Result<Option<(domain::case::Case, String)>> {
        Ok(None)
    }
    async fn list(&self, _: &domain::tenant::Scope, q: &domain::ports::CaseQuery) -> Result<Page<domain::case::Case>> {
        Ok(Page::from_rows(Vec::new(), &q.page, 0, |_| String::new()))
    }
    async fn approval_queue(
        &self,
        _: &RegionCode,
        _: Uuid,
        q: domain::ports::CaseQuery,
        _: for<'a> fn(&'a domain::hall::ApproverStanding) -> Vec<domain::ports::ReviewGroup>,
    ) -> Result<Page<domain::case::Case>> {
        Ok(Page::from_rows(Vec::new(), &q.page, 0, |_| String::new()))
    }
    async fn document(&self, _: &domain::tenant::Scope, _: Uuid) -> Result<Option<domain::case::Document>> {
        Ok(None)
    }
    async fn open_clocks(&self, _: &str, _: bool, _: Option<chrono::NaiveDate>) -> Result<Vec<domain::case::Case>> {
        Ok(Vec::new())
    }
    async fn save_deadlines(
        &self,
        _: &RegionCode,
        _: &[(domain::case::Case, domain::case::CaseEvent)],
        _: AuditRecord,
    ) -> Result<bool> {
        Ok(false)
    }
}

/// The console flows here do not touch the hall: no windows, an empty queue.
struct NoHall;

#[async_trait]
impl domain::ports::HallRepo for NoHall {
    async fn create_window(&self, _: &domain::hall::Window, _: AuditRecord) -> Result<()> {
        Err(Error::internal("no hall in console tests"))
    }
    async fn windows(&self, _: &RegionCode) -> Result<Vec<domain::hall::Window>> {
        Ok(Vec::new())
    }
    async fn window(&self, _: &Scope, _: Uuid) -> Result<Option<domain::hall::Window>> {
        Ok(None)
    }
    async fn set_window_staff(
        &self,
        _: &domain::hall::Window,
        _: domain::hall::Post,
        _: Uuid,
        _: AuditRecord,
    ) -> Result<()> {
        Err(Error::internal("no hall in console tests"))
    }
    async fn authorize_approver(&self, _: &RegionCode, _: Uuid, _: &[Uuid], _: AuditRecord) -> Result<()> {
        Err(Error::internal("no hall in console tests"))
    }
    async fn approver_items(&self, _: &RegionCode, _: Uuid) -> Result<Vec<Uuid>> {
        Ok(Vec::new())
    }
    async fn appoint_chief(&self, _: &RegionCode, _: Uuid, _: Uuid, _: AuditRecord) -> Result<()> {
        Err(Error::internal("no hall in console tests"))
    }
    async fn chief_of(&self, _: &RegionCode, _: Uuid) -> Result<Vec<Uuid>> {
        Ok(Vec::new())
    }
    async fn record_call(&self, _: &domain::ports::CallRecord, _: AuditRecord) -> Result<()> {
        Err(Error::internal("no hall in console tests"))
    }
    async fn file_leader_duty(&self, _: &domain::hall::LeaderDuty, _: AuditRecord) -> Result<()> {
        Err(Error::internal("no hall in console tests"))
    }
    async fn leader_duties(&self, _: &RegionCode, _: chrono::NaiveDate) -> Result<Vec<domain::hall::LeaderDuty>> {
        Ok(Vec::new())
    }
    async fn publish_leader_duties(&self, _: &RegionCode, _: chrono::NaiveDate, _: AuditRecord) -> Result<u64> {
        Ok(0)
    }
    async fn calls(&self, _: &RegionCode, _: chrono::NaiveDate, _: u64) -> Result<Vec<domain::ports::CallRecord>> {
        Ok(Vec::new())
    }
}

#[async_trait]
impl domain::queue::QueueStore for NoHall {
    async fn take(
        &self,
        _: &domain::queue::HallDay,
        _: &domain::queue::Prefix,
        _: &str,
        _: bool,
        _: DateTime<Utc>,
    ) -> Result<domain::queue::Issued> {
        Err(Error::internal("no queue in console tests"))
    }
    async fn call_next(
        &self,
        _: &domain::queue::HallDay,
        _: &[String],
        _: &str,
        _: &str,
        _: DateTime<Utc>,
    ) -> Result<Option<domain::queue::Call>> {
        Ok(None)
    }
    async fn requeue(&self, _: &domain::queue::HallDay, _: &str, _: &domain::queue::Ticket) -> Result<()> {
        Err(Error::internal("no queue in console tests"))
    }
    async fn announce(&self, _: &domain::queue::HallDay, _: &domain::queue::Call) -> Result<()> {
        Err(Error::internal("no queue in console tests"))
    }
    async fn waiting(&self, _: &domain::queue::HallDay, _: &str) -> Result<u32> {
        Ok(0)
    }
    async fn recent_calls(&self, _: &domain::queue::HallDay, _: u32) -> Result<Vec<domain::queue::Call>> {
        Ok(Vec::new())
    }
}

#[async_trait]
impl domain::ports::AppointmentRepo for NoHall {
    async fn create_slot(&self, _: &domain::hall::Slot, _: AuditRecord) -> Result<()> {
        Err(Error::internal("no appointments in console tests"))
    }
    async fn slots(&self, _: &RegionCode, _: Uuid, _: chrono::NaiveDate) -> Result<Vec<domain::hall::Slot>> {
        Ok(Vec::new())
    }
    async fn slot(&self, _: &RegionCode, _: Uuid) -> Result<Option<domain::hall::Slot>> {
        Ok(None)
    }
    async fn book(&self, _: &domain::hall::Appointment, _: AuditRecord) -> Result<bool> {
        Ok(false)
    }
    async fn appointment(&self, _: &RegionCode, _: Uuid) -> Result<Option<domain::hall::Appointment>> {
        Ok(None)
    }
    async fn finish(
        &self,
        _: &domain::hall::Appointment,
        _: domain::hall::AppointmentStatus,
        _: Option<&str>,
        _: AuditRecord,
    ) -> Result<bool> {
        Ok(false)
    }
}

struct Audit;

#[async_trait]
impl AuditRepo for Audit {
    async fn append(&self, _: AuditRecord) -> Result<()> {
        Ok(())
    }
    async fn list(
        &self,
        _: &RegionCode,
        _: &domain::audit::AuditFilter,
        page: &PageRequest,
    ) -> Result<Page<AuditEntry>> {
        Ok(Page::from_rows(Vec::new(), page, 0, |_| String::new()))
    }
    async fn chain(&self, _: &RegionCode) -> Result<(Vec<AuditEntry>, Vec<domain::audit::ChainHead>)> {
        Ok((Vec::new(), Vec::new()))
    }
}

/// "Hashes" are the password with a prefix: fine for a fake.
struct Passwords;

#[async_trait]
impl PasswordHasher for Passwords {
    async fn hash(&self, password: &str) -> Result<String> {
        Ok(format!("plain:{password}"))
    }
    async fn verify(&self, password: &str, hash: &str) -> Result<bool> {
        Ok(hash.strip_prefix("plain:") == Some(password))
    }
}

#[derive(Default)]
struct Counter(AtomicU64);

impl Secrets for Counter {
    fn random_token(&self) -> String {
        format!("secret-{}", self.0.fetch_add(1, Ordering::Relaxed))
    }
    fn fingerprint(&self, token: &str) -> String {
        format!("fp:{token}")
    }
}

/// Tokens are keys into a table of claims; expiry follows the fake clock.
struct Tokens {
    clock: Arc<FakeClock>,
    issued: Mutex<HashMap<String, AccessClaims>>,
    next: AtomicU64,
}

impl TokenSigner for Tokens {
    fn sign(&self, claims: &AccessClaims) -> Result<String> {
        let token = format!("access-{}", self.next.fetch_add(1, Ordering::Relaxed));
        lock(&self.issued).insert(token.clone(), claims.clone());
        Ok(token)
    }
    fn verify(&self, token: &str) -> Result<AccessClaims> {
        let claims = lock(&self.issued).get(token).cloned().ok_or_else(|| Error::unauthenticated("令牌无效"))?;
        if claims.exp <= self.clock.now().timestamp() {
            return Err(Error::unauthenticated("令牌已过期，请刷新会话或重新登录"));
        }
        Ok(claims)
    }
}

#[derive(Default)]
struct Memory {
    counters: Mutex<HashMap<String, u32>>,
    revoked: Mutex<HashMap<String, i64>>,
}

#[async_trait]
impl Ephemeral for Memory {
    async fn rate_limit(&self, key: &str, limit: u32, window: Duration) -> Result<()> {
        let mut counters = lock(&self.counters);
        let n = counters.entry(key.to_owned()).or_default();
        *n += 1;
        if *n > limit {
            return Err(Error::RateLimited { retry_after_secs: window.as_secs() });
        }
        Ok(())
    }
    async fn check_limit(&self, key: &str, limit: u32) -> Result<()> {
        if lock(&self.counters).get(key).is_some_and(|n| *n >= limit) {
            return Err(Error::RateLimited { retry_after_secs: 60 });
        }
        Ok(())
    }
    async fn reset(&self, key: &str) -> Result<()> {
        lock(&self.counters).remove(key);
        Ok(())
    }
    async fn revoke(&self, id: &str, at_ms: i64, _: Duration) -> Result<()> {
        let mut revoked = lock(&self.revoked);
        let at = revoked.entry(id.to_owned()).or_insert(at_ms);
        *at = (*at).max(at_ms);
        Ok(())
    }
    async fn is_revoked(&self, ids: &[String], issued_ms: i64) -> Result<bool> {
        let revoked = lock(&self.revoked);
        Ok(ids.iter().any(|id| revoked.get(id).is_some_and(|at| *at >= issued_ms)))
    }
}

/// No official data beyond 2025–2026 and no entries: the weekend rule and the shipped years.
struct Calendar;

#[async_trait]
impl CalendarRepo for Calendar {
    async fn generation(&self) -> Result<i64> {
        Ok(1)
    }
    async fn official(&self) -> Result<(Vec<domain::calendar::CalendarDay>, std::collections::BTreeSet<i32>)> {
        Ok((Vec::new(), self.official_years().await?))
    }
    async fn official_years(&self) -> Result<std::collections::BTreeSet<i32>> {
        Ok([2025, 2026].into())
    }
    async fn entries(
        &self,
        _scope: &domain::tenant::Scope,
        _tenants: &[RegionCode],
    ) -> Result<HashMap<RegionCode, Vec<domain::calendar::CalendarDay>>> {
        Ok(HashMap::new())
    }
    async fn set_day(
        &self,
        _tenant: &RegionCode,
        _day: &domain::calendar::CalendarDay,
        _by: &str,
        _audit: AuditRecord,
    ) -> Result<()> {
        Err(Error::internal("read-only fake"))
    }
    async fn import_official(
        &self,
        _days: &[domain::calendar::CalendarDay],
        _years: &std::collections::BTreeSet<i32>,
        _audits: Vec<AuditRecord>,
    ) -> Result<CalendarImportStats> {
        Err(Error::internal("read-only fake"))
    }
    async fn root_tenant_codes(&self) -> Result<Vec<RegionCode>> {
        Ok(Vec::new())
    }
}

fn tenant(code: &str, name: &str, level: AdminLevel, parent: Option<&str>) -> Tenant {
    Tenant {
        code: RegionCode::parse(code).expect("code"),
        name: name.into(),
        level,
        parent: parent.map(|p| RegionCode::parse(p).expect("parent")),
        root: parent.is_none(),
    }
}

fn user(tenant: &str, username: &str, display_name: &str, roles: &[Role]) -> Credentials {
    Credentials {
        user: User {
            id: Uuid::new_v4(),
            tenant: RegionCode::parse(tenant).expect("tenant"),
            username: username.into(),
            display_name: display_name.into(),
            roles: Roles::new(roles.to_vec()).expect("roles"),
            department_id: None,
            disabled: false,
            created_at: Utc::now(),
        },
        password_hash: format!("plain:{PASSWORD}"),
    }
}

/// Number of towns under 永寿县 beyond 监军街道, to exercise paging.
pub const EXTRA_TOWNS: usize = 55;

pub struct World {
    pub services: Services,
    pub clock: Arc<FakeClock>,
}

/// 咸阳市 → 永寿县 (监军街道 + many towns), 秦都区; users of 永寿县 and 监军街道.
pub fn world() -> World {
    let clock = Arc::new(FakeClock(Mutex::new(Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).single().expect("time"))));
    let mut tenants = vec![
        tenant("610400000000", "咸阳市", AdminLevel::City, None),
        tenant("610426000000", "永寿县", AdminLevel::County, Some("610400000000")),
        tenant("610402000000", "秦都区", AdminLevel::County, Some("610400000000")),
        tenant("610426001000", "监军街道", AdminLevel::Town, Some("610426000000")),
        tenant("610426001001", "东街社区", AdminLevel::Village, Some("610426001000")),
    ];
    for i in 0..EXTRA_TOWNS {
        tenants.push(tenant(
            &format!("610426{:03}000", 100 + i),
            &format!("测试{}镇", i + 1),
            AdminLevel::Town,
            Some("610426000000"),
        ));
    }
    let users = vec![
        user("610426000000", "ys_admin", "永寿县中心管理员", &[Role::CenterAdmin]),
        user("610426001000", "jj_staff", "监军街道窗口人员", &[Role::StationStaff]),
    ];
    let ports = Ports {
        tenants: Arc::new(Tenants(tenants)),
        users: Arc::new(Users(users)),
        sessions: Arc::new(Sessions::default()),
        audit: Arc::new(Audit),
        attendance: Arc::new(NoAttendance),
        hall: Arc::new(NoHall),
        queue: Arc::new(NoHall),
        appointments: Arc::new(NoHall),
        cases: Arc::new(NoCases),
        calendar: Arc::new(Calendar),
        passwords: Arc::new(Passwords),
        secrets: Arc::new(Counter::default()),
        tokens: Arc::new(Tokens { clock: clock.clone(), issued: Mutex::default(), next: AtomicU64::new(0) }),
        ephemeral: Arc::new(Memory::default()),
        catalogue: Arc::new(NoCatalogue),
        cache: Arc::new(NoCache),
        clock: clock.clone(),
        transfers: Arc::new(NoCases),
        partners: Arc::new(NoCases),
        supervision: Arc::new(NoSupervision),
    };
    World { services: Services::new(ports, Settings::default()), clock }
}

/// The console flows here do not touch the catalogue: an empty one.
pub struct NoCatalogue;

#[async_trait]
impl CatalogueRepo for NoCatalogue {
    async fn departments(&self, _: &Scope, _: &RegionCode) -> Result<Vec<Department>> {
        Ok(Vec::new())
    }
    async fn department(&self, _: &Scope, _: Uuid) -> Result<Option<Department>> {
        Ok(None)
    }
    async fn create_department(&self, _: &Department, _: AuditRecord) -> Result<()> {
        Err(Error::internal("no catalogue in console tests"))
    }
    async fn base_item(&self, _: Uuid) -> Result<Option<BaseItem>> {
        Ok(None)
    }
    async fn base_items_by_code(&self, _: &RegionCode, _: &[String]) -> Result<Vec<BaseItem>> {
        Ok(Vec::new())
    }
    async fn list_base_items(
        &self,
        _: &RegionCode,
        _: Option<&str>,
        _: Option<ItemKind>,
        _: &PageRequest,
    ) -> Result<Page<BaseItem>> {
        Ok(Page::empty())
    }
    async fn save_base_items(&self, _: &[BaseWrite], _: AuditRecord) -> Result<Vec<String>> {
        Err(Error::internal("no catalogue in console tests"))
    }
    async fn impl_item(&self, _: &Scope, _: Uuid) -> Result<Option<ImplItem>> {
        Ok(None)
    }
    async fn impl_item_by_code(&self, _: &str) -> Result<Option<ImplItem>> {
        Ok(None)
    }
    async fn list_impl_items(&self, _: &Scope, _: &ImplQuery) -> Result<Page<ImplItem>> {
        Ok(Page::empty())
    }
    async fn active_impls_of_base(&self, _: &Scope, _: Uuid) -> Result<Vec<ImplItem>> {
        Ok(Vec::new())
    }
    async fn save_impl_items(&self, _: &Scope, _: &[(ImplItem, bool)], _: Vec<AuditRecord>) -> Result<()> {
        Err(Error::internal("no catalogue in console tests"))
    }
}

pub struct NoCache;

#[async_trait]
impl Cache for NoCache {
    async fn get(&self, _: &str) -> Option<String> {
        None
    }
    async fn put(&self, _: &str, _: &str, _: Duration) {}
    async fn delete(&self, _: &[String]) {}
}

/// The console flows here do not supervise: nothing rated or filed.
pub struct NoSupervision;

#[async_trait]
impl domain::supervision::SupervisionRepo for NoSupervision {
    async fn rate(
        &self,
        _: &domain::supervision::Rating,
        _: Option<&domain::supervision::Rectification>,
        _: domain::audit::AuditRecord,
    ) -> Result<bool> {
        Ok(false)
    }
    async fn rating(&self, _: &Scope, _: uuid::Uuid) -> Result<Option<domain::supervision::Rating>> {
        Ok(None)
    }
    async fn rating_of_case(&self, _: &Scope, _: uuid::Uuid) -> Result<Option<domain::supervision::Rating>> {
        Ok(None)
    }
    async fn rectification(&self, _: &Scope, _: uuid::Uuid) -> Result<Option<domain::supervision::Rectification>> {
        Ok(None)
    }
    async fn rectification_of_rating(
        &self,
        _: &Scope,
        _: uuid::Uuid,
    ) -> Result<Option<domain::supervision::Rectification>> {
        Ok(None)
    }
    async fn rectifications(
        &self,
        _: &Scope,
        _: &[domain::supervision::RectificationStatus],
        _: u32,
        _: Option<uuid::Uuid>,
    ) -> Result<Vec<domain::supervision::Rectification>> {
        Ok(Vec::new())
    }
    async fn update_rectification(
        &self,
        _: &domain::supervision::Rectification,
        _: domain::supervision::RectificationStatus,
        _: domain::audit::AuditRecord,
    ) -> Result<bool> {
        Ok(false)
    }
    async fn rectification_days(&self, _: &RegionCode) -> Result<Option<i64>> {
        Ok(None)
    }
    async fn set_rectification_days(
        &self,
        _: &RegionCode,
        _: i64,
        _: &str,
        _: domain::audit::AuditRecord,
    ) -> Result<()> {
        Ok(())
    }
    async fn file_complaint(&self, _: &domain::supervision::Complaint, _: domain::audit::AuditRecord) -> Result<()> {
        Ok(())
    }
    async fn complaint(&self, _: &Scope, _: uuid::Uuid) -> Result<Option<domain::supervision::Complaint>> {
        Ok(None)
    }
    async fn complaints(
        &self,
        _: &Scope,
        _: &[domain::supervision::ComplaintStatus],
        _: u32,
        _: Option<uuid::Uuid>,
    ) -> Result<Vec<domain::supervision::Complaint>> {
        Ok(Vec::new())
    }
    async fn update_complaint(
        &self,
        _: &domain::supervision::Complaint,
        _: domain::supervision::ComplaintStatus,
        _: domain::audit::AuditRecord,
    ) -> Result<bool> {
        Ok(false)
    }
    async fn stats(
        &self,
        _: &Scope,
        _: &domain::supervision::Period,
        _: bool,
    ) -> Result<domain::supervision::StatsData> {
        Ok(domain::supervision::StatsData::default())
    }
    async fn daily(
        &self,
        _: &Scope,
        _: &domain::supervision::Period,
    ) -> Result<Vec<(chrono::NaiveDate, domain::supervision::CaseCounts)>> {
        Ok(Vec::new())
    }
}
