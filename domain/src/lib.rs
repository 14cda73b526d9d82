//! Tongban's domain: the rules of government service centers, free of IO and frameworks.

pub mod audit;
pub mod calendar;
pub mod case;
pub mod catalogue;
pub mod catalogue_file;
pub mod china_time;
pub mod error;
pub mod hall;
pub mod identity;
pub mod mask;
pub mod page;
pub mod partner;
pub mod policy;
pub mod ports;
pub mod queue;
pub mod region;
pub mod service;
pub mod session;
pub mod supervision;
pub mod tenant;
pub mod text;
pub mod transfer;

pub use error::{Error, Result};
