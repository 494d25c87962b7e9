//! HTTP details every request shares: the `User-Agent`, the origin of a `Location` for an error
//! message, and bodies read with a cap.

/// The `User-Agent` every request of this project sends.
pub const USER_AGENT: &str = concat!("glp-msp/", env!("CARGO_PKG_VERSION"));

/// The origin of a `Location` header, for an error message: `scheme://host[:port]`, escaped,
/// resolved against the request URL; never its path or query (they may carry anything).
pub(crate) fn location_origin(
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
pub(crate) enum ReadError {
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
pub(crate) async fn read_capped(
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
