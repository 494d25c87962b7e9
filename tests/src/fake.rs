//! A scripted fake GreenLake + Central ([`Fake`]) and a capture server ([`Capture`]) for the
//! hostile scenarios, both on `test_support`'s scripted [`Server`].
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
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde_json::{Value, json};
use test_support::{Cli, Server, Target};
pub use test_support::{Recorded, Reply};

use crate::Bins;

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
    /// The route of `req`.
    pub fn of(req: &Recorded) -> Route {
        let path = req.path.as_str();
        if path.starts_with("/authorization/") && path.ends_with("/token") {
            return match req.form().get("grant_type").map(String::as_str) {
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

/// The `{workspace}` of a token URL.
fn token_workspace(req: &Recorded) -> Option<&str> {
    req.path
        .strip_prefix("/authorization/v2/oauth2/")?
        .strip_suffix("/token")
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
pub type Script = Arc<dyn Fn(&Recorded, &Platform) -> Option<Reply> + Send + Sync>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Subject {
    Msp,
    Tenant(usize),
}

#[derive(Default)]
struct Ledger {
    counts: BTreeMap<Route, u64>,
    tokens: HashMap<String, Subject>,
    issued: Vec<String>,
    devices_served: HashMap<usize, u64>,
}

/// The fake platform's state, as scripts see it.
pub struct Platform {
    setup: Setup,
    recorded: Mutex<Ledger>,
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

    /// Every token issued so far.
    pub fn issued_tokens(&self) -> Vec<String> {
        lock(&self.recorded).issued.clone()
    }

    /// The tenant whose token `req` carries, if any.
    pub fn tenant_of(&self, req: &Recorded) -> Option<usize> {
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

    fn subject(&self, req: &Recorded) -> Option<Subject> {
        lock(&self.recorded).tokens.get(req.bearer()?).copied()
    }

    /// What the platform answers `req` when no script replaces it.
    pub fn default_reply(&self, req: &Recorded) -> Reply {
        match Route::of(req) {
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
            json!({
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": self.setup.expires_in,
            }),
        )
        .header("cache-control", "no-store")
    }

    fn client_credentials(&self, req: &Recorded) -> Reply {
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
        let ws = token_workspace(req).unwrap_or("").replace('-', "");
        if ws != MSP_WORKSPACE.replace('-', "") {
            return oauth_error(401, "invalid_client", "not registered in that workspace");
        }
        self.token_answer(Subject::Msp)
    }

    fn exchange(&self, req: &Recorded) -> Reply {
        let ws = token_workspace(req).unwrap_or("");
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

    fn msp_tenants(&self, req: &Recorded) -> Reply {
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
            json!({"offset": offset, "count": items.len(), "total": all.len(), "items": items}),
        )
    }

    fn list_tenants(&self, req: &Recorded) -> Reply {
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
            json!({"items": items, "count": items.len(), "total": all.len(),
                    "next": if more { json!(next + 1) } else { Value::Null }}),
        )
    }

    fn device_inventory(&self, req: &Recorded) -> Reply {
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
            json!({"items": items, "count": items.len(), "total": tenant.devices,
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
        json!({"error": error, "error_description": description}),
    )
}

/// A GreenLake error answer.
pub fn glp_error(status: u16, code: &str, message: &str) -> Reply {
    Reply::json(
        status,
        json!({"httpStatusCode": status, "errorCode": code, "message": message,
                "debugId": "fake-debug-id", "errorDetails": []}),
    )
}

impl Platform {
    /// Counts `req`, then answers it with its route's script, else the default answer.
    fn answer(&self, req: &Recorded) -> Reply {
        let route = Route::of(req);
        *lock(&self.recorded).counts.entry(route).or_default() += 1;
        let script = lock(&self.scripts).get(&route).cloned();
        script
            .and_then(|s| s(req, self))
            .unwrap_or_else(|| self.default_reply(req))
    }
}

/// The scripted fake GreenLake + Central on `127.0.0.1:0`.
pub struct Fake {
    platform: Arc<Platform>,
    server: Server,
}

impl Fake {
    /// Starts the fake with `setup`.
    pub fn start(setup: Setup) -> Fake {
        let platform = Arc::new(Platform {
            setup,
            recorded: Mutex::new(Ledger::default()),
            scripts: Mutex::new(HashMap::new()),
            serial: AtomicU64::new(0),
        });
        let server = Server::start();
        let p = platform.clone();
        server.handle(move |req| Some(p.answer(req)));
        Fake { platform, server }
    }

    /// Answers `route` with `script` from now on (`None` from it: the default answer).
    pub fn on(
        &self,
        route: Route,
        script: impl Fn(&Recorded, &Platform) -> Option<Reply> + Send + Sync + 'static,
    ) {
        lock(&self.platform.scripts).insert(route, Arc::new(script));
    }

    /// The platform: counters, issued tokens.
    pub fn platform(&self) -> &Platform {
        &self.platform
    }

    /// Every request received so far.
    pub fn received(&self) -> Vec<Recorded> {
        self.server.requests()
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        self.server.base_url().to_owned()
    }

    /// `msp-orchestrator ARGS` with a clean environment (only `PATH`) holding the fake's
    /// credential and URLs, `RUST_LOG=warn`, working in `dir`.
    pub fn orchestrator(&self, bins: &Bins, dir: &std::path::Path, args: &[&str]) -> Cli {
        Cli::new(&bins.orchestrator)
            .target(&Target::new(
                CLIENT_ID,
                CLIENT_SECRET,
                MSP_WORKSPACE,
                self.url(),
            ))
            .log("warn")
            .current_dir(dir)
            .args(args)
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
    server: Server,
}

/// What the capture server answers: plausible data of the route, marked [`CAPTURED`].
fn captured_answer(req: &Recorded) -> Reply {
    let body = match Route::of(req) {
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
    Reply::json(200, body)
}

impl Capture {
    /// Starts it on `127.0.0.2:0`, else on another port of `127.0.0.1`.
    pub fn start() -> Capture {
        let server = Server::start_on(&["127.0.0.2:0", "127.0.0.1:0"]);
        server.handle(|req| Some(captured_answer(req)));
        Capture { server }
    }

    /// Its host (`127.0.0.2`, or `127.0.0.1` when that could not be bound).
    pub fn host(&self) -> String {
        self.server.host()
    }

    /// `http://HOST:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        self.server.url(path)
    }

    /// Everything it received.
    pub fn received(&self) -> Vec<Recorded> {
        self.server.requests()
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
                    if r.authorization().is_some() {
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
