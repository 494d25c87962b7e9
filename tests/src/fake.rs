//! A scripted fake GreenLake + Central ([`Fake`]) and a capture server ([`Capture`]) for the
//! hostile scenarios.
//!
//! [`Fake`] listens on `127.0.0.1:0` and plays just enough of the real flow for
//! `msp-orchestrator` to work when nothing attacks it: the client-credentials grant, the token
//! exchange (workspace id without hyphens), `workspaces/v1/msp-tenants` (offset paging),
//! `network-msp/v1/list-tenants` and `network-monitoring/v1/device-inventory` (`next` paging).
//! A test replaces the answer of any [`Route`] with a [`Script`], which sees the request, the
//! platform (counters, issued tokens, the default answer) and returns a [`Reply`]: a status,
//! headers, a body, or a huge body streamed chunk by chunk (never held in memory).
//!
//! [`Capture`] listens on a second loopback address (`127.0.0.2:0`, else a second port on
//! `127.0.0.1`) and records every request it receives; it answers with plausible data marked
//! [`CAPTURED`], so a client that follows a redirect there shows it in its output too.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, Request, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};

use crate::{Bins, HarnessError, Result};

/// The fake MSP's API client id.
pub const CLIENT_ID: &str = "hostile-client-5c1d7e";
/// The fake MSP's client secret: distinctive, and changed by form encoding (`+`, `/`, `=`), so
/// every form of it can be searched for.
pub const CLIENT_SECRET: &str = "HOSTILE-SECRET+q8Z/w2=vN5tKpL9mR";
/// The fake MSP workspace id.
pub const MSP_WORKSPACE: &str = "7a1c0e5d-2b3f-4c6d-8e9f-0a1b2c3d4e5f";
/// The marker in everything the capture server answers.
pub const CAPTURED: &str = "CAPTURED-BY-THE-OTHER-HOST";

/// What a request is, by path (and grant type on the token endpoint).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Route {
    /// `POST /authorization/v2/oauth2/{workspace}/token`, `grant_type=client_credentials`.
    Token,
    /// The same URL, `grant_type=urn:ietf:params:oauth:grant-type:token-exchange`.
    Exchange,
    /// `GET /workspaces/v1/msp-tenants`.
    MspTenants,
    /// `GET /network-msp/v1/list-tenants`.
    ListTenants,
    /// `GET /network-monitoring/v1/device-inventory`.
    DeviceInventory,
    /// Anything else.
    Other,
}

impl Route {
    fn of(path: &str, body: &[u8]) -> Route {
        if path.starts_with("/authorization/") && path.ends_with("/token") {
            let form = form_pairs(body);
            return match form.get("grant_type").map(String::as_str) {
                Some("client_credentials") => Route::Token,
                Some(g) if g.contains("token-exchange") => Route::Exchange,
                _ => Route::Token,
            };
        }
        match path.trim_end_matches('/') {
            "/workspaces/v1/msp-tenants" => Route::MspTenants,
            "/network-msp/v1/list-tenants" => Route::ListTenants,
            "/network-monitoring/v1/device-inventory" => Route::DeviceInventory,
            _ => Route::Other,
        }
    }
}

/// One request as received.
#[derive(Debug, Clone)]
pub struct Received {
    /// Its route.
    pub route: Route,
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path.
    pub path: String,
    /// The raw query (without `?`).
    pub query: String,
    /// Every header, in order (values lossy UTF-8).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Received {
    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The form body, decoded.
    pub fn form(&self) -> BTreeMap<String, String> {
        form_pairs(&self.body)
    }

    /// The query, decoded.
    pub fn query_pairs(&self) -> BTreeMap<String, String> {
        form_pairs(self.query.as_bytes())
    }

    /// The bearer token, if any.
    pub fn bearer(&self) -> Option<&str> {
        let v = self.header("authorization")?;
        let (scheme, token) = v.split_once(' ')?;
        scheme
            .eq_ignore_ascii_case("bearer")
            .then_some(token.trim())
    }

    /// The `{workspace}` of a token URL.
    pub fn token_workspace(&self) -> Option<&str> {
        self.path
            .strip_prefix("/authorization/v2/oauth2/")?
            .strip_suffix("/token")
    }

    /// Everything received, as text: request line, headers, body (for leak searches).
    pub fn as_text(&self) -> String {
        let mut s = format!("{} {}?{}\n", self.method, self.path, self.query);
        for (k, v) in &self.headers {
            s.push_str(&format!("{k}: {v}\n"));
        }
        s.push('\n');
        s.push_str(&String::from_utf8_lossy(&self.body));
        s
    }
}

fn form_pairs(bytes: &[u8]) -> BTreeMap<String, String> {
    url::form_urlencoded::parse(bytes).into_owned().collect()
}

/// What the fake answers.
#[derive(Debug, Clone)]
pub struct Reply {
    status: u16,
    headers: Vec<(String, Vec<u8>)>,
    body: ReplyBody,
    delay: Duration,
}

#[derive(Debug, Clone)]
enum ReplyBody {
    Bytes(Vec<u8>),
    /// `prefix`, then `item` over and over, `total` bytes in all (the last item cut).
    Stream {
        prefix: Vec<u8>,
        item: Vec<u8>,
        total: u64,
        content_length: bool,
    },
}

impl Reply {
    /// `status` with a JSON body.
    pub fn json(status: u16, body: &Value) -> Reply {
        Reply::raw(status, "application/json", body.to_string().into_bytes())
    }

    /// `status` with `body` of `content_type`.
    pub fn raw(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status,
            headers: vec![("content-type".into(), content_type.as_bytes().to_vec())],
            body: ReplyBody::Bytes(body.into()),
            delay: Duration::ZERO,
        }
    }

    /// A redirect (`301`, `302`, `303`, `307`, `308`) to `location`.
    pub fn redirect(status: u16, location: &str) -> Reply {
        Reply::raw(status, "text/plain", "moved").header("location", location)
    }

    /// A 200 of `content_type` whose body is `prefix` then `item` repeated, `total` bytes in all,
    /// generated chunk by chunk; with `content_length`, its `Content-Length` says `total`.
    pub fn stream(prefix: &str, item: &str, total: u64, content_length: bool) -> Reply {
        Reply {
            status: 200,
            headers: vec![("content-type".into(), b"application/json".to_vec())],
            body: ReplyBody::Stream {
                prefix: prefix.as_bytes().to_vec(),
                item: item.as_bytes().to_vec(),
                total,
                content_length,
            },
            delay: Duration::ZERO,
        }
    }

    /// Adds a header (the value may hold any bytes a header can).
    pub fn header(mut self, name: &str, value: impl AsRef<[u8]>) -> Reply {
        self.headers
            .push((name.to_ascii_lowercase(), value.as_ref().to_vec()));
        self
    }

    /// Answers after `delay`.
    pub fn delay(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }

    /// Its status.
    pub fn status(&self) -> u16 {
        self.status
    }

    async fn into_response(self) -> Response {
        if !self.delay.is_zero() {
            tokio::time::sleep(self.delay).await;
        }
        let mut headers = self.headers;
        let body = match self.body {
            ReplyBody::Bytes(b) => Body::from(b),
            ReplyBody::Stream {
                prefix,
                item,
                total,
                content_length,
            } => {
                if content_length {
                    headers.push(("content-length".into(), total.to_string().into_bytes()));
                }
                Body::from_stream(generate(prefix, item, total))
            }
        };
        let mut response = Response::new(body);
        *response.status_mut() =
            StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        for (name, value) in headers {
            if let (Ok(n), Ok(v)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_bytes(&value),
            ) {
                response.headers_mut().append(n, v);
            }
        }
        response
    }
}

/// `prefix`, then `item` repeated, `total` bytes, in chunks of about 64 KiB that share one
/// buffer.
fn generate(
    prefix: Vec<u8>,
    item: Vec<u8>,
    total: u64,
) -> impl futures::Stream<Item = std::io::Result<Bytes>> + Send {
    let mut block = Vec::with_capacity(64 * 1024 + item.len());
    while block.len() < 64 * 1024 && !item.is_empty() {
        block.extend_from_slice(&item);
    }
    let block = Bytes::from(block);
    let first = Bytes::from(prefix);
    futures::stream::unfold((Some(first), 0u64), move |(first, sent)| {
        let block = block.clone();
        async move {
            if sent >= total {
                return None;
            }
            let left = total - sent;
            let chunk = first.filter(|b| !b.is_empty()).unwrap_or(block);
            if chunk.is_empty() {
                return None;
            }
            let take = usize::try_from(left.min(chunk.len() as u64)).unwrap_or(chunk.len());
            let chunk = chunk.slice(..take);
            Some((Ok(chunk), (None, sent + take as u64)))
        }
    })
}

/// One tenant of the fake MSP.
#[derive(Debug, Clone)]
pub struct FakeTenant {
    /// GreenLake workspace id (hyphenated UUID), as msp-tenants lists it.
    pub id: String,
    /// `workspaceName` (and Central's `tenantName`).
    pub name: String,
    /// Central's `tenantId` (differs from the workspace id, as on the real platform).
    pub central_id: String,
    /// Devices in its inventory.
    pub devices: usize,
}

impl FakeTenant {
    /// Tenant `i` (0-based) named `name`.
    pub fn new(i: usize, name: impl Into<String>) -> FakeTenant {
        FakeTenant {
            id: format!("3f2a6c1e-0b4d-4e7a-9c2b-{:012x}", 0x5000_0000 + i),
            name: name.into(),
            central_id: format!("c0ffee00{:024x}", 0x7000 + i),
            devices: 3,
        }
    }

    /// The workspace id without hyphens (as the token exchange URL carries it).
    pub fn compact_id(&self) -> String {
        self.id.replace('-', "")
    }

    /// The serial number of its device `k`.
    pub fn serial(&self, k: usize) -> String {
        format!("SN{}D{k:04}", &self.central_id[self.central_id.len() - 6..])
    }
}

/// How the fake platform is set up.
#[derive(Debug, Clone)]
pub struct Setup {
    /// The tenants, in listing order (a tenant may appear twice).
    pub tenants: Vec<FakeTenant>,
    /// At most this many msp-tenants items per page, whatever `limit` asks (servers cap it).
    pub glp_page_size: usize,
    /// At most this many devices per device-inventory page.
    pub central_page_size: usize,
    /// Every device-inventory answer waits this long.
    pub device_latency: Duration,
    /// `expires_in` of every token answer.
    pub expires_in: Value,
}

impl Setup {
    /// `n` tenants named `Tenant 0`...
    pub fn tenants(n: usize) -> Setup {
        Setup {
            tenants: (0..n)
                .map(|i| FakeTenant::new(i, format!("Tenant {i}")))
                .collect(),
            ..Setup::default()
        }
    }
}

impl Default for Setup {
    fn default() -> Setup {
        Setup {
            tenants: Vec::new(),
            glp_page_size: 100,
            central_page_size: 100,
            device_latency: Duration::ZERO,
            expires_in: json!(900),
        }
    }
}

/// A test's answer for a route: `None` means the platform's default answer.
pub type Script = Arc<dyn Fn(&Received, &Platform) -> Option<Reply> + Send + Sync>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Subject {
    Msp,
    Tenant(usize),
}

#[derive(Default)]
struct Recorded {
    counts: BTreeMap<Route, u64>,
    received: Vec<Received>,
    tokens: HashMap<String, Subject>,
    issued: Vec<String>,
    devices_served: HashMap<usize, u64>,
}

/// The fake platform's state, as scripts see it.
pub struct Platform {
    setup: Setup,
    recorded: Mutex<Recorded>,
    scripts: Mutex<HashMap<Route, Script>>,
    serial: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Platform {
    /// The setup.
    pub fn setup(&self) -> &Setup {
        &self.setup
    }

    /// Requests received on `route` so far (the one being answered included).
    pub fn count(&self, route: Route) -> u64 {
        lock(&self.recorded)
            .counts
            .get(&route)
            .copied()
            .unwrap_or(0)
    }

    /// Every request received so far.
    pub fn received(&self) -> Vec<Received> {
        lock(&self.recorded).received.clone()
    }

    /// Every token issued so far.
    pub fn issued_tokens(&self) -> Vec<String> {
        lock(&self.recorded).issued.clone()
    }

    /// The tenant whose token `req` carries, if any.
    pub fn tenant_of(&self, req: &Received) -> Option<usize> {
        let token = req.bearer()?;
        match lock(&self.recorded).tokens.get(token) {
            Some(Subject::Tenant(i)) => Some(*i),
            _ => None,
        }
    }

    /// device-inventory requests made with tenant `i`'s token.
    pub fn device_requests(&self, i: usize) -> u64 {
        lock(&self.recorded)
            .devices_served
            .get(&i)
            .copied()
            .unwrap_or(0)
    }

    fn issue(&self, subject: Subject) -> String {
        let n = self.serial.fetch_add(1, Ordering::Relaxed) + 1;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let token = match subject {
            Subject::Msp => format!("HOSTILEmspTOKEN{n:04}x{nanos:08x}"),
            Subject::Tenant(i) => format!("HOSTILEtenantTOKEN{n:04}t{i}x{nanos:08x}"),
        };
        let mut r = lock(&self.recorded);
        r.tokens.insert(token.clone(), subject);
        r.issued.push(token.clone());
        token
    }

    fn subject(&self, req: &Received) -> Option<Subject> {
        lock(&self.recorded).tokens.get(req.bearer()?).copied()
    }

    /// What the platform answers `req` when no script replaces it.
    pub fn default_reply(&self, req: &Received) -> Reply {
        match req.route {
            Route::Token => self.client_credentials(req),
            Route::Exchange => self.exchange(req),
            Route::MspTenants => self.msp_tenants(req),
            Route::ListTenants => self.list_tenants(req),
            Route::DeviceInventory => self.device_inventory(req),
            Route::Other => glp_error(404, "HPE_GL_NOT_FOUND", "no such API in the fake"),
        }
    }

    fn token_answer(&self, subject: Subject) -> Reply {
        let token = self.issue(subject);
        Reply::json(
            200,
            &json!({
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": self.setup.expires_in,
            }),
        )
        .header("cache-control", "no-store")
    }

    fn client_credentials(&self, req: &Received) -> Reply {
        let form = req.form();
        let (id, secret) = match req.header("authorization").and_then(basic) {
            Some(pair) => pair,
            None => (
                form.get("client_id").cloned().unwrap_or_default(),
                form.get("client_secret").cloned().unwrap_or_default(),
            ),
        };
        if id != CLIENT_ID || secret != CLIENT_SECRET {
            return oauth_error(401, "invalid_client", "client authentication failed");
        }
        let ws = req.token_workspace().unwrap_or("").replace('-', "");
        if ws != MSP_WORKSPACE.replace('-', "") {
            return oauth_error(401, "invalid_client", "not registered in that workspace");
        }
        self.token_answer(Subject::Msp)
    }

    fn exchange(&self, req: &Received) -> Reply {
        let ws = req.token_workspace().unwrap_or("");
        if ws.contains('-') {
            return oauth_error(400, "invalid_request", "hyphens in the workspace id");
        }
        let form = req.form();
        let subject = form.get("subject_token").map(String::as_str).unwrap_or("");
        let is_msp = matches!(lock(&self.recorded).tokens.get(subject), Some(Subject::Msp));
        if !is_msp {
            return oauth_error(400, "invalid_grant", "the subject token is not valid");
        }
        match self.setup.tenants.iter().position(|t| t.compact_id() == ws) {
            Some(i) => self.token_answer(Subject::Tenant(i)),
            None => oauth_error(400, "invalid_target", "not a tenant of this MSP"),
        }
    }

    fn msp_tenants(&self, req: &Received) -> Reply {
        if self.subject(req) != Some(Subject::Msp) {
            return glp_error(401, "HPE_GL_UNAUTHORIZED", "missing or invalid MSP token");
        }
        let q = req.query_pairs();
        let offset: usize = q.get("offset").and_then(|v| v.parse().ok()).unwrap_or(0);
        let limit: usize = q.get("limit").and_then(|v| v.parse().ok()).unwrap_or(100);
        let size = limit.clamp(1, 300).min(self.setup.glp_page_size);
        let all = &self.setup.tenants;
        let items: Vec<Value> = all
            .iter()
            .skip(offset)
            .take(size)
            .map(msp_tenant_item)
            .collect();
        Reply::json(
            200,
            &json!({"offset": offset, "count": items.len(), "total": all.len(), "items": items}),
        )
    }

    fn list_tenants(&self, req: &Received) -> Reply {
        if self.subject(req) != Some(Subject::Msp) {
            return glp_error(401, "HPE_GL_UNAUTHORIZED", "missing or invalid MSP token");
        }
        let q = req.query_pairs();
        // The live gateway answers 400 without `next` (and without `limit`).
        let (Some(next), Some(limit)) = (
            q.get("next").and_then(|v| v.parse::<usize>().ok()),
            q.get("limit").and_then(|v| v.parse::<usize>().ok()),
        ) else {
            return glp_error(
                400,
                "HPE_GL_ERROR_BAD_REQUEST",
                "limit and next are required",
            );
        };
        let size = limit.clamp(1, 100);
        let all = &self.setup.tenants;
        let start = next.saturating_sub(1).saturating_mul(size);
        let items: Vec<Value> = all
            .iter()
            .skip(start)
            .take(size)
            .map(|t| central_tenant_item(&t.central_id, &t.name))
            .collect();
        let more = start + items.len() < all.len();
        Reply::json(
            200,
            &json!({"items": items, "count": items.len(), "total": all.len(),
                    "next": if more { json!(next + 1) } else { Value::Null }}),
        )
    }

    fn device_inventory(&self, req: &Received) -> Reply {
        let Some(Subject::Tenant(i)) = self.subject(req) else {
            return glp_error(
                401,
                "HPE_GL_UNAUTHORIZED",
                "missing or invalid tenant token",
            );
        };
        *lock(&self.recorded).devices_served.entry(i).or_default() += 1;
        let tenant = &self.setup.tenants[i];
        let q = req.query_pairs();
        let next: usize = q.get("next").and_then(|v| v.parse().ok()).unwrap_or(1);
        let limit: usize = q.get("limit").and_then(|v| v.parse().ok()).unwrap_or(100);
        let size = limit.clamp(1, 1000).min(self.setup.central_page_size);
        let start = next.saturating_sub(1).saturating_mul(size);
        let end = (start + size).min(tenant.devices);
        let items: Vec<Value> = (start.min(end)..end)
            .map(|k| device_item(&tenant.serial(k), &format!("ap-{k}")))
            .collect();
        let more = end < tenant.devices;
        Reply::json(
            200,
            &json!({"items": items, "count": items.len(), "total": tenant.devices,
                    "next": if more { json!((next + 1).to_string()) } else { Value::Null }}),
        )
        .delay(self.setup.device_latency)
    }
}

fn basic(value: &str) -> Option<(String, String)> {
    use base64::Engine as _;
    let (scheme, rest) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let raw = base64::engine::general_purpose::STANDARD
        .decode(rest.trim())
        .ok()?;
    let raw = String::from_utf8(raw).ok()?;
    let (id, secret) = raw.split_once(':')?;
    let decode = |s: &str| -> String {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    Some((decode(id), decode(secret)))
}

/// An msp-tenants item.
pub fn msp_tenant_item(t: &FakeTenant) -> Value {
    json!({
        "id": t.id,
        "type": "TENANT",
        "generation": 1,
        "createdAt": "2026-01-02T03:04:05Z",
        "updatedAt": "2026-01-02T03:04:05Z",
        "workspaceName": t.name,
        "createdBy": "fake@example.com",
        "resourceUri": format!("/workspaces/v1/msp-tenants/{}", t.id),
        "inventoryOwnership": "MSP_OWNED_INVENTORY",
    })
}

/// A list-tenants item.
pub fn central_tenant_item(tenant_id: &str, name: &str) -> Value {
    json!({
        "tenantId": tenant_id,
        "tenantName": name,
        "totalSites": 1,
        "degradedSites": 0,
        "deviceOwnership": "MSP_OWNED",
        "deviceHealthStatus": {"total": 3, "good": 3, "fair": 0, "poor": 0},
        "alerts": {"total": 0, "critical": 0, "major": 0, "minor": 0},
        "lastUpdatedTime": 1_767_000_000,
        "createdTime": 1_767_000_000,
    })
}

/// A device-inventory item.
pub fn device_item(serial: &str, name: &str) -> Value {
    json!({
        "serialNumber": serial,
        "macAddress": "00:11:22:33:44:55",
        "deviceName": name,
        "deviceType": "ACCESS_POINT",
        "model": "AP-515",
        "status": "ONLINE",
    })
}

/// An OAuth error answer (RFC 6749 §5.2).
pub fn oauth_error(status: u16, error: &str, description: &str) -> Reply {
    Reply::json(
        status,
        &json!({"error": error, "error_description": description}),
    )
}

/// A GreenLake error answer.
pub fn glp_error(status: u16, code: &str, message: &str) -> Reply {
    Reply::json(
        status,
        &json!({"httpStatusCode": status, "errorCode": code, "message": message,
                "debugId": "fake-debug-id", "errorDetails": []}),
    )
}

/// A server on its own runtime, stopped when dropped.
struct Server {
    addr: SocketAddr,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Server {
    fn start(addrs: &[&str], router: axum::Router) -> Result<Server> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(HarnessError::io("starting a runtime for a fake server"))?;
        let mut last = None;
        let mut bound = None;
        for addr in addrs {
            match runtime.block_on(tokio::net::TcpListener::bind(*addr)) {
                Ok(l) => {
                    bound = Some(l);
                    break;
                }
                Err(e) => last = Some(e),
            }
        }
        let listener = bound.ok_or_else(|| HarnessError::Io {
            what: format!("binding one of {addrs:?}"),
            source: last.unwrap_or_else(|| std::io::Error::other("no address")),
        })?;
        let addr = listener
            .local_addr()
            .map_err(HarnessError::io("reading the listener's address"))?;
        runtime.spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Ok(Server {
            addr,
            runtime: Some(runtime),
        })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

async fn read(req: Request<Body>) -> Received {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20)
        .await
        .map(|b| b.to_vec())
        .unwrap_or_default();
    let path = parts.uri.path().to_owned();
    Received {
        route: Route::of(&path, &body),
        method: parts.method.to_string(),
        query: parts.uri.query().unwrap_or("").to_owned(),
        path,
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body,
    }
}

async fn serve_fake(State(p): State<Arc<Platform>>, req: Request<Body>) -> Response {
    let req = read(req).await;
    {
        let mut r = lock(&p.recorded);
        *r.counts.entry(req.route).or_default() += 1;
        r.received.push(req.clone());
    }
    let script = lock(&p.scripts).get(&req.route).cloned();
    let reply = script
        .and_then(|s| s(&req, &p))
        .unwrap_or_else(|| p.default_reply(&req));
    reply.into_response().await
}

/// The scripted fake GreenLake + Central on `127.0.0.1:0`.
pub struct Fake {
    platform: Arc<Platform>,
    server: Server,
}

impl Fake {
    /// Starts the fake with `setup`.
    pub fn start(setup: Setup) -> Result<Fake> {
        let platform = Arc::new(Platform {
            setup,
            recorded: Mutex::new(Recorded::default()),
            scripts: Mutex::new(HashMap::new()),
            serial: AtomicU64::new(0),
        });
        let router = axum::Router::new()
            .fallback(serve_fake)
            .with_state(platform.clone());
        let server = Server::start(&["127.0.0.1:0"], router)?;
        Ok(Fake { platform, server })
    }

    /// Answers `route` with `script` from now on (`None` from it: the default answer).
    pub fn on(
        &self,
        route: Route,
        script: impl Fn(&Received, &Platform) -> Option<Reply> + Send + Sync + 'static,
    ) {
        lock(&self.platform.scripts).insert(route, Arc::new(script));
    }

    /// The platform: counters, requests, issued tokens.
    pub fn platform(&self) -> &Platform {
        &self.platform
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.server.addr)
    }

    /// `msp-orchestrator ARGS` with a clean environment (only `PATH`) holding the fake's
    /// credential and URLs, `RUST_LOG=warn`, working in `dir`.
    pub fn orchestrator(&self, bins: &Bins, dir: &std::path::Path, args: &[&str]) -> Command {
        let mut cmd = Command::new(&bins.orchestrator);
        cmd.args(args)
            .current_dir(dir)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("RUST_LOG", "warn")
            .env("GLP_CLIENT_ID", CLIENT_ID)
            .env("GLP_CLIENT_SECRET", CLIENT_SECRET)
            .env("GLP_WORKSPACE_ID", MSP_WORKSPACE)
            .env("GLP_BASE_URL", self.url())
            .env("CENTRAL_BASE_URL", self.url());
        cmd
    }

    /// Every secret and token worth searching for, named: the client secret in each form a
    /// client sends it, and every token issued so far.
    pub fn needles(&self) -> Vec<(String, String)> {
        let mut needles: Vec<(String, String)> =
            crate::leaks::secret_forms(CLIENT_ID, CLIENT_SECRET)
                .into_iter()
                .enumerate()
                .map(|(i, s)| (format!("the client secret (form {i})"), s))
                .collect();
        needles.extend(
            self.platform
                .issued_tokens()
                .into_iter()
                .enumerate()
                .map(|(i, t)| (format!("issued token #{i}"), t)),
        );
        needles
    }
}

/// A server on a second loopback address that records all it receives.
pub struct Capture {
    received: Arc<Mutex<Vec<Received>>>,
    server: Server,
}

async fn serve_capture(
    State(log): State<Arc<Mutex<Vec<Received>>>>,
    req: Request<Body>,
) -> Response {
    let req = read(req).await;
    lock(&log).push(req.clone());
    let body = match req.route {
        Route::Token | Route::Exchange => json!({
            "access_token": format!("{CAPTURED}-TOKEN"), "token_type": "Bearer", "expires_in": 900,
        }),
        Route::MspTenants => {
            let t = FakeTenant::new(999, CAPTURED);
            json!({"offset": 0, "count": 1, "total": 1, "items": [msp_tenant_item(&t)]})
        }
        Route::ListTenants => json!({
            "items": [central_tenant_item("c0ffee00ca97", CAPTURED)],
            "count": 1, "total": 1, "next": null,
        }),
        Route::DeviceInventory | Route::Other => json!({
            "items": [device_item(CAPTURED, CAPTURED)], "count": 1, "total": 1, "next": null,
        }),
    };
    let mut response = Response::new(Body::from(body.to_string()));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

impl Capture {
    /// Starts it on `127.0.0.2:0`, else on another port of `127.0.0.1`.
    pub fn start() -> Result<Capture> {
        let received = Arc::new(Mutex::new(Vec::new()));
        let router = axum::Router::new()
            .fallback(serve_capture)
            .with_state(received.clone());
        let server = Server::start(&["127.0.0.2:0", "127.0.0.1:0"], router)?;
        Ok(Capture { received, server })
    }

    /// Its host (`127.0.0.2`, or `127.0.0.1` when that could not be bound).
    pub fn host(&self) -> String {
        self.server.addr.ip().to_string()
    }

    /// `http://HOST:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.server.addr)
    }

    /// Everything it received.
    pub fn received(&self) -> Vec<Received> {
        lock(&self.received).clone()
    }

    /// A line per request received (method, path, and whether it carried `Authorization`),
    /// for assertion messages; never the values.
    pub fn describe(&self) -> String {
        self.received()
            .iter()
            .map(|r| {
                format!(
                    "{} {} (Authorization: {}, body {} bytes{})",
                    r.method,
                    r.path,
                    if r.header("authorization").is_some() {
                        "yes"
                    } else {
                        "no"
                    },
                    r.body.len(),
                    if r.body.windows(13).any(|w| w == b"client_secret") {
                        ", with client_secret"
                    } else if r.body.windows(13).any(|w| w == b"subject_token") {
                        ", with subject_token"
                    } else {
                        ""
                    }
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt as _;

    #[test]
    fn streamed_bodies_have_exactly_the_length_asked_for() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        for total in [0u64, 5, 10, 64 * 1024 + 3, 3 * 1024 * 1024 + 17] {
            let (len, head) = rt.block_on(async {
                let mut s = Box::pin(generate(b"[begin".to_vec(), b"{\"a\":1},".to_vec(), total));
                let (mut len, mut head) = (0u64, Vec::new());
                while let Some(chunk) = s.next().await {
                    let chunk = chunk.expect("chunk");
                    if head.len() < 14 {
                        head.extend_from_slice(&chunk[..chunk.len().min(14)]);
                    }
                    len += chunk.len() as u64;
                }
                (len, head)
            });
            assert_eq!(len, total);
            let want = &b"[begin{\"a\":1},"[..usize::try_from(total.min(14)).expect("small")];
            assert_eq!(&head[..want.len()], want, "total {total}");
        }
    }

    #[test]
    fn basic_credentials_are_decoded_as_clients_send_them() {
        use base64::Engine as _;
        let forms = crate::leaks::secret_forms(CLIENT_ID, CLIENT_SECRET);
        let basic = forms
            .iter()
            .find(|f| {
                base64::engine::general_purpose::STANDARD
                    .decode(f.as_bytes())
                    .is_ok()
                    && f.len() > 40
            })
            .expect("a Basic form");
        assert_eq!(
            super::basic(&format!("Basic {basic}")),
            Some((CLIENT_ID.to_owned(), CLIENT_SECRET.to_owned()))
        );
    }
}
