//! Use-case services. Each method takes the actor, asks the policy, applies the rules and
//! writes through the ports in one unit of work.

mod audit;
mod calendar;
mod case;
mod case_counts;
mod case_steps;
mod catalogue;
mod deadlines;
mod hall;
mod identity;
mod kiosk;
mod partners;
mod supervision;
mod supervision_report;
mod tenants;
mod transfers;
mod warnings;

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::audit::truncate_micros;
use crate::error::{Error, Result};
use crate::ports::{
    AppointmentRepo, AttendanceRepo, AuditRepo, Cache, CalendarRepo, CaseRepo, CatalogueRepo, Clock, Ephemeral,
    HallRepo, PartnerRepo, PasswordHasher, Secrets, SessionRepo, TenantRepo, TokenSigner, TransferRepo, UserRepo,
};
use crate::queue::QueueStore;
use crate::region::RegionCode;
use crate::tenant::Tenant;

pub use calendar::{
    CalendarCache, CalendarImportReport, MAX_WORKING_DAYS, MAX_YEAR, MIN_YEAR, calendar_edit_action, calendar_layers,
    calendar_warning_for,
};
pub use case::{CaseFilter, CaseReceipt, SubmitCase};
pub use case_counts::{CaseCounts, Count};
pub use catalogue::{CatalogueImportReport, Delegation, DelegationReport, GUIDE_TTL, guide_key};
pub use deadlines::stored_deadline;
pub use hall::{Booking, CalledTicket, IssuedTicket, NewWindow, WindowView};
pub use identity::{LoginRequest, NewServiceAccount, NewUser, UserChange};
pub use kiosk::KioskItem;
pub use supervision::MAX_STATS_DAYS;
pub use supervision_report::{Cell, MonthlyReport, Table, parse_month, report_csv};
pub use transfers::{RemoteTransfer, StatusReport, TransferReading};
pub use warnings::{WarningThreshold, YELLOW_DAYS};

/// Tunables that the deployment configures.
#[derive(Debug, Clone)]
pub struct Settings {
    pub access_ttl: chrono::Duration,
    pub refresh_ttl: chrono::Duration,
    /// Failed logins per user name within `login_window` before RATE_LIMITED.
    pub login_failures_per_user: u32,
    /// Login attempts per client address within `login_window`.
    pub login_attempts_per_client: u32,
    pub login_window: std::time::Duration,
    /// Calendar days an applicant has to supply missing materials before the case expires.
    pub correction_days: i64,
    /// Working days before the deadline that a case turns yellow, unless the root tenant set its own.
    pub case_yellow_days: i64,
    /// How long a published service guide stays cached; zero turns the cache off.
    pub guide_cache_ttl: std::time::Duration,
    /// Anonymous public writes (取号, 预约, 取消预约, 签到) per client address within `public_window`.
    pub public_writes_per_client: u32,
    pub public_window: std::time::Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            access_ttl: chrono::Duration::minutes(15),
            refresh_ttl: chrono::Duration::days(7),
            login_failures_per_user: 5,
            login_attempts_per_client: 30,
            login_window: std::time::Duration::from_secs(300),
            correction_days: 30,
            case_yellow_days: 1,
            guide_cache_ttl: GUIDE_TTL,
            public_writes_per_client: 120,
            public_window: std::time::Duration::from_secs(600),
        }
    }
}

/// The ports the services use.
#[derive(Clone)]
pub struct Ports {
    pub tenants: Arc<dyn TenantRepo>,
    pub users: Arc<dyn UserRepo>,
    pub sessions: Arc<dyn SessionRepo>,
    pub audit: Arc<dyn AuditRepo>,
    pub attendance: Arc<dyn AttendanceRepo>,
    pub cases: Arc<dyn CaseRepo>,
    pub hall: Arc<dyn HallRepo>,
    pub appointments: Arc<dyn crate::ports::AppointmentRepo>,
    /// The lobby queue: Redis when configured, else process memory.
    pub queue: Arc<dyn crate::queue::QueueStore>,
    pub calendar: Arc<dyn CalendarRepo>,
    pub passwords: Arc<dyn PasswordHasher>,
    pub secrets: Arc<dyn Secrets>,
    pub tokens: Arc<dyn TokenSigner>,
    pub ephemeral: Arc<dyn Ephemeral>,
    pub catalogue: Arc<dyn CatalogueRepo>,
    pub cache: Arc<dyn Cache>,
    pub clock: Arc<dyn Clock>,
    pub transfers: Arc<dyn TransferRepo>,
    /// Partner deployments and the outbox (跨省通办).
    pub partners: Arc<dyn PartnerRepo>,
    pub supervision: Arc<dyn crate::supervision::SupervisionRepo>,
}

/// The use-case services, one per resource. Cheap to clone: each holds `Arc`s.
#[derive(Clone)]
pub struct Services {
    pub tenants: TenantService,
    pub identity: IdentityService,
    pub catalogue: CatalogueService,
    pub calendar: CalendarService,
    pub hall: HallService,
    pub cases: CaseService,
    pub audit: AuditService,
    pub transfers: TransferService,
    pub supervision: SupervisionService,
    pub partners: PartnerService,
}

impl Services {
    /// Hands each service the ports it uses.
    pub fn new(ports: Ports, settings: Settings) -> Self {
        let p = ports;
        let tenants = TenantService { ports: TenantPorts { tenants: p.tenants.clone(), clock: p.clock.clone() } };
        let audit = AuditService { ports: AuditPorts { audit: p.audit.clone() }, tenants: tenants.clone() };
        let calendar = CalendarService {
            ports: CalendarPorts {
                calendar: p.calendar.clone(),
                tenants: p.tenants.clone(),
                cases: p.cases.clone(),
                clock: p.clock.clone(),
            },
            calendars: CalendarCache::default(),
            tenants: tenants.clone(),
        };
        let identity = IdentityService {
            ports: IdentityPorts {
                users: p.users.clone(),
                sessions: p.sessions.clone(),
                audit: p.audit.clone(),
                ephemeral: p.ephemeral.clone(),
                passwords: p.passwords.clone(),
                secrets: p.secrets.clone(),
                tokens: p.tokens.clone(),
                catalogue: p.catalogue.clone(),
                clock: p.clock.clone(),
            },
            settings: settings.clone(),
            tenants: tenants.clone(),
        };
        let catalogue = CatalogueService {
            ports: CataloguePorts {
                catalogue: p.catalogue.clone(),
                cache: p.cache.clone(),
                tenants: p.tenants.clone(),
                clock: p.clock.clone(),
            },
            settings: settings.clone(),
            tenants: tenants.clone(),
        };
        let hall = HallService {
            ports: HallPorts {
                appointments: p.appointments.clone(),
                attendance: p.attendance.clone(),
                audit: p.audit.clone(),
                catalogue: p.catalogue.clone(),
                hall: p.hall.clone(),
                queue: p.queue.clone(),
                secrets: p.secrets.clone(),
                tenants: p.tenants.clone(),
                users: p.users.clone(),
                clock: p.clock.clone(),
                ephemeral: p.ephemeral.clone(),
            },
            settings: settings.clone(),
            tenants: tenants.clone(),
            calendar: calendar.clone(),
            identity: identity.clone(),
            catalogue: catalogue.clone(),
        };
        let cases = CaseService {
            ports: CasePorts {
                cases: p.cases.clone(),
                catalogue: p.catalogue.clone(),
                hall: p.hall.clone(),
                secrets: p.secrets.clone(),
                users: p.users.clone(),
                cache: p.cache.clone(),
                ephemeral: p.ephemeral.clone(),
                tenants: p.tenants.clone(),
                clock: p.clock.clone(),
                transfers: p.transfers.clone(),
            },
            settings: settings.clone(),
            tenants: tenants.clone(),
            calendar: calendar.clone(),
            hall: hall.clone(),
            catalogue: catalogue.clone(),
        };
        let transfers = TransferService {
            ports: TransferPorts { transfers: p.transfers.clone(), partners: p.partners.clone() },
            cases: cases.clone(),
        };
        let partners = PartnerService {
            ports: PartnerPorts { partners: p.partners.clone(), clock: p.clock.clone() },
            tenants: tenants.clone(),
        };
        let supervision = SupervisionService {
            ports: SupervisionPorts {
                supervision: p.supervision.clone(),
                catalogue: p.catalogue.clone(),
                hall: p.hall.clone(),
                ephemeral: p.ephemeral.clone(),
                clock: p.clock.clone(),
            },
            settings,
            tenants: tenants.clone(),
            calendar: calendar.clone(),
            cases: cases.clone(),
        };
        Services { tenants, identity, catalogue, calendar, hall, cases, audit, transfers, supervision, partners }
    }
}

/// Tenants and regions.
#[derive(Clone)]
pub struct TenantService {
    ports: TenantPorts,
}

#[derive(Clone)]
struct TenantPorts {
    tenants: Arc<dyn TenantRepo>,
    clock: Arc<dyn Clock>,
}

/// The audit trail.
#[derive(Clone)]
pub struct AuditService {
    ports: AuditPorts,
    tenants: TenantService,
}

#[derive(Clone)]
struct AuditPorts {
    audit: Arc<dyn AuditRepo>,
}

/// Working calendars and the deadlines that follow them.
#[derive(Clone)]
pub struct CalendarService {
    ports: CalendarPorts,
    /// Built working calendars, shared by the clones of this service.
    calendars: CalendarCache,
    tenants: TenantService,
}

#[derive(Clone)]
struct CalendarPorts {
    calendar: Arc<dyn CalendarRepo>,
    tenants: Arc<dyn TenantRepo>,
    cases: Arc<dyn CaseRepo>,
    clock: Arc<dyn Clock>,
}

/// Users, sessions, tokens and service accounts.
#[derive(Clone)]
pub struct IdentityService {
    ports: IdentityPorts,
    settings: Settings,
    tenants: TenantService,
}

#[derive(Clone)]
struct IdentityPorts {
    users: Arc<dyn UserRepo>,
    sessions: Arc<dyn SessionRepo>,
    audit: Arc<dyn AuditRepo>,
    ephemeral: Arc<dyn Ephemeral>,
    passwords: Arc<dyn PasswordHasher>,
    secrets: Arc<dyn Secrets>,
    tokens: Arc<dyn TokenSigner>,
    catalogue: Arc<dyn CatalogueRepo>,
    clock: Arc<dyn Clock>,
}

/// Departments, base and implementation items, service guides.
#[derive(Clone)]
pub struct CatalogueService {
    ports: CataloguePorts,
    settings: Settings,
    tenants: TenantService,
}

#[derive(Clone)]
struct CataloguePorts {
    catalogue: Arc<dyn CatalogueRepo>,
    cache: Arc<dyn Cache>,
    tenants: Arc<dyn TenantRepo>,
    clock: Arc<dyn Clock>,
}

/// The hall: windows, attendance, the queue, appointments, approvers and leader duty.
#[derive(Clone)]
pub struct HallService {
    ports: HallPorts,
    settings: Settings,
    tenants: TenantService,
    calendar: CalendarService,
    identity: IdentityService,
    catalogue: CatalogueService,
}

#[derive(Clone)]
struct HallPorts {
    appointments: Arc<dyn AppointmentRepo>,
    attendance: Arc<dyn AttendanceRepo>,
    /// Queue steps other than calls (重呼, 过号, 转窗) write their audit entry alone.
    audit: Arc<dyn AuditRepo>,
    catalogue: Arc<dyn CatalogueRepo>,
    hall: Arc<dyn HallRepo>,
    queue: Arc<dyn QueueStore>,
    secrets: Arc<dyn Secrets>,
    tenants: Arc<dyn TenantRepo>,
    users: Arc<dyn UserRepo>,
    clock: Arc<dyn Clock>,
    /// Rate limits of public writes (kiosk.rs).
    ephemeral: Arc<dyn Ephemeral>,
}

/// Cases, their clocks and warning thresholds.
#[derive(Clone)]
pub struct CaseService {
    ports: CasePorts,
    settings: Settings,
    tenants: TenantService,
    calendar: CalendarService,
    hall: HallService,
    catalogue: CatalogueService,
}

#[derive(Clone)]
struct CasePorts {
    cases: Arc<dyn CaseRepo>,
    catalogue: Arc<dyn CatalogueRepo>,
    hall: Arc<dyn HallRepo>,
    secrets: Arc<dyn Secrets>,
    users: Arc<dyn UserRepo>,
    cache: Arc<dyn Cache>,
    ephemeral: Arc<dyn Ephemeral>,
    tenants: Arc<dyn TenantRepo>,
    clock: Arc<dyn Clock>,
    transfers: Arc<dyn TransferRepo>,
}

/// Cross-area transfers (跨域通办).
#[derive(Clone)]
pub struct TransferService {
    ports: TransferPorts,
    cases: CaseService,
}

/// Ratings and rectifications, complaints, statistics.
#[derive(Clone)]
pub struct SupervisionService {
    ports: SupervisionPorts,
    settings: Settings,
    tenants: TenantService,
    calendar: CalendarService,
    cases: CaseService,
}

#[derive(Clone)]
struct TransferPorts {
    transfers: Arc<dyn TransferRepo>,
    partners: Arc<dyn PartnerRepo>,
}

/// The partner registry and the outbox's health (platform administrators).
#[derive(Clone)]
pub struct PartnerService {
    ports: PartnerPorts,
    tenants: TenantService,
}

#[derive(Clone)]
struct PartnerPorts {
    partners: Arc<dyn PartnerRepo>,
    clock: Arc<dyn Clock>,
}

#[derive(Clone)]
struct SupervisionPorts {
    supervision: Arc<dyn crate::supervision::SupervisionRepo>,
    catalogue: Arc<dyn CatalogueRepo>,
    hall: Arc<dyn HallRepo>,
    ephemeral: Arc<dyn Ephemeral>,
    clock: Arc<dyn Clock>,
}

/// The services' clock, to the microsecond the stores keep.
macro_rules! clocked {
    ($($t:ty),*) => {$(
        impl $t {
            fn now(&self) -> DateTime<Utc> {
                truncate_micros(self.ports.clock.now())
            }
        }
    )*};
}

clocked!(
    TenantService,
    CalendarService,
    IdentityService,
    CatalogueService,
    HallService,
    CaseService,
    SupervisionService
);

impl TenantService {
    /// A tenant by code, or INVALID_INPUT naming the unknown code.
    pub(crate) async fn known_tenant(&self, code: &RegionCode) -> Result<Tenant> {
        self.ports.tenants.get(code).await?.ok_or_else(|| Error::invalid(format!("区划代码 {code} 不存在")))
    }
}
