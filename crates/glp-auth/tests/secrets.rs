//! Secrets never leak: with a TRACE-level `tracing` subscriber capturing everything, a run of
//! client credentials (body and Basic), a token exchange, a 401 and a retried 503 logs neither
//! the client secret (raw, form-encoded or inside the Basic header) nor any issued token, while
//! the token spans do show up; and the `Debug` of every type holding a secret or token, and of
//! every error produced, shows neither.
#![allow(clippy::unwrap_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use glp_auth::{
    AccessToken, AuthError, AuthOptions, BaseUrl, CachingProvider, ClientAuth,
    ClientCredentialsProvider, Credentials, ExchangeAuth, ExposeSecret, Scope, SecretString,
    StaticTokenProvider, TokenExchangeProvider, TokenProvider, msp_provider,
};
use httpmock::Method::POST;
use httpmock::MockServer;
use support::*;
use test_support::Captured;
use tracing_subscriber::fmt::format::FmtSpan;

const MSP_TOKEN: &str = "MSPTOKEN-q8Zr2";
const MSP_TOKEN_BASIC: &str = "MSPTOKEN-basic-k3Lw9";
const TENANT_TOKEN: &str = "TENANTTOKEN-p4Vx7";
const RETRIED_TOKEN: &str = "RETRIEDTOKEN-m1Nc5";
const STATIC_TOKEN: &str = "STATICTOKEN-z0Yb8";

/// Everything that must never appear in logs, errors or `Debug` output.
fn forbidden() -> Vec<String> {
    let basic = base64::engine::general_purpose::STANDARD
        .encode(format!("{CLIENT_ID_ENCODED}:{SECRET_ENCODED}"));
    vec![
        SECRET.to_owned(),
        SECRET_ENCODED.to_owned(),
        // Distinctive pieces, in case a secret is logged in part or escaped differently.
        "Sx+y".to_owned(),
        "Sx%2By".to_owned(),
        basic,
        MSP_TOKEN.to_owned(),
        MSP_TOKEN_BASIC.to_owned(),
        TENANT_TOKEN.to_owned(),
        RETRIED_TOKEN.to_owned(),
        STATIC_TOKEN.to_owned(),
    ]
}

fn assert_clean(what: &str, text: &str) {
    for secret in forbidden() {
        assert!(
            !text.contains(&secret),
            "{what} contains {secret:?}:\n{text}"
        );
    }
}

#[tokio::test(flavor = "current_thread")]
async fn nothing_secret_is_logged_or_debug_printed() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        // Everything at TRACE (our crate, reqwest, hyper), except the test mock server's own
        // logs, which quote the requests it receives and are not the code under test.
        .with_env_filter(tracing_subscriber::EnvFilter::new("trace,httpmock=off"))
        .with_span_events(FmtSpan::FULL)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);

    let mut debug_output = Vec::new();
    let mut errors: Vec<AuthError> = Vec::new();

    // 1. Client credentials (secret in the body) and an exchange, through msp_provider.
    let server = MockServer::start_async().await;
    let cc = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(token_path(MSP_COMPACT))
                .form_urlencoded_tuple("client_secret", SECRET);
            then.status(200).body(token_body(MSP_TOKEN, 900));
        })
        .await;
    let exchange = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(token_path(TENANT_COMPACT))
                .form_urlencoded_tuple("subject_token", MSP_TOKEN);
            then.status(200).body(
                serde_json::json!({
                    "access_token": TENANT_TOKEN,
                    "token_type": "Bearer",
                    "issued_token_type": ACCESS_TOKEN_TYPE,
                    "expires_in": 900
                })
                .to_string(),
            );
        })
        .await;
    let creds = credentials(&server.base_url());
    let provider = msp_provider(creds.clone(), fast_options()).unwrap();
    let (msp, tenant) = msp_then_tenant(&provider).await;
    cc.assert_async().await;
    exchange.assert_async().await;
    assert_eq!(msp.secret().expose_secret(), MSP_TOKEN);
    assert_eq!(tenant.secret().expose_secret(), TENANT_TOKEN);
    provider
        .invalidate(&Scope::Tenant(ws(TENANT_WORKSPACE)), &tenant)
        .await;
    debug_output.push(format!("{creds:?} {creds:#?}"));
    debug_output.push(format!("{msp:?} {msp:#?} {tenant:?}"));
    debug_output.push(format!("{provider:?} {provider:#?}"));

    // 2. Client credentials with HTTP Basic, and an exchange with Basic.
    let basic_server = MockServer::start_async().await;
    let basic_cc = basic_server
        .mock_async(|when, then| {
            when.method(POST)
                .path(token_path(MSP_COMPACT))
                .header_exists("authorization");
            then.status(200).body(token_body(MSP_TOKEN_BASIC, 900));
        })
        .await;
    let mut basic_options = fast_options();
    basic_options.client_auth = ClientAuth::HttpBasic;
    basic_options.exchange_auth = ExchangeAuth::HttpBasic;
    debug_output.push(format!("{basic_options:?}"));
    let basic_creds = credentials(&basic_server.base_url());
    let cc_provider = ClientCredentialsProvider::new(basic_creds.clone(), &basic_options).unwrap();
    cc_provider.token(&Scope::Msp).await.unwrap();
    basic_cc.assert_async().await;
    debug_output.push(format!("{cc_provider:?} {cc_provider:#?}"));
    let cached = CachingProvider::new(Arc::new(cc_provider), &basic_options);
    cached.token(&Scope::Msp).await.unwrap();
    debug_output.push(format!("{cached:?}"));

    let static_subject: Arc<dyn TokenProvider> = Arc::new(StaticTokenProvider::new(
        SecretString::from(STATIC_TOKEN),
        Duration::from_secs(900),
    ));
    let exchange_provider = TokenExchangeProvider::new(
        static_subject,
        BaseUrl::parse(&basic_server.base_url()).unwrap(),
        &basic_options,
    )
    .unwrap()
    .with_basic_auth(basic_creds);
    // No mock for the tenant path: the 404 is one more error whose output must stay clean.
    errors.push(
        exchange_provider
            .token(&Scope::Tenant(ws(TENANT_WORKSPACE)))
            .await
            .unwrap_err(),
    );
    debug_output.push(format!("{exchange_provider:?} {exchange_provider:#?}"));

    // 3. A 401 (the server echoes nothing secret; our side must not add it).
    let refusing = MockServer::start_async().await;
    refusing
        .mock_async(|when, then| {
            when.method(POST);
            then.status(401)
                .body(r#"{"error":"invalid_client","error_description":"bad client"}"#);
        })
        .await;
    let refused =
        ClientCredentialsProvider::new(credentials(&refusing.base_url()), &fast_options())
            .unwrap()
            .token(&Scope::Msp)
            .await
            .unwrap_err();
    assert!(refused.is_credential_rejected());
    errors.push(refused);

    // 4. A retry: 503 then 200 (the retry path logs a warning with the error).
    let scripted = Server::scripted(vec![
        Reply::json(503, r#"{"error":"temporarily_unavailable"}"#),
        Reply::json(200, token_body(RETRIED_TOKEN, 900)),
    ]);
    let retried = ClientCredentialsProvider::new(credentials(scripted.base_url()), &fast_options())
        .unwrap()
        .token(&Scope::Msp)
        .await
        .unwrap();
    assert_eq!(retried.secret().expose_secret(), RETRIED_TOKEN);
    assert_eq!(scripted.requests().len(), 2);

    // 5. A transport error and a config error.
    let mut never = fast_options();
    never.retry = glp_auth::RetryPolicy::never();
    errors.push(
        ClientCredentialsProvider::new(credentials(&refused_url()), &never)
            .unwrap()
            .token(&Scope::Msp)
            .await
            .unwrap_err(),
    );
    let config = Credentials::from_lookup(|name| match name {
        "GLP_CLIENT_SECRET" => Some(SECRET.to_owned()),
        "GLP_WORKSPACE_ID" => Some(SECRET.to_owned()),
        "GLP_BASE_URL" => Some(format!("https://user:{SECRET}@host")),
        _ => None,
    })
    .unwrap_err();
    errors.push(AuthError::from(config));

    drop(guard);

    // The log: spans and events are there, secrets are not.
    let log = captured.text();
    assert!(
        log.contains("glp_token"),
        "no token span in the log:\n{log}"
    );
    assert!(
        log.contains("token issued"),
        "no success event in the log:\n{log}"
    );
    assert!(
        log.contains("retrying"),
        "no retry event in the log:\n{log}"
    );
    assert!(log.contains("invalid_client"), "no 401 in the log:\n{log}");
    assert_clean("the TRACE log", &log);

    for (i, text) in debug_output.iter().enumerate() {
        assert_clean(&format!("Debug output #{i}"), text);
    }
    assert_eq!(errors.len(), 4);
    for error in &errors {
        assert_clean("an error's Display", &error.to_string());
        assert_clean("an error's Debug", &format!("{error:?} {error:#?}"));
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            assert_clean("an error's source", &format!("{cause} {cause:?}"));
            source = cause.source();
        }
    }
}

#[test]
fn debug_of_secret_holders_is_redacted() {
    let creds = credentials("http://127.0.0.1:9");
    let shown = format!("{creds:?}");
    assert!(shown.contains("REDACTED"), "{shown}");
    assert!(shown.contains(CLIENT_ID), "the id is not secret: {shown}");
    assert_clean("Credentials Debug", &shown);

    let token = AccessToken::new(
        SecretString::from(MSP_TOKEN),
        std::time::Instant::now() + Duration::from_secs(60),
    );
    let shown = format!("{token:?}");
    assert!(shown.contains("REDACTED"), "{shown}");
    assert_clean("AccessToken Debug", &shown);

    let options = AuthOptions::default();
    assert_clean("AuthOptions Debug", &format!("{options:?}"));

    let statics =
        StaticTokenProvider::new(SecretString::from(STATIC_TOKEN), Duration::from_secs(1))
            .with_scope(
                Scope::Tenant(ws(TENANT_WORKSPACE)),
                SecretString::from(TENANT_TOKEN),
                Duration::from_secs(1),
            );
    assert_clean("StaticTokenProvider Debug", &format!("{statics:?}"));
}
