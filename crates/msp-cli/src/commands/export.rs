//! `export`: one run's records, as JSON Lines or CSV.

use std::io::Write;

use anyhow::Context as _;
use msp_orchestrator::{Format, Record, RecordWriter};
use serde_json::value::RawValue;

use crate::args::GlobalArgs;
use crate::args::history::*;
use crate::commands::store::{check_resource, fatal, open};
use crate::{EXIT_FATAL, EXIT_OK};

/// `export`: a run's records in collect's shape.
pub(crate) fn export(global: &GlobalArgs, args: &ExportArgs) -> u8 {
    fatal(
        (|| {
            let store = open(&args.db, global)?;
            check_resource(&store, args.resource.as_deref())?;
            let format = match args.format {
                ExportFormat::Jsonl => Format::Jsonl,
                ExportFormat::Csv => Format::Csv,
            };
            let out: Box<dyn Write + Send> = match &args.output {
                Some(path) => Box::new(
                    std::fs::File::create(path)
                        .with_context(|| format!("cannot create {}", path.display()))?,
                ),
                None => Box::new(std::io::stdout()),
            };
            // The store keeps when each run started, not when each item was read: the records
            // say the run's start, never the time of the export.
            let started = store
                .runs()?
                .into_iter()
                .find(|r| r.id == args.run)
                .map(|r| r.started);
            let mut writer = RecordWriter::new(format, out)?;
            // A write error (a closed stdout too) stops the export at once.
            let n = store.export(args.run, args.resource.as_deref(), |item| {
                let mut record = Record::from_value(
                    item.tenant_id,
                    item.tenant_name,
                    item.resource,
                    &serde_json::Value::Null,
                );
                if let Some(started) = &started {
                    record.collected_at.clone_from(started);
                }
                record.data = RawValue::from_string(item.data)
                    .map_err(|e| msp_orchestrator::msp_store::StoreError::Corrupt(e.to_string()))?;
                writer.write(&record)?;
                Ok::<_, anyhow::Error>(())
            })?;
            writer.finish()?;
            if let Some(path) = &args.output {
                eprintln!(
                    "wrote {n} records of run {} to {}",
                    args.run,
                    path.display()
                );
            }
            Ok(EXIT_OK)
        })(),
        EXIT_FATAL,
    )
}
