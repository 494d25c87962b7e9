//! [`AuthOptions`]: timeouts, retries, client authentication and cache tuning.

use std::sync::Arc;
use std::time::Duration;

use crate::{Clock, RetryPolicy, SystemClock};

/// How the client-credentials grant authenticates the client (RFC 6749 §2.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClientAuth {
    /// `client_id` and `client_secret` in the form body, as HPE's guide shows (default).
    #[default]
    RequestBody,
    /// HTTP Basic with the form-urlencoded id and secret, as the vendor's Python SDK does.
    HttpBasic,
}

/// How the RFC 8693 exchange authenticates the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExchangeAuth {
    /// No client authentication, as HPE's example shows (default).
    #[default]
    None,
    /// HTTP Basic with the MSP API client's id and secret, as the vendor's Python SDK does.
    HttpBasic,
}

/// Settings of the token providers. Start from [`AuthOptions::default`] and change fields.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AuthOptions {
    /// Limit on establishing a connection (default 10 s).
    pub connect_timeout: Duration,
    /// Limit on one whole token request (default 30 s).
    pub request_timeout: Duration,
    /// Retries of transient token-endpoint failures (429, 5xx, connection errors).
    pub retry: RetryPolicy,
    /// Client authentication of the client-credentials grant.
    pub client_auth: ClientAuth,
    /// Client authentication of the token exchange.
    pub exchange_auth: ExchangeAuth,
    /// A cached token is replaced this long before it expires (default 60 s; for short-lived
    /// tokens at most a fifth of the lifetime).
    pub refresh_margin: Duration,
    /// Up to this much more is added to the margin at random per token (default 30 s; at most a
    /// tenth of the lifetime), so thousands of tenant tokens do not refresh at the same instant.
    pub refresh_jitter: Duration,
    /// The longest one token fetch (with its retries) may hold a scope's cache lock before it is
    /// given up (default 16 minutes: the default rate-limited budget of the retry policy, 15
    /// minutes, plus a minute; a fetch told "slower" by 429s waits rather than fails).
    pub fetch_timeout: Duration,
    /// The clock expiry is measured with.
    pub clock: Arc<dyn Clock>,
    /// The transport (connection pool and pacers) token requests go through: pass the one the
    /// API clients use, so that a 429 from GreenLake's identity endpoint slows every token
    /// request of the process and connections are shared. By default
    /// [`msp_provider`](crate::msp_provider) makes one for its two providers.
    pub transport: Option<glp_transport::Transport>,
}

impl Default for AuthOptions {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            client_auth: ClientAuth::default(),
            exchange_auth: ExchangeAuth::default(),
            refresh_margin: Duration::from_secs(60),
            refresh_jitter: Duration::from_secs(30),
            fetch_timeout: glp_core::retry::DEFAULT_RATE_LIMITED_BUDGET + Duration::from_secs(60),
            clock: Arc::new(SystemClock),
            transport: None,
        }
    }
}
