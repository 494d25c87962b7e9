//! Shared fixtures of the `glp-workspaces` integration tests: a client with a static token and
//! fast retries, one with the simulator's credential, generated tenant records, and
//! test-support's scripted server answering an offset pager page by page.
#![allow(dead_code, unreachable_pub)]

use std::sync::Arc;
use std::time::Duration;

use glp_auth::{
    AuthOptions, BaseUrl, Credentials, RetryPolicy, SecretString, StaticTokenProvider, WorkspaceId,
    msp_provider,
};
use glp_transport::{Api, ApiClient};
use glp_workspaces::WorkspacesClient;
use platform_sim::{SimConfig, Simulator, Truth};
use serde_json::{Value, json};
use test_support::{Reply, Server};

/// The MSP token the static provider hands out.
pub const TOKEN: &str = "msp-t0ken.XyZ-for-tests";

/// The path of the API, as the server sees it.
pub const PATH: &str = "/workspaces/v1/msp-tenants";

/// The `errorCode` of the GreenLake errors the tests answer.
pub const GLP_ERROR: &str = "HPE_GL_ERROR_X";

/// A GreenLake error body of `status` saying `message`.
pub fn glp_error(status: u16, message: &str) -> Value {
    test_support::mock::hpe_error(status, GLP_ERROR, message)
}

/// A 202 of a write that started operation `id`: its transaction id, and its address under
/// `operations` (e.g. `/devices/v1/async-operations`) in `Location`.
pub fn accepted(operations: &str, id: &str) -> Reply {
    Reply::json(
        202,
        json!({"code": 202, "status": "202 ACCEPTED", "transactionId": id}),
    )
    .header("location", format!("{operations}/{id}"))
}

/// A 200 read of operation `id` of type `kind` (e.g. `devices/asyncOperation`) holding `fields`
/// (`status`, `progressPercent`, `result`, ...).
pub fn operation(kind: &str, id: &str, fields: Value) -> Reply {
    let mut body = json!({"id": id, "type": kind});
    if let (Some(body), Value::Object(fields)) = (body.as_object_mut(), fields) {
        body.extend(fields);
    }
    Reply::json(200, body)
}

/// A client of `base` with [`TOKEN`], no pacing, fast retries and short timeouts.
pub fn client(base: &str) -> WorkspacesClient {
    let provider = Arc::new(StaticTokenProvider::new(
        SecretString::from(TOKEN),
        Duration::from_secs(600),
    ));
    let api = ApiClient::builder(
        Api::GreenLake,
        BaseUrl::parse(base).expect("loopback"),
        provider,
    )
    .no_rate_limit()
    .retry(RetryPolicy::with_max_attempts(3).initial_backoff(Duration::from_millis(10)))
    .timeouts(Duration::from_secs(2), Duration::from_secs(5))
    .build()
    .expect("client builds");
    WorkspacesClient::new(api)
}

/// The workspace id of generated tenant `n` (hyphenated).
pub fn tenant_id(n: u64) -> String {
    let hex = format!("{n:08x}5e4f4a3b8c2d1e0f9a8b7c6d");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// The record of generated tenant `n`.
pub fn tenant(n: u64) -> Value {
    json!({
        "id": tenant_id(n),
        "type": "TENANT",
        "generation": 1,
        "createdAt": "2025-03-01T10:00:00Z",
        "updatedAt": "2025-03-02T10:00:00Z",
        "workspaceName": format!("Tenant {n:04}"),
        "createdBy": "msp-admin@example.com",
        "resourceUri": format!("/workspaces/v1/msp-tenants/{}", tenant_id(n)),
        "inventoryOwnership": "MSP_OWNED_INVENTORY"
    })
}

/// A page body holding tenants `range`, with the given offset and total (`count` = items).
pub fn page(offset: u64, range: std::ops::Range<u64>, total: u64) -> Value {
    let items: Vec<Value> = range.map(tenant).collect();
    json!({"offset": offset, "count": items.len(), "total": total, "items": items})
}

/// The simulator's own MSP credential.
pub fn credentials(sim: &Simulator) -> Credentials {
    let demo = sim.credentials();
    Credentials::new(
        demo.client_id,
        SecretString::from(demo.client_secret),
        WorkspaceId::parse(&demo.workspace_id).expect("the simulator's workspace id"),
    )
    .with_base_url(BaseUrl::parse(&sim.base_url()).expect("the simulator's URL"))
}

/// A client of `sim` with the real provider stack, no client-side pacing and `retry`.
pub fn sim_client(sim: &Simulator, options: AuthOptions, retry: RetryPolicy) -> WorkspacesClient {
    let creds = credentials(sim);
    let base = creds.base_url.clone();
    let provider = msp_provider(creds, options).expect("provider");
    let api = ApiClient::builder(Api::GreenLake, base, provider)
        .no_rate_limit()
        .retry(retry)
        .build()
        .expect("client builds");
    WorkspacesClient::new(api)
}

/// A simulator of `config`, a [`sim_client`] of it (default auth and retry) and its truth with
/// every tenant's records.
pub async fn sim_with_truth(config: SimConfig) -> (Simulator, WorkspacesClient, Truth) {
    let sim = Simulator::start(config)
        .await
        .expect("the simulator starts");
    let client = sim_client(&sim, AuthOptions::default(), RetryPolicy::default());
    let truth = sim.truth_with_records();
    (sim, client, truth)
}

/// Awaits `f`, failing the test instead of hanging if it never ends (a guard, not a bound on
/// speed).
pub async fn hang_guard<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(120), f)
        .await
        .expect("hang guard: it never ended")
}

/// A server answering `path` at `offset` with `body(offset)` (`None`: 418).
pub fn by_offset<R: Into<Reply>>(
    path: &'static str,
    body: impl Fn(u64) -> Option<R> + Send + Sync + 'static,
) -> Server {
    let server = Server::start();
    server.handle(move |r| {
        let offset = r.query_pairs().get("offset")?.parse().ok()?;
        (r.path == path).then(|| body(offset).map(Into::into))?
    });
    server
}

/// A server answering every request on `path` with `reply`.
pub fn always(path: &str, reply: impl Into<Reply>) -> Server {
    let server = Server::start();
    server.always("GET", path, reply.into());
    server
}

/// The offsets asked for, in order.
pub fn asked(server: &Server) -> Vec<u64> {
    server
        .requests()
        .iter()
        .filter_map(|r| r.query_pairs().get("offset")?.parse().ok())
        .collect()
}
