//! `prune`: forget old runs.

use msp_orchestrator::msp_store::PruneBy;

use crate::args::GlobalArgs;
use crate::args::history::*;
use crate::commands::store::{fatal, open};
use crate::{EXIT_FATAL, EXIT_OK};

/// `prune`.
pub(crate) fn prune(global: &GlobalArgs, args: &PruneArgs) -> u8 {
    fatal(
        (|| {
            let mut store = open(&args.db, global)?;
            let by = match (args.keep, args.older_than) {
                (Some(n), _) => PruneBy::Keep(n),
                (None, Some(days)) => PruneBy::OlderThanDays(days),
                (None, None) => anyhow::bail!("give --keep N or --older-than DAYS"),
            };
            let pruned = store.prune(by)?;
            eprintln!(
                "deleted {} runs and {} payloads no remaining run uses",
                pruned.runs, pruned.payloads
            );
            Ok(EXIT_OK)
        })(),
        EXIT_FATAL,
    )
}
