//! Classifying an answer: [`Step`], and [`json_step`] for the JSON APIs.

use std::time::Duration;

use glp_core::ErrorBody;
use glp_core::body_excerpt;
use glp_core::hints::{CENTRAL_CLUSTER_HINT, FORBIDDEN_HINT, UNAUTHORIZED_HINT};
use glp_core::retry::wait_from_headers;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

use super::{Answer, content_type_text};
use crate::{Api, ApiError};

static HINTS_401: [&str; 1] = [UNAUTHORIZED_HINT];
static HINTS_401_CENTRAL: [&str; 2] = [CENTRAL_CLUSTER_HINT, UNAUTHORIZED_HINT];
static HINTS_403: [&str; 1] = [FORBIDDEN_HINT];

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
    pub(super) fn error(&self) -> Option<&ApiError> {
        match self {
            Self::Done(_) => None,
            Self::Fail(e) | Self::Retry(e) | Self::RetryOnce(e) | Self::RateLimited(e) => Some(e),
        }
    }
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
