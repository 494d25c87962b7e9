//! `runs`: the runs of the store.

use std::io::Write;

use crate::args::GlobalArgs;
use crate::args::history::*;
use crate::commands::store::{Col, fatal, listing, open};
use crate::{EXIT_FATAL, EXIT_OK};

/// `runs`.
pub(crate) fn runs(global: &GlobalArgs, args: &RunsArgs) -> u8 {
    fatal(
        (|| {
            let store = open(&args.db, global)?;
            let runs = store.runs()?;
            let mut out = std::io::stdout().lock();
            if args.format == TableFormat::Json {
                serde_json::to_writer_pretty(&mut out, &runs)?;
                writeln!(out)?;
                return Ok(EXIT_OK);
            }
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
            let rows: Vec<Vec<String>> = runs
                .iter()
                .map(|r| {
                    vec![
                        r.id.to_string(),
                        r.started.clone(),
                        r.ended.clone().unwrap_or_default(),
                        r.status.as_str().into(),
                        r.tenants_ok.to_string(),
                        r.tenants_failed.to_string(),
                        r.tenants_missing.to_string(),
                        r.records.to_string(),
                        r.resources.join(" "),
                    ]
                })
                .collect();
            let text = listing(args.format, COLUMNS, &rows);
            out.write_all(text.as_bytes())?;
            Ok(EXIT_OK)
        })(),
        EXIT_FATAL,
    )
}
