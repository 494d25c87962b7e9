//! Shared fixtures of the `glp-transport` integration tests (the servers are test-support's):
//! a token provider that counts invalidations, client builders with fast retries, a sleeper
//! that records the retry loop's waits instead of sleeping them.
//!
//! Every test binary uses a different subset of these helpers.
#![allow(dead_code, unreachable_pub, unused_imports)]

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use glp_core::{AccessToken, AuthError, BaseUrl, RetryPolicy, Scope, SecretString, TokenProvider};
use glp_transport::{Api, ApiClient, ApiClientBuilder, Transport};
mod waits;
pub use waits::Waits;

pub use test_support::{RawReply, RawServer, Reply, Server, refused_url};

/// The token the tests' static provider hands out.
pub const TOKEN: &str = "eyJ0eXAiOiJKV1Qi.S3CR3T-p4yl0ad.s1gn4tur3-Qx9";

/// A retry policy for tests: 10 ms initial backoff, so retries cost milliseconds, and a minute of patience for 429s (the 5-minute cap on a server's wait then
/// does not fit: such a wait fails at once).
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy::default()
        .initial_backoff(Duration::from_millis(10))
        .rate_limited_budget(Duration::from_secs(60))
}

/// A provider serving [`TOKEN`] for every scope.
pub fn static_provider() -> Arc<dyn TokenProvider> {
    Arc::new(glp_core::StaticTokenProvider::new(
        SecretString::from(TOKEN),
        Duration::from_secs(600),
    ))
}

/// A builder for `api` at `base` with [`TOKEN`], no client-side pacing, fast retries and short
/// timeouts.
pub fn builder(api: Api, base: &str, provider: Arc<dyn TokenProvider>) -> ApiClientBuilder {
    ApiClient::builder(
        api,
        BaseUrl::parse(base).expect("loopback base URL"),
        provider,
    )
    .no_rate_limit()
    .retry(fast_retry())
    .timeouts(Duration::from_secs(2), Duration::from_secs(5))
}

/// A GreenLake client at `base` with [`TOKEN`], no pacing and fast retries.
pub fn client(base: &str) -> ApiClient {
    builder(Api::GreenLake, base, static_provider())
        .build()
        .expect("client builds")
}

/// [`builder`] on a transport whose retry loop records its waits in the returned [`Waits`]
/// instead of sleeping.
pub fn recording(
    api: Api,
    base: &str,
    provider: Arc<dyn TokenProvider>,
) -> (ApiClientBuilder, Arc<Waits>) {
    let waits = Arc::new(Waits::default());
    let transport = Transport::new(Duration::from_secs(2))
        .expect("transport")
        .with_sleeper(waits.clone());
    (builder(api, base, provider).transport(transport), waits)
}

/// A GreenLake [`client`] whose retry loop records its waits instead of sleeping.
pub fn recording_client(base: &str) -> (ApiClient, Arc<Waits>) {
    let (builder, waits) = recording(Api::GreenLake, base, static_provider());
    (builder.build().expect("client builds"), waits)
}

/// A token provider whose tokens are `tok-1`, `tok-2`, ...: each invalidation moves to the
/// next one. Counts `token` calls and invalidations.
#[derive(Debug, Default)]
pub struct CountingProvider {
    generation: AtomicU32,
    calls: AtomicU32,
    invalidations: AtomicU32,
}

impl CountingProvider {
    /// How many times a token was asked for.
    pub fn calls(&self) -> u32 {
        self.calls.load(Ordering::SeqCst)
    }
    /// How many times a token was reported as rejected.
    pub fn invalidations(&self) -> u32 {
        self.invalidations.load(Ordering::SeqCst)
    }
}

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

// `TokenProvider` is an `async_trait`; written out by hand here so the tests need no extra
// dependency. The signatures are exactly what the macro generates.
impl TokenProvider for CountingProvider {
    fn token<'a, 'b, 'async_trait>(
        &'a self,
        _scope: &'b Scope,
    ) -> BoxFuture<'async_trait, Result<AccessToken, AuthError>>
    where
        'a: 'async_trait,
        'b: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move {
            self.calls.fetch_add(1, Ordering::SeqCst);
            let n = self.generation.load(Ordering::SeqCst) + 1;
            Ok(AccessToken::new(
                SecretString::from(format!("tok-{n}")),
                std::time::Instant::now() + Duration::from_secs(600),
            ))
        })
    }

    fn invalidate<'a, 'b, 'c, 'async_trait>(
        &'a self,
        _scope: &'b Scope,
        _rejected: &'c AccessToken,
    ) -> BoxFuture<'async_trait, ()>
    where
        'a: 'async_trait,
        'b: 'async_trait,
        'c: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move {
            self.invalidations.fetch_add(1, Ordering::SeqCst);
            self.generation.fetch_add(1, Ordering::SeqCst);
        })
    }
}

/// What `api` has counted so far: requests, retries, rate-limited answers and token refreshes.
pub fn counted(api: &ApiClient) -> (u64, u64, u64, u64) {
    let t = api.totals();
    (t.requests, t.retries, t.rate_limited, t.token_refreshes)
}

/// `200 {"ok": true, "n": n}`.
pub fn ok(n: u32) -> Reply {
    Reply::json(200, format!(r#"{{"ok":true,"n":{n}}}"#))
}

/// The body of [`ok`].
#[derive(Debug, serde::Deserialize, PartialEq, Eq)]
pub struct OkBody {
    pub ok: bool,
    pub n: u32,
}

/// Insta filters for what varies between runs and systems: loopback ports, OS error numbers.
pub fn snapshot_filters() -> Vec<(&'static str, &'static str)> {
    vec![
        (r"127\.0\.0\.1:\d+", "127.0.0.1:[port]"),
        (r"\(os error \d+\)", "(os error [n])"),
    ]
}

/// A client of `api` at `base` ([`builder`] with [`TOKEN`]) retrying by `retry`.
pub fn client_retrying(api: Api, base: &str, retry: RetryPolicy) -> ApiClient {
    builder(api, base, static_provider())
        .retry(retry)
        .build()
        .expect("client builds")
}

/// `GET x` as the MSP with `api`, which must fail: the error.
pub async fn get_err(api: &ApiClient) -> glp_transport::ApiError {
    api.get_json::<OkBody>(&Scope::Msp, "x", &[])
        .await
        .expect_err("GET x fails")
}

/// `GET x` as the MSP with `api`, under a hang guard of a minute (far above any machine's
/// slowness, not a bound on time): the answer. `hang` says what a hang would mean.
pub async fn get_guarded(api: &ApiClient, hang: &str) -> Result<OkBody, glp_transport::ApiError> {
    tokio::time::timeout(
        Duration::from_secs(60),
        api.get_json::<OkBody>(&Scope::Msp, "x", &[]),
    )
    .await
    .unwrap_or_else(|_| panic!("hang guard: {hang}"))
}

/// Asserts that `hints` are all of `err`'s hints, each shown by its `Display`; that `Display`.
pub fn shown_with(err: &glp_transport::ApiError, hints: &[&str]) -> String {
    assert_eq!(err.hints(), hints);
    let shown = err.to_string();
    for hint in hints {
        assert!(shown.contains(hint), "{shown}");
    }
    shown
}
