//! The GreenLake token endpoint: one POST, retried when transient, decoded into a token.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use reqwest::header::{AUTHORIZATION, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tracing::Instrument as _;

use crate::retry::{RetryDecision, retry_after_from_headers};
use crate::{AccessToken, AuthError, AuthOptions, BaseUrl, Clock, RetryPolicy, Scope, WorkspaceId};
use glp_core::{GlpErrorBody, OAuthErrorBody, body_excerpt, lenient_u64_value};
use glp_transport::http::{ReadError, Redirects, build_http_client, location_origin, read_capped};

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

/// The token endpoint of one GreenLake base URL.
#[derive(Debug, Clone)]
pub(crate) struct TokenEndpoint {
    http: reqwest::Client,
    base: BaseUrl,
    retry: RetryPolicy,
    request_timeout: Duration,
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
        let http = match &options.http_client {
            Some(client) => client.clone(),
            None => build_http_client(
                options.connect_timeout,
                options.request_timeout,
                Redirects::Never,
            )
            .map_err(|e| {
                AuthError::provider("could not build the HTTP client", Some(Box::new(e)))
            })?,
        };
        Ok(Self {
            http,
            base,
            retry: options.retry,
            request_timeout: options.request_timeout,
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
        let url = self.base.join(&format!(
            "authorization/v2/oauth2/{}/token",
            workspace.compact()
        ));
        let started = tokio::time::Instant::now();
        let mut attempt = 0u32;
        let mut rate_limited = 0u32;
        loop {
            attempt += 1;
            let span = tracing::info_span!(
                "glp_token",
                %scope,
                grant,
                attempt,
                status = tracing::field::Empty,
                duration_ms = tracing::field::Empty,
                expires_in_s = tracing::field::Empty,
            );
            let result = self
                .attempt(&url, form, basic)
                .instrument(span.clone())
                .await;
            span.record("duration_ms", started.elapsed().as_millis() as u64);
            match result {
                Ok(token) => {
                    let now = self.clock.now();
                    span.record("status", 200u16);
                    span.record("expires_in_s", token.remaining(now).as_secs());
                    span.in_scope(|| tracing::debug!("token issued"));
                    return Ok(token);
                }
                Err(error) => {
                    if let Some(status) = error.status() {
                        span.record("status", status);
                    }
                    let decision = if error.status() == Some(429) {
                        // "Slower", not a failure: only time ends it.
                        rate_limited += 1;
                        attempt -= 1;
                        self.retry.decide_rate_limited(
                            rate_limited,
                            started.elapsed(),
                            error.retry_after(),
                        )
                    } else if error.is_transient() {
                        self.retry
                            .decide(attempt, started.elapsed(), error.retry_after())
                    } else {
                        RetryDecision::GiveUp
                    };
                    let delay = match decision {
                        RetryDecision::Retry(delay) => delay,
                        RetryDecision::GiveUp => {
                            span.in_scope(|| tracing::debug!(%error, "token request failed"));
                            return Err(error);
                        }
                        RetryDecision::WaitTooLong { wait, left } => {
                            let error = AuthError::WaitTooLong {
                                wait,
                                left,
                                last: Box::new(error),
                            };
                            span.in_scope(|| tracing::debug!(%error, "token request failed"));
                            return Err(error);
                        }
                    };
                    span.in_scope(|| {
                        tracing::warn!(%error, delay_ms = delay.as_millis() as u64, "token request failed, retrying")
                    });
                    tokio::time::sleep(delay).await;
                }
            }
        }
    }

    async fn attempt(
        &self,
        url: &url::Url,
        form: &[(&str, &str)],
        basic: Option<(&str, &SecretString)>,
    ) -> Result<AccessToken, AuthError> {
        let mut request = self
            .http
            .post(url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .form(form);
        if let Some((id, secret)) = basic {
            request = request.header(AUTHORIZATION, basic_auth_header(id, secret));
        }
        // Expiry counts from the moment the request leaves, not from when the answer arrives.
        let sent_at = self.clock.now();
        let endpoint = url.to_string();
        let response = request
            .send()
            .await
            .map_err(|e| self.transport_error(&endpoint, e))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        if response.url().origin() != url.origin() {
            // A caller's own HTTP client followed a redirect: the answer is not GreenLake's.
            return Err(AuthError::Redirected {
                endpoint,
                status,
                location: crate::text::escape_control(
                    &response.url().origin().ascii_serialization(),
                )
                .into_owned(),
            });
        }
        if (300..400).contains(&status) {
            return Err(AuthError::Redirected {
                endpoint,
                status,
                location: location_origin(url, headers.get(reqwest::header::LOCATION)),
            });
        }
        let body = read_capped(response, MAX_TOKEN_BODY)
            .await
            .map_err(|e| match e {
                ReadError::TooLarge { limit } => AuthError::BodyTooLarge {
                    endpoint: endpoint.clone(),
                    status,
                    limit,
                },
                ReadError::Transport(e) => self.transport_error(&endpoint, e),
            })?;
        if (200..300).contains(&status) {
            // A success body may hold a token in any shape: never quote it. RFC 6749 §5.1: the
            // response is a JSON object.
            let content_type = headers
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(|v| crate::text::escape_control(v).into_owned())
                .unwrap_or_else(|| "no Content-Type".to_owned());
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
            let parsed: TokenResponse = match serde_json::from_slice::<serde_json::Value>(&body) {
                Ok(value @ serde_json::Value::Object(_)) => {
                    serde_json::from_value(value).map_err(|_| not_a_token())?
                }
                // A JSON object that stops mid-way: the body was cut, not wrong.
                Err(e) if e.is_eof() && body.first() == Some(&b'{') => {
                    return Err(AuthError::TruncatedResponse {
                        status,
                        received: body.len(),
                    });
                }
                _ => return Err(not_a_token()),
            };
            if let Some(kind) = parsed.token_type.as_deref()
                && !kind.eq_ignore_ascii_case("bearer")
            {
                tracing::warn!(
                    token_type = kind,
                    "token type is not Bearer; using it as a bearer token"
                );
            }
            let lifetime = lifetime_from(parsed.expires_in.as_ref());
            let expires_at = sent_at.checked_add(lifetime).unwrap_or(sent_at);
            return Ok(AccessToken::new(parsed.access_token, expires_at)
                .with_issued_token_type(parsed.issued_token_type));
        }
        let glp = GlpErrorBody::parse(&body);
        let retry_after = retry_after_from_headers(&headers).or_else(|| {
            glp.as_ref()
                .and_then(GlpErrorBody::retry_after_seconds)
                .map(Duration::from_secs)
        });
        if let Ok(oauth) = OAuthErrorBody::parse(&body).ok_or(()) {
            return Err(AuthError::OAuth {
                status,
                body: oauth,
                retry_after,
            });
        }
        if let Some(body) = glp {
            return Err(AuthError::Platform {
                status,
                body: Box::new(body),
                retry_after,
            });
        }
        Err(AuthError::UnexpectedResponse {
            status,
            excerpt: body_excerpt(&body),
            retry_after,
        })
    }

    fn transport_error(&self, endpoint: &str, error: reqwest::Error) -> AuthError {
        if error.is_timeout() {
            AuthError::Timeout {
                endpoint: endpoint.to_owned(),
                after: self.request_timeout,
            }
        } else {
            AuthError::Transport {
                endpoint: endpoint.to_owned(),
                error: Box::new(error.without_url()),
            }
        }
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

/// `Authorization: Basic` per RFC 6749 §2.3.1: id and secret form-urlencoded, then base64.
fn basic_auth_header(id: &str, secret: &SecretString) -> HeaderValue {
    let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let raw = format!("{}:{}", encode(id), encode(secret.expose_secret()));
    let encoded = base64::engine::general_purpose::STANDARD.encode(raw);
    let mut value = HeaderValue::from_str(&format!("Basic {encoded}"))
        .unwrap_or_else(|_| unreachable!("base64 is a valid header value"));
    value.set_sensitive(true);
    value
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
