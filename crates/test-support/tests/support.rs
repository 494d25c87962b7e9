//! The fixtures themselves, over real HTTP on loopback ports.
#![allow(clippy::unwrap_used)]

use std::io::{Read as _, Write as _};
use std::time::Duration;

use test_support::{Cli, RawReply, RawServer, Reply, Server, refused_url, temp_dir};

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn routes_answer_in_order_then_always_then_the_global_queue_then_418() {
    let server = Server::start();
    server
        .on(
            "GET",
            "/a",
            [Reply::status(503), Reply::json(200, r#"{"n":1}"#)],
        )
        .always("GET", "/b*", Reply::raw(200, "text/plain", "bee"))
        .then([Reply::status(201)]);
    let get = |path: &str| {
        let url = server.url(path);
        async move { client().get(url).send().await.unwrap() }
    };
    assert_eq!(get("/a").await.status(), 503);
    assert_eq!(get("/a").await.text().await.unwrap(), r#"{"n":1}"#);
    assert_eq!(get("/bcd").await.text().await.unwrap(), "bee");
    assert_eq!(get("/b").await.text().await.unwrap(), "bee");
    assert_eq!(get("/a").await.status(), 201, "the queue for any request");
    assert_eq!(get("/a").await.status(), 418, "nothing left");
    assert_eq!(server.count("GET", "/a"), 4);
    assert_eq!(server.count("*", "/b*"), 2);
    assert_eq!(server.remaining(), 0);
}

#[tokio::test]
async fn every_request_is_recorded_with_method_path_query_headers_and_body() {
    let server = Server::scripted([Reply::status(200).header("x-answer", "42")]);
    let response = client()
        .post(server.url("/token?x=1&y=two"))
        .header("authorization", "Bearer t0k")
        .form(&[("grant_type", "client_credentials"), ("secret", "a+b/c")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-answer"], "42");
    let requests = server.requests();
    let r = &requests[0];
    assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", "/token"));
    assert_eq!(r.query.as_deref(), Some("x=1&y=two"));
    assert_eq!(r.query_pairs()["y"], "two");
    assert_eq!(r.bearer(), Some("t0k"));
    assert_eq!(r.form()["secret"], "a+b/c");
    assert!(r.as_text().starts_with("POST /token?x=1&y=two\n"));
    assert_eq!(server.answered().len(), 1);
}

#[tokio::test]
async fn a_handler_answers_what_nothing_scripted_does_and_may_read_the_requests() {
    let server = Server::start();
    let seen = server.clone();
    server.handle(move |r| {
        (r.path == "/count").then(|| Reply::json(200, seen.requests().len().to_string()))
    });
    let text = client()
        .get(server.url("/count"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(text, "1");
    let other = client().get(server.url("/other")).send().await.unwrap();
    assert_eq!(other.status(), 418);
}

#[tokio::test]
async fn delays_streams_and_cut_off_bodies() {
    let server = Server::scripted([
        Reply::status(200).delay(Duration::from_millis(50)),
        Reply::stream("[", "1,", 100_001, true),
        Reply::json(200, r#"{"items":[1,2,3]}"#).cut_off(),
    ]);
    let started = std::time::Instant::now();
    client().get(server.base_url()).send().await.unwrap();
    // A lower bound only: the answer came no sooner than its delay.
    assert!(started.elapsed() >= Duration::from_millis(50));
    let body = client()
        .get(server.base_url())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(body.len(), 100_001);
    assert!(body.starts_with(b"[1,1,"));
    let cut = client().get(server.base_url()).send().await.unwrap();
    assert!(cut.bytes().await.is_err(), "the body was cut off");
}

fn raw_get(url: &str) -> std::io::Result<Vec<u8>> {
    let addr = url.strip_prefix("http://").unwrap();
    let mut socket = std::net::TcpStream::connect(addr)?;
    socket.write_all(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n")?;
    let mut answer = Vec::new();
    socket.read_to_end(&mut answer)?;
    Ok(answer)
}

#[test]
fn the_raw_server_writes_each_connection_its_bytes_and_records_the_request() {
    let server = RawServer::start(vec![
        RawReply::ok_json("{}"),
        RawReply::close(),
        RawReply::chunked(3, 2),
        RawReply::cut_short("{}"),
    ]);
    let first = raw_get(server.base_url()).unwrap();
    assert!(first.starts_with(b"HTTP/1.1 200 OK\r\n") && first.ends_with(b"\r\n\r\n{}"));
    assert!(raw_get(server.base_url()).unwrap().is_empty());
    let chunked = raw_get(server.base_url()).unwrap();
    assert!(chunked.ends_with(b"2\r\nxx\r\n2\r\nxx\r\n2\r\nxx\r\n0\r\n\r\n"));
    let cut = String::from_utf8(raw_get(server.base_url()).unwrap()).unwrap();
    assert!(cut.contains("content-length: 102\r\n") && cut.ends_with("{}"));
    assert!(
        raw_get(server.base_url()).unwrap().is_empty(),
        "past the script"
    );
    assert_eq!(server.accepted(), 5);
    assert!(server.requests()[0].starts_with(b"GET / HTTP/1.1\r\n"));
}

#[test]
fn refused_urls_refuse() {
    assert!(raw_get(&refused_url()).is_err());
}

#[test]
fn the_cli_builder_clears_the_environment_feeds_stdin_and_kills_past_its_deadline() {
    let dir = temp_dir("cli-test");
    let out = Cli::new("sh")
        .env("ONLY", "this")
        .current_dir(dir.path())
        .args([
            "-c",
            "cat; echo \"$ONLY ${HOME:-no-home}\"; pwd; echo err >&2; exit 3",
        ])
        .stdin("from stdin\n")
        .run();
    out.assert_code(3);
    let lines = out.stdout_lines();
    assert_eq!(lines[..2], ["from stdin", "this no-home"]);
    assert_eq!(
        std::fs::canonicalize(lines[2]).unwrap(),
        std::fs::canonicalize(dir.path()).unwrap()
    );
    assert_eq!(out.stderr, "err\n");
    let err = Cli::new("sh")
        .args(["-c", "echo started >&2; sleep 600"])
        .timeout(Duration::from_millis(300))
        .try_run()
        .unwrap_err();
    assert!(
        matches!(err, test_support::ProcError::Timeout { .. }),
        "{err}"
    );
    let path = dir.path().to_path_buf();
    drop(dir);
    assert!(!path.exists(), "the temporary directory is removed");
}
