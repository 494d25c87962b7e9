//! `runs`: the runs of the store.

use std::io::Write;

use crate::args::GlobalArgs;
use crate::args::history::*;
use crate::commands::store::{csv, fatal, open, table};
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
            let mut rows = vec![
                [
                    "RUN",
                    "STARTED",
                    "ENDED",
                    "STATUS",
                    "OK",
                    "FAILED",
                    "MISSING",
                    "RECORDS",
                    "RESOURCES",
                ]
                .map(String::from)
                .to_vec(),
            ];
            for r in &runs {
                rows.push(vec![
                    r.id.to_string(),
                    r.started.clone(),
                    r.ended.clone().unwrap_or_else(|| "-".into()),
                    r.status.as_str().into(),
                    r.tenants_ok.to_string(),
                    r.tenants_failed.to_string(),
                    r.tenants_missing.to_string(),
                    r.records.to_string(),
                    r.resources.join(" "),
                ]);
            }
            let text = if args.format == TableFormat::Csv {
                csv(&rows)
            } else {
                table(&rows)
            };
            out.write_all(text.as_bytes())?;
            Ok(EXIT_OK)
        })(),
        EXIT_FATAL,
    )
}
