//! The end-to-end fault suite: the real `platform-sim` and `msp-orchestrator` binaries as
//! separate processes, one simulator (own port) per scenario, every run bounded in time, every
//! collected file checked against the simulator's truth.
//!
//! Run with `cargo xtask integration` (which builds both binaries first); `cargo xtask test`
//! and CI run it too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

mod alerts;
mod apply;
mod apply_devices;
mod apply_onboarding;
mod apply_rules;
mod apply_subscriptions;
mod apply_unassign;
mod audit;
mod confused;
mod credentials;
mod dashboard;
mod faults;
mod greenlake;
mod happy;
mod history;
mod hostile;
mod interrupt;
mod leaks;
mod licenses;
mod locations;
mod mcp;
mod postgres;
mod print_env;
mod rate_limits;
mod rerun;
mod serve;
mod serve_notify;
mod tokens;
mod vendor_sdk;
