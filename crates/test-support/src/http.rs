//! A scripted HTTP server on a loopback port: ordered [`Reply`]s per route or for any request,
//! an optional handler for stateful fakes, and every request [`Recorded`].
//!
//! ```no_run
//! use test_support::{Reply, Server};
//!
//! let server = Server::start();
//! server
//!     .on("POST", "/token", [Reply::status(503), Reply::json(200, r#"{"ok":true}"#)])
//!     .always("GET", "/items", Reply::json(200, "[]"));
//! // ... point the client under test at server.base_url() ...
//! assert_eq!(server.count("POST", "/token"), 2);
//! ```
//!
//! A request is answered by, in this order: the first matching route with a queued reply (each
//! used once), the first matching route with an [`always`](Server::always) reply, the next
//! reply of the queue for any request ([`then`](Server::then)), the [`handler`](Server::handle);
//! else `418 script exhausted`, a status no client retries, so an unexpected request fails the
//! test that made it.

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method};
use axum::response::Response;

use crate::OwnRuntime;

mod reply;

pub use reply::Reply;

/// The status of an answer nobody scripted.
pub const EXHAUSTED: u16 = 418;

/// Requests bodies are read up to this size (bigger ones are recorded empty).
const MAX_RECORDED_BODY: usize = 16 << 20;

/// One request the server received.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// When it arrived.
    pub at: Instant,
    /// `GET`, `POST`, ...
    pub method: Method,
    /// The path, as sent.
    pub path: String,
    /// The raw query string (without `?`), as sent.
    pub query: Option<String>,
    /// Every header.
    pub headers: HeaderMap,
    /// The body (empty past 16 MiB).
    pub body: Vec<u8>,
}

impl Recorded {
    /// The first header called `name` (case-insensitive), when it is text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `Authorization` header, if any.
    pub fn authorization(&self) -> Option<&str> {
        self.header("authorization")
    }

    /// The bearer token, if any.
    pub fn bearer(&self) -> Option<&str> {
        let (scheme, token) = self.authorization()?.split_once(' ')?;
        scheme
            .eq_ignore_ascii_case("bearer")
            .then_some(token.trim())
    }

    /// The body as text (lossy UTF-8).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body, form-decoded.
    pub fn form(&self) -> BTreeMap<String, String> {
        form_pairs(&self.body)
    }

    /// The query, decoded.
    pub fn query_pairs(&self) -> BTreeMap<String, String> {
        form_pairs(self.query.as_deref().unwrap_or("").as_bytes())
    }

    /// The path and, when there is one, `?` and the query.
    pub fn path_and_query(&self) -> String {
        match &self.query {
            Some(q) => format!("{}?{q}", self.path),
            None => self.path.clone(),
        }
    }

    /// Everything received as text: request line, headers, body (for searches of leaks).
    pub fn as_text(&self) -> String {
        let mut s = format!("{} {}\n", self.method, self.path_and_query());
        for (k, v) in &self.headers {
            s.push_str(&format!("{k}: {}\n", String::from_utf8_lossy(v.as_bytes())));
        }
        s.push('\n');
        s.push_str(&self.text());
        s
    }
}

fn form_pairs(bytes: &[u8]) -> BTreeMap<String, String> {
    url::form_urlencoded::parse(bytes).into_owned().collect()
}

/// A stateful answer: `None` lets the request fall through to `418 script exhausted`.
pub type Handler = Arc<dyn Fn(&Recorded) -> Option<Reply> + Send + Sync>;

#[derive(Debug)]
struct RouteScript {
    method: Option<Method>,
    /// An exact path, or a prefix when it ends with `*`.
    path: String,
    queue: VecDeque<Reply>,
    always: Option<Reply>,
}

impl RouteScript {
    fn matches(&self, method: &Method, path: &str) -> bool {
        self.method.as_ref().is_none_or(|m| m == method) && path_matches(&self.path, path)
    }
}

fn path_matches(pattern: &str, path: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => path.starts_with(prefix),
        None => pattern == path,
    }
}

fn method_of(method: &str) -> Option<Method> {
    (method != "*").then(|| {
        Method::from_bytes(method.as_bytes())
            .unwrap_or_else(|e| panic!("not an HTTP method: {method:?}: {e}"))
    })
}

#[derive(Default)]
struct Script {
    routes: Vec<RouteScript>,
    any: VecDeque<Reply>,
    handler: Option<Handler>,
    requests: Vec<Recorded>,
    answered: Vec<Instant>,
}

impl Script {
    fn reply_for(&mut self, req: &Recorded) -> Option<Reply> {
        let matching = |r: &&mut RouteScript| r.matches(&req.method, &req.path);
        if let Some(route) = self
            .routes
            .iter_mut()
            .filter(matching)
            .find(|r| !r.queue.is_empty())
        {
            return route.queue.pop_front();
        }
        if let Some(reply) = self
            .routes
            .iter_mut()
            .filter(matching)
            .find_map(|r| r.always.clone())
        {
            return Some(reply);
        }
        self.any.pop_front()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The scripted server. Clones share it; it stops when the last clone is dropped.
#[derive(Clone)]
pub struct Server {
    addr: SocketAddr,
    base_url: String,
    script: Arc<Mutex<Script>>,
    _runtime: Arc<OwnRuntime>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl Server {
    /// Starts a server with nothing scripted on `127.0.0.1:0`, on its own runtime (so it
    /// works from plain and from async tests alike, and answers while a test blocks).
    pub fn start() -> Server {
        Server::start_on(&["127.0.0.1:0"])
    }

    /// A server answering any request with `replies`, in arrival order ([`then`](Self::then)).
    pub fn scripted(replies: impl IntoIterator<Item = Reply>) -> Server {
        let server = Server::start();
        server.then(replies);
        server
    }

    /// Starts a server on the first of `addrs` that can be bound (e.g.
    /// `["127.0.0.2:0", "127.0.0.1:0"]` for "another host" where the machine allows it).
    pub fn start_on(addrs: &[&str]) -> Server {
        let listener = crate::bind_first(addrs);
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("local address: {e}"));
        let runtime = OwnRuntime::new("http-server");
        let script = Arc::new(Mutex::new(Script::default()));
        let app = axum::Router::new()
            .fallback(answer)
            .with_state(script.clone());
        runtime.handle().spawn(async move {
            let listener = tokio::net::TcpListener::from_std(listener)
                .unwrap_or_else(|e| panic!("adopting the listener: {e}"));
            let _ = axum::serve(listener, app).await;
        });
        Server {
            addr,
            base_url: format!("http://{addr}"),
            script,
            _runtime: Arc::new(runtime),
        }
    }

    /// Queues `replies` for any request that no route answers, in arrival order.
    pub fn then(&self, replies: impl IntoIterator<Item = Reply>) -> &Server {
        lock(&self.script).any.extend(replies);
        self
    }

    /// Queues `replies` for `method` (`"*"`: any) on `path` (exact, or a prefix ending with
    /// `*`), each used once, in order. Routes are tried in the order they were first named.
    pub fn on(
        &self,
        method: &str,
        path: &str,
        replies: impl IntoIterator<Item = Reply>,
    ) -> &Server {
        self.with_route(method, path, |r| r.queue.extend(replies));
        self
    }

    /// Answers `method` on `path` with `reply` whenever its queue is empty, as often as asked.
    pub fn always(&self, method: &str, path: &str, reply: Reply) -> &Server {
        self.with_route(method, path, |r| r.always = Some(reply));
        self
    }

    /// Answers what nothing scripted answers with `handler` (a stateful fake); `None` from it
    /// is `418 script exhausted`.
    pub fn handle(
        &self,
        handler: impl Fn(&Recorded) -> Option<Reply> + Send + Sync + 'static,
    ) -> &Server {
        lock(&self.script).handler = Some(Arc::new(handler));
        self
    }

    fn with_route(&self, method: &str, path: &str, f: impl FnOnce(&mut RouteScript)) {
        let method = method_of(method);
        let mut script = lock(&self.script);
        let index = match script
            .routes
            .iter()
            .position(|r| r.method == method && r.path == path)
        {
            Some(i) => i,
            None => {
                script.routes.push(RouteScript {
                    method,
                    path: path.to_owned(),
                    queue: VecDeque::new(),
                    always: None,
                });
                script.routes.len() - 1
            }
        };
        f(&mut script.routes[index]);
    }

    /// `http://HOST:PORT`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// `http://HOST:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The IP address it listens on, as text (`127.0.0.1`, `127.0.0.2`).
    pub fn host(&self) -> String {
        self.addr.ip().to_string()
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        lock(&self.script).requests.clone()
    }

    /// The requests for `method` (`"*"`: any) on `path` (exact, or a prefix ending with `*`).
    pub fn requests_to(&self, method: &str, path: &str) -> Vec<Recorded> {
        let method = method_of(method);
        lock(&self.script)
            .requests
            .iter()
            .filter(|r| {
                method.as_ref().is_none_or(|m| *m == r.method) && path_matches(path, &r.path)
            })
            .cloned()
            .collect()
    }

    /// How many requests for `method` on `path` arrived ([`requests_to`](Self::requests_to)).
    pub fn count(&self, method: &str, path: &str) -> usize {
        self.requests_to(method, path).len()
    }

    /// When each answer was handed to the HTTP server (after its delay), in order.
    pub fn answered(&self) -> Vec<Instant> {
        lock(&self.script).answered.clone()
    }

    /// How many queued replies are still unused (every route's and the queue for any request).
    pub fn remaining(&self) -> usize {
        let script = lock(&self.script);
        script.any.len() + script.routes.iter().map(|r| r.queue.len()).sum::<usize>()
    }

    /// Blocks until `done` holds for the requests received; polls every 10 ms. Past `hang_guard`
    /// it panics with `what` (a guard against a test that would never end, not a bound on
    /// speed: give it minutes).
    pub fn wait_until(&self, what: &str, hang_guard: Duration, done: impl Fn(&[Recorded]) -> bool) {
        let started = Instant::now();
        while !done(&lock(&self.script).requests) {
            assert!(
                started.elapsed() < hang_guard,
                "hang guard: {what} did not happen within {hang_guard:?}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

async fn answer(State(script): State<Arc<Mutex<Script>>>, request: Request) -> Response {
    let at = Instant::now();
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, MAX_RECORDED_BODY)
        .await
        .map(|b| b.to_vec())
        .unwrap_or_default();
    let recorded = Recorded {
        at,
        method: parts.method,
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts.headers,
        body,
    };
    let (reply, handler) = {
        let mut s = lock(&script);
        s.requests.push(recorded.clone());
        (s.reply_for(&recorded), s.handler.clone())
    };
    // The handler runs without the lock: it may look at the server's requests.
    let reply = reply.or_else(|| handler.and_then(|h| h(&recorded)));
    let Some(reply) = reply else {
        return Reply::raw(EXHAUSTED, "text/plain", "script exhausted")
            .into_response()
            .await;
    };
    let response = reply.into_response().await;
    lock(&script).answered.push(Instant::now());
    response
}

#[cfg(test)]
mod tests;
