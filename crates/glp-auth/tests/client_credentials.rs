//! Contract tests of the client-credentials grant (the MSP token) against a real HTTP mock:
//! method, path (workspace id without hyphens), content type, every form field and its
//! percent-encoding, the HTTP Basic option, expiry from the response, and credentials read
//! through `Credentials::from_lookup` working end to end.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use glp_auth::{
    AuthError, AuthOptions, ClientAuth, ClientCredentialsProvider, Credentials, ExposeSecret,
    Scope, TokenProvider, msp_provider,
};
use httpmock::MockServer;
use support::*;

#[tokio::test]
async fn body_auth_posts_exact_form_to_compact_workspace_path() {
    let server = MockServer::start_async().await;
    let form = cc_form(CLIENT_ID, SECRET);
    let more = |when: httpmock::When| {
        when.header("accept", "application/json")
            .header_missing("authorization")
            // The raw body: the secret percent-encoded exactly, not double-encoded.
            .body_includes(format!("client_secret={SECRET_ENCODED}"))
            .body_includes(format!("client_id={CLIENT_ID_ENCODED}"))
            .body_includes("grant_type=client_credentials")
    };
    let mock = exact_form_mock(&server, MSP_COMPACT, &form, more, "msp-token-1").await;

    // The workspace was given hyphenated and partly upper-case.
    let creds = credentials(&server.base_url());
    assert_eq!(creds.workspace_id.to_string(), MSP_WORKSPACE.to_lowercase());
    let provider = ClientCredentialsProvider::new(creds, &fast_options()).unwrap();

    let (result, before, after) = timed_token(&provider, &Scope::Msp).await;
    mock.assert_async().await;
    let token = result.unwrap();

    assert_eq!(token.secret().expose_secret(), "msp-token-1");
    // Expiry = send time + expires_in; the send time lies between `before` and `after`.
    let lifetime = Duration::from_secs(900);
    assert_lifetime(&token, before, after, lifetime);
    assert_eq!(token.issued_token_type(), None);
}

#[tokio::test]
async fn body_auth_raw_body_decodes_to_the_exact_fields() {
    // The scripted server records the raw body, so every field is checked without relying on
    // the mock's matcher: exactly three fields, in any order, with the exact decoded values.
    let server = Server::scripted(vec![Reply::json(200, token_body("msp-token-raw", 900))]);
    let provider =
        ClientCredentialsProvider::new(credentials(server.base_url()), &fast_options()).unwrap();
    let token = provider.token(&Scope::Msp).await.unwrap();
    assert_eq!(token.secret().expose_secret(), "msp-token-raw");

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, token_path(MSP_COMPACT));
    assert_eq!(
        request.headers["content-type"],
        "application/x-www-form-urlencoded"
    );
    assert!(request.headers.get("authorization").is_none());
    let fields: HashMap<String, String> = form_pairs(&request.text()).into_iter().collect();
    assert_eq!(fields.len(), 3, "{fields:?}");
    assert_eq!(fields["grant_type"], "client_credentials");
    assert_eq!(fields["client_id"], CLIENT_ID);
    assert_eq!(fields["client_secret"], SECRET);
    assert!(
        request
            .text()
            .contains(&format!("client_secret={SECRET_ENCODED}")),
        "raw body not encoded as expected"
    );
}

#[tokio::test]
async fn basic_option_sends_encoded_id_and_secret_in_the_header_only() {
    let server = MockServer::start_async().await;
    let expected = msp_basic();
    let form = [("grant_type", "client_credentials")];
    let more = |when: httpmock::When| {
        when.header("authorization", expected.as_str())
            .body("grant_type=client_credentials")
    };
    let mock = exact_form_mock(&server, MSP_COMPACT, &form, more, "msp-token-basic").await;

    let mut o = AuthOptions::default();
    o.client_auth = ClientAuth::HttpBasic;
    let provider = ClientCredentialsProvider::new(credentials(&server.base_url()), &o).unwrap();
    let result = provider.token(&Scope::Msp).await;
    mock.assert_async().await;
    assert_eq!(result.unwrap().secret().expose_secret(), "msp-token-basic");
}

#[tokio::test]
async fn msp_workspace_as_tenant_scope_is_served_other_tenants_are_not() {
    let server = MockServer::start_async().await;
    let mock = grant_mock(&server, 200, &token_body("msp-token-self", 900)).await;
    let provider =
        ClientCredentialsProvider::new(credentials(&server.base_url()), &fast_options()).unwrap();

    let own = provider
        .token(&Scope::Tenant(ws(MSP_COMPACT)))
        .await
        .unwrap();
    assert_eq!(own.secret().expose_secret(), "msp-token-self");

    let other = provider
        .token(&Scope::Tenant(ws(TENANT_WORKSPACE)))
        .await
        .unwrap_err();
    assert!(
        matches!(
            other,
            AuthError::UnsupportedScope {
                provider: "client-credentials",
                ..
            }
        ),
        "{other:?}"
    );
    // The unsupported scope never reached the server.
    assert_eq!(mock.calls_async().await, 1);
}

#[tokio::test]
async fn credentials_from_lookup_work_end_to_end_with_msp_provider() {
    let server = MockServer::start_async().await;
    let form = cc_form("lookup-id", SECRET);
    let cc = exact_form_mock(&server, MSP_COMPACT, &form, |w| w, "msp-from-lookup").await;
    let exchange = exchange_mock(
        &server,
        Some("msp-from-lookup"),
        200,
        &token_body("tenant-from-lookup", 900),
    )
    .await;

    let base = server.base_url();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    let vars: HashMap<&str, String> = [
        ("GLP_CLIENT_ID", " lookup-id ".to_owned()),
        ("GLP_CLIENT_SECRET", SECRET.to_owned()),
        ("GLP_WORKSPACE_ID", format!("  {MSP_WORKSPACE}\n")),
        ("GLP_BASE_URL", base.clone()),
    ]
    .into_iter()
    .collect();
    let creds = Credentials::from_lookup(|name| vars.get(name).cloned()).unwrap();
    assert_eq!(creds.base_url.to_string(), base);

    let provider: Arc<dyn TokenProvider> = msp_provider(creds, fast_options()).unwrap();
    let (msp, tenant) = msp_then_tenant(&*provider).await;
    cc.assert_async().await;
    exchange.assert_async().await;
    assert_eq!(msp.secret().expose_secret(), "msp-from-lookup");
    assert_eq!(tenant.secret().expose_secret(), "tenant-from-lookup");
}

#[test]
fn from_lookup_refuses_plain_http_to_a_remote_host() {
    let vars: HashMap<&str, &str> = [
        ("GLP_CLIENT_ID", "id"),
        ("GLP_CLIENT_SECRET", SECRET),
        ("GLP_WORKSPACE_ID", MSP_WORKSPACE),
        ("GLP_BASE_URL", "http://10.1.2.3:8080"),
    ]
    .into_iter()
    .collect();
    let err = Credentials::from_lookup(|name| vars.get(name).map(|v| v.to_string())).unwrap_err();
    assert_eq!(err.problems.len(), 1, "{err}");
    assert!(err.problems[0].starts_with("GLP_BASE_URL"), "{err}");
    assert!(err.to_string().contains("loopback"), "{err}");
    assert!(!err.to_string().contains(SECRET));
}
