//! `runs`: the runs of the store.

use crate::args::GlobalArgs;
use crate::args::history::*;
use crate::commands::store::{Col, fatal, no_selection, open, print_listing};
use crate::{EXIT_FATAL, EXIT_OK};

/// `runs`.
pub(crate) fn runs(global: &GlobalArgs, args: &RunsArgs) -> u8 {
    fatal(
        (|| {
            no_selection(global, "runs")?;
            let store = open(&args.db, global)?;
            let runs = store.runs()?;
            const COLUMNS: &[Col] = &[
                ("RUN", "id"),
                ("STARTED", "started"),
                ("ENDED", "ended"),
                ("STATUS", "status"),
                ("OK", "tenants_ok"),
                ("FAILED", "tenants_failed"),
                ("MISSING", "tenants_missing"),
                ("RECORDS", "records"),
                ("RESOURCES", "resources"),
            ];
            print_listing(args.format, COLUMNS, &runs)?;
            Ok(EXIT_OK)
        })(),
        EXIT_FATAL,
    )
}
