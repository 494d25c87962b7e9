//! Injected faults and latency.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::{config, start};

#[tokio::test]
async fn fail_rate_one_gives_500_502_503_but_spares_the_token_endpoint() {
    let env = start(config(|c| c.fail_rate = 1.0)).await;
    let msp = env.msp_token().await;
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..30 {
        let r = env.get("/workspaces/v1/msp-tenants?limit=1", &msp).await;
        let status = r.status().as_u16();
        assert!([500, 502, 503].contains(&status), "{status}");
        seen.insert(status);
    }
    assert_eq!(seen.len(), 3, "all three kinds appear: {seen:?}");
    let s = env.sim.stats();
    assert_eq!(s.injected_failures, 30);
    assert_eq!(s.client_credentials_grants, 1);
}

#[tokio::test]
async fn faults_hit_the_token_endpoint_when_asked() {
    let env = start(config(|c| {
        c.fail_rate = 1.0;
        c.faults_on_token_endpoint = true;
    }))
    .await;
    assert!(env.cc().await.status().is_server_error());
}

#[tokio::test]
async fn drop_rate_one_closes_connections_without_response() {
    let env = start(config(|c| c.drop_rate = 1.0)).await;
    let msp = env.msp_token().await;
    for _ in 0..3 {
        let r = env
            .http
            .get(env.url("/workspaces/v1/msp-tenants?limit=1"))
            .bearer_auth(&msp)
            .send()
            .await;
        let failed = match r {
            Err(_) => true,
            Ok(resp) => resp.bytes().await.is_err(),
        };
        assert!(
            failed,
            "a dropped connection gives the client a transport error"
        );
    }
    let s = env.sim.stats();
    assert_eq!(s.dropped_connections, 3);
    assert_eq!(s.requests["msp-tenants"]["dropped"], 3);
}

#[tokio::test]
async fn malformed_rate_one_truncates_successful_json() {
    let env = start(config(|c| c.malformed_rate = 1.0)).await;
    let msp = env.msp_token().await;
    let r = env.get("/workspaces/v1/msp-tenants?limit=5", &msp).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/json");
    let body = r.bytes().await.unwrap();
    assert!(!body.is_empty());
    assert!(serde_json::from_slice::<serde_json::Value>(&body).is_err());
    // Errors are left intact.
    let r = env.get("/workspaces/v1/msp-tenants", &msp).await;
    assert_eq!(r.status(), 400);
    assert!(r.json::<serde_json::Value>().await.is_ok());
    assert_eq!(env.sim.stats().malformed_bodies, 1);
}

#[tokio::test]
async fn latency_delays_api_requests_but_not_sim_endpoints() {
    let env = start(config(|c| {
        c.latency = Duration::from_millis(150);
        c.latency_jitter = Duration::from_millis(50);
    }))
    .await;
    let t0 = Instant::now();
    let msp = env.msp_token().await;
    let (a, b) = tokio::join!(
        env.get("/workspaces/v1/msp-tenants?limit=1", &msp),
        env.get("/workspaces/v1/msp-tenants?limit=1", &msp)
    );
    assert_eq!((a.status().as_u16(), b.status().as_u16()), (200, 200));
    let took = t0.elapsed();
    // A lower bound only: a slow machine can only add to the latency.
    assert!(took >= Duration::from_millis(300), "{took:?}");
    assert_eq!(env.sim.stats().max_in_flight, 2);
}

/// The `/_sim` endpoints skip the latency: with an hour of latency, `/_sim/stats` answers while
/// an API request is still held in its hour, and shows that request in flight. No wall-clock
/// upper bound: only a hang guard, far below the hour and far above any machine's slowness.
#[tokio::test]
async fn sim_endpoints_answer_while_api_requests_sit_in_their_latency() {
    const HANG_GUARD: Duration = Duration::from_secs(60);
    let env = start(config(|c| c.latency = Duration::from_secs(3600))).await;
    // Unauthenticated is enough: the latency comes before any check.
    let held = tokio::spawn({
        let http = reqwest::Client::new();
        let url = env.url("/workspaces/v1/msp-tenants");
        async move { http.get(url).send().await }
    });
    let started = Instant::now();
    while env.sim.stats().in_flight == 0 {
        assert!(
            started.elapsed() < HANG_GUARD,
            "the API request never arrived"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let stats = tokio::time::timeout(HANG_GUARD, env.http.get(env.url("/_sim/stats")).send())
        .await
        .expect("hang guard: /_sim/stats waited like an API request")
        .unwrap();
    assert_eq!(stats.status(), 200);
    let stats: serde_json::Value = stats.json().await.unwrap();
    assert_eq!(stats["in_flight"], 1, "{stats}");
    assert!(
        !held.is_finished(),
        "the API request is still in its latency"
    );
    held.abort();
}
