//! `snapshot`: collect into the inventory store, each tenant x resource in one transaction.

use msp_orchestrator::msp_store::StoreLocation;
use std::sync::Arc;

use anyhow::Context as _;
use msp_orchestrator::msp_store::{
    Incomplete, NewRun, RunHost, RunId, RunStatus, Store, TenantDuration,
};
use msp_orchestrator::{
    Cancel, MarkedJob, PartOutcome, Report, StoreSink, TenantSource, TenantStatus, one_line,
};

use crate::args::GlobalArgs;
use crate::args::history::*;
use crate::commands::store::db_path;
use crate::context::Context;
use crate::settings::{self, Settings};
use crate::{EXIT_FATAL, EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, pipeline};
use msp_orchestrator::table::count;

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
    match settings::resolve(global) {
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

/// Each tenant's watermark of the time-ordered resource among `specs` (`glp/audit-logs`, kept
/// append-only by the store): the newest `createdAt` its latest complete entry holds, so the
/// run asks only for entries at or after it (`ge`: the newest stored one comes again and the
/// store drops it by its id). A stored time that is no RFC 3339 time (the server's text) is no
/// watermark: that tenant is read whole, and the store still keeps each entry once.
fn watermarks(
    store: &Store,
    specs: &[msp_orchestrator::ResourceSpec],
) -> Result<msp_orchestrator::Since, msp_orchestrator::msp_store::StoreError> {
    let mut tenants = std::collections::HashMap::new();
    for spec in specs {
        let msp_orchestrator::ResourceSpec::GreenLake(resource) = spec else {
            continue;
        };
        let Some(field) = resource.time_field() else {
            continue;
        };
        for (tenant, newest) in store.newest_values(resource.name(), field)? {
            if let Some(secs) = glp_core::date::parse_rfc3339(&newest) {
                tenants.insert(tenant, glp_core::date::rfc3339_from_unix(secs));
            }
        }
    }
    Ok(msp_orchestrator::Since {
        all: None,
        tenants: Arc::new(tenants),
    })
}

/// The resources named, or `None` when one is not a resource (the error is printed).
pub(crate) fn specs(names: &[String]) -> Option<Vec<msp_orchestrator::ResourceSpec>> {
    names
        .iter()
        .map(|r| r.parse())
        .collect::<Result<_, String>>()
        .map_err(|e| eprintln!("error: {e}"))
        .ok()
}

/// `snapshot --dry-run`: what `collect --dry-run` says, for the snapshot's resources.
async fn dry_run(settings: Settings, resources: &[String], cancel: &Cancel) -> u8 {
    let names = if resources.is_empty() {
        vec!["device-inventory".to_owned(), "devices".to_owned()]
    } else {
        resources.to_vec()
    };
    let Some(specs) = specs(&names) else {
        return EXIT_USAGE;
    };
    match Context::connect(settings, cancel).await.ready(None) {
        Ok(ctx) => crate::report_fatal(crate::commands::dry_run::run(&ctx, &specs, cancel).await),
        Err(code) => code,
    }
}

/// A snapshot with resolved settings (also what `demo --snapshot` runs).
pub(crate) async fn run_snapshot(
    settings: Settings,
    resources: &[String],
    resume: Option<&str>,
    db: StoreLocation,
    quiet: bool,
    cancel: &Cancel,
) -> u8 {
    // The store first: a bad path fails before anything is contacted.
    let mut store = match Store::open(&db) {
        Ok(store) => store,
        Err(e) => {
            eprintln!(
                "error: cannot open the store {}: {e}; nothing was contacted",
                db
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
    let Some(specs) = specs(&plan.resources) else {
        return EXIT_USAGE;
    };
    let ctx = match Context::connect(settings, cancel)
        .await
        .ready(Some("interrupted before any tenant was listed"))
    {
        Ok(ctx) => ctx,
        Err(code) => return code,
    };
    if ctx.settings.source != TenantSource::Central
        && let Err(e) = crate::commands::collect::check_central(&ctx).await
    {
        eprintln!("error: {}", one_line(&format!("{e:#}")));
        return EXIT_FATAL;
    }
    // With --include, the listing is read whole first: a pattern that matches no tenant stops
    // here, before a run is begun or any tenant contacted.
    let tenants = match pipeline::listing(&ctx, cancel).await {
        pipeline::Listing::Ready(tenants) => tenants,
        pipeline::Listing::Unmatched(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
        pipeline::Listing::Interrupted => {
            eprintln!("interrupted before every tenant was listed; nothing was collected");
            return EXIT_SOME_FAILED;
        }
    };
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
    let since = match watermarks(&store, &specs) {
        Ok(since) => since,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_FATAL;
        }
    };
    let job = Arc::new(MarkedJob::new(specs).skipping(done).since(since));
    let ctx: &Context = &ctx;
    let finished = pipeline::run(
        ctx,
        StoreSink::new(store, run),
        !quiet,
        |orchestrator, tx| pipeline::every_tenant(orchestrator, tenants, job, tx, cancel),
    )
    .await;
    let result = finished.report;
    let (mut store, written) = match finished.sink {
        Ok((sink, written)) => (sink.into_store(), written),
        Err(e) => {
            eprintln!("error: the store writer {e}; the run keeps the tenants written before");
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
    record_hosts(ctx, &mut store, run);
    let report = match result {
        Ok(report) => report,
        Err(e) => {
            eprintln!("error: {}", one_line(&e.to_string()));
            let _ = store.end_run(run, RunStatus::Partial);
            return EXIT_FATAL;
        }
    };
    record_durations(&mut store, run, &report);
    match finish_run(&mut store, run, &plan.resources, &report) {
        Ok(status) => {
            eprintln!("{}", report.summary());
            let resumed = if already > 0 {
                format!(
                    " (resumed: {} already there)",
                    count(
                        already,
                        "tenant x resource pair was",
                        "tenant x resource pairs were"
                    )
                )
            } else {
                String::new()
            };
            eprintln!(
                "run {run} {}: {} written into {}{resumed}",
                status.as_str(),
                count(written, "record", "records"),
                db
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

/// Notes in the run what this process sent to each API host and family (requests, 429s, the
/// rate learned): `serve`'s metrics read them. A failure is a warning: the records are kept.
fn record_hosts(ctx: &Context, store: &mut Store, run: RunId) {
    let hosts: Vec<RunHost> = ctx
        .workspaces
        .api_client()
        .transport()
        .families()
        .into_iter()
        .map(|f| RunHost {
            host: f.host,
            family: f.family,
            requests: f.requests,
            rate_limited: f.rate_limited,
            learned_rate: f.learned_rate,
        })
        .collect();
    if let Err(e) = store.write_hosts(run, &hosts) {
        eprintln!("warning: the run's requests per host were not stored: {e}");
    }
}

/// Notes in the run how long each tenant's job took (as the engine measured it), for
/// `serve`'s metrics and dashboard; tenants skipped or on no cluster did not run. A failure is
/// a warning: the records are kept.
fn record_durations(store: &mut Store, run: RunId, report: &Report) {
    let durations: Vec<TenantDuration> = report
        .tenants
        .iter()
        .filter(|t| matches!(t.status, TenantStatus::Ok | TenantStatus::Failed { .. }))
        .filter_map(|t| {
            Some(TenantDuration {
                tenant_id: t.tenant_id.clone(),
                workspace_id: t.workspace_id.clone()?,
                duration_ms: t.duration_ms,
            })
        })
        .collect();
    if let Err(e) = store.write_durations(run, &durations) {
        eprintln!("warning: the tenants' collection times were not stored: {e}");
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
            // A resource that failed on its own is noted with its own error (one that
            // completed is kept as it is by the store).
            let (how, why) = match outcome.resources.iter().find(|p| &p.resource == resource) {
                Some(PartOutcome {
                    status: TenantStatus::Failed { message, .. },
                    ..
                }) => (Incomplete::Failed, message.as_str()),
                _ => (how, why),
            };
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
        // A webhook URL (`serve --notify`) is a secret too.
        let secret = (["secret", "token", "password"]
            .iter()
            .any(|w| lower.contains(w))
            && !lower.ends_with("-file"))
            || lower == "--notify"
            || lower.starts_with("--notify=");
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
