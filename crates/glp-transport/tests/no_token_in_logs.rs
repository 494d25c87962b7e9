//! The bearer token is sent, and never written to the logs: every tracing span and event
//! (at TRACE, from every crate that uses `tracing`, hyper's included) is captured into a buffer while a client
//! goes through success, 401 + refresh, 403, 429, 503, decode errors and a broken connection;
//! the buffer is then searched for the token. Errors' `Display` and `Debug` are searched too.
#![allow(clippy::unwrap_used)]

mod support;

use glp_core::Scope;
use glp_transport::Api;
use support::{OkBody, RawReply, RawServer, Reply, Server, TOKEN, builder, ok, static_provider};
use test_support::Captured;
use tracing_subscriber::fmt::format::FmtSpan;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_is_sent_but_never_logged() {
    // Everything, from every crate, with span fields (also those recorded later: FULL span
    // events print them when a span closes).
    let buffer = Captured::default();
    let writer = buffer.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_span_events(FmtSpan::FULL)
        .with_writer(move || writer.clone())
        .init();

    let glp_body = r#"{"httpStatusCode":403,"errorCode":"HPE_GL_ERROR_FORBIDDEN","message":"no"}"#;
    let server = Server::scripted(vec![
        ok(1),
        Reply::status(401),
        ok(2),
        Reply::json(403, glp_body),
        Reply::status(429).header("retry-after", "0"),
        Reply::status(503),
        Reply::json(200, r#"{"ok": tr"#),
        ok(3),
        Reply::json(200, r#"{"unexpected": 1}"#),
        Reply::status(401),
        Reply::status(401),
    ]);
    let api = builder(Api::GreenLake, server.base_url(), static_provider())
        .build()
        .unwrap();
    let mut errors = Vec::new();
    for path in [
        "ok",
        "refresh",
        "forbidden",
        "flaky",
        "decode",
        "unauthorized",
    ] {
        match api
            .get_json::<OkBody>(&Scope::Msp, path, &[("q", "v".into())])
            .await
        {
            Ok(_) => {}
            Err(e) => errors.push(e),
        }
    }
    // A broken connection too.
    let raw = RawServer::start(vec![RawReply::close(), RawReply::close()]);
    let broken = builder(Api::Central, raw.base_url(), static_provider())
        .retry(glp_core::RetryPolicy::with_max_attempts(2))
        .build()
        .unwrap();
    errors.push(
        broken
            .get_json::<OkBody>(&Scope::Msp, "broken", &[])
            .await
            .unwrap_err(),
    );
    assert_eq!(errors.len(), 4, "{errors:?}");

    // The token was sent on every request...
    let requests = server.requests();
    assert_eq!(requests.len(), 11);
    for r in &requests {
        assert_eq!(r.authorization(), Some(format!("Bearer {TOKEN}").as_str()));
    }

    // ...and the capture works (spans with their fields, events at several levels)...
    let logs = buffer.text();
    assert!(logs.contains("api_request{"), "{logs}");
    assert!(logs.contains("status=401"), "{logs}");
    assert!(logs.contains("latency_ms="), "{logs}");
    assert!(logs.contains("path=/refresh"), "{logs}");
    for level in ["TRACE", "DEBUG", "INFO", "WARN"] {
        assert!(logs.contains(level), "no {level} line:\n{logs}");
    }
    assert!(logs.lines().count() > 50, "{logs}");

    // ...but no line holds the token, whole or in part.
    let fragments = TOKEN.split('.').collect::<Vec<_>>();
    for fragment in &fragments {
        assert!(
            !logs.contains(fragment),
            "token fragment {fragment:?} logged:\n{logs}"
        );
    }
    for e in &errors {
        let shown = format!("{e}\n{e:?}");
        for fragment in &fragments {
            assert!(!shown.contains(fragment), "token in an error: {shown}");
        }
    }
    let debug = format!("{api:?}");
    assert!(!debug.contains(TOKEN), "{debug}");
}
