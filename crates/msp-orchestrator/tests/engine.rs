//! The orchestrator library against the platform simulator: completeness against the ground
//! truth, failure isolation, token expiry mid-run, 429s, and cancellation.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use central_api::{CentralClient, Resource};
use futures::StreamExt;
use futures::stream::BoxStream;
use glp_auth::{
    AuthOptions, BaseUrl, Credentials, ManualClock, SecretString, WorkspaceId, msp_provider,
};
use glp_transport::{Api, ApiClient, ApiError};
use glp_workspaces::WorkspacesClient;
use msp_orchestrator::{
    Cancel, CollectJob, Orchestrator, Record, Report, ResourceSpec, StopLevel, TenantClients,
    TenantJob, TenantRef, TenantSource, TenantStatus,
};
use platform_sim::{SimConfig, Simulator};
use support::sim_clients;

struct Setup {
    sim: Simulator,
    workspaces: WorkspacesClient,
    central: CentralClient,
}

async fn setup(config: SimConfig, central_rate: f64) -> Setup {
    setup_with(config, central_rate, AuthOptions::default()).await
}

async fn setup_with(config: SimConfig, central_rate: f64, options: AuthOptions) -> Setup {
    let sim = Simulator::start(config).await.unwrap();
    let (workspaces, central) = sim_clients(&sim, options, (Some(200.0), Some(central_rate)));
    Setup {
        sim,
        workspaces,
        central,
    }
}

async fn run(
    s: &Setup,
    orchestrator: Orchestrator,
    job: Arc<dyn TenantJob>,
    cancel: &Cancel,
) -> (Report, Vec<Record>) {
    run_on((&s.workspaces, &s.central), orchestrator, job, cancel).await
}

/// A channel for a run's records, and the task that collects them in order.
fn collecting() -> (
    tokio::sync::mpsc::Sender<Record>,
    tokio::task::JoinHandle<Vec<Record>>,
) {
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let collector = tokio::spawn(async move {
        let mut all = Vec::new();
        while let Some(r) = rx.recv().await {
            all.push(r);
        }
        all
    });
    (tx, collector)
}

/// `job` run by `orchestrator` for every tenant the GreenLake client of `clients` lists: the
/// report and every record sent.
async fn run_on(
    (workspaces, central): (&WorkspacesClient, &CentralClient),
    orchestrator: Orchestrator,
    job: Arc<dyn TenantJob>,
    cancel: &Cancel,
) -> (Report, Vec<Record>) {
    let (tx, collector) = collecting();
    let tenants = TenantSource::GreenLake.stream(workspaces, central);
    let report = orchestrator.run(tenants, job, tx, cancel).await.unwrap();
    (report, collector.await.unwrap())
}

/// `tenants` tenants, otherwise the default world.
fn tenants(tenants: usize) -> SimConfig {
    SimConfig {
        tenants,
        ..SimConfig::default()
    }
}

/// `tenants` tenants of at most `max_devices` devices, with `change` made to that world.
fn world(tenants: usize, max_devices: usize, change: impl FnOnce(&mut SimConfig)) -> SimConfig {
    let mut config = SimConfig {
        tenants,
        max_devices,
        ..SimConfig::default()
    };
    change(&mut config);
    config
}

/// Every tenant's device inventory, `concurrency` tenants at a time.
async fn inventory(s: &Setup, concurrency: usize) -> (Report, Vec<Record>) {
    let orchestrator = Orchestrator::new(s.central.clone()).concurrency(concurrency);
    run(s, orchestrator, inventory_job(), &Cancel::new()).await
}

/// [`inventory`], which must succeed for every tenant.
async fn inventory_ok(s: &Setup, concurrency: usize) -> (Report, Vec<Record>) {
    let (report, records) = inventory(s, concurrency).await;
    assert!(report.all_succeeded(), "{}", report.summary());
    (report, records)
}

fn inventory_job() -> Arc<dyn TenantJob> {
    Arc::new(CollectJob::new(vec![ResourceSpec::Known(
        Resource::DeviceInventory,
    )]))
}

/// serialNumber sets per tenant id, from the collected records.
fn by_tenant(records: &[Record]) -> BTreeMap<String, Vec<String>> {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in records {
        map.entry(r.tenant_id.clone())
            .or_default()
            .push(r.value()["serialNumber"].as_str().unwrap().to_owned());
    }
    map
}

fn truth_by_tenant(sim: &Simulator, resource: &str) -> BTreeMap<String, Vec<String>> {
    let truth = serde_json::to_value(sim.truth_with_records()).unwrap();
    let mut map = BTreeMap::new();
    for t in truth["tenants"].as_array().unwrap() {
        let serials: Vec<String> = t["records"][resource]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["serialNumber"].as_str().unwrap().to_owned())
            .collect();
        if !serials.is_empty() {
            map.insert(t["workspace_id"].as_str().unwrap().to_owned(), serials);
        }
    }
    map
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_record_of_every_tenant_exactly_once() {
    let s = setup(world(30, 1200, |c| c.central_page_cap = Some(150)), 1000.0).await;
    let (report, records) = inventory_ok(&s, 6).await;
    assert_eq!(report.tenants.len(), 30);
    assert_eq!(report.records(), records.len() as u64);
    let mut got = by_tenant(&records);
    for serials in got.values_mut() {
        let unique: BTreeSet<_> = serials.iter().collect();
        assert_eq!(unique.len(), serials.len(), "a record was duplicated");
    }
    assert_eq!(got, truth_by_tenant(&s.sim, "device-inventory"));
    // One client-credentials grant and one exchange per tenant for the whole run.
    let stats = s.sim.stats();
    assert_eq!(stats.client_credentials_grants, 1);
    assert!(stats.exchanges_per_tenant.values().all(|n| *n == 1));
    s.sim.shutdown().await;
}

/// Fails for one tenant, collects the device inventory of the others.
#[derive(Debug)]
struct FailOne {
    victim: String,
    inner: CollectJob,
}

impl TenantJob for FailOne {
    fn run(
        &self,
        tenant: &TenantRef,
        client: TenantClients,
    ) -> BoxStream<'static, Result<Record, ApiError>> {
        if tenant.listed_id == self.victim {
            // The MSP scope on a tenant endpoint: a real 403 from the server.
            return futures::stream::once(async move {
                Err(ApiError::InvalidRequest(
                    "this tenant's job fails on purpose".into(),
                ))
            })
            .boxed();
        }
        self.inner.run(tenant, client)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_failing_tenant_never_stops_the_others() {
    let s = setup(tenants(12), 1000.0).await;
    let truth = truth_by_tenant(&s.sim, "device-inventory");
    let victim = serde_json::to_value(s.sim.truth()).unwrap()["tenants"][3]["workspace_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let job = Arc::new(FailOne {
        victim: victim.clone(),
        inner: CollectJob::new(vec![ResourceSpec::Known(Resource::DeviceInventory)]),
    });
    let (report, records) = run(
        &s,
        Orchestrator::new(s.central.clone()),
        job,
        &Cancel::new(),
    )
    .await;
    assert_eq!(report.failed(), 1, "{}", report.summary());
    assert_eq!(report.succeeded(), 11);
    assert_eq!(
        report.rerun_ids().collect::<Vec<_>>(),
        vec![victim.as_str()]
    );
    let failed = report
        .tenants
        .iter()
        .find(|t| t.tenant_id == victim)
        .unwrap();
    assert!(
        matches!(&failed.status, TenantStatus::Failed { kind, .. } if kind == "invalid_request")
    );
    let mut expected = truth;
    expected.remove(&victim);
    assert_eq!(by_tenant(&records), expected);
    s.sim.shutdown().await;
}

/// Moves the client's and the simulator's token clocks forward together, `step` per record
/// collected: token lifetimes pass with the work done, not with the wall clock. The client's
/// clock moves first (a client ahead of the server only refreshes earlier).
#[derive(Debug)]
struct Ticking {
    sim: Arc<Simulator>,
    clock: Arc<ManualClock>,
    step: Duration,
    inner: CollectJob,
}

impl TenantJob for Ticking {
    fn run(
        &self,
        tenant: &TenantRef,
        client: TenantClients,
    ) -> BoxStream<'static, Result<Record, ApiError>> {
        let (sim, clock, step) = (self.sim.clone(), self.clock.clone(), self.step);
        self.inner
            .run(tenant, client)
            .inspect(move |_| {
                clock.advance(step);
                sim.advance_token_clock(step);
            })
            .boxed()
    }
}

/// 2 s tokens on both sides' fake clocks, which move 2 ms per record collected: the run lasts
/// about four token lifetimes of fake time and no real time at all. One tenant at a time, so
/// the clocks move only between a tenant's own requests and how fast the machine is cannot
/// matter (with two at once, a request stalled on a loaded machine while the other tenant
/// collected 200 records, 0.4 s of fake time, could outlive its token and see a 401).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_expiring_mid_run_are_refreshed_before_expiry() {
    const STEP: Duration = Duration::from_millis(2);
    const TTL: Duration = Duration::from_secs(2);
    const PAGE: usize = 20;
    let clock = Arc::new(ManualClock::new());
    let mut options = AuthOptions::default();
    options.clock = clock.clone();
    let Setup {
        sim,
        workspaces,
        central,
    } = setup_with(
        SimConfig {
            tenants: 16,
            max_devices: 1500,
            central_page_cap: Some(PAGE),
            token_ttl: TTL,
            ..SimConfig::default()
        },
        1000.0,
        options,
    )
    .await;
    sim.freeze_token_clock();
    let sim = Arc::new(sim);
    let truth = truth_by_tenant(&sim, "device-inventory");
    let job = Arc::new(Ticking {
        sim: sim.clone(),
        clock: clock.clone(),
        step: STEP,
        inner: CollectJob::new(vec![ResourceSpec::Known(Resource::DeviceInventory)]),
    });
    let orchestrator = Orchestrator::new(central.clone()).concurrency(1);
    let clients = (&workspaces, &central);
    let (report, records) = run_on(clients, orchestrator, job, &Cancel::new()).await;
    assert!(report.all_succeeded(), "{}", report.summary());
    assert_eq!(by_tenant(&records), truth);

    // The run outlived many token lifetimes on the fake clocks.
    let fake = STEP * records.len() as u32;
    assert!(fake >= 3 * TTL, "only {fake:?} of fake time");
    let stats = sim.stats();
    assert_eq!(
        stats.unauthorized, 0,
        "refresh must be proactive, not after a 401"
    );
    assert!(stats.client_credentials_grants >= 2, "{stats:?}");
    // A tenant whose own records alone move the clock past a token's refresh point (its first
    // token is fetched before its first page, its last page is asked for after all but the
    // last page of records) must have exchanged a second token mid-run.
    let refresh_by = TTL - Duration::from_millis(400);
    let long_tenants = truth
        .values()
        .filter(|serials| STEP * serials.len().saturating_sub(PAGE) as u32 > refresh_by)
        .count();
    assert!(long_tenants > 0, "no tenant outlives a token: {truth:?}");
    assert!(
        stats.token_exchanges >= (truth.len() + long_tenants) as u64,
        "{} exchanges for {} tenants, {long_tenants} of them longer than a token lifetime",
        stats.token_exchanges,
        truth.len()
    );
    drop(workspaces);
    drop(central);
    Arc::try_unwrap(sim)
        .expect("the job has let go of the simulator")
        .shutdown()
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_rate_limits_are_honoured_and_reported() {
    let s = setup(world(10, 300, |c| c.central_rps = Some(8.0)), 200.0).await;
    let (report, records) = inventory_ok(&s, 8).await;
    assert_eq!(
        by_tenant(&records),
        truth_by_tenant(&s.sim, "device-inventory")
    );
    let stats = s.sim.stats();
    // Told 200/s against a server allowing 8/s, the client learns the budget from the server's
    // per-second headers (issue 11): 429s are few, and every one is counted.
    let requests = report.calls().requests;
    assert!(
        stats.rate_limited * 10 <= requests,
        "{} 429s in {requests} requests",
        stats.rate_limited
    );
    assert_eq!(report.calls().rate_limited, stats.rate_limited);
    assert_eq!(stats.early_requests, 0, "a request came before Retry-After");
    s.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drain_stops_new_tenants_and_lists_the_rest() {
    let s = setup(
        SimConfig {
            tenants: 40,
            latency: Duration::from_millis(30),
            ..SimConfig::default()
        },
        1000.0,
    )
    .await;
    let cancel = Cancel::new();
    // Drain once the run is observably under way (two tenants have their tokens), not after a
    // guessed 300 ms: 38 tenants or more are still to start then. The bound is a hang guard.
    let stopper = async {
        let hang_guard = std::time::Instant::now();
        while s.sim.stats().token_exchanges < 2 {
            assert!(
                hang_guard.elapsed() < Duration::from_secs(60),
                "hang guard: no tenant started"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        cancel.stop(StopLevel::Drain);
    };
    let ((report, records), ()) = tokio::join!(
        run(
            &s,
            Orchestrator::new(s.central.clone()).concurrency(2),
            inventory_job(),
            &cancel,
        ),
        stopper
    );
    assert!(report.interrupted);
    assert_eq!(
        report.tenants.len(),
        40,
        "every listed tenant is accounted for"
    );
    assert!(
        report.skipped() > 0, // how many finish before the drain lands varies; that some did not start does not
        "{}",
        report.summary()
    );
    assert_eq!(report.failed(), 0);
    // Tenants that finished are complete; skipped ones wrote nothing.
    let truth = truth_by_tenant(&s.sim, "device-inventory");
    let got = by_tenant(&records);
    for t in &report.tenants {
        let id = t.workspace_id.clone().unwrap();
        match t.status {
            TenantStatus::Ok => assert_eq!(got.get(&id), truth.get(&id)),
            _ => assert!(!got.contains_key(&id)),
        }
    }
    assert_eq!(report.rerun_ids().count(), report.skipped());
    s.sim.shutdown().await;
}

/// A job that first waits until the simulator has served `pages` msp-tenants pages.
#[derive(Debug)]
struct AfterListingPages {
    sim: Arc<Simulator>,
    pages: u64,
    inner: CollectJob,
}

impl TenantJob for AfterListingPages {
    fn run(
        &self,
        tenant: &TenantRef,
        client: TenantClients,
    ) -> BoxStream<'static, Result<Record, ApiError>> {
        let (sim, pages) = (self.sim.clone(), self.pages);
        let wait = async move {
            let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
            loop {
                let served: u64 = sim
                    .stats()
                    .requests
                    .get("msp-tenants")
                    .map(|m| m.values().sum())
                    .unwrap_or(0);
                if served >= pages {
                    return None;
                }
                if tokio::time::Instant::now() > deadline {
                    return Some(Err(ApiError::InvalidRequest(format!(
                        "only {served} listing pages were read while a tenant ran"
                    ))));
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        };
        futures::stream::once(wait)
            .filter_map(futures::future::ready)
            .chain(self.inner.run(tenant, client))
            .boxed()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_listing_is_read_ahead_while_tenants_run() {
    // 20 tenants in pages of 5, one tenant at a time: each job waits until the listing has moved
    // three pages on. Read only when a slot frees, the listing would stay at page one.
    let Setup {
        sim,
        workspaces,
        central,
    } = setup(
        SimConfig {
            tenants: 20,
            glp_page_cap: 5,
            max_devices: 3,
            ..SimConfig::default()
        },
        1000.0,
    )
    .await;
    let sim = Arc::new(sim);
    let job = Arc::new(AfterListingPages {
        sim: sim.clone(),
        pages: 3,
        inner: CollectJob::new(vec![ResourceSpec::Known(Resource::DeviceInventory)]),
    });
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let drain = tokio::spawn(async move { while rx.recv().await.is_some() {} });
    let tenants = TenantSource::GreenLake.stream(&workspaces, &central);
    let report = Orchestrator::new(central.clone())
        .concurrency(1)
        .run(tenants, job, tx, &Cancel::new())
        .await
        .unwrap();
    drain.await.unwrap();
    assert!(report.all_succeeded(), "{}", report.summary());
    assert_eq!(report.tenants.len(), 20);
}

/// Runs with a listing of our own making (real tenants of the simulator, then whatever the
/// test adds), collecting the records.
async fn run_with(
    orchestrator: Orchestrator,
    tenants: msp_orchestrator::TenantStream,
) -> (Result<Report, msp_orchestrator::SourceFailed>, Vec<Record>) {
    let (tx, collector) = collecting();
    let result = tokio::time::timeout(
        Duration::from_secs(60),
        orchestrator.run(tenants, inventory_job(), tx, &Cancel::new()),
    )
    .await
    .expect("the run ended");
    (result, collector.await.unwrap())
}

/// The first `n` tenants of the simulator's real listing.
async fn first_tenants(s: &Setup, n: usize) -> Vec<msp_orchestrator::SourceItem> {
    TenantSource::GreenLake
        .stream(&s.workspaces, &s.central)
        .take(n)
        .map(|item| item.unwrap())
        .collect()
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_listing_is_a_listing_error_not_the_end_of_the_list() {
    let s = setup(tenants(5), 1000.0).await;
    let listed = first_tenants(&s, 2).await;
    let tenants = futures::stream::iter(listed.into_iter().map(Ok))
        .chain(futures::stream::once(async {
            panic!("boom from the listing (server text \u{1b}]0;title\u{7})")
        }))
        .boxed();
    let (report, _) = run_with(Orchestrator::new(s.central.clone()), tenants).await;
    let report = report.expect("tenants were listed before the panic");
    assert_eq!(report.succeeded(), 2, "{}", report.summary());
    let error = report
        .source_error
        .as_deref()
        .expect("the panic is a listing error");
    assert!(
        error.contains("panicked") && error.contains("boom"),
        "{error}"
    );
    assert!(!report.all_succeeded());
    let summary = report.summary();
    assert!(
        summary.contains("listing tenants failed part-way"),
        "{summary}"
    );
    assert!(!summary.contains('\u{1b}'), "escaped: {summary}");

    // Before any tenant: the run fails.
    let tenants = futures::stream::once(async { panic!("boom at once") }).boxed();
    let (result, _) = run_with(Orchestrator::new(s.central.clone()), tenants).await;
    let error = result.expect_err("nothing was listed");
    assert!(error.to_string().contains("boom at once"), "{error}");
    s.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_listed_twice_runs_once_and_counts_once() {
    let s = setup(tenants(3), 1000.0).await;
    let mut listed = first_tenants(&s, 2).await;
    listed.push(listed[0].clone());
    listed.push(listed[1].clone());
    let tenants = futures::stream::iter(listed.into_iter().map(Ok)).boxed();
    let (report, records) = run_with(Orchestrator::new(s.central.clone()), tenants).await;
    let report = report.unwrap();
    assert!(report.all_succeeded(), "{}", report.summary());
    assert_eq!(report.tenants.len(), 2, "{}", report.summary());
    assert_eq!((report.succeeded(), report.skipped()), (2, 0));
    assert_eq!(report.rerun_ids().count(), 0);
    assert_eq!(report.records(), records.len() as u64);
    s.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_credential_stops_new_tenants() {
    let s = setup(tenants(12), 1000.0).await;
    // The listing comes from the good client; the tenants' calls use a credential whose secret
    // was rotated: every token exchange needs an MSP token the server now refuses.
    let listed = first_tenants(&s, 12).await;
    let creds = s.sim.credentials();
    let base = BaseUrl::parse(&s.sim.base_url()).unwrap();
    let rotated = Credentials::new(
        creds.client_id,
        SecretString::from("the-old-rotated-secret".to_owned()),
        WorkspaceId::parse(&creds.workspace_id).unwrap(),
    )
    .with_base_url(base.clone());
    let provider = msp_provider(rotated, AuthOptions::default()).unwrap();
    let central = CentralClient::new(
        ApiClient::builder(Api::Central, base, provider)
            .build()
            .unwrap(),
    );
    let grants_before = s.sim.stats().client_credentials_grants;
    let tenants = futures::stream::iter(listed.into_iter().map(Ok)).boxed();
    let (report, _) = run_with(Orchestrator::new(central).concurrency(2), tenants).await;
    let report = report.unwrap();
    let refused = report
        .credential_rejected
        .as_deref()
        .expect("the refusal is reported");
    assert!(refused.contains("invalid_client"), "{refused}");
    assert!(!report.all_succeeded());
    // Two ran at once; a third may have started in the instant the first one failed.
    assert!(
        report.tenants.len() <= 3,
        "no tenant starts after the refusal: {}",
        report.summary()
    );
    let summary = report.summary();
    assert_eq!(
        summary.matches("invalid_client").count(),
        1,
        "the refusal (and its hint) is told once: {summary}"
    );
    let grants = s.sim.stats().client_credentials_grants - grants_before;
    assert!(grants <= 6, "{grants} grant requests for 12 tenants");
    s.sim.shutdown().await;
}

/// Waits (on tokio's clock) as long as the tenant's name says, in milliseconds, then sends
/// one record: no request is made.
#[derive(Debug)]
struct Waiting;

impl TenantJob for Waiting {
    fn run(
        &self,
        tenant: &TenantRef,
        _clients: TenantClients,
    ) -> BoxStream<'static, Result<Record, ApiError>> {
        let wait = Duration::from_millis(tenant.name.parse().unwrap());
        let record = Record::from_value(
            tenant.listed_id.clone(),
            tenant.name.clone(),
            "waits",
            &serde_json::json!({}),
        );
        futures::stream::once(async move {
            tokio::time::sleep(wait).await;
            Ok(record)
        })
        .boxed()
    }
}

/// Each tenant's duration (what `snapshot` stores for `serve`'s metrics) and the run's are
/// measured on tokio's clock: on paused time they are exact, whatever the machine's load.
#[tokio::test(start_paused = true)]
async fn each_tenants_duration_is_measured_on_the_runtimes_clock() {
    let creds = Credentials::new(
        "nobody".to_owned(),
        SecretString::from("never-sent".to_owned()),
        WorkspaceId::parse("00000000-0000-0000-0000-000000000001").unwrap(),
    )
    .with_base_url(BaseUrl::parse("http://127.0.0.1:1").unwrap());
    let base = BaseUrl::parse("http://127.0.0.1:1").unwrap();
    let provider = msp_provider(creds, AuthOptions::default()).unwrap();
    let central = CentralClient::new(
        ApiClient::builder(Api::Central, base, provider)
            .build()
            .unwrap(),
    );
    let listed: Vec<msp_orchestrator::SourceItem> = [(2, "1500"), (3, "2500"), (4, "700")]
        .into_iter()
        .map(|(n, wait)| {
            let id = WorkspaceId::parse(&format!("00000000-0000-0000-0000-00000000000{n}"));
            msp_orchestrator::SourceItem::Tenant(TenantRef::from_workspace(id.unwrap(), wait))
        })
        .collect();
    let tenants = futures::stream::iter(listed.into_iter().map(Ok)).boxed();
    let (tx, collector) = collecting();
    let report = Orchestrator::new(central)
        .concurrency(2)
        .run(tenants, Arc::new(Waiting), tx, &Cancel::new())
        .await
        .unwrap();
    assert!(report.all_succeeded(), "{}", report.summary());
    assert_eq!(collector.await.unwrap().len(), 3);
    let took: BTreeMap<&str, u64> = report
        .tenants
        .iter()
        .map(|t| (t.tenant_name.as_str(), t.duration_ms))
        .collect();
    let expected = BTreeMap::from([("1500", 1500), ("2500", 2500), ("700", 700)]);
    assert_eq!(took, expected);
    // Two at once: the third starts when the first ends (1.5 s + 0.7 s < 2.5 s).
    assert_eq!(report.duration_ms, 2500);
}
