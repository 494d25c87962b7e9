//! Contract tests of the RFC 8693 token exchange (tenant tokens): the tenant id without
//! hyphens in the URL, the exact form fields, no client authentication by default and HTTP
//! Basic as an option, lenient response parsing, and the one-time `invalid_grant` recovery.
#![allow(clippy::unwrap_used)]

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use glp_auth::{
    AccessToken, AuthError, BaseUrl, ExchangeAuth, ExposeSecret, LIFETIME_WHEN_UNSTATED, Scope,
    SecretString, StaticTokenProvider, TokenExchangeProvider, TokenProvider, msp_provider,
};
use httpmock::Method::POST;
use httpmock::MockServer;
use support::*;

fn static_subject(token: &str) -> Arc<dyn TokenProvider> {
    Arc::new(StaticTokenProvider::new(
        SecretString::from(token.to_owned()),
        Duration::from_secs(900),
    ))
}

fn exchange_provider(
    server: &MockServer,
    subject: Arc<dyn TokenProvider>,
) -> TokenExchangeProvider {
    TokenExchangeProvider::new(
        subject,
        BaseUrl::parse(&server.base_url()).unwrap(),
        &fast_options(),
    )
    .unwrap()
}

#[tokio::test]
async fn exchange_posts_exact_fields_to_compact_tenant_path_without_auth() {
    let server = MockServer::start_async().await;
    let form = [
        ("grant_type", EXCHANGE_GRANT),
        ("subject_token", "msp-subject-1"),
        ("subject_token_type", ACCESS_TOKEN_TYPE),
    ];
    // Exactly these three fields: no client_id, no client_secret, and no Authorization.
    let no_auth = |when: httpmock::When| when.header_missing("authorization");
    let mock = exact_form_mock(&server, TENANT_COMPACT, &form, no_auth, "tenant-token-1").await;
    let provider = exchange_provider(&server, static_subject("msp-subject-1"));

    // The tenant id is given hyphenated; the URL must carry it compact.
    let (result, before, after) =
        timed_token(&provider, &Scope::Tenant(ws(TENANT_WORKSPACE))).await;
    mock.assert_async().await;
    let token = result.unwrap();
    assert_eq!(token.secret().expose_secret(), "tenant-token-1");
    let lifetime = Duration::from_secs(900);
    assert_lifetime(&token, before, after, lifetime);
}

#[tokio::test]
async fn exchange_form_is_exactly_the_three_rfc_8693_fields() {
    let server = Server::scripted(vec![Reply::json(200, token_body("tenant-raw", 900))]);
    let provider = TokenExchangeProvider::new(
        static_subject("msp+subject/with=odd&chars"),
        BaseUrl::parse(server.base_url()).unwrap(),
        &fast_options(),
    )
    .unwrap();
    provider
        .token(&Scope::Tenant(ws(TENANT_WORKSPACE)))
        .await
        .unwrap();
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].path, token_path(TENANT_COMPACT));
    assert!(!requests[0].path.contains('-'));
    let mut pairs = form_pairs(&requests[0].text());
    pairs.sort();
    assert_eq!(
        pairs,
        vec![
            ("grant_type".to_owned(), EXCHANGE_GRANT.to_owned()),
            (
                "subject_token".to_owned(),
                "msp+subject/with=odd&chars".to_owned()
            ),
            (
                "subject_token_type".to_owned(),
                ACCESS_TOKEN_TYPE.to_owned()
            ),
        ]
    );
}

/// Through [`msp_provider`] with `options` against `server`: the MSP grant (answering
/// `msp-token`), then its exchange for the tenant's `tenant-token`, which must carry
/// `authorization` when given and no `Authorization` otherwise. The exchange mock.
async fn tenant_through_msp_provider<'a>(
    server: &'a MockServer,
    options: glp_auth::AuthOptions,
    authorization: Option<&str>,
) -> httpmock::Mock<'a> {
    let cc = grant_mock(server, 200, &token_body("msp-token", 900)).await;
    let exchange = server
        .mock_async(|when, then| {
            let when = when.method(POST).path(token_path(TENANT_COMPACT));
            let when = match authorization {
                Some(authorization) => when.header("authorization", authorization),
                None => when.header_missing("authorization"),
            };
            when.form_urlencoded_tuple("grant_type", EXCHANGE_GRANT)
                .form_urlencoded_tuple("subject_token", "msp-token")
                .form_urlencoded_tuple("subject_token_type", ACCESS_TOKEN_TYPE)
                .form_urlencoded_tuple_count(".*", ".*", 3);
            then.status(200).body(token_body("tenant-token", 900));
        })
        .await;
    let provider = msp_provider(credentials(&server.base_url()), options).unwrap();
    let result = provider.token(&Scope::Tenant(ws(TENANT_WORKSPACE))).await;
    cc.assert_async().await;
    exchange.assert_async().await;
    assert_eq!(result.unwrap().secret().expose_secret(), "tenant-token");
    exchange
}

#[tokio::test]
async fn msp_provider_exchange_sends_no_authorization_by_default() {
    let server = MockServer::start_async().await;
    tenant_through_msp_provider(&server, fast_options(), None).await;
}

#[tokio::test]
async fn exchange_basic_option_sends_the_msp_client_in_a_basic_header() {
    let server = MockServer::start_async().await;
    let basic = msp_basic();
    let mut o = fast_options();
    o.exchange_auth = ExchangeAuth::HttpBasic;
    let exchange = tenant_through_msp_provider(&server, o, Some(&basic)).await;

    // The same through the provider's own builder method.
    let direct = exchange_provider(&server, static_subject("msp-token"))
        .with_basic_auth(credentials(&server.base_url()));
    direct
        .token(&Scope::Tenant(ws(TENANT_WORKSPACE)))
        .await
        .unwrap();
    exchange.assert_calls_async(2).await;
}

/// Runs one exchange against a mock answering `body` with 200 and returns the token together
/// with the instants before and after the call.
async fn exchange_answering(body: serde_json::Value) -> (AccessToken, Instant, Instant) {
    let server = MockServer::start_async().await;
    let mock = exchange_mock(&server, None, 200, &body.to_string()).await;
    let provider = exchange_provider(&server, static_subject("msp"));
    let (result, before, after) =
        timed_token(&provider, &Scope::Tenant(ws(TENANT_WORKSPACE))).await;
    mock.assert_async().await;
    (result.unwrap(), before, after)
}

/// Exchange answers are parsed leniently: with or without the RFC 8693 type fields, with
/// `expires_in` as a number or a string; without a usable `expires_in`, the token gets the
/// conservative lifetime.
#[tokio::test]
async fn exchange_responses_parse_leniently() {
    let full = Duration::from_secs(900);
    let unstated = LIFETIME_WHEN_UNSTATED;
    assert!(unstated < full);
    // (the answer, its token, its issued token type, the lifetime the token gets)
    let cases = [
        (
            serde_json::json!({"access_token": "t-min", "expires_in": 900}),
            "t-min",
            None,
            full,
        ),
        (
            serde_json::json!({
                "access_token": "t-full",
                "token_type": "Bearer",
                "issued_token_type": ACCESS_TOKEN_TYPE,
                "expires_in": 900,
                "scope": "ignored",
                "unknown_field": {"nested": true}
            }),
            "t-full",
            Some(ACCESS_TOKEN_TYPE),
            full,
        ),
        (
            serde_json::json!({"access_token": "t-str", "token_type": "bearer", "expires_in": "900"}),
            "t-str",
            None,
            full,
        ),
        (
            serde_json::json!({"access_token": "t-none", "token_type": "Bearer"}),
            "t-none",
            None,
            unstated,
        ),
        (
            serde_json::json!({"access_token": "t-bad", "expires_in": "soon"}),
            "t-bad",
            None,
            unstated,
        ),
    ];
    for (body, secret, issued, lifetime) in cases {
        let (token, before, after) = exchange_answering(body).await;
        assert_eq!(token.secret().expose_secret(), secret);
        assert_eq!(token.issued_token_type(), issued, "{secret}");
        assert_lifetime(&token, before, after, lifetime);
    }
}

/// A subject provider whose MSP token changes after each invalidation: `msp-1`, then `msp-2`, ...
#[derive(Debug, Default)]
struct RotatingSubject {
    invalidations: AtomicUsize,
    rejected: Mutex<Vec<(Scope, String)>>,
}

#[async_trait]
impl TokenProvider for RotatingSubject {
    async fn token(&self, scope: &Scope) -> Result<AccessToken, AuthError> {
        assert_eq!(
            *scope,
            Scope::Msp,
            "the exchange must ask for the MSP token"
        );
        let n = self.invalidations.load(Ordering::SeqCst) + 1;
        Ok(AccessToken::new(
            SecretString::from(format!("msp-{n}")),
            Instant::now() + Duration::from_secs(900),
        ))
    }

    async fn invalidate(&self, scope: &Scope, rejected: &AccessToken) {
        self.rejected
            .lock()
            .unwrap()
            .push((*scope, rejected.secret().expose_secret().to_owned()));
        self.invalidations.fetch_add(1, Ordering::SeqCst);
    }
}

const INVALID_GRANT: &str =
    r#"{"error":"invalid_grant","error_description":"subject token expired"}"#;

/// A tenant token from an exchange whose subject is renewed once: the exchange of the first
/// MSP token (`msp-1`) is answered `first`, that of the renewed one (`msp-2`) `second`, and each
/// must be asked for exactly once. The result and the subject, to count its invalidations.
async fn exchange_renewing(
    first: (u16, &str),
    second: (u16, &str),
) -> (Result<AccessToken, AuthError>, Arc<RotatingSubject>) {
    let server = MockServer::start_async().await;
    let stale = exchange_mock(&server, Some("msp-1"), first.0, first.1).await;
    let fresh = exchange_mock(&server, Some("msp-2"), second.0, second.1).await;
    let subject = Arc::new(RotatingSubject::default());
    let provider = exchange_provider(&server, subject.clone());
    let result = provider.token(&Scope::Tenant(ws(TENANT_WORKSPACE))).await;
    stale.assert_async().await;
    fresh.assert_async().await;
    (result, subject)
}

#[tokio::test]
async fn invalid_grant_invalidates_the_subject_once_and_retries_with_a_fresh_one() {
    let fresh = token_body("tenant-after-refresh", 900);
    let (result, subject) = exchange_renewing((400, INVALID_GRANT), (200, &fresh)).await;
    assert_eq!(
        result.unwrap().secret().expose_secret(),
        "tenant-after-refresh"
    );
    assert_eq!(subject.invalidations.load(Ordering::SeqCst), 1);
    assert_eq!(
        *subject.rejected.lock().unwrap(),
        vec![(Scope::Msp, "msp-1".to_owned())]
    );
}

#[tokio::test]
async fn every_renewing_error_renews_the_subject_once_then_exchanges_again() {
    // As the vendor SDK (invalid_client, expired tokens) and HPE's workbench
    // (unauthorized_request) do; a bare 401 too.
    let fresh = token_body("tenant-renewed", 900);
    for (status, body) in [
        (
            400,
            r#"{"error":"invalid_client","error_description":"client token is invalid"}"#,
        ),
        (
            400,
            r#"{"error":"unauthorized_request","error_description":"expired"}"#,
        ),
        (
            401,
            r#"{"error":"invalid_token","error_description":"token expired"}"#,
        ),
        (401, "Unauthorized"),
    ] {
        let (result, subject) = exchange_renewing((status, body), (200, &fresh)).await;
        let token = result.unwrap_or_else(|e| panic!("{status} {body}: {e}"));
        assert_eq!(token.secret().expose_secret(), "tenant-renewed", "{body}");
        assert_eq!(subject.invalidations.load(Ordering::SeqCst), 1, "{body}");
    }
}

#[tokio::test]
async fn a_second_invalid_grant_is_returned_not_looped_on() {
    let (result, subject) = exchange_renewing((400, INVALID_GRANT), (400, INVALID_GRANT)).await;
    let err = result.unwrap_err();
    assert_eq!(subject.invalidations.load(Ordering::SeqCst), 1);
    assert_eq!(err.oauth_error(), Some("invalid_grant"));
    assert_eq!(err.status(), Some(400));
    assert!(!err.is_transient());
    assert!(!err.is_credential_rejected());
    assert!(err.to_string().contains("subject token expired"), "{err}");
}

#[tokio::test]
async fn other_exchange_errors_do_not_invalidate_the_subject() {
    let server = MockServer::start_async().await;
    let mock = exchange_mock(
        &server,
        None,
        400,
        r#"{"error":"invalid_target","error_description":"unknown tenant"}"#,
    )
    .await;
    let subject = Arc::new(RotatingSubject::default());
    let provider = exchange_provider(&server, subject.clone());
    let err = provider
        .token(&Scope::Tenant(ws(TENANT_WORKSPACE)))
        .await
        .unwrap_err();
    mock.assert_async().await;
    assert_eq!(err.oauth_error(), Some("invalid_target"));
    assert_eq!(subject.invalidations.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn msp_scope_passes_through_to_the_subject_without_an_exchange() {
    let server = MockServer::start_async().await;
    let any = test_support::mock::any_request_fails(&server).await;
    let provider = exchange_provider(&server, static_subject("msp-passthrough"));
    let token = provider.token(&Scope::Msp).await.unwrap();
    assert_eq!(token.secret().expose_secret(), "msp-passthrough");
    assert_eq!(any.calls_async().await, 0);
}
