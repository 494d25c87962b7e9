//! The inventory history commands: `snapshot`, `runs`, `status`, `diff`, `export`, `prune`.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use clap::{ArgGroup, Args, ValueEnum};
use msp_orchestrator::msp_store::{
    ChangeKind, DiffOptions, Incomplete, NewRun, PruneBy, RunId, RunStatus, Store,
};
use msp_orchestrator::{
    Cancel, Format, MarkedJob, Orchestrator, Record, RecordWriter, StoreSink, TenantSource,
    TenantStatus, csv_field, drain, one_line,
};
use serde_json::value::RawValue;

use super::args::GlobalArgs;
use super::settings::{self, Settings};
use super::{Built, Context, EXIT_FATAL, EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE};

/// `--db`: where the store is.
#[derive(Debug, Clone, Args)]
pub(crate) struct DbArg {
    /// The inventory store [env: MSP_DB] [config: db] [default:
    /// $XDG_DATA_HOME/glp-msp/inventory.sqlite].
    #[arg(long, value_name = "PATH")]
    pub(crate) db: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct SnapshotArgs {
    /// Resources, as for collect (glp/devices and glp/subscriptions too) [default:
    /// device-inventory devices].
    #[arg(value_name = "RESOURCE")]
    pub(crate) resources: Vec<String>,
    /// Continue run RUN (default: the newest run that did not complete): only the tenants and
    /// resources it lacks run, and are added to it.
    #[arg(long, value_name = "RUN", num_args = 0..=1, default_missing_value = "latest")]
    pub(crate) resume: Option<String>,
    /// List the tenants that would run and estimate the requests and minutes, from the tenant
    /// listing alone: no tenant contacted, nothing written to the store.
    #[arg(long, conflicts_with = "resume")]
    pub(crate) dry_run: bool,
    #[command(flatten)]
    pub(crate) db: DbArg,
}

/// Formats of `runs` and `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum TableFormat {
    /// Aligned columns.
    Table,
    /// Comma-separated values.
    Csv,
    /// One JSON array.
    Json,
}

#[derive(Debug, Args)]
pub(crate) struct RunsArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = TableFormat::Table)]
    pub(crate) format: TableFormat,
    #[command(flatten)]
    pub(crate) db: DbArg,
}

#[derive(Debug, Args)]
pub(crate) struct StatusArgs {
    /// Only this tenant (id or name).
    #[arg(long, value_name = "TENANT")]
    pub(crate) tenant: Option<String>,
    /// Only this resource.
    #[arg(long, value_name = "RESOURCE")]
    pub(crate) resource: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TableFormat::Table)]
    pub(crate) format: TableFormat,
    #[command(flatten)]
    pub(crate) db: DbArg,
}

/// Formats of `diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum DiffFormat {
    /// One line per change.
    Table,
    /// One JSON object per change.
    Jsonl,
}

#[derive(Debug, Args)]
pub(crate) struct DiffArgs {
    /// The first run [default: the second newest complete run].
    #[arg(value_name = "RUN_A")]
    pub(crate) run_a: Option<RunId>,
    /// The second run [default: the newest complete run].
    #[arg(value_name = "RUN_B")]
    pub(crate) run_b: Option<RunId>,
    /// Compare every field, not only status, firmware, site, name and IP.
    #[arg(long)]
    pub(crate) all_fields: bool,
    /// Only this tenant (id or name).
    #[arg(long, value_name = "TENANT")]
    pub(crate) tenant: Option<String>,
    /// Only this resource.
    #[arg(long, value_name = "RESOURCE")]
    pub(crate) resource: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Table)]
    pub(crate) format: DiffFormat,
    #[command(flatten)]
    pub(crate) db: DbArg,
}

/// Formats of `export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ExportFormat {
    /// One JSON object per line, as collect writes.
    Jsonl,
    /// Comma-separated values, as collect writes.
    Csv,
}

#[derive(Debug, Args)]
pub(crate) struct ExportArgs {
    /// The run.
    #[arg(long, value_name = "N")]
    pub(crate) run: RunId,
    /// Only this resource.
    #[arg(long, value_name = "RESOURCE")]
    pub(crate) resource: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl)]
    pub(crate) format: ExportFormat,
    /// Write to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) db: DbArg,
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("which").required(true).args(["keep", "older_than"])))]
pub(crate) struct PruneArgs {
    /// Keep the newest N runs (a run still running is always kept).
    #[arg(long, value_name = "N")]
    pub(crate) keep: Option<u32>,
    /// Delete the runs that started more than DAYS days ago.
    #[arg(long, value_name = "DAYS")]
    pub(crate) older_than: Option<u32>,
    #[command(flatten)]
    pub(crate) db: DbArg,
}

/// `demo --snapshot`: the demo collects into a store instead of a file.
#[derive(Debug, Clone, Args)]
pub(crate) struct DemoHistoryArgs {
    /// Snapshot into the store (--db, default demo-inventory.sqlite) instead of writing a file.
    #[arg(long)]
    pub(crate) snapshot: bool,
    /// The simulated population's generation: each one moves some devices offline or back,
    /// replaces a few, adds some and upgrades firmware, so two snapshots differ.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub(crate) generation: u32,
    /// The store of `demo --snapshot` [default: demo-inventory.sqlite].
    #[arg(long = "db", value_name = "PATH")]
    pub(crate) db: Option<PathBuf>,
}

/// The store's path: `--db`, then `MSP_DB`, then the config file's `db`, then the data folder.
fn db_path(flag: &DbArg, global: &GlobalArgs) -> anyhow::Result<PathBuf> {
    if let Some(path) = &flag.db {
        return Ok(path.clone());
    }
    // MSP_DB, then the config file (the default one too) and its chosen profile: the lookup
    // `config show` reports, so both name the same store.
    let env = |k: &str| std::env::var(k).ok();
    let layers = settings::Layers::load(global, &env).map_err(|e| anyhow::anyhow!("{e}"))?;
    if let Some(found) = layers.find("db") {
        return Ok(PathBuf::from(found.value));
    }
    Store::default_path()
        .context("no data folder on this system (no home directory): give --db PATH or MSP_DB")
}

fn open(flag: &DbArg, global: &GlobalArgs) -> anyhow::Result<Store> {
    let path = db_path(flag, global)?;
    Store::open(&path).with_context(|| format!("cannot open the store {}", path.display()))
}

/// Errors of the reading commands are exit 1 (2 for `diff`, whose 1 means "different"); a
/// closed stdout ends them quietly (141).
fn fatal(result: anyhow::Result<u8>, code: u8) -> u8 {
    result.unwrap_or_else(|e| {
        if super::is_broken_pipe(&e) {
            return super::EXIT_BROKEN_PIPE;
        }
        eprintln!("error: {}", one_line(&format!("{e:#}")));
        code
    })
}

/// `snapshot`.
pub(crate) async fn snapshot(
    global: &GlobalArgs,
    args: &SnapshotArgs,
    quiet: bool,
    cancel: &Cancel,
) -> u8 {
    let db = match db_path(&args.db, global) {
        Ok(db) => db,
        Err(e) => {
            eprintln!("error: {e:#}");
            return EXIT_USAGE;
        }
    };
    match settings::resolve(global, |k| std::env::var(k).ok()) {
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_FATAL
        }
        Ok(settings) if args.dry_run => dry_run(settings, &args.resources, cancel).await,
        Ok(settings) => {
            run_snapshot(
                settings,
                &args.resources,
                args.resume.as_deref(),
                db,
                quiet,
                cancel,
            )
            .await
        }
    }
}

/// `snapshot --dry-run`: what `collect --dry-run` says, for the snapshot's resources.
async fn dry_run(settings: Settings, resources: &[String], cancel: &Cancel) -> u8 {
    let names = if resources.is_empty() {
        vec!["device-inventory".to_owned(), "devices".to_owned()]
    } else {
        resources.to_vec()
    };
    let specs = match names
        .iter()
        .map(|r| r.parse())
        .collect::<Result<Vec<msp_orchestrator::ResourceSpec>, String>>()
    {
        Ok(specs) => specs,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    match Context::connect(settings, cancel).await {
        Built::Ready(ctx) => super::report_fatal(super::dry_run::run(&ctx, &specs, cancel).await),
        Built::Failed => EXIT_FATAL,
        Built::Interrupted => EXIT_SOME_FAILED,
    }
}

/// A snapshot with resolved settings (also what `demo --snapshot` runs).
pub(crate) async fn run_snapshot(
    settings: Settings,
    resources: &[String],
    resume: Option<&str>,
    db: PathBuf,
    quiet: bool,
    cancel: &Cancel,
) -> u8 {
    // The store first: a bad path fails before anything is contacted.
    let mut store = match Store::open(&db) {
        Ok(store) => store,
        Err(e) => {
            eprintln!(
                "error: cannot open the store {}: {e}; nothing was contacted",
                db.display()
            );
            return EXIT_USAGE;
        }
    };
    let plan = match plan(&mut store, resources, resume) {
        Ok(plan) => plan,
        Err(e) => {
            eprintln!("error: {e:#}");
            return EXIT_USAGE;
        }
    };
    let specs = match plan
        .resources
        .iter()
        .map(|r| r.parse())
        .collect::<Result<Vec<msp_orchestrator::ResourceSpec>, String>>()
    {
        Ok(specs) => specs,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    let ctx = match Context::connect(settings, cancel).await {
        Built::Ready(ctx) => ctx,
        Built::Failed => return EXIT_FATAL,
        Built::Interrupted => {
            eprintln!("interrupted before any tenant was listed");
            return EXIT_SOME_FAILED;
        }
    };
    if ctx.settings.source != TenantSource::Central
        && let Err(e) = super::check_central(&ctx).await
    {
        eprintln!("error: {}", one_line(&format!("{e:#}")));
        return EXIT_FATAL;
    }
    let run = match plan.run {
        Some(run) => match store.reopen_run(run) {
            Ok(()) => {
                if let (false, Some(was)) = (quiet, plan.was) {
                    eprintln!("resuming run {run} ({})", was.as_str());
                }
                run
            }
            Err(e) => {
                eprintln!("error: {e}");
                return EXIT_FATAL;
            }
        },
        None => {
            let new = NewRun::new(
                env!("CARGO_PKG_VERSION"),
                arguments(),
                plan.resources.clone(),
            );
            match store.begin_run(&new) {
                Ok(run) => run,
                Err(e) => {
                    eprintln!("error: {e}");
                    return EXIT_FATAL;
                }
            }
        }
    };
    let done = match store.completed(run) {
        Ok(done) => done,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_FATAL;
        }
    };
    let already = done.len();
    let job = Arc::new(MarkedJob::new(specs).skipping(done));
    let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
    let writer = tokio::task::spawn_blocking(move || {
        let mut sink = StoreSink::new(store, run);
        let written = drain(&mut rx, &mut sink);
        (sink.into_store(), written)
    });
    let orchestrator = Orchestrator::new(ctx.clusters.clone())
        .greenlake(ctx.workspaces.clone())
        .concurrency(ctx.settings.concurrency)
        .tenant_timeout(ctx.settings.timeout)
        .selector(ctx.settings.selector.clone());
    let (done_tx, done_rx) = tokio::sync::watch::channel(false);
    let display = (!quiet).then(|| {
        tokio::spawn(super::display::show(
            orchestrator.progress(),
            ctx.clusters.clone(),
            done_rx,
        ))
    });
    let tenants = ctx.settings.source.stream(&ctx.workspaces, &ctx.clusters);
    let result = orchestrator.run(tenants, job, tx, cancel).await;
    let _ = done_tx.send(true);
    if let Some(display) = display {
        let _ = display.await;
    }
    let (mut store, written) = match writer.await {
        Ok(done) => done,
        Err(e) => {
            eprintln!(
                "error: the store writer {}; the run keeps the tenants written before",
                msp_orchestrator::join_error_text(e)
            );
            return EXIT_FATAL;
        }
    };
    let written = match written {
        Ok(n) => n,
        Err(e) => {
            eprintln!(
                "error: {}; the run keeps the tenants written before",
                one_line(&e.to_string())
            );
            return EXIT_FATAL;
        }
    };
    let report = match result {
        Ok(report) => report,
        Err(e) => {
            eprintln!("error: {}", one_line(&e.to_string()));
            let _ = store.end_run(run, RunStatus::Partial);
            return EXIT_FATAL;
        }
    };
    match finish_run(&mut store, run, &plan.resources, &report) {
        Ok(status) => {
            eprintln!("{}", report.summary());
            let resumed = if already > 0 {
                format!(" (resumed: {already} tenant x resource pairs were already there)")
            } else {
                String::new()
            };
            eprintln!(
                "run {run} {}: {written} records written into {}{resumed}",
                status.as_str(),
                db.display()
            );
            if status != RunStatus::Complete {
                eprintln!("complete it with: snapshot --resume {run}");
            }
            if report.credential_rejected.is_some() {
                return EXIT_FATAL;
            }
            if status == RunStatus::Complete {
                EXIT_OK
            } else {
                EXIT_SOME_FAILED
            }
        }
        Err(e) => {
            eprintln!("{}", report.summary());
            eprintln!("error: {e}");
            EXIT_FATAL
        }
    }
}

struct Plan {
    /// The run to continue, or `None` for a new one.
    run: Option<RunId>,
    resources: Vec<String>,
    /// The status of the run to continue (`abandoned` when it was killed).
    was: Option<RunStatus>,
}

fn plan(store: &mut Store, resources: &[String], resume: Option<&str>) -> anyhow::Result<Plan> {
    let Some(resume) = resume else {
        let resources = if resources.is_empty() {
            vec!["device-inventory".to_owned(), "devices".to_owned()]
        } else {
            resources.to_vec()
        };
        return Ok(Plan {
            run: None,
            resources,
            was: None,
        });
    };
    let run = if resume == "latest" {
        store
            .latest_incomplete_run()?
            .context("--resume: every run in the store is complete; nothing to resume")?
    } else {
        resume
            .parse()
            .map_err(|_| anyhow::anyhow!("--resume takes a run id, not `{resume}`"))?
    };
    let summary = store.run(run)?;
    if summary.status == RunStatus::Running {
        anyhow::bail!(
            "--resume: run {run} is being written by another process (wait for it, or stop it first)"
        );
    }
    if !resources.is_empty() && resources != summary.resources.as_slice() {
        anyhow::bail!(
            "--resume continues run {run} with its own resources ({}): name none",
            summary.resources.join(" ")
        );
    }
    Ok(Plan {
        run: Some(run),
        resources: summary.resources,
        was: Some(summary.status),
    })
}

/// Notes the tenants that did not complete and ends the run with its status.
fn finish_run(
    store: &mut Store,
    run: RunId,
    resources: &[String],
    report: &msp_orchestrator::Report,
) -> Result<RunStatus, msp_orchestrator::msp_store::StoreError> {
    for outcome in &report.tenants {
        let (how, why) = match &outcome.status {
            TenantStatus::Ok => continue,
            TenantStatus::Failed { message, .. } => (Incomplete::Failed, message.as_str()),
            TenantStatus::Skipped { reason } | TenantStatus::NoCluster { reason } => {
                (Incomplete::Skipped, reason.as_str())
            }
        };
        for resource in resources {
            store.note_incomplete(
                run,
                &outcome.tenant_id,
                &outcome.tenant_name,
                resource,
                how,
                why,
            )?;
        }
    }
    let status = if report.interrupted {
        RunStatus::Interrupted
    } else if report.all_succeeded() && report.source_error.is_none() {
        RunStatus::Complete
    } else {
        RunStatus::Partial
    };
    store.end_run(run, status)?;
    Ok(status)
}

/// The command line as stored with a run: secrets are never flags, but a value after any
/// flag that names one is left out all the same.
fn arguments() -> Vec<String> {
    let mut out = Vec::new();
    let mut hide_next = false;
    for arg in std::env::args().skip(1) {
        if hide_next {
            out.push("(hidden)".into());
            hide_next = false;
            continue;
        }
        let lower = arg.to_ascii_lowercase();
        let secret = ["secret", "token", "password"]
            .iter()
            .any(|w| lower.contains(w))
            && !lower.ends_with("-file");
        if secret && lower.starts_with("--") {
            match arg.split_once('=') {
                Some((flag, _)) => out.push(format!("{flag}=(hidden)")),
                None => {
                    out.push(arg);
                    hide_next = true;
                }
            }
        } else {
            out.push(arg);
        }
    }
    out
}

fn table(rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = Vec::new();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            let n = cell.chars().count();
            if widths.len() <= i {
                widths.push(n);
            } else {
                widths[i] = widths[i].max(n);
            }
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            line.push_str(cell);
            line.push_str(&" ".repeat(widths[i] - cell.chars().count() + 2));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn clean(text: &str) -> String {
    glp_auth::text::escape_control(text).into_owned()
}

fn csv(rows: &[Vec<String>]) -> String {
    rows.iter()
        .map(|row| {
            let cells: Vec<String> = row.iter().map(|c| csv_field(c)).collect();
            cells.join(",") + "\n"
        })
        .collect()
}

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
                    clean(&r.resources.join(" ")),
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
                    let text = |s: &str| {
                        if args.format == TableFormat::Csv {
                            s.to_owned()
                        } else {
                            clean(s)
                        }
                    };
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

/// `diff`: exit 0 when the runs are equal, 1 when they differ, 2 on trouble.
pub(crate) fn diff(global: &GlobalArgs, args: &DiffArgs) -> u8 {
    fatal(
        (|| {
            let store = open(&args.db, global)?;
            let complete = store.complete_runs()?;
            let (a, b) = match (args.run_a, args.run_b) {
                (Some(a), Some(b)) => (a, b),
                (Some(a), None) => (
                    a,
                    *complete
                        .last()
                        .context("no complete run in the store to compare with")?,
                ),
                (None, _) => match complete.as_slice() {
                    [.., a, b] => (*a, *b),
                    _ => anyhow::bail!(
                        "diff needs two complete runs (the store has {}): run `snapshot` again, or name the runs",
                        complete.len()
                    ),
                },
            };
            let options = DiffOptions {
                all_fields: args.all_fields,
                tenant: args.tenant.clone(),
                resource: args.resource.clone(),
            };
            let diff = store.diff(a, b, &options)?;
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            match args.format {
                DiffFormat::Jsonl => {
                    for m in &diff.missing {
                        let mut v = serde_json::to_value(m)?;
                        v["change"] = "missing".into();
                        writeln!(out, "{v}")?;
                    }
                    for c in &diff.changes {
                        serde_json::to_writer(&mut out, c)?;
                        writeln!(out)?;
                    }
                }
                DiffFormat::Table => {
                    let mut rows = vec![
                        ["TENANT", "RESOURCE", "SERIAL", "CHANGE", "FIELDS"]
                            .map(String::from)
                            .to_vec(),
                    ];
                    for m in &diff.missing {
                        rows.push(vec![
                            clean(&m.tenant_name),
                            clean(&m.resource),
                            "-".into(),
                            "missing".into(),
                            format!("not complete in run {}", m.missing_in),
                        ]);
                    }
                    for c in &diff.changes {
                        let fields = c
                            .fields
                            .iter()
                            .map(|f| format!("{}: {} -> {}", f.field, f.before, f.after))
                            .collect::<Vec<_>>()
                            .join("; ");
                        rows.push(vec![
                            clean(&c.tenant_name),
                            clean(&c.resource),
                            clean(&c.key),
                            match c.change {
                                ChangeKind::Added => "added",
                                ChangeKind::Removed => "removed",
                                ChangeKind::Changed => "changed",
                            }
                            .into(),
                            clean(&fields),
                        ]);
                    }
                    if rows.len() > 1 {
                        out.write_all(table(&rows).as_bytes())?;
                    }
                }
            }
            out.flush()?;
            let count = |k| diff.changes.iter().filter(|c| c.change == k).count();
            eprintln!(
                "run {a} -> run {b}: {} added, {} removed, {} changed, {} tenant x resource missing",
                count(ChangeKind::Added),
                count(ChangeKind::Removed),
                count(ChangeKind::Changed),
                diff.missing.len()
            );
            Ok(if diff.is_empty() { EXIT_OK } else { 1 })
        })(),
        EXIT_USAGE,
    )
}

/// `export`: a run's records in collect's shape.
pub(crate) fn export(global: &GlobalArgs, args: &ExportArgs) -> u8 {
    fatal(
        (|| {
            let store = open(&args.db, global)?;
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
