//! [`Orchestrator`]: runs a job for every tenant with bounded concurrency, isolating failures.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;
use glp_auth::WorkspaceId;
use glp_auth::text::{escape_control, redact};
use glp_transport::{ApiError, Tally};
use glp_workspaces::WorkspacesClient;
use tokio::sync::{Semaphore, mpsc};
use tokio::task::{Id, JoinSet};

use crate::report::{Report, TenantOutcome, TenantStatus, one_line};
use crate::source::{SourceItem, TenantStream};
use crate::{
    Cancel, Clusters, Progress, Record, Selector, StopLevel, TenantClients, TenantJob, TenantRef,
};

/// Runs a [`TenantJob`] for every tenant of a [`TenantStream`].
///
/// - At most `concurrency` tenants run at once, and never two jobs for the same tenant (a tenant
///   listed twice runs once and counts once).
/// - Each tenant's token exchange happens lazily on its first call, through the shared
///   provider: once per token lifetime, refreshed before expiry or after a 401.
/// - One tenant's failure, timeout or panic never stops the others; records it wrote stay.
/// - Records go into a bounded channel as they arrive: memory does not grow with the data.
/// - The listing is read ahead (up to 512 tenants) while tenants run, so a
///   page boundary of the listing never holds back the next tenant.
/// - [`Cancel`]: at [`StopLevel::Drain`] no tenant starts and the rest of the listing is
///   reported as skipped; at [`StopLevel::Abort`] tenants in flight stop too.
#[derive(Debug, Clone)]
pub struct Orchestrator {
    clusters: Clusters,
    greenlake: Option<WorkspacesClient>,
    concurrency: usize,
    tenant_timeout: Option<Duration>,
    selector: Selector,
    progress: Arc<Progress>,
}

/// How many listed tenants may wait for a free slot: a little more than the largest page of
/// msp-tenants (300) or list-tenants (100), so the next page is fetched while the current one
/// is worked through.
const LISTING_READ_AHEAD: usize = 512;

/// The listing, read by its own task into a bounded channel; the task stops when this is
/// dropped. A task that panics or is stopped is reported as a listing error, never as the end
/// of the list.
struct ReadAhead {
    items: mpsc::Receiver<Result<SourceItem, ApiError>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl ReadAhead {
    fn start(mut tenants: TenantStream) -> Self {
        let (tx, items) = mpsc::channel(LISTING_READ_AHEAD);
        let task = tokio::spawn(async move {
            while let Some(item) = tenants.next().await {
                let failed = item.is_err();
                if tx.send(item).await.is_err() || failed {
                    break;
                }
            }
        });
        Self {
            items,
            task: Some(task),
        }
    }

    /// The next entry; `None` only when the listing really ended.
    async fn next(&mut self) -> Option<Result<SourceItem, ListingError>> {
        if let Some(item) = self.items.recv().await {
            return Some(item.map_err(ListingError::Api));
        }
        // The channel closed: the task ended. Did it end well?
        let task = self.task.take()?;
        match task.await {
            Ok(()) => None,
            Err(e) => Some(Err(ListingError::TaskFailed(join_error_text(e)))),
        }
    }
}

impl Drop for ReadAhead {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

/// A [`JoinError`](tokio::task::JoinError) as text for a message: the panic's own message
/// (server text may be in it: redacted and escaped) or "cancelled".
pub fn join_error_text(e: tokio::task::JoinError) -> String {
    if !e.is_panic() {
        return "the task was cancelled".into();
    }
    let payload = e.into_panic();
    let text = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned());
    match text {
        Some(text) => format!("panicked: {}", glp_auth::text::untrusted(&text)),
        None => "panicked".into(),
    }
}

/// What ends a tenant listing early.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ListingError {
    /// A call of the listing failed (or the server broke the paging contract).
    #[error(transparent)]
    Api(ApiError),
    /// The task reading the listing panicked or was stopped: the list is not whole.
    #[error(
        "the task reading the tenant listing stopped unexpectedly ({0}); the list is not whole"
    )]
    TaskFailed(String),
}

impl ListingError {
    /// Whether the MSP's client credential was refused (nothing else can work until it is
    /// fixed).
    pub fn is_credential_rejected(&self) -> bool {
        matches!(self, Self::Api(e) if credential_refused(e))
    }
}

/// Whether `e` says the MSP client credential itself was refused: directly, or as the cause of
/// a tenant's token exchange (glp-auth marks a failed subject token, so a 401 on one tenant's
/// own exchange does not stop the run).
pub(crate) fn credential_refused(e: &ApiError) -> bool {
    e.is_credential_rejected()
}

/// The listing failed before it produced a single tenant: nothing could be done.
#[derive(Debug, thiserror::Error)]
#[error("could not list the tenants: {0}")]
pub struct SourceFailed(#[source] pub ListingError);

enum JobEnd {
    Done,
    Failed(ApiError),
    TimedOut(Duration),
    OutputClosed,
}

struct Running {
    tenant: TenantRef,
    records: Arc<AtomicU64>,
    tally: Arc<Tally>,
    started: Instant,
}

impl Orchestrator {
    /// An orchestrator using `clusters` for tenant calls (a [`CentralClient`](central_api::CentralClient)
    /// for one gateway, or [`Clusters`]: each tenant's calls go to the cluster it was placed
    /// on): 16 tenants at once, no per-tenant timeout, every tenant selected.
    pub fn new(clusters: impl Into<Clusters>) -> Self {
        Self {
            clusters: clusters.into(),
            greenlake: None,
            concurrency: 16,
            tenant_timeout: None,
            selector: Selector::default(),
            progress: Arc::default(),
        }
    }

    /// An orchestrator over a [`Session`](crate::Session)'s clients: tenant calls to the
    /// cluster each tenant was placed on, GreenLake for jobs that read it.
    pub fn for_session(session: &crate::Session) -> Self {
        Self::new(session.clusters.clone()).greenlake(session.workspaces.clone())
    }

    /// Gives jobs GreenLake clients too ([`TenantClients::greenlake`]): tenant-scoped clients of
    /// `greenlake`'s API client, counting into each tenant's tally.
    pub fn greenlake(mut self, greenlake: WorkspacesClient) -> Self {
        self.greenlake = Some(greenlake);
        self
    }

    /// Live counters of the run, for a progress display.
    pub fn progress(&self) -> Arc<Progress> {
        self.progress.clone()
    }

    /// How many tenants run at once (at least 1).
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency.max(1);
        self
    }

    /// The longest one tenant's job may run before it is stopped and reported as failed.
    pub fn tenant_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.tenant_timeout = timeout;
        self
    }

    /// Which tenants run.
    pub fn selector(mut self, selector: Selector) -> Self {
        self.selector = selector;
        self
    }

    /// Runs `job` for every selected tenant of `tenants`, sending records into `records`.
    ///
    /// Fails only if the listing fails (or its task dies) before producing anything; a later
    /// listing failure is noted in the report ([`Report::source_error`]) and the tenants already
    /// listed still run. When the MSP client credential is refused (revoked or rotated), no new
    /// tenant starts, tenants in flight finish, and [`Report::credential_rejected`] says why.
    pub async fn run(
        &self,
        tenants: TenantStream,
        job: Arc<dyn TenantJob>,
        records: mpsc::Sender<Record>,
        cancel: &Cancel,
    ) -> Result<Report, SourceFailed> {
        let started = Instant::now();
        let mut tenants = ReadAhead::start(tenants);
        let permits = Arc::new(Semaphore::new(self.concurrency));
        let mut set: JoinSet<JobEnd> = JoinSet::new();
        let mut running: HashMap<Id, Running> = HashMap::new();
        let mut seen: HashSet<WorkspaceId> = HashSet::new();
        let mut report = Report::default();
        let mut listed_any = false;
        let mut source_done = false;

        // Start jobs while the listing lasts, the credential holds and nobody asked to stop.
        'start: loop {
            let permit = loop {
                tokio::select! {
                    biased;
                    _ = cancel.reached(StopLevel::Drain) => break 'start,
                    Some(done) = set.join_next_with_id(), if !set.is_empty() => {
                        self.finish_one(&mut report, &mut running, done, cancel);
                        if report.credential_rejected.is_some() {
                            break 'start;
                        }
                    }
                    permit = permits.clone().acquire_owned() => match permit {
                        Ok(p) => break p,
                        Err(_) => break 'start,
                    },
                }
            };
            let next = tokio::select! {
                biased;
                _ = cancel.reached(StopLevel::Drain) => break 'start,
                next = tenants.next() => next,
            };
            let tenant = match next {
                None => {
                    source_done = true;
                    break;
                }
                Some(Err(e)) if !listed_any => {
                    set.abort_all();
                    return Err(SourceFailed(e));
                }
                Some(Err(e)) => {
                    source_done = true;
                    listing_failed(&mut report, &e);
                    break;
                }
                Some(Ok(item)) => {
                    listed_any = true;
                    self.progress.listed();
                    match item {
                        SourceItem::Tenant(t) => t,
                        SourceItem::Unresolved {
                            listed_id,
                            name,
                            reason,
                        } => {
                            self.push(&mut report, skipped(listed_id, None, name, reason));
                            continue;
                        }
                        SourceItem::NoCluster { tenant, clusters } => {
                            if self.selector.selects(&tenant) && seen.insert(tenant.workspace_id) {
                                self.push(&mut report, no_cluster(tenant, &clusters));
                            }
                            continue;
                        }
                    }
                }
            };
            if !self.selector.selects(&tenant) {
                continue;
            }
            // A job that ended meanwhile may have found the credential refused: then this
            // tenant does not start.
            while let Some(done) = set.try_join_next_with_id() {
                self.finish_one(&mut report, &mut running, done, cancel);
            }
            if report.credential_rejected.is_some() {
                break 'start;
            }
            if !seen.insert(tenant.workspace_id) {
                // Listed twice: it runs (and counts) once.
                tracing::info!(
                    tenant = %escape_control(&tenant.name),
                    id = %tenant.workspace_id,
                    "tenant listed more than once; it runs once"
                );
                continue;
            }
            let run = Running {
                tenant: tenant.clone(),
                records: Arc::new(AtomicU64::new(0)),
                tally: Arc::new(Tally::default()),
                started: Instant::now(),
            };
            let task = self.job_task(tenant, job.clone(), records.clone(), &run, permit);
            let handle = set.spawn(task);
            running.insert(handle.id(), run);
        }

        // Let tenants in flight finish; after a stop, account for the rest of the listing (not
        // after a refused credential: the listing needs it too).
        let mut aborted = false;
        loop {
            let draining = cancel.level() >= StopLevel::Drain;
            let listing_left =
                draining && !source_done && !aborted && report.credential_rejected.is_none();
            if set.is_empty() && !listing_left {
                break;
            }
            tokio::select! {
                biased;
                _ = cancel.reached(StopLevel::Abort), if !aborted => {
                    aborted = true;
                    set.abort_all();
                }
                Some(done) = set.join_next_with_id(), if !set.is_empty() => {
                    self.finish_one(&mut report, &mut running, done, cancel);
                }
                next = tenants.next(), if listing_left => match next {
                    None => source_done = true,
                    Some(Err(e)) => {
                        source_done = true;
                        listing_failed(&mut report, &e);
                    }
                    Some(Ok(SourceItem::Tenant(t))) => {
                        self.progress.listed();
                        if self.selector.selects(&t) && seen.insert(t.workspace_id) {
                            self.push(&mut report, skipped(t.listed_id, Some(t.workspace_id), t.name, crate::report::NOT_STARTED.into()));
                        }
                    }
                    Some(Ok(SourceItem::Unresolved { listed_id, name, reason })) => {
                        self.progress.listed();
                        self.push(&mut report, skipped(listed_id, None, name, reason));
                    }
                    Some(Ok(SourceItem::NoCluster { tenant, clusters })) => {
                        self.progress.listed();
                        if self.selector.selects(&tenant) && seen.insert(tenant.workspace_id) {
                            self.push(&mut report, no_cluster(tenant, &clusters));
                        }
                    }
                },
            }
        }
        report.interrupted = cancel.level() >= StopLevel::Drain;
        if !source_done && report.source_error.is_none() {
            report.source_error = Some(if report.credential_rejected.is_some() {
                "the listing was not read to the end: the MSP client credential was refused".into()
            } else {
                "the listing was not read to the end (aborted)".into()
            });
        }
        report.duration_ms = started.elapsed().as_millis() as u64;
        Ok(report)
    }

    /// Accounts for one finished job; notes a refused credential.
    fn finish_one(
        &self,
        report: &mut Report,
        running: &mut HashMap<Id, Running>,
        done: Result<(Id, JobEnd), tokio::task::JoinError>,
        cancel: &Cancel,
    ) {
        let (outcome, refused) = finish(running, done, cancel);
        if let Some(message) = refused
            && report.credential_rejected.is_none()
        {
            // The error and its hint are told once, by the summary.
            tracing::error!("the MSP client credential was refused: no new tenant starts");
            report.credential_rejected = Some(message);
        }
        self.push(report, outcome);
    }

    fn push(&self, report: &mut Report, outcome: TenantOutcome) {
        match outcome.status {
            TenantStatus::Ok => self.progress.ok(),
            TenantStatus::Failed { .. } => self.progress.failed(),
            TenantStatus::Skipped { .. } | TenantStatus::NoCluster { .. } => {
                self.progress.skipped()
            }
        }
        report.tenants.push(outcome);
    }

    fn job_task(
        &self,
        tenant: TenantRef,
        job: Arc<dyn TenantJob>,
        out: mpsc::Sender<Record>,
        run: &Running,
        permit: tokio::sync::OwnedSemaphorePermit,
    ) -> impl Future<Output = JobEnd> + Send + 'static {
        let central = &self.clusters.for_tenant(tenant.cluster.as_deref()).client;
        let api = central.api_client().with_tally(run.tally.clone());
        let client = central.tenant(tenant.workspace_id).with_api_client(api);
        let greenlake = self.greenlake.as_ref().map(|glp| {
            glp.tenant(tenant.workspace_id)
                .with_api_client(glp.api_client().with_tally(run.tally.clone()))
        });
        let clients = TenantClients::new(client, greenlake);
        let counter = run.records.clone();
        let progress = self.progress.clone();
        let timeout = self.tenant_timeout;
        async move {
            let _permit = permit;
            let span = tracing::info_span!(
                "tenant",
                tenant = %escape_control(&tenant.name),
                id = %escape_control(&tenant.listed_id)
            );
            let work = async {
                let mut items = job.run(&tenant, clients);
                while let Some(item) = items.next().await {
                    match item {
                        Err(e) => return JobEnd::Failed(e),
                        Ok(record) => {
                            // A completion mark (MarkedJob) is not a record.
                            let mark = crate::completed_resource(&record).is_some();
                            if out.send(record).await.is_err() {
                                return JobEnd::OutputClosed;
                            }
                            if !mark {
                                counter.fetch_add(1, Ordering::Relaxed);
                                progress.record();
                            }
                        }
                    }
                }
                JobEnd::Done
            };
            let work = tracing::Instrument::instrument(work, span);
            match timeout {
                None => work.await,
                Some(limit) => tokio::time::timeout(limit, work)
                    .await
                    .unwrap_or(JobEnd::TimedOut(limit)),
            }
        }
    }
}

/// Notes a listing that failed part-way (and a refused credential, if that is why).
fn listing_failed(report: &mut Report, e: &ListingError) {
    let message = redact(&e.to_string()).into_owned();
    if e.is_credential_rejected() {
        tracing::error!("listing tenants failed part-way: the MSP client credential was refused");
        report
            .credential_rejected
            .get_or_insert_with(|| message.clone());
    } else {
        tracing::error!(error = %one_line(&message), "listing tenants failed part-way");
    }
    report.source_error = Some(message);
}

fn skipped(
    listed_id: String,
    id: Option<WorkspaceId>,
    name: String,
    reason: String,
) -> TenantOutcome {
    TenantOutcome {
        tenant_id: id.map(|i| i.hyphenated()).unwrap_or(listed_id),
        workspace_id: id.map(|i| i.hyphenated()),
        tenant_name: name,
        central_tenant_id: None,
        cluster: None,
        status: TenantStatus::Skipped { reason },
        records: 0,
        calls: Default::default(),
        duration_ms: 0,
    }
}

fn no_cluster(tenant: TenantRef, clusters: &str) -> TenantOutcome {
    TenantOutcome {
        tenant_id: tenant.workspace_id.hyphenated(),
        workspace_id: Some(tenant.workspace_id.hyphenated()),
        tenant_name: tenant.name,
        central_tenant_id: None,
        cluster: None,
        status: TenantStatus::NoCluster {
            reason: format!(
                "no Central cluster of this run lists this tenant (list-tenants of {}); it may \
                 live on another cluster",
                escape_control(clusters)
            ),
        },
        records: 0,
        calls: Default::default(),
        duration_ms: 0,
    }
}

/// The outcome of a finished job, and the error message if it says the MSP client credential
/// was refused.
fn finish(
    running: &mut HashMap<Id, Running>,
    done: Result<(Id, JobEnd), tokio::task::JoinError>,
    cancel: &Cancel,
) -> (TenantOutcome, Option<String>) {
    let (id, end) = match done {
        Ok((id, end)) => (id, Ok(end)),
        Err(e) => (e.id(), Err(e)),
    };
    let Some(run) = running.remove(&id) else {
        unreachable!("every task is registered when it is spawned")
    };
    let mut refused = None;
    let status = match end {
        Ok(JobEnd::Done) => TenantStatus::Ok,
        Ok(JobEnd::Failed(e)) if credential_refused(&e) => {
            refused = Some(redact(&e.to_string()).into_owned());
            TenantStatus::Failed {
                kind: "credential_rejected".into(),
                message: "the MSP client credential was refused (see credential_rejected in \
                          the report); the run stops"
                    .into(),
            }
        }
        Ok(JobEnd::Failed(e)) => {
            let message = redact(&e.to_string()).into_owned();
            // The summary has the failure's line; the log has it at info, not a second time.
            tracing::info!(
                tenant = %escape_control(&run.tenant.name),
                error = %one_line(&message),
                "tenant failed"
            );
            TenantStatus::Failed {
                kind: e.kind().into(),
                message,
            }
        }
        Ok(JobEnd::TimedOut(limit)) => TenantStatus::Failed {
            kind: "tenant_timeout".into(),
            message: format!("the tenant's job did not finish within {limit:?} (--timeout)"),
        },
        Ok(JobEnd::OutputClosed) => {
            cancel.stop(StopLevel::Abort);
            TenantStatus::Failed {
                kind: "output".into(),
                message: "the output closed (write error); the run stops".into(),
            }
        }
        Err(e) if e.is_cancelled() => TenantStatus::Failed {
            kind: "interrupted".into(),
            message: "stopped by a second interrupt while running".into(),
        },
        Err(e) => TenantStatus::Failed {
            kind: "panic".into(),
            message: format!("the job {}", join_error_text(e)),
        },
    };
    let outcome = TenantOutcome {
        tenant_id: run.tenant.workspace_id.hyphenated(),
        workspace_id: Some(run.tenant.workspace_id.hyphenated()),
        tenant_name: run.tenant.name,
        central_tenant_id: run.tenant.central_tenant_id,
        cluster: run.tenant.cluster,
        status,
        records: run.records.load(Ordering::Relaxed),
        calls: run.tally.snapshot(),
        duration_ms: run.started.elapsed().as_millis() as u64,
    };
    (outcome, refused)
}
