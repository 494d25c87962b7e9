//! The clap types of `plan`, `apply` and `changes`.

use std::path::PathBuf;

use clap::Args;

use super::history::{DbArg, TableFormat};

/// `plan`.
#[derive(Debug, Args)]
pub(crate) struct PlanArgs {
    /// The manifest of desired state (TOML: [[tenants]] with workspaceName and the fields to
    /// set, [[delete_tenants]] with workspaceName and/or id, [[notification_rules]],
    /// [[delete_notification_rules]] with tenants and name, [[device_assignments]]).
    #[arg(value_name = "MANIFEST")]
    pub(crate) manifest: PathBuf,
    /// Also write the plan, with the fingerprint of the state it read, as JSON to FILE (for
    /// `apply FILE`); replaced if it exists.
    #[arg(long, value_name = "FILE")]
    pub(crate) out: Option<PathBuf>,
    /// Let [[delete_tenants]] and [[delete_notification_rules]] entries delete and
    /// [[device_unassignments]] unlicense and unassign (without it they are shown held back).
    #[arg(long)]
    pub(crate) allow_delete: bool,
}

/// `apply`.
#[derive(Debug, Args)]
pub(crate) struct ApplyArgs {
    /// A manifest (TOML), planned now, or a plan written by `plan --out` (.json), applied only
    /// if the state it was computed from has not changed.
    #[arg(value_name = "MANIFEST|PLAN")]
    pub(crate) input: PathBuf,
    /// Apply without asking (required when stdin or stderr is not a terminal).
    #[arg(long, short)]
    pub(crate) yes: bool,
    /// Let [[delete_tenants]] and [[delete_notification_rules]] entries delete and
    /// [[device_unassignments]] unlicense and unassign (a plan file keeps the choice it was
    /// made with).
    #[arg(long)]
    pub(crate) allow_delete: bool,
    /// Writes in flight at once (1 to 16).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=16))]
    pub(crate) writes: u16,
    /// Where the record of the apply goes [env: MSP_DB] [config: db] [default: the inventory
    /// store].
    #[command(flatten)]
    pub(crate) db: DbArg,
}

/// `changes`.
#[derive(Debug, Args)]
pub(crate) struct ChangesArgs {
    /// List the apply runs (who, when, fingerprints, status) instead of their changes.
    #[arg(long, conflicts_with_all = ["run", "tenant", "all"])]
    pub(crate) runs: bool,
    /// Only the changes of apply run RUN.
    #[arg(long, value_name = "RUN")]
    pub(crate) run: Option<i64>,
    /// Only the changes of the tenant named exactly NAME.
    #[arg(long, value_name = "NAME")]
    pub(crate) tenant: Option<String>,
    /// Also the actions that wrote nothing (nothing to do, cannot, skipped).
    #[arg(long)]
    pub(crate) all: bool,
    /// Output format (json includes each change's before and after).
    #[arg(long, value_enum, default_value_t = TableFormat::Table)]
    pub(crate) format: TableFormat,
    #[command(flatten)]
    pub(crate) db: DbArg,
}
