//! Black-box tests over HTTP (and the CLI as a process). One binary, one module per area.

mod audit;
mod calendar;
mod case;
mod case_kinds;
mod catalogue;
mod cli;
mod console_confirm;
mod console_dashboard;
mod console_kiosk;
mod console_lists;
mod console_steps;
mod console_track;
mod deadlines;
mod document;
mod hall;
mod health;
mod identity;
mod input;
mod isolation;
mod limits;
mod plans;
mod queue;
mod rejections;
mod supervision;
mod transfers;
mod wall;
