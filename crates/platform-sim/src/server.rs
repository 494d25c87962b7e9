//! The HTTP server: router, per-request pipeline (latency, rate limit, faults, statistics) and
//! the [`Simulator`] handle.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{RawQuery, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::Response;
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::config::SimConfig;
use crate::errors::{Api, bad_request, json_response, not_found, unauthorized};
use crate::faults::{self, Fault};
use crate::greenlake::{self, GlpResource};
use crate::ids;
use crate::limits::{Bucket, Decision, add_allow_headers, too_many};
use crate::population::Population;
use crate::query::{BadParam, Params};
use crate::records::Resource;
use crate::stats::{Collector, Outcome, Stats};
use crate::tokens::{Check, Subject, TokenStore};
use crate::truth::{self, Truth};
use crate::{SimError, catalog, central, glp, oauth};

/// Shared state of a running simulator.
#[derive(Debug)]
pub(crate) struct AppState {
    pub(crate) cfg: SimConfig,
    pub(crate) pop: Population,
    pub(crate) tokens: TokenStore,
    pub(crate) stats: Collector,
    glp_bucket: Option<Bucket>,
    central_bucket: Option<Bucket>,
    token_bucket: Option<Bucket>,
    tenants_bucket: Option<Bucket>,
    /// GreenLake's per-workspace budgets of devices and subscriptions, by endpoint and
    /// workspace (a tenant's index, `u32::MAX` for the MSP), made on first use.
    workspace_buckets:
        std::sync::Mutex<std::collections::HashMap<(&'static str, u32), Arc<Bucket>>>,
}

impl AppState {
    fn new(mut cfg: SimConfig) -> Self {
        // Validated: every name is a public cluster; keep the canonical spelling.
        for c in &mut cfg.clusters {
            if let Some(name) = crate::clusters::canonical(c) {
                *c = name.to_string();
            }
        }
        let started = Instant::now();
        let pop = Population::build(&cfg);
        let tokens = TokenStore::new(cfg.token_ttl, cfg.revoke_after.map(|d| started + d));
        AppState {
            glp_bucket: cfg.glp_rps.map(|r| Bucket::new(r, cfg.background_share)),
            central_bucket: cfg
                .central_rps
                .map(|r| Bucket::new(r, cfg.background_share)),
            token_bucket: cfg
                .glp_token_per_minute
                .map(|n| Bucket::per_minute(n, cfg.background_share)),
            tenants_bucket: cfg
                .glp_tenants_per_minute
                .map(|n| Bucket::per_minute(n, cfg.background_share)),
            workspace_buckets: std::sync::Mutex::default(),
            cfg,
            pop,
            tokens,
            stats: Collector::new(started),
        }
    }

    /// Central's [`Api`], in the configured dialect.
    pub(crate) fn central(&self) -> Api {
        Api::Central(self.cfg.central_dialect)
    }

    /// The live token of an API request, or the 401 to send.
    pub(crate) fn authenticate(&self, headers: &HeaderMap, api: Api) -> Result<Subject, Response> {
        let Some(value) = headers.get(header::AUTHORIZATION) else {
            return Err(unauthorized(
                api,
                "Missing access token: send 'Authorization: Bearer <access token>'",
            ));
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| t.trim())
            .filter(|t| !t.is_empty());
        let Some(token) = token else {
            return Err(unauthorized(
                api,
                "Malformed Authorization header: expected 'Bearer <access token>'",
            ));
        };
        match self.tokens.check(token, self.tokens.now()) {
            Check::Valid(s) => Ok(s),
            Check::Expired => Err(unauthorized(
                api,
                "The access token has expired: get a new token and retry",
            )),
            Check::Revoked => Err(unauthorized(
                api,
                "The access token has been revoked: get a new token and retry",
            )),
            Check::Unknown => Err(unauthorized(api, "The access token is not valid")),
        }
    }

    /// The buckets a request to `ep` draws from, narrowest first (an endpoint's own budget,
    /// then its API's).
    fn buckets(&self, ep: &Endpoint) -> Vec<&Bucket> {
        let endpoint = match ep.name {
            "token" => self.token_bucket.as_ref(),
            "msp-tenants" => self.tenants_bucket.as_ref(),
            _ => None,
        };
        let api = match ep.api {
            Some(Api::Glp) => self.glp_bucket.as_ref(),
            Some(Api::Central(_)) => self.central_bucket.as_ref(),
            None => None,
        };
        endpoint.into_iter().chain(api).collect()
    }

    /// The per-workspace budget a request to `ep` draws from first, if its endpoint has one
    /// configured and its token is live (without one the handler answers 401 anyway).
    fn workspace_bucket(&self, ep: &Endpoint, headers: &HeaderMap) -> Option<Arc<Bucket>> {
        let per_minute = match ep.name {
            "glp/devices" => self.cfg.glp_devices_per_minute,
            "glp/subscriptions" => self.cfg.glp_subscriptions_per_minute,
            _ => None,
        }?;
        let workspace = match self.authenticate(headers, Api::Glp).ok()? {
            Subject::Msp => u32::MAX,
            Subject::Tenant(i) => i,
        };
        let mut buckets = self
            .workspace_buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Some(
            buckets
                .entry((ep.name, workspace))
                .or_insert_with(|| {
                    Arc::new(Bucket::per_minute(per_minute, self.cfg.background_share))
                })
                .clone(),
        )
    }

    fn snapshot(&self) -> Stats {
        self.stats
            .snapshot(self.tokens.issued(), self.tokens.revoked(self.tokens.now()))
    }
}

/// What a request path is, for statistics, limits and faults.
#[derive(Debug, Clone, Copy)]
struct Endpoint {
    name: &'static str,
    api: Option<Api>,
    token: bool,
}

fn classify(path: &str, central: Api) -> Endpoint {
    // A cluster prefix (`/clusters/{slug}`) routes to a cluster; the endpoint is what follows.
    let path = crate::clusters::split(path).map_or(path, |(_, rest)| rest);
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (name, api, token) = match segs.as_slice() {
        ["authorization", "v2", "oauth2", _, "token"] => ("token", Some(Api::Glp), true),
        ["workspaces", "v1", "msp-tenants"] => ("msp-tenants", Some(Api::Glp), false),
        ["service-catalog", "v1", "service-manager-provisions"] => {
            ("service-manager-provisions", Some(Api::Glp), false)
        }
        ["service-catalog", "v1", "service-managers"] => {
            ("service-managers", Some(Api::Glp), false)
        }
        ["devices", "v1", "devices"] => (GlpResource::Devices.name(), Some(Api::Glp), false),
        ["subscriptions", "v1", "subscriptions"] => {
            (GlpResource::Subscriptions.name(), Some(Api::Glp), false)
        }
        ["network-msp", "v1", "list-tenants"] => ("list-tenants", Some(central), false),
        ["network-msp", "v1", "device-inventory"] => ("msp-device-inventory", Some(central), false),
        ["network-monitoring", "v1", r] if Resource::from_name(r).is_some() => (
            Resource::from_name(r).map_or("other", Resource::name),
            Some(central),
            false,
        ),
        _ => ("other", None, false),
    };
    Endpoint { name, api, token }
}

/// The per-request pipeline of every API path (not `/_sim`).
async fn pipeline(State(st): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let arrived = Instant::now();
    let ep = classify(req.uri().path(), st.central());
    let _in_flight = st.stats.enter();

    let cfg = &st.cfg;
    let mut delay = cfg.latency;
    if !cfg.latency_jitter.is_zero() {
        delay += cfg.latency_jitter.mul_f64(fastrand::f64());
    }
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }

    let mut allow = None;
    if let Some(api) = ep.api {
        let own = st.workspace_bucket(&ep, req.headers());
        for bucket in own.as_deref().into_iter().chain(st.buckets(&ep)) {
            match bucket.acquire(arrived, Instant::now(), cfg.early_retry_grace) {
                Decision::Allow { remaining, reset } => {
                    // The narrowest budget's headers: the one a client must respect.
                    allow.get_or_insert((api, bucket.limit(), remaining, reset));
                }
                Decision::Limited { retry_after, early } => {
                    if early {
                        st.stats.early_request();
                    }
                    st.stats.record(ep.name, Outcome::Status(429));
                    return too_many(api, bucket.limit(), retry_after, st.cfg.rate_headers);
                }
            }
        }
    }

    let fault = match ep.api {
        Some(_) if !ep.token || cfg.faults_on_token_endpoint => faults::roll(cfg),
        _ => Fault::None,
    };
    match fault {
        Fault::Fail(status) => {
            st.stats.injected_failure();
            st.stats.record(ep.name, Outcome::Status(status.as_u16()));
            return faults::failure(ep.api.unwrap_or(Api::Glp), status);
        }
        Fault::Drop => {
            st.stats.record(ep.name, Outcome::Dropped);
            return faults::dropped();
        }
        Fault::None | Fault::Malformed => {}
    }

    let mut resp = next.run(req).await;
    if let Some((api, limit, remaining, reset)) = allow.filter(|_| st.cfg.rate_headers) {
        add_allow_headers(api, resp.headers_mut(), limit, remaining, reset);
    }
    if fault == Fault::Malformed && resp.status() == StatusCode::OK {
        st.stats.malformed_body();
        resp = faults::malform(resp).await;
    }
    st.stats
        .record(ep.name, Outcome::Status(resp.status().as_u16()));
    resp
}

async fn fallback(State(st): State<Arc<AppState>>, req: Request) -> Response {
    let path = req.uri().path();
    let api = if path.starts_with("/network-") || path.starts_with(crate::clusters::PREFIX) {
        st.central()
    } else {
        Api::Glp
    };
    not_found(
        api,
        &format!("No route for {} {}", req.method(), req.uri().path()),
    )
}

async fn sim_stats(State(st): State<Arc<AppState>>) -> Response {
    json_response(StatusCode::OK, &st.snapshot())
}

async fn sim_truth(State(st): State<Arc<AppState>>, RawQuery(query): RawQuery) -> Response {
    let parsed = (|| -> Result<(bool, Option<String>), BadParam> {
        let p = Params::parse(query.as_deref(), &["records", "tenant"])?;
        let records = match p.get("records") {
            None | Some("false") => false,
            Some("true") => true,
            Some(_) => return Err(BadParam::new("records", "'records' must be true or false")),
        };
        Ok((records, p.get("tenant").map(str::to_string)))
    })();
    let (records, tenant) = match parsed {
        Ok(x) => x,
        Err(bad) => return bad_request(Api::Glp, &bad),
    };
    let only = match tenant {
        Some(ws) => match ids::parse_any(&ws).and_then(|id| st.pop.tenant(id)) {
            Some(t) => Some(t),
            None => return not_found(Api::Glp, &format!("no tenant with workspace id '{ws}'")),
        },
        None => None,
    };
    json_response(
        StatusCode::OK,
        &truth::build(&st.pop, &st.cfg.clusters, only, records),
    )
}

/// Every public cluster the simulator routes: name, region, base URL, and whether the MSP is
/// provisioned there.
fn cluster_table(st: &AppState, base: &str) -> Vec<ClusterInfo> {
    crate::clusters::PUBLIC
        .iter()
        .map(|(name, region)| ClusterInfo {
            name: (*name).to_string(),
            region: (*region).to_string(),
            base_url: format!("{base}/clusters/{}", crate::clusters::slug(name)),
            msp: st.cfg.clusters.iter().any(|c| c == name),
        })
        .collect()
}

async fn sim_clusters(State(st): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let table = cluster_table(&st, &format!("http://{host}"));
    json_response(StatusCode::OK, &serde_json::json!({ "clusters": table }))
}

fn router(state: Arc<AppState>) -> Router {
    let api = Router::new()
        .route("/authorization/v2/oauth2/{ws}/token", post(oauth::token))
        .route("/workspaces/v1/msp-tenants", get(glp::msp_tenants))
        .route(
            "/service-catalog/v1/service-manager-provisions",
            get(catalog::service_manager_provisions),
        )
        .route(
            "/service-catalog/v1/service-managers",
            get(catalog::service_managers),
        )
        .route("/devices/v1/devices", get(greenlake::devices))
        .route(
            "/subscriptions/v1/subscriptions",
            get(greenlake::subscriptions),
        )
        .route("/network-msp/v1/list-tenants", get(central::list_tenants))
        .route(
            "/network-msp/v1/device-inventory",
            get(central::msp_device_inventory),
        )
        .route(
            "/clusters/{cluster}/network-msp/v1/device-inventory",
            get(central::msp_device_inventory),
        )
        .route(
            "/network-monitoring/v1/{resource}",
            get(central::monitoring),
        )
        .route(
            "/clusters/{cluster}/network-msp/v1/list-tenants",
            get(central::list_tenants),
        )
        .route(
            "/clusters/{cluster}/network-monitoring/v1/{resource}",
            get(central::monitoring),
        )
        .fallback(fallback)
        .layer(from_fn_with_state(state.clone(), pipeline));
    Router::new()
        .route("/_sim/stats", get(sim_stats))
        .route("/_sim/truth", get(sim_truth))
        .route("/_sim/clusters", get(sim_clusters))
        .merge(api)
        .with_state(state)
}

/// One Central cluster the simulator routes (`GET /_sim/clusters`, [`Simulator::clusters`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ClusterInfo {
    /// The cluster's name, as the vendor's SDK spells it (`US-WEST-4`).
    pub name: String,
    /// Its GreenLake region (`us-west`).
    pub region: String,
    /// Its API gateway on this simulator: `http://127.0.0.1:PORT/clusters/{name in lower case}`.
    pub base_url: String,
    /// Whether the simulated MSP is provisioned there (else every call gets 401).
    pub msp: bool,
}

/// The demo API client of the simulated MSP.
#[derive(Clone, PartialEq, Eq)]
pub struct DemoCredentials {
    /// Client id.
    pub client_id: String,
    /// Client secret: 32 lowercase hex digits, like a GreenLake one; with
    /// [`SimConfig::hostile_secret`](crate::SimConfig::hostile_secret) it holds `+`, `/`, `&`,
    /// `=`, `%`, a space and `:`, so a client that does not form-encode it (body or HTTP Basic)
    /// fails with 401.
    pub client_secret: String,
    /// MSP workspace id, hyphenated lower case.
    pub workspace_id: String,
}

impl fmt::Debug for DemoCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DemoCredentials")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("workspace_id", &self.workspace_id)
            .finish()
    }
}

/// A running simulator. Dropping it stops the server too (without waiting);
/// [`Simulator::shutdown`] stops it and waits.
pub struct Simulator {
    state: Arc<AppState>,
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl fmt::Debug for Simulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Simulator")
            .field("addr", &self.addr)
            .field("tenants", &self.state.pop.tenants.len())
            .finish_non_exhaustive()
    }
}

impl Simulator {
    /// Validates `config`, builds the population and starts serving on `127.0.0.1:port`.
    pub async fn start(config: SimConfig) -> Result<Simulator, SimError> {
        config.validate()?;
        let port = config.port;
        let state = Arc::new(AppState::new(config));
        let bind = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let listener = tokio::net::TcpListener::bind(bind)
            .await
            .map_err(|source| SimError::Bind { addr: bind, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| SimError::Bind { addr: bind, source })?;
        let listener = listener.tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!("set_nodelay failed: {e}");
            }
        });
        let (stop, stopped) = oneshot::channel::<()>();
        let app = router(state.clone());
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
                let _ = stopped.await;
            });
            if let Err(e) = serve.await {
                tracing::error!("platform-sim server error: {e}");
            }
        });
        tracing::debug!(%addr, "platform-sim listening");
        Ok(Simulator {
            state,
            addr,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:PORT`, no trailing slash: the base URL of both GLP and Central.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every public Central cluster the simulator routes, with its base URL here; the MSP's
    /// clusters ([`SimConfig::clusters`]) have `msp: true`.
    pub fn clusters(&self) -> Vec<ClusterInfo> {
        cluster_table(&self.state, &self.base_url())
    }

    /// The base URL of the MSP's cluster `name` (matched without case), if it is one.
    pub fn cluster_url(&self, name: &str) -> Option<String> {
        self.clusters()
            .into_iter()
            .find(|c| c.msp && c.name.eq_ignore_ascii_case(name))
            .map(|c| c.base_url)
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The demo client credentials and MSP workspace id.
    pub fn credentials(&self) -> DemoCredentials {
        let pop = &self.state.pop;
        DemoCredentials {
            client_id: pop.client_id.clone(),
            client_secret: pop.client_secret.clone(),
            workspace_id: ids::hyphenated(pop.msp_workspace_id),
        }
    }

    /// Every tenant with its counts (no records), as `GET /_sim/truth`.
    pub fn truth(&self) -> Truth {
        truth::build(&self.state.pop, &self.state.cfg.clusters, None, false)
    }

    /// Every tenant with every record, as `GET /_sim/truth?records=true`.
    pub fn truth_with_records(&self) -> Truth {
        truth::build(&self.state.pop, &self.state.cfg.clusters, None, true)
    }

    /// One tenant (workspace id with or without hyphens) with its records, as
    /// `GET /_sim/truth?tenant=ID`; `None` if no such tenant.
    pub fn tenant_truth(&self, workspace_id: &str) -> Option<Truth> {
        let t = ids::parse_any(workspace_id).and_then(|id| self.state.pop.tenant(id))?;
        Some(truth::build(
            &self.state.pop,
            &self.state.cfg.clusters,
            Some(t),
            true,
        ))
    }

    /// Live statistics, as `GET /_sim/stats`.
    pub fn stats(&self) -> Stats {
        self.state.snapshot()
    }

    /// Test hook: stops the clock token lifetimes (and the revocation instant) are measured on,
    /// so that a test can move it with [`advance_token_clock`](Self::advance_token_clock) in
    /// step with a client's `ManualClock` and test expiry without depending on real time. Rate
    /// limits and latency keep the real clock. Without a call the simulator uses the real clock.
    pub fn freeze_token_clock(&self) {
        self.state.tokens.freeze();
    }

    /// Test hook: moves the token clock forward by `by` (freezing it first if it was not).
    pub fn advance_token_clock(&self, by: Duration) {
        self.state.tokens.advance(by);
    }

    /// Stops accepting connections, lets requests in progress finish (at most 5 s), and returns.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(Duration::from_secs(5), &mut task)
                .await
                .is_err()
        {
            task.abort();
        }
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
