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
