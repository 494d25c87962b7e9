//! The [`Simulator`] handle: starts the server on a local port, answers for its state, stops it.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::serve::ListenerExt;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::SimError;
use crate::config::SimConfig;
use crate::ids;
use crate::inspect::{ClusterInfo, cluster_table};
use crate::routes::router;
use crate::state::AppState;
use crate::stats::Stats;
use crate::truth::{self, Truth};

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
        truth::build(&self.state, None, false)
    }

    /// Every tenant with every record, as `GET /_sim/truth?records=true`.
    pub fn truth_with_records(&self) -> Truth {
        truth::build(&self.state, None, true)
    }

    /// One tenant (workspace id with or without hyphens) with its records, as
    /// `GET /_sim/truth?tenant=ID`; `None` if no such tenant.
    pub fn tenant_truth(&self, workspace_id: &str) -> Option<Truth> {
        let t = ids::parse_any(workspace_id).and_then(|id| self.state.pop.tenant(id))?;
        Some(truth::build(&self.state, Some(t), true))
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
