//! Stateful tests against `platform-sim`, the local GreenLake simulator, with the real token
//! provider stack (`msp_provider`): every tenant of a 250-tenant MSP through a server page cap,
//! compared with the simulator's ground truth (unknown fields included); find by a name with an
//! apostrophe and non-ASCII letters; a token that really expires (401, one refresh, success);
//! the simulator's rate limit (its budget headers pace the client; 429s are honoured by every
//! concurrent caller, never early) and injected faults (retried; nothing lost or repeated).
#![allow(clippy::unwrap_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use futures::TryStreamExt as _;
use glp_auth::{AuthOptions, ManualClock, RetryPolicy};
use glp_workspaces::{Tenant, WorkspacesClient};
use platform_sim::{SimConfig, Simulator};
use support::{hang_guard, sim_client};

fn fast_auth() -> AuthOptions {
    let mut options = AuthOptions::default();
    options.retry = RetryPolicy::default().initial_backoff(Duration::from_millis(10));
    options
}

/// A client of `sim` with the real provider stack, no client-side pacing and `retry`.
fn client(sim: &Simulator, options: AuthOptions, retry: RetryPolicy) -> WorkspacesClient {
    sim_client(sim, options, retry)
}

fn msp_tenant_requests(sim: &Simulator, status: &str) -> u64 {
    sim.stats()
        .requests
        .get("msp-tenants")
        .and_then(|by_status| by_status.get(status))
        .copied()
        .unwrap_or(0)
}

async fn start(config: SimConfig) -> Simulator {
    Simulator::start(config).await.unwrap()
}

async fn all(client: &WorkspacesClient) -> Vec<Tenant> {
    hang_guard(client.msp_tenants().stream().try_collect::<Vec<_>>())
        .await
        .unwrap()
}

/// Lists every tenant of `sim` with a client that does not retry, and checks them against the
/// truth.
async fn list_matches_truth(sim: &Simulator) {
    let c = client(sim, fast_auth(), RetryPolicy::never());
    assert_matches_truth(sim, &all(&c).await);
}

/// Checks `tenants` against the simulator's ground truth: same tenants, same order, and each
/// one serialized back is exactly the item the simulator served (unknown fields kept).
fn assert_matches_truth(sim: &Simulator, tenants: &[Tenant]) {
    let truth = sim.truth_with_records();
    assert_eq!(tenants.len(), truth.tenant_count);
    assert_eq!(tenants.len(), truth.tenants.len());
    for (got, want) in tenants.iter().zip(&truth.tenants) {
        assert_eq!(got.id.to_string(), want.workspace_id);
        assert_eq!(got.workspace_name, want.name);
        assert_eq!(
            got.inventory_ownership.as_deref(),
            Some(want.inventory_ownership.as_str())
        );
        let served = want.glp_item.as_ref().expect("truth with records");
        assert_eq!(&serde_json::to_value(got).unwrap(), served);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_tenant_of_250_through_a_page_cap_matches_the_truth() {
    let sim = start(SimConfig {
        tenants: 250,
        glp_page_cap: 37,
        max_devices: 20,
        // A secret that needs form-encoding: the MSP token only comes if the client encodes it.
        hostile_secret: true,
        ..SimConfig::default()
    })
    .await;
    list_matches_truth(&sim).await;
    // 37 per page whatever limit=300 asks: ceil(250 / 37) = 7 requests, and no extra one after
    // `offset + count >= total`.
    assert_eq!(msp_tenant_requests(&sim, "200"), 7);
    assert_eq!(sim.stats().client_credentials_grants, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn find_by_name_finds_the_tenant_with_an_apostrophe() {
    let sim = start(SimConfig {
        tenants: 60,
        max_devices: 20,
        ..SimConfig::default()
    })
    .await;
    let truth = sim.truth();
    let wanted = truth
        .tenants
        .iter()
        .find(|t| t.name.contains('\''))
        .expect("the simulator has a name with an apostrophe");
    let c = client(&sim, fast_auth(), RetryPolicy::never());
    let found = c.find_tenants_by_name(&wanted.name).await.unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].id.to_string(), wanted.workspace_id);
    assert_eq!(found[0].workspace_name, wanted.name);
    // Names that are not there, including a prefix of a real one, find nothing.
    let prefix: String = wanted.name.chars().take(3).collect();
    assert!(c.find_tenants_by_name(&prefix).await.unwrap().is_empty());
    assert!(
        c.find_tenants_by_name("No such tenant ''")
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_token_is_refreshed_once_after_a_401() {
    // The token lives 1 s on the server; the provider's clock is frozen, so it believes the
    // token is still fresh and keeps using it: the server's 401 is the only signal.
    let sim = start(SimConfig {
        tenants: 5,
        max_devices: 5,
        token_ttl: Duration::from_secs(1),
        ..SimConfig::default()
    })
    .await;
    // The server's token clock is frozen too and moved on by hand: the token cannot expire
    // before the first listing however slow the machine, and no real second has to pass.
    sim.freeze_token_clock();
    let mut options = fast_auth();
    options.clock = Arc::new(ManualClock::new());
    let c = client(&sim, options, RetryPolicy::never());
    assert_eq!(all(&c).await.len(), 5);
    assert_eq!(sim.stats().client_credentials_grants, 1);

    sim.advance_token_clock(Duration::from_millis(1300));
    let tenants = all(&c).await;
    assert_matches_truth(&sim, &tenants);
    let stats = sim.stats();
    assert_eq!(stats.unauthorized, 1, "one 401 for the expired token");
    assert_eq!(stats.client_credentials_grants, 2, "one fresh token");
    assert_eq!(msp_tenant_requests(&sim, "401"), 1);
    assert_eq!(c.api_client().totals().token_refreshes, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulators_budget_headers_pace_a_sequential_listing() {
    // 2 requests/s on GLP (token endpoint included), burst 2, and a client that does not pace
    // itself: `ratelimit-remaining: 0` + `ratelimit-reset` on the successes hold it back before
    // the server has to say 429.
    let sim = start(SimConfig {
        tenants: 150,
        glp_page_cap: 50,
        max_devices: 5,
        glp_rps: Some(2.0),
        ..SimConfig::default()
    })
    .await;
    list_matches_truth(&sim).await;
    let stats = sim.stats();
    assert_eq!(stats.rate_limited, 0, "{stats:?}");
    assert_eq!(msp_tenant_requests(&sim, "200"), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulators_429s_are_honoured_by_concurrent_callers() {
    // Six concurrent calls against 2 requests/s, burst 2: most get 429 at once. Each waits out
    // the Retry-After (the whole client pauses), none arrives early, and all succeed. No
    // rate-limit headers: with them the pacer would learn the budget and avoid the 429s.
    let sim = start(SimConfig {
        tenants: 30,
        max_devices: 5,
        glp_rps: Some(2.0),
        rate_headers: false,
        ..SimConfig::default()
    })
    .await;
    let c = client(
        &sim,
        fast_auth(),
        RetryPolicy::default().initial_backoff(Duration::from_millis(10)),
    );
    // Get the token first, so that the calls below race only on msp-tenants.
    c.msp_tenants().limit(1).page().await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let calls = (0..6u64).map(|i| {
        let c = c.clone();
        tokio::spawn(async move { c.msp_tenants().offset(i * 5).limit(5).page().await })
    });
    for page in futures::future::join_all(calls).await {
        assert_eq!(page.unwrap().unwrap().items.len(), 5);
    }
    let stats = sim.stats();
    assert!(stats.rate_limited > 0, "the test needs 429s: {stats:?}");
    assert_eq!(
        stats.early_requests, 0,
        "a request came before Retry-After: {stats:?}"
    );
    assert_eq!(msp_tenant_requests(&sim, "200"), 7);
    assert_eq!(
        c.api_client().totals().rate_limited,
        msp_tenant_requests(&sim, "429")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_faults_are_retried_and_nothing_is_lost_or_repeated() {
    let sim = start(SimConfig {
        tenants: 250,
        glp_page_cap: 10,
        max_devices: 5,
        fail_rate: 0.15,
        drop_rate: 0.15,
        malformed_rate: 0.15,
        ..SimConfig::default()
    })
    .await;
    let c = client(
        &sim,
        fast_auth(),
        // About 4 in 10 requests fail: 15 attempts make a page that never succeeds
        // (0.4^15 = 1e-6) practically impossible, and 25 pages make a run without faults too.
        RetryPolicy::with_max_attempts(15)
            .initial_backoff(Duration::from_millis(5))
            .max_backoff(Duration::from_millis(50)),
    );
    let tenants = all(&c).await;
    assert_matches_truth(&sim, &tenants);
    let stats = sim.stats();
    let injected = stats.injected_failures + stats.dropped_connections + stats.malformed_bodies;
    assert!(injected > 0, "the test needs faults: {stats:?}");
    eprintln!(
        "faults: {} failures, {} dropped, {} malformed; {} msp-tenants requests",
        stats.injected_failures,
        stats.dropped_connections,
        stats.malformed_bodies,
        c.api_client().totals().requests
    );
    assert_eq!(c.api_client().totals().retries, injected, "{stats:?}");
}
