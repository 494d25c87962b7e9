//! The clap types of the history commands: `snapshot`, `runs`, `status`, `diff`, `export`,
//! `prune`, and `demo --snapshot`.

use std::path::PathBuf;

use clap::{ArgGroup, Args, ValueEnum};
use msp_orchestrator::msp_store::RunId;

/// `--db`: where the store is.
#[derive(Debug, Clone, Args)]
pub(crate) struct DbArg {
    /// The inventory store: a SQLite file, or a team's PostgreSQL database as
    /// postgres://USER:PASSWORD@HOST:PORT/DBNAME (TLS, verified, to a network host:
    /// ?sslrootcert=CA.pem) [env: MSP_DB] [config: db] [default: $XDG_DATA_HOME/glp-msp/inventory.sqlite].
    #[arg(long, value_name = "PATH|URL")]
    pub(crate) db: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct SnapshotArgs {
    /// Resources, as for collect (glp/devices and glp/subscriptions too) [default:
    /// device-inventory devices].
    #[arg(value_name = "RESOURCE")]
    pub(crate) resources: Vec<String>,
    /// Continue run RUN (default: the newest run that did not complete): only the tenants and
    /// resources it lacks run, and are added to it.
    #[arg(long, value_name = "RUN", num_args = 0..=1, default_missing_value = "latest")]
    pub(crate) resume: Option<String>,
    /// List the tenants that would run and estimate the requests and minutes, from the tenant
    /// listing alone: no tenant contacted, nothing written to the store.
    #[arg(long, conflicts_with = "resume")]
    pub(crate) dry_run: bool,
    #[command(flatten)]
    pub(crate) db: DbArg,
}

/// Formats of `runs` and `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum TableFormat {
    /// Aligned columns.
    Table,
    /// Comma-separated values.
    Csv,
    /// One JSON array.
    Json,
}

#[derive(Debug, Args)]
pub(crate) struct RunsArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = TableFormat::Table)]
    pub(crate) format: TableFormat,
    #[command(flatten)]
    pub(crate) db: DbArg,
}

/// `--tenant` and `--resource` of `status` and `diff`: what they look at.
#[derive(Debug, Args)]
pub(crate) struct Only {
    /// Only this tenant (id or name).
    #[arg(long, value_name = "TENANT")]
    pub(crate) tenant: Option<String>,
    /// Only this resource.
    #[arg(long, value_name = "RESOURCE")]
    pub(crate) resource: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct StatusArgs {
    #[command(flatten)]
    pub(crate) only: Only,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TableFormat::Table)]
    pub(crate) format: TableFormat,
    #[command(flatten)]
    pub(crate) db: DbArg,
}

/// Formats of `diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum DiffFormat {
    /// One line per change.
    Table,
    /// One JSON object per change.
    Jsonl,
}

#[derive(Debug, Args)]
pub(crate) struct DiffArgs {
    /// The first run [default: the second newest complete run].
    #[arg(value_name = "RUN_A")]
    pub(crate) run_a: Option<RunId>,
    /// The second run [default: the newest complete run].
    #[arg(value_name = "RUN_B")]
    pub(crate) run_b: Option<RunId>,
    /// Compare every field, not only status, firmware, site, name and IP.
    #[arg(long)]
    pub(crate) all_fields: bool,
    #[command(flatten)]
    pub(crate) only: Only,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Table)]
    pub(crate) format: DiffFormat,
    #[command(flatten)]
    pub(crate) db: DbArg,
}

/// `export --run`: a run's number, or `latest`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RunArg {
    /// The newest complete run.
    Latest,
    /// This run.
    Id(RunId),
}

impl std::str::FromStr for RunArg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("latest") {
            return Ok(Self::Latest);
        }
        s.parse::<RunId>().map(Self::Id).map_err(|_| {
            format!("`{s}` is no run: give a run's number (`runs` lists them) or latest")
        })
    }
}

#[derive(Debug, Args)]
pub(crate) struct ExportArgs {
    /// The run: its number, or `latest` (the newest complete run).
    #[arg(long, value_name = "N|latest", default_value = "latest")]
    pub(crate) run: RunArg,
    /// Only this resource.
    #[arg(long, value_name = "RESOURCE")]
    pub(crate) resource: Option<String>,
    #[command(flatten)]
    pub(crate) out: super::RecordOutput,
    #[command(flatten)]
    pub(crate) db: DbArg,
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("which").required(true).args(["keep", "older_than"])))]
pub(crate) struct PruneArgs {
    /// Keep the newest N runs (a run still running is always kept).
    #[arg(long, value_name = "N")]
    pub(crate) keep: Option<u32>,
    /// Delete the runs that started more than DAYS days ago.
    #[arg(long, value_name = "DAYS")]
    pub(crate) older_than: Option<u32>,
    /// Say which runs would be deleted, and delete nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,
    /// Delete every run without asking (`--keep 0`, or `--older-than` that covers them all);
    /// without it, that is asked on a terminal and refused elsewhere.
    #[arg(long)]
    pub(crate) yes: bool,
    #[command(flatten)]
    pub(crate) db: DbArg,
}

/// `demo --snapshot`: the demo collects into a store instead of a file.
#[derive(Debug, Clone, Args)]
pub(crate) struct DemoHistoryArgs {
    /// Snapshot into the store (--db, default demo-inventory.sqlite) instead of writing a file.
    #[arg(long)]
    pub(crate) snapshot: bool,
    /// The simulated population's generation: each one moves some devices offline or back,
    /// replaces a few, adds some and upgrades firmware, so two snapshots differ.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub(crate) generation: u32,
    /// The store of `demo --snapshot` [default: demo-inventory.sqlite].
    #[arg(long = "db", value_name = "PATH")]
    pub(crate) db: Option<PathBuf>,
}
