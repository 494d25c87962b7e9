//! Error bodies: GLP's (`httpStatusCode`, `errorCode`, `message`, `debugId`, `errorDetails`) and
//! OAuth's (RFC 6749 §5.2: `error`, `error_description`).
//!
//! Central's paths speak the simulator's [`CentralDialect`]: every error builder takes the
//! [`Api`] it answers for, and a Central one carries its dialect.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};

use crate::config::CentralDialect;
use crate::query::BadParam;
use crate::rng::random_hex;

/// Which API family a path belongs to (rate-limit bucket and error shape); Central's comes with
/// the dialect it speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Api {
    /// GreenLake: the token endpoint, `/workspaces`, `/service-catalog`, devices and
    /// subscriptions.
    Glp,
    /// Central: `/network-msp` and `/network-monitoring`, in this dialect.
    Central(CentralDialect),
}

/// A 200-or-other JSON response.
pub(crate) fn json_response<T: Serialize>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (
            status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            bytes,
        )
            .into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

fn error_code(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "HPE_GL_ERROR_BAD_REQUEST",
        401 => "HPE_GL_ERROR_UNAUTHORIZED",
        403 => "HPE_GL_ERROR_FORBIDDEN",
        404 => "HPE_GL_ERROR_NOT_FOUND",
        429 => "HPE_GL_ERROR_TOO_MANY_REQUESTS",
        503 => "HPE_GL_ERROR_SERVICE_UNAVAILABLE",
        _ => "HPE_GL_ERROR_INTERNAL_SERVER_ERROR",
    }
}

/// A GLP-shaped error. `httpStatusCode` is a number, except on Central paths in the classic
/// dialect, where it is a string (`"403"`), as has been seen in the wild.
pub(crate) fn glp_error(
    api: Api,
    status: StatusCode,
    message: &str,
    details: Vec<Value>,
) -> Response {
    coded_error(api, status, error_code(status), message, details)
}

/// [`glp_error`] with the `errorCode` given.
fn coded_error(
    api: Api,
    status: StatusCode,
    error_code: &str,
    message: &str,
    details: Vec<Value>,
) -> Response {
    let code = status.as_u16();
    let mut body = json!({
        "httpStatusCode": match api {
            Api::Central(CentralDialect::Classic) => json!(code.to_string()),
            _ => json!(code),
        },
        "errorCode": error_code,
        "message": message,
        "debugId": random_hex(32),
    });
    if !details.is_empty()
        && let Value::Object(m) = &mut body
    {
        m.insert("errorDetails".into(), Value::Array(details));
    }
    json_response(status, &body)
}

/// 400 with a `hpe.greenlake.bad_request` issue naming the parameter.
pub(crate) fn bad_request(api: Api, bad: &BadParam) -> Response {
    bad_request_coded(api, bad, None)
}

/// [`bad_request`] with `errorCode` `code` where given (Central's specs name one per API:
/// `HPE_GL_NETWORK_MONITORING_INVALID_INPUT`, `HPE_GL_NETWORK_SERVICES_INVALID_INPUT`).
pub(crate) fn bad_request_coded(api: Api, bad: &BadParam, code: Option<&str>) -> Response {
    coded_error(
        api,
        StatusCode::BAD_REQUEST,
        code.unwrap_or(error_code(StatusCode::BAD_REQUEST)),
        &bad.description,
        vec![json!({
            "type": "hpe.greenlake.bad_request",
            "issues": [{"source": "query", "subject": bad.subject, "description": bad.description}],
        })],
    )
}

/// 401 with `WWW-Authenticate: Bearer error="invalid_token"`.
pub(crate) fn unauthorized(api: Api, message: &str) -> Response {
    let mut r = glp_error(api, StatusCode::UNAUTHORIZED, message, Vec::new());
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer error=\"invalid_token\""),
    );
    r
}

/// 403 with a `hpe.greenlake.metadata` detail recommending the right token.
pub(crate) fn forbidden(api: Api, message: &str, action: &str) -> Response {
    glp_error(
        api,
        StatusCode::FORBIDDEN,
        message,
        vec![json!({"type": "hpe.greenlake.metadata", "recommendedActions": [action]})],
    )
}

/// 404.
pub(crate) fn not_found(api: Api, message: &str) -> Response {
    glp_error(api, StatusCode::NOT_FOUND, message, Vec::new())
}

/// An OAuth error (RFC 6749 §5.2), with `Cache-Control: no-store`; when the client tried HTTP
/// Basic and failed, also `WWW-Authenticate: Basic`.
pub(crate) fn oauth_error(
    status: StatusCode,
    error: &str,
    description: &str,
    basic_challenge: bool,
) -> Response {
    let mut r = json_response(
        status,
        &json!({"error": error, "error_description": description}),
    );
    let h = r.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    if basic_challenge {
        h.insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"GreenLake\""),
        );
    }
    r
}
