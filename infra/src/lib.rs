//! Adapters behind the domain's ports: sea-orm repositories (PostgreSQL and SQLite), Redis,
//! password hashing, JWT keys.

mod bus;
pub mod cache;
pub mod case_cache;
pub mod clock;
pub mod db;
pub mod entity;
pub mod ephemeral;
pub mod jwt;
pub mod outbox;
pub mod partner;
pub mod password;
pub mod pdf;
pub mod queue;
mod repo;
pub mod secrets;
mod sql;

pub use db::Db;
pub use repo::case_stats::{check as check_stats_summary, rebuild as rebuild_stats_summary};
pub use repo::{case_list_plans, case_list_statements};
