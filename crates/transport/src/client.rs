//! [`ApiClient`]: authorised, paced, retrying JSON GETs against one API base URL.

use std::sync::Arc;
use std::time::Duration;

use crate::http::{ReadError, Redirects, location_origin, read_capped};
use glp_core::hints::{CENTRAL_CLUSTER_HINT, FORBIDDEN_HINT, UNAUTHORIZED_HINT};
use glp_core::retry::{RetryDecision, wait_from_headers};
use glp_core::{
    AccessToken, BaseUrl, ExposeSecret, RetryPolicy, Scope, TokenProvider, body_excerpt,
};
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue};
use serde::de::DeserializeOwned;
use tracing::Instrument as _;

use crate::error::ErrorBody;
use crate::{Api, ApiError, Pacer, Tally, TallySnapshot};

static HINTS_401: [&str; 1] = [UNAUTHORIZED_HINT];
static HINTS_401_CENTRAL: [&str; 2] = [CENTRAL_CLUSTER_HINT, UNAUTHORIZED_HINT];
static HINTS_403: [&str; 1] = [FORBIDDEN_HINT];

/// Central's documented per-customer limit (classic Central, 7 requests/s): a ceiling to pass to
/// [`ApiClientBuilder::rate_limit`] when the budget must not even be probed.
pub const CENTRAL_DEFAULT_RATE: f64 = 7.0;
/// The default cap on one response body (32 MiB: a full page of 1,000 devices is a few MiB).
pub const DEFAULT_MAX_BODY: u64 = 32 * 1024 * 1024;

/// A conservative GreenLake ceiling, 2 requests/s (160/min is the highest documented GET
/// budget), for [`ApiClientBuilder::rate_limit`].
pub const GREENLAKE_DEFAULT_RATE: f64 = 2.0;

/// A client of one API (GreenLake or Central) at one base URL. Cheap to clone: clones share the
/// HTTP connection pool, the token provider and the rate limiter.
///
/// Every request:
/// - waits for the API's [`Pacer`], which learns the server's budget from its rate-limit headers
///   and 429s (a 429 pauses the whole API for the server's `Retry-After` and halves the rate);
///   an optional ceiling ([`ApiClientBuilder::rate_limit`]) is never exceeded;
/// - carries a bearer token for its [`Scope`] from the [`TokenProvider`]; on 401 the token is
///   reported as rejected and the request retried once with a fresh one;
/// - is retried on 429 within the time budget of its [`RetryPolicy`] (a 429 uses no attempt: it
///   means "slower", not "failed");
/// - is retried on 408, 500, 502, 503, 504, broken connections and truncated bodies, with
///   exponential backoff and jitter, never sooner than the server's `Retry-After`
///   (or `ratelimit-reset`, or GreenLake's `retryAfterSeconds`);
/// - is never retried on 400, 403 or other client errors (403 carries the tenant-token hint);
/// - follows redirects only within its origin (scheme, host, port): a redirect elsewhere is an
///   [`ApiError::Protocol`] error, so `Authorization` is never sent to another origin and no
///   other host's answer is taken for this API's;
/// - reads its body with a cap ([`ApiClientBuilder::max_body_bytes`]); a longer body is an
///   error, not memory growth;
/// - fails at once ([`ApiError::WaitTooLong`]) when the server asks for a wait longer than what
///   is left of the retry budget, rather than sleeping;
/// - treats a success whose body is not JSON (an HTML login page) as such: retried once.
#[derive(Debug, Clone)]
pub struct ApiClient {
    inner: Arc<Inner>,
    tally: Option<Arc<Tally>>,
    /// Overrides the builder's retry policy for this clone (see [`ApiClient::with_retry`]).
    retry: Option<RetryPolicy>,
}

#[derive(Debug)]
struct Inner {
    api: Api,
    base: BaseUrl,
    http: reqwest::Client,
    provider: Arc<dyn TokenProvider>,
    pacer: Pacer,
    retry: RetryPolicy,
    request_timeout: Duration,
    max_body: u64,
    totals: Tally,
}

/// Builds an [`ApiClient`].
#[derive(Debug)]
#[must_use]
pub struct ApiClientBuilder {
    api: Api,
    base: BaseUrl,
    provider: Arc<dyn TokenProvider>,
    rate: Option<f64>,
    burst: u32,
    retry: RetryPolicy,
    connect_timeout: Duration,
    request_timeout: Duration,
    max_body: u64,
    http: Option<reqwest::Client>,
}

impl ApiClientBuilder {
    /// A ceiling on requests per second across every clone of the client (default: none; the
    /// server's budget is learned from its headers and 429s, see [`Pacer`]).
    pub fn rate_limit(mut self, per_second: f64) -> Self {
        self.rate = Some(per_second);
        self
    }

    /// No ceiling (the default; the server's budget is still learned and its 429s honoured).
    pub fn no_rate_limit(mut self) -> Self {
        self.rate = None;
        self
    }

    /// How many requests may go at once after a quiet spell (default 1: even pacing).
    pub fn burst(mut self, burst: u32) -> Self {
        self.burst = burst.max(1);
        self
    }

    /// The retry policy for transient failures.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Connect timeout (default 10 s) and whole-request timeout (default 60 s).
    pub fn timeouts(mut self, connect: Duration, request: Duration) -> Self {
        self.connect_timeout = connect;
        self.request_timeout = request;
        self
    }

    /// The largest response body read, in bytes (default [`DEFAULT_MAX_BODY`]).
    pub fn max_body_bytes(mut self, bytes: u64) -> Self {
        self.max_body = bytes.max(1024);
        self
    }

    /// Reuses an existing HTTP client (its own timeouts then apply). Build it with
    /// [`crate::http::build_http_client`] and [`Redirects::SameOrigin`]: an answer that arrives
    /// from another origin is refused whatever the client's policy, but only a client that does
    /// not follow such redirects keeps the token from being sent there.
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<ApiClient, ApiError> {
        let http = match self.http {
            Some(http) => http,
            None => crate::http::build_http_client(
                self.connect_timeout,
                self.request_timeout,
                Redirects::SameOrigin,
            )
            .map_err(|e| {
                ApiError::InvalidRequest(format!("could not build the HTTP client: {e}"))
            })?,
        };
        Ok(ApiClient {
            inner: Arc::new(Inner {
                api: self.api,
                base: self.base,
                http,
                provider: self.provider,
                pacer: Pacer::new(self.rate, self.burst),
                retry: self.retry,
                request_timeout: self.request_timeout,
                max_body: self.max_body,
                totals: Tally::default(),
            }),
            tally: None,
            retry: None,
        })
    }
}

enum Outcome<T> {
    Done(T),
    Retry(ApiError),
    /// Worth one more try, no more (a success whose body is not JSON).
    RetryOnce(ApiError),
    Unauthorized(ApiError),
}

impl ApiClient {
    /// Starts building a client of `api` at `base`, taking tokens from `provider`.
    pub fn builder(api: Api, base: BaseUrl, provider: Arc<dyn TokenProvider>) -> ApiClientBuilder {
        ApiClientBuilder {
            rate: None,
            api,
            base,
            provider,
            burst: 1,
            retry: RetryPolicy::default(),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            max_body: DEFAULT_MAX_BODY,
            http: None,
        }
    }

    /// A clone that also counts its requests into `tally` (e.g. one tally per tenant).
    pub fn with_tally(&self, tally: Arc<Tally>) -> Self {
        Self {
            tally: Some(tally),
            ..self.clone()
        }
    }

    /// A clone with another retry policy that still shares the rate limiter, the token provider
    /// and the totals (e.g. a quick reachability check that should fail fast).
    pub fn with_retry(&self, retry: RetryPolicy) -> Self {
        Self {
            retry: Some(retry),
            ..self.clone()
        }
    }

    /// Which API this client talks to.
    pub fn api(&self) -> Api {
        self.inner.api
    }

    /// The base URL.
    pub fn base_url(&self) -> &BaseUrl {
        &self.inner.base
    }

    /// The token provider.
    pub fn provider(&self) -> &Arc<dyn TokenProvider> {
        &self.inner.provider
    }

    /// Counts over every clone of this client since it was built.
    pub fn totals(&self) -> TallySnapshot {
        self.inner.totals.snapshot()
    }

    fn count(&self, f: impl Fn(&Tally)) {
        f(&self.inner.totals);
        if let Some(t) = &self.tally {
            f(t);
        }
    }

    /// GETs `path` (relative to the base URL) with `query`, as `scope`, and decodes the JSON body.
    pub async fn get_json<T: DeserializeOwned>(
        &self,
        scope: &Scope,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, ApiError> {
        let inner = &self.inner;
        let url = inner.base.join(path);
        let path = url.path().to_owned();
        let started = tokio::time::Instant::now();
        let mut attempt = 0u32;
        let mut refreshed = false;
        let mut retried_once = false;
        let mut rate_limited = 0u32;
        loop {
            attempt += 1;
            let policy = self.retry.as_ref().unwrap_or(&inner.retry);
            let left = policy.max_elapsed.saturating_sub(started.elapsed());
            if let Err(pause) = inner.pacer.ready_within(left).await {
                return Err(ApiError::WaitTooLong {
                    api: inner.api,
                    method: "GET",
                    path,
                    wait: pause,
                    left,
                    last: None,
                });
            }
            let token = match inner.provider.token(scope).await {
                Ok(token) => token,
                Err(source) => {
                    inner.pacer.lost();
                    return Err(ApiError::Token {
                        api: inner.api,
                        scope: *scope,
                        error: Box::new(source),
                    });
                }
            };
            self.count(Tally::request);
            let span = tracing::debug_span!(
                "api_request",
                api = %inner.api,
                method = "GET",
                path = %path,
                %scope,
                attempt,
                status = tracing::field::Empty,
                latency_ms = tracing::field::Empty,
            );
            let outcome = self
                .attempt::<T>(&url, &path, query, &token, refreshed)
                .instrument(span.clone())
                .await;
            let error = match outcome {
                Outcome::Done(value) => return value,
                Outcome::Unauthorized(error) => {
                    // One refresh per call: the token may have expired or been revoked.
                    refreshed = true;
                    attempt -= 1;
                    self.count(Tally::token_refresh);
                    span.in_scope(|| {
                        tracing::info!(%error, "401: dropping the token and retrying once with a fresh one")
                    });
                    inner.provider.invalidate(scope, &token).await;
                    continue;
                }
                Outcome::RetryOnce(error) if retried_once => return Err(error),
                Outcome::RetryOnce(error) => {
                    retried_once = true;
                    error
                }
                Outcome::Retry(error) => error,
            };
            let decision = if error.status() == Some(429) {
                // "Slower", not a failure: a 429 uses no attempt, only time.
                rate_limited += 1;
                attempt -= 1;
                policy.decide_rate_limited(
                    rate_limited,
                    started.elapsed(),
                    error.retry_after_hint(),
                )
            } else {
                policy.decide(attempt, started.elapsed(), error.retry_after_hint())
            };
            let delay = match decision {
                RetryDecision::Retry(delay) => delay,
                RetryDecision::GiveUp => return Err(error),
                RetryDecision::WaitTooLong { wait, left } => {
                    return Err(ApiError::WaitTooLong {
                        api: inner.api,
                        method: "GET",
                        path,
                        wait,
                        left,
                        last: Some(Box::new(error)),
                    });
                }
            };
            self.count(Tally::retry);
            span.in_scope(|| {
                tracing::info!(error = %error, delay_ms = delay.as_millis() as u64, "transient failure, retrying")
            });
            tokio::time::sleep(delay).await;
        }
    }

    async fn attempt<T: DeserializeOwned>(
        &self,
        url: &url::Url,
        path: &str,
        query: &[(&str, String)],
        token: &AccessToken,
        refreshed: bool,
    ) -> Outcome<Result<T, ApiError>> {
        let inner = &self.inner;
        let api = inner.api;
        let mut bearer =
            match HeaderValue::from_str(&format!("Bearer {}", token.secret().expose_secret())) {
                Ok(v) => v,
                Err(_) => {
                    inner.pacer.lost();
                    return Outcome::Done(Err(ApiError::InvalidRequest(
                        "the token holds characters that cannot go in an HTTP header".into(),
                    )));
                }
            };
        bearer.set_sensitive(true);
        let sent = tokio::time::Instant::now();
        let response = inner
            .http
            .get(url.clone())
            .query(query)
            .header(AUTHORIZATION, bearer)
            .header(ACCEPT, "application/json")
            .send()
            .await;
        let transport = |e: reqwest::Error| {
            if e.is_timeout() {
                ApiError::Timeout {
                    api,
                    method: "GET",
                    path: path.to_owned(),
                    after: inner.request_timeout,
                }
            } else {
                ApiError::Transport {
                    api,
                    method: "GET",
                    path: path.to_owned(),
                    error: e.without_url(),
                }
            }
        };
        let response = match response {
            Ok(r) => r,
            Err(e) => {
                inner.pacer.lost();
                return Outcome::Retry(transport(e));
            }
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        if status != 429 {
            // A 429 is reported once its body (which may say how long to wait) is read.
            inner.pacer.answered(status, &headers, None);
        }
        let protocol = |detail: String| ApiError::Protocol {
            api,
            method: "GET",
            path: path.to_owned(),
            detail,
        };
        if response.url().origin() != url.origin() {
            // Only an HTTP client of the caller's can have followed this redirect.
            return Outcome::Done(Err(protocol(format!(
                "the answer came from {}, another origin than {} (a redirect was followed): \
                 refused, not taken as this API's data",
                glp_core::text::escape_control(&response.url().origin().ascii_serialization()),
                url.origin().ascii_serialization(),
            ))));
        }
        if (300..400).contains(&status) {
            return Outcome::Done(Err(protocol(format!(
                "HTTP {status} redirect to {}, another origin than {}: not followed (the \
                 token is sent only to the configured base URL); check the base URL",
                location_origin(url, headers.get(reqwest::header::LOCATION)),
                url.origin().ascii_serialization(),
            ))));
        }
        let body = match read_capped(response, inner.max_body).await {
            Ok(b) => b,
            Err(ReadError::Transport(e)) => {
                if status == 429 {
                    inner.pacer.answered(status, &headers, None);
                }
                return Outcome::Retry(transport(e));
            }
            Err(ReadError::TooLarge { limit }) => {
                if status == 429 {
                    inner.pacer.answered(status, &headers, None);
                }
                return Outcome::Done(Err(protocol(format!(
                    "HTTP {status} answer over the {} MiB cap on a response body: refused, not \
                     read (ask for smaller pages, or raise the cap if the server is right)",
                    limit / (1024 * 1024)
                ))));
            }
        };
        let span = tracing::Span::current();
        span.record("status", status);
        span.record("latency_ms", sent.elapsed().as_millis() as u64);
        tracing::debug!("response");

        if (200..300).contains(&status) {
            if let Some(wait) = wait_from_headers(&headers, false) {
                // The budget is spent: hold back before the server has to say 429.
                inner.pacer.pause_for(wait);
            }
            return decode_success(api, path, status, &headers, &body);
        }
        let header_wait = wait_from_headers(&headers, true);
        let body = ErrorBody::parse(&body);
        let retry_after = header_wait.or_else(|| match &body {
            ErrorBody::Glp(glp) => glp.retry_after_seconds().map(Duration::from_secs),
            _ => None,
        });
        if status == 429 {
            self.count(Tally::rate_limited);
            // The whole API waits and slows down, not only this request.
            inner.pacer.answered(status, &headers, retry_after);
        }
        let hints: &'static [&'static str] = match (status, api) {
            (401, Api::Central) => &HINTS_401_CENTRAL,
            (401, Api::GreenLake) => &HINTS_401,
            (403, _) => &HINTS_403,
            _ => &[],
        };
        let error = ApiError::Http {
            api,
            method: "GET",
            path: path.to_owned(),
            status,
            body: Box::new(body),
            retry_after,
            hints,
        };
        match status {
            401 if !refreshed => Outcome::Unauthorized(error),
            s if glp_core::retry::is_retryable_status(s) => Outcome::Retry(error),
            _ => Outcome::Done(Err(error)),
        }
    }
}

/// Decodes a 2xx body: a body cut mid-JSON is worth retrying; one that is not JSON at all (an
/// HTML login page, a proxy's text) or not valid JSON is worth one more try; JSON of another
/// shape is final.
fn decode_success<T: DeserializeOwned>(
    api: Api,
    path: &str,
    status: u16,
    headers: &reqwest::header::HeaderMap,
    body: &[u8],
) -> Outcome<Result<T, ApiError>> {
    let error = |detail: String, truncated: bool| ApiError::Decode {
        api,
        method: "GET",
        path: path.to_owned(),
        status,
        detail,
        excerpt: body_excerpt(body),
        truncated,
    };
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if !matches!(first, Some(b'{' | b'[')) {
        let content_type = headers
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| glp_core::text::escape_control(v).into_owned())
            .unwrap_or_else(|| "no Content-Type".to_owned());
        let what = if first.is_none() {
            "an empty body"
        } else {
            "a body"
        };
        return Outcome::RetryOnce(error(
            format!(
                "not JSON: {content_type}, {what} of {} bytes (a login page or a proxy in the \
                 way? check the base URL)",
                body.len()
            ),
            false,
        ));
    }
    match serde_json::from_slice::<T>(body) {
        Ok(value) => Outcome::Done(Ok(value)),
        Err(e) if e.is_eof() => Outcome::Retry(error(
            format!("the body ended in the middle of its JSON (connection cut?): {e}"),
            true,
        )),
        Err(e) if e.is_syntax() => Outcome::RetryOnce(error(format!("not valid JSON: {e}"), false)),
        Err(e) => Outcome::Done(Err(error(e.to_string(), false))),
    }
}

impl ApiError {
    fn retry_after_hint(&self) -> Option<Duration> {
        match self {
            ApiError::Http { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}
