//! Command-line arguments: the clap types of every command.

pub(crate) mod apply;
pub(crate) mod history;
pub(crate) mod licenses;
pub(crate) mod mcp;
pub(crate) mod serve;

use std::path::PathBuf;

use clap::builder::TypedValueParser as _;
use clap::{Args, Parser, Subcommand, ValueEnum};
use msp_orchestrator::Format;

/// The version and the commit it was built from (`0.1.0 (c029ae7b1)`).
pub(crate) const VERSION: &str =
    concat!(env!("CARGO_PKG_VERSION"), " (", env!("GLP_MSP_COMMIT"), ")");

/// Run work across every tenant an HPE GreenLake MSP workspace manages.
///
/// Credentials come from the environment (GLP_CLIENT_ID, GLP_CLIENT_SECRET, GLP_WORKSPACE_ID,
/// GLP_BASE_URL, CENTRAL_BASE_URL or CENTRAL_CLUSTER) or a TOML file (--config); flags win over
/// both. The client secret is never a flag: use the environment, the file, or
/// --client-secret-file.
#[derive(Debug, Parser)]
#[command(name = "msp-orchestrator", version = VERSION, max_term_width = 100)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
    #[command(flatten)]
    pub(crate) global: GlobalArgs,
}

impl Cli {
    /// Parses `args` (the program name first) and records which settings came from the
    /// environment rather than the command line.
    pub(crate) fn parse_recording<I, T>(args: I) -> Result<Cli, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        use clap::{CommandFactory as _, FromArgMatches as _};
        let args: Vec<std::ffi::OsString> = args.into_iter().map(Into::into).collect();
        let matches = Cli::command()
            .try_get_matches_from(&args)
            .map_err(|e| usage_without_env(e, &args))?;
        let mut cli = Cli::from_arg_matches(&matches)?;
        cli.global.from_env = matches
            .ids()
            .filter(|id| {
                matches.value_source(id.as_str()) == Some(clap::parser::ValueSource::EnvVariable)
            })
            .map(|id| id.as_str().to_owned())
            .collect();
        Ok(cli)
    }
}

/// clap's usage line in a missing-argument or conflict error names every argument that has a
/// value, those set by the environment included: a configured user who forgets a manifest read
/// `plan --client-id <ID> --workspace-id <UUID> ... <MANIFEST>`, as if those were needed. The
/// same words parsed with no environment give the same error (the same arguments named) with
/// the plain usage line; any other error is kept as it is.
fn usage_without_env(e: clap::Error, args: &[std::ffi::OsString]) -> clap::Error {
    use clap::CommandFactory as _;
    use clap::error::{ContextKind, ErrorKind};
    fn no_env(cmd: clap::Command) -> clap::Command {
        cmd.mut_args(|a| a.env(None)).mut_subcommands(no_env)
    }
    if !matches!(
        e.kind(),
        ErrorKind::MissingRequiredArgument | ErrorKind::ArgumentConflict
    ) {
        return e;
    }
    let named = |e: &clap::Error| e.get(ContextKind::InvalidArg).map(ToString::to_string);
    match no_env(Cli::command()).try_get_matches_from(args) {
        Err(plain) if plain.kind() == e.kind() && named(&plain) == named(&e) => plain,
        _ => e,
    }
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// List the managed tenants.
    Tenants(TenantsArgs),
    /// Every tenant's health on every Central cluster (sites, degraded sites, devices
    /// good/fair/poor, alerts critical/major/minor), worst first: Central's MSP rollup joined
    /// with GreenLake's tenants; one MSP token, no token exchange.
    Overview(TenantsArgs),
    /// Collect resources from every tenant (device-inventory by default).
    #[command(after_help = COLLECT_EXAMPLES)]
    Collect(CollectArgs),
    /// Run `collect` (or, with --snapshot, `snapshot`) against an embedded local simulator: no
    /// account or credentials needed.
    Demo(DemoArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    ///
    /// For example: msp-orchestrator completions bash >
    /// ~/.local/share/bash-completion/completions/msp-orchestrator
    Completions(CompletionsArgs),
    /// Show the configuration: each effective value and where it comes from (flag, env, file,
    /// profile, default); the secret is never shown.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Print the man page (roff), or with DIR write one page per command into DIR;
    /// `cargo xtask man` writes them to target/man.
    #[command(hide = true)]
    Man(ManArgs),
    /// Collect into the inventory store as one run (see runs, status, diff).
    Snapshot(history::SnapshotArgs),
    /// List the runs in the store: tenants ok, failed and missing, records.
    Runs(history::RunsArgs),
    /// Devices by status per tenant, from the latest complete data in the store.
    Status(history::StatusArgs),
    /// What changed between two runs (default: the last two complete); exit 1 when any.
    Diff(history::DiffArgs),
    /// Write a run's records as collect would.
    Export(history::ExportArgs),
    /// Delete old runs from the store.
    Prune(history::PruneArgs),
    /// Licences: the MSP workspace's subscriptions and every tenant's, per tier (quantity,
    /// available, assigned), devices without a subscription, subscriptions ending soon and the
    /// licences expiring per month; live, or from the latest snapshot (--db).
    Licenses(licenses::LicensesArgs),
    /// An MCP server over stdio for an assistant (Claude Desktop, VS Code): tools over the
    /// store (tenants' health, devices, find a device, changes since, open alerts) and one live
    /// call (refresh a tenant).
    Mcp(mcp::McpArgs),
    /// Snapshot on a schedule (--every 15m) and serve /metrics (Prometheus), /healthz and
    /// /readyz from the store, until SIGTERM or Ctrl-C.
    Serve(serve::ServeArgs),
    /// What a manifest of desired state would change: create, update, nothing, cannot.
    ///
    /// Per entry: create, update (the fields that differ), nothing to do, or cannot (and why);
    /// --out saves the plan with the fingerprint of the state it read, for `apply PLAN`.
    Plan(apply::PlanArgs),
    /// Carry out a manifest or a saved plan, each write at most once, recorded in the store.
    Apply(apply::ApplyArgs),
    /// The record of applies: who changed what, when, and the server's answer.
    Changes(apply::ChangesArgs),
}

#[derive(Debug, Subcommand)]
pub(crate) enum ConfigCommand {
    /// Each effective setting, its value (the secret masked) and its source.
    Show,
}

#[derive(Debug, Args)]
pub(crate) struct ManArgs {
    /// Write `msp-orchestrator.1` and a page per command (`msp-orchestrator-collect.1`,
    /// `msp-orchestrator-config-show.1`, ...) into DIR instead of printing the top-level page.
    #[arg(value_name = "DIR")]
    pub(crate) dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub(crate) shell: clap_complete::Shell,
}

/// Examples at the end of `collect --help`.
const COLLECT_EXAMPLES: &str = "Examples:
  # The offline access points of every customer, as a spreadsheet:
  msp-orchestrator collect aps --filter \"status eq 'OFFLINE'\" -o offline-aps.csv
  # Rerun the tenants that failed, adding their records to the first run's file:
  msp-orchestrator collect --tenant-ids-from failed.txt --append -o inventory.jsonl";

#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Global options")]
pub(crate) struct GlobalArgs {
    /// TOML configuration file (keys: client_id, client_secret, client_secret_file,
    /// workspace_id, glp_base_url, central_base_url, central_cluster, cluster_urls, concurrency,
    /// rate, glp_rate, max_body_mib, timeout, retries, source, db; [profiles.NAME] tables of the
    /// same keys) [default: config.toml in the platform's config directory, e.g.
    /// ~/.config/glp-msp/config.toml, when it exists].
    #[arg(long, global = true, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// The [profiles.NAME] table of the config file to use over its top-level keys.
    #[arg(
        long,
        global = true,
        value_name = "NAME",
        env = "GLP_PROFILE",
        hide_env_values = true
    )]
    pub(crate) profile: Option<String>,
    /// The settings: flags, and their variables (`env`); see `settings`.
    #[command(flatten)]
    pub(crate) options: crate::settings::Options,
    /// Only tenants whose name matches (glob: * and ?, case-insensitive); repeatable. A
    /// pattern that looks like an id (8 or more hex digits and hyphens, an optional trailing *)
    /// also selects the tenants whose id starts with it.
    #[arg(long, global = true, value_name = "PATTERN")]
    pub(crate) include: Vec<String>,
    /// Leave out tenants whose name matches (glob; an id-looking pattern as for --include);
    /// repeatable.
    #[arg(long, global = true, value_name = "PATTERN")]
    pub(crate) exclude: Vec<String>,
    /// Only tenants whose workspace id matches (glob, hyphens ignored); repeatable.
    #[arg(long, global = true, value_name = "PATTERN")]
    pub(crate) include_id: Vec<String>,
    /// Leave out tenants whose workspace id matches (glob, hyphens ignored); repeatable.
    #[arg(long, global = true, value_name = "PATTERN")]
    pub(crate) exclude_id: Vec<String>,
    // A setting (`Options::tenant_ids_from`) but no file key: here for its place in --help.
    /// Run exactly the tenant ids in FILE (one per line, as --failed-out writes them); `-`
    /// reads them from stdin.
    #[arg(long, global = true, value_name = "FILE", conflicts_with = "source")]
    pub(crate) tenant_ids_from: Option<PathBuf>,
    /// No progress display.
    #[arg(short, long, global = true)]
    pub(crate) quiet: bool,
    /// Log format on stderr (level from RUST_LOG, default warn).
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub(crate) log_format: LogFormat,
    /// The ids of the arguments above whose value clap took from the environment (its
    /// `value_source`), not from the command line: [`Cli::parse_recording`] fills it.
    #[arg(skip)]
    pub(crate) from_env: std::collections::BTreeSet<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum SourceArg {
    /// GreenLake workspaces/v1/msp-tenants.
    Glp,
    /// Central network-msp/v1/list-tenants, resolved to workspaces by name.
    Central,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum TenantFormat {
    /// Aligned columns.
    Table,
    /// One JSON array.
    Json,
    /// One JSON object per line.
    Jsonl,
    /// Comma-separated values.
    Csv,
}

/// `--format`'s values: the library's record formats, each with its line of help.
/// `--format`'s parser: one of `formats` (the help lists them, and only them).
fn record_format(formats: &[Format]) -> impl clap::builder::TypedValueParser<Value = Format> {
    let values = formats
        .iter()
        .map(|f| clap::builder::PossibleValue::new(f.name()).help(f.about()));
    clap::builder::PossibleValuesParser::new(values).try_map(|name| name.parse::<Format>())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SummaryArg {
    /// The per-tenant table when stderr is a terminal, else the totals.
    Auto,
    /// The per-tenant table (failures first), then the totals.
    Table,
    /// The totals and one line per tenant that did not complete.
    Totals,
}

#[derive(Debug, Args)]
pub(crate) struct TenantsArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = TenantFormat::Table)]
    pub(crate) format: TenantFormat,
}

/// Where the records go, in which format and columns: `collect`'s and `export`'s flags.
#[derive(Debug, Args)]
pub(crate) struct RecordOutput {
    /// Output format [default: from the --output file's extension (.jsonl, .json, .csv, .txt,
    /// .yaml), else jsonl]. A format that contradicts the extension is an error.
    #[arg(long, value_parser = record_format(&Format::ALL))]
    pub(crate) format: Option<Format>,
    /// Write records to FILE instead of stdout (`-` is stdout). An existing non-empty FILE is
    /// refused unless --overwrite or --append says what to do with it.
    #[arg(long, short, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    /// CSV columns, comma-separated: record fields (tenant_id, workspace_id, tenant_name,
    /// central_tenant_id, cluster, resource, collected_at, data = the item's JSON) and dotted
    /// paths into the item (siteName, radios.0.band; a|b: the first that has a value;
    /// name=path: the column headed name) [default: a flattened set per resource].
    #[arg(long, value_name = "COLUMNS")]
    pub(crate) columns: Option<String>,
    /// Replace an existing --output file.
    #[arg(long, requires = "output")]
    pub(crate) overwrite: bool,
    /// Add the records to the end of an existing --output file (jsonl, csv or yaml; a CSV
    /// header is not repeated, and must be the same).
    #[arg(long, requires = "output", conflicts_with = "overwrite")]
    pub(crate) append: bool,
}

#[derive(Debug, Args)]
pub(crate) struct CollectArgs {
    /// Resources: device-inventory, aps, switches, gateways, clients, sites-health (each site's
    /// health; there is no `sites` list), devices, alerts, or any network-monitoring/... path
    /// (Central); glp/devices, glp/subscriptions, glp/audit-logs (GreenLake); any GET path of
    /// HPE's published GreenLake or Central specs (devices/v1/devices, locations/v1/locations,
    /// network-config/v1alpha1/sites, ...: sent to the host of its API family, paged as its spec
    /// says); msp/device-inventory (every tenant's devices from each cluster with the MSP token,
    /// no exchange; on its own) [default: device-inventory].
    #[arg(value_name = "RESOURCE")]
    pub(crate) resources: Vec<String>,
    #[command(flatten)]
    pub(crate) out: RecordOutput,
    /// An OData filter passed to Central for every tenant, e.g. "status eq 'OFFLINE'"
    /// (at most 256 characters).
    #[arg(long, value_name = "EXPR")]
    pub(crate) filter: Option<String>,
    /// A sort expression passed to Central for every tenant, e.g. "deviceName asc"
    /// (at most 256 characters).
    #[arg(long, value_name = "EXPR")]
    pub(crate) sort: Option<String>,
    /// Another query parameter for every tenant's request, e.g. site-id=24833497; repeatable.
    #[arg(long = "param", value_name = "KEY=VALUE")]
    pub(crate) params: Vec<String>,
    /// Take a path of a GreenLake or Central API family that is no GET path of HPE's published
    /// specs (refused otherwise), paged as that family's lists are (GreenLake: offset; Central:
    /// `next` cursor).
    #[arg(long)]
    pub(crate) unlisted: bool,
    /// Only entries created since then, for glp/audit-logs: a duration back from now (30m,
    /// 24h, 7d, 2w; at most 3650d) or an RFC 3339 time (2026-12-01T00:00:00Z); sent as the
    /// audit log's filter `createdAt ge '<time>'`.
    #[arg(long, value_name = "WHEN")]
    pub(crate) since: Option<String>,
    /// Write the ids of tenants that failed or did not run to FILE (for --tenant-ids-from);
    /// replaced on each run.
    #[arg(long, value_name = "FILE")]
    pub(crate) failed_out: Option<PathBuf>,
    /// List the tenants that would run (stdout) and estimate the requests and minutes
    /// (stderr); only the tenant listing is requested, no tenant is contacted, no file written.
    #[arg(long)]
    pub(crate) dry_run: bool,
    /// The summary at the end, on stderr.
    #[arg(long, value_enum, default_value_t = SummaryArg::Auto)]
    pub(crate) summary: SummaryArg,
    /// Write the full per-tenant report as JSON to FILE; replaced on each run.
    #[arg(long, value_name = "FILE")]
    pub(crate) report: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Tenants in the simulated MSP.
    #[arg(long, default_value_t = 40)]
    pub(crate) tenants: usize,
    /// Seed of the simulated data.
    #[arg(long, default_value_t = 7)]
    pub(crate) seed: u64,
    #[command(flatten)]
    pub(crate) history: history::DemoHistoryArgs,
    #[command(flatten)]
    pub(crate) collect: CollectArgs,
}
