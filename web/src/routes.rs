//! The console's paths, shared by the pages that link to each other.

pub(crate) const HOME: &str = "/console";
pub(crate) const LOGIN_URL: &str = "/console/login";
pub(crate) const TENANTS: &str = "/console/tenants";
pub(crate) const CALENDAR: &str = "/console/calendar";
pub(crate) const CASES: &str = "/console/cases";
pub(crate) const ITEMS: &str = "/console/items";
pub(crate) const CATALOGUE: &str = "/console/catalogue";
pub(crate) const HALL: &str = "/console/hall";
pub(crate) const SUPERVISION: &str = "/console/supervision";
pub(crate) const USERS: &str = "/console/users";
pub(crate) const ACCOUNTS: &str = "/console/accounts";
pub(crate) const AUDIT: &str = "/console/audit";
