//! Shared fixtures of the `glp-transport` integration tests: a scripted HTTP server for
//! sequences of different answers, a raw TCP server for broken connections, a token provider
//! that counts invalidations, client builders with fast retries, a sleeper that records the
//! retry loop's waits instead of sleeping them, and timing helpers.
//!
//! Every test binary uses a different subset of these helpers.
#![allow(dead_code, unreachable_pub)]

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use glp_core::{AccessToken, AuthError, BaseUrl, RetryPolicy, Scope, SecretString, TokenProvider};
use glp_transport::{Api, ApiClient, ApiClientBuilder, Sleeper, Transport};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

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

/// A [`Sleeper`] that records every wait the retry loop asks for and returns at once, so a test
/// asserts on the waits asked for rather than on a clock. The pacer's pauses (after a 429) are
/// not its business: they still hold requests back on tokio's clock.
#[derive(Debug, Default)]
pub struct Waits {
    asked: Mutex<Vec<Duration>>,
    recorded: tokio::sync::Notify,
}

impl Waits {
    /// The waits asked for so far, in order.
    pub fn asked(&self) -> Vec<Duration> {
        self.asked.lock().expect("waits lock").clone()
    }

    /// Returns once `n` waits have been asked for (an event, not a guessed time).
    pub async fn until_asked(&self, n: usize) {
        loop {
            // Created before the check, so a wait recorded in between still wakes it.
            let recorded = self.recorded.notified();
            if self.asked.lock().expect("waits lock").len() >= n {
                return;
            }
            recorded.await;
        }
    }
}

impl Sleeper for Waits {
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        self.asked.lock().expect("waits lock").push(duration);
        self.recorded.notify_waiters();
        Box::pin(std::future::ready(()))
    }
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

/// One scripted answer of [`Scripted`].
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// How long the server waits before answering.
    pub delay: Duration,
}

impl Reply {
    /// An answer with a JSON body.
    pub fn json(status: u16, body: impl Into<String>) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.into(),
            delay: Duration::ZERO,
        }
    }

    /// `200 {"ok": true, "n": n}`.
    pub fn ok(n: u32) -> Self {
        Self::json(200, format!(r#"{{"ok":true,"n":{n}}}"#))
    }

    /// An error status with an empty JSON object as the body.
    pub fn status(status: u16) -> Self {
        Self::json(status, "{}")
    }

    /// Adds a response header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Answers only after `delay`.
    pub fn delayed(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

/// The body of [`Reply::ok`].
#[derive(Debug, serde::Deserialize, PartialEq, Eq)]
pub struct OkBody {
    pub ok: bool,
    pub n: u32,
}

/// One request the scripted server received.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// When it arrived.
    pub at: Instant,
    pub path: String,
    /// The raw query string, as sent.
    pub query: Option<String>,
    pub headers: HeaderMap,
}

impl Recorded {
    /// The `Authorization` header, if any.
    pub fn authorization(&self) -> Option<&str> {
        self.headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
    }
}

#[derive(Debug, Default)]
struct Script {
    replies: VecDeque<Reply>,
    requests: Vec<Recorded>,
    answered: Vec<Instant>,
}

/// A loopback HTTP server that answers each request, whatever its path, with the next scripted
/// [`Reply`] (in arrival order) and records every request. When the script runs out it answers
/// 418, which the client never retries, so an unexpected extra request fails the test.
#[derive(Debug, Clone)]
pub struct Scripted {
    pub base_url: String,
    script: Arc<Mutex<Script>>,
}

impl Scripted {
    /// Starts the server on `127.0.0.1:0` in the current tokio runtime.
    pub async fn start(replies: Vec<Reply>) -> Self {
        let script = Arc::new(Mutex::new(Script {
            replies: replies.into(),
            ..Script::default()
        }));
        let app = Router::new().fallback(answer).with_state(script.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local address");
        tokio::spawn(async move {
            axum::serve(listener, app).await.expect("scripted server");
        });
        Self {
            base_url: format!("http://{addr}"),
            script,
        }
    }

    /// The requests received so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.script.lock().expect("script lock").requests.clone()
    }

    /// When each answer was handed to the HTTP server, in order.
    pub fn answered(&self) -> Vec<Instant> {
        self.script.lock().expect("script lock").answered.clone()
    }

    /// How many scripted replies are still unused.
    pub fn remaining(&self) -> usize {
        self.script.lock().expect("script lock").replies.len()
    }
}

async fn answer(
    State(script): State<Arc<Mutex<Script>>>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let at = Instant::now();
    let reply = {
        let mut s = script.lock().expect("script lock");
        s.requests.push(Recorded {
            at,
            path: uri.path().to_owned(),
            query: uri.query().map(str::to_owned),
            headers,
        });
        s.replies.pop_front()
    };
    let Some(reply) = reply else {
        return (StatusCode::IM_A_TEAPOT, "script exhausted").into_response();
    };
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    let mut builder =
        Response::builder().status(StatusCode::from_u16(reply.status).expect("valid status"));
    for (name, value) in &reply.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    script
        .lock()
        .expect("script lock")
        .answered
        .push(Instant::now());
    builder
        .body(axum::body::Body::from(reply.body))
        .expect("valid response")
}

/// What the raw TCP server does with one connection.
#[derive(Debug, Clone)]
pub enum RawReply {
    /// Reads the request and closes the connection without a byte of answer.
    Close,
    /// Reads the request, writes these bytes, and closes the connection.
    Bytes(Vec<u8>),
}

impl RawReply {
    /// A complete `200` answer with a JSON body.
    pub fn ok_json(body: &str) -> Self {
        Self::Bytes(
            format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            )
            .into_bytes(),
        )
    }

    /// A `200` whose `content-length` promises more than the body it sends before closing.
    pub fn cut_short(body: &str) -> Self {
        Self::Bytes(
            format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                body.len() + 100
            )
            .into_bytes(),
        )
    }
}

/// A loopback TCP server answering connection `i` with script entry `i`, for failures an HTTP
/// framework will not produce (closed connections, bodies cut short). Returns the base URL and
/// a counter of connections accepted.
pub async fn raw_server(script: Vec<RawReply>) -> (String, Arc<AtomicU32>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("local address");
    let accepted = Arc::new(AtomicU32::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        let mut script = VecDeque::from(script);
        while let Ok((mut socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            let reply = script.pop_front();
            tokio::spawn(async move {
                // Read the request head (a GET has no body).
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                if let Some(RawReply::Bytes(bytes)) = reply {
                    let _ = socket.write_all(&bytes).await;
                    let _ = socket.flush().await;
                }
                // Dropping the socket closes the connection.
            });
        }
    });
    (format!("http://{addr}"), accepted)
}

/// Insta filters for what varies between runs and systems: loopback ports, OS error numbers.
pub fn snapshot_filters() -> Vec<(&'static str, &'static str)> {
    vec![
        (r"127\.0\.0\.1:\d+", "127.0.0.1:[port]"),
        (r"\(os error \d+\)", "(os error [n])"),
    ]
}

/// A loopback address where nothing listens (connections are refused).
pub async fn refused_base_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("local address");
    drop(listener);
    format!("http://{addr}")
}

/// `time` as an RFC 9110 IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), whole seconds.
pub fn http_date(time: std::time::SystemTime) -> String {
    let secs = time
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    let days = (secs / 86_400) as i64;
    let (h, m, s) = (secs % 86_400 / 3600, secs % 3600 / 60, secs % 60);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}, {day:02} {} {year} {h:02}:{m:02}:{s:02} GMT",
        WEEKDAYS[days.rem_euclid(7) as usize],
        MONTHS[(month - 1) as usize]
    )
}
