//! The console's own pages, one file each: login and session, dashboard, tenants, calendar.

pub(crate) mod calendar;
pub(crate) mod dashboard;
pub(crate) mod session;
pub(crate) mod tenants;
