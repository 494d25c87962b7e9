//! What the library's tests share: the GreenLake and Central clients of a base URL, with a
//! fixed token or the simulator's own credential.
#![allow(dead_code, unreachable_pub)]

use std::sync::Arc;
use std::time::Duration;

use central_api::CentralClient;
use futures::TryStreamExt as _;
use glp_auth::{
    AuthOptions, BaseUrl, Credentials, SecretString, StaticTokenProvider, TokenProvider,
    WorkspaceId, msp_provider,
};
use glp_transport::{Api, ApiClient};
use glp_workspaces::{Tenant, WorkspacesClient};
use platform_sim::{SimConfig, Simulator};

/// A client of `api` at `base`, paced at `rate` requests a second (`None`: unpaced).
pub fn api(api: Api, base: &str, provider: Arc<dyn TokenProvider>, rate: Option<f64>) -> ApiClient {
    let builder = ApiClient::builder(api, BaseUrl::parse(base).expect("base URL"), provider);
    match rate {
        Some(rate) => builder.rate_limit(rate),
        None => builder.no_rate_limit(),
    }
    .build()
    .expect("client builds")
}

/// GreenLake and Central at `base` with `provider`, paced at `glp_rate` and `central_rate`.
pub fn clients(
    base: &str,
    provider: Arc<dyn TokenProvider>,
    (glp_rate, central_rate): (Option<f64>, Option<f64>),
) -> (WorkspacesClient, CentralClient) {
    (
        WorkspacesClient::new(api(Api::GreenLake, base, provider.clone(), glp_rate)),
        CentralClient::new(api(Api::Central, base, provider, central_rate)),
    )
}

/// A provider handing out one fixed token for every scope.
pub fn fixed_token() -> Arc<dyn TokenProvider> {
    Arc::new(StaticTokenProvider::new(
        SecretString::from("t0ken".to_string()),
        Duration::from_secs(900),
    ))
}

/// The MSP provider of the simulator's own credential.
pub fn sim_provider(sim: &Simulator, options: AuthOptions) -> Arc<dyn TokenProvider> {
    let creds = sim.credentials();
    let credentials = Credentials::new(
        creds.client_id,
        SecretString::from(creds.client_secret),
        WorkspaceId::parse(&creds.workspace_id).expect("the simulator's workspace id"),
    )
    .with_base_url(BaseUrl::parse(&sim.base_url()).expect("the simulator's URL"));
    msp_provider(credentials, options).expect("provider")
}

/// GreenLake and Central of the simulator, with its credential.
pub fn sim_clients(
    sim: &Simulator,
    options: AuthOptions,
    rates: (Option<f64>, Option<f64>),
) -> (WorkspacesClient, CentralClient) {
    clients(&sim.base_url(), sim_provider(sim, options), rates)
}

/// A simulator of `config` and its GreenLake and Central clients (default auth, unpaced).
pub async fn started(config: SimConfig) -> (Simulator, WorkspacesClient, CentralClient) {
    let sim = Simulator::start(config)
        .await
        .expect("the simulator starts");
    let (glp, central) = sim_clients(&sim, AuthOptions::default(), (None, None));
    (sim, glp, central)
}

/// Every MSP tenant `glp` lists.
pub async fn tenants(glp: &WorkspacesClient) -> Vec<Tenant> {
    glp.msp_tenants()
        .stream()
        .try_collect()
        .await
        .expect("the tenants list")
}

/// Every record sent into `rx` until every sender is gone.
pub async fn received(
    mut rx: tokio::sync::mpsc::Receiver<msp_orchestrator::Record>,
) -> Vec<msp_orchestrator::Record> {
    let mut records = Vec::new();
    while let Some(r) = rx.recv().await {
        records.push(r);
    }
    records
}

/// `actions` carried out in `central`'s tenants (numbered from 0), with the default options
/// and no cancel.
pub async fn run_rules(
    central: &CentralClient,
    actions: &[msp_orchestrator::apply::RuleAction],
) -> Vec<msp_orchestrator::apply::ActionResult> {
    use msp_orchestrator::apply::{ApplyOptions, execute_rules};
    let (options, cancel) = (ApplyOptions::default(), msp_orchestrator::Cancel::new());
    execute_rules(
        |t| central.tenant(t.id),
        actions,
        0,
        options,
        &cancel,
        |_| {},
    )
    .await
}
