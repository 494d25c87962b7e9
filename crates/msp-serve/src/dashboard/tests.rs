use std::net::SocketAddr;
use std::path::PathBuf;

use msp_orchestrator::msp_store::{Incomplete, NewRun, RunStatus, TenantDuration};

use super::*;
use crate::Token;

/// A secret as a careless command line could have held it.
const SECRET: &str = "dashboard-secret-0123456789";
/// A hostile tenant name.
const HOSTILE: &str = "<script>alert(1)</script>";

fn device(serial: &str, name: &str, mac: &str, status: &str) -> String {
    format!(
        r#"{{"serialNumber":"{serial}","deviceName":"{name}","macAddress":"{mac}","deviceType":"AP","status":"{status}"}}"#
    )
}

/// Two runs of three tenants: Alpha (an AP goes offline in the second run, a critical alert),
/// the hostile one (failed in the second run), Gamma (all up). The runs' arguments hold
/// [`SECRET`]. Alpha's collections took 1.25 s then 2.25 s; the others' times are unknown. In a
/// temporary folder (kept while the first value lives); the second value is the store's path.
fn small_store() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("s.sqlite");
    let mut store = Store::open(&db).expect("store");
    for n in 0..2 {
        let run = store
            .begin_run(&NewRun::new(
                "t",
                ["serve", "--client-secret", SECRET],
                ["devices", "alerts"],
            ))
            .expect("run");
        let a2 = if n == 0 { "ONLINE" } else { "OFFLINE" };
        let alpha = [
            device("A1", "ap-lobby", "AA:BB:CC:00:00:01", "ONLINE"),
            device("A2", "ap-hall", "AA:BB:CC:00:00:02", a2),
        ];
        store
            .write_entry(
                run,
                "t-a",
                "Alpha",
                "devices",
                alpha.iter().map(String::as_str),
            )
            .expect("alpha");
        let alert = r#"{"id":"1","severity":"Critical","status":"Active"}"#;
        store
            .write_entry(run, "t-a", "Alpha", "alerts", [alert])
            .expect("alerts");
        let hostile = [device("H1", HOSTILE, "aa-bb-cc-00-00-03", "ONLINE")];
        if n == 0 {
            store
                .write_entry(
                    run,
                    "t-h",
                    HOSTILE,
                    "devices",
                    hostile.iter().map(String::as_str),
                )
                .expect("hostile");
        } else {
            store
                .note_incomplete(
                    run,
                    "t-h",
                    HOSTILE,
                    "devices",
                    Incomplete::Failed,
                    "HTTP 500",
                )
                .expect("failed");
        }
        let gamma = [device("G1", "gw", "aabb.cc00.0004", "ONLINE")];
        store
            .write_entry(
                run,
                "t-g",
                "Gamma",
                "devices",
                gamma.iter().map(String::as_str),
            )
            .expect("gamma");
        let took = TenantDuration {
            tenant_id: "t-a".into(),
            workspace_id: "ws-a".into(),
            duration_ms: 1250 + 1000 * n,
        };
        store.write_durations(run, &[took]).expect("durations");
        store.end_run(run, RunStatus::Partial).expect("end");
    }
    (dir, db)
}

async fn started(token: Option<Token>) -> (tempfile::TempDir, SocketAddr) {
    let (dir, db) = small_store();
    let addr = crate::http::tests::serve_store(&db, token).await;
    (dir, addr)
}

async fn page(addr: SocketAddr, path: &str) -> (u16, String) {
    let response = reqwest::get(format!("http://{addr}{path}"))
        .await
        .expect("get");
    let status = response.status().as_u16();
    if status == 200 {
        let kind = response.headers().get("content-type").expect("type");
        assert!(kind.to_str().expect("ascii").starts_with("text/html"));
        let csp = response
            .headers()
            .get("content-security-policy")
            .expect("csp");
        assert!(
            csp.to_str()
                .expect("ascii")
                .starts_with("default-src 'none'")
        );
    }
    (status, response.text().await.expect("body"))
}

/// The text between each pair of `start` and `end`, in order.
fn between<'a>(text: &'a str, start: &str, end: &str) -> Vec<&'a str> {
    text.split(start)
        .skip(1)
        .filter_map(|rest| rest.split(end).next())
        .collect()
}

#[tokio::test]
async fn the_overview_lists_every_tenant_worst_first_and_escapes_names() {
    let (_dir, addr) = started(None).await;
    let (status, html) = page(addr, "/").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains(r#"name="viewport""#), "{html}");
    let ids = between(&html, "data-tenant-id=\"", "\"");
    assert_eq!(ids, ["t-h", "t-a", "t-g"], "{html}");
    assert!(!html.contains(HOSTILE), "{html}");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(html.contains(r#"href="/tenants/t-a""#), "{html}");
    assert!(html.contains("HTTP 500"), "{html}");
    assert!(!html.contains("<script"), "{html}");
}

#[tokio::test]
async fn a_tenant_page_shows_devices_alerts_and_what_changed() {
    let (_dir, addr) = started(None).await;
    let (status, html) = page(addr, "/tenants/t-a").await;
    assert_eq!(status, 200, "{html}");
    // Down first.
    let serials = between(&html, "<td class=\"serial\">", "<");
    assert_eq!(serials, ["A2", "A1"], "{html}");
    assert!(html.contains("Critical"), "{html}");
    assert!(html.contains("Run 1 → 2"), "{html}");
    assert!(html.contains("status: ONLINE → OFFLINE"), "{html}");
    // The newest complete collection's duration.
    assert!(html.contains(", which took 2.250 s."), "{html}");
    let (status, html) = page(addr, "/tenants/t-h").await;
    assert_eq!(status, 200);
    // Not recorded: not shown (unknown, not zero).
    assert!(!html.contains("which took"), "{html}");
    assert!(!html.contains(HOSTILE), "{html}");
    assert_eq!(page(addr, "/tenants/nobody").await.0, 404);
}

#[tokio::test]
async fn runs_and_search_pages_and_no_page_shows_a_secret() {
    let (_dir, addr) = started(None).await;
    let (status, runs) = page(addr, "/runs").await;
    assert_eq!(status, 200);
    assert_eq!(between(&runs, "<tr><td>", "<"), ["2", "1"], "{runs}");
    // A MAC in another form finds the device, in its tenant.
    let (status, found) = page(addr, "/search?q=aa-bb-cc-00-00-04").await;
    assert_eq!(status, 200);
    assert_eq!(
        between(&found, "<td class=\"serial\">", "<"),
        ["G1"],
        "{found}"
    );
    assert!(found.contains(r#"href="/tenants/t-g""#), "{found}");
    let (_, by_name) = page(addr, "/search?q=AP-LOB").await;
    assert_eq!(between(&by_name, "<td class=\"serial\">", "<"), ["A1"]);
    let (_, hostile) = page(addr, "/search?q=%3Cscript%3E").await;
    assert!(!hostile.contains("<script>"), "{hostile}");
    let (status, form) = page(addr, "/search").await;
    assert_eq!(status, 200);
    assert!(form.contains("name=\"q\""), "{form}");
    for path in ["/", "/runs", "/tenants/t-a", "/tenants/t-h", "/search?q=a"] {
        let (_, html) = page(addr, path).await;
        assert!(!html.contains(SECRET), "{path}: {html}");
        assert!(!html.contains("--client-secret"), "{path}: {html}");
    }
}

#[tokio::test]
async fn with_a_token_pages_need_it_and_login_sets_a_strict_cookie() {
    let token = Token::new("0123456789abcdef0123").expect("token");
    let (_dir, addr) = started(Some(token)).await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    // A GET of `path`, with one header (name, value) when given.
    let get = async |path: &str, header: Option<(&str, &str)>| {
        let mut request = http.get(format!("http://{addr}{path}"));
        if let Some((name, value)) = header {
            request = request.header(name, value);
        }
        request.send().await.expect("get")
    };
    let bearer = Some(("authorization", "Bearer 0123456789abcdef0123"));
    for path in ["/", "/runs", "/tenants/t-a", "/search?q=A1"] {
        assert_eq!(get(path, None).await.status(), 401, "{path}");
        assert_eq!(get(path, bearer).await.status(), 200, "{path}");
    }
    let wrong = get("/login?token=0123456789abcdef0124", None).await;
    assert_eq!(wrong.status(), 401);
    assert!(wrong.headers().get("set-cookie").is_none());
    let login = get("/login?token=0123456789abcdef0123", None).await;
    assert_eq!(login.status(), 303);
    assert_eq!(login.headers().get("location").expect("location"), "/");
    let cookie = login
        .headers()
        .get("set-cookie")
        .expect("cookie")
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(!cookie.contains("0123456789abcdef0123"), "{cookie}");
    let pair = cookie.split(';').next().expect("pair").to_owned();
    let with_cookie = get("/", Some(("cookie", &pair))).await;
    assert_eq!(with_cookie.status(), 200);
    let html = with_cookie.text().await.expect("body");
    assert!(!html.contains("0123456789abcdef0123"));
}

#[test]
fn percent_encoding_keeps_only_unreserved_bytes() {
    assert_eq!(pages::encode("t-a_1.~"), "t-a_1.~");
    assert_eq!(pages::encode("a/b c\"<"), "a%2Fb%20c%22%3C");
}

#[test]
fn the_overview_is_kept_until_a_run_ends() {
    let (_dir, db) = small_store();
    let dashboard = Dashboard::open(&db).expect("dashboard");
    let before = dashboard.overview_html().expect("overview");
    assert_eq!(before, dashboard.overview_html().expect("again"));
    // A run in progress changes nothing shown; once it ends, the page is computed again.
    let mut store = Store::open(&db).expect("store");
    let run = store
        .begin_run(&NewRun::new("t", ["serve"], ["devices"]))
        .expect("run");
    store
        .write_entry(
            run,
            "t-n",
            "Newcomer",
            "devices",
            [device("N1", "n", "", "ONLINE").as_str()],
        )
        .expect("entry");
    assert_eq!(before, dashboard.overview_html().expect("during"));
    store.end_run(run, RunStatus::Partial).expect("end");
    let after = dashboard.overview_html().expect("after");
    assert!(
        after.contains("Newcomer") && !before.contains("Newcomer"),
        "{after}"
    );
}

#[test]
fn the_overview_counts_devices_down_and_alerts_apart() {
    let (_dir, db) = small_store();
    let store = Store::open(&db).expect("store");
    let lines = overview(&store).expect("overview");
    let counts: Vec<(&str, &str, u64, u64, u64, u64)> = lines
        .iter()
        .map(|l| {
            let id = l.id.as_str();
            (id, l.outcome, l.devices, l.down, l.open_alerts, l.critical)
        })
        .collect();
    // Alpha's alert is no device; the hostile tenant's devices come from its first run.
    assert_eq!(
        counts,
        [
            ("t-h", "failed", 1, 0, 0, 0),
            ("t-a", "ok", 2, 1, 1, 1),
            ("t-g", "ok", 1, 0, 0, 0),
        ]
    );
}
