//! Shared fixtures of the `glp-auth` integration tests: ids, credentials, options, token bodies,
//! a sleeper that records the retry loop's waits instead of sleeping them, and a scripted HTTP
//! server for sequences of different answers (503 then 200, ...).
//!
//! Every test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use futures::future::BoxFuture;
use glp_auth::{AuthOptions, BaseUrl, Credentials, RetryPolicy, SecretString, WorkspaceId};
use glp_transport::{Sleeper, Transport};

/// The MSP workspace id as GreenLake displays it (hyphenated, mixed case on purpose).
pub(crate) const MSP_WORKSPACE: &str = "3F2A6C1E-0b4d-4e7a-9c2b-1d5e8f9a0b1c";
/// The same id in the form token URLs must use.
pub(crate) const MSP_COMPACT: &str = "3f2a6c1e0b4d4e7a9c2b1d5e8f9a0b1c";
/// A managed tenant's workspace id, hyphenated.
pub(crate) const TENANT_WORKSPACE: &str = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
/// The same tenant id without hyphens.
pub(crate) const TENANT_COMPACT: &str = "9a8b7c6d5e4f4a3b8c2d1e0f9a8b7c6d";

/// A client id with a space and a plus sign, to exercise encoding in the Basic header.
pub(crate) const CLIENT_ID: &str = "msp client+1";
/// `CLIENT_ID` form-urlencoded (WHATWG `application/x-www-form-urlencoded`).
pub(crate) const CLIENT_ID_ENCODED: &str = "msp+client%2B1";
/// A secret with every character that form encoding must escape: `+ & = % /` and spaces.
pub(crate) const SECRET: &str = "Sx+y&z=w%v/u t s";
/// `SECRET` form-urlencoded, computed by hand: `+`→`%2B`, `&`→`%26`, `=`→`%3D`, `%`→`%25`,
/// `/`→`%2F`, space→`+`.
pub(crate) const SECRET_ENCODED: &str = "Sx%2By%26z%3Dw%25v%2Fu+t+s";

/// The RFC 8693 grant type, spelled out here rather than taken from the crate under test.
pub(crate) const EXCHANGE_GRANT: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
/// The RFC 8693 access-token type URN.
pub(crate) const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";

/// The token path for a compact workspace id.
pub(crate) fn token_path(compact: &str) -> String {
    format!("/authorization/v2/oauth2/{compact}/token")
}

/// A workspace id from a literal known to be valid.
pub(crate) fn ws(id: &str) -> WorkspaceId {
    WorkspaceId::parse(id).expect("valid workspace id literal")
}

/// The `n`-th of a family of distinct tenant ids (hyphenated) and its compact form.
pub(crate) fn tenant_n(n: u32) -> (String, String) {
    let compact = format!("{n:08x}5e4f4a3b8c2d1e0f9a8b7c6d");
    let hyphenated = format!(
        "{}-{}-{}-{}-{}",
        &compact[0..8],
        &compact[8..12],
        &compact[12..16],
        &compact[16..20],
        &compact[20..32]
    );
    (hyphenated, compact)
}

/// Credentials of the test MSP client against `base_url` (e.g. `http://127.0.0.1:PORT`).
pub(crate) fn credentials(base_url: &str) -> Credentials {
    Credentials::new(CLIENT_ID, SecretString::from(SECRET), ws(MSP_WORKSPACE))
        .with_base_url(BaseUrl::parse(base_url).expect("loopback base URL"))
}

/// Options for tests: short backoff so retries cost milliseconds, short timeouts.
pub(crate) fn fast_options() -> AuthOptions {
    let mut o = AuthOptions::default();
    o.retry = RetryPolicy::default().initial_backoff(Duration::from_millis(10));
    o.connect_timeout = Duration::from_secs(2);
    o.request_timeout = Duration::from_secs(5);
    o
}

/// A [`Sleeper`] that records every wait the retry loop asks for and returns at once, so a test
/// asserts on the waits asked for rather than on a clock. The pacer's pauses (after a 429) are
/// not its business: they still hold requests back on tokio's clock.
#[derive(Debug, Default)]
pub(crate) struct Waits {
    asked: Mutex<Vec<Duration>>,
    recorded: tokio::sync::Notify,
}

impl Waits {
    /// The waits asked for so far, in order.
    pub(crate) fn asked(&self) -> Vec<Duration> {
        self.asked.lock().expect("waits lock").clone()
    }

    /// Returns once `n` waits have been asked for (an event, not a guessed time).
    pub(crate) async fn until_asked(&self, n: usize) {
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

/// `options` with a transport of its own whose retry loop records its waits in the returned
/// [`Waits`] instead of sleeping.
pub(crate) fn recording(mut options: AuthOptions) -> (AuthOptions, Arc<Waits>) {
    let waits = Arc::new(Waits::default());
    let transport = Transport::new(options.connect_timeout)
        .expect("transport")
        .with_sleeper(waits.clone());
    options.transport = Some(transport);
    (options, waits)
}

/// A token response body.
pub(crate) fn token_body(token: &str, expires_in: u64) -> String {
    serde_json::json!({"access_token": token, "token_type": "Bearer", "expires_in": expires_in})
        .to_string()
}

/// Form-decodes a body into its pairs, in order.
pub(crate) fn form_pairs(body: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// One scripted answer of [`Scripted`].
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: String,
}

impl Reply {
    /// An answer with a JSON body and no extra headers.
    pub(crate) fn json(status: u16, body: impl Into<String>) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.into(),
        }
    }

    /// Adds a response header.
    pub(crate) fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// One request the scripted server received.
#[derive(Debug, Clone)]
pub(crate) struct Recorded {
    pub(crate) at: Instant,
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) headers: HeaderMap,
    pub(crate) body: String,
}

#[derive(Debug, Default)]
struct Script {
    replies: VecDeque<Reply>,
    requests: Vec<Recorded>,
}

/// A loopback HTTP server that answers each request with the next scripted [`Reply`], whatever
/// the path, and records every request. When the script runs out it answers 418 (not retried
/// by the client, so an unexpected extra request shows up as a test failure).
#[derive(Debug, Clone)]
pub(crate) struct Scripted {
    pub(crate) base_url: String,
    script: Arc<Mutex<Script>>,
}

impl Scripted {
    /// Starts the server on `127.0.0.1:0` in the current tokio runtime.
    pub(crate) async fn start(replies: Vec<Reply>) -> Self {
        let script = Arc::new(Mutex::new(Script {
            replies: replies.into(),
            requests: Vec::new(),
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
    pub(crate) fn requests(&self) -> Vec<Recorded> {
        self.script.lock().expect("script lock").requests.clone()
    }

    /// How many scripted replies are still unused.
    pub(crate) fn remaining(&self) -> usize {
        self.script.lock().expect("script lock").replies.len()
    }
}

async fn answer(
    State(script): State<Arc<Mutex<Script>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let at = Instant::now();
    let reply = {
        let mut s = script.lock().expect("script lock");
        s.requests.push(Recorded {
            at,
            method,
            path: uri.path().to_owned(),
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        });
        s.replies.pop_front()
    };
    let Some(reply) = reply else {
        return (StatusCode::IM_A_TEAPOT, "script exhausted").into_response();
    };
    let mut builder =
        Response::builder().status(StatusCode::from_u16(reply.status).expect("valid status"));
    for (name, value) in &reply.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    builder
        .body(axum::body::Body::from(reply.body))
        .expect("valid response")
}
