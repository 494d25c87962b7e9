//! Injected faults: server errors, dropped connections and truncated JSON bodies.
//!
//! Each API request (not `/_sim`, not the token endpoint unless
//! [`SimConfig::faults_on_token_endpoint`](crate::SimConfig::faults_on_token_endpoint)) rolls
//! once: with probability `fail_rate` it fails; else with probability `drop_rate` its connection
//! is dropped; else with probability `malformed_rate` its body is truncated if the real answer
//! was a 200.
//!
//! * Failure: 500 (GLP JSON error body), 502 (an HTML page, as a proxy sends) or 503 (plain
//!   text), picked uniformly.
//! * Drop: the handler answers with a body stream whose first poll fails. hyper has only
//!   buffered the status line and headers at that point, so it closes the connection without
//!   writing anything: the client sees the connection closed with no response (a transport
//!   error such as "connection closed before message completed").
//! * After apply ([`SimConfig::write_fault_after_apply`]): a write that succeeded is answered
//!   with a 500 or a dropped connection instead; what it changed stays.
//! * Malformed: 200, `Content-Type: application/json`, the body cut to half its length (a
//!   complete HTTP response whose JSON does not parse).

use std::io;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::config::SimConfig;
use crate::errors::{Api, glp_error};

/// The fault picked for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    /// No fault.
    None,
    /// Fail with this status.
    Fail(StatusCode),
    /// Close the connection without a response.
    Drop,
    /// Truncate a 200 body.
    Malformed,
}

fn hit(rate: f64) -> bool {
    rate > 0.0 && (rate >= 1.0 || fastrand::f64() < rate)
}

/// Rolls the dice for one request.
pub(crate) fn roll(cfg: &SimConfig) -> Fault {
    if hit(cfg.fail_rate) {
        let status = [
            StatusCode::INTERNAL_SERVER_ERROR,
            StatusCode::BAD_GATEWAY,
            StatusCode::SERVICE_UNAVAILABLE,
        ][fastrand::usize(..3)];
        Fault::Fail(status)
    } else if hit(cfg.drop_rate) {
        Fault::Drop
    } else if hit(cfg.malformed_rate) {
        Fault::Malformed
    } else {
        Fault::None
    }
}

/// Whether a successful write fails after it took effect, and how: a 500 or a dropped
/// connection (`Fault::Fail` or `Fault::Drop`, evenly).
pub(crate) fn roll_after_apply(cfg: &SimConfig) -> Fault {
    if !hit(cfg.write_fault_after_apply) {
        Fault::None
    } else if fastrand::bool() {
        Fault::Fail(StatusCode::INTERNAL_SERVER_ERROR)
    } else {
        Fault::Drop
    }
}

/// The response of an injected failure.
pub(crate) fn failure(api: Api, status: StatusCode) -> Response {
    match status {
        StatusCode::BAD_GATEWAY => (
            status,
            [(header::CONTENT_TYPE, HeaderValue::from_static("text/html"))],
            "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>\n",
        )
            .into_response(),
        StatusCode::SERVICE_UNAVAILABLE => (
            status,
            [(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"))],
            "upstream connect error or disconnect/reset before headers. reset reason: connection termination",
        )
            .into_response(),
        _ => glp_error(
            api,
            status,
            "Internal server error (injected by platform-sim)",
            Vec::new(),
        ),
    }
}

/// A response whose body fails at once, so hyper drops the connection without answering.
pub(crate) fn dropped() -> Response {
    let stream = futures::stream::once(async {
        Err::<Bytes, io::Error>(io::Error::new(
            io::ErrorKind::ConnectionAborted,
            "connection dropped by platform-sim",
        ))
    });
    Response::new(Body::from_stream(stream))
}

/// Cuts a response body to half its length.
pub(crate) async fn malform(resp: Response) -> Response {
    let (mut parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let cut = bytes.slice(..bytes.len() / 2);
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(cut))
}
