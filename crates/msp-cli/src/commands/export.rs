//! `export`: one run's records, written as `collect` writes them: the same writer, formats,
//! fields and file safety.

use std::io::Write;

use anyhow::Context as _;
use msp_orchestrator::msp_store::{RunId, StoreError};
use msp_orchestrator::table::count;
use msp_orchestrator::{Columns, Format, Record, RecordWriter, WriterOptions, csv_header};
use serde_json::value::RawValue;

use crate::args::GlobalArgs;
use crate::args::history::*;
use crate::commands::store::{Usage, check_resource, fatal, open, selected};
use crate::output_target::{self, Existing};
use crate::outputs::fresh;
use crate::{EXIT_FATAL, EXIT_OK};

/// `export`: a run's records in collect's shape.
pub(crate) fn export(global: &GlobalArgs, args: &ExportArgs) -> u8 {
    fatal(export_inner(global, args), EXIT_FATAL)
}

fn export_inner(global: &GlobalArgs, args: &ExportArgs) -> anyhow::Result<u8> {
    let format = output_target::record_format(&args.out).map_err(Usage)?;
    if args.out.columns.is_some() && format != Format::Csv {
        return Err(Usage(
            "--columns chooses CSV columns: add --format csv or write to a .csv file".into(),
        )
        .into());
    }
    let store = open(&args.db, global)?;
    check_resource(&store, args.resource.as_deref())?;
    let chosen = selected(&store, global)?;
    let run = match args.run {
        RunArg::Id(id) => store.run(id).map_err(|e| match e {
            StoreError::NoSuchRun(id) => {
                Usage(format!("no run {id} in the store: `runs` lists them")).into()
            }
            other => anyhow::Error::from(other),
        })?,
        RunArg::Latest => {
            let id: RunId = *store.complete_runs()?.last().ok_or_else(|| {
                Usage(
                    "the store holds no complete run: name one with --run N (`runs` lists them), \
                     or complete one with `snapshot --resume`"
                        .into(),
                )
            })?;
            store.run(id)?
        }
    };
    let columns = match &args.out.columns {
        Some(list) => Columns::parse(list).map_err(Usage)?,
        None => {
            let names: Vec<String> = match &args.resource {
                Some(r) => vec![r.clone()],
                None => run.resources.clone(),
            };
            Columns::for_resources(&names)
        }
    };
    let mut options = WriterOptions {
        header: true,
        columns: Some(columns),
    };
    let existing = Existing::from_args(&args.out);
    let file = output_target::open(
        args.out.output.as_deref(),
        format,
        existing,
        &csv_header(&options),
    )
    .map_err(|e| Usage(format!("{e:#}")))?;
    let path = args.out.file();
    let shown = path.map(|p| p.display().to_string());
    let out: Box<dyn Write + Send> = match file {
        Some(out) if out.append => {
            options.header = false;
            Box::new(out.file)
        }
        Some(out) => Box::new(
            fresh(out.file)
                .with_context(|| format!("cannot write {}", shown.clone().unwrap_or_default()))?,
        ),
        None => Box::new(std::io::stdout()),
    };
    // Seconds, as collect's `collected_at` (the store keeps the run's start to the millisecond).
    let collected_at = match run.started.split_once('.') {
        Some((seconds, _)) => format!("{seconds}Z"),
        None => run.started.clone(),
    };
    // A write error names the file (a closed stdout ends the export quietly).
    let named = |e: std::io::Error| -> anyhow::Error {
        match &shown {
            Some(path) => anyhow::Error::new(e).context(format!("cannot write {path}")),
            None => e.into(),
        }
    };
    let mut writer = RecordWriter::with_options(format, out, options).map_err(named)?;
    // The store keeps when each run started, not when each item was read: the records say the
    // run's start, never the time of the export.
    let mut n = 0u64;
    store.export(run.id, args.resource.as_deref(), |item| {
        if chosen
            .as_ref()
            .is_some_and(|ids| !ids.contains(&item.tenant_id))
        {
            return Ok(());
        }
        n += 1;
        let record = Record {
            tenant_id: item.tenant_id,
            workspace_id: item.workspace_id,
            tenant_name: item.tenant_name,
            central_tenant_id: item.central_tenant_id,
            cluster: item.cluster,
            resource: item.resource,
            collected_at: collected_at.clone(),
            data: RawValue::from_string(item.data)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        };
        writer.write(&record).map_err(named)?;
        Ok::<_, anyhow::Error>(())
    })?;
    writer.finish().map_err(named)?;
    if let Some(path) = &shown {
        let verb = if args.out.append { "appended" } else { "wrote" };
        eprintln!(
            "{verb} {} of run {} to {path}",
            count(n, "record", "records"),
            run.id
        );
    }
    Ok(EXIT_OK)
}
