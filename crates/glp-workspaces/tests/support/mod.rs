//! Shared fixtures of the `glp-workspaces` integration tests: a client with a static token and
//! fast retries, and generated tenant records.
#![allow(dead_code, unreachable_pub)]

use std::sync::Arc;
use std::time::Duration;

use glp_auth::{BaseUrl, RetryPolicy, SecretString, StaticTokenProvider};
use glp_transport::{Api, ApiClient};
use glp_workspaces::WorkspacesClient;
use serde_json::{Value, json};

/// The MSP token the static provider hands out.
pub const TOKEN: &str = "msp-t0ken.XyZ-for-tests";

/// The path of the API, as the server sees it.
pub const PATH: &str = "/workspaces/v1/msp-tenants";

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
