//! `msp-orchestrator`: list the tenants of an HPE GreenLake MSP and collect, snapshot and compare
//! their GreenLake and Central data. Run `msp-orchestrator --help`.
//!
//! The binary of the `msp-cli` package: clap types, settings and one function per command over
//! the `msp-orchestrator` library.

mod args;
mod checks;
mod display;
mod dry_run;
mod generate;
mod history;
mod output_target;
mod overview;
mod settings;
mod summary;

use std::fs::File;
use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use central_api::CentralClient;
use futures::StreamExt as _;
use glp_auth::text::escape_control;
use glp_auth::{BaseUrl, RetryPolicy};
use glp_workspaces::WorkspacesClient;
use msp_orchestrator::{
    Cancel, CentralPlan, Clusters, CollectJob, Orchestrator, RecordWriter, ResourceSpec, Session,
    SourceItem, StopLevel, TenantSource, csv_field, gateway_name, one_line,
};

pub(crate) use args::Cli;
use args::{CollectArgs, Command, LogFormat, TenantFormat};
use settings::Settings;

/// `1 tenant`, `2 tenants`.
pub(crate) fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Exit codes.
const EXIT_OK: u8 = 0;
const EXIT_FATAL: u8 = 1;
const EXIT_USAGE: u8 = 2;
const EXIT_SOME_FAILED: u8 = 3;
/// Stdout's reader went away (EPIPE: `... | head -1`): the command ends at once, quietly, with
/// 128 + SIGPIPE, the status a shell reports for a program that signal ended (as `seq`, `cat`).
const EXIT_BROKEN_PIPE: u8 = 141;

/// Whether `e`, or what caused it, is a write to a pipe whose reader went away.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || cause
                .downcast_ref::<serde_json::Error>()
                .is_some_and(|j| j.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe))
    })
}

/// When the process started (the `--report` file says it).
static STARTED: std::sync::OnceLock<std::time::SystemTime> = std::sync::OnceLock::new();

/// What `--report` says about the run itself: when, which build, with which arguments (the
/// client secret is never an argument; the text is redacted all the same).
fn run_info() -> serde_json::Value {
    let started = STARTED
        .get()
        .copied()
        .unwrap_or_else(std::time::SystemTime::now);
    let arguments: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| glp_auth::text::redact(&a.to_string_lossy()).into_owned())
        .collect();
    serde_json::json!({
        "started_at": msp_orchestrator::rfc3339(started),
        "version": args::VERSION,
        "arguments": arguments,
    })
}

/// Parses the command line and runs it.
fn main() -> ExitCode {
    let _ = STARTED.set(std::time::SystemTime::now());
    install_panic_hook();
    let cli = Cli::parse_recording(std::env::args_os()).unwrap_or_else(|e| e.exit());
    if let Some(code) = generate::run(&cli.command) {
        return ExitCode::from(code);
    }
    init_logging(cli.global.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(EXIT_FATAL);
        }
    };
    let code = runtime.block_on(run(cli));
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    ExitCode::from(code)
}

/// Panic messages may hold server text: print them redacted (the secret, every token) and
/// escaped, never raw.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "(no message)".into());
        let location = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!(
            "error: internal error (panic){location}: {}",
            one_line(&message)
        );
    }));
}

fn init_logging(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    let builder = tracing_subscriber::fmt()
        .with_ansi(summary::colour_on_stderr())
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

async fn run(cli: Cli) -> u8 {
    let quiet = cli.global.quiet;
    // Signals first: a signal during the token request or the Central check must end the run
    // with its summary, not kill the process.
    let cancel = Cancel::new();
    let signals = match Signals::install() {
        Ok(signals) => tokio::spawn(watch_signals(signals, cancel.clone())),
        Err(e) => {
            eprintln!("error: cannot install the signal handlers: {e}");
            return EXIT_FATAL;
        }
    };
    let code = match cli.command {
        Command::Tenants(args) => match Context::from_flags(&cli.global, &cancel).await {
            Built::Ready(ctx) => report_fatal(tenants(&ctx, args.format, &cancel).await),
            Built::Failed => EXIT_FATAL,
            Built::Interrupted => {
                eprintln!("interrupted before any tenant was listed");
                EXIT_SOME_FAILED
            }
        },
        Command::Overview(args) => {
            match settings::resolve(&cli.global, |k| std::env::var(k).ok()) {
                Err(e) => {
                    eprintln!("error: {e}");
                    EXIT_FATAL
                }
                Ok(settings) => match Context::connect(settings, &cancel).await {
                    Built::Ready(ctx) => report_fatal(overview::overview(&ctx, args.format).await),
                    Built::Failed => EXIT_FATAL,
                    Built::Interrupted => EXIT_SOME_FAILED,
                },
            }
        }
        Command::Collect(args) => {
            let checked = checks::msp_inventory(&args).and_then(|msp| {
                if msp {
                    Ok(())
                } else {
                    checks::collect_args(&args).map(|_| ())
                }
            });
            if let Err(e) = checked {
                eprintln!("error: {e}");
                return EXIT_USAGE;
            }
            // GreenLake resources alone need no Central gateway (unless Central lists the
            // tenants).
            let needs_central = !checks::greenlake_only(&args);
            match settings::resolve_for(&cli.global, |k| std::env::var(k).ok(), needs_central) {
                Err(e) => {
                    eprintln!("error: {e}");
                    EXIT_FATAL
                }
                Ok(settings) => {
                    let existing = output_target::Existing::from_args(&args);
                    run_collect(settings, &args, existing, quiet, &cancel).await
                }
            }
        }
        Command::Demo(args) => {
            if let Err(e) = checks::collect_args(&args.collect) {
                eprintln!("error: {e}");
                return EXIT_USAGE;
            }
            demo(&cli.global, args, quiet, &cancel).await
        }
        Command::Config(args::ConfigCommand::Show) => report_fatal(config_show(&cli.global)),
        // Handled before the runtime started.
        Command::Completions(_) | Command::Man(_) => EXIT_OK,
        Command::Snapshot(args) => history::snapshot(&cli.global, &args, quiet, &cancel).await,
        Command::Runs(args) => history::runs(&cli.global, &args),
        Command::Status(args) => history::status(&cli.global, &args),
        Command::Diff(args) => history::diff(&cli.global, &args),
        Command::Export(args) => history::export(&cli.global, &args),
        Command::Prune(args) => history::prune(&cli.global, &args),
    };
    if signals.is_finished() {
        if let Err(e) = signals.await {
            eprintln!(
                "warning: the signal handler stopped: {}",
                msp_orchestrator::join_error_text(e)
            );
        }
    } else {
        signals.abort();
    }
    code
}

/// `collect` with resolved settings: the output files are opened before any request, then the
/// clients are built (the token request), then the run.
async fn run_collect(
    settings: Settings,
    args: &CollectArgs,
    existing: output_target::Existing,
    quiet: bool,
    cancel: &Cancel,
) -> u8 {
    if args.dry_run {
        return match Context::connect(settings, cancel).await {
            Built::Ready(ctx) => match checks::collect_args(args) {
                Ok((resources, _)) => report_fatal(dry_run::run(&ctx, &resources, cancel).await),
                Err(e) => {
                    eprintln!("error: {e}");
                    EXIT_USAGE
                }
            },
            Built::Failed => EXIT_FATAL,
            Built::Interrupted => EXIT_SOME_FAILED,
        };
    }
    let outputs = match Outputs::open(args, existing) {
        Ok(outputs) => outputs,
        Err(e) => {
            eprintln!("error: {e:#}; nothing was contacted");
            return EXIT_USAGE;
        }
    };
    match Context::connect(settings, cancel).await {
        Built::Ready(ctx) => collect(&ctx, args, outputs, quiet, cancel).await,
        Built::Failed => EXIT_FATAL,
        Built::Interrupted => finish_interrupted(args, outputs),
    }
}

/// A signal arrived before the run started: the summary, an empty `--failed-out` and the report
/// say so.
fn finish_interrupted(args: &CollectArgs, outputs: Outputs) -> u8 {
    let report = msp_orchestrator::Report {
        interrupted: true,
        source_error: Some("interrupted before the tenants were listed".into()),
        ..Default::default()
    };
    match finish_files(args, outputs, &report, false) {
        Ok(()) => {
            eprintln!("{}", report.summary());
            EXIT_SOME_FAILED
        }
        Err(e) => {
            eprintln!("{}", report.summary());
            eprintln!("error: {}", one_line(&format!("{e:#}")));
            EXIT_FATAL
        }
    }
}

/// `config show`: every setting, its value (the secret masked, text escaped) and its source.
fn config_show(flags: &args::GlobalArgs) -> anyhow::Result<u8> {
    match settings::explain(flags, |k| std::env::var(k).ok()) {
        Err(e) => {
            eprintln!("error: {e}");
            Ok(EXIT_FATAL)
        }
        Ok(rows) => {
            let width = rows.iter().map(|r| r.key.len()).max().unwrap_or(0);
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            for row in rows {
                let value = escape_control(&row.value);
                if row.source.is_empty() {
                    writeln!(out, "{:<width$}  {value}", row.key)?;
                } else {
                    writeln!(
                        out,
                        "{:<width$}  {value}  ({})",
                        row.key,
                        escape_control(&row.source)
                    )?;
                }
            }
            out.flush()?;
            Ok(EXIT_OK)
        }
    }
}

/// The error of a command, printed (exit 1); a closed stdout ends it quietly (141).
fn report_fatal(result: anyhow::Result<u8>) -> u8 {
    result.unwrap_or_else(|e| {
        if is_broken_pipe(&e) {
            return EXIT_BROKEN_PIPE;
        }
        eprintln!("error: {}", one_line(&format!("{e:#}")));
        EXIT_FATAL
    })
}

/// `--output`, `--failed-out` and `--report`, opened before any request so that a bad path
/// fails at once. Nothing is truncated until it is written: a run that fails before its work
/// leaves the files of the last run as they were.
struct Outputs {
    output: Option<output_target::OutputFile>,
    failed_out: Option<File>,
    report: Option<File>,
}

impl Outputs {
    fn open(args: &CollectArgs, existing: output_target::Existing) -> anyhow::Result<Self> {
        let format = output_target::record_format(args).map_err(anyhow::Error::msg)?;
        output_target::check_side_files(args).map_err(anyhow::Error::msg)?;
        let options = checks::writer_options(args, format).map_err(anyhow::Error::msg)?;
        let open =
            |path: &Option<std::path::PathBuf>, what: &str| -> anyhow::Result<Option<File>> {
                path.as_deref()
                    .map(|path| {
                        std::fs::OpenOptions::new()
                            .write(true)
                            .create(true)
                            .truncate(false)
                            .open(path)
                            .with_context(|| format!("cannot create {what} {}", path.display()))
                    })
                    .transpose()
            };
        Ok(Self {
            output: output_target::open(
                args.output.as_deref(),
                format,
                existing,
                &msp_orchestrator::csv_header(&options),
            )?,
            failed_out: open(&args.failed_out, "the --failed-out file")?,
            report: open(&args.report, "the --report file")?,
        })
    }
}

/// `file`, emptied and rewound for writing when it is a regular file (`/dev/null`, a FIFO or a
/// terminal can be neither: they are written as they are).
fn fresh(mut file: File) -> std::io::Result<File> {
    use std::io::Seek as _;
    if file.metadata()?.is_file() {
        file.set_len(0)?;
        file.rewind()?;
    }
    Ok(file)
}

/// Writes `--failed-out` (every tenant when the output failed: their records may not all be on
/// disk) and `--report`.
fn finish_files(
    args: &CollectArgs,
    outputs: Outputs,
    report: &msp_orchestrator::Report,
    output_failed: bool,
) -> anyhow::Result<()> {
    if let (Some(file), Some(path)) = (outputs.failed_out, &args.failed_out) {
        let result = if output_failed {
            let all = report
                .tenants
                .iter()
                .filter_map(|t| t.workspace_id.as_deref());
            write_lines(file, all, report.not_rerunnable())
        } else {
            write_lines(file, report.rerun_ids(), report.not_rerunnable())
        };
        result.with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let (Some(file), Some(path)) = (outputs.report, &args.report) {
        let file = fresh(file).with_context(|| format!("cannot write {}", path.display()))?;
        let mut out = std::io::BufWriter::new(file);
        let mut value = serde_json::to_value(report).map_err(std::io::Error::from)?;
        if let Some(object) = value.as_object_mut() {
            object.insert("run".into(), run_info());
        }
        serde_json::to_writer_pretty(&mut out, &value)
            .map_err(std::io::Error::from)
            .and_then(|()| out.flush())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// The clients of a run.
struct Context {
    settings: Settings,
    workspaces: WorkspacesClient,
    /// The Central gateways: those given, or those found (`--central-cluster auto`).
    clusters: Clusters,
}

/// How building the clients ended.
enum Built {
    Ready(Box<Context>),
    /// The error was printed.
    Failed,
    /// A signal arrived first.
    Interrupted,
}

impl Context {
    /// For `tenants`: Central is needed only when it lists the tenants.
    async fn from_flags(flags: &args::GlobalArgs, cancel: &Cancel) -> Built {
        match settings::resolve_for(flags, |k| std::env::var(k).ok(), false) {
            Ok(settings) => Self::connect(settings, cancel).await,
            Err(e) => {
                eprintln!("error: {e}");
                Built::Failed
            }
        }
    }

    /// Builds the clients and checks the credential once, before any per-tenant work; a
    /// signal ends the wait at once.
    async fn connect(settings: Settings, cancel: &Cancel) -> Built {
        tokio::select! {
            biased;
            _ = cancel.reached(StopLevel::Drain) => Built::Interrupted,
            built = Self::build(settings) => match built {
                Ok(ctx) => Built::Ready(Box::new(ctx)),
                Err(e) => {
                    eprintln!("error: {}", one_line(&format!("{e:#}")));
                    Built::Failed
                }
            },
        }
    }

    async fn build(settings: Settings) -> anyhow::Result<Self> {
        let session = Session::connect(&settings.session()).await?;
        if session.discovered {
            for note in &session.notes {
                eprintln!("warning: {}", one_line(note));
            }
            let names: Vec<&str> = session.clusters.iter().map(|c| c.name.as_str()).collect();
            eprintln!("Central clusters found: {}", names.join(", "));
        }
        Ok(Self {
            workspaces: session.workspaces,
            clusters: session.clusters,
            settings,
        })
    }
}

async fn tenants(ctx: &Context, format: TenantFormat, cancel: &Cancel) -> anyhow::Result<u8> {
    let mut stream = ctx.settings.source.stream(&ctx.workspaces, &ctx.clusters);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut first = true;
    let mut count = 0usize;
    if format == TenantFormat::Csv {
        writeln!(out, "tenant_id,workspace_id,name,central_tenant_id,cluster")?;
    }
    if format == TenantFormat::Json {
        write!(out, "[")?;
    }
    // Central's ids are known when Central listed the tenants, or placed them on clusters.
    let central_ids = ctx.settings.source == TenantSource::Central || ctx.clusters.len() > 1;
    if format == TenantFormat::Table {
        if central_ids {
            writeln!(
                out,
                "{:<36}  {:<16}  {:<36}  NAME",
                "WORKSPACE ID", "CLUSTER", "CENTRAL TENANT ID"
            )?;
        } else {
            writeln!(out, "{:<36}  {:<16}  NAME", "WORKSPACE ID", "CLUSTER")?;
        }
    }
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let shown = |text: &str, terminal: bool| -> String {
        if terminal {
            escape_control(text).into_owned()
        } else {
            text.to_owned()
        }
    };
    let mut interrupted = false;
    loop {
        let item = tokio::select! {
            biased;
            _ = cancel.reached(StopLevel::Drain) => {
                interrupted = true;
                break;
            }
            item = stream.next() => match item {
                Some(item) => item,
                None => break,
            },
        };
        let tenant = match item {
            Ok(SourceItem::Tenant(t)) => t,
            Ok(SourceItem::NoCluster { tenant, clusters }) => {
                if ctx.settings.selector.selects(&tenant) {
                    eprintln!(
                        "warning: tenant {} ({}) is on no Central cluster of this run ({}): \
                         no_cluster",
                        escape_control(&tenant.name),
                        tenant.workspace_id,
                        escape_control(&clusters)
                    );
                }
                tenant
            }
            Ok(SourceItem::Unresolved {
                listed_id,
                name,
                reason,
            }) => {
                eprintln!(
                    "warning: tenant {} ({}) left out: {}",
                    escape_control(&name),
                    escape_control(&listed_id),
                    one_line(&reason)
                );
                continue;
            }
            Err(e) => {
                out.flush()?;
                eprintln!("{count} tenants listed before the error");
                return Err(anyhow::Error::new(e).context("listing tenants failed"));
            }
        };
        if !ctx.settings.selector.selects(&tenant) {
            continue;
        }
        count += 1;
        // `tenant_id` is the workspace id, whatever listed the tenant.
        let cluster = tenant.cluster.as_deref().unwrap_or("-");
        let mut json = serde_json::json!({
            "tenant_id": tenant.workspace_id,
            "workspace_id": tenant.workspace_id,
            "name": tenant.name,
            "cluster": tenant.cluster,
        });
        if let (Some(central_id), Some(object)) = (&tenant.central_tenant_id, json.as_object_mut())
        {
            object.insert("central_tenant_id".into(), central_id.clone().into());
        }
        match format {
            TenantFormat::Table if central_ids => writeln!(
                out,
                "{:<36}  {:<16}  {:<36}  {}",
                tenant.workspace_id.hyphenated(),
                escape_control(cluster),
                escape_control(tenant.central_tenant_id.as_deref().unwrap_or("-")),
                escape_control(&tenant.name)
            )?,
            TenantFormat::Table => writeln!(
                out,
                "{:<36}  {:<16}  {}",
                tenant.workspace_id.hyphenated(),
                escape_control(cluster),
                escape_control(&tenant.name)
            )?,
            TenantFormat::Jsonl => writeln!(out, "{json}")?,
            TenantFormat::Json => {
                write!(out, "{}\n  {json}", if first { "" } else { "," })?;
            }
            // CSV is data: the real value, unless it is shown on a terminal.
            TenantFormat::Csv => writeln!(
                out,
                "{},{},{},{},{}",
                tenant.workspace_id.hyphenated(),
                tenant.workspace_id.hyphenated(),
                csv_field(&shown(&tenant.name, terminal)),
                csv_field(&shown(
                    tenant.central_tenant_id.as_deref().unwrap_or_default(),
                    terminal
                )),
                csv_field(&shown(
                    tenant.cluster.as_deref().unwrap_or_default(),
                    terminal
                ))
            )?,
        }
        first = false;
    }
    if format == TenantFormat::Json {
        writeln!(out, "{}]", if first { "" } else { "\n" })?;
    }
    out.flush()?;
    if interrupted {
        eprintln!("interrupted: {count} tenants listed before the signal (the list is not whole)");
        return Ok(EXIT_SOME_FAILED);
    }
    eprintln!("{}", plural(count, "tenant"));
    if let Some(e) =
        checks::empty_selection(&ctx.settings.selector, &msp_orchestrator::Report::default())
    {
        eprintln!("error: {e}");
        return Ok(EXIT_USAGE);
    }
    Ok(EXIT_OK)
}

async fn collect(
    ctx: &Context,
    args: &CollectArgs,
    outputs: Outputs,
    quiet: bool,
    cancel: &Cancel,
) -> u8 {
    let msp = match checks::msp_inventory(args) {
        Ok(msp) => msp,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    let resources = if msp {
        (Vec::new(), msp_orchestrator::Query::default())
    } else {
        match checks::collect_args(args) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: {e}");
                return EXIT_USAGE;
            }
        }
    };
    match collect_inner(ctx, args, outputs, resources, msp, quiet, cancel).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", one_line(&format!("{e:#}")));
            EXIT_FATAL
        }
    }
}

async fn collect_inner(
    ctx: &Context,
    args: &CollectArgs,
    mut outputs: Outputs,
    (resources, query): (Vec<ResourceSpec>, msp_orchestrator::Query),
    msp: bool,
    quiet: bool,
    cancel: &Cancel,
) -> anyhow::Result<u8> {
    if ctx.settings.source != TenantSource::Central && !checks::greenlake_only(args) {
        // With the Central source, listing the tenants is this check; GreenLake resources
        // alone call no Central.
        let checked = tokio::select! {
            biased;
            _ = cancel.reached(StopLevel::Drain) => None,
            checked = check_central(ctx) => Some(checked),
        };
        match checked {
            None => return Ok(finish_interrupted(args, outputs)),
            Some(Err(e)) => {
                eprintln!("error: {}", one_line(&format!("{e:#}")));
                return Ok(EXIT_FATAL);
            }
            Some(Ok(())) => {}
        }
    }
    let format = output_target::record_format(args).map_err(anyhow::Error::msg)?;
    let mut options = checks::writer_options(args, format).map_err(anyhow::Error::msg)?;
    let format = output_target::writer_format(format);
    let sink: Box<dyn Write + Send> = match (outputs.output.take(), &args.output) {
        (Some(out), Some(_)) if out.append => {
            options.header = false;
            Box::new(out.file)
        }
        (Some(out), Some(path)) => Box::new(
            fresh(out.file)
                .with_context(|| format!("cannot write the output file {}", path.display()))?,
        ),
        _ => Box::new(std::io::stdout()),
    };
    let mut writer = RecordWriter::with_options(format, sink, options)?;
    let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
    let counts = Arc::new(std::sync::Mutex::new(summary::Counts::default()));
    let counted = counts.clone();
    let writer_task = tokio::task::spawn_blocking(move || -> std::io::Result<u64> {
        let mut local = summary::Counts::default();
        let result = (|| {
            while let Some(record) = rx.blocking_recv() {
                writer.write(&record)?;
                local.add(&record.tenant_id, &record.resource);
            }
            let written = writer.written();
            writer.finish()?;
            Ok(written)
        })();
        if let Ok(mut shared) = counted.lock() {
            *shared = local;
        }
        result
    });

    let orchestrator = Orchestrator::new(ctx.clusters.clone())
        .greenlake(ctx.workspaces.clone())
        .concurrency(ctx.settings.concurrency)
        .tenant_timeout(ctx.settings.timeout)
        .selector(ctx.settings.selector.clone());
    let (done_tx, done_rx) = tokio::sync::watch::channel(false);
    // A live progress line on a terminal that also shows the records would cut into them.
    let records_on_terminal = args.output.as_deref().is_none_or(output_target::is_dash)
        && std::io::IsTerminal::is_terminal(&std::io::stdout())
        && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let display = (!quiet && !records_on_terminal).then(|| {
        tokio::spawn(display::show(
            orchestrator.progress(),
            ctx.clusters.clone(),
            done_rx,
        ))
    });
    let result = if msp {
        msp_orchestrator::collect_msp_inventory(&ctx.workspaces, &ctx.clusters, tx, cancel)
            .await
            .map_err(|e| e.to_string())
    } else {
        let job = Arc::new(CollectJob::new(resources).with_query(query));
        let tenants = ctx.settings.source.stream(&ctx.workspaces, &ctx.clusters);
        orchestrator
            .run(tenants, job, tx, cancel)
            .await
            .map_err(|e| e.to_string())
    };
    let _ = done_tx.send(true);
    if let Some(display) = display
        && let Err(e) = display.await
    {
        eprintln!(
            "warning: the progress display stopped: {}",
            msp_orchestrator::join_error_text(e)
        );
    }
    // The writer's end is part of the result: a failed or panicked writer means records may be
    // missing from the output, whatever the tenants' outcomes say.
    let mut broken_pipe = false;
    let written = match writer_task.await {
        Ok(Ok(n)) => Ok(n),
        Ok(Err(e)) => {
            broken_pipe = e.kind() == std::io::ErrorKind::BrokenPipe;
            Err(format!("writing the output failed: {e}"))
        }
        Err(e) => Err(format!(
            "the output writer {}",
            msp_orchestrator::join_error_text(e)
        )),
    };
    let report = match result {
        Ok(report) => report,
        Err(_) if broken_pipe => return Ok(EXIT_BROKEN_PIPE),
        Err(e) => {
            eprintln!("error: {}", one_line(&e.to_string()));
            if let Err(w) = &written {
                eprintln!("error: {w}");
            }
            return Ok(EXIT_FATAL);
        }
    };
    let output_failed = written.is_err();
    let files = finish_files(args, outputs, &report, output_failed);
    if broken_pipe {
        // Stdout's reader went away (`collect -o - | head`): the run stopped at once; no
        // summary, no error (`--failed-out` lists every tenant, `--report` says what ran).
        return Ok(EXIT_BROKEN_PIPE);
    }
    let table = match args.summary {
        args::SummaryArg::Table => true,
        args::SummaryArg::Totals => false,
        args::SummaryArg::Auto => std::io::IsTerminal::is_terminal(&std::io::stderr()),
    };
    if table && !report.tenants.is_empty() {
        let colour = summary::colour_on_stderr();
        match counts.lock() {
            Ok(counts) => eprint!("{}", summary::table(&report, &counts, colour)),
            Err(_) => eprint!(
                "{}",
                summary::table(&report, &summary::Counts::default(), colour)
            ),
        }
    }
    eprintln!("{}", report.summary());
    files?;
    let written = match written {
        Ok(n) => n,
        Err(e) => {
            eprintln!("error: {e}; records may be missing from the output");
            if let Some(path) = &args.failed_out {
                eprintln!(
                    "every tenant is listed in {} for a rerun: --tenant-ids-from {}",
                    path.display(),
                    path.display()
                );
            }
            return Ok(EXIT_FATAL);
        }
    };
    if let Some(path) = args
        .output
        .as_deref()
        .filter(|p| !output_target::is_dash(p))
    {
        let verb = if args.append { "appended" } else { "wrote" };
        eprintln!("{verb} {written} records to {}", path.display());
    }
    if report.credential_rejected.is_some() {
        // The summary told why (once, with the hint): nothing can work until it is fixed.
        return Ok(EXIT_FATAL);
    }
    if let Some(e) = checks::empty_selection(&ctx.settings.selector, &report) {
        eprintln!("error: {e}");
        return Ok(EXIT_USAGE);
    }
    if report.source_error.is_some()
        && !report.interrupted
        && report.succeeded() + report.failed() == 0
    {
        // The listing failed before any tenant ran: nothing was done.
        return Ok(EXIT_FATAL);
    }
    if !report.all_succeeded() {
        if let Some(path) = &args.failed_out {
            eprintln!(
                "rerun the tenants that did not complete with: --tenant-ids-from {}",
                path.display()
            );
        }
        return Ok(EXIT_SOME_FAILED);
    }
    Ok(EXIT_OK)
}

/// One MSP-scoped Central call (`list-tenants`, one item) per cluster before any tenant starts,
/// so that a wrong gateway URL or region fails the run at once, naming the gateway, with a
/// hint, instead of failing every tenant after its retries. Only a 403, a 429 or a server error
/// lets the run go on (with a warning): those say the gateway is there, and each tenant's call
/// will tell more.
async fn check_central(ctx: &Context) -> anyhow::Result<()> {
    if ctx.settings.central == CentralPlan::Auto {
        // Discovery just made this very call on every cluster it kept.
        return Ok(());
    }
    let checks = ctx.clusters.iter().map(|cluster| async move {
        let probe = CentralClient::new(
            cluster
                .client
                .api_client()
                .with_retry(RetryPolicy::with_max_attempts(2)),
        );
        (cluster, probe.list_tenants().limit(1).page(None).await)
    });
    let several = ctx.clusters.len() > 1;
    for (cluster, result) in futures::future::join_all(checks).await {
        let url = cluster.client.api_client().base_url();
        let at = if several || cluster.name != gateway_label(url) {
            format!("{} ({url})", cluster.name)
        } else {
            url.to_string()
        };
        match result {
            Ok(_) => {}
            Err(e) if matches!(e.status(), Some(403 | 429 | 500..=599)) => {
                eprintln!(
                    "warning: checking Central at {at} gave: {}",
                    one_line(&e.to_string())
                );
            }
            Err(e) => {
                return Err(anyhow::Error::new(e).context(format!(
                    "cannot use Central at {at} (check --central-base-url / CENTRAL_BASE_URL or \
                     --central-cluster / CENTRAL_CLUSTER: the API gateway URL is on Central's API \
                     Gateway page; --central-cluster auto finds the MSP's clusters); no tenant \
                     was contacted"
                )));
            }
        }
    }
    Ok(())
}

/// The host (and port) of a gateway: the name a gateway without a cluster name gets.
fn gateway_label(url: &BaseUrl) -> String {
    gateway_name(url, &central_api::ClusterTable::default())
}

/// Writes the ids of a rerun (workspace ids rendered by us, never server text), and a comment
/// saying how many tenants could not be listed by id.
fn write_lines<'a>(
    file: File,
    ids: impl Iterator<Item = &'a str>,
    not_rerunnable: usize,
) -> std::io::Result<()> {
    let mut file = std::io::BufWriter::new(fresh(file)?);
    for id in ids {
        writeln!(file, "{id}")?;
    }
    if not_rerunnable > 0 {
        writeln!(
            file,
            "# {not_rerunnable} more tenants did not complete and have no workspace id to rerun \
             them by (see the summary)"
        )?;
    }
    file.flush()
}

/// SIGINT (Ctrl-C) and SIGTERM, installed at once (before the first network call). Each
/// signal of either kind moves the stop one level up.
struct Signals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    #[cfg(unix)]
    fn install() -> std::io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Self {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    #[cfg(not(unix))]
    fn install() -> std::io::Result<Self> {
        Ok(Self {})
    }

    /// The next signal's name, or `None` when no more can come.
    #[cfg(unix)]
    async fn next(&mut self) -> Option<&'static str> {
        tokio::select! {
            s = self.interrupt.recv() => s.map(|()| "interrupted"),
            s = self.terminate.recv() => s.map(|()| "terminated (SIGTERM)"),
        }
    }

    #[cfg(not(unix))]
    async fn next(&mut self) -> Option<&'static str> {
        tokio::signal::ctrl_c().await.ok().map(|()| "interrupted")
    }
}

async fn watch_signals(mut signals: Signals, cancel: Cancel) {
    while let Some(what) = signals.next().await {
        match cancel.escalate() {
            StopLevel::Drain => eprintln!(
                "\n{what}: no new tenants start; tenants in flight finish (Ctrl-C or SIGTERM again to stop them now)"
            ),
            _ => eprintln!("\n{what} again: stopping tenants in flight"),
        }
    }
}

#[cfg(feature = "demo")]
async fn demo(flags: &args::GlobalArgs, args: args::DemoArgs, quiet: bool, cancel: &Cancel) -> u8 {
    use platform_sim::{SimConfig, Simulator};
    let config = SimConfig {
        tenants: args.tenants,
        seed: args.seed,
        generation: args.history.generation,
        latency: std::time::Duration::from_millis(15),
        latency_jitter: std::time::Duration::from_millis(10),
        fail_rate: 0.02,
        drop_rate: 0.005,
        malformed_rate: 0.005,
        central_page_cap: Some(200),
        max_devices: 2500,
        // An MSP on two Central clusters, found as a real one is: `--central-cluster auto`.
        clusters: vec!["US-WEST-4".into(), "EU-1".into()],
        ..SimConfig::default()
    };
    let sim = match Simulator::start(config).await {
        Ok(sim) => sim,
        Err(e) => {
            eprintln!("error: cannot start the simulator: {e}");
            return EXIT_FATAL;
        }
    };
    let creds = sim.credentials();
    eprintln!(
        "demo: a simulated MSP with {} tenants at {} (latency and a few transient faults on)",
        args.tenants,
        sim.base_url()
    );
    let url = sim.base_url();
    // Every public cluster's gateway is the simulator's: discovery never leaves this machine.
    let cluster_urls: Vec<String> = sim
        .clusters()
        .into_iter()
        .map(|c| format!("{}={}", c.name, c.base_url))
        .collect();
    let env = |k: &str| match k {
        "GLP_CLIENT_ID" => Some(creds.client_id.clone()),
        "GLP_CLIENT_SECRET" => Some(creds.client_secret.clone()),
        "GLP_WORKSPACE_ID" => Some(creds.workspace_id.clone()),
        "GLP_BASE_URL" => Some(url.clone()),
        "CENTRAL_CLUSTER" => Some("auto".into()),
        "CENTRAL_CLUSTER_URLS" => Some(cluster_urls.join(",")),
        _ => None,
    };
    // The simulator's environment, not the process's: the demo never uses a real account's
    // credentials or URLs (flags still apply).
    let code = match settings::resolve(flags, env) {
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_FATAL
        }
        Ok(settings) if args.history.snapshot => {
            let db = args
                .history
                .db
                .unwrap_or_else(|| "demo-inventory.sqlite".into());
            history::run_snapshot(settings, &args.collect.resources, None, db, quiet, cancel).await
        }
        Ok(settings) => {
            let mut collect_args = args.collect;
            let mut existing = output_target::Existing::from_args(&collect_args);
            if collect_args.output.is_none() {
                // The demo's own file of simulated records is replaced on each run; its
                // extension follows the format.
                let format = collect_args.format.unwrap_or(args::RecordFormat::Jsonl);
                collect_args.output =
                    Some(format!("demo-records.{}", output_target::extension(format)).into());
                existing = output_target::Existing::Overwrite;
            }
            run_collect(settings, &collect_args, existing, quiet, cancel).await
        }
    };
    sim.shutdown().await;
    code
}

#[cfg(not(feature = "demo"))]
async fn demo(
    _flags: &args::GlobalArgs,
    _args: args::DemoArgs,
    _quiet: bool,
    _cancel: &Cancel,
) -> u8 {
    eprintln!("error: this build has no simulator; rebuild with the `demo` feature");
    EXIT_USAGE
}
