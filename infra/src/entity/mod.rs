//! sea-orm entities, one module per table.

pub mod attendance;
pub mod audit_lane;
pub mod audit_log;
pub mod case;
pub mod case_event;
pub mod document;
pub mod outbox;
pub mod partner;
pub mod refresh_token;
pub mod service_account;
pub mod tenant;
pub mod transfer;
pub mod user;
