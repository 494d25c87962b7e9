//! `changes`: the record of applies (who changed what, when, with the server's answer), or
//! with `--runs` the apply runs.

use crate::args::GlobalArgs;
use crate::args::apply::ChangesArgs;
use crate::commands::store::{Col, fatal, no_selection, open, print_listing};
use crate::{EXIT_FATAL, EXIT_OK};

/// `changes`.
pub(crate) fn changes(global: &GlobalArgs, args: &ChangesArgs) -> u8 {
    fatal(
        (|| {
            no_selection(global, "changes")?;
            let store = open(&args.db, global)?;
            if args.runs {
                const COLUMNS: &[Col] = &[
                    ("RUN", "id"),
                    ("STARTED", "started"),
                    ("ENDED", "ended"),
                    ("WHO", "who"),
                    ("STATUS", "status"),
                    ("ACTIONS", "actions"),
                    ("WRITES", "writes"),
                    ("MANIFEST", "manifest_fingerprint"),
                ];
                let runs = store.apply_runs(1000)?;
                print_listing(args.format, COLUMNS, &runs)?;
                return Ok(EXIT_OK);
            }
            const COLUMNS: &[Col] = &[
                ("RUN", "run_id"),
                ("AT", "at"),
                ("WHO", "who"),
                ("ACTION", "action"),
                ("TENANT", "tenant_name"),
                ("TENANT ID", "tenant_id"),
                ("STATUS", "status"),
                ("HTTP", "http_status"),
                ("ANSWER", "answer"),
            ];
            let rows = store.changes(args.run, args.tenant.as_deref(), args.all)?;
            print_listing(args.format, COLUMNS, &rows)?;
            Ok(EXIT_OK)
        })(),
        EXIT_FATAL,
    )
}
