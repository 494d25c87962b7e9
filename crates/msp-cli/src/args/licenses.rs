//! The clap type of `licenses`.

use std::path::PathBuf;

use clap::Args;
use msp_orchestrator::Format;
use msp_orchestrator::licenses::{MAX_MONTHS, MIN_MONTHS, parse_within};

/// The formats `licenses` writes: its report is tables, not records.
pub(crate) const LICENSES_FORMATS: [Format; 3] = [Format::Table, Format::Csv, Format::Json];

/// `licenses`.
#[derive(Debug, Args)]
pub(crate) struct LicensesArgs {
    /// List the subscriptions that end within this many days (Nd, 1 to 3650).
    #[arg(long, value_name = "Nd", default_value = "90d", value_parser = parse_within)]
    pub(crate) within: u32,
    /// Months of the burndown (licences expiring per month), from this month on.
    #[arg(
        long,
        value_name = "N",
        default_value_t = MIN_MONTHS,
        value_parser = clap::value_parser!(u32).range(i64::from(MIN_MONTHS)..=i64::from(MAX_MONTHS))
    )]
    pub(crate) months: u32,
    /// Output format [default: from the --output file's extension (.txt, .csv, .json), else
    /// table].
    #[arg(long, value_parser = super::record_format(&LICENSES_FORMATS))]
    pub(crate) format: Option<Format>,
    /// Write the report to FILE instead of stdout (`-` is stdout). An existing non-empty FILE
    /// is refused unless --overwrite.
    #[arg(long, short, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    /// Replace an existing --output file.
    #[arg(long, requires = "output")]
    pub(crate) overwrite: bool,
    /// Answer from the latest complete snapshot in the store (PATH, or the store of MSP_DB, the
    /// config file's `db` or the data folder) instead of live calls; it must hold
    /// glp/subscriptions and glp/devices (`snapshot glp/subscriptions glp/devices`).
    #[arg(long, value_name = "PATH", num_args = 0..=1, default_missing_value = "")]
    pub(crate) db: Option<PathBuf>,
    /// The report's "now" (RFC 3339) instead of the clock: for tests.
    #[arg(long, hide = true, value_name = "TIME")]
    pub(crate) now: Option<String>,
}
