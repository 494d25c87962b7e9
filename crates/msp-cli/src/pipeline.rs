//! The one pipeline of the commands that collect (`collect`, `snapshot`, `demo`): the
//! orchestrator built from the settings, the records drained into a sink on a blocking thread
//! as they arrive, and a progress line while the work runs.

use std::future::Future;
use std::sync::Arc;

use futures::StreamExt as _;
use msp_orchestrator::{
    Cancel, Orchestrator, Record, RecordSink, Report, SinkError, SourceItem, StopLevel, TenantJob,
    TenantStream, drain, join_error_text,
};
use tokio::sync::mpsc;

use crate::context::Context;
use crate::display;

/// Records in flight between the jobs and the sink.
const IN_FLIGHT: usize = 1024;

/// How a pipeline ended.
pub(crate) struct Finished<S> {
    /// The work's report, or why it failed before any tenant ran.
    pub(crate) report: Result<Report, String>,
    /// The sink, given back with the records it took or why it failed; `Err` when its thread
    /// panicked.
    pub(crate) sink: Result<(S, Result<u64, SinkError>), String>,
}

/// The orchestrator of the settings: the session's clients, `--concurrency`, `--timeout` and
/// the selection.
pub(crate) fn orchestrator(ctx: &Context) -> Orchestrator {
    Orchestrator::new(ctx.clusters.clone())
        .greenlake(ctx.workspaces.clone())
        .concurrency(ctx.settings.concurrency)
        .tenant_timeout(ctx.settings.timeout)
        .selector(ctx.settings.selector.clone())
}

/// Runs `work` (handed the orchestrator and the records' sender) while a blocking thread
/// drains the records into `sink` and, with `progress`, stderr shows the live counters. The
/// sink's thread ends when every sender is gone or a write fails (the jobs then stop sending).
pub(crate) async fn run<S, F, Fut>(
    ctx: &Context,
    mut sink: S,
    progress: bool,
    work: F,
) -> Finished<S>
where
    S: RecordSink + 'static,
    F: FnOnce(Orchestrator, mpsc::Sender<Record>) -> Fut,
    Fut: Future<Output = Result<Report, String>>,
{
    let (tx, mut rx) = mpsc::channel(IN_FLIGHT);
    let writer = tokio::task::spawn_blocking(move || {
        let written = drain(&mut rx, &mut sink);
        (sink, written)
    });
    let orchestrator = orchestrator(ctx);
    let (done_tx, done_rx) = tokio::sync::watch::channel(false);
    let display = progress.then(|| {
        tokio::spawn(display::show(
            orchestrator.progress(),
            ctx.clusters.clone(),
            done_rx,
        ))
    });
    let report = work(orchestrator, tx).await;
    let _ = done_tx.send(true);
    if let Some(display) = display
        && let Err(e) = display.await
    {
        eprintln!(
            "warning: the progress display stopped: {}",
            join_error_text(e)
        );
    }
    let sink = writer.await.map_err(join_error_text);
    Finished { report, sink }
}

/// The tenant listing of a run, checked against the selection.
pub(crate) enum Listing {
    /// The tenants, for the orchestrator.
    Ready(TenantStream),
    /// `--include` patterns that matched no tenant of the whole listing: the message (exit 2).
    Unmatched(String),
    /// Interrupted while the listing was read.
    Interrupted,
}

/// The settings' tenant listing. With `--include` patterns it is read to its end first (before
/// any tenant's token exchange), so that a pattern that matches no tenant stops the run before
/// anything is collected, with the names it may have meant; without, it streams as listed.
pub(crate) async fn listing(ctx: &Context, cancel: &Cancel) -> Listing {
    let mut stream = msp_orchestrator::leave_out(
        ctx.settings.source.stream(&ctx.workspaces, &ctx.clusters),
        &ctx.settings.done,
    );
    let selector = &ctx.settings.selector;
    if !selector.has_includes() {
        return Listing::Ready(stream);
    }
    let mut items = Vec::new();
    let mut names: Vec<String> = Vec::new();
    let mut whole = true;
    loop {
        let item = tokio::select! {
            biased;
            _ = cancel.reached(StopLevel::Drain) => return Listing::Interrupted,
            item = stream.next() => item,
        };
        let Some(item) = item else { break };
        match &item {
            Ok(SourceItem::Tenant(t) | SourceItem::NoCluster { tenant: t, .. }) => {
                selector.selects(t);
                names.push(t.name.clone());
            }
            Ok(SourceItem::Unresolved { name, .. }) => names.push(name.clone()),
            Ok(SourceItem::Warning(_)) => {}
            Err(_) => whole = false,
        }
        items.push(item);
        if !whole {
            // The orchestrator reports the listing's failure; the selection cannot be judged.
            break;
        }
    }
    if !whole {
        return Listing::Ready(futures::stream::iter(items).boxed());
    }
    match crate::checks::unmatched_includes(selector, &names, "listed") {
        Some(e) => Listing::Unmatched(format!(
            "{e}\nnothing was collected: no tenant was contacted (`msp-orchestrator tenants` \
             lists the names and ids)"
        )),
        None => Listing::Ready(futures::stream::iter(items).boxed()),
    }
}

/// The usual work of a pipeline: `job` on every tenant of `tenants` (see [`listing`]).
pub(crate) async fn every_tenant(
    orchestrator: Orchestrator,
    tenants: TenantStream,
    job: Arc<dyn TenantJob>,
    records: mpsc::Sender<Record>,
    cancel: &Cancel,
) -> Result<Report, String> {
    orchestrator
        .run(tenants, job, records, cancel)
        .await
        .map_err(|e| e.to_string())
}
