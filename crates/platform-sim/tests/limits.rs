//! Rate limits: 429 headers and bodies (GreenLake, new and classic Central), Retry-After
//! deadlines, early retries.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{Env, cc_form, config, start, tenant_env};
use platform_sim::{CentralDialect, SimConfig};
use reqwest::Response;
use serde_json::Value;

fn header_u64(r: &reqwest::Response, name: &str) -> u64 {
    r.headers()
        .get(name)
        .unwrap_or_else(|| panic!("{name} missing"))
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// Two requests of the largest tenant to Central under `cfg` (a rate of one a second): the
/// first answer (200) and the second (429).
async fn central_ok_then_429(cfg: SimConfig) -> (Response, Response) {
    let (env, _, token) = tenant_env(cfg).await;
    let first = env.get("/network-monitoring/v1/aps?limit=1", &token).await;
    assert_eq!(first.status(), 200);
    let second = env.get("/network-monitoring/v1/aps?limit=1", &token).await;
    assert_eq!(second.status(), 429);
    (first, second)
}

/// A simulator of one GreenLake request a second whose MSP token endpoint answered 200, then
/// 429 (the answer).
async fn token_ok_then_429() -> (Env, Response) {
    let env = start(config(|c| c.glp_rps = Some(1.0))).await;
    assert_eq!(env.cc().await.status(), 200);
    let r = env.cc().await;
    assert_eq!(r.status(), 429);
    (env, r)
}

#[tokio::test]
async fn glp_429_carries_retry_after_ratelimit_headers_and_retry_info() {
    let env = start(config(|c| c.glp_rps = Some(2.0))).await;
    let r = env.cc().await;
    assert_eq!(r.status(), 200);
    assert_eq!(header_u64(&r, "ratelimit-limit"), 2);
    assert_eq!(header_u64(&r, "ratelimit-remaining"), 1);
    assert_eq!(env.cc().await.status(), 200);
    let r = env.cc().await;
    assert_eq!(r.status(), 429);
    let retry = header_u64(&r, "retry-after");
    assert!(retry >= 1);
    assert_eq!(header_u64(&r, "ratelimit-limit"), 2);
    assert_eq!(header_u64(&r, "ratelimit-remaining"), 0);
    assert_eq!(header_u64(&r, "ratelimit-reset"), retry);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["httpStatusCode"], 429);
    assert_eq!(v["errorCode"], "HPE_GL_ERROR_TOO_MANY_REQUESTS");
    assert_eq!(v["errorDetails"][0]["type"], "hpe.greenlake.retry_info");
    assert_eq!(v["errorDetails"][0]["retryAfterSeconds"], retry);
    // Central has its own bucket.
    let r = env.get_plain("/network-monitoring/v1/aps?limit=1").await;
    assert_eq!(r.status(), 401);
    let s = env.sim.stats();
    assert_eq!(s.rate_limited, 1);
    assert_eq!(s.requests["token"]["429"], 1);
}

#[tokio::test]
async fn new_central_429_is_greenlake_shaped_with_x_ratelimit_headers_and_no_retry_after() {
    let (r, second) = central_ok_then_429(config(|c| c.central_rps = Some(1.0))).await;
    assert_eq!(header_u64(&r, "x-ratelimit-limit"), 1);
    assert_eq!(header_u64(&r, "x-ratelimit-remaining"), 0);
    assert!(header_u64(&r, "x-ratelimit-reset") >= 1);
    assert!(r.headers().get("x-ratelimit-limit-second").is_none());
    let r = second;
    assert!(r.headers().get("retry-after").is_none());
    assert_eq!(header_u64(&r, "x-ratelimit-limit"), 1);
    assert_eq!(header_u64(&r, "x-ratelimit-remaining"), 0);
    assert!(header_u64(&r, "x-ratelimit-reset") >= 1);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["httpStatusCode"], 429);
    assert_eq!(v["errorCode"], "HPE_GL_ERROR_TOO_MANY_REQUESTS");
    assert!(v["message"].is_string() && v["debugId"].is_string());
}

#[tokio::test]
async fn new_central_without_rate_headers_keeps_only_x_ratelimit_reset_on_a_429() {
    let (r, second) = central_ok_then_429(config(|c| {
        c.central_rps = Some(1.0);
        c.rate_headers = false;
    }))
    .await;
    assert!(
        r.headers()
            .keys()
            .all(|k| !k.as_str().contains("ratelimit"))
    );
    let r = second;
    let limits: Vec<&str> = r
        .headers()
        .keys()
        .map(|k| k.as_str())
        .filter(|k| k.contains("ratelimit") || *k == "retry-after")
        .collect();
    assert_eq!(limits, ["x-ratelimit-reset"]);
    assert!(header_u64(&r, "x-ratelimit-reset") >= 1);
}

#[tokio::test]
async fn classic_central_429_carries_retry_after_and_per_second_headers() {
    let (r, second) = central_ok_then_429(config(|c| {
        c.central_rps = Some(1.0);
        c.central_dialect = CentralDialect::Classic;
    }))
    .await;
    assert_eq!(header_u64(&r, "x-ratelimit-limit-second"), 1);
    assert!(r.headers().get("x-ratelimit-reset").is_none());
    let r = second;
    assert!(header_u64(&r, "retry-after") >= 1);
    assert_eq!(header_u64(&r, "x-ratelimit-limit-second"), 1);
    assert_eq!(header_u64(&r, "x-ratelimit-remaining-second"), 0);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v, serde_json::json!({"message": "API rate limit exceeded"}));
}

#[tokio::test]
async fn early_retry_is_refused_and_counted() {
    let (env, _) = token_ok_then_429().await;
    assert_eq!(env.sim.stats().early_requests, 0);
    // Retrying at once, before Retry-After has passed.
    let r = env.cc().await;
    assert_eq!(r.status(), 429);
    assert_eq!(env.sim.stats().early_requests, 1);
}

#[tokio::test]
async fn honouring_retry_after_succeeds_without_early_requests() {
    let (env, r) = token_ok_then_429().await;
    let retry = header_u64(&r, "retry-after");
    // Another request (another tenant's, in flight when the 429 was served) is refused but
    // not counted as early, however late it arrives.
    let c = env.sim.credentials();
    let another = "0123456789abcdef0123456789abcdef";
    let r = env
        .post_form(another, &cc_form(&c.client_id, &c.client_secret))
        .await;
    assert_eq!(r.status(), 429);
    tokio::time::sleep(Duration::from_secs(retry)).await;
    assert_eq!(env.cc().await.status(), 200);
    let s = env.sim.stats();
    assert_eq!(s.early_requests, 0);
    assert_eq!(s.rate_limited, 2);
}
