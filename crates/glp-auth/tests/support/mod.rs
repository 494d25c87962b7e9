//! Shared fixtures of the `glp-auth` integration tests: ids, credentials, options, token bodies,
//! a sleeper that records the retry loop's waits instead of sleeping them. The scripted and raw
//! servers are test-support's.
//!
//! Every test binary uses a different subset of these helpers.
#![allow(dead_code, unused_imports)]

use std::sync::Arc;
use std::time::Duration;

use glp_auth::{
    AccessToken, AuthOptions, BaseUrl, Credentials, RetryPolicy, Scope, SecretString,
    TokenProvider, WorkspaceId,
};
use glp_transport::Transport;
#[path = "../../../glp-transport/tests/support/waits.rs"]
#[allow(unreachable_pub)]
mod waits;
pub(crate) use waits::Waits;

pub(crate) use test_support::{RawReply, RawServer, Recorded, Reply, Server, refused_url};

/// The MSP workspace id as GreenLake displays it (hyphenated, mixed case on purpose).
pub(crate) const MSP_WORKSPACE: &str = "3F2A6C1E-0b4d-4e7a-9c2b-1d5e8f9a0b1c";
/// The same id in the form token URLs must use.
pub(crate) const MSP_COMPACT: &str = "3f2a6c1e0b4d4e7a9c2b1d5e8f9a0b1c";
/// A managed tenant's workspace id, hyphenated.
pub(crate) const TENANT_WORKSPACE: &str = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
/// The same tenant id without hyphens.
pub(crate) const TENANT_COMPACT: &str = "9a8b7c6d5e4f4a3b8c2d1e0f9a8b7c6d";

/// A client id with a space and a plus sign, to exercise encoding in the Basic header.
pub(crate) const CLIENT_ID: &str = "msp client+1";
/// `CLIENT_ID` form-urlencoded (WHATWG `application/x-www-form-urlencoded`).
pub(crate) const CLIENT_ID_ENCODED: &str = "msp+client%2B1";
/// A secret with every character that form encoding must escape: `+ & = % /` and spaces.
pub(crate) const SECRET: &str = "Sx+y&z=w%v/u t s";
/// `SECRET` form-urlencoded, computed by hand: `+`→`%2B`, `&`→`%26`, `=`→`%3D`, `%`→`%25`,
/// `/`→`%2F`, space→`+`.
pub(crate) const SECRET_ENCODED: &str = "Sx%2By%26z%3Dw%25v%2Fu+t+s";

/// The HTTP Basic `Authorization` of the test MSP client: id and secret form-encoded (RFC 6749
/// §2.3.1), then Base64.
pub(crate) fn msp_basic() -> String {
    use base64::Engine as _;
    let pair = format!("{CLIENT_ID_ENCODED}:{SECRET_ENCODED}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

/// The RFC 8693 grant type, spelled out here rather than taken from the crate under test.
pub(crate) const EXCHANGE_GRANT: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
/// The RFC 8693 access-token type URN.
pub(crate) const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";

/// The token path for a compact workspace id.
pub(crate) fn token_path(compact: &str) -> String {
    format!("/authorization/v2/oauth2/{compact}/token")
}

/// A workspace id from a literal known to be valid.
pub(crate) fn ws(id: &str) -> WorkspaceId {
    WorkspaceId::parse(id).expect("valid workspace id literal")
}

/// The `n`-th of a family of distinct tenant ids (hyphenated) and its compact form.
pub(crate) fn tenant_n(n: u32) -> (String, String) {
    let compact = format!("{n:08x}5e4f4a3b8c2d1e0f9a8b7c6d");
    let hyphenated = format!(
        "{}-{}-{}-{}-{}",
        &compact[0..8],
        &compact[8..12],
        &compact[12..16],
        &compact[16..20],
        &compact[20..32]
    );
    (hyphenated, compact)
}

/// Credentials of the test MSP client against `base_url` (e.g. `http://127.0.0.1:PORT`).
pub(crate) fn credentials(base_url: &str) -> Credentials {
    Credentials::new(CLIENT_ID, SecretString::from(SECRET), ws(MSP_WORKSPACE))
        .with_base_url(BaseUrl::parse(base_url).expect("loopback base URL"))
}

/// Options for tests: short backoff so retries cost milliseconds, short timeouts.
pub(crate) fn fast_options() -> AuthOptions {
    let mut o = AuthOptions::default();
    o.retry = RetryPolicy::default().initial_backoff(Duration::from_millis(10));
    o.connect_timeout = Duration::from_secs(2);
    o.request_timeout = Duration::from_secs(5);
    o
}

/// `options` with a transport of its own whose retry loop records its waits in the returned
/// [`Waits`] instead of sleeping.
pub(crate) fn recording(mut options: AuthOptions) -> (AuthOptions, Arc<Waits>) {
    let waits = Arc::new(Waits::default());
    let transport = Transport::new(options.connect_timeout)
        .expect("transport")
        .with_sleeper(waits.clone());
    options.transport = Some(transport);
    (options, waits)
}

/// Asserts that `token` has `lifetime` from its send time, which lies between `before` and
/// `after` (causal bounds, no stopwatch).
pub(crate) fn assert_lifetime(
    token: &AccessToken,
    before: std::time::Instant,
    after: std::time::Instant,
    lifetime: Duration,
) {
    assert!(
        token.expires_at() >= before + lifetime && token.expires_at() <= after + lifetime,
        "expected a lifetime of {lifetime:?} from the send time, got {:?} from before the call",
        token.expires_at().saturating_duration_since(before)
    );
}

/// A token response body.
pub(crate) fn token_body(token: &str, expires_in: u64) -> String {
    serde_json::json!({"access_token": token, "token_type": "Bearer", "expires_in": expires_in})
        .to_string()
}

/// The client-credentials form of `id` and `secret` in the body.
pub(crate) fn cc_form<'a>(id: &'a str, secret: &'a str) -> [(&'static str, &'a str); 3] {
    [
        ("grant_type", "client_credentials"),
        ("client_id", id),
        ("client_secret", secret),
    ]
}

/// Form-decodes a body into its pairs, in order.
pub(crate) fn form_pairs(body: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Mocks a POST to the token path of the workspace `compact` on `server` that passes the
/// checks of `matches`, answered `status` with the JSON `body`.
pub(crate) async fn token_post_mock<'a>(
    server: &'a httpmock::MockServer,
    compact: &str,
    matches: impl FnOnce(httpmock::When) -> httpmock::When,
    status: u16,
    body: &str,
) -> httpmock::Mock<'a> {
    server
        .mock_async(|when, then| {
            matches(
                when.method(httpmock::Method::POST)
                    .path(token_path(compact)),
            );
            then.status(status)
                .header("content-type", "application/json")
                .body(body);
        })
        .await
}

/// Mocks a form POST to the token path of the workspace `compact` on `server` whose form is
/// exactly `form` (in any order, no other field), with the further checks of `more`, answered
/// 200 with the token `token` for 900 s.
pub(crate) async fn exact_form_mock<'a>(
    server: &'a httpmock::MockServer,
    compact: &str,
    form: &[(&str, &str)],
    more: impl FnOnce(httpmock::When) -> httpmock::When,
    token: &str,
) -> httpmock::Mock<'a> {
    let matches = |when: httpmock::When| {
        let mut when = when.header("content-type", "application/x-www-form-urlencoded");
        for (key, value) in form {
            when = when.form_urlencoded_tuple(*key, *value);
        }
        more(when.form_urlencoded_tuple_count(".*", ".*", form.len()))
    };
    token_post_mock(server, compact, matches, 200, &token_body(token, 900)).await
}

/// Mocks the MSP client-credentials grant on `server`: a POST of `grant_type=client_credentials`
/// to the MSP token path, answered `status` with the JSON `body`.
pub(crate) async fn grant_mock<'a>(
    server: &'a httpmock::MockServer,
    status: u16,
    body: &str,
) -> httpmock::Mock<'a> {
    let grant =
        |when: httpmock::When| when.form_urlencoded_tuple("grant_type", "client_credentials");
    token_post_mock(server, MSP_COMPACT, grant, status, body).await
}

/// Mocks the RFC 8693 exchange for the tenant on `server`: a POST of the exchange grant to the
/// tenant's token path (carrying `subject` as its subject token, when given), answered `status`
/// with `body`.
pub(crate) async fn exchange_mock<'a>(
    server: &'a httpmock::MockServer,
    subject: Option<&str>,
    status: u16,
    body: &str,
) -> httpmock::Mock<'a> {
    let exchange = |when: httpmock::When| {
        let when = when.form_urlencoded_tuple("grant_type", EXCHANGE_GRANT);
        match subject {
            Some(subject) => when
                .form_urlencoded_tuple("subject_token", subject)
                .form_urlencoded_tuple("subject_token_type", ACCESS_TOKEN_TYPE),
            None => when,
        }
    };
    token_post_mock(server, TENANT_COMPACT, exchange, status, body).await
}

/// A token of `scope` from `provider`, with the instants just before and after the call (the
/// send time lies between them).
pub(crate) async fn timed_token(
    provider: &dyn TokenProvider,
    scope: &Scope,
) -> (
    Result<AccessToken, glp_auth::AuthError>,
    std::time::Instant,
    std::time::Instant,
) {
    let before = std::time::Instant::now();
    let result = provider.token(scope).await;
    (result, before, std::time::Instant::now())
}

/// The MSP token, then the token of the tenant [`TENANT_WORKSPACE`], from `provider`.
pub(crate) async fn msp_then_tenant(provider: &dyn TokenProvider) -> (AccessToken, AccessToken) {
    let msp = provider.token(&Scope::Msp).await.unwrap();
    let tenant = provider
        .token(&Scope::Tenant(ws(TENANT_WORKSPACE)))
        .await
        .unwrap();
    (msp, tenant)
}
