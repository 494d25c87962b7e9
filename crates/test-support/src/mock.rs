//! Matchers for httpmock that several crates' contract tests need.

use std::future::Future;

use httpmock::Method::GET;
use httpmock::{Method, Mock, MockServer};
use serde_json::Value;

/// Mocks on `server` a `GET` of `path` carrying exactly the parameters of `query` (in any order,
/// no other) and each of `headers`, answered 200 with the JSON `body`.
pub async fn exact_get<'a>(
    server: &'a MockServer,
    path: &str,
    query: &[(&str, &str)],
    headers: &[(&str, &str)],
    body: Value,
) -> Mock<'a> {
    server
        .mock_async(|when, then| {
            let mut when = when.method(GET).path(path);
            for (name, value) in headers {
                when = when.header(*name, *value);
            }
            for (key, value) in query {
                when = when.query_param(*key, *value);
            }
            when.query_param_count(".*", ".*", query.len());
            then.status(200).json_body(body);
        })
        .await
}

/// Mocks on `server` an answer of 500 to any request: a test that expects none asserts
/// `calls` 0 on it.
pub async fn any_request_fails(server: &MockServer) -> Mock<'_> {
    server
        .mock_async(|when, then| {
            when.any_request();
            then.status(500);
        })
        .await
}

/// Starts a mock server answering `method` `path` with `status` and the JSON `body`, runs `call`
/// with its base URL, asserts that the request was sent exactly once (a refusal is never
/// retried, nor sent twice) and returns what `call` returned.
pub async fn answered_once<T, E, F, Fut>(
    method: Method,
    path: &str,
    (status, body): (u16, Value),
    call: F,
) -> Result<T, E>
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(method).path(path);
            then.status(status).json_body(body);
        })
        .await;
    let result = call(server.base_url()).await;
    assert_eq!(mock.calls_async().await, 1, "{status} is sent once");
    result
}

/// An error body in the shape GreenLake and Central answer (`httpStatusCode`, `errorCode`
/// `code`, `message`, `debugId`).
pub fn hpe_error(status: u16, code: &str, message: &str) -> Value {
    serde_json::json!({"httpStatusCode": status, "errorCode": code, "message": message,
        "debugId": "d3b06"})
}

/// For each of `refusals` (a status and the server's words): [`answered_once`] with an
/// [`hpe_error`] body (`code`) holding them, asserting that `call` failed with an error whose
/// text holds the words. The errors, each beside its status, for the caller's own checks.
pub async fn refused_once<T, E, F, Fut>(
    (method, path): (Method, &str),
    refusals: &[(u16, &str)],
    code: &str,
    call: F,
) -> Vec<(u16, E)>
where
    E: std::fmt::Display,
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let method = method.to_string();
    let mut errors = Vec::new();
    for &(status, words) in refusals {
        let answer = (status, hpe_error(status, code, words));
        let Err(e) = answered_once(Method::from(method.as_str()), path, answer, &call).await else {
            panic!("{status} '{words}' is an error");
        };
        assert!(e.to_string().contains(words), "{e}");
        errors.push((status, e));
    }
    errors
}
