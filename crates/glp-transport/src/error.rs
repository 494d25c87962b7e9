//! [`ApiError`]: what can go wrong with an API call, with the server's words and hints.

use std::time::Duration;

use glp_core::{AuthError, ErrorBody, Scope, retry::is_retryable_status};

use crate::Api;

/// The error type of the API clients. No variant holds a token or a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// No token could be had for the call.
    #[error("{api}: no token for {scope}: {error}")]
    Token {
        /// The API called.
        api: Api,
        /// The scope asked for.
        scope: Scope,
        /// The provider's error (with its own hints; part of this error's message).
        error: Box<AuthError>,
    },

    /// The connection failed or broke.
    #[error("{api} {method} {path}: connection failed: {}", boxed_chain(.error))]
    Transport {
        /// The API called.
        api: Api,
        /// HTTP method.
        method: &'static str,
        /// The path called (no query).
        path: String,
        /// The underlying error (its causes are part of this error's message).
        error: Box<dyn std::error::Error + Send + Sync>,
    },

    /// The server did not answer in time.
    #[error("{api} {method} {path}: no answer within {after:?}")]
    Timeout {
        /// The API called.
        api: Api,
        /// HTTP method.
        method: &'static str,
        /// The path called.
        path: String,
        /// The configured request timeout.
        after: Duration,
    },

    /// The server answered with an error status.
    #[error("{api} {method} {path} failed (HTTP {status}): {body}{}", hints.iter().map(|h| format!("\n  {h}")).collect::<String>())]
    Http {
        /// The API called.
        api: Api,
        /// HTTP method.
        method: &'static str,
        /// The path called.
        path: String,
        /// HTTP status.
        status: u16,
        /// The decoded error body.
        body: Box<ErrorBody>,
        /// The wait the server asked for, if any.
        retry_after: Option<Duration>,
        /// What to check (401, 403, wrong Central cluster), most likely cause first.
        hints: &'static [&'static str],
    },

    /// A success answer could not be decoded.
    #[error(
        "{api}: could not decode the answer of {method} {path} (HTTP {status}): {detail}; body: {excerpt}"
    )]
    Decode {
        /// The API called.
        api: Api,
        /// HTTP method.
        method: &'static str,
        /// The path called.
        path: String,
        /// HTTP status.
        status: u16,
        /// What the decoder said.
        detail: String,
        /// A short excerpt of the body.
        excerpt: String,
        /// Whether the body was cut short or not JSON (worth a retry), rather than JSON of
        /// an unexpected shape.
        truncated: bool,
    },

    /// The server broke the API's contract in a way no retry can fix: a listing that repeats or
    /// never ends, more pages than its `total` allows, a redirect to another origin, a body over
    /// the size cap, a wait longer than the retry budget. `detail` is already [`untrusted`]-clean.
    ///
    /// [`untrusted`]: glp_core::text::untrusted
    #[error("{api} {method} {path}: {detail}")]
    Protocol {
        /// The API called.
        api: Api,
        /// HTTP method.
        method: &'static str,
        /// The path called (no query).
        path: String,
        /// What went wrong and what to do.
        detail: String,
    },

    /// The answer's body was larger than the cap ([`ApiClientBuilder::max_body_bytes`]): refused,
    /// not read. Its [`kind`](Self::kind) is `protocol`.
    ///
    /// [`ApiClientBuilder::max_body_bytes`]: crate::ApiClientBuilder::max_body_bytes
    #[error(
        "{api} {method} {path}: HTTP {status} answer over the {} cap on a response body: \
         refused, not read (ask for smaller pages, or raise the cap if the server is right)",
        size_text(*.limit)
    )]
    TooLarge {
        /// The API called.
        api: Api,
        /// HTTP method.
        method: &'static str,
        /// The path called.
        path: String,
        /// HTTP status.
        status: u16,
        /// The cap, in bytes.
        limit: u64,
    },

    /// The server asked for a wait longer than what was left of the request's retry budget (or
    /// the whole API is paused that long): the request failed at once rather than sleep.
    #[error(
        "{api} {method} {path}: the server asked to wait {}s, more than the {}s this request \
         may wait (its retry budget, at most 2 minutes at once): not waiting; try again later{}",
        .wait.as_secs_f64().ceil(), .left.as_secs(),
        .last.as_ref().map(|e| format!(" (last answer: {e})")).unwrap_or_default()
    )]
    WaitTooLong {
        /// The API called.
        api: Api,
        /// HTTP method.
        method: &'static str,
        /// The path called.
        path: String,
        /// The wait asked for (clamped to
        /// [`MAX_SERVER_WAIT`](glp_core::retry::MAX_SERVER_WAIT)).
        wait: Duration,
        /// What was left of the budget.
        left: Duration,
        /// The answer that asked for the wait, when this request got one.
        last: Option<Box<ApiError>>,
    },

    /// A write whose answer was lost after it may have reached the server (a timeout, a broken
    /// connection, a 5xx, a body cut short): it may or may not have taken effect. It is not
    /// retried; read the state before writing again.
    #[error(
        "{api} {method} {path}: the answer was lost ({cause}); the write may or may not have \
         taken effect: not retried (read the state before writing again)"
    )]
    OutcomeUnknown {
        /// The API called.
        api: Api,
        /// HTTP method.
        method: &'static str,
        /// The path called.
        path: String,
        /// What the attempt came to.
        cause: Box<ApiError>,
    },

    /// The request could not be made as asked (e.g. a limit over the endpoint's maximum).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
}

#[allow(clippy::borrowed_box)] // thiserror hands the field over by reference
fn boxed_chain(error: &Box<dyn std::error::Error + Send + Sync>) -> String {
    glp_core::error_chain(error.as_ref())
}

fn size_text(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{} MiB", bytes / (1024 * 1024))
    } else {
        format!("{} KiB", bytes / 1024)
    }
}

impl ApiError {
    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Http { status, .. }
            | Self::Decode { status, .. }
            | Self::TooLarge { status, .. } => Some(*status),
            Self::WaitTooLong {
                last: Some(last), ..
            } => last.status(),
            Self::Token { error, .. } => error.status(),
            Self::OutcomeUnknown { cause, .. } => cause.status(),
            _ => None,
        }
    }

    /// Whether trying again later may succeed.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Transport { .. } | Self::Timeout { .. } => true,
            Self::Http { status, .. } => is_retryable_status(*status),
            Self::Decode { truncated, .. } => *truncated,
            Self::Token { error, .. } => error.is_transient(),
            Self::InvalidRequest(_)
            | Self::Protocol { .. }
            | Self::TooLarge { .. }
            | Self::WaitTooLong { .. }
            | Self::OutcomeUnknown { .. } => false,
        }
    }

    /// Whether the MSP's credential itself was refused: nothing else can work until it is fixed.
    pub fn is_credential_rejected(&self) -> bool {
        matches!(self, Self::Token { scope, error, .. }
            if error.is_credential_rejected()
                && (*scope == Scope::Msp || error.is_subject_failure()))
    }

    /// A short, stable name for reports: `unauthorized`, `forbidden`, `rate_limited`,
    /// `not_found`, `bad_request`, `server_error`, `transport`, `timeout`, `decode`, `token`,
    /// `credential_rejected`, `invalid_request`, `protocol`, `wait_too_long`, `outcome_unknown`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Token { .. } if self.is_credential_rejected() => "credential_rejected",
            Self::Token { .. } => "token",
            Self::Transport { .. } => "transport",
            Self::Timeout { .. } => "timeout",
            Self::Decode { .. } => "decode",
            Self::InvalidRequest(_) => "invalid_request",
            Self::Protocol { .. } | Self::TooLarge { .. } => "protocol",
            Self::WaitTooLong { .. } => "wait_too_long",
            Self::OutcomeUnknown { .. } => "outcome_unknown",
            Self::Http { status, .. } => match status {
                401 => "unauthorized",
                403 => "forbidden",
                404 => "not_found",
                429 => "rate_limited",
                400..=499 => "bad_request",
                _ => "server_error",
            },
        }
    }

    /// The wait the server asked for with this answer, if any (the floor of the next wait).
    pub(crate) fn retry_after_hint(&self) -> Option<Duration> {
        match self {
            Self::Http { retry_after, .. } => *retry_after,
            Self::Token { error, .. } => error.retry_after(),
            _ => None,
        }
    }

    /// The troubleshooting hints attached to this error, most likely cause first.
    pub fn hints(&self) -> &'static [&'static str] {
        match self {
            Self::Http { hints, .. } => hints,
            _ => &[],
        }
    }
}
