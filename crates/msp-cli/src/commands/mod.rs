//! One module per command; each calls the `msp-orchestrator` library.

pub(crate) mod apply;
pub(crate) mod apply_devices;
pub(crate) mod apply_drift;
pub(crate) mod apply_input;
pub(crate) mod apply_rules;
pub(crate) mod apply_subscriptions;
pub(crate) mod changes;
pub(crate) mod collect;
pub(crate) mod config_show;
pub(crate) mod demo;
pub(crate) mod diff;
pub(crate) mod dry_run;
pub(crate) mod export;
pub(crate) mod generate;
pub(crate) mod licenses;
pub(crate) mod mcp;
pub(crate) mod overview;
pub(crate) mod prune;
pub(crate) mod runs;
pub(crate) mod serve;
pub(crate) mod snapshot;
pub(crate) mod status;
pub(crate) mod store;
pub(crate) mod tenants;
