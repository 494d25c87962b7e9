//! Helpers shared by the integration tests.
#![allow(dead_code, clippy::unwrap_used)]

use std::time::Duration;

use base64::Engine;
use platform_sim::{SimConfig, Simulator, TenantTruth};
use reqwest::{Client, Response};
use serde_json::Value;

pub(crate) const EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
pub(crate) const ACCESS: &str = "urn:ietf:params:oauth:token-type:access_token";

pub(crate) struct Env {
    pub(crate) sim: Simulator,
    pub(crate) http: Client,
    pub(crate) base: String,
}

/// The `items` of a list answer.
/// A write's answer: its status, its `Location` and its JSON body (`null` when it has none).
pub(crate) async fn write_answer(r: Response) -> (u16, Option<String>, Value) {
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    (status, location, r.json().await.unwrap_or(Value::Null))
}

pub(crate) fn items(v: &Value) -> &[Value] {
    v["items"].as_array().unwrap()
}

/// The item of the list answer `v` whose `key` is `id`.
pub(crate) fn item<'a>(v: &'a Value, key: &str, id: &str) -> &'a Value {
    let found = items(v).iter().find(|i| i[key] == id);
    found.unwrap_or_else(|| panic!("no item with {key} {id}"))
}

/// Asserts that `value` of the items of the list answer `v` never goes up.
pub(crate) fn assert_descending(v: &Value, value: impl Fn(&Value) -> u64) {
    let values: Vec<u64> = items(v).iter().map(value).collect();
    assert!(values.windows(2).all(|w| w[0] >= w[1]), "{values:?}");
}

/// The default [`SimConfig`] with `change` made to it.
pub(crate) fn config(change: impl FnOnce(&mut SimConfig)) -> SimConfig {
    let mut cfg = SimConfig::default();
    change(&mut cfg);
    cfg
}

pub(crate) async fn start(cfg: SimConfig) -> Env {
    let sim = Simulator::start(cfg).await.unwrap();
    let base = sim.base_url();
    let http = Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    Env { sim, http, base }
}

/// [`start`] with the simulator's token clock frozen (moved on by the test, not by real time).
pub(crate) async fn frozen(cfg: SimConfig) -> Env {
    let env = start(cfg).await;
    env.sim.freeze_token_clock();
    env
}

/// The client-credentials form with `id` and `secret` in the body.
pub(crate) fn cc_form<'a>(id: &'a str, secret: &'a str) -> [(&'static str, &'a str); 3] {
    [
        ("grant_type", "client_credentials"),
        ("client_id", id),
        ("client_secret", secret),
    ]
}

/// `tenants` workspaces where every write fails after it took effect
/// ([`SimConfig::write_fault_after_apply`]): its answer is lost, its change made.
pub(crate) fn answers_lost(tenants: usize) -> SimConfig {
    config(|c| {
        c.tenants = tenants;
        c.write_fault_after_apply = 1.0;
    })
}

/// Asserts that a write answered `status` and `body` refused a name another already holds:
/// 409, its message saying so.
pub(crate) fn assert_name_taken(status: u16, body: &Value) {
    assert_eq!(status, 409, "{body}");
    let message = body["message"].as_str().unwrap();
    assert!(message.contains("already exists"), "{message}");
}

/// [`start`] and the MSP's own token.
pub(crate) async fn msp_env(cfg: SimConfig) -> (Env, String) {
    let env = start(cfg).await;
    let msp = env.msp_token().await;
    (env, msp)
}

/// [`start`], the tenant with the most devices ([`Env::largest`]) and its tenant token.
pub(crate) async fn tenant_env(cfg: SimConfig) -> (Env, TenantTruth, String) {
    let env = start(cfg).await;
    let t = env.largest();
    let token = env.tenant_token(&t).await;
    (env, t, token)
}

pub(crate) async fn quick() -> Env {
    start(SimConfig::default()).await
}

/// A default simulator whose secret needs form-encoding ([`SimConfig::hostile_secret`]).
pub(crate) async fn hostile() -> Env {
    start(SimConfig {
        hostile_secret: true,
        ..SimConfig::default()
    })
    .await
}

/// Form-urlencodes one component (RFC 6749 §2.3.1 for HTTP Basic).
pub(crate) fn form_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// HTTP Basic of `id` and `secret` as they are, without form-encoding (reqwest's `basic_auth`).
pub(crate) fn basic_raw(id: &str, secret: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"))
    )
}

pub(crate) fn basic(id: &str, secret: &str) -> String {
    let raw = format!("{}:{}", form_encode(id), form_encode(secret));
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

impl Env {
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub(crate) fn token_url(&self, ws: &str) -> String {
        self.url(&format!("/authorization/v2/oauth2/{ws}/token"))
    }

    pub(crate) async fn post_form(&self, ws: &str, form: &[(&str, &str)]) -> Response {
        self.post_form_as(ws, None, form).await
    }

    /// Posts `form` to the token endpoint of `ws`, with `authorization` as the `Authorization`
    /// header when given.
    pub(crate) async fn post_form_as(
        &self,
        ws: &str,
        authorization: Option<&str>,
        form: &[(&str, &str)],
    ) -> Response {
        let mut request = self.http.post(self.token_url(ws)).form(form);
        if let Some(authorization) = authorization {
            request = request.header("authorization", authorization);
        }
        request.send().await.unwrap()
    }

    pub(crate) async fn cc(&self) -> Response {
        let c = self.sim.credentials();
        self.post_form(&c.workspace_id, &cc_form(&c.client_id, &c.client_secret))
            .await
    }

    pub(crate) async fn msp_token(&self) -> String {
        let r = self.cc().await;
        assert_eq!(r.status(), 200);
        let v: Value = r.json().await.unwrap();
        v["access_token"].as_str().unwrap().to_string()
    }

    pub(crate) async fn exchange(&self, ws: &str, subject: &str) -> Response {
        self.exchange_as(ws, None, subject).await
    }

    /// The RFC 8693 exchange of `subject` at `ws`, with `authorization` when given.
    pub(crate) async fn exchange_as(
        &self,
        ws: &str,
        authorization: Option<&str>,
        subject: &str,
    ) -> Response {
        self.post_form_as(
            ws,
            authorization,
            &[
                ("grant_type", EXCHANGE),
                ("subject_token", subject),
                ("subject_token_type", ACCESS),
            ],
        )
        .await
    }

    pub(crate) async fn tenant_token(&self, t: &TenantTruth) -> String {
        let msp = self.msp_token().await;
        let r = self.exchange(&t.workspace_id.replace('-', ""), &msp).await;
        assert_eq!(r.status(), 200);
        let v: Value = r.json().await.unwrap();
        v["access_token"].as_str().unwrap().to_string()
    }

    /// The tenant with the most devices.
    pub(crate) fn largest(&self) -> TenantTruth {
        let t = self.sim.truth();
        t.tenants
            .into_iter()
            .max_by_key(|t| t.counts["device-inventory"])
            .unwrap()
    }

    pub(crate) async fn get(&self, path: &str, token: &str) -> Response {
        self.http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    /// `GET path` without a token (the simulator's own `/_sim/*` routes, or a request that
    /// must be refused for want of one).
    pub(crate) async fn get_plain(&self, path: &str) -> Response {
        self.http.get(self.url(path)).send().await.unwrap()
    }

    /// `GET path` without a token, its body as `T`.
    pub(crate) async fn plain_json<T: serde::de::DeserializeOwned>(&self, path: &str) -> T {
        self.get_plain(path).await.json().await.unwrap()
    }

    /// `GET path` with `token`, asserting that the answer has status `want`; its JSON body.
    pub(crate) async fn expect(&self, path: &str, token: &str, want: u16) -> Value {
        let (status, v) = self.get_json(path, token).await;
        assert_eq!(status, want, "GET {path}: {v}");
        v
    }

    /// `GET path` with `query` (form-encoded by the client) and `token`, asserting that the
    /// answer has status `want`; its JSON body.
    pub(crate) async fn expect_query(
        &self,
        path: &str,
        query: &[(&str, &str)],
        token: &str,
        want: u16,
    ) -> Value {
        let r = self
            .http
            .get(self.url(path))
            .query(query)
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), want, "GET {path} {query:?}");
        r.json().await.unwrap()
    }

    pub(crate) async fn get_json(&self, path: &str, token: &str) -> (u16, Value) {
        let r = self.get(path, token).await;
        let status = r.status().as_u16();
        (status, r.json().await.unwrap())
    }
}

impl Env {
    /// A request of `method` to `path` with bearer `token` and, if given, JSON `body`: its
    /// status and its body as JSON (`null` when none or not JSON).
    pub(crate) async fn write(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self.http.request(method, self.url(path)).bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// A `POST` of `body` to `path` with bearer `token` that must create (201): its `Location`
    /// and its body.
    pub(crate) async fn create(&self, path: &str, token: &str, body: &Value) -> (String, Value) {
        let r = self.post_json(path, token, body).await.unwrap();
        assert_eq!(r.status().as_u16(), 201);
        let location = r.headers()["location"].to_str().unwrap().to_owned();
        (location, r.json().await.unwrap())
    }

    /// A `POST` of `body` to `path` with bearer `token` whose answer is lost after it took
    /// effect: a 500, or a connection closed with no answer.
    pub(crate) async fn post_answer_lost(&self, path: &str, token: &str, body: &Value) {
        if let Ok(r) = self.post_json(path, token, body).await {
            assert_eq!(r.status().as_u16(), 500);
        }
    }

    async fn post_json(
        &self,
        path: &str,
        token: &str,
        body: &Value,
    ) -> reqwest::Result<reqwest::Response> {
        let req = self.http.post(self.url(path)).bearer_auth(token);
        req.json(body).send().await
    }

    /// The operation a write started, from its answer (as [`write_answer`] gives it): asserts a
    /// 202 whose body says `202 ACCEPTED` and whose `Location` is one of `family`'s
    /// (`devices`, `subscriptions`) async operations, then reads that with `token` (200). The
    /// operation's path and body.
    pub(crate) async fn operation(
        &self,
        answer: (u16, Option<String>, Value),
        family: &str,
        token: &str,
    ) -> (String, Value) {
        let (status, location, body) = answer;
        assert_eq!(status, 202, "{body}");
        assert_eq!(body["status"], "202 ACCEPTED", "{body}");
        let location = location.unwrap();
        let operations = format!("/{family}/v1/async-operations/");
        assert!(location.starts_with(&operations), "{location}");
        let op = self.expect(&location, token, 200).await;
        (location, op)
    }

    /// Asserts that the writes of `endpoints` (`msp-tenants`, `notification-rules`) served
    /// one create (201), one update (200) and one delete (204).
    pub(crate) fn assert_one_write_of_each(&self, endpoints: &str) {
        let s = self.sim.stats();
        for (write, status) in [("create", "201"), ("update", "200"), ("delete", "204")] {
            let ep = format!("{endpoints}-{write}");
            assert_eq!(
                s.requests[&ep][status], 1,
                "{ep} {status}: {:?}",
                s.requests
            );
        }
    }
}
