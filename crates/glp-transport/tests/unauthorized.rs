//! 401 handling: the rejected token is reported to the provider once, the request is retried
//! once with a fresh token, and a second 401 is an error carrying the troubleshooting hints
//! (for Central, the wrong-cluster hint first).
#![allow(clippy::unwrap_used)]

mod support;

use std::sync::Arc;

use glp_core::Scope;
use glp_core::hints::{CENTRAL_CLUSTER_HINT, UNAUTHORIZED_HINT};
use glp_transport::{Api, ApiError};
use support::{CountingProvider, OkBody, Reply, Server, builder, counted, get_err, ok, shown_with};

async fn setup(
    api: Api,
    replies: Vec<Reply>,
) -> (Server, Arc<CountingProvider>, glp_transport::ApiClient) {
    let server = Server::scripted(replies);
    let provider = Arc::new(CountingProvider::default());
    let client = builder(api, server.base_url(), provider.clone())
        .build()
        .unwrap();
    (server, provider, client)
}

fn authorizations(server: &Server) -> Vec<String> {
    server
        .requests()
        .iter()
        .map(|r| r.authorization().unwrap_or("(none)").to_owned())
        .collect()
}

#[tokio::test]
async fn one_401_refreshes_the_token_once_and_retries() {
    let (server, provider, api) = setup(Api::GreenLake, vec![Reply::status(401), ok(1)]).await;
    let body: OkBody = api.get_json(&Scope::Msp, "x", &[]).await.unwrap();
    assert_eq!(body.n, 1);
    assert_eq!(provider.invalidations(), 1);
    assert_eq!(provider.calls(), 2);
    assert_eq!(authorizations(&server), ["Bearer tok-1", "Bearer tok-2"]);
    assert_eq!(counted(&api), (2, 0, 0, 1));
}

#[tokio::test]
async fn a_probe_without_token_refresh_takes_a_401_as_the_answer_and_keeps_the_token() {
    // A Central cluster the MSP is not on answers 401: that must not cost the valid token.
    let server = Server::scripted(vec![Reply::status(401), ok(1)]);
    let provider = Arc::new(CountingProvider::default());
    let api = builder(Api::Central, server.base_url(), provider.clone())
        .no_token_refresh()
        .build()
        .unwrap();
    let err = get_err(&api).await;
    assert_eq!(err.status(), Some(401));
    assert_eq!(provider.invalidations(), 0, "the token is kept");
    assert_eq!(authorizations(&server), ["Bearer tok-1"]);
    assert_eq!(server.remaining(), 1, "no second request");
    assert_eq!(api.totals().token_refreshes, 0);
}

#[tokio::test]
async fn a_second_401_is_an_error_with_the_hint() {
    let (server, provider, api) = setup(
        Api::GreenLake,
        vec![
            Reply::json(
                401,
                r#"{"httpStatusCode":401,"errorCode":"HPE_GL_ERROR_UNAUTHORIZED","message":"Unauthorized","debugId":"d-401"}"#,
            ),
            Reply::json(
                401,
                r#"{"httpStatusCode":401,"errorCode":"HPE_GL_ERROR_UNAUTHORIZED","message":"Unauthorized","debugId":"d-401b"}"#,
            ),
            ok(1),
        ],
    )
    .await;
    let err = get_err(&api).await;
    assert!(matches!(err, ApiError::Http { status: 401, .. }), "{err:?}");
    assert_eq!(err.kind(), "unauthorized");
    assert!(!err.is_transient());
    assert_eq!(provider.invalidations(), 1, "only one refresh per call");
    assert_eq!(authorizations(&server), ["Bearer tok-1", "Bearer tok-2"]);
    assert_eq!(server.remaining(), 1, "no third request");
    let shown = shown_with(&err, &[UNAUTHORIZED_HINT]);
    assert!(
        shown.contains("(debugId d-401b)"),
        "the last answer is reported: {shown}"
    );
    assert!(!shown.contains(CENTRAL_CLUSTER_HINT), "{shown}");
}

#[tokio::test]
async fn a_central_401_names_the_cluster_first() {
    let (_server, provider, api) =
        setup(Api::Central, vec![Reply::status(401), Reply::status(401)]).await;
    let err = get_err(&api).await;
    assert_eq!(provider.invalidations(), 1);
    let shown = shown_with(&err, &[CENTRAL_CLUSTER_HINT, UNAUTHORIZED_HINT]);
    let cluster = shown
        .find(CENTRAL_CLUSTER_HINT)
        .expect("cluster hint shown");
    let credentials = shown.find(UNAUTHORIZED_HINT).expect("401 hint shown");
    assert!(cluster < credentials, "{shown}");
}

#[tokio::test]
async fn each_call_gets_its_own_refresh() {
    // Two calls, each meeting one 401: each refreshes once and succeeds.
    let (server, provider, api) = setup(
        Api::GreenLake,
        vec![Reply::status(401), ok(1), Reply::status(401), ok(2)],
    )
    .await;
    let _: OkBody = api.get_json(&Scope::Msp, "x", &[]).await.unwrap();
    let second: OkBody = api.get_json(&Scope::Msp, "x", &[]).await.unwrap();
    assert_eq!(second.n, 2);
    assert_eq!(provider.invalidations(), 2);
    assert_eq!(
        authorizations(&server),
        [
            "Bearer tok-1",
            "Bearer tok-2",
            "Bearer tok-2",
            "Bearer tok-3"
        ]
    );
}

#[tokio::test]
async fn a_refresh_does_not_use_up_the_retry_budget() {
    // 401, then 503, then 200: the refresh is not a retry, the 503 is.
    let (_server, provider, api) = setup(
        Api::GreenLake,
        vec![Reply::status(401), Reply::status(503), ok(1)],
    )
    .await;
    let _: OkBody = api.get_json(&Scope::Msp, "x", &[]).await.unwrap();
    assert_eq!(provider.invalidations(), 1);
    assert_eq!(counted(&api), (3, 1, 0, 1));
}
