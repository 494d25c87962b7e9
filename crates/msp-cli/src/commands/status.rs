//! `status`: devices by type and status per tenant, offline first.

use std::io::Write;

use msp_orchestrator::msp_store::RunStatus;

use crate::args::GlobalArgs;
use crate::args::history::*;
use crate::commands::store::{csv, fatal, open, table};
use crate::{EXIT_FATAL, EXIT_OK};

/// `status`.
pub(crate) fn status(global: &GlobalArgs, args: &StatusArgs) -> u8 {
    fatal(
        (|| {
            let store = open(&args.db, global)?;
            let rows = store.status(args.tenant.as_deref(), args.resource.as_deref())?;
            let mut out = std::io::stdout().lock();
            if args.format == TableFormat::Json {
                serde_json::to_writer_pretty(&mut out, &rows)?;
                writeln!(out)?;
            } else {
                let mut cells = vec![
                    [
                        "TENANT",
                        "TENANT ID",
                        "RESOURCE",
                        "RUN",
                        "TYPE",
                        "STATUS",
                        "COUNT",
                    ]
                    .map(String::from)
                    .to_vec(),
                ];
                for r in &rows {
                    let text = |s: &str| s.to_owned();
                    cells.push(vec![
                        text(&r.tenant_name),
                        text(&r.tenant_id),
                        text(&r.resource),
                        r.run_id.to_string(),
                        text(if r.device_type.is_empty() {
                            "-"
                        } else {
                            &r.device_type
                        }),
                        text(if r.status.is_empty() { "-" } else { &r.status }),
                        r.count.to_string(),
                    ]);
                }
                let text = if args.format == TableFormat::Csv {
                    csv(&cells)
                } else {
                    table(&cells)
                };
                out.write_all(text.as_bytes())?;
            }
            if rows.is_empty() {
                eprintln!("no complete data in the store yet: run `snapshot` first");
            }
            if let Some(last) = store
                .runs()?
                .last()
                .filter(|r| r.status == RunStatus::Abandoned)
            {
                eprintln!(
                    "note: run {} was abandoned (its process ended before the run did): the tenants it lacks show older data; `snapshot --resume {}` completes it",
                    last.id, last.id
                );
            }
            Ok(EXIT_OK)
        })(),
        EXIT_FATAL,
    )
}
