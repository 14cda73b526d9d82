//! The `tongban` binary's library: CLI, configuration, HTTP server and GraphQL API.

pub mod cli;
pub mod config;
pub mod graphql;
pub mod health;
pub mod seed;
pub mod startup;
