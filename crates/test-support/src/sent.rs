//! [`only_request`] and [`json_body`]: what a write's contract test reads of the request it
//! made, from a scripted [`Server`]'s record (the exact request, checked field by field, with
//! the difference shown when it fails).

use serde_json::Value;

use crate::{Recorded, Server};

/// The one request `server` received, asserting that there was exactly one and that it was
/// `method` `path` (the path without the query).
pub fn only_request(server: &Server, method: &str, path: &str) -> Recorded {
    let requests = server.requests();
    let [request] = &requests[..] else {
        panic!("one request, not {}: {requests:#?}", requests.len());
    };
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        (method, path),
        "the request line"
    );
    request.clone()
}

/// The JSON body of `request`; panics with the body's text when it is not JSON.
pub fn json_body(request: &Recorded) -> Value {
    serde_json::from_slice(&request.body)
        .unwrap_or_else(|e| panic!("a JSON body ({e}): {}", request.text()))
}
