//! Ports: what the domain needs from the outside world. `infra` implements them.
//! Every write method is one unit of work: the adapter applies the change and appends the audit
//! record in one transaction, with the scope set for row-level security.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::audit::{AuditEntry, AuditFilter, AuditRecord, ChainHead};
use crate::calendar::CalendarDay;
use crate::catalogue::{BaseItem, CrossAreaScope, Department, ImplItem, ImplStatus, ItemKind};
use crate::error::Result;
use crate::identity::{Credentials, ServiceAccount, User};
use crate::page::{Page, PageRequest};
use crate::region::{AdminLevel, RegionCode};
use crate::session::{AccessClaims, RefreshToken};
use crate::tenant::{Scope, Tenant};

pub use crate::supervision::SupervisionRepo;

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

#[derive(Debug, Clone, Default)]
pub struct TenantQuery {
    pub scope: Option<Scope>,
    pub parent: Option<RegionCode>,
    pub level: Option<AdminLevel>,
    pub page: PageRequest,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportStats {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
}

#[async_trait]
pub trait TenantRepo: Send + Sync {
    /// Tenant identity is public; no scope needed to read one.
    async fn get(&self, code: &RegionCode) -> Result<Option<Tenant>>;
    async fn get_many(&self, codes: &[RegionCode]) -> Result<Vec<Tenant>>;
    /// A tenant this process holds in memory, without IO; None when it would have to be read.
    fn cached(&self, _code: &RegionCode) -> Option<Tenant> {
        None
    }
    async fn list(&self, q: &TenantQuery) -> Result<Page<Tenant>>;
    async fn count(&self) -> Result<u64>;
    /// Levels of those of `codes` that are stored.
    async fn levels(&self, codes: &[RegionCode]) -> Result<HashMap<RegionCode, AdminLevel>>;
    /// Inserts or updates the tenants (parents first) in one transaction.
    async fn import(&self, tenants: &[Tenant], audit: AuditRecord) -> Result<ImportStats>;
    async fn set_root(&self, code: &RegionCode, root: bool, audit: AuditRecord) -> Result<()>;
    /// The topmost tenants, in code order.
    async fn roots(&self) -> Result<Vec<Tenant>>;
    /// A root tenant's own yellow-warning threshold (working days), if it set one.
    async fn warning_yellow_days(&self, root: &RegionCode) -> Result<Option<i64>>;
    /// Sets a root tenant's yellow-warning threshold, audited in the same transaction.
    async fn set_warning_yellow_days(&self, root: &RegionCode, days: i64, by: &str, audit: AuditRecord) -> Result<()>;
}

#[async_trait]
pub trait UserRepo: Send + Sync {
    /// Authentication looks users up before any scope exists.
    async fn credentials_by_username(&self, username: &str) -> Result<Option<Credentials>>;
    async fn get(&self, scope: &Scope, id: Uuid) -> Result<Option<User>>;
    async fn get_many(&self, scope: &Scope, ids: &[Uuid]) -> Result<Vec<User>>;
    /// CONFLICT when the user name is taken.
    async fn create(&self, user: &User, password_hash: &str, audit: AuditRecord) -> Result<()>;
    async fn create_service_account(&self, account: &ServiceAccount, audit: AuditRecord) -> Result<()>;
    async fn service_account_by_client_id(&self, client_id: &str) -> Result<Option<ServiceAccount>>;
    /// Users of the tenants in `scope`, by user name; `keyword` is a substring of the user name
    /// or the display name.
    async fn list(&self, scope: &Scope, keyword: Option<&str>, page: &PageRequest) -> Result<Page<User>>;
    /// Stores a changed user (name, roles, department, disabled) and, when given, a new password hash.
    async fn update(&self, user: &User, password_hash: Option<&str>, audit: AuditRecord) -> Result<()>;
    /// Service accounts of the tenants in `scope`, newest first.
    async fn service_accounts(&self, scope: &Scope) -> Result<Vec<ServiceAccount>>;
    /// Stores a new secret fingerprint of the account.
    async fn update_service_account(&self, account: &ServiceAccount, audit: AuditRecord) -> Result<()>;
    async fn delete_service_account(&self, account: &ServiceAccount, audit: AuditRecord) -> Result<()>;
}

#[async_trait]
pub trait SessionRepo: Send + Sync {
    async fn insert(&self, token: &RefreshToken, audit: AuditRecord) -> Result<()>;
    async fn by_hash(&self, token_hash: &str) -> Result<Option<RefreshToken>>;
    /// Marks `old` used and stores `new`; false (and nothing stored) when `old` was used already.
    async fn rotate(&self, old: Uuid, used_at: DateTime<Utc>, new: &RefreshToken, audit: AuditRecord) -> Result<bool>;
    async fn revoke_family(&self, family: Uuid, at: DateTime<Utc>, audit: AuditRecord) -> Result<()>;
}

#[async_trait]
pub trait AuditRepo: Send + Sync {
    async fn append(&self, record: AuditRecord) -> Result<()>;
    /// Newest first.
    async fn list(&self, tenant: &RegionCode, filter: &AuditFilter, page: &PageRequest) -> Result<Page<AuditEntry>>;
    /// Every entry of the tenant's chains and the stored chain heads.
    async fn chain(&self, tenant: &RegionCode) -> Result<(Vec<AuditEntry>, Vec<ChainHead>)>;
}

#[async_trait]
pub trait PasswordHasher: Send + Sync {
    async fn hash(&self, password: &str) -> Result<String>;
    async fn verify(&self, password: &str, hash: &str) -> Result<bool>;
}

/// Random secrets and their one-way fingerprints.
pub trait Secrets: Send + Sync {
    /// A URL-safe random token of 256 bits.
    fn random_token(&self) -> String;
    /// A fingerprint for looking a high-entropy token up (SHA-256).
    fn fingerprint(&self, token: &str) -> String;
}

pub trait TokenSigner: Send + Sync {
    fn sign(&self, claims: &AccessClaims) -> Result<String>;
    /// UNAUTHENTICATED for a bad signature, wrong algorithm, `none`, expiry or malformed token.
    fn verify(&self, token: &str) -> Result<AccessClaims>;
}

/// Shared short-lived state: Redis, or process memory without it.
#[async_trait]
pub trait Ephemeral: Send + Sync {
    /// Counts a hit in the window; RATE_LIMITED past `limit`.
    async fn rate_limit(&self, key: &str, limit: u32, window: Duration) -> Result<()>;
    /// RATE_LIMITED when the counter already reached `limit`; counts nothing.
    async fn check_limit(&self, key: &str, limit: u32) -> Result<()>;
    /// Clears a counter (after a successful login).
    async fn reset(&self, key: &str) -> Result<()>;
    /// Revokes the tokens of `id` (a token id, `family:<uuid>` or `subject:<uuid>`) issued at or
    /// before `at_ms` (Unix milliseconds), remembered for `ttl`. Tokens issued later stay valid.
    async fn revoke(&self, id: &str, at_ms: i64, ttl: Duration) -> Result<()>;
    /// Whether any of `ids` was revoked at or after `issued_ms`, a token's issue time (one round trip).
    async fn is_revoked(&self, ids: &[String], issued_ms: i64) -> Result<bool>;
}

/// Filters of an implementation-item listing.
#[derive(Debug, Clone, Default)]
pub struct ImplQuery {
    pub tenant: Option<RegionCode>,
    /// Substring of the name or the implementation code.
    pub keyword: Option<String>,
    pub kind: Option<ItemKind>,
    pub status: Option<ImplStatus>,
    pub department: Option<Uuid>,
    /// Remote intake (异地收件): only the items whose cross-area scope covers a collector.
    pub covering: Option<Covering>,
    pub page: PageRequest,
}

/// The items whose cross-area scope covers a collector: an item of scope `s` at a tenant whose
/// code starts with `p`, for a pair `(s, p)` of [`crate::transfer::covering_prefixes`], and
/// outside the collector's own scope (whose items it collects locally).
#[derive(Debug, Clone)]
pub struct Covering {
    pub prefixes: Vec<(CrossAreaScope, String)>,
    /// The prefix of the collector's own scope.
    pub except: String,
}

/// A base item write: a new item, or a new version of a stored one.
#[derive(Debug, Clone)]
pub struct BaseWrite {
    pub item: BaseItem,
    pub is_new: bool,
}

/// Departments, base catalogue and implementation items. Catalogue reads take the owner root;
/// implementation items are tenant-owned and read within a scope.
#[async_trait]
pub trait CatalogueRepo: Send + Sync {
    async fn departments(&self, scope: &Scope, tenant: &RegionCode) -> Result<Vec<Department>>;
    async fn department(&self, scope: &Scope, id: Uuid) -> Result<Option<Department>>;
    /// CONFLICT when the tenant already has a department with that credit code.
    async fn create_department(&self, d: &Department, audit: AuditRecord) -> Result<()>;

    async fn base_item(&self, id: Uuid) -> Result<Option<BaseItem>>;
    async fn base_items_by_code(&self, owner: &RegionCode, codes: &[String]) -> Result<Vec<BaseItem>>;
    async fn list_base_items(
        &self,
        owner: &RegionCode,
        keyword: Option<&str>,
        kind: Option<ItemKind>,
        page: &PageRequest,
    ) -> Result<Page<BaseItem>>;
    /// Inserts or versions base items in one transaction; every active implementation of an
    /// updated item gets a new version too. Returns the implementation codes affected.
    async fn save_base_items(&self, writes: &[BaseWrite], audit: AuditRecord) -> Result<Vec<String>>;

    async fn impl_item(&self, scope: &Scope, id: Uuid) -> Result<Option<ImplItem>>;
    /// Public: the item with this code, whatever its tenant.
    async fn impl_item_by_code(&self, code: &str) -> Result<Option<ImplItem>>;
    async fn list_impl_items(&self, scope: &Scope, q: &ImplQuery) -> Result<Page<ImplItem>>;
    /// Items of `base` in the scope that are not cancelled.
    async fn active_impls_of_base(&self, scope: &Scope, base: Uuid) -> Result<Vec<ImplItem>>;
    /// Inserts new items (version 1) and versions changed ones, each with a snapshot, and the
    /// audit records, in one transaction. CONFLICT when an implementation code is taken.
    async fn save_impl_items(&self, scope: &Scope, items: &[(ImplItem, bool)], audit: Vec<AuditRecord>) -> Result<()>;
}

/// A shared cache of rendered values: Redis, or process memory without it.
#[async_trait]
pub trait Cache: Send + Sync {
    async fn get(&self, key: &str) -> Option<String>;
    async fn put(&self, key: &str, value: &str, ttl: Duration);
    async fn delete(&self, keys: &[String]);
}

#[async_trait]
pub trait AttendanceRepo: Send + Sync {
    /// Opens today's record; false (nothing written) when one is open already.
    async fn sign_in(&self, record: &crate::hall::Attendance, audit: AuditRecord) -> Result<bool>;
    /// Closes the open record of `day`; false when there is none.
    async fn sign_out(
        &self,
        tenant: &RegionCode,
        user_id: Uuid,
        day: chrono::NaiveDate,
        at: DateTime<Utc>,
        audit: AuditRecord,
    ) -> Result<bool>;
    /// Records of `tenant` from `from` to `to` inclusive, by day then sign-in time.
    async fn between(
        &self,
        tenant: &RegionCode,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Result<Vec<crate::hall::Attendance>>;
}

/// What an official calendar import changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CalendarImportStats {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Official days of the imported years that the new file no longer lists.
    pub removed: u64,
    /// Years newly marked as official.
    pub new_years: u64,
}

impl CalendarImportStats {
    pub fn changed(&self) -> bool {
        self.inserted + self.updated + self.removed + self.new_years > 0
    }
}

/// The working-day calendar: official reference data shared by every root tenant, and each
/// tenant's own entries (a root tenant's edits, a descendant's local overrides).
#[async_trait]
pub trait CalendarRepo: Send + Sync {
    /// A counter that every calendar write increases: caches compare it to notice changes made by
    /// any process.
    async fn generation(&self) -> Result<i64>;
    /// The official days and the years whose official data is loaded.
    async fn official(&self) -> Result<(Vec<CalendarDay>, BTreeSet<i32>)>;
    /// The years whose official data is loaded.
    async fn official_years(&self) -> Result<BTreeSet<i32>>;
    /// The own entries of `tenants`, read within `scope` (the subtree of their root).
    async fn entries(&self, scope: &Scope, tenants: &[RegionCode]) -> Result<HashMap<RegionCode, Vec<CalendarDay>>>;
    /// Sets (inserts or replaces) one entry of `tenant`, audited in the same transaction.
    async fn set_day(&self, tenant: &RegionCode, day: &CalendarDay, by: &str, audit: AuditRecord) -> Result<()>;
    /// Replaces the official days of `years` with `days` and marks the years official, in one
    /// transaction; appends `audits` when anything changed.
    async fn import_official(
        &self,
        days: &[CalendarDay],
        years: &BTreeSet<i32>,
        audits: Vec<AuditRecord>,
    ) -> Result<CalendarImportStats>;
    /// Codes of the tenants flagged as roots (each owns a calendar).
    async fn root_tenant_codes(&self) -> Result<Vec<RegionCode>>;
}

/// Filters of a case listing, within the actor's scope.
#[derive(Debug, Clone, Default)]
pub struct CaseQuery {
    pub tenant_prefix: String,
    pub statuses: Vec<crate::case::CaseStatus>,
    /// Cases of these implementation items only; None = any item, an empty list = none.
    pub impl_items: Option<Vec<Uuid>>,
    /// The applicant's name contains it, or their id number is it.
    pub applicant: Option<String>,
    pub received_from: Option<DateTime<Utc>>,
    pub received_to: Option<DateTime<Utc>>,
    /// Accepted at or after this instant (the dashboard's 今日受理).
    pub accepted_from: Option<DateTime<Utc>>,
    /// Concluded at or after this instant (the dashboard's 今日办结).
    pub concluded_from: Option<DateTime<Utc>>,
    /// Running clocks whose stored deadline is on or before this date (yellow and red lists).
    pub deadline_until: Option<chrono::NaiveDate>,
    /// Running clocks whose stored deadline is on or after this date.
    pub deadline_from: Option<chrono::NaiveDate>,
    /// Correction notices whose deadline passed before this date.
    pub correction_due_before: Option<chrono::NaiveDate>,
    /// Cases of the groups' items only, and of those the joint cases only where one of the group's
    /// departments has still to review (an approver's queue); None = no such filter.
    pub awaiting_review: Option<Vec<ReviewGroup>>,
    /// Each case with its events and documents (else `history_loaded` false).
    pub history: bool,
    pub page: PageRequest,
}

/// Items and the departments an approver speaks for on them.
#[derive(Debug, Clone, Default)]
pub struct ReviewGroup {
    pub items: Vec<Uuid>,
    pub departments: Vec<Uuid>,
}

/// What [`CaseRepo::get_for_transition`] reads beside the case.
#[derive(Debug, Clone, Copy, Default)]
pub struct TransitionRead {
    /// The implementation item that decides the case.
    pub item: bool,
    /// The items this user is authorized to decide at the handling tenant.
    pub approver: Option<Uuid>,
}

/// A case read for a transition; `item` and `approver_items` as asked, None where the handling tenant
/// is out of the scope. `write` saves the transition: where the backend can spare the connection,
/// the read's transaction stays open until then, so read and write are one unit of work (dropping
/// `write` unsaved rolls it back).
pub struct ForTransition {
    pub case: crate::case::Case,
    pub item: Option<crate::catalogue::ImplItem>,
    pub approver_items: Option<Vec<Uuid>>,
    pub write: Box<dyn CaseWriter>,
}

/// An implementation item in the scope, whatever its status (the service admits published ones), read
/// for intake; `write` stores the new case, in the read's transaction where the backend can spare the
/// connection (as [`ForTransition`]).
pub struct ForIntake {
    pub item: crate::catalogue::ImplItem,
    pub write: Box<dyn CaseWriter>,
}

/// Saves the step a case was read for.
#[async_trait]
pub trait CaseWriter: Send {
    /// Saves `write` whole in one transaction: the row (inserted, or updated if nobody changed it
    /// meanwhile), its events, the audit entry, the documents (numbered per tenant, year and kind)
    /// and the outbox messages.
    async fn save(self: Box<Self>, write: crate::case::CaseWrite) -> Result<CaseSaved>;
}

/// What [`CaseWriter::save`] did.
#[derive(Debug)]
pub enum CaseSaved {
    /// Stored: the case with the step's events and its documents as numbered.
    Saved(crate::case::Case),
    /// An intake whose idempotency key was used before at the same tenant: nothing was stored; the
    /// earlier case.
    Earlier(crate::case::Case),
    /// Another change won; nothing was written.
    Stale,
}

#[async_trait]
pub trait CaseRepo: Send + Sync {
    /// The implementation item `item_id` in the scope, to submit a case against.
    async fn get_for_intake(&self, scope: &Scope, item_id: Uuid) -> Result<Option<ForIntake>>;
    /// A case in reach; with its events and documents when `history` (else `history_loaded` false).
    async fn get(&self, scope: &Scope, id: Uuid, history: bool) -> Result<Option<crate::case::Case>>;
    /// The case to apply a transition to, without its events and documents (`history_loaded` false),
    /// in one read with what `want` asks for where the handling tenant is in the scope.
    async fn get_for_transition(&self, scope: &Scope, id: Uuid, want: TransitionRead) -> Result<Option<ForTransition>>;
    async fn by_no(&self, scope: &Scope, case_no: &str) -> Result<Option<crate::case::Case>>;
    /// For public tracking: the case and its query code fingerprint, whatever its tenant.
    async fn for_tracking(&self, case_no: &str) -> Result<Option<(crate::case::Case, String)>>;
    async fn list(&self, scope: &Scope, q: &CaseQuery) -> Result<Page<crate::case::Case>>;
    /// An approver's queue at `tenant`: the cases `q` lists, its review groups made by `groups` of the
    /// user's standing there (authorized items, chief posts, department, the tenant's items), read in
    /// the same transaction as the list.
    async fn approval_queue(
        &self,
        tenant: &RegionCode,
        user: Uuid,
        q: CaseQuery,
        groups: for<'a> fn(&'a crate::hall::ApproverStanding) -> Vec<ReviewGroup>,
    ) -> Result<Page<crate::case::Case>>;
    /// An issued document in the scope.
    async fn document(&self, scope: &Scope, id: Uuid) -> Result<Option<crate::case::Document>>;
    /// Cases with a running or paused clock under `tenant_prefix` (every tenant for ""), for
    /// recomputing deadlines after a calendar change: with `provisional_only` those whose stored
    /// deadline is provisional; with `deadline_from` those whose stored deadline is on or after
    /// it, and every paused one.
    async fn open_clocks(
        &self,
        tenant_prefix: &str,
        provisional_only: bool,
        deadline_from: Option<chrono::NaiveDate>,
    ) -> Result<Vec<crate::case::Case>>;
    /// Saves the recomputed deadlines of `tenant`'s cases (deadline, provisional flag, version)
    /// with one event each and `audit`, in one transaction, if every case's stored version is
    /// still `version - 1`; false (nothing written) otherwise.
    async fn save_deadlines(
        &self,
        tenant: &RegionCode,
        changes: &[(crate::case::Case, crate::case::CaseEvent)],
        audit: AuditRecord,
    ) -> Result<bool>;
}

/// A call of the lobby queue, as recorded: who called which number at which window, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRecord {
    pub id: Uuid,
    pub tenant: RegionCode,
    pub day: chrono::NaiveDate,
    pub number: String,
    pub window_id: Uuid,
    pub caller: String,
    pub issued_at: DateTime<Utc>,
    pub called_at: DateTime<Utc>,
}

/// Windows, their items and A/B staff, approver authorizations and the record of queue calls.
/// Reads and writes run within the scope given (or the window's tenant).
#[async_trait]
pub trait HallRepo: Send + Sync {
    /// CONFLICT when the tenant already has a window with that number.
    async fn create_window(&self, w: &crate::hall::Window, audit: AuditRecord) -> Result<()>;
    /// The windows of `tenant`, by number.
    async fn windows(&self, tenant: &RegionCode) -> Result<Vec<crate::hall::Window>>;
    /// The windows of several tenants in `scope`, read together.
    async fn windows_of(&self, scope: &Scope, tenants: &[RegionCode]) -> Result<Vec<crate::hall::Window>> {
        let _ = scope;
        let mut out = Vec::new();
        for t in tenants {
            out.extend(self.windows(t).await?);
        }
        Ok(out)
    }
    async fn window(&self, scope: &Scope, id: Uuid) -> Result<Option<crate::hall::Window>>;
    async fn set_window_staff(
        &self,
        w: &crate::hall::Window,
        post: crate::hall::Post,
        user: Uuid,
        audit: AuditRecord,
    ) -> Result<()>;
    /// Adds `items` to the user's authorized items (those present already stay).
    async fn authorize_approver(
        &self,
        tenant: &RegionCode,
        user: Uuid,
        items: &[Uuid],
        audit: AuditRecord,
    ) -> Result<()>;
    async fn approver_items(&self, tenant: &RegionCode, user: Uuid) -> Result<Vec<Uuid>>;
    async fn appoint_chief(&self, tenant: &RegionCode, user: Uuid, department: Uuid, audit: AuditRecord) -> Result<()>;
    /// The departments the user is chief representative (首席代表) of.
    async fn chief_of(&self, tenant: &RegionCode, user: Uuid) -> Result<Vec<Uuid>>;
    async fn record_call(&self, call: &CallRecord, audit: AuditRecord) -> Result<()>;
    /// Files (or replaces, while unpublished) a department's leader duty for a month. CONFLICT
    /// when that month is published already.
    async fn file_leader_duty(&self, d: &crate::hall::LeaderDuty, audit: AuditRecord) -> Result<()>;
    async fn leader_duties(
        &self,
        tenant: &RegionCode,
        month: chrono::NaiveDate,
    ) -> Result<Vec<crate::hall::LeaderDuty>>;
    /// Publishes the month's schedule; returns how many filings it holds.
    async fn publish_leader_duties(
        &self,
        tenant: &RegionCode,
        month: chrono::NaiveDate,
        audit: AuditRecord,
    ) -> Result<u64>;
    /// Calls of `tenant` on `day`, newest first.
    async fn calls(&self, tenant: &RegionCode, day: chrono::NaiveDate, limit: u64) -> Result<Vec<CallRecord>>;
}

/// Appointment slots and bookings. Booking and cancelling change the slot's count in the same
/// transaction, guarded so that a slot never holds more than its capacity.
#[async_trait]
pub trait AppointmentRepo: Send + Sync {
    async fn create_slot(&self, slot: &crate::hall::Slot, audit: AuditRecord) -> Result<()>;
    async fn slots(&self, tenant: &RegionCode, item: Uuid, day: chrono::NaiveDate) -> Result<Vec<crate::hall::Slot>>;
    async fn slot(&self, tenant: &RegionCode, id: Uuid) -> Result<Option<crate::hall::Slot>>;
    /// False (nothing written) when the slot is full.
    async fn book(&self, a: &crate::hall::Appointment, audit: AuditRecord) -> Result<bool>;
    async fn appointment(&self, tenant: &RegionCode, id: Uuid) -> Result<Option<crate::hall::Appointment>>;
    /// Moves a BOOKED appointment to `to` (freeing its place when cancelled); false when it was
    /// not BOOKED any more.
    async fn finish(
        &self,
        a: &crate::hall::Appointment,
        to: crate::hall::AppointmentStatus,
        ticket: Option<&str>,
        audit: AuditRecord,
    ) -> Result<bool>;
}

/// Renders documents (文书) to PDF. CPU work: call it off the async executor.
pub trait DocumentPrinter: Send + Sync {
    /// False when no CJK font is installed: then only the printable page exists. The first call
    /// may block while fonts are discovered.
    fn available(&self) -> bool;
    /// The document as a PDF; INTERNAL when unavailable or the layout fails. `qr_svg`, an SVG image
    /// (the case's tracking page as a QR code, 扫码查询), is printed at the foot of the last page.
    fn pdf(&self, doc: &crate::case::Document, qr_svg: Option<&str>) -> Result<Vec<u8>>;
}

/// Filters of a transfer listing, within the actor's scope.
#[derive(Debug, Clone)]
pub struct TransferQuery {
    pub direction: crate::transfer::Direction,
    /// Region-code prefix of the listing side's tenants.
    pub tenant_prefix: String,
    pub statuses: Vec<crate::transfer::TransferStatus>,
    /// Sent before this instant (unsigned transfers turning yellow or red).
    pub sent_before: Option<DateTime<Utc>>,
    /// Sent at or after this instant.
    pub sent_from: Option<DateTime<Utc>>,
    pub page: PageRequest,
}

/// Transfers (跨域通办). They are written with their case's steps ([`crate::case::CaseWrite`]);
/// reads see those whose sending or receiving tenant is in the scope.
#[async_trait]
pub trait TransferRepo: Send + Sync {
    async fn transfer(&self, scope: &Scope, id: Uuid) -> Result<Option<crate::transfer::Transfer>>;
    /// The transfer sent by `from` with idempotency key `key`.
    async fn by_key(&self, scope: &Scope, from: &RegionCode, key: &str) -> Result<Option<crate::transfer::Transfer>>;
    /// The transfers of a case, oldest first.
    async fn of_case(&self, scope: &Scope, case_id: Uuid) -> Result<Vec<crate::transfer::Transfer>>;
    async fn list(&self, scope: &Scope, q: &TransferQuery) -> Result<Page<crate::transfer::Transfer>>;
}

/// The partner registry and the outbox (跨省通办), whole-deployment data.
#[async_trait]
pub trait PartnerRepo: Send + Sync {
    /// Every registered partner, by name.
    async fn partners(&self) -> Result<Vec<crate::partner::Partner>>;
    /// Inserts or updates (by id) a partner, sealing `secret` when given (else the stored one stays),
    /// with its audit entry in the same transaction. CONFLICT when the name is taken.
    async fn save_partner(
        &self,
        partner: &crate::partner::Partner,
        secret: Option<&str>,
        audit: AuditRecord,
    ) -> Result<()>;
    /// Removes a partner, audited; false when there was none.
    async fn remove_partner(&self, id: Uuid, audit: AuditRecord) -> Result<bool>;
    /// Depth, oldest pending message and up to `parked_limit` parked messages.
    async fn outbox_health(&self, parked_limit: u64) -> Result<crate::partner::OutboxHealth>;
    /// Puts a parked message back in line (attempts reset), audited; false when it is not parked.
    async fn retry_outbox(&self, id: Uuid, audit: AuditRecord) -> Result<bool>;
}
