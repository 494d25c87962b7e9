//! [`ApiClient`]: authorised, paced, retrying requests against one API base URL, and the one
//! retry loop of the workspace ([`ApiClient::send`]).

use std::sync::Arc;
use std::time::Duration;

use glp_core::retry::wait_from_headers;
use glp_core::{
    AccessToken, BaseUrl, ExposeSecret, RetryPolicy, Scope, SecretString, TokenProvider,
};
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue};
use serde::de::DeserializeOwned;
use tracing::Instrument as _;

use crate::http::{ReadError, location_origin, read_capped};
use crate::retry_loop::{Next, Outcome, RetryState};
use crate::{Api, ApiError, Pacer, Tally, TallySnapshot, Transport};

mod builder;
mod classify;
mod request;
#[cfg(test)]
mod tests;

pub use builder::ApiClientBuilder;
pub use classify::{Step, json_step};
pub use request::{Answer, Credential, Method, Request, content_type_text};

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
/// - gets its bearer token first (a tenant's exchange is a request of the identity API, paced
///   there), then waits for its host's ceiling, if one is set
///   ([`ApiClientBuilder::rate_limit`]), and for the
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
/// - as a write ([`Request::write`]), is never sent twice: a transient failure after it may
///   have reached the server is [`ApiError::OutcomeUnknown`], not a retry;
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

impl ApiClient {
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
        // GreenLake's write budgets are per workspace; Central's budget is per gateway, writes
        // included.
        let pacer = match (
            &request.credential,
            request.write && inner.api == Api::GreenLake,
        ) {
            (Credential::Bearer(scope), true) => {
                inner
                    .transport
                    .write_pacer(inner.api, &url, request.path, scope)
            }
            _ => inner.transport.pacer(inner.api, &url, request.path),
        };
        let ceiling = inner.transport.ceiling(inner.api, &url);
        let policy = self.retry.unwrap_or(inner.retry);
        let mut retry = RetryState::new(
            policy,
            inner.refresh_on_401,
            inner.api,
            method,
            path.clone(),
        );
        if request.write {
            retry = retry.sent_once();
        }
        let started = tokio::time::Instant::now();
        loop {
            // The token first: a tenant's first request waits for its exchange (a request of
            // the identity API, paced there) before it takes a slot of its own API, so it never
            // holds a slot of its ceiling or its pacer while another API works for it, and the
            // two are busy at once.
            let token = match request.credential {
                Credential::Bearer(scope) => match inner.provider.token(&scope).await {
                    Ok(token) => Some(token),
                    Err(source) => {
                        return Err(ApiError::Token {
                            api: inner.api,
                            scope,
                            error: Box::new(source),
                        });
                    }
                },
                _ => None,
            };
            let left = retry.pause_allowed(started.elapsed());
            if let Some(ceiling) = &ceiling {
                ceiling.ready().await;
            }
            if let Err(pause) = pacer.ready_within(left).await {
                return Err(retry.paused_too_long(pause, left));
            }
            self.count(|t| t.requests.add_one());
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
                    self.count(|t| t.token_refreshes.add_one());
                    span.in_scope(|| {
                        tracing::info!(%error, "401: dropping the token and retrying once with a fresh one")
                    });
                    if let (Credential::Bearer(scope), Some(token)) = (request.credential, &token) {
                        inner.provider.invalidate(&scope, token).await;
                    }
                }
                Next::Retry { after, error } => {
                    self.count(|t| t.retries.add_one());
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
            Method::Put => inner.transport.http().put(url.clone()),
            Method::Delete => inner.transport.http().delete(url.clone()),
            Method::Patch => inner.transport.http().patch(url.clone()),
        }
        .timeout(inner.request_timeout)
        .header(ACCEPT, "application/json");
        if let Some(form) = request.form {
            builder = builder.form(form);
        }
        if let Some(json) = request.json {
            builder = builder
                .header(
                    reqwest::header::CONTENT_TYPE,
                    if request.method == Method::Patch {
                        "application/merge-patch+json"
                    } else {
                        "application/json"
                    },
                )
                .body(json.to_vec());
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
                // No connection: nothing was sent (a write may go again).
                if e.is_connect() {
                    return Outcome::NotSent(transport(e));
                }
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
                let answer = Answer {
                    url,
                    status,
                    headers: &headers,
                    body: &body,
                    elapsed,
                };
                let step = classify(&answer);
                if status == 429 {
                    self.count(|t| t.rate_limited.add_one());
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
