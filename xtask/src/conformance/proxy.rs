//! The two small forwarders around each Prism: the client talks to a front one, which records
//! every exchange with the violations Prism reports (its `sl-violations` header, or the
//! `validation` of the error it answers with `--errors`), and Prism's upstream is a back one in
//! front of the simulator.
//!
//! Central's cluster prefix (`/clusters/{name}/...`, how the simulator serves several clusters)
//! is not part of HPE's paths: the front forwarder takes it off and passes it in the
//! `x-conformance-cluster` header, the back one puts it back. A request no spec has an
//! operation for (the token endpoint, the MSP device inventory) goes around Prism and is listed
//! as not checked.

use std::sync::{Arc, Mutex, PoisonError};

use anyhow::{Context as _, Result};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::Response;
use serde_json::Value;

use super::specs::Merged;

/// The header that carries a Central cluster prefix through Prism.
const CLUSTER_HEADER: &str = "x-conformance-cluster";

/// One violation Prism reported.
#[derive(Debug, Clone)]
pub(crate) struct Violation {
    /// `request` or `response`.
    pub(crate) direction: String,
    /// Where, with item indices replaced by `[]` (`body.items[].id`).
    pub(crate) location: String,
    /// The rule (`required`, `enum`, `type`, ...).
    pub(crate) rule: String,
    /// `Error` or `Warning`.
    pub(crate) severity: String,
    /// Prism's message.
    pub(crate) message: String,
}

/// One exchange seen by a front forwarder.
#[derive(Debug, Clone)]
pub(crate) struct Exchange {
    /// `GreenLake` or `Central`.
    pub(crate) api: &'static str,
    /// `GET /path?query` as the client sent it.
    pub(crate) request: String,
    /// The operation (`GET /template (operationId)`), `None` when no spec has it.
    pub(crate) operation: Option<String>,
    /// The status the client got.
    pub(crate) status: u16,
    /// What Prism reported.
    pub(crate) violations: Vec<Violation>,
}

/// Everything the front forwarders saw.
pub(crate) type Log = Arc<Mutex<Vec<Exchange>>>;

/// A front forwarder: requests with an operation in `spec` go to `prism`, the others to
/// `back`; every exchange goes to `log`.
#[derive(Clone)]
pub(crate) struct Front {
    /// `GreenLake` or `Central`.
    pub(crate) api: &'static str,
    /// The API's merged spec.
    pub(crate) spec: Arc<Merged>,
    /// Prism's base URL.
    pub(crate) prism: String,
    /// The back forwarder's base URL.
    pub(crate) back: String,
    /// The HTTP client that forwards.
    pub(crate) http: reqwest::Client,
    /// Where the exchanges go.
    pub(crate) log: Log,
}

#[derive(Clone)]
struct Back {
    sim: String,
    http: reqwest::Client,
}

/// An HTTP client that follows no redirect (the client under test must see them).
pub(crate) fn http_client() -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .context("building the forwarders' HTTP client")
}

/// Serves `router` on 127.0.0.1:0; returns its base URL.
async fn serve(router: Router) -> Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .context("binding a forwarder")?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, router).await });
    Ok(format!("http://{addr}"))
}

/// Starts the back forwarder (Prism's upstream) in front of the simulator at `sim`.
pub(crate) async fn start_back(sim: &str, http: reqwest::Client) -> Result<String> {
    let state = Back {
        sim: sim.trim_end_matches('/').to_owned(),
        http,
    };
    serve(Router::new().fallback(back).with_state(state)).await
}

/// Starts the front forwarder `state`; returns its base URL.
pub(crate) async fn start_front(state: Front) -> Result<String> {
    serve(Router::new().fallback(front).with_state(state)).await
}

/// `(cluster, rest)` of a `/clusters/{cluster}/...` path.
fn split_cluster(path: &str) -> Option<(&str, &str)> {
    let rest = path.strip_prefix("/clusters/")?;
    let slash = rest.find('/')?;
    Some((&rest[..slash], &rest[slash..]))
}

async fn front(State(f): State<Front>, req: Request) -> Response {
    let (method, full, query) = request_line(&req);
    let (cluster, path) = match split_cluster(&full) {
        Some((c, rest)) if f.api == "Central" => (Some(c.to_owned()), rest.to_owned()),
        _ => (None, full.clone()),
    };
    let operation = f.spec.operation(method.as_str(), &path);
    let (mut headers, body) = parts(req).await;
    if let Some(c) = &cluster
        && let Ok(v) = HeaderValue::from_str(c)
    {
        headers.insert(HeaderName::from_static(CLUSTER_HEADER), v);
    }
    let base = if operation.is_some() {
        &f.prism
    } else {
        &f.back
    };
    let url = format!("{base}{path}{query}");
    let answer = send(&f.http, method.clone(), &url, headers, body).await;
    let violations = answer
        .as_ref()
        .map(|(_, h, b)| violations(h, b))
        .unwrap_or_default();
    let status = answer.as_ref().map_or(502, |(s, _, _)| s.as_u16());
    f.log
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(Exchange {
            api: f.api,
            request: format!("{method} {full}{query}"),
            operation,
            status,
            violations,
        });
    respond(answer)
}

async fn back(State(b): State<Back>, req: Request) -> Response {
    let (method, path, query) = request_line(&req);
    let (mut headers, body) = parts(req).await;
    let prefix = headers
        .remove(CLUSTER_HEADER)
        .and_then(|v| v.to_str().ok().map(|c| format!("/clusters/{c}")))
        .unwrap_or_default();
    let url = format!("{}{prefix}{path}{query}", b.sim);
    respond(send(&b.http, method, &url, headers, body).await)
}

/// The method, path and query (with its `?`; empty without one) of `req`.
fn request_line(req: &Request) -> (Method, String, String) {
    let uri = req.uri();
    let query = uri.query().map(|q| format!("?{q}")).unwrap_or_default();
    (req.method().clone(), uri.path().to_owned(), query)
}

async fn parts(req: Request) -> (HeaderMap, Bytes) {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let mut headers = parts.headers;
    for h in ["host", "content-length", "connection", "transfer-encoding"] {
        headers.remove(h);
    }
    (headers, bytes)
}

type Answer = (StatusCode, HeaderMap, Bytes);

async fn send(
    http: &reqwest::Client,
    method: axum::http::Method,
    url: &str,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Answer, String> {
    let response = http
        .request(method, url)
        .headers(headers)
        .body(body)
        .send()
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.bytes().await.map_err(|e| format!("{url}: {e}"))?;
    Ok((status, headers, body))
}

fn respond(answer: Result<Answer, String>) -> Response {
    match answer {
        Ok((status, headers, body)) => {
            let mut response = Response::new(Body::from(body));
            *response.status_mut() = status;
            for (k, v) in &headers {
                if !matches!(
                    k.as_str(),
                    "content-length" | "transfer-encoding" | "connection" | "keep-alive"
                ) {
                    response.headers_mut().append(k.clone(), v.clone());
                }
            }
            response
        }
        Err(e) => {
            let mut response = Response::new(Body::from(e));
            *response.status_mut() = StatusCode::BAD_GATEWAY;
            response
        }
    }
}

/// The violations in Prism's `sl-violations` header (possibly `Too many violations! [...]`,
/// cut short), else in the `validation` of its problem+json error.
fn violations(headers: &HeaderMap, body: &Bytes) -> Vec<Violation> {
    let from_header = headers
        .get("sl-violations")
        .and_then(|v| v.to_str().ok())
        .map(parse_header);
    if let Some(v) = from_header.filter(|v| !v.is_empty()) {
        return v;
    }
    let is_problem = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.contains("problem+json"));
    if !is_problem {
        return Vec::new();
    }
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("validation").cloned())
        .and_then(|v| v.as_array().cloned())
        .map(|items| items.iter().map(violation).collect())
        .unwrap_or_default()
}

fn parse_header(text: &str) -> Vec<Violation> {
    let (truncated, json) = match text.strip_prefix("Too many violations! ") {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let mut out: Vec<Violation> = match serde_json::from_str::<Vec<Value>>(json) {
        Ok(items) => items.iter().map(violation).collect(),
        // Cut short: what can be read, object by object.
        Err(_) => json
            .split("},{")
            .filter_map(|chunk| {
                let chunk = chunk.trim_start_matches('[').trim_end_matches(']');
                let chunk = format!(
                    "{{{}}}",
                    chunk.trim_start_matches('{').trim_end_matches('}')
                );
                serde_json::from_str::<Value>(&chunk).ok()
            })
            .map(|v| violation(&v))
            .collect(),
    };
    if truncated {
        out.push(Violation {
            direction: "response".into(),
            location: "(header)".into(),
            rule: "too-many".into(),
            severity: "Error".into(),
            message: "Prism cut its list of violations short".into(),
        });
    }
    out
}

fn violation(v: &Value) -> Violation {
    let location: Vec<String> = v["location"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| match p {
            Value::String(s) if s.parse::<u64>().is_ok() => "[]".to_owned(),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect();
    // The `validation` of a 422 (`--errors`) names the request's part without `request` first.
    let (direction, location) = match location.first().map(String::as_str) {
        Some("request" | "response") => (location[0].clone(), location[1..].to_vec()),
        _ => ("request".to_owned(), location),
    };
    let rule = match &v["code"] {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    let message = v["message"].as_str().unwrap_or_default().to_owned();
    let mut location = location.join(".").replace(".[]", "[]");
    // A missing property is named in the message only: `... must have required property 'id'`.
    if rule == "required"
        && let Some(name) = message.rsplit('\'').nth(1)
    {
        location = format!("{location}.{name}");
    }
    Violation {
        location,
        direction,
        rule,
        severity: v["severity"].as_str().unwrap_or("Error").to_owned(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_violations_are_read_even_when_cut_short() {
        let full = r#"[{"location":["response","body","items","0"],"severity":"Error","code":"required","message":"Response body property items.0 must have required property 'id'"}]"#;
        let v = parse_header(full);
        assert_eq!(v.len(), 1);
        assert_eq!(
            (
                v[0].direction.as_str(),
                v[0].location.as_str(),
                v[0].rule.as_str()
            ),
            ("response", "body.items[].id", "required")
        );
        let cut = r#"Too many violations! [{"location":["request","query"],"severity":"Error","code":"required","message":"a"},{"location":["resp"#;
        let v = parse_header(cut);
        assert_eq!(v[0].direction, "request");
        assert_eq!(v.last().map(|x| x.rule.as_str()), Some("too-many"));
        // A 422's validation: the request's, though it does not say so.
        let v = violation(&serde_json::json!({"location": ["body", "region"], "code": "type"}));
        assert_eq!(
            (v.direction.as_str(), v.location.as_str()),
            ("request", "body.region")
        );
        assert_eq!(
            split_cluster("/clusters/eu-1/network-msp/v1/x"),
            Some(("eu-1", "/network-msp/v1/x"))
        );
        assert_eq!(split_cluster("/network-msp/v1/x"), None);
    }
}
