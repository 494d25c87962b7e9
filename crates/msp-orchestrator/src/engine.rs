//! [`Orchestrator`]: runs a job for every tenant with bounded concurrency, isolating failures.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

// Tokio's clock (paused and advanced by tests): the run's and each tenant's durations.
use tokio::time::Instant;

use glp_auth::WorkspaceId;
use glp_auth::text::escape_control;
use glp_transport::{ApiError, Tally};
use glp_workspaces::WorkspacesClient;
use tokio::sync::{Semaphore, mpsc};
use tokio::task::{Id, JoinSet};

use crate::outcomes::{finish, listing_failed, no_cluster, skipped};
use crate::read_ahead::ReadAhead;
use crate::report::{Report, TenantOutcome, TenantStatus};
use crate::source::{SourceItem, TenantStream};
use crate::{
    Cancel, Clusters, PartOutcome, Progress, Record, Selector, StopLevel, TenantClients, TenantJob,
    TenantRef,
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
    stop_on_bad_request: bool,
    progress: Arc<Progress>,
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

pub(crate) enum JobEnd {
    Done,
    /// The first error of the job, and the part (resource) it came from (empty: unnamed).
    Failed(ApiError, String),
    TimedOut(Duration),
    OutputClosed,
}

pub(crate) struct Running {
    pub(crate) tenant: TenantRef,
    pub(crate) records: Arc<AtomicU64>,
    pub(crate) tally: Arc<Tally>,
    pub(crate) started: Instant,
    /// How each named part of the job ended, as they end (kept when the job times out).
    pub(crate) parts: Arc<std::sync::Mutex<Vec<PartOutcome>>>,
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
            stop_on_bad_request: false,
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

    /// For a job whose requests carry the user's query (a filter, a sort, parameters: the same
    /// for every tenant): the first tenant runs alone, and when the server refuses one of its
    /// requests as malformed (HTTP 400, or another 4xx that is not 401, 403, 404 or 429), no
    /// other tenant starts: they would all be refused alike. They are reported as skipped
    /// ([`QUERY_NOT_STARTED`](crate::QUERY_NOT_STARTED)) and [`Report::query_refused`] says
    /// why.
    pub fn stop_on_bad_request(mut self, stop: bool) -> Self {
        self.stop_on_bad_request = stop;
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
        let mut probing = self.stop_on_bad_request;

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
                Some(Ok(SourceItem::Warning(warning))) => {
                    report.warnings.push(warning);
                    continue;
                }
                Some(Ok(item)) => {
                    listed_any = true;
                    self.progress.listed.add_one();
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
                        // Taken above: a warning is not a listed tenant.
                        SourceItem::Warning(_) => continue,
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
                parts: Arc::default(),
            };
            let task = self.job_task(tenant, job.clone(), records.clone(), &run, permit);
            let handle = set.spawn(task);
            running.insert(handle.id(), run);
            if probing {
                // The first tenant alone: its answer tells whether the query is accepted.
                probing = false;
                let done = tokio::select! {
                    biased;
                    _ = cancel.reached(StopLevel::Drain) => break 'start,
                    done = set.join_next_with_id() => done,
                };
                if let Some(done) = done {
                    self.finish_one(&mut report, &mut running, done, cancel);
                }
                if report.query_refused.is_some() || report.credential_rejected.is_some() {
                    break 'start;
                }
            }
        }

        // Let tenants in flight finish; after a stop, account for the rest of the listing (not
        // after a refused credential: the listing needs it too).
        let mut aborted = false;
        loop {
            let draining = cancel.level() >= StopLevel::Drain || report.query_refused.is_some();
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
                        self.progress.listed.add_one();
                        if self.selector.selects(&t) && seen.insert(t.workspace_id) {
                            let reason = if report.query_refused.is_some() {
                                crate::report::QUERY_NOT_STARTED
                            } else {
                                crate::report::NOT_STARTED
                            };
                            self.push(&mut report, skipped(t.listed_id, Some(t.workspace_id), t.name, reason.into()));
                        }
                    }
                    Some(Ok(SourceItem::Unresolved { listed_id, name, reason })) => {
                        self.progress.listed.add_one();
                        self.push(&mut report, skipped(listed_id, None, name, reason));
                    }
                    Some(Ok(SourceItem::NoCluster { tenant, clusters })) => {
                        self.progress.listed.add_one();
                        if self.selector.selects(&tenant) && seen.insert(tenant.workspace_id) {
                            self.push(&mut report, no_cluster(tenant, &clusters));
                        }
                    }
                    Some(Ok(SourceItem::Warning(warning))) => report.warnings.push(warning),
                },
            }
        }
        report.output_failed = cancel.output_failed();
        report.interrupted = cancel.level() >= StopLevel::Drain && !report.output_failed;
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
        if self.stop_on_bad_request
            && report.query_refused.is_none()
            && let TenantStatus::Failed { kind, message } = &outcome.status
            && kind == "bad_request"
        {
            report.query_refused = Some(message.clone());
        }
        self.push(report, outcome);
    }

    fn push(&self, report: &mut Report, outcome: TenantOutcome) {
        match outcome.status {
            TenantStatus::Ok => self.progress.ok.add_one(),
            TenantStatus::Failed { .. } => self.progress.failed.add_one(),
            TenantStatus::Skipped { .. } | TenantStatus::NoCluster { .. } => {
                self.progress.skipped.add_one()
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
        let outcomes = run.parts.clone();
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
                let parts = job.parts(&tenant, clients);
                crate::part::run_parts(parts, &out, &counter, &progress, &outcomes).await
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
