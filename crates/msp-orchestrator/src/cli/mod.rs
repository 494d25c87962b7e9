//! The `msp-orchestrator` command line.

mod args;
mod display;
mod settings;

use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use central_api::CentralClient;
use clap::Parser as _;
use futures::StreamExt as _;
use glp_auth::{AuthOptions, RetryPolicy, Scope, TokenProvider, msp_provider};
use glp_transport::{Api, ApiClient};
use glp_workspaces::WorkspacesClient;
use msp_orchestrator::{
    Cancel, CollectJob, Format, Orchestrator, RecordWriter, ResourceSpec, SourceItem, TenantSource,
    csv_field,
};

pub(crate) use args::Cli;
use args::{CollectArgs, Command, LogFormat, RecordFormat, TenantFormat};
use settings::Settings;

/// Exit codes.
const EXIT_OK: u8 = 0;
const EXIT_FATAL: u8 = 1;
const EXIT_USAGE: u8 = 2;
const EXIT_SOME_FAILED: u8 = 3;

/// Parses the command line and runs it.
pub(crate) fn main() -> ExitCode {
    let cli = Cli::parse();
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

fn init_logging(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

async fn run(cli: Cli) -> u8 {
    let quiet = cli.global.quiet;
    match cli.command {
        Command::Tenants(args) => {
            let Some(ctx) = Context::from_flags(&cli.global).await else {
                return EXIT_FATAL;
            };
            report_fatal(tenants(&ctx, args.format).await)
        }
        Command::Collect(args) => {
            if let Err(e) = resources(&args) {
                eprintln!("error: {e}");
                return EXIT_USAGE;
            }
            let Some(ctx) = Context::from_flags(&cli.global).await else {
                return EXIT_FATAL;
            };
            collect(&ctx, &args, quiet).await
        }
        Command::Demo(args) => {
            if let Err(e) = resources(&args.collect) {
                eprintln!("error: {e}");
                return EXIT_USAGE;
            }
            demo(&cli.global, args, quiet).await
        }
    }
}

fn report_fatal(result: anyhow::Result<u8>) -> u8 {
    result.unwrap_or_else(|e| {
        eprintln!("error: {e:#}");
        EXIT_FATAL
    })
}

/// The clients of a run.
struct Context {
    settings: Settings,
    workspaces: WorkspacesClient,
    central: CentralClient,
}

impl Context {
    async fn from_flags(flags: &args::GlobalArgs) -> Option<Self> {
        match settings::resolve(flags, |k| std::env::var(k).ok()) {
            Ok(settings) => Self::new(settings).await,
            Err(e) => {
                eprintln!("error: {e}");
                None
            }
        }
    }

    /// Builds the clients and checks the credential once, before any per-tenant work.
    async fn new(settings: Settings) -> Option<Self> {
        match Self::build(settings).await {
            Ok(ctx) => Some(ctx),
            Err(e) => {
                eprintln!("error: {e:#}");
                None
            }
        }
    }

    async fn build(settings: Settings) -> anyhow::Result<Self> {
        let mut options = AuthOptions::default();
        options.retry = settings.retry;
        let provider = msp_provider(settings.credentials.clone(), options)?;
        let glp = ApiClient::builder(
            Api::GreenLake,
            settings.credentials.base_url.clone(),
            provider.clone(),
        )
        .rate_limit(settings.glp_rate)
        .retry(settings.retry)
        .build()?;
        let central = ApiClient::builder(Api::Central, settings.central.clone(), provider.clone())
            .rate_limit(settings.rate)
            .retry(settings.retry)
            .build()?;
        provider
            .token(&Scope::Msp)
            .await
            .context("cannot get an MSP access token; no tenant was contacted")?;
        Ok(Self {
            workspaces: WorkspacesClient::new(glp),
            central: CentralClient::new(central),
            settings,
        })
    }
}

async fn tenants(ctx: &Context, format: TenantFormat) -> anyhow::Result<u8> {
    let mut stream = ctx.settings.source.stream(&ctx.workspaces, &ctx.central);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut first = true;
    let mut count = 0usize;
    if format == TenantFormat::Csv {
        writeln!(out, "tenant_id,workspace_id,name")?;
    }
    if format == TenantFormat::Json {
        write!(out, "[")?;
    }
    if format == TenantFormat::Table {
        writeln!(out, "{:<36}  {:<36}  NAME", "TENANT ID", "WORKSPACE ID")?;
    }
    while let Some(item) = stream.next().await {
        let tenant = match item.context("listing tenants failed")? {
            SourceItem::Tenant(t) => t,
            SourceItem::Unresolved {
                listed_id,
                name,
                reason,
            } => {
                eprintln!("warning: tenant {name} ({listed_id}) left out: {reason}");
                continue;
            }
        };
        if !ctx.settings.selector.selects(&tenant) {
            continue;
        }
        count += 1;
        let json = serde_json::json!({
            "tenant_id": tenant.listed_id,
            "workspace_id": tenant.workspace_id,
            "name": tenant.name,
        });
        match format {
            TenantFormat::Table => writeln!(
                out,
                "{:<36}  {:<36}  {}",
                tenant.listed_id,
                tenant.workspace_id.hyphenated(),
                tenant.name
            )?,
            TenantFormat::Jsonl => writeln!(out, "{json}")?,
            TenantFormat::Json => {
                write!(out, "{}\n  {json}", if first { "" } else { "," })?;
            }
            TenantFormat::Csv => writeln!(
                out,
                "{},{},{}",
                csv_field(&tenant.listed_id),
                tenant.workspace_id.hyphenated(),
                csv_field(&tenant.name)
            )?,
        }
        first = false;
    }
    if format == TenantFormat::Json {
        writeln!(out, "{}]", if first { "" } else { "\n" })?;
    }
    out.flush()?;
    eprintln!("{count} tenants");
    Ok(EXIT_OK)
}

/// The resources of `collect` (device-inventory when none is named); a usage error names the
/// known ones. Checked before anything is contacted.
fn resources(args: &CollectArgs) -> Result<Vec<ResourceSpec>, String> {
    if args.resources.is_empty() {
        return Ok(vec![ResourceSpec::Known(
            central_api::Resource::DeviceInventory,
        )]);
    }
    args.resources.iter().map(|name| name.parse()).collect()
}

async fn collect(ctx: &Context, args: &CollectArgs, quiet: bool) -> u8 {
    let resources = match resources(args) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    match collect_inner(ctx, args, resources, quiet).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            EXIT_FATAL
        }
    }
}

async fn collect_inner(
    ctx: &Context,
    args: &CollectArgs,
    resources: Vec<ResourceSpec>,
    quiet: bool,
) -> anyhow::Result<u8> {
    if ctx.settings.source != TenantSource::Central {
        // With the Central source, listing the tenants is this check.
        if let Err(e) = check_central(ctx).await {
            eprintln!("error: {e:#}");
            return Ok(EXIT_FATAL);
        }
    }
    let format = match args.format {
        RecordFormat::Jsonl => Format::Jsonl,
        RecordFormat::Json => Format::Json,
        RecordFormat::Csv => Format::Csv,
        RecordFormat::Table => Format::Table,
    };
    let sink: Box<dyn Write + Send> = match &args.output {
        Some(path) => Box::new(
            File::create(path)
                .with_context(|| format!("cannot create the output file {}", path.display()))?,
        ),
        None => Box::new(std::io::stdout()),
    };
    let mut writer = RecordWriter::new(format, sink)?;
    let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
    let writer_task = tokio::task::spawn_blocking(move || -> std::io::Result<u64> {
        while let Some(record) = rx.blocking_recv() {
            writer.write(&record)?;
        }
        let written = writer.written();
        writer.finish()?;
        Ok(written)
    });

    let cancel = Cancel::new();
    let signals = tokio::spawn(watch_interrupts(cancel.clone()));
    let orchestrator = Orchestrator::new(ctx.central.clone())
        .concurrency(ctx.settings.concurrency)
        .tenant_timeout(ctx.settings.timeout)
        .selector(ctx.settings.selector.clone());
    let (done_tx, done_rx) = tokio::sync::watch::channel(false);
    let display = (!quiet).then(|| {
        tokio::spawn(display::show(
            orchestrator.progress(),
            ctx.central.api_client().clone(),
            done_rx,
        ))
    });
    let job = Arc::new(CollectJob::new(resources));
    let tenants = ctx.settings.source.stream(&ctx.workspaces, &ctx.central);
    let result = orchestrator.run(tenants, job, tx, &cancel).await;
    let _ = done_tx.send(true);
    if let Some(display) = display {
        let _ = display.await;
    }
    signals.abort();
    let written = writer_task.await.context("the output writer stopped")?;
    let report = match result {
        Ok(report) => report,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(EXIT_FATAL);
        }
    };
    let written = match written {
        Ok(n) => n,
        Err(e) => {
            eprintln!("error: writing the output failed: {e}");
            return Ok(EXIT_FATAL);
        }
    };
    if let Some(path) = &args.failed_out {
        write_lines(path, report.rerun_ids(), report.not_rerunnable())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let Some(path) = &args.report {
        let file =
            File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
        serde_json::to_writer_pretty(file, &report)?;
    }
    eprintln!("{}", report.summary());
    if let Some(path) = &args.output {
        eprintln!("wrote {written} records to {}", path.display());
    }
    if report.credential_rejected.is_some() {
        // The summary told why (once, with the hint): nothing can work until it is fixed.
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

/// One MSP-scoped Central call (`list-tenants`, one item) before any tenant starts, so that a
/// wrong gateway URL or region fails the run at once, with a hint, instead of failing every
/// tenant after its retries. Only a 403, a 429 or a server error lets the run go on (with a
/// warning): those say the gateway is there, and each tenant's call will tell more.
async fn check_central(ctx: &Context) -> anyhow::Result<()> {
    let probe = CentralClient::new(
        ctx.central
            .api_client()
            .with_retry(RetryPolicy::with_max_attempts(2)),
    );
    let url = &ctx.settings.central;
    match probe.list_tenants().limit(1).page(None).await {
        Ok(_) => Ok(()),
        Err(e) if matches!(e.status(), Some(403 | 429 | 500..=599)) => {
            eprintln!("warning: checking Central at {url} gave: {e}");
            Ok(())
        }
        Err(e) => Err(anyhow::Error::new(e).context(format!(
            "cannot use Central at {url} (check --central-base-url / CENTRAL_BASE_URL or \
             --central-cluster / CENTRAL_CLUSTER: the API gateway URL is on Central's API \
             Gateway page); no tenant was contacted"
        ))),
    }
}

/// Writes the ids of a rerun (workspace ids rendered by us, never server text), and a comment
/// saying how many tenants could not be listed by id.
fn write_lines<'a>(
    path: &Path,
    ids: impl Iterator<Item = &'a str>,
    not_rerunnable: usize,
) -> std::io::Result<()> {
    let mut file = std::io::BufWriter::new(File::create(path)?);
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

async fn watch_interrupts(cancel: Cancel) {
    while tokio::signal::ctrl_c().await.is_ok() {
        match cancel.escalate() {
            msp_orchestrator::StopLevel::Drain => eprintln!(
                "\ninterrupted: no new tenants start; tenants in flight finish (Ctrl-C again to stop them now)"
            ),
            _ => eprintln!("\ninterrupted again: stopping tenants in flight"),
        }
    }
}

#[cfg(feature = "demo")]
async fn demo(flags: &args::GlobalArgs, args: args::DemoArgs, quiet: bool) -> u8 {
    use platform_sim::{SimConfig, Simulator};
    let config = SimConfig {
        tenants: args.tenants,
        seed: args.seed,
        latency: std::time::Duration::from_millis(15),
        latency_jitter: std::time::Duration::from_millis(10),
        fail_rate: 0.02,
        drop_rate: 0.005,
        malformed_rate: 0.005,
        central_page_cap: Some(200),
        max_devices: 2500,
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
    let env = |k: &str| match k {
        "GLP_CLIENT_ID" => Some(creds.client_id.clone()),
        "GLP_CLIENT_SECRET" => Some(creds.client_secret.clone()),
        "GLP_WORKSPACE_ID" => Some(creds.workspace_id.clone()),
        "GLP_BASE_URL" | "CENTRAL_BASE_URL" => Some(url.clone()),
        _ => None,
    };
    let mut flags = flags.clone();
    flags.rate = flags.rate.or(Some(50.0));
    flags.glp_rate = flags.glp_rate.or(Some(20.0));
    flags.concurrency = flags.concurrency.or(Some(16));
    let code = match settings::resolve(&flags, env) {
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_FATAL
        }
        Ok(settings) => match Context::new(settings).await {
            None => EXIT_FATAL,
            Some(ctx) => {
                let mut collect_args = args.collect;
                if collect_args.output.is_none() {
                    collect_args.output = Some("demo-records.jsonl".into());
                }
                collect(&ctx, &collect_args, quiet).await
            }
        },
    };
    sim.shutdown().await;
    code
}

#[cfg(not(feature = "demo"))]
async fn demo(_flags: &args::GlobalArgs, _args: args::DemoArgs, _quiet: bool) -> u8 {
    eprintln!("error: this build has no simulator; rebuild with the `demo` feature");
    EXIT_USAGE
}
