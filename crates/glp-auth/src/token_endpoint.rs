//! The GreenLake token endpoint: one POST, retried when transient, decoded into a token.

use std::sync::Arc;
use std::time::Duration;

use glp_core::retry::retry_after_from_headers;
use glp_core::{ErrorBody, lenient_u64_value};
use glp_transport::{Answer, Api, ApiClient, ApiError, Credential, Request, Step, Transport};
use secrecy::SecretString;
use serde::Deserialize;
use tracing::Instrument as _;

use crate::{
    AccessToken, AuthError, AuthOptions, BaseUrl, Clock, Scope, StaticTokenProvider, WorkspaceId,
};

/// The lifetime assumed when a token response has no usable `expires_in`: short, so a token
/// is never trusted longer than the platform's 15 minutes.
pub const LIFETIME_WHEN_UNSTATED: Duration = Duration::from_secs(300);

/// The shortest lifetime taken from `expires_in` (1 s): a smaller value (0) is raised to it so
/// that a server cannot make every call fetch a new token. Anything under 30 s is honoured (a
/// token is never trusted longer than the server says) but warned about, once per process.
pub const MIN_LIFETIME: Duration = Duration::from_secs(1);

/// Lifetimes under this (30 s) are unusual for GreenLake (15 minutes): warned about once.
const USUAL_MIN_LIFETIME: Duration = Duration::from_secs(30);

static WARNED_SHORT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// The longest lifetime taken from `expires_in` (24 h): a larger value is lowered to it, with a
/// warning (GreenLake's tokens live 15 minutes).
pub const MAX_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// The largest token answer read (64 KiB); a longer one is [`AuthError::BodyTooLarge`].
pub const MAX_TOKEN_BODY: u64 = 64 * 1024;

/// The token endpoint of one GreenLake base URL. Its requests go through the workspace's one
/// HTTP path ([`ApiClient::send`]): the GreenLake identity pacer of the shared [`Transport`], the
/// one retry loop, no redirects (a POST follows none), a 64 KiB body cap.
#[derive(Debug, Clone)]
pub(crate) struct TokenEndpoint {
    api: ApiClient,
    clock: Arc<dyn Clock>,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: SecretString,
    #[serde(default)]
    token_type: Option<String>,
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
    #[serde(default)]
    issued_token_type: Option<String>,
}

impl TokenEndpoint {
    pub(crate) fn new(base: BaseUrl, options: &AuthOptions) -> Result<Self, AuthError> {
        let transport = match &options.transport {
            Some(transport) => transport.clone(),
            None => Transport::new(options.connect_timeout).map_err(|e| {
                AuthError::provider("could not build the HTTP client", Some(Box::new(e)))
            })?,
        };
        // Token requests carry their own credentials (Basic, or the form): no provider.
        let api = ApiClient::builder(
            Api::GreenLake,
            base,
            Arc::new(StaticTokenProvider::default()),
        )
        .transport(transport)
        .retry(options.retry)
        .timeouts(options.connect_timeout, options.request_timeout)
        .max_body_bytes(MAX_TOKEN_BODY)
        .build()
        .map_err(|e| AuthError::provider("could not build the HTTP client", Some(Box::new(e))))?;
        Ok(Self {
            api,
            clock: options.clock.clone(),
        })
    }

    /// POSTs `form` to `{base}/authorization/v2/oauth2/{workspace compact}/token`.
    pub(crate) async fn request(
        &self,
        workspace: &WorkspaceId,
        scope: &Scope,
        grant: &'static str,
        form: &[(&str, &str)],
        basic: Option<(&str, &SecretString)>,
    ) -> Result<AccessToken, AuthError> {
        let path = format!("authorization/v2/oauth2/{}/token", workspace.compact());
        let endpoint = self.api.base_url().join(&path).to_string();
        let credential = match basic {
            Some((id, secret)) => Credential::Basic { id, secret },
            None => Credential::None,
        };
        let span = tracing::info_span!(
            "glp_token",
            %scope,
            grant,
            status = tracing::field::Empty,
            expires_in_s = tracing::field::Empty,
        );
        let request = Request::post_form(&path, form, credential);
        let requested = self.clock.now();
        let result = self
            .api
            .send(&request, |answer| {
                self.classify(*scope, &endpoint, requested, answer)
            })
            .instrument(span.clone())
            .await;
        match result {
            Ok(token) => {
                span.record("status", 200u16);
                span.record("expires_in_s", token.remaining(self.clock.now()).as_secs());
                span.in_scope(|| tracing::debug!("token issued"));
                Ok(token)
            }
            Err(error) => {
                let error = auth_error(error, &endpoint);
                if let Some(status) = error.status() {
                    span.record("status", status);
                }
                span.in_scope(|| tracing::debug!(%error, "token request failed"));
                Err(error)
            }
        }
    }

    /// What a token endpoint's answer means: a token, or an [`AuthError`] (carried through the
    /// transport's loop as [`ApiError::Token`]) that is final, transient or rate limiting.
    fn classify(
        &self,
        scope: Scope,
        endpoint: &str,
        requested: std::time::Instant,
        answer: &Answer<'_>,
    ) -> Step<AccessToken> {
        let wrap = |error: AuthError| ApiError::Token {
            api: Api::GreenLake,
            scope,
            error: Box::new(error),
        };
        let status = answer.status;
        if (300..400).contains(&status) {
            return Step::Fail(wrap(AuthError::Redirected {
                endpoint: endpoint.to_owned(),
                status,
                location: answer.location_origin(),
            }));
        }
        match decode(status, answer) {
            Ok(parsed) => {
                if let Some(kind) = parsed.token_type.as_deref()
                    && !kind.eq_ignore_ascii_case("bearer")
                {
                    tracing::warn!(
                        token_type = kind,
                        "token type is not Bearer; using it as a bearer token"
                    );
                }
                // Expiry counts from the moment the request left, not from when the answer
                // arrived (and never from before the first try).
                let now = self.clock.now();
                let sent_at = now
                    .checked_sub(answer.elapsed)
                    .unwrap_or(now)
                    .max(requested);
                let lifetime = lifetime_from(parsed.expires_in.as_ref());
                let expires_at = sent_at.checked_add(lifetime).unwrap_or(sent_at);
                Step::Done(
                    AccessToken::new(parsed.access_token, expires_at)
                        .with_issued_token_type(parsed.issued_token_type),
                )
            }
            Err(error) if status == 429 => Step::RateLimited(wrap(error)),
            Err(error) if error.is_transient() => Step::Retry(wrap(error)),
            Err(error) => Step::Fail(wrap(error)),
        }
    }
}

/// Decodes a token answer: a 2xx into the token response, anything else into the server's
/// OAuth or GreenLake error.
fn decode(status: u16, answer: &Answer<'_>) -> Result<TokenResponse, AuthError> {
    let body = answer.body;
    let headers = answer.headers;
    if (200..300).contains(&status) {
        // A success body may hold a token in any shape: never quote it. RFC 6749 §5.1: the
        // response is a JSON object.
        let content_type = answer.content_type();
        let is_json = matches!(
            body.iter().find(|b| !b.is_ascii_whitespace()),
            Some(b'{' | b'[')
        );
        let not_a_token = || AuthError::UnexpectedResponse {
            status,
            excerpt: if is_json {
                format!(
                    "[{} bytes, not a JSON token response; not quoted]",
                    body.len()
                )
            } else {
                format!(
                    "not JSON: {content_type}, {} bytes (a login page or a proxy in the way? \
                     check GLP_BASE_URL); not quoted",
                    body.len()
                )
            },
            retry_after: None,
        };
        return match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(value @ serde_json::Value::Object(_)) => {
                serde_json::from_value(value).map_err(|_| not_a_token())
            }
            // A JSON object that stops mid-way: the body was cut, not wrong.
            Err(e) if e.is_eof() && body.first() == Some(&b'{') => {
                Err(AuthError::TruncatedResponse {
                    status,
                    received: body.len(),
                })
            }
            _ => Err(not_a_token()),
        };
    }
    let body = ErrorBody::parse(body);
    let retry_after = retry_after_from_headers(headers)
        .or_else(|| body.retry_after_seconds().map(Duration::from_secs));
    Err(match body {
        ErrorBody::OAuth(oauth) => AuthError::OAuth {
            status,
            body: oauth,
            retry_after,
        },
        ErrorBody::Glp(glp) => AuthError::Platform {
            status,
            body: Box::new(glp),
            retry_after,
        },
        ErrorBody::Raw(excerpt) => AuthError::UnexpectedResponse {
            status,
            excerpt,
            retry_after,
        },
        // A shape added later reads as its text.
        other => AuthError::UnexpectedResponse {
            status,
            excerpt: other.to_string(),
            retry_after,
        },
    })
}

/// The transport's error for a token request, as the token providers report it.
fn auth_error(error: ApiError, endpoint: &str) -> AuthError {
    match error {
        ApiError::Token { error, .. } => *error,
        ApiError::Timeout { after, .. } => AuthError::Timeout {
            endpoint: endpoint.to_owned(),
            after,
        },
        ApiError::Transport { error, .. } => AuthError::Transport {
            endpoint: endpoint.to_owned(),
            error,
        },
        ApiError::TooLarge { status, limit, .. } => AuthError::BodyTooLarge {
            endpoint: endpoint.to_owned(),
            status,
            limit,
        },
        ApiError::WaitTooLong {
            wait, left, last, ..
        } => AuthError::WaitTooLong {
            wait,
            left,
            last: Box::new(match last {
                Some(last) => auth_error(*last, endpoint),
                None => AuthError::provider(
                    "GreenLake's token endpoint is paused after a 429 (every token request \
                     waits for it)",
                    None,
                ),
            }),
        },
        other => AuthError::provider(
            format!("token request to {endpoint} failed"),
            Some(Box::new(other)),
        ),
    }
}

/// The lifetime a token answer's `expires_in` gives, bounded: missing or unusable means
/// [`LIFETIME_WHEN_UNSTATED`]; the value is clamped to [`MIN_LIFETIME`]..=[`MAX_LIFETIME`] with a
/// warning; under 30 s it is honoured with a warning (once).
pub(crate) fn lifetime_from(expires_in: Option<&serde_json::Value>) -> Duration {
    let Some(seconds) = expires_in.and_then(lenient_u64_value) else {
        tracing::warn!(
            assumed_s = LIFETIME_WHEN_UNSTATED.as_secs(),
            "token response has no usable expires_in; assuming a short lifetime"
        );
        return LIFETIME_WHEN_UNSTATED;
    };
    let stated = Duration::from_secs(seconds);
    let lifetime = stated.clamp(MIN_LIFETIME, MAX_LIFETIME);
    if lifetime != stated {
        tracing::warn!(
            expires_in_s = seconds,
            using_s = lifetime.as_secs(),
            "token response's expires_in is outside 1 s to 24 h; clamped"
        );
    } else if lifetime < USUAL_MIN_LIFETIME
        && !WARNED_SHORT.swap(true, std::sync::atomic::Ordering::Relaxed)
    {
        tracing::warn!(
            expires_in_s = seconds,
            "token lifetime under 30 s (GreenLake's are 15 minutes): tokens will be refreshed often"
        );
    }
    lifetime
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_are_bounded() {
        use serde_json::json;
        let life = |v: serde_json::Value| lifetime_from(Some(&v));
        assert_eq!(life(json!(900)), Duration::from_secs(900));
        assert_eq!(life(json!("900")), Duration::from_secs(900));
        assert_eq!(life(json!(2)), Duration::from_secs(2));
        assert_eq!(life(json!(0)), MIN_LIFETIME);
        assert_eq!(life(json!(u64::MAX)), MAX_LIFETIME);
        assert_eq!(life(json!(1e300)), MAX_LIFETIME);
        assert_eq!(
            life(json!("99999999999999999999999")),
            LIFETIME_WHEN_UNSTATED
        );
        assert_eq!(life(json!(-5)), LIFETIME_WHEN_UNSTATED);
        assert_eq!(life(json!(null)), LIFETIME_WHEN_UNSTATED);
        assert_eq!(lifetime_from(None), LIFETIME_WHEN_UNSTATED);
    }

    proptest::proptest! {
        #[test]
        fn any_expires_in_gives_a_bounded_lifetime(
            n in proptest::prelude::any::<f64>(),
            u in proptest::prelude::any::<u64>(),
            i in proptest::prelude::any::<i64>(),
            s in "\\PC{0,30}",
        ) {
            use serde_json::json;
            for v in [json!(n), json!(u), json!(i), json!(s), json!(n.to_string())] {
                let life = lifetime_from(Some(&v));
                proptest::prop_assert!((MIN_LIFETIME..=MAX_LIFETIME).contains(&life));
                let now = std::time::Instant::now();
                proptest::prop_assert!(now.checked_add(life).is_some());
            }
        }
    }
}
