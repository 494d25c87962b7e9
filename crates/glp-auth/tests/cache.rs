//! The token cache against a real HTTP mock: single flight (100 concurrent callers on a cold
//! cache make exactly one request, per scope), expiry with an injected `ManualClock` on both
//! sides of the refresh boundary (margin = min(60 s, lifetime/5), jitter ≤ min(30 s,
//! lifetime/10)), no token handed out inside the margin, jitter that spreads refreshes, expiry
//! counted from the send time (real clock), and 401 invalidation.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use glp_auth::{
    AccessToken, AuthOptions, CachingProvider, ClientCredentialsProvider, Clock, ExposeSecret,
    ManualClock, Scope, SecretString, TokenProvider, msp_provider,
};
use httpmock::Method::POST;
use httpmock::{Mock, MockServer};
use support::*;

const CALLERS: usize = 100;

/// A mock on `server` of the `grant` at the token endpoint of the workspace `compact`,
/// answering `token` with `expires_in`, after `delay`.
async fn token_mock<'a>(
    server: &'a MockServer,
    compact: &str,
    grant: &str,
    (token, expires_in): (&str, u64),
    delay: Duration,
) -> Mock<'a> {
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path(token_path(compact))
                .form_urlencoded_tuple("grant_type", grant);
            then.status(200)
                .header("content-type", "application/json")
                .body(token_body(token, expires_in))
                .delay(delay);
        })
        .await
}

/// A client-credentials mock on `server` answering `token` with `expires_in`, after `delay`.
async fn cc_mock<'a>(
    server: &'a MockServer,
    token: &str,
    expires_in: u64,
    delay: Duration,
) -> Mock<'a> {
    let grant = "client_credentials";
    token_mock(server, MSP_COMPACT, grant, (token, expires_in), delay).await
}

/// An exchange mock for one tenant (compact id) answering `token`, after `delay`.
async fn tenant_mock<'a>(
    server: &'a MockServer,
    tenant_compact: &str,
    token: &str,
    delay: Duration,
) -> Mock<'a> {
    token_mock(server, tenant_compact, EXCHANGE_GRANT, (token, 900), delay).await
}

/// Options whose clock is `clock`.
fn manual_options(clock: &Arc<ManualClock>) -> AuthOptions {
    let mut o = fast_options();
    o.clock = clock.clone();
    o
}

/// A cache over the client-credentials provider of `server`.
fn cached_cc(server: &MockServer, options: &AuthOptions) -> CachingProvider {
    let inner = ClientCredentialsProvider::new(credentials(&server.base_url()), options).unwrap();
    CachingProvider::new(Arc::new(inner), options)
}

/// Calls `provider.token(scope)` from `CALLERS` concurrent tasks; returns every token value.
async fn concurrent_tokens(provider: Arc<dyn TokenProvider>, scopes: Vec<Scope>) -> Vec<String> {
    let tasks: Vec<_> = scopes
        .into_iter()
        .map(|scope| {
            let provider = provider.clone();
            tokio::spawn(async move { provider.token(&scope).await })
        })
        .collect();
    futures::future::join_all(tasks)
        .await
        .into_iter()
        .map(|joined| joined.unwrap().unwrap().secret().expose_secret().to_owned())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Single flight
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hundred_concurrent_callers_on_a_cold_cache_make_one_request() {
    let server = MockServer::start_async().await;
    let mock = cc_mock(&server, "shared-msp", 900, Duration::from_millis(200)).await;
    let provider: Arc<dyn TokenProvider> = Arc::new(cached_cc(&server, &fast_options()));

    let tokens = concurrent_tokens(provider, vec![Scope::Msp; CALLERS]).await;
    assert_eq!(mock.calls_async().await, 1);
    assert_eq!(tokens.len(), CALLERS);
    assert!(tokens.iter().all(|t| t == "shared-msp"), "{tokens:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hundred_concurrent_msp_callers_through_msp_provider_make_one_request() {
    let server = MockServer::start_async().await;
    let mock = cc_mock(&server, "shared-msp-2", 900, Duration::from_millis(200)).await;
    let provider = msp_provider(credentials(&server.base_url()), fast_options()).unwrap();

    let tokens = concurrent_tokens(provider, vec![Scope::Msp; CALLERS]).await;
    assert_eq!(mock.calls_async().await, 1);
    assert!(tokens.iter().all(|t| t == "shared-msp-2"), "{tokens:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hundred_concurrent_callers_for_one_tenant_make_one_grant_and_one_exchange() {
    let server = MockServer::start_async().await;
    let cc = cc_mock(&server, "msp-for-tenant", 900, Duration::from_millis(200)).await;
    let exchange = tenant_mock(
        &server,
        TENANT_COMPACT,
        "shared-tenant",
        Duration::from_millis(200),
    )
    .await;
    let provider = msp_provider(credentials(&server.base_url()), fast_options()).unwrap();

    let scope = Scope::Tenant(ws(TENANT_WORKSPACE));
    let tokens = concurrent_tokens(provider, vec![scope; CALLERS]).await;
    assert_eq!(cc.calls_async().await, 1);
    assert_eq!(exchange.calls_async().await, 1);
    assert!(tokens.iter().all(|t| t == "shared-tenant"), "{tokens:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_tenants_make_one_grant_and_one_exchange_each() {
    const TENANTS: u32 = 20;
    let server = MockServer::start_async().await;
    let cc = cc_mock(&server, "msp-for-many", 900, Duration::from_millis(200)).await;
    let mut exchanges = Vec::new();
    for n in 0..TENANTS {
        let (_, compact) = tenant_n(n);
        exchanges.push(
            tenant_mock(
                &server,
                &compact,
                &format!("tenant-token-{n}"),
                Duration::from_millis(100),
            )
            .await,
        );
    }
    let provider = msp_provider(credentials(&server.base_url()), fast_options()).unwrap();

    // Five callers per tenant, all at once, tenants interleaved; the ids are given hyphenated.
    let scopes: Vec<Scope> = (0..CALLERS as u32)
        .map(|i| Scope::Tenant(ws(&tenant_n(i % TENANTS).0)))
        .collect();
    let tokens = concurrent_tokens(provider, scopes).await;

    assert_eq!(cc.calls_async().await, 1);
    for (n, mock) in exchanges.iter().enumerate() {
        assert_eq!(mock.calls_async().await, 1, "tenant {n}");
    }
    for (i, token) in tokens.iter().enumerate() {
        assert_eq!(token, &format!("tenant-token-{}", i as u32 % TENANTS));
    }
}

/// If the one fetch in flight fails, the callers that waited for it should get its result, not
/// start a fetch each (a 401 would otherwise be repeated once per waiting caller, and a run of
/// 503s would be retried in full once per caller, one after the other).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_callers_share_a_failed_fetch() {
    const WAITERS: usize = 10;
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST).path(token_path(MSP_COMPACT));
            then.status(401)
                .body(r#"{"error":"invalid_client"}"#)
                .delay(Duration::from_millis(50));
        })
        .await;
    let provider: Arc<dyn TokenProvider> = Arc::new(cached_cc(&server, &fast_options()));
    let tasks: Vec<_> = (0..WAITERS)
        .map(|_| {
            let provider = provider.clone();
            tokio::spawn(async move { provider.token(&Scope::Msp).await })
        })
        .collect();
    for result in futures::future::join_all(tasks).await {
        assert!(result.unwrap().unwrap_err().is_credential_rejected());
    }
    assert_eq!(mock.calls_async().await, 1);
}

// ---------------------------------------------------------------------------------------------
// Expiry with the manual clock
// ---------------------------------------------------------------------------------------------

/// Twenty rounds, each with a fresh cache on a fresh manual clock (to cover the random
/// jitter): a token of `expires_in` seconds is fetched, then the clock is moved on by each of
/// `cached_after` (milliseconds) in turn, each time getting the cached token, and last by
/// `refetched_after`, which must refetch it, with its full lifetime again.
async fn reused_then_refetched(expires_in: u64, cached_after: &[u64], refetched_after: u64) {
    let lifetime = Duration::from_secs(expires_in);
    let server = MockServer::start_async().await;
    let mock = cc_mock(&server, "msp", expires_in, Duration::ZERO).await;
    for round in 0..20usize {
        let clock = Arc::new(ManualClock::new());
        let cache = cached_cc(&server, &manual_options(&clock));
        let first = cache.token(&Scope::Msp).await.unwrap();
        assert_eq!(mock.calls_async().await, 2 * round + 1);
        // Expiry is measured on the injected clock: send time (clock start) + the lifetime.
        assert_eq!(first.remaining(clock.now()), lifetime);
        let mut elapsed = Duration::ZERO;
        let steps = cached_after.iter().map(|by| (*by, false));
        for (by, refetch) in steps.chain([(refetched_after, true)]) {
            elapsed += Duration::from_millis(by);
            clock.advance(Duration::from_millis(by));
            let token = cache.token(&Scope::Msp).await.unwrap();
            let calls = mock.calls_async().await;
            let want = 2 * round + 1 + usize::from(refetch);
            assert_eq!(
                calls, want,
                "round {round}: +{elapsed:?}, refetch: {refetch}"
            );
            if refetch {
                assert_eq!(token.remaining(clock.now()), lifetime);
            } else {
                assert!(token.same_value(&first));
            }
        }
    }
}

/// 900 s tokens: margin min(60, 180) = 60 s, jitter ≤ min(30, 90) = 30 s, so the refresh
/// instant lies in (810 s, 840 s]: cached at +800 s and +809.999 s, refetched at +841 s.
#[tokio::test]
async fn a_900_s_token_is_reused_until_the_margin_and_refetched_after() {
    reused_then_refetched(900, &[800_000, 9_999], 31_001).await;
}

/// 2 s tokens: margin min(60 s, 0.4 s) = 0.4 s, jitter ≤ min(30 s, 0.2 s) = 0.2 s, so the
/// refresh instant lies in (1.4 s, 1.6 s]: cached at +1 s and +1.39 s, refetched at +1.61 s.
#[tokio::test]
async fn a_2_s_token_is_reused_until_the_scaled_margin_and_refetched_after() {
    reused_then_refetched(2, &[1_000, 390], 220).await;
}

/// Walks the clock in small steps over several lifetimes: every token handed out has more
/// than the margin left, and the number of fetches matches the refresh rule.
async fn walk(expires_in: u64, step: Duration, total: Duration, margin: Duration) -> usize {
    let server = MockServer::start_async().await;
    let mock = cc_mock(&server, "walked", expires_in, Duration::ZERO).await;
    let clock = Arc::new(ManualClock::new());
    let cache = cached_cc(&server, &manual_options(&clock));
    let mut elapsed = Duration::ZERO;
    while elapsed <= total {
        let token = cache.token(&Scope::Msp).await.unwrap();
        let left = token.remaining(clock.now());
        assert!(
            left > margin,
            "at +{elapsed:?} a token with only {left:?} left was handed out (margin {margin:?})"
        );
        clock.advance(step);
        elapsed += step;
    }
    mock.calls_async().await
}

#[tokio::test]
async fn never_hands_out_a_900_s_token_inside_the_60_s_margin() {
    // Fetches at 0, then every 810-840 s (+ up to one 5 s step): 4 within 2700 s.
    let fetches = walk(
        900,
        Duration::from_secs(5),
        Duration::from_secs(2700),
        Duration::from_secs(60),
    )
    .await;
    assert_eq!(fetches, 4);
}

#[tokio::test]
async fn never_hands_out_a_2_s_token_inside_its_scaled_margin() {
    // Fetches at 0, then every 1.4-1.6 s (+ up to one 10 ms step): 4 or 5 within 6 s.
    let fetches = walk(
        2,
        Duration::from_millis(10),
        Duration::from_secs(6),
        Duration::from_millis(400),
    )
    .await;
    assert!((4..=5).contains(&fetches), "{fetches} fetches");
}

#[tokio::test]
async fn jitter_spreads_the_refreshes_of_many_tenants() {
    const TENANTS: u32 = 20;
    let server = MockServer::start_async().await;
    let _cc = cc_mock(&server, "msp-jitter", 3600, Duration::ZERO).await;
    let exchange = server
        .mock_async(|when, then| {
            when.method(POST)
                .path_prefix("/authorization/v2/oauth2/")
                .form_urlencoded_tuple("subject_token", "msp-jitter");
            then.status(200).body(token_body("tenant-jitter", 900));
        })
        .await;
    let clock = Arc::new(ManualClock::new());
    let provider = msp_provider(credentials(&server.base_url()), manual_options(&clock)).unwrap();
    let scopes: Vec<Scope> = (0..TENANTS)
        .map(|n| Scope::Tenant(ws(&tenant_n(n).0)))
        .collect();
    for scope in &scopes {
        provider.token(scope).await.unwrap();
    }
    assert_eq!(exchange.calls_async().await, TENANTS as usize);

    // Step one second at a time through the refresh window and note when each tenant refetches.
    clock.advance(Duration::from_secs(805));
    let mut refreshed_at = vec![None; scopes.len()];
    for second in 806..=845u64 {
        clock.advance(Duration::from_secs(1));
        for (i, scope) in scopes.iter().enumerate() {
            let before = exchange.calls_async().await;
            provider.token(scope).await.unwrap();
            if exchange.calls_async().await > before {
                assert!(refreshed_at[i].is_none(), "tenant {i} refetched twice");
                refreshed_at[i] = Some(second);
            }
        }
    }
    let seconds: Vec<u64> = refreshed_at.iter().map(|s| s.unwrap()).collect();
    assert!(
        seconds.iter().all(|s| (811..=840).contains(s)),
        "refreshes outside (810 s, 840 s]: {seconds:?}"
    );
    let distinct: BTreeSet<u64> = seconds.iter().copied().collect();
    assert!(
        distinct.len() >= 3,
        "20 tenants refreshed in only {} distinct seconds: {seconds:?}",
        distinct.len()
    );
}

/// Through `msp_provider`, the MSP token is also cached by the outer cache, which counts the
/// lifetime from when *it* got the token from the inner cache: a 900 s token obtained there
/// with 100 s left looks like a 100 s token (margin 20 s) and is handed out with 35 s left.
#[tokio::test]
async fn msp_provider_never_hands_out_the_msp_token_inside_the_margin() {
    let server = MockServer::start_async().await;
    let _cc = cc_mock(&server, "msp-outer", 900, Duration::ZERO).await;
    let _ex = tenant_mock(&server, TENANT_COMPACT, "tenant-outer", Duration::ZERO).await;
    let clock = Arc::new(ManualClock::new());
    let provider = msp_provider(credentials(&server.base_url()), manual_options(&clock)).unwrap();

    // t = 0: a tenant token; the MSP token is fetched and cached by the inner cache only.
    provider
        .token(&Scope::Tenant(ws(TENANT_WORKSPACE)))
        .await
        .unwrap();
    // t = 800 s: first MSP call; the inner cache still has the token (100 s left).
    clock.advance(Duration::from_secs(800));
    let msp = provider.token(&Scope::Msp).await.unwrap();
    assert!(msp.remaining(clock.now()) > Duration::from_secs(60));
    // t = 865 s: 35 s left, inside the 60 s margin: must not be handed out.
    clock.advance(Duration::from_secs(65));
    let msp = provider.token(&Scope::Msp).await.unwrap();
    let left = msp.remaining(clock.now());
    assert!(
        left > Duration::from_secs(60),
        "handed out with {left:?} left"
    );
}

// ---------------------------------------------------------------------------------------------
// Expiry from the send time, real clock
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn expiry_counts_from_when_the_request_was_sent() {
    let server = MockServer::start_async().await;
    let _mock = cc_mock(&server, "slow-answer", 3, Duration::from_secs(1)).await;
    let provider =
        ClientCredentialsProvider::new(credentials(&server.base_url()), &fast_options()).unwrap();
    let before = Instant::now();
    let token = provider.token(&Scope::Msp).await.unwrap();
    let after = Instant::now();
    assert!(
        after >= before + Duration::from_secs(1),
        "the mock delays 1 s"
    );
    let lifetime = Duration::from_secs(3);
    // Not before the call began...
    assert!(token.expires_at() >= before + lifetime);
    // ...and from a send at least the mock's 1 s before the answer came: counted from the
    // answer, it would be later. Both bounds are causal (a loaded machine can only widen the
    // room between them), no stopwatch.
    assert!(
        token.expires_at() <= after + lifetime - Duration::from_secs(1),
        "expiry counted from later than the send time: {:?} after the answer + 2 s",
        token
            .expires_at()
            .saturating_duration_since(after + lifetime - Duration::from_secs(1))
    );
}

// ---------------------------------------------------------------------------------------------
// 401 invalidation
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn invalidating_the_cached_token_refetches_a_stale_invalidation_does_not() {
    let server = MockServer::start_async().await;
    let first = grant_mock(&server, 200, &token_body("token-A", 900)).await;
    first.up_to_n_times_async(1).await;
    let second = cc_mock(&server, "token-B", 900, Duration::ZERO).await;
    let cache = cached_cc(&server, &fast_options());

    let a = cache.token(&Scope::Msp).await.unwrap();
    assert_eq!(a.secret().expose_secret(), "token-A");
    let again = cache.token(&Scope::Msp).await.unwrap();
    assert!(again.same_value(&a));
    assert_eq!(first.calls_async().await + second.calls_async().await, 1);

    // A 401 with token A: the next call fetches again.
    cache.invalidate(&Scope::Msp, &a).await;
    let b = cache.token(&Scope::Msp).await.unwrap();
    assert_eq!(b.secret().expose_secret(), "token-B");
    assert_eq!(first.calls_async().await, 1);
    assert_eq!(second.calls_async().await, 1);

    // A late 401 for the replaced token A, one for a token never issued, and one for another
    // scope: none of them drops B.
    cache.invalidate(&Scope::Msp, &a).await;
    let foreign = AccessToken::new(
        SecretString::from("never-issued"),
        Instant::now() + Duration::from_secs(60),
    );
    cache.invalidate(&Scope::Msp, &foreign).await;
    cache
        .invalidate(&Scope::Tenant(ws(TENANT_WORKSPACE)), &b)
        .await;
    let still_b = cache.token(&Scope::Msp).await.unwrap();
    assert!(still_b.same_value(&b));
    assert_eq!(second.calls_async().await, 1);
}

#[tokio::test]
async fn msp_provider_invalidation_refetches_only_the_rejected_scope() {
    let server = MockServer::start_async().await;
    let cc = cc_mock(&server, "msp-inv", 900, Duration::ZERO).await;
    let exchange = tenant_mock(&server, TENANT_COMPACT, "tenant-inv", Duration::ZERO).await;
    let provider = msp_provider(credentials(&server.base_url()), fast_options()).unwrap();
    let tenant = Scope::Tenant(ws(TENANT_WORKSPACE));

    let tenant_token = provider.token(&tenant).await.unwrap();
    let msp_token = provider.token(&Scope::Msp).await.unwrap();
    assert_eq!(
        (cc.calls_async().await, exchange.calls_async().await),
        (1, 1)
    );

    // The tenant token was refused: a new exchange, the MSP token stays.
    provider.invalidate(&tenant, &tenant_token).await;
    provider.token(&tenant).await.unwrap();
    provider.token(&Scope::Msp).await.unwrap();
    assert_eq!(
        (cc.calls_async().await, exchange.calls_async().await),
        (1, 2)
    );

    // The MSP token was refused: a new grant, the tenant token stays.
    provider.invalidate(&Scope::Msp, &msp_token).await;
    provider.token(&Scope::Msp).await.unwrap();
    provider.token(&tenant).await.unwrap();
    assert_eq!(
        (cc.calls_async().await, exchange.calls_async().await),
        (2, 2)
    );
}

/// After an exchange failed with `invalid_grant` (the MSP token expired or was revoked) and was
/// recovered with a fresh MSP token, `msp_provider` should hand out that fresh MSP token for
/// MSP calls too, not the one GreenLake just refused.
#[tokio::test]
async fn msp_provider_drops_the_msp_token_refused_by_an_exchange() {
    let server = MockServer::start_async().await;
    let msp1 = cc_mock(&server, "msp-1", 900, Duration::ZERO).await;
    msp1.up_to_n_times_async(1).await;
    let _msp2 = cc_mock(&server, "msp-2", 900, Duration::ZERO).await;
    let _refused = exchange_mock(&server, Some("msp-1"), 400, r#"{"error":"invalid_grant"}"#).await;
    let _accepted = exchange_mock(&server, Some("msp-2"), 200, &token_body("tenant-ok", 900)).await;
    let provider = msp_provider(credentials(&server.base_url()), fast_options()).unwrap();

    let before = provider.token(&Scope::Msp).await.unwrap();
    assert_eq!(before.secret().expose_secret(), "msp-1");
    let tenant = provider
        .token(&Scope::Tenant(ws(TENANT_WORKSPACE)))
        .await
        .unwrap();
    assert_eq!(tenant.secret().expose_secret(), "tenant-ok");
    let after = provider.token(&Scope::Msp).await.unwrap();
    assert_eq!(after.secret().expose_secret(), "msp-2");
}
