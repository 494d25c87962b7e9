//! `prune`: forget old runs, and give their space back.

use std::io::{BufRead as _, IsTerminal as _, Write as _};

use msp_orchestrator::msp_store::{PruneBy, RunId};
use msp_orchestrator::table::count;

use crate::args::GlobalArgs;
use crate::args::history::*;
use crate::commands::store::{Usage, fatal, no_selection, open};
use crate::{EXIT_FATAL, EXIT_OK};

/// `prune`.
pub(crate) fn prune(global: &GlobalArgs, args: &PruneArgs) -> u8 {
    fatal(prune_inner(global, args), EXIT_FATAL)
}

fn prune_inner(global: &GlobalArgs, args: &PruneArgs) -> anyhow::Result<u8> {
    no_selection(global, "prune")?;
    let mut store = open(&args.db, global)?;
    let by = match (args.keep, args.older_than) {
        (Some(n), _) => PruneBy::Keep(n),
        (None, Some(days)) => PruneBy::OlderThanDays(days),
        (None, None) => return Err(Usage("give --keep N or --older-than DAYS".into()).into()),
    };
    let location = store.location().clone();
    let doomed = store.would_prune(by)?;
    let stored = store.runs()?.len();
    let kept = stored - doomed.len();
    if args.dry_run {
        if doomed.is_empty() {
            eprintln!("would delete no run (the store holds {stored})");
        } else {
            eprintln!(
                "would delete {} ({}) and keep {}; nothing was deleted",
                count(doomed.len(), "run", "runs"),
                ids(&doomed),
                count(kept, "run", "runs")
            );
        }
        return Ok(EXIT_OK);
    }
    if doomed.is_empty() {
        eprintln!("no run to delete (the store holds {stored})");
        return Ok(EXIT_OK);
    }
    if kept == 0 && !args.yes && !confirm(doomed.len(), &location.to_string())? {
        return Err(Usage(format!(
            "prune would delete every run of {} ({}): nothing was deleted; add --yes to \
             delete them all, or --dry-run to see which",
            location,
            count(doomed.len(), "run", "runs")
        ))
        .into());
    }
    let path = location.sqlite_path();
    let before = path.map(size);
    let pruned = store.prune(by)?;
    drop(store);
    let deleted = format!(
        "deleted {} ({}) and {} no remaining run uses",
        count(pruned.runs, "run", "runs"),
        ids(&doomed),
        count(pruned.payloads, "stored item", "stored items"),
    );
    match (path, before) {
        (Some(path), Some(before)) => eprintln!(
            "{deleted}; {} now takes {} (was {})",
            path.display(),
            megabytes(size(path)),
            megabytes(before)
        ),
        // PostgreSQL's autovacuum gives the space back in its own time.
        _ => eprintln!("{deleted} from {location}"),
    }
    Ok(EXIT_OK)
}

/// On a terminal, asks whether to delete every run; elsewhere (a script) `false`.
fn confirm(runs: usize, path: &str) -> anyhow::Result<bool> {
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        return Ok(false);
    }
    eprint!(
        "delete every run of {path} ({})? [y/N] ",
        count(runs, "run", "runs")
    );
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes"))
}

/// `1, 2, 5`, or `1-40` for a run of consecutive ids.
fn ids(ids: &[RunId]) -> String {
    let consecutive = ids.windows(2).all(|w| w[1] == w[0] + 1);
    match ids {
        [first, .., last] if consecutive && ids.len() > 2 => format!("{first}-{last}"),
        _ => ids
            .iter()
            .map(RunId::to_string)
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// The bytes of the store and its WAL.
fn size(path: &std::path::Path) -> u64 {
    let wal = format!("{}-wal", path.display());
    [path.to_owned(), wal.into()]
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum()
}

fn megabytes(bytes: u64) -> String {
    format!("{:.2} MB", bytes as f64 / 1_000_000.0)
}
