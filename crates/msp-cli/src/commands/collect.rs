//! `collect`: every tenant's resources into one file, with a summary, `--failed-out` and
//! `--report`.

use std::io::Write;
use std::sync::Arc;

use anyhow::Context as _;
use central_api::CentralClient;
use glp_auth::{BaseUrl, RetryPolicy};
use msp_orchestrator::{
    Cancel, CentralPlan, CollectJob, Record, RecordSink, RecordWriter, ResourceSpec, SinkError,
    StopLevel, TenantSource, gateway_name, one_line,
};

use crate::args::{self, CollectArgs};
use crate::commands::dry_run;
use crate::context::{Built, Context};
use crate::outputs::{Outputs, finish_files, finish_interrupted, fresh, rerun_hint};
use crate::settings::Settings;
use crate::{
    EXIT_BROKEN_PIPE, EXIT_FATAL, EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, checks, output_target,
    pipeline, report_fatal, summary,
};

/// `collect` with resolved settings: the output files are opened before any request, then the
/// clients are built (the token request), then the run.
pub(crate) async fn run_collect(
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
    let outputs = match Outputs::open(args, &settings, existing) {
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
    // The listing, read whole first when --include must be judged: a pattern that matches no
    // tenant stops the run before any tenant is contacted.
    let tenants = if msp {
        None
    } else {
        match pipeline::listing(ctx, cancel).await {
            pipeline::Listing::Ready(tenants) => Some(tenants),
            pipeline::Listing::Unmatched(e) => {
                eprintln!("error: {e}");
                return Ok(EXIT_USAGE);
            }
            pipeline::Listing::Interrupted => return Ok(finish_interrupted(args, outputs)),
        }
    };
    let format = output_target::record_format(&args.out).map_err(anyhow::Error::msg)?;
    // Checked before anything was contacted; the duration counts back from now.
    let since = msp_orchestrator::Since {
        all: checks::since(args, &resources, std::time::SystemTime::now())
            .map_err(anyhow::Error::msg)?,
        ..Default::default()
    };
    let mut options = checks::writer_options(args, format).map_err(anyhow::Error::msg)?;
    let sink: Box<dyn Write + Send> = match (outputs.output.take(), &args.out.output) {
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
    let writer = CountedWriter {
        writer: RecordWriter::with_options(format, sink, options)?,
        counts: summary::Counts::default(),
    };
    // A live progress line on a terminal that also shows the records would cut into them.
    let records_on_terminal = args
        .out
        .output
        .as_deref()
        .is_none_or(output_target::is_dash)
        && std::io::IsTerminal::is_terminal(&std::io::stdout())
        && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let progress = !quiet && !records_on_terminal;
    let finished = pipeline::run(ctx, writer, progress, |orchestrator, tx| async move {
        if let Some(tenants) = tenants {
            // The same filter and sort for every tenant: when the server refuses them for the
            // first tenant, the others are not started. (A --param alone may name something
            // of one tenant, such as a site id, that another tenant refuses.)
            let expressions = query.filter.is_some() || query.sort.is_some();
            let orchestrator = orchestrator.stop_on_bad_request(expressions);
            let job = Arc::new(
                CollectJob::new(resources)
                    .with_query(query)
                    .with_since(since),
            );
            pipeline::every_tenant(orchestrator, tenants, job, tx, cancel).await
        } else {
            msp_orchestrator::collect_msp_inventory(&ctx.workspaces, &ctx.clusters, tx, cancel)
                .await
                .map_err(|e| e.to_string())
        }
    })
    .await;
    let result = finished.report;
    // The writer's end is part of the result: a failed or panicked writer means records may be
    // missing from the output, whatever the tenants' outcomes say.
    let (written, counts) = match finished.sink {
        Ok((sink, written)) => {
            let CountedWriter { writer, counts } = sink;
            let finished = match written {
                Ok(n) => match tokio::task::spawn_blocking(move || writer.finish()).await {
                    Ok(result) => result.map(|()| n).map_err(SinkError::Io),
                    Err(e) => Err(SinkError::Io(std::io::Error::other(
                        msp_orchestrator::join_error_text(e),
                    ))),
                },
                Err(e) => Err(e),
            };
            (finished, counts)
        }
        Err(e) => (
            Err(SinkError::Io(std::io::Error::other(format!(
                "the output writer {e}"
            )))),
            summary::Counts::default(),
        ),
    };
    let broken_pipe = matches!(
        &written,
        Err(SinkError::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe
    );
    let written = written.map_err(|e| e.to_string());
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
        eprint!("{}", summary::table(&report, &counts, colour));
    }
    eprintln!("{}", report.summary());
    files?;
    let written = match written {
        Ok(n) => n,
        Err(e) => {
            // Name the file (a full disk says "No space left on device", not which file).
            match args.out.file() {
                Some(path) => eprintln!(
                    "error: cannot write {}: {e}; records may be missing from it",
                    path.display()
                ),
                None => eprintln!("error: {e}; records may be missing from stdout"),
            }
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
    if let Some(path) = args.out.file() {
        let verb = if args.out.append { "appended" } else { "wrote" };
        eprintln!(
            "{verb} {} to {}",
            msp_orchestrator::table::count(written, "record", "records"),
            path.display()
        );
    }
    if report.credential_rejected.is_some() {
        // The summary told why (once, with the hint): nothing can work until it is fixed.
        return Ok(EXIT_FATAL);
    }
    if report.query_refused.is_some() {
        // The summary has the server's answer once, on the first tenant's FAILED line.
        eprintln!(
            "error: Central refused the query of this run (see the FAILED line above): fix \
             --filter or --sort (or a --param) and run again"
        );
        return Ok(EXIT_USAGE);
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
        if let Some(hint) = rerun_hint(args, &report) {
            eprintln!("{hint}");
        }
        return Ok(EXIT_SOME_FAILED);
    }
    Ok(EXIT_OK)
}

/// One MSP-scoped Central call (`list-tenants`, one item) per cluster before any tenant starts,
/// so that a wrong gateway URL or region fails the run at once, naming the gateway, with a
/// hint, instead of failing every tenant after its retries. Only a 403, a 429 or a server error
/// lets the run go on (with a warning): those say the gateway is there, and each tenant's call
/// will tell more. The hint to check the gateway's URL goes only with a failure to reach it (a
/// connection error, a timeout, a 404), chosen by the error's kind: an answer that cannot be
/// decoded is said as such.
pub(crate) async fn check_central(ctx: &Context) -> anyhow::Result<()> {
    if ctx.settings.session.central == CentralPlan::Auto {
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
                // Where the gateway is only matters when nothing answered there: an answer
                // that did not decode, or a refusal, carries its own words (and hints).
                let hint = match e.kind() {
                    "transport" | "timeout" | "not_found" => {
                        " (check --central-base-url / CENTRAL_BASE_URL or --central-cluster / \
                         CENTRAL_CLUSTER: the API gateway URL is on Central's API Gateway page; \
                         --central-cluster auto finds the MSP's clusters)"
                    }
                    _ => "",
                };
                return Err(anyhow::Error::new(e).context(format!(
                    "cannot use Central at {at}{hint}; no tenant was contacted"
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

/// The output file (or stdout), counting each tenant's records per resource for the summary.
struct CountedWriter {
    writer: RecordWriter,
    counts: summary::Counts,
}

impl RecordSink for CountedWriter {
    fn write(&mut self, record: &Record) -> Result<(), SinkError> {
        self.writer.write(record)?;
        self.counts.add(&record.tenant_id, &record.resource);
        Ok(())
    }

    fn written(&self) -> u64 {
        self.writer.written()
    }

    fn finish(self: Box<Self>) -> Result<(), SinkError> {
        Ok(self.writer.finish()?)
    }
}
