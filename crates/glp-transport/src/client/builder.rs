//! [`ApiClientBuilder`]: the settings of an [`ApiClient`] before it is built.

use std::sync::Arc;
use std::time::Duration;

use glp_core::{BaseUrl, RetryPolicy, TokenProvider};

use super::{ApiClient, DEFAULT_MAX_BODY, Inner};
use crate::{Api, ApiError, Tally, Transport};

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
    /// and 429s, see [`Pacer`](crate::Pacer)).
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
}
