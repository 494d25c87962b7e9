//! Shared fixtures of the `central-api` integration tests: a tenant id, a token provider that
//! hands different tokens to the MSP and to the tenant, and clients pointed at a mock server.
//!
//! Every test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use central_api::CentralClient;
use glp_auth::{BaseUrl, RetryPolicy, Scope, SecretString, StaticTokenProvider, WorkspaceId};
use glp_transport::{Api, ApiClient};

/// The tenant's GreenLake workspace id, hyphenated.
pub(crate) const TENANT: &str = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
/// Another tenant, whose token must never be used for `TENANT`.
pub(crate) const OTHER_TENANT: &str = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9";
/// The MSP token the provider hands out for `Scope::Msp`.
pub(crate) const MSP_TOKEN: &str = "msp-token-AAA";
/// The token the provider hands out for `Scope::Tenant(TENANT)`.
pub(crate) const TENANT_TOKEN: &str = "tenant-token-BBB";
/// The token the provider hands out for `Scope::Tenant(OTHER_TENANT)`.
pub(crate) const OTHER_TOKEN: &str = "tenant-token-CCC";

/// The `Authorization` header value of a token.
pub(crate) fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// `TENANT` parsed.
pub(crate) fn tenant() -> WorkspaceId {
    TENANT.parse().expect("valid workspace id literal")
}

/// `OTHER_TENANT` parsed.
pub(crate) fn other_tenant() -> WorkspaceId {
    OTHER_TENANT.parse().expect("valid workspace id literal")
}

/// A provider with one token per scope and no catch-all token: a call with the wrong scope
/// either carries the wrong token (and the mock does not match) or fails for want of one.
pub(crate) fn provider() -> StaticTokenProvider {
    let ttl = Duration::from_secs(900);
    StaticTokenProvider::default()
        .with_scope(Scope::Msp, SecretString::from(MSP_TOKEN), ttl)
        .with_scope(
            Scope::Tenant(tenant()),
            SecretString::from(TENANT_TOKEN),
            ttl,
        )
        .with_scope(
            Scope::Tenant(other_tenant()),
            SecretString::from(OTHER_TOKEN),
            ttl,
        )
}

/// A Central client of `base` (e.g. a mock server's URL), unpaced and never retrying, so that
/// every expected request is sent exactly once.
pub(crate) fn client(base: &str) -> CentralClient {
    let base = BaseUrl::parse(base).expect("loopback base URL");
    let api = ApiClient::builder(Api::Central, base, Arc::new(provider()))
        .no_rate_limit()
        .retry(RetryPolicy::never())
        .build()
        .expect("client");
    CentralClient::new(api)
}

/// A fixture file of `tests/fixtures/` as JSON.
pub(crate) fn fixture(name: &str) -> serde_json::Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A Central client of `base` that retries as a real one does (3 attempts, short backoff):
/// what proves a write is never sent twice.
pub(crate) fn retrying_client(base: &str) -> CentralClient {
    let base = BaseUrl::parse(base).expect("loopback base URL");
    let api = ApiClient::builder(Api::Central, base, Arc::new(provider()))
        .no_rate_limit()
        .retry(RetryPolicy::with_max_attempts(3).initial_backoff(Duration::from_millis(10)))
        .timeouts(Duration::from_secs(2), Duration::from_secs(5))
        .build()
        .expect("client");
    CentralClient::new(api)
}
