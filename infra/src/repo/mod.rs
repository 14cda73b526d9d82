//! Repositories: `Db` implements the domain's ports, one module per resource.

mod appointment;
mod attendance;
mod audit;
mod calendar;
mod case;
mod case_deadline;
mod catalogue;
mod hall;
mod session;
mod tenant;
mod user;

use domain::Error;
use domain::region::RegionCode;
use uuid::Uuid;

pub(crate) fn parse_code(s: &str) -> Result<RegionCode, Error> {
    RegionCode::parse(s).map_err(|_| Error::internal(format!("stored region code {s} is invalid")))
}

pub(crate) fn parse_id(s: &str) -> Result<Uuid, Error> {
    Uuid::parse_str(s).map_err(|_| Error::internal(format!("stored id {s} is invalid")))
}
