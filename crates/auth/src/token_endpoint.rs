//! The GreenLake token endpoint: one POST, retried when transient, decoded into a token.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use reqwest::header::{AUTHORIZATION, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tracing::Instrument as _;

use crate::glp_error::{GlpErrorBody, OAuthErrorBody, body_excerpt, lenient_u64_value};
use crate::retry::retry_after_from_headers;
use crate::{AccessToken, AuthError, AuthOptions, BaseUrl, Clock, RetryPolicy, Scope, WorkspaceId};

/// The lifetime assumed when a token response has no usable `expires_in`: short, so a token
/// is never trusted longer than the platform's 15 minutes.
pub const LIFETIME_WHEN_UNSTATED: Duration = Duration::from_secs(300);

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
            None => build_http_client(options.connect_timeout, options.request_timeout).map_err(
                |e| AuthError::provider("could not build the HTTP client", Some(Box::new(e))),
            )?,
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
                    let delay = self.retry.delay(attempt, error.retry_after());
                    if !error.is_transient()
                        || !self.retry.allows_retry(attempt, started.elapsed(), delay)
                    {
                        span.in_scope(|| tracing::debug!(%error, "token request failed"));
                        return Err(error);
                    }
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
        let body = response
            .bytes()
            .await
            .map_err(|e| self.transport_error(&endpoint, e))?;
        if (200..300).contains(&status) {
            // A success body may hold a token in any shape: never quote it. RFC 6749 §5.1: the
            // response is a JSON object.
            let not_a_token = || AuthError::UnexpectedResponse {
                status,
                excerpt: format!(
                    "[{} bytes, not a JSON token response; not quoted]",
                    body.len()
                ),
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
            let lifetime = parsed
                .expires_in
                .as_ref()
                .and_then(lenient_u64_value)
                .map(Duration::from_secs)
                .unwrap_or_else(|| {
                    tracing::warn!(
                        assumed_s = LIFETIME_WHEN_UNSTATED.as_secs(),
                        "token response has no usable expires_in; assuming a short lifetime"
                    );
                    LIFETIME_WHEN_UNSTATED
                });
            return Ok(AccessToken::new(parsed.access_token, sent_at + lifetime)
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
                body,
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
                error: error.without_url(),
            }
        }
    }
}

/// Builds the project's HTTP client: rustls, the given timeouts, the crate's `User-Agent`.
pub fn build_http_client(
    connect_timeout: Duration,
    request_timeout: Duration,
) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .connect_timeout(connect_timeout)
        .timeout(request_timeout)
        .user_agent(crate::options::USER_AGENT)
        .build()
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
