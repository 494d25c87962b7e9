//! `licenses`: the MSP workspace's own subscriptions (MSP token) and every tenant's
//! subscriptions and devices (tenant tokens, through the orchestrator as `collect
//! glp/subscriptions glp/devices`), or the latest complete snapshot's (`--db`), into the
//! library's [`licenses::report`].

use std::collections::BTreeMap;
use std::io::Write as _;
use std::sync::Arc;

use anyhow::Context as _;
use futures::TryStreamExt as _;
use glp_auth::Scope;
use glp_workspaces::GlpResource;
use msp_orchestrator::licenses::{self, LicenseOptions, LicenseReport, WorkspaceItems};
use msp_orchestrator::{
    Cancel, CollectJob, Format, Record, RecordSink, ResourceSpec, SinkError, StopLevel, one_line,
};

use crate::args::GlobalArgs;
use crate::args::history::DbArg;
use crate::args::licenses::{LICENSES_FORMATS, LicensesArgs};
use crate::commands::store::{Usage, fatal, open, selected};
use crate::context::Context;
use crate::output_target::{self, Existing, OutputFile};
use crate::outputs::fresh;
use crate::{EXIT_FATAL, EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, pipeline, settings};

/// The name of the MSP workspace's own row.
const MSP_NAME: &str = "MSP workspace";

/// `licenses`.
pub(crate) async fn licenses(
    global: &GlobalArgs,
    args: &LicensesArgs,
    quiet: bool,
    cancel: &Cancel,
) -> u8 {
    let prepared = (|| {
        let format = format(args)?;
        let now = now(args.now.as_deref())?;
        let existing = if args.overwrite {
            Existing::Overwrite
        } else {
            Existing::Refuse
        };
        // The file is checked before any request: an existing one is never replaced unasked.
        let file = output_target::open(args.output.as_deref(), format, existing, "")
            .map_err(|e| Usage(format!("{e:#}")))?;
        Ok::<_, anyhow::Error>((format, now, file))
    })();
    let (format, now, file) = match prepared {
        Ok(p) => p,
        Err(e) => return fatal(Err(e), EXIT_FATAL),
    };
    let options = LicenseOptions {
        now,
        within_days: args.within,
        months: args.months,
    };
    if let Some(db) = &args.db {
        let flag = DbArg {
            db: Some(db.clone()).filter(|p| !p.as_os_str().is_empty()),
        };
        return fatal(
            from_store(global, &flag).and_then(|workspaces| {
                write(args, format, file, &licenses::report(&workspaces, options))?;
                Ok(EXIT_OK)
            }),
            EXIT_FATAL,
        );
    }
    let settings = match settings::resolve_for(global, false) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_FATAL;
        }
    };
    let ctx = match Context::connect(settings, cancel).await.ready(Some(
        "interrupted before any tenant was contacted; nothing was written",
    )) {
        Ok(ctx) => ctx,
        Err(code) => return code,
    };
    let (workspaces, complete) = match live(&ctx, quiet, cancel).await {
        Ok(Live::Read(w, complete)) => (w, complete),
        Ok(Live::Stop(code)) => return code,
        Err(e) => return fatal(Err(e), EXIT_FATAL),
    };
    let report = licenses::report(&workspaces, options);
    match write(args, format, file, &report) {
        Ok(()) if complete => EXIT_OK,
        Ok(()) => EXIT_SOME_FAILED,
        Err(e) => fatal(Err(e), EXIT_FATAL),
    }
}

/// table, csv or json: `--format`, else the extension of `--output`, else a table.
fn format(args: &LicensesArgs) -> anyhow::Result<Format> {
    let to_file = args
        .output
        .as_deref()
        .is_some_and(|p| !output_target::is_dash(p));
    let format = match (args.format, to_file) {
        (None, false) => Format::Table,
        _ => output_target::format_for(args.format, args.output.as_deref()).map_err(Usage)?,
    };
    if LICENSES_FORMATS.contains(&format) {
        Ok(format)
    } else {
        Err(Usage(format!(
            "licenses writes table, csv or json, not {} (from the --output file's extension): use .txt, .csv or .json, or --format",
            format.name(),
        ))
        .into())
    }
}

/// The report's now: `--now` (tests), else the clock.
fn now(given: Option<&str>) -> anyhow::Result<i64> {
    match given {
        Some(text) => licenses::parse_rfc3339(text).ok_or_else(|| {
            Usage(format!(
                "--now takes an RFC 3339 time (2026-12-01T00:00:00Z), not `{}`",
                one_line(text)
            ))
            .into()
        }),
        None => Ok(glp_core::date::unix_secs(std::time::SystemTime::now())),
    }
}

/// Writes the report to stdout or the `--output` file.
fn write(
    args: &LicensesArgs,
    format: Format,
    file: Option<OutputFile>,
    report: &LicenseReport,
) -> anyhow::Result<()> {
    let text = match format {
        Format::Csv => report.csv(),
        Format::Json => serde_json::to_string_pretty(report)? + "\n",
        _ => report.table(),
    };
    match (file, args.output.as_deref()) {
        (Some(out), Some(path)) => {
            let named =
                |e| anyhow::Error::new(e).context(format!("cannot write {}", path.display()));
            let mut out = fresh(out.file).map_err(named)?;
            out.write_all(text.as_bytes()).map_err(named)?;
            out.flush().map_err(named)?;
            eprintln!("wrote the licence report to {}", path.display());
        }
        _ => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()?;
        }
    }
    Ok(())
}

/// The latest complete run's `glp/subscriptions` and `glp/devices`, per tenant.
fn from_store(global: &GlobalArgs, flag: &DbArg) -> anyhow::Result<Vec<WorkspaceItems>> {
    let store = open(flag, global)?;
    let needed = [
        GlpResource::Subscriptions.name(),
        GlpResource::Devices.name(),
    ];
    let run_hint = format!("run `msp-orchestrator snapshot {}` first", needed.join(" "));
    let Some(&id) = store.complete_runs()?.last() else {
        return Err(Usage(format!("the store holds no complete run: {run_hint}")).into());
    };
    let run = store.run(id)?;
    let missing: Vec<&str> = needed
        .iter()
        .copied()
        .filter(|r| !run.resources.iter().any(|h| h == r))
        .collect();
    if !missing.is_empty() {
        return Err(Usage(format!(
            "the latest complete run ({}) holds no {} (it holds {}): {run_hint}",
            run.id,
            missing.join(" and "),
            run.resources.join(", ")
        ))
        .into());
    }
    let mut by_tenant = Workspaces::default();
    store.export(run.id, None, |item| {
        by_tenant.add(&item.tenant_id, &item.tenant_name, &item.resource, || {
            serde_json::from_str(&item.data).unwrap_or_default()
        });
        Ok::<_, anyhow::Error>(())
    })?;
    eprintln!(
        "from run {} of {} ({}); the MSP workspace's own subscriptions are read live only",
        run.id,
        store.location(),
        run.started
    );
    // --include, --exclude, --include-id and --exclude-id choose among the stored tenants as
    // they do among the listed ones.
    let mut workspaces = by_tenant.into_vec();
    if let Some(ids) = selected(&store, global)? {
        workspaces.retain(|w| ids.contains(&w.tenant_id));
    }
    Ok(workspaces)
}

/// Records grouped per workspace.
#[derive(Default)]
struct Workspaces {
    items: BTreeMap<String, WorkspaceItems>,
}

impl Workspaces {
    fn add(
        &mut self,
        id: &str,
        name: &str,
        resource: &str,
        value: impl FnOnce() -> serde_json::Value,
    ) {
        let list: fn(&mut WorkspaceItems) -> &mut Vec<serde_json::Value> =
            if resource == GlpResource::Subscriptions.name() {
                |w| &mut w.subscriptions
            } else if resource == GlpResource::Devices.name() {
                |w| &mut w.devices
            } else {
                return;
            };
        let ws = self
            .items
            .entry(id.to_owned())
            .or_insert_with(|| WorkspaceItems {
                tenant_id: id.to_owned(),
                tenant_name: name.to_owned(),
                ..WorkspaceItems::default()
            });
        let value = value();
        // Only the fields the report reads are kept of a device: a large MSP's inventory
        // stays small in memory.
        let value = if resource == GlpResource::Devices.name() {
            licenses::device_fields(&value)
        } else {
            value
        };
        list(ws).push(value);
    }

    /// The workspaces by name (then id): the report's order whatever order the tenants
    /// completed in.
    fn into_vec(self) -> Vec<WorkspaceItems> {
        let mut all: Vec<WorkspaceItems> = self.items.into_values().collect();
        all.sort_by(|a, b| (&a.tenant_name, &a.tenant_id).cmp(&(&b.tenant_name, &b.tenant_id)));
        all
    }
}

/// The live run's records, kept in memory per tenant.
#[derive(Default)]
struct Collected {
    workspaces: Workspaces,
    written: u64,
}

impl RecordSink for Collected {
    fn write(&mut self, record: &Record) -> Result<(), SinkError> {
        self.workspaces.add(
            &record.tenant_id,
            &record.tenant_name,
            &record.resource,
            || record.value(),
        );
        self.written += 1;
        Ok(())
    }

    fn written(&self) -> u64 {
        self.written
    }

    fn finish(self: Box<Self>) -> Result<(), SinkError> {
        Ok(())
    }
}

/// How the live reading ended.
enum Live {
    /// The workspaces read, and whether every one was read whole.
    Read(Vec<WorkspaceItems>, bool),
    /// Stopped with this exit code (the reason printed).
    Stop(u8),
}

/// The MSP workspace's own subscriptions, then every tenant's subscriptions and devices. Only
/// tenants read whole are in the report; the others are named on stderr.
async fn live(ctx: &Context, quiet: bool, cancel: &Cancel) -> anyhow::Result<Live> {
    let mut complete = true;
    let mut workspaces = Vec::new();
    let msp = tokio::select! {
        biased;
        _ = cancel.reached(StopLevel::Drain) => {
            eprintln!("interrupted before any tenant was contacted; nothing was written");
            return Ok(Live::Stop(EXIT_SOME_FAILED));
        }
        msp = ctx
            .workspaces
            .resource(GlpResource::Subscriptions, Scope::Msp)
            .stream()
            .try_collect::<Vec<_>>() => msp,
    };
    match msp {
        Ok(subscriptions) => workspaces.push(WorkspaceItems {
            tenant_id: ctx.settings.session.credentials.workspace_id.to_string(),
            tenant_name: MSP_NAME.into(),
            msp: true,
            subscriptions,
            devices: Vec::new(),
        }),
        Err(e) if e.is_credential_rejected() => {
            return Err(anyhow::Error::new(e).context("the MSP workspace's subscriptions"));
        }
        Err(e) => {
            complete = false;
            eprintln!(
                "warning: the MSP workspace's own subscriptions could not be read (left out of \
                 the report): {}",
                one_line(&e.to_string())
            );
        }
    }
    let tenants = match pipeline::listing(ctx, cancel).await {
        pipeline::Listing::Ready(tenants) => tenants,
        pipeline::Listing::Unmatched(e) => {
            eprintln!("error: {e}");
            return Ok(Live::Stop(EXIT_USAGE));
        }
        pipeline::Listing::Interrupted => {
            eprintln!("interrupted before any tenant was contacted; nothing was written");
            return Ok(Live::Stop(EXIT_SOME_FAILED));
        }
    };
    let job = Arc::new(CollectJob::new(vec![
        ResourceSpec::GreenLake(GlpResource::Subscriptions),
        ResourceSpec::GreenLake(GlpResource::Devices),
    ]));
    let finished = pipeline::run(ctx, Collected::default(), !quiet, |orchestrator, tx| {
        pipeline::every_tenant(orchestrator, tenants, job, tx, cancel)
    })
    .await;
    let report = finished.report.map_err(anyhow::Error::msg)?;
    let (sink, drained) = finished.sink.map_err(anyhow::Error::msg)?;
    drained.context("keeping the records")?;
    if report.credential_rejected.is_some() {
        eprintln!("{}", report.summary());
        return Ok(Live::Stop(EXIT_FATAL));
    }
    let mut read = sink.workspaces;
    let mut incomplete = Vec::new();
    for outcome in &report.tenants {
        if outcome.needs_rerun() {
            read.items.remove(&outcome.tenant_id);
            incomplete.push(one_line(&outcome.tenant_name));
        }
    }
    if !incomplete.is_empty() || report.source_error.is_some() || report.interrupted {
        complete = false;
        eprintln!("{}", report.summary());
        if !incomplete.is_empty() {
            eprintln!(
                "warning: left out of the report, not read whole: {}",
                incomplete.join(", ")
            );
        }
    }
    workspaces.extend(read.into_vec());
    Ok(Live::Read(workspaces, complete))
}
