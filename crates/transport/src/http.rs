//! The HTTP client settings and bounded reads every request of this project shares: rustls, the
//! crate's `User-Agent`, a redirect policy that keeps credentials where the user pointed, and
//! bodies read with a cap.

use std::time::Duration;

/// The `User-Agent` every request of this project sends.
pub const USER_AGENT: &str = concat!("glp-msp/", env!("CARGO_PKG_VERSION"));

/// Which redirects a client follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Redirects {
    /// None: a 3xx is handed back as it is (token requests: their form holds a secret).
    Never,
    /// Only to the same origin (scheme, host and port) as the request, at most 5 hops; https to
    /// http is never followed since it changes the origin. `Authorization` is never sent to
    /// another origin because no such redirect is followed.
    SameOrigin,
}

/// Builds the project's HTTP client: rustls, the given timeouts and redirect policy, the
/// crate's `User-Agent`.
pub fn build_http_client(
    connect_timeout: Duration,
    request_timeout: Duration,
    redirects: Redirects,
) -> Result<reqwest::Client, reqwest::Error> {
    let policy = match redirects {
        Redirects::Never => reqwest::redirect::Policy::none(),
        Redirects::SameOrigin => reqwest::redirect::Policy::custom(|attempt| {
            let same_origin = attempt
                .previous()
                .first()
                .is_some_and(|first| first.origin() == attempt.url().origin());
            if !same_origin {
                attempt.stop()
            } else if attempt.previous().len() > 5 {
                attempt.error("more than 5 redirects")
            } else {
                attempt.follow()
            }
        }),
    };
    reqwest::Client::builder()
        .connect_timeout(connect_timeout)
        .timeout(request_timeout)
        .redirect(policy)
        .user_agent(USER_AGENT)
        .build()
}

/// The origin of a `Location` header, for an error message: `scheme://host[:port]`, escaped,
/// resolved against the request URL; never its path or query (they may carry anything).
pub fn location_origin(
    request: &url::Url,
    location: Option<&reqwest::header::HeaderValue>,
) -> String {
    let Some(location) = location.and_then(|l| l.to_str().ok()) else {
        return "(no Location header)".to_owned();
    };
    match request.join(location) {
        Ok(target) => {
            glp_core::text::escape_control(&target.origin().ascii_serialization()).into_owned()
        }
        Err(_) => "(an unparsable Location)".to_owned(),
    }
}

/// How reading a capped body failed.
#[derive(Debug)]
pub enum ReadError {
    /// The body is (or announced itself as) longer than the cap.
    TooLarge {
        /// The cap, in bytes.
        limit: u64,
    },
    /// The connection failed while reading.
    Transport(reqwest::Error),
}

/// Reads `response`'s body, refusing it as soon as it exceeds `limit` bytes (by its
/// `Content-Length` before reading anything, or while streaming): memory stays bounded by the
/// cap whatever the server sends.
pub async fn read_capped(
    mut response: reqwest::Response,
    limit: u64,
) -> Result<Vec<u8>, ReadError> {
    if response.content_length().is_some_and(|len| len > limit) {
        return Err(ReadError::TooLarge { limit });
    }
    let mut body = Vec::with_capacity(
        usize::try_from(
            response
                .content_length()
                .unwrap_or(0)
                .min(limit)
                .min(1 << 20),
        )
        .unwrap_or(0),
    );
    while let Some(chunk) = response.chunk().await.map_err(ReadError::Transport)? {
        if (body.len() as u64).saturating_add(chunk.len() as u64) > limit {
            return Err(ReadError::TooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
