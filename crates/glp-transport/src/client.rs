//! [`ApiClient`]: authorised, paced, retrying requests against one API base URL, and the one
//! retry loop of the workspace ([`ApiClient::send`]).

use std::sync::Arc;
use std::time::Duration;

use glp_core::hints::{CENTRAL_CLUSTER_HINT, FORBIDDEN_HINT, UNAUTHORIZED_HINT};
use glp_core::retry::wait_from_headers;
use glp_core::{
    AccessToken, BaseUrl, ExposeSecret, RetryPolicy, Scope, SecretString, TokenProvider,
    body_excerpt,
};
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue};
use serde::de::DeserializeOwned;
use tracing::Instrument as _;

use crate::http::{ReadError, location_origin, read_capped};
use crate::retry_loop::{Next, Outcome, RetryState};
use crate::{Api, ApiError, Pacer, Tally, TallySnapshot, Transport};
use glp_core::ErrorBody;

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
/// [`Transport`] (connection pool, pacers), the token provider and the totals.
///
/// Every request goes through one loop ([`send`](Self::send); [`get_json`](Self::get_json) is
/// the GET of JSON most calls are), which:
/// - waits for its host's ceiling, if one is set ([`ApiClientBuilder::rate_limit`]), and for the
///   [`Pacer`] of its host and API (see [`Transport`]), which learns the server's budget from
///   its rate-limit headers and 429s (a 429 pauses every request paced with it for the server's
///   `Retry-After` and halves the learned rate);
/// - carries a bearer token for its [`Scope`] from the [`TokenProvider`] (or HTTP Basic, or
///   nothing, for token requests); on 401 a bearer token is reported as rejected and the request
///   retried once with a fresh one;
/// - is retried on 429 within the rate-limited time budget of its [`RetryPolicy`]
///   ([`rate_limited_budget`](RetryPolicy::rate_limited_budget), 15 minutes by default): a 429
///   uses no attempt, it means "slower", not "failed";
/// - is retried on 408, 500, 502, 503, 504, broken connections and truncated bodies, with
///   exponential backoff and jitter, never sooner than the server's `Retry-After`
///   (or `ratelimit-reset`, or GreenLake's `retryAfterSeconds`);
/// - is never retried on 400, 403 or other client errors (403 carries the tenant-token hint);
/// - as a GET, follows redirects only within its origin (scheme, host, port): a redirect
///   elsewhere is an [`ApiError::Protocol`] error, so `Authorization` is never sent to another
///   origin; a POST follows none;
/// - reads its body with a cap ([`ApiClientBuilder::max_body_bytes`]); a longer body is an
///   error, not memory growth;
/// - fails at once ([`ApiError::WaitTooLong`]) when the server asks for a wait longer than what
///   is left of the retry budget, or longer than two minutes at once
///   ([`MAX_SINGLE_WAIT`](glp_core::retry::MAX_SINGLE_WAIT)), rather than sleeping;
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
    transport: Transport,
    provider: Arc<dyn TokenProvider>,
    retry: RetryPolicy,
    request_timeout: Duration,
    max_body: u64,
    /// Whether a 401 drops the token and retries once with a fresh one.
    refresh_on_401: bool,
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
    transport: Option<Transport>,
    refresh_on_401: bool,
}

impl ApiClientBuilder {
    /// Takes a 401 as the answer: the token is not dropped and no fresh one is asked for
    /// (default: one refresh per call). For probes, where a 401 means "not here" (a Central
    /// cluster the MSP is not on) and must not cost the valid token everyone else uses.
    pub fn no_token_refresh(mut self) -> Self {
        self.refresh_on_401 = false;
        self
    }

    /// A ceiling on requests per second to this client's host, for every client on the same
    /// [`Transport`] together (default: none; the server's budget is learned from its headers
    /// and 429s, see [`Pacer`]).
    pub fn rate_limit(mut self, per_second: f64) -> Self {
        self.rate = Some(per_second);
        self
    }

    /// No ceiling (the default; the server's budget is still learned and its 429s honoured).
    pub fn no_rate_limit(mut self) -> Self {
        self.rate = None;
        self
    }

    /// How many requests may go at once under the ceiling after a quiet spell (default 1).
    pub fn burst(mut self, burst: u32) -> Self {
        self.burst = burst.max(1);
        self
    }

    /// The retry policy for transient failures.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Connect timeout (default 10 s; used only when this builder makes its own [`Transport`])
    /// and whole-request timeout (default 60 s).
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

    /// Shares `transport` (its connection pool and pacers) with other clients: give every
    /// client of a process (and the token providers, through `AuthOptions`) the same one, so
    /// that one 429 slows everything that shares the server's budget. By default each builder
    /// makes its own.
    pub fn transport(mut self, transport: Transport) -> Self {
        self.transport = Some(transport);
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<ApiClient, ApiError> {
        let transport = match self.transport {
            Some(transport) => transport,
            None => Transport::new(self.connect_timeout)?,
        };
        if self.rate.is_some() {
            transport.set_ceiling(self.api, self.base.as_url(), self.rate, self.burst);
        }
        Ok(ApiClient {
            inner: Arc::new(Inner {
                api: self.api,
                base: self.base,
                transport,
                provider: self.provider,
                retry: self.retry,
                request_timeout: self.request_timeout,
                max_body: self.max_body,
                refresh_on_401: self.refresh_on_401,
                totals: Tally::default(),
            }),
            tally: None,
            retry: None,
        })
    }
}

/// The HTTP method of a [`Request`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Method {
    /// GET: follows redirects within its origin.
    Get,
    /// POST of a form: follows no redirect (the form may hold a secret).
    Post,
}

impl Method {
    /// `GET` or `POST`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
        }
    }
}

/// How a [`Request`] proves who sends it.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Credential<'a> {
    /// A bearer token for this scope, from the client's [`TokenProvider`].
    Bearer(Scope),
    /// HTTP Basic (RFC 6749 §2.3.1: id and secret form-urlencoded, then base64).
    Basic {
        /// The client id.
        id: &'a str,
        /// The client secret.
        secret: &'a SecretString,
    },
    /// Nothing (e.g. a token exchange whose form carries the subject token).
    None,
}

/// One request for [`ApiClient::send`]: a path relative to the client's base URL. Its `Debug`
/// names the form's fields, never their values (they may be a secret or a subject token).
#[derive(Clone, Copy)]
pub struct Request<'a> {
    method: Method,
    path: &'a str,
    query: &'a [(&'a str, String)],
    form: Option<&'a [(&'a str, &'a str)]>,
    credential: Credential<'a>,
}

impl std::fmt::Debug for Request<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let form: Option<Vec<&str>> = self.form.map(|form| form.iter().map(|(k, _)| *k).collect());
        let query: Vec<&str> = self.query.iter().map(|(k, _)| *k).collect();
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query_keys", &query)
            .field("form_keys", &form)
            .field("credential", &self.credential)
            .finish()
    }
}

impl<'a> Request<'a> {
    /// A GET of `path` with `query`, as `scope`.
    pub fn get(path: &'a str, query: &'a [(&'a str, String)], scope: Scope) -> Self {
        Self {
            method: Method::Get,
            path,
            query,
            form: None,
            credential: Credential::Bearer(scope),
        }
    }

    /// A POST of `form` (`application/x-www-form-urlencoded`) to `path`, with `credential`.
    pub fn post_form(
        path: &'a str,
        form: &'a [(&'a str, &'a str)],
        credential: Credential<'a>,
    ) -> Self {
        Self {
            method: Method::Post,
            path,
            query: &[],
            form: Some(form),
            credential,
        }
    }
}

/// An answer as [`ApiClient::send`] hands it to the caller's classifier: status, headers and
/// the whole body (read within the cap). Its `Debug` shows the body's length only (a token
/// answer holds a token).
#[non_exhaustive]
pub struct Answer<'a> {
    /// The URL called (after any redirect followed).
    pub url: &'a url::Url,
    /// HTTP status.
    pub status: u16,
    /// Response headers.
    pub headers: &'a HeaderMap,
    /// The body.
    pub body: &'a [u8],
    /// Time from sending the request to having the whole answer (a token's lifetime counts
    /// from when its request left, so subtract this from "now").
    pub elapsed: Duration,
}

impl std::fmt::Debug for Answer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Answer")
            .field("url", &self.url.path())
            .field("status", &self.status)
            .field("body_bytes", &self.body.len())
            .field("elapsed", &self.elapsed)
            .finish_non_exhaustive()
    }
}

/// The `Content-Type` of `headers` for a message: escaped, or `no Content-Type`.
pub fn content_type_text(headers: &HeaderMap) -> String {
    headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| glp_core::text::escape_control(v).into_owned())
        .unwrap_or_else(|| "no Content-Type".to_owned())
}

impl Answer<'_> {
    /// The answer's `Content-Type` for a message (see [`content_type_text`]).
    pub fn content_type(&self) -> String {
        content_type_text(self.headers)
    }

    /// The origin (`scheme://host[:port]`, escaped) of the `Location` this answer points to,
    /// for an error message; never its path or query.
    pub fn location_origin(&self) -> String {
        location_origin(self.url, self.headers.get(reqwest::header::LOCATION))
    }
}

/// What the caller's classifier makes of an [`Answer`].
#[derive(Debug)]
#[non_exhaustive]
pub enum Step<T> {
    /// The result.
    Done(T),
    /// A failure no retry can fix.
    Fail(ApiError),
    /// A transient failure (5xx, a truncated body): retried with backoff, counted as an attempt.
    Retry(ApiError),
    /// Worth one more try, no more (a success whose body is not JSON).
    RetryOnce(ApiError),
    /// A 429: retried within the time budget, no attempt used.
    RateLimited(ApiError),
}

impl<T> Step<T> {
    /// The error this step carries, if it is not the result.
    fn error(&self) -> Option<&ApiError> {
        match self {
            Self::Done(_) => None,
            Self::Fail(e) | Self::Retry(e) | Self::RetryOnce(e) | Self::RateLimited(e) => Some(e),
        }
    }
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
            transport: None,
            refresh_on_401: true,
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

    /// The transport this client shares.
    pub fn transport(&self) -> &Transport {
        &self.inner.transport
    }

    /// The pacer requests to `path` wait for (shared with every client on the same transport
    /// that calls the same host and API family).
    pub fn pacer(&self, path: &str) -> Arc<Pacer> {
        let url = self.inner.base.join(path);
        self.inner.transport.pacer(self.inner.api, &url, path)
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
        let api = self.inner.api;
        self.send(&Request::get(path, query, *scope), |answer| {
            json_step(api, "GET", answer)
        })
        .await
    }

    /// Sends `request` through the one loop of the workspace (pacing, credentials, redirects,
    /// body cap, retries: see the type's documentation) and hands each answer to `classify`,
    /// which says whether it is the result, a failure, or worth another try. A 401 answer to a
    /// bearer request is retried once with a fresh token before `classify` sees it.
    ///
    /// The loop only acts: each attempt's outcome is classified once and handed to the retry
    /// state (`retry_loop`), which alone decides whether to return, wait and retry, refresh the
    /// token, follow a redirect or fail.
    pub async fn send<T>(
        &self,
        request: &Request<'_>,
        classify: impl Fn(&Answer<'_>) -> Step<T>,
    ) -> Result<T, ApiError> {
        let inner = &self.inner;
        let method = request.method.as_str();
        let mut url = inner.base.join(request.path);
        if !request.query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(request.query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        let path = url.path().to_owned();
        let pacer = inner.transport.pacer(inner.api, &url, request.path);
        let ceiling = inner.transport.ceiling(inner.api, &url);
        let policy = self.retry.unwrap_or(inner.retry);
        let mut retry = RetryState::new(
            policy,
            inner.refresh_on_401,
            inner.api,
            method,
            path.clone(),
        );
        let started = tokio::time::Instant::now();
        loop {
            let left = retry.pause_allowed(started.elapsed());
            if let Some(ceiling) = &ceiling {
                ceiling.ready().await;
            }
            if let Err(pause) = pacer.ready_within(left).await {
                return Err(retry.paused_too_long(pause, left));
            }
            let token = match request.credential {
                Credential::Bearer(scope) => match inner.provider.token(&scope).await {
                    Ok(token) => Some(token),
                    Err(source) => {
                        pacer.lost();
                        return Err(ApiError::Token {
                            api: inner.api,
                            scope,
                            error: Box::new(source),
                        });
                    }
                },
                _ => None,
            };
            self.count(Tally::request);
            let span = tracing::debug_span!(
                "api_request",
                api = %inner.api,
                method,
                path = %path,
                attempt = retry.attempt(),
                status = tracing::field::Empty,
                latency_ms = tracing::field::Empty,
            );
            let outcome = self
                .attempt(&url, &path, request, token.as_ref(), &pacer, &classify)
                .instrument(span.clone())
                .await;
            match retry.next(outcome, started.elapsed()) {
                Next::Done(value) => return Ok(value),
                Next::Fail(error) => return Err(error),
                Next::Redirect(target) => url = target,
                Next::RefreshTokenAndRetry(error) => {
                    self.count(Tally::token_refresh);
                    span.in_scope(|| {
                        tracing::info!(%error, "401: dropping the token and retrying once with a fresh one")
                    });
                    if let (Credential::Bearer(scope), Some(token)) = (request.credential, &token) {
                        inner.provider.invalidate(&scope, token).await;
                    }
                }
                Next::Retry { after, error } => {
                    self.count(Tally::retry);
                    span.in_scope(|| {
                        tracing::info!(error = %error, delay_ms = after.as_millis() as u64, "transient failure, retrying")
                    });
                    inner.transport.sleeper().sleep(after).await;
                }
            }
        }
    }

    /// One attempt: sends the request, reads the answer within the cap, tells the pacer, and
    /// classifies what came of it (the caller's `classify`, then [`Outcome::from_step`]).
    async fn attempt<T>(
        &self,
        url: &url::Url,
        path: &str,
        request: &Request<'_>,
        token: Option<&AccessToken>,
        pacer: &Pacer,
        classify: &impl Fn(&Answer<'_>) -> Step<T>,
    ) -> Outcome<T> {
        let inner = &self.inner;
        let api = inner.api;
        let method = request.method.as_str();
        let mut builder = match request.method {
            Method::Get => inner.transport.http().get(url.clone()),
            Method::Post => inner.transport.http().post(url.clone()),
        }
        .timeout(inner.request_timeout)
        .header(ACCEPT, "application/json");
        if let Some(form) = request.form {
            builder = builder.form(form);
        }
        let authorization = match (request.credential, token) {
            (Credential::Bearer(_), Some(token)) => {
                HeaderValue::from_str(&format!("Bearer {}", token.secret().expose_secret())).ok()
            }
            (Credential::Basic { id, secret }, _) => Some(basic_auth_header(id, secret)),
            _ => None,
        };
        match authorization {
            Some(mut value) => {
                value.set_sensitive(true);
                builder = builder.header(AUTHORIZATION, value);
            }
            None if token.is_some() => {
                pacer.lost();
                return Outcome::Fail(ApiError::InvalidRequest(
                    "the token holds characters that cannot go in an HTTP header".into(),
                ));
            }
            None => {}
        }
        let sent = tokio::time::Instant::now();
        let transport = |e: reqwest::Error| {
            if e.is_timeout() {
                ApiError::Timeout {
                    api,
                    method,
                    path: path.to_owned(),
                    after: inner.request_timeout,
                }
            } else {
                ApiError::Transport {
                    api,
                    method,
                    path: path.to_owned(),
                    error: Box::new(e.without_url()),
                }
            }
        };
        let response = match builder.send().await {
            Ok(r) => r,
            Err(e) => {
                pacer.lost();
                return Outcome::transient(transport(e));
            }
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        if status != 429 {
            // A 429 is reported once its body (which may say how long to wait) is read.
            pacer.answered(status, &headers, None);
        }
        if (300..400).contains(&status) && request.method == Method::Get {
            let location = headers
                .get(reqwest::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .and_then(|l| url.join(l).ok());
            return match location {
                Some(target) if target.origin() == url.origin() => Outcome::Redirect(target),
                _ => Outcome::Fail(ApiError::Protocol {
                    api,
                    method,
                    path: path.to_owned(),
                    detail: format!(
                        "HTTP {status} redirect to {}, another origin than {}: not followed \
                         (the token is sent only to the configured base URL); check the base URL",
                        location_origin(url, headers.get(reqwest::header::LOCATION)),
                        url.origin().ascii_serialization(),
                    ),
                }),
            };
        }
        // The wait a 429 asks for, known once its body is read and classified.
        let mut wait_429 = None;
        let outcome = match read_capped(response, inner.max_body).await {
            Err(ReadError::Transport(e)) => Outcome::transient(transport(e)),
            Err(ReadError::TooLarge { limit }) => Outcome::Fail(ApiError::TooLarge {
                api,
                method,
                path: path.to_owned(),
                status,
                limit,
            }),
            Ok(body) => {
                let elapsed = sent.elapsed();
                let span = tracing::Span::current();
                span.record("status", status);
                span.record("latency_ms", elapsed.as_millis() as u64);
                tracing::debug!("response");
                if (200..300).contains(&status)
                    && let Some(wait) = wait_from_headers(&headers, false)
                {
                    // The budget is spent: hold back before the server has to say 429.
                    pacer.pause_for(wait);
                }
                let answer = Answer {
                    url,
                    status,
                    headers: &headers,
                    body: &body,
                    elapsed,
                };
                let step = classify(&answer);
                if status == 429 {
                    self.count(Tally::rate_limited);
                    wait_429 = step
                        .error()
                        .and_then(ApiError::retry_after_hint)
                        .or_else(|| wait_from_headers(&headers, true));
                }
                Outcome::from_step(step, status, token.is_some())
            }
        };
        if status == 429 {
            // The one place the pacer hears of a 429: everything paced with this request waits
            // and slows down, not only this request.
            pacer.answered(status, &headers, wait_429);
        }
        outcome
    }
}

/// `Authorization: Basic` per RFC 6749 §2.3.1: id and secret form-urlencoded, then base64.
fn basic_auth_header(id: &str, secret: &SecretString) -> HeaderValue {
    use base64::Engine as _;
    let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let raw = format!("{}:{}", encode(id), encode(secret.expose_secret()));
    let encoded = base64::engine::general_purpose::STANDARD.encode(raw);
    let mut value = HeaderValue::from_str(&format!("Basic {encoded}"))
        .unwrap_or_else(|_| unreachable!("base64 is a valid header value"));
    value.set_sensitive(true);
    value
}

/// The classifier of a JSON API answer: a 2xx is decoded into `T` (a body cut short is retried,
/// one that is not JSON tried once more);
/// a 429 is rate limiting; 408/5xx are transient; anything else is an [`ApiError::Http`] with
/// the server's error body and, for 401/403, the troubleshooting hints.
pub fn json_step<T: DeserializeOwned>(
    api: Api,
    method: &'static str,
    answer: &Answer<'_>,
) -> Step<T> {
    let path = answer.url.path();
    let status = answer.status;
    if (200..300).contains(&status) {
        return decode_success(api, method, path, status, answer.headers, answer.body);
    }
    let header_wait = wait_from_headers(answer.headers, true);
    let body = ErrorBody::parse(answer.body);
    let retry_after = header_wait.or_else(|| match &body {
        ErrorBody::Glp(glp) => glp.retry_after_seconds().map(Duration::from_secs),
        _ => None,
    });
    let hints: &'static [&'static str] = match (status, api) {
        (401, Api::Central) => &HINTS_401_CENTRAL,
        (401, Api::GreenLake) => &HINTS_401,
        (403, _) => &HINTS_403,
        _ => &[],
    };
    let error = ApiError::Http {
        api,
        method,
        path: path.to_owned(),
        status,
        body: Box::new(body),
        retry_after,
        hints,
    };
    match status {
        429 => Step::RateLimited(error),
        s if glp_core::retry::is_retryable_status(s) => Step::Retry(error),
        _ => Step::Fail(error),
    }
}

/// Decodes a 2xx body: a body cut mid-JSON is worth retrying; one that is not JSON at all (an
/// HTML login page, a proxy's text) or not valid JSON is worth one more try; JSON of another
/// shape is final.
fn decode_success<T: DeserializeOwned>(
    api: Api,
    method: &'static str,
    path: &str,
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
) -> Step<T> {
    let error = |detail: String, truncated: bool| ApiError::Decode {
        api,
        method,
        path: path.to_owned(),
        status,
        detail,
        excerpt: body_excerpt(body),
        truncated,
    };
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if !matches!(first, Some(b'{' | b'[')) {
        let content_type = content_type_text(headers);
        let what = if first.is_none() {
            "an empty body"
        } else {
            "a body"
        };
        return Step::RetryOnce(error(
            format!(
                "not JSON: {content_type}, {what} of {} bytes (a login page or a proxy in the \
                 way? check the base URL)",
                body.len()
            ),
            false,
        ));
    }
    match serde_json::from_slice::<T>(body) {
        Ok(value) => Step::Done(value),
        Err(e) if e.is_eof() => Step::Retry(error(
            format!("the body ended in the middle of its JSON (connection cut?): {e}"),
            true,
        )),
        Err(e) if e.is_syntax() => Step::RetryOnce(error(format!("not valid JSON: {e}"), false)),
        Err(e) => Step::Fail(error(e.to_string(), false)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

    #[test]
    fn debug_of_a_request_or_an_answer_never_shows_a_secret() {
        let secret = SecretString::from("s3cret-value");
        let form = [
            ("client_secret", "s3cret-value"),
            ("subject_token", "tok-abc"),
        ];
        let request = Request::post_form(
            "authorization/v2/oauth2/x/token",
            &form,
            Credential::Basic {
                id: "id",
                secret: &secret,
            },
        );
        let shown = format!("{request:?}");
        assert!(
            shown.contains("client_secret") && shown.contains("subject_token"),
            "{shown}"
        );
        assert!(
            !shown.contains("s3cret-value") && !shown.contains("tok-abc"),
            "{shown}"
        );
        let url = url::Url::parse("http://127.0.0.1/x").expect("url");
        let headers = HeaderMap::new();
        let body = br#"{"access_token":"tok-abc"}"#;
        let answer = Answer {
            url: &url,
            status: 200,
            headers: &headers,
            body,
            elapsed: Duration::ZERO,
        };
        let shown = format!("{answer:?}");
        assert!(
            !shown.contains("tok-abc") && shown.contains("body_bytes"),
            "{shown}"
        );
    }

    #[test]
    fn basic_header_form_encodes_before_base64() {
        let value = basic_auth_header("my id", &SecretString::from("a+b&c=d%e/f g"));
        assert!(value.is_sensitive());
        let encoded = value.to_str().expect("ascii").trim_start_matches("Basic ");
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .expect("base64");
        assert_eq!(
            String::from_utf8(decoded).expect("utf8"),
            "my+id:a%2Bb%26c%3Dd%25e%2Ff+g"
        );
    }
}
