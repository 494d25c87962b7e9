//! [`AuthError`]: everything that can go wrong while getting a token.

use std::time::Duration;

use crate::glp_error::{GlpErrorBody, OAuthErrorBody};
use crate::hints::{FORBIDDEN_HINT, UNAUTHORIZED_HINT};
use crate::{ConfigError, Scope, retry::is_retryable_status};

/// The error type of every token provider.
///
/// Server words are kept (OAuth `error` / `error_description`, GreenLake `errorCode`, `message`,
/// `debugId`); 401 and 403 carry troubleshooting hints in their `Display`. No variant ever holds a
/// secret or a token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The token endpoint could not be reached or the connection broke.
    #[error("could not reach the token endpoint {endpoint}: {}", boxed_chain(.error))]
    Transport {
        /// The URL that was called (no secrets in it).
        endpoint: String,
        /// The underlying transport error (its causes are part of this error's message).
        error: Box<dyn std::error::Error + Send + Sync>,
    },

    /// The token endpoint did not answer in time.
    #[error("the token endpoint {endpoint} did not answer within {after:?}")]
    Timeout {
        /// The URL that was called.
        endpoint: String,
        /// The configured request timeout.
        after: Duration,
    },

    /// The server refused with an OAuth error body (RFC 6749 §5.2).
    #[error("{}", oauth_message(*.status, .body))]
    OAuth {
        /// HTTP status.
        status: u16,
        /// The decoded error body.
        body: OAuthErrorBody,
        /// The wait the server asked for, if any.
        retry_after: Option<Duration>,
    },

    /// The server refused with GreenLake's own error body.
    #[error("{}", platform_message(*.status, .body))]
    Platform {
        /// HTTP status.
        status: u16,
        /// The decoded error body (boxed: it is the largest part of this error).
        body: Box<GlpErrorBody>,
        /// The wait the server asked for, if any.
        retry_after: Option<Duration>,
    },

    /// The server answered something that could not be decoded.
    #[error("{}", unexpected_message(*.status, .excerpt))]
    UnexpectedResponse {
        /// HTTP status.
        status: u16,
        /// A short excerpt of the body, never containing a credential.
        excerpt: String,
        /// The wait the server asked for, if any.
        retry_after: Option<Duration>,
    },

    /// A success answer whose JSON body ended early (the connection was cut mid-body): worth
    /// another try. Its bytes are never quoted: they may hold part of a token.
    #[error(
        "the token endpoint's answer (HTTP {status}) ended after {received} bytes, in the middle \
         of its JSON (connection cut?); not quoted"
    )]
    TruncatedResponse {
        /// HTTP status.
        status: u16,
        /// Bytes received.
        received: usize,
    },

    /// The token endpoint answered with a redirect. Token requests never follow one: the form
    /// holds the client secret or a subject token, and goes only where the user pointed.
    #[error(
        "the token endpoint {endpoint} answered HTTP {status}, a redirect to {location}: not \
         followed (credentials are sent only to the configured GreenLake host); check \
         GLP_BASE_URL / --glp-base-url"
    )]
    Redirected {
        /// The URL that was called.
        endpoint: String,
        /// HTTP status (3xx).
        status: u16,
        /// Where the server pointed: its origin only (scheme, host, port), escaped.
        location: String,
    },

    /// The token endpoint's answer was larger than any token answer can be.
    #[error(
        "the token endpoint {endpoint} sent an answer over {limit} bytes (HTTP {status}); a \
         token answer is a few kilobytes: refused, not read"
    )]
    BodyTooLarge {
        /// The URL that was called.
        endpoint: String,
        /// HTTP status.
        status: u16,
        /// The cap, in bytes.
        limit: u64,
    },

    /// The server asked for a wait longer than what was left of the retry budget: the request
    /// failed at once rather than sleep.
    #[error(
        "{last}\n  the token endpoint asked to wait {}s before trying again, more than the {}s \
         this request may wait (its retry budget, at most 2 minutes at once): not waiting; try \
         again later",
        .wait.as_secs_f64().ceil(), .left.as_secs()
    )]
    WaitTooLong {
        /// The wait asked for (clamped to [`MAX_SERVER_WAIT`](crate::retry::MAX_SERVER_WAIT)).
        wait: Duration,
        /// What was left of the budget.
        left: Duration,
        /// The answer that asked for the wait.
        last: Box<AuthError>,
    },

    /// The MSP token a token exchange needs as its subject could not be had: the tenant token
    /// failed because the MSP's own token did.
    #[error("no MSP token to exchange for a tenant token: {0}")]
    Subject(Box<AuthError>),

    /// The configuration is unusable.
    #[error(transparent)]
    Config(#[from] ConfigError),

    /// This provider cannot issue tokens for that scope.
    #[error("the {provider} token provider cannot issue a token for {scope}")]
    UnsupportedScope {
        /// Which provider was asked.
        provider: &'static str,
        /// The scope asked for.
        scope: Scope,
    },

    /// The failure of a token fetch that this call waited for (one fetch per scope is in
    /// flight; every caller waiting for it gets its error).
    #[error(transparent)]
    Shared(std::sync::Arc<AuthError>),

    /// A provider written by a user (e.g. reading tokens from a vault) failed.
    #[error("token provider failed: {message}")]
    Provider {
        /// What went wrong, without secrets.
        message: String,
        /// The cause, if any.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
}

#[allow(clippy::borrowed_box)] // thiserror hands the field over by reference
fn boxed_chain(error: &Box<dyn std::error::Error + Send + Sync>) -> String {
    crate::error_chain(error.as_ref())
}

impl AuthError {
    /// An error for custom [`TokenProvider`](crate::TokenProvider) implementations.
    pub fn provider(
        message: impl Into<String>,
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self::Provider {
            message: message.into(),
            source,
        }
    }

    /// The error itself, looking through [`AuthError::Shared`] and
    /// [`AuthError::WaitTooLong`].
    pub fn root(&self) -> &AuthError {
        match self {
            Self::Shared(inner) => inner.root(),
            Self::WaitTooLong { last, .. } => last.root(),
            Self::Subject(inner) => inner.root(),
            other => other,
        }
    }

    /// The HTTP status the server answered with, if it answered.
    pub fn status(&self) -> Option<u16> {
        match self.root() {
            Self::OAuth { status, .. }
            | Self::Platform { status, .. }
            | Self::UnexpectedResponse { status, .. }
            | Self::TruncatedResponse { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The OAuth error code (`invalid_client`, `invalid_grant`, …), if the server sent one.
    pub fn oauth_error(&self) -> Option<&str> {
        match self.root() {
            Self::OAuth { body, .. } => Some(&body.error),
            _ => None,
        }
    }

    /// The wait the server asked for (`Retry-After`, rate-limit reset, or GreenLake's
    /// `retryAfterSeconds`), if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self.root() {
            Self::OAuth { retry_after, .. }
            | Self::Platform { retry_after, .. }
            | Self::UnexpectedResponse { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Whether trying again later may succeed: connection problems, timeouts, bodies cut short,
    /// 408, 429, 500, 502, 503 and 504. Never true for 400, 401 or 403.
    pub fn is_transient(&self) -> bool {
        if self.is_wait_too_long() {
            // The retry budget is already spent on it.
            return false;
        }
        match self.root() {
            Self::Transport { .. } | Self::Timeout { .. } | Self::TruncatedResponse { .. } => true,
            other => other.status().is_some_and(is_retryable_status),
        }
    }

    /// Whether this failure is the MSP token's (the subject of an exchange), not the tenant's.
    pub fn is_subject_failure(&self) -> bool {
        match self {
            Self::Subject(_) => true,
            Self::Shared(inner) => inner.is_subject_failure(),
            _ => false,
        }
    }

    /// Whether this is (or wraps) [`AuthError::WaitTooLong`].
    pub fn is_wait_too_long(&self) -> bool {
        match self {
            Self::WaitTooLong { .. } => true,
            Self::Shared(inner) => inner.is_wait_too_long(),
            Self::Subject(inner) => inner.is_wait_too_long(),
            _ => false,
        }
    }

    /// Whether the credential itself was refused (the run cannot go on without a new one).
    pub fn is_credential_rejected(&self) -> bool {
        self.status() == Some(401)
            || matches!(
                self.oauth_error(),
                Some("invalid_client" | "unauthorized_client")
            )
    }
}

fn status_hint(status: u16) -> &'static str {
    match status {
        401 => UNAUTHORIZED_HINT,
        403 => FORBIDDEN_HINT,
        _ => "",
    }
}

fn with_hint(mut message: String, status: u16, extra: Option<&str>) -> String {
    for hint in [extra.unwrap_or(""), status_hint(status)] {
        if !hint.is_empty() {
            message.push_str("\n  ");
            message.push_str(hint);
        }
    }
    message
}

fn oauth_message(status: u16, body: &OAuthErrorBody) -> String {
    let mut message = format!("token request refused (HTTP {status}): {}", body.error);
    if let Some(d) = &body.error_description {
        message.push_str(": ");
        message.push_str(d);
    }
    let extra = match body.error.as_str() {
        "invalid_client" if status != 401 => Some(UNAUTHORIZED_HINT),
        "invalid_grant" => Some(
            "hint: invalid_grant on a token exchange means the MSP (subject) token expired, was \
             revoked, or is not an MSP token; fetch a fresh MSP token and exchange again.",
        ),
        "invalid_target" => Some(
            "hint: invalid_target means the tenant workspace id is unknown or not managed by \
             this MSP workspace; list the tenants and use a workspace id from that list.",
        ),
        "unsupported_grant_type" | "unauthorized_client" => Some(
            "hint: the API client may not use this grant: create the API client for the \
             HPE GreenLake platform in the MSP workspace (clients made for Central cannot \
             exchange tokens).",
        ),
        _ => None,
    };
    with_hint(message, status, extra)
}

fn platform_message(status: u16, body: &GlpErrorBody) -> String {
    with_hint(
        format!("GreenLake refused (HTTP {status}): {body}"),
        status,
        None,
    )
}

fn unexpected_message(status: u16, excerpt: &str) -> String {
    with_hint(
        format!("unexpected response from the token endpoint (HTTP {status}): {excerpt}"),
        status,
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oauth(status: u16, error: &str, description: Option<&str>) -> AuthError {
        AuthError::OAuth {
            status,
            body: OAuthErrorBody {
                error: error.into(),
                error_description: description.map(Into::into),
            },
            retry_after: None,
        }
    }

    #[test]
    fn transient_classification() {
        assert!(oauth(503, "temporarily_unavailable", None).is_transient());
        assert!(oauth(429, "slow_down", None).is_transient());
        for s in [400, 401, 403] {
            assert!(!oauth(s, "invalid_request", None).is_transient());
        }
        assert!(!AuthError::provider("x", None).is_transient());
        assert!(oauth(401, "invalid_client", None).is_credential_rejected());
        assert!(oauth(400, "invalid_client", None).is_credential_rejected());
        assert!(!oauth(400, "invalid_grant", None).is_credential_rejected());
    }

    #[test]
    fn messages_carry_server_words_and_hints() {
        insta::assert_snapshot!(
            "oauth_401",
            oauth(401, "invalid_client", Some("bad secret")).to_string()
        );
        insta::assert_snapshot!(
            "oauth_invalid_grant",
            oauth(400, "invalid_grant", Some("subject token expired")).to_string()
        );
        insta::assert_snapshot!(
            "oauth_invalid_target",
            oauth(400, "invalid_target", None).to_string()
        );
        let platform = AuthError::Platform {
            status: 403,
            body: Box::new(GlpErrorBody {
                http_status_code: Some(403),
                error_code: Some("HPE_GL_ERROR_FORBIDDEN".into()),
                message: Some("not allowed".into()),
                debug_id: Some("dbg-1".into()),
                error_details: vec![],
            }),
            retry_after: None,
        };
        insta::assert_snapshot!("platform_403", platform.to_string());
        let unexpected = AuthError::UnexpectedResponse {
            status: 502,
            excerpt: "<html>bad gateway</html>".into(),
            retry_after: None,
        };
        insta::assert_snapshot!("unexpected_502", unexpected.to_string());
    }
}
