//! Use-case services. Each method takes the actor, asks the policy, applies the rules and
//! writes through the ports in one unit of work.

mod audit;
mod calendar;
mod case;
mod catalogue;
mod deadlines;
mod hall;
mod identity;
mod tenants;
mod warnings;

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::audit::truncate_micros;
use crate::error::{Error, Result};
use crate::ports::{
    AttendanceRepo, AuditRepo, Cache, CalendarRepo, CaseRepo, CatalogueRepo, Clock, Ephemeral, HallRepo,
    PasswordHasher, Secrets, SessionRepo, TenantRepo, TokenSigner, UserRepo,
};
use crate::region::RegionCode;
use crate::tenant::Tenant;

pub use calendar::{
    CalendarCache, CalendarImportReport, MAX_WORKING_DAYS, MAX_YEAR, MIN_YEAR, calendar_edit_action, calendar_layers,
    calendar_warning_for,
};
pub use case::{CaseFilter, CaseReceipt, SubmitCase};
pub use catalogue::{CatalogueImportReport, Delegation, DelegationReport, GUIDE_TTL, guide_key};
pub use deadlines::stored_deadline;
pub use hall::{Booking, CalledTicket, IssuedTicket, NewWindow, WindowView};
pub use identity::{LoginRequest, NewServiceAccount, NewUser};
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
}

#[derive(Clone)]
pub struct Services {
    pub ports: Ports,
    pub settings: Settings,
    /// Built working calendars, shared by the clones of these services.
    calendars: CalendarCache,
}

impl Services {
    pub fn new(ports: Ports, settings: Settings) -> Self {
        Services { ports, settings, calendars: CalendarCache::default() }
    }

    fn now(&self) -> DateTime<Utc> {
        truncate_micros(self.ports.clock.now())
    }

    /// A tenant by code, or INVALID_INPUT naming the unknown code.
    pub(crate) async fn known_tenant(&self, code: &RegionCode) -> Result<Tenant> {
        self.ports.tenants.get(code).await?.ok_or_else(|| Error::invalid(format!("区划代码 {code} 不存在")))
    }
}
