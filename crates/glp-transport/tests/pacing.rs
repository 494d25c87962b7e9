//! Client-side pacing and the shared pause: `rate_limit(20)` spaces requests 50 ms apart across
//! every clone; one request's 429 holds back the other requests of the same client (and its
//! clones) until the server's `Retry-After` has passed.
#![allow(clippy::unwrap_used)]

mod support;

use std::time::{Duration, Instant};

use futures::future::join_all;
use glp_core::Scope;
use glp_transport::{Api, ApiClient};
use reqwest::header::HeaderMap;
use support::{
    OkBody, Reply, Server, builder, client, counted, ok, recording_client, static_provider,
};

#[tokio::test]
async fn twenty_per_second_means_21_requests_take_a_second() {
    let server = Server::scripted((0..21).map(ok));
    let api = builder(Api::GreenLake, server.base_url(), static_provider())
        .rate_limit(20.0)
        .build()
        .unwrap();
    let started = Instant::now();
    // Concurrent calls from clones: the limiter is shared.
    let results = join_all((0..21).map(|_| {
        let api = api.clone();
        async move { api.get_json::<OkBody>(&Scope::Msp, "x", &[]).await }
    }))
    .await;
    assert!(results.iter().all(Result::is_ok));
    let requests = server.requests();
    assert_eq!(requests.len(), 21);
    assert_eq!(
        api.totals().requests,
        21,
        "no retries, nothing rate limited"
    );
    // Request k is not sent before k periods of 50 ms have passed: 21 requests take a second.
    // Lower bounds only: a busy machine can only delay requests, so this holds under load too.
    // (The ceiling is `governor`'s, on its own real clock: it cannot run on tokio's paused one.)
    for (k, r) in requests.iter().enumerate() {
        let earliest =
            Duration::from_millis(50 * k as u64).saturating_sub(Duration::from_millis(2));
        let at = r.at - started;
        assert!(
            at >= earliest,
            "request {k} arrived after {at:?}, before {earliest:?}"
        );
    }
}

/// Without a ceiling, and with no rate-limit headers and no 429 from the server, the pacer has
/// learned no rate and lets every request go at once. Proven on tokio's paused clock, not by a
/// wall-clock ceiling a slow machine could break: after 21 real requests, the pacer they went
/// through is driven for 1,000 more permits with time paused, where any wait would show as
/// elapsed time (the runtime auto-advances a paused clock to the next timer).
#[tokio::test]
async fn without_a_rate_limit_nothing_waits() {
    let server = Server::scripted((0..21).map(ok));
    let api = client(server.base_url());
    for _ in 0..21 {
        let _: OkBody = api.get_json(&Scope::Msp, "x", &[]).await.unwrap();
    }
    assert_eq!(server.requests().len(), 21);
    assert_eq!(counted(&api), (21, 0, 0, 0));
    let pacer = api.pacer("x");
    assert_eq!(
        pacer.learned_rate(),
        None,
        "nothing learned without a signal"
    );

    // No more sockets from here on: the paused clock is safe.
    tokio::time::pause();
    let paused_at = tokio::time::Instant::now();
    for _ in 0..1000 {
        pacer.ready().await;
        pacer.answered(200, &HeaderMap::new(), None);
    }
    assert_eq!(
        paused_at.elapsed(),
        Duration::ZERO,
        "the unpaced pacer waited"
    );
    // The measure is sound: once the same pacer is told "429", its next permit waits, and that
    // wait shows on the paused clock.
    pacer.answered(429, &HeaderMap::new(), None);
    let told_429_at = tokio::time::Instant::now();
    pacer.ready().await;
    assert!(told_429_at.elapsed() > Duration::ZERO);
}

#[tokio::test]
async fn a_429_holds_back_requests_waiting_for_their_turn() {
    // Three concurrent calls, paced 100 ms apart: the first gets 429 Retry-After: 1. The other
    // two would be due 100 and 200 ms later, but must not reach the server before the pause ends.
    let mut replies = vec![Reply::status(429).header("retry-after", "1")];
    replies.extend((1..=3).map(ok));
    let server = Server::scripted(replies);
    let api = builder(Api::GreenLake, server.base_url(), static_provider())
        .rate_limit(10.0)
        .build()
        .unwrap();
    let results = join_all((0..3).map(|_| {
        let api = api.clone();
        async move { api.get_json::<OkBody>(&Scope::Msp, "x", &[]).await }
    }))
    .await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let requests = server.requests();
    assert_eq!(requests.len(), 4, "three calls and one retry");
    let answered_429 = server.answered()[0];
    for later in &requests[1..] {
        let after = later.at.saturating_duration_since(answered_429);
        assert!(
            after >= Duration::from_secs(1),
            "a request came {after:?} after the 429"
        );
    }
    assert_eq!(api.totals().rate_limited, 1);
}

#[tokio::test]
async fn a_429_holds_back_a_clone_that_starts_later() {
    let server = Server::scripted(vec![
        Reply::status(429).header("retry-after", "1"),
        ok(1),
        ok(2),
    ]);
    let (api, waits) = recording_client(server.base_url());
    let first = tokio::spawn({
        let api = api.clone();
        async move { api.get_json::<OkBody>(&Scope::Msp, "v1/first", &[]).await }
    });
    // Wait until the client has taken in the 429, not for a guessed time: the retry loop asks
    // for its wait only after the pacer was paused. (The recorder returns at once: the first
    // call's retry is then held back by that pause too.)
    waits.until_asked(1).await;
    assert_eq!(api.totals().rate_limited, 1);
    let other: ApiClient = api.clone();
    let second = other
        .get_json::<OkBody>(&Scope::Msp, "v1/second", &[])
        .await;
    assert!(second.is_ok(), "{second:?}");
    assert!(first.await.unwrap().is_ok());
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    let answered_429 = server.answered()[0];
    let second_arrival = requests
        .iter()
        .find(|r| r.path == "/v1/second")
        .expect("second call arrived")
        .at;
    let after = second_arrival.saturating_duration_since(answered_429);
    assert!(
        after >= Duration::from_secs(1),
        "the other call came {after:?} after the 429"
    );
}
