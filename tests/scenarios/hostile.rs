//! Scenario 10 (issue 10): a hostile, broken or redirected server. The real binary against the
//! scripted fake GreenLake + Central of `glp_msp_e2e::fake`, one test per attack; a capture
//! server on a second loopback address stands for "another host".
//!
//! Every run is bounded (`LIMIT`, generous); a run that does not end in time is killed and
//! reported as such, never left hanging. Several variants of one attack run in parallel threads,
//! each with its own fake, and are all reported at once.

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use glp_msp_e2e::fake::{
    CAPTURED, CLIENT_SECRET, Capture, Fake, FakeTenant, Platform, Recorded, Reply, Route, Setup,
    glp_error, oauth_error,
};
use glp_msp_e2e::{Proc, ProcError, Workdir, leaks};
use serde_json::{Value, json};

use crate::common::bins;

/// The longest a hostile run may take: the spec says it must end within 60 s.
const LIMIT: Duration = Duration::from_secs(60);
/// For runs that move 500 MB (debug builds are slow at that).
const HUGE_LIMIT: Duration = Duration::from_secs(120);

const U64_MAX: &str = "18446744073709551615";

/// The enum of a test's cases (`Clone`, `Copy`, `Debug`), each case written once, and `ALL`,
/// every case in order.
macro_rules! cases {
    ($(#[$doc:meta])* enum $name:ident { $($(#[$case_doc:meta])* $case:ident,)+ }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug)]
        enum $name {
            $($(#[$case_doc])* $case,)+
        }

        impl $name {
            /// Every case, in order.
            const ALL: &[$name] = &[$($name::$case),+];
        }
    };
}

/// How one run ended.
struct Outcome {
    name: String,
    code: Option<i32>,
    stdout: String,
    stderr: String,
    elapsed: Duration,
    peak_rss_kib: Option<u64>,
    timed_out: bool,
}

impl Outcome {
    fn tail(&self) -> String {
        glp_msp_e2e::proc::tail(&self.stderr, 15)
    }

    /// What is wrong with a run that had to succeed: its insanity, and an exit other than 0
    /// (`after` says what the run met).
    fn unless_success(&self, after: &str) -> Vec<String> {
        let mut problems: Vec<String> = self.insanity().into_iter().collect();
        if self.code != Some(0) {
            problems.push(format!(
                "{}: exit {:?} {after}, want 0:\n{}",
                self.name,
                self.code,
                self.tail()
            ));
        }
        problems
    }

    /// Why this run is not sane (timed out, panicked, killed by a signal), if it is not.
    fn insanity(&self) -> Option<String> {
        if self.timed_out {
            Some(format!(
                "{}: still running after {:?} (killed): it hangs or sleeps on server input; stderr ends:\n{}",
                self.name,
                self.elapsed,
                self.tail()
            ))
        } else if self.code == Some(101) || self.stderr.contains("panicked") {
            Some(format!(
                "{}: panicked (exit {:?}):\n{}",
                self.name,
                self.code,
                self.tail()
            ))
        } else if self.code.is_none() {
            Some(format!(
                "{}: ended by a signal:\n{}",
                self.name,
                self.tail()
            ))
        } else {
            None
        }
    }

    fn assert_sane(&self) {
        if let Some(why) = self.insanity() {
            panic!("{why}");
        }
    }

    /// Asserts that the run ended sanely with an error (exit 1 or 3; `after` says what it met).
    fn assert_error(&self, after: &str) {
        self.assert_sane();
        assert!(
            matches!(self.code, Some(1 | 3)),
            "exit {:?}{after}, want an error:\n{}",
            self.code,
            self.tail()
        );
    }
}

/// Runs `cmd` in `wd`'s run directory, at most `limit`.
fn run_for(name: &str, wd: &Workdir, cmd: Command, limit: Duration) -> Outcome {
    let proc = Proc::spawn(name, cmd, &wd.run("")).unwrap_or_else(|e| panic!("{name}: {e}"));
    match proc.wait(limit) {
        Ok(f) => Outcome {
            name: name.to_owned(),
            code: f.code,
            stdout: f.stdout,
            stderr: f.stderr,
            elapsed: f.elapsed,
            peak_rss_kib: f.usage.peak_rss_kib,
            timed_out: false,
        },
        Err(ProcError::Timeout { stdout, stderr, .. }) => Outcome {
            name: name.to_owned(),
            code: None,
            stdout,
            stderr,
            elapsed: limit,
            peak_rss_kib: None,
            timed_out: true,
        },
        Err(e) => panic!("{name}: {e}"),
    }
}

/// `collect -q` writing `out.jsonl`, `failed.txt` and `report.json`, plus `extra`.
fn collect_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "collect",
        "-q",
        "--output",
        "out.jsonl",
        "--failed-out",
        "failed.txt",
        "--report",
        "report.json",
    ];
    args.extend_from_slice(extra);
    args
}

/// One run of the binary against `fake` in a fresh directory named `name`.
fn run_case(
    name: &str,
    fake: &Fake,
    args: &[&str],
    limit: Duration,
    env: &[(&str, &str)],
) -> (Workdir, Outcome) {
    let wd = Workdir::new(&format!("hostile-{name}")).unwrap();
    let cli = env.iter().fold(
        fake.orchestrator(&bins(), &wd.run(""), args),
        |cli, (k, v)| cli.env(k, v),
    );
    let out = run_for(name, &wd, cli.command(), limit);
    eprintln!(
        "--- {name}: exit {:?} after {:?}{}; stderr ends:\n{}",
        out.code,
        out.elapsed,
        if out.timed_out { " (killed)" } else { "" },
        out.tail()
    );
    (wd, out)
}

/// `cases`, each named `<prefix>-<case>` in its `Debug` form (an enum's variant, a number).
fn named<C: std::fmt::Debug>(prefix: &str, cases: impl IntoIterator<Item = C>) -> Vec<(String, C)> {
    cases
        .into_iter()
        .map(|case| (format!("{prefix}-{case:?}"), case))
        .collect()
}

/// Runs every case in its own thread; each returns its problems (empty: it passed). Fails with
/// all problems of all cases at once.
fn all_cases<C: Send>(
    what: &str,
    cases: Vec<(String, C)>,
    check: impl Fn(&str, C) -> Vec<String> + Sync,
) {
    let problems: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = cases
            .into_iter()
            .map(|(name, case)| {
                let check = &check;
                s.spawn(move || {
                    let name2 = name.clone();
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(&name, case)))
                        .unwrap_or_else(|p| {
                            let msg = p
                                .downcast_ref::<String>()
                                .cloned()
                                .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                                .unwrap_or_default();
                            vec![format!("{name2}: harness panicked: {msg}")]
                        })
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    assert!(
        problems.is_empty(),
        "{what}: {} problem(s):\n\n{}",
        problems.len(),
        problems.join("\n\n")
    );
}

fn file(wd: &Workdir, name: &str) -> Option<String> {
    std::fs::read(wd.run(name))
        .ok()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// The same URL on the capture server.
fn captured_location(capture: &Capture, req: &Recorded) -> String {
    capture.url(&req.path_and_query())
}

// 0. ------------------------------------------------------------------------------------------

/// The baseline: unattacked, the fake is enough for a complete run (so a failure below is the
/// attack's doing, not the fake's).
#[test]
fn hostile_fake_unattacked_gives_a_complete_run() {
    let mut setup = Setup::tenants(5);
    setup.central_page_size = 2;
    setup.glp_page_size = 2;
    let fake = Fake::start(setup);
    let (wd, out) = run_case("unattacked", &fake, &collect_args(&[]), LIMIT, &[]);
    out.assert_sane();
    assert_eq!(out.code, Some(0), "unattacked run:\n{}", out.tail());
    let records = file(&wd, "out.jsonl").unwrap_or_default();
    let p = fake.platform();
    for t in &p.setup().tenants {
        for k in 0..t.devices {
            assert!(
                records.contains(&t.serial(k)),
                "{} missing:\n{records}",
                t.serial(k)
            );
        }
    }
    assert_eq!(records.lines().count(), 15, "{records}");
    assert_eq!(p.count(Route::Token), 1);
    assert_eq!(p.count(Route::Exchange), 5);
    let (_wd, out) = run_case("unattacked-tenants", &fake, &["tenants"], LIMIT, &[]);
    assert_eq!(out.code, Some(0), "tenants:\n{}", out.tail());
    assert!(out.stdout.contains("Tenant 4"), "{}", out.stdout);
    let args = collect_args(&["--source", "central"]);
    let (_wd, out) = run_case("unattacked-central", &fake, &args, LIMIT, &[]);
    assert_eq!(out.code, Some(0), "--source central:\n{}", out.tail());
}

// 1. ------------------------------------------------------------------------------------------

#[test]
fn hostile_token_redirect_gets_no_secret_and_names_the_location_host() {
    let cases = named("token-redirect", [307u16, 308]);
    all_cases("token endpoint redirects", cases, |name, status| {
        let capture = Arc::new(Capture::start());
        let fake = Fake::start(Setup::tenants(2));
        let c = capture.clone();
        fake.on(Route::Token, move |req, _| {
            Some(Reply::redirect(status, &captured_location(&c, req)))
        });
        let (_wd, out) = run_case(name, &fake, &collect_args(&[]), LIMIT, &[]);
        let mut p = Vec::new();
        if let Some(why) = out.insanity() {
            p.push(why);
        }
        if !capture.received().is_empty() {
            p.push(format!(
                "{name}: the capture server ({}) received:\n{}",
                capture.host(),
                capture.describe()
            ));
        }
        if out.code != Some(1) {
            p.push(format!(
                "{name}: exit {:?}, want 1:\n{}",
                out.code,
                out.tail()
            ));
        }
        if !out.stderr.contains(&capture.host()) {
            p.push(format!(
                "{name}: stderr does not name the Location host {}:\n{}",
                capture.host(),
                out.tail()
            ));
        }
        p
    });
}

// 2. ------------------------------------------------------------------------------------------

#[test]
fn hostile_exchange_redirect_gets_no_msp_token() {
    let capture = Arc::new(Capture::start());
    let fake = Fake::start(Setup::tenants(2));
    let c = capture.clone();
    fake.on(Route::Exchange, move |req, _| {
        Some(Reply::redirect(307, &captured_location(&c, req)))
    });
    let (wd, out) = run_case("exchange-redirect", &fake, &collect_args(&[]), LIMIT, &[]);
    out.assert_sane();
    assert!(
        capture.received().is_empty(),
        "the capture server ({}) received (the MSP token is the subject_token):\n{}",
        capture.host(),
        capture.describe()
    );
    assert_ne!(
        out.code,
        Some(0),
        "exit 0 although no tenant token was obtained:\n{}",
        out.tail()
    );
    let output = file(&wd, "out.jsonl").unwrap_or_default();
    assert!(
        !output.contains(CAPTURED),
        "records from the capture host in --output"
    );
}

// 3. ------------------------------------------------------------------------------------------

#[test]
fn hostile_api_redirects_to_another_host_send_no_authorization_and_bring_no_records() {
    let cases = [
        (Route::MspTenants, 302u16),
        (Route::MspTenants, 307),
        (Route::DeviceInventory, 302),
        (Route::DeviceInventory, 307),
    ]
    .into_iter()
    .map(|(r, s)| (format!("api-redirect-{r:?}-{s}"), (r, s)))
    .collect();
    all_cases("API redirects", cases, |name, (route, status)| {
        let capture = Arc::new(Capture::start());
        let fake = Fake::start(Setup::tenants(2));
        let c = capture.clone();
        fake.on(route, move |req, _| {
            Some(Reply::redirect(status, &captured_location(&c, req)))
        });
        let (wd, out) = run_case(name, &fake, &collect_args(&["--retries", "2"]), LIMIT, &[]);
        let mut p = Vec::new();
        if let Some(why) = out.insanity() {
            p.push(why);
        }
        let got = capture.received();
        if !got.is_empty() {
            let auth = got.iter().any(|r| r.header("authorization").is_some());
            p.push(format!(
                "{name}: the capture server ({}) received{}:\n{}",
                capture.host(),
                if auth { " an Authorization header" } else { "" },
                capture.describe()
            ));
        }
        let output = file(&wd, "out.jsonl").unwrap_or_default();
        if output.contains(CAPTURED) || out.stdout.contains(CAPTURED) {
            p.push(format!(
                "{name}: records from the capture host were written to --output"
            ));
        }
        if out.code == Some(0) {
            p.push(format!(
                "{name}: exit 0 although every {route:?} answer was a redirect elsewhere:\n{}",
                out.tail()
            ));
        }
        p
    });
}

/// Redirects within the same origin (scheme, host, port) still work: the rule is "not to another
/// host", not "never".
#[test]
fn hostile_same_origin_api_redirects_are_still_followed() {
    let cases = [(Route::MspTenants, 307u16), (Route::DeviceInventory, 302)]
        .into_iter()
        .map(|(r, s)| (format!("same-origin-redirect-{r:?}-{s}"), (r, s)))
        .collect();
    all_cases("same-origin redirects", cases, |name, (route, status)| {
        let fake = Fake::start(Setup::tenants(2));
        let base = fake.url();
        fake.on(route, move |req, p| {
            if req.query_pairs().contains_key("hop") {
                return Some(p.default_reply(req));
            }
            let sep = if req.query.is_some() { "&" } else { "?" };
            let location = format!("{base}{}{sep}hop=1", req.path_and_query());
            Some(Reply::redirect(status, &location))
        });
        let (wd, out) = run_case(name, &fake, &collect_args(&[]), LIMIT, &[]);
        let mut p = out.unless_success(&format!("with a {status} to the same origin"));
        let records = file(&wd, "out.jsonl").unwrap_or_default();
        if records.lines().count() != 6 {
            p.push(format!(
                "{name}: {} records, want 6",
                records.lines().count()
            ));
        }
        p
    });
}

// 4. ------------------------------------------------------------------------------------------

/// The header sets of the wait attack.
fn wait_headers() -> Vec<(&'static str, Vec<(&'static str, &'static str)>)> {
    vec![
        ("retry-after-1e30", vec![("retry-after", "1e30")]),
        ("retry-after-1e8", vec![("retry-after", "100000000")]),
        ("retry-after-u64max", vec![("retry-after", U64_MAX)]),
        (
            "reset-u64max",
            vec![
                ("ratelimit-limit", "10"),
                ("ratelimit-remaining", "0"),
                ("ratelimit-reset", U64_MAX),
                ("x-ratelimit-limit", "10"),
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", U64_MAX),
            ],
        ),
        ("retry-after-0.5", vec![("retry-after", "0.5")]),
    ]
}

fn too_many(route: Route, retry_after_seconds: Option<&str>) -> Reply {
    let details = match retry_after_seconds {
        Some(s) => json!([{"type": "hpe.greenlake.retry_info",
                           "retryAfterSeconds": serde_json::from_str::<Value>(s).unwrap()}]),
        None => json!([]),
    };
    match route {
        Route::Token => oauth_error(429, "temporarily_unavailable", "slow down"),
        _ => Reply::json(
            429,
            json!({"httpStatusCode": 429, "errorCode": "HPE_GL_ERROR_TOO_MANY_REQUESTS",
                    "message": "Too many requests", "debugId": "d", "errorDetails": details}),
        ),
    }
}

/// Every header set, on 429s and on 200s, on `route`; plus `retryAfterSeconds` of u64::MAX in a
/// 429 body (GreenLake and Central only).
fn waits_on(route: Route) {
    let mut cases = Vec::new();
    for (label, headers) in wait_headers() {
        for status in [429u16, 200] {
            if status == 429 && label == "retry-after-0.5" {
                // A sane wait on every answer is a permanent rate limit, not an absurd number: a
                // 429 is "slower", retried within the time budget (issue 11), so this run takes
                // that budget. `hostile_fractional_retry_after_on_a_429_then_200_succeeds`
                // covers the fraction itself.
                continue;
            }
            cases.push((
                format!("wait-{route:?}-{status}-{label}"),
                (status, headers.clone(), None),
            ));
        }
    }
    if route != Route::Token {
        cases.push((
            format!("wait-{route:?}-429-retryAfterSeconds-u64max"),
            (429, Vec::new(), Some(U64_MAX)),
        ));
    }
    all_cases(
        &format!("huge and odd waits on {route:?}"),
        cases,
        |name, (status, headers, body_wait)| {
            let fake = Fake::start(Setup::tenants(2));
            fake.on(route, move |req, p: &Platform| {
                let mut reply = if status == 429 {
                    too_many(route, body_wait)
                } else {
                    p.default_reply(req)
                };
                for (k, v) in &headers {
                    reply = reply.header(k, v);
                }
                Some(reply)
            });
            let args = collect_args(&["--retries", "3", "--rate", "50", "--glp-rate", "50"]);
            let (_wd, out) = run_case(name, &fake, &args, LIMIT, &[]);
            out.insanity().into_iter().collect()
        },
    );
}

#[test]
fn hostile_huge_waits_on_the_token_endpoint_neither_panic_nor_sleep() {
    waits_on(Route::Token);
}

#[test]
fn hostile_huge_waits_on_msp_tenants_neither_panic_nor_sleep() {
    waits_on(Route::MspTenants);
}

#[test]
fn hostile_huge_waits_on_central_neither_panic_nor_sleep() {
    waits_on(Route::DeviceInventory);
}

#[test]
fn hostile_odd_expires_in_neither_panics_nor_sleeps() {
    let values = [U64_MAX, "1e300", "-5", "0"];
    let cases = values
        .into_iter()
        .map(|v| (format!("expires-in-{v}"), v))
        .collect();
    all_cases("odd expires_in", cases, |name, value| {
        let setup = Setup {
            expires_in: serde_json::from_str(value).unwrap(),
            ..Setup::tenants(3)
        };
        let fake = Fake::start(setup);
        let (_wd, out) = run_case(name, &fake, &collect_args(&["--retries", "3"]), LIMIT, &[]);
        out.insanity().into_iter().collect()
    });
}

#[test]
fn hostile_fractional_retry_after_on_a_429_then_200_succeeds() {
    let routes = [Route::Token, Route::MspTenants, Route::DeviceInventory];
    let cases = named("retry-after-0.5-once", routes);
    all_cases("Retry-After: 0.5 once, then 200", cases, |name, route| {
        let fake = Fake::start(Setup::tenants(2));
        fake.on(route, move |req, p| {
            (p.count(route) == 1)
                .then(|| too_many(route, None).header("retry-after", "0.5"))
                .or_else(|| Some(p.default_reply(req)))
        });
        let (_wd, out) = run_case(name, &fake, &collect_args(&[]), LIMIT, &[]);
        out.unless_success("after one 429 with Retry-After: 0.5")
    });
}

// 5. ------------------------------------------------------------------------------------------

cases! {
    /// How msp-tenants repeats itself.
    enum Repeat {
        /// The same two tenants on every page, `offset` 0 on each.
        OffsetZero,
        /// The same two tenants on every page, `offset` echoing the request (only the items
        /// repeat).
        OffsetEchoed,
        /// The same invalid tenant on every page: no tenant can run at all.
        InvalidTenant,
    }
}

#[test]
fn hostile_msp_tenants_repeating_one_page_forever_ends_with_an_error() {
    // `total` a million on every page: only the repetition can end the listing.
    let cases = named("endless-msp-tenants", Repeat::ALL.iter().copied());
    all_cases("endless msp-tenants", cases, |name, repeat| {
        let fake = Fake::start(Setup::tenants(2));
        fake.on(Route::MspTenants, move |req, p| {
            let items: Vec<Value> = match repeat {
                Repeat::InvalidTenant => {
                    vec![json!({"id": "not-an-id", "workspaceName": "Broken"})]
                }
                _ => p
                    .setup()
                    .tenants
                    .iter()
                    .map(glp_msp_e2e::fake::msp_tenant_item)
                    .collect(),
            };
            let offset: u64 = match repeat {
                Repeat::OffsetZero => 0,
                _ => req
                    .query_pairs()
                    .get("offset")
                    .and_then(|o| o.parse().ok())
                    .unwrap_or(0),
            };
            Some(Reply::json(
                200,
                json!({"offset": offset, "count": items.len(), "total": 1_000_000, "items": items}),
            ))
        });
        let args = collect_args(&["--glp-rate", "100", "--rate", "100"]);
        let (wd, out) = run_case(name, &fake, &args, LIMIT, &[]);
        let pages = fake.platform().count(Route::MspTenants);
        if out.timed_out {
            return vec![format!(
                "{name}: msp-tenants answered the same tenants {pages} times and the run did not end within {LIMIT:?}"
            )];
        }
        let mut p: Vec<String> = out.insanity().into_iter().collect();
        let mut expect = |ok: bool, what: &str| {
            if !ok {
                p.push(format!(
                    "{name}: {what} (after {pages} msp-tenants pages):\n{}",
                    out.tail()
                ));
            }
        };
        if let Repeat::InvalidTenant = repeat {
            // No tenant ran before the listing failed: a configuration-level failure.
            expect(out.code == Some(1), &format!("exit {:?}, want 1", out.code));
            expect(
                out.stderr.contains("SKIPPED Broken (not-an-id)"),
                "the invalid tenant is not reported as skipped",
            );
            return p;
        }
        // The tenants listed before the repetition ran: a partial run, and it says why.
        let why = match repeat {
            Repeat::OffsetZero => "answered offset 0 to a request for offset 2",
            _ => "already listed",
        };
        expect(out.code == Some(3), &format!("exit {:?}, want 3", out.code));
        expect(
            out.stderr.contains("listing tenants failed part-way") && out.stderr.contains(why),
            &format!("stderr does not say the listing failed part-way ({why})"),
        );
        expect(
            out.stderr.contains("2 tenants: 2 ok"),
            "the two listed tenants did not run",
        );
        let report: Value = file(&wd, "report.json")
            .and_then(|r| serde_json::from_str(&r).ok())
            .unwrap_or_default();
        expect(
            report["source_error"]
                .as_str()
                .is_some_and(|e| e.contains(why)),
            &format!("the report's source_error: {}", report["source_error"]),
        );
        p
    });
}

#[test]
fn hostile_central_cursor_that_never_repeats_ends_with_an_error_naming_the_endpoint() {
    let fake = Fake::start(Setup::tenants(1));
    fake.on(Route::DeviceInventory, |req, _| {
        let next: u64 = req
            .query_pairs()
            .get("next")
            .and_then(|n| n.parse().ok())
            .unwrap_or(1);
        Some(Reply::json(
            200,
            json!({"items": [glp_msp_e2e::fake::device_item(&format!("SN-ENDLESS-{next}"), "ap")],
                    "count": 1, "total": 1_000_000_000u64, "next": (next + 1).to_string()}),
        ))
    });
    let args = collect_args(&["--rate", "1000", "--glp-rate", "100"]);
    let (_wd, out) = run_case("endless-central-cursor", &fake, &args, LIMIT, &[]);
    assert!(
        !out.timed_out,
        "device-inventory gave {} pages, each with a new cursor, and the run did not end within {LIMIT:?}: {}",
        fake.platform().count(Route::DeviceInventory),
        out.tail()
    );
    out.assert_error("");
    assert!(
        out.stderr.contains("device-inventory"),
        "the error does not name the endpoint (network-monitoring/v1/device-inventory):\n{}",
        out.tail()
    );
}

#[test]
fn hostile_a_tenant_listed_twice_runs_once_and_counts_as_ok() {
    let mut setup = Setup::tenants(3);
    let first = setup.tenants[0].clone();
    setup.tenants.push(first);
    setup.glp_page_size = 2;
    let fake = Fake::start(setup);
    let (wd, out) = run_case("tenant-listed-twice", &fake, &collect_args(&[]), LIMIT, &[]);
    out.assert_sane();
    assert_eq!(
        out.code,
        Some(0),
        "exit code when one tenant is listed twice:\n{}",
        out.tail()
    );
    let failed = file(&wd, "failed.txt");
    assert_eq!(
        failed.as_deref().map(str::trim),
        Some(""),
        "--failed-out must exist and be empty"
    );
    assert_eq!(
        fake.platform().device_requests(0),
        1,
        "the tenant listed twice must run once (device-inventory requests with its token)"
    );
}

// 6. ------------------------------------------------------------------------------------------

#[test]
fn hostile_server_errors_echoing_secrets_and_tokens_leak_nothing() {
    cases! {
        enum Echo {
            Token400,
            Token401,
            MspTenants403,
            MspTenants500,
            Central403,
            Central500Text,
        }
    }
    let cases = named("echo", Echo::ALL.iter().copied());
    all_cases("echoed secrets", cases, |name, echo| {
        let fake = Fake::start(Setup::tenants(2));
        // Everything the client sent, as a careless server would echo it back.
        let echoed = |req: &Recorded| {
            let forms = leaks::secret_forms(glp_msp_e2e::fake::CLIENT_ID, CLIENT_SECRET);
            format!(
                "rejected request: {} | secret {} | forms {} | auth {}",
                req.as_text(),
                CLIENT_SECRET,
                forms.join(" "),
                req.header("authorization").unwrap_or("")
            )
        };
        let (route, status) = match echo {
            Echo::Token400 => (Route::Token, 400),
            Echo::Token401 => (Route::Token, 401),
            Echo::MspTenants403 => (Route::MspTenants, 403),
            Echo::MspTenants500 => (Route::MspTenants, 500),
            Echo::Central403 => (Route::DeviceInventory, 403),
            Echo::Central500Text => (Route::DeviceInventory, 500),
        };
        fake.on(route, move |req, _| {
            let text = echoed(req);
            Some(match echo {
                Echo::Token400 => oauth_error(status, "invalid_request", &text),
                Echo::Token401 => oauth_error(status, "invalid_client", &text),
                Echo::Central500Text => Reply::raw(status, "text/plain", text),
                _ => Reply::json(
                    status,
                    json!({"httpStatusCode": status, "errorCode": "HPE_GL_ERROR", "message": text,
                            "debugId": text,
                            "errorDetails": [{"type": "hpe.greenlake.bad_request",
                                              "issues": [{"source": "header", "subject": "Authorization",
                                                          "description": text}]},
                                             {"type": "hpe.greenlake.metadata",
                                              "recommendedActions": [text]}]}),
                ),
            })
        });
        let (wd, out) = run_case(name, &fake, &collect_args(&["--retries", "2"]), LIMIT, &[]);
        let mut p: Vec<String> = out.insanity().into_iter().collect();
        if fake.platform().count(route) == 0 {
            p.push(format!(
                "{name}: the binary never reached {route:?}:\n{}",
                out.tail()
            ));
        }
        let hits = leaks::find(&fake.needles(), &wd.run_files().unwrap());
        if !hits.is_empty() {
            p.push(format!(
                "{name}: leaked: {hits:#?}\nstderr:\n{}",
                out.tail()
            ));
        }
        p
    });
}

// 7. ------------------------------------------------------------------------------------------

const EVIL_NAMES: [&str; 4] = [
    "Clear\x1b[2Jscreen",
    "Title\x1b]0;pwned\x07set",
    "Carriage\rreturn",
    "Row\nFORGED-ROW 00000000-0000-0000-0000-000000000000  forged",
];

/// The binary's own log colours are not server text: off (`NO_COLOR`), and SGR sequences
/// (`ESC [ digits ; m`) are not counted either.
const NO_COLOR: &[(&str, &str)] = &[("NO_COLOR", "1")];

fn strip_sgr(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("\x1b[") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let end = after
            .find(|c: char| !(c.is_ascii_digit() || c == ';'))
            .unwrap_or(after.len());
        if after[end..].starts_with('m') {
            rest = &after[end + 1..];
        } else {
            out.push_str("\x1b[");
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

fn control_problems(what: &str, text: &str) -> Vec<String> {
    let text = &strip_sgr(text);
    let mut p = Vec::new();
    for (byte, label) in [(0x1bu8, "ESC"), (0x07, "BEL"), (b'\r', "CR")] {
        if text.as_bytes().contains(&byte) {
            p.push(format!(
                "{what}: raw {label} (0x{byte:02x}) reached the terminal"
            ));
        }
    }
    if text.lines().any(|l| l.trim_start().starts_with("FORGED")) {
        p.push(format!(
            "{what}: a server-supplied newline forged a line:\n{text}"
        ));
    }
    p
}

fn evil_setup() -> Setup {
    let mut tenants: Vec<FakeTenant> = EVIL_NAMES
        .iter()
        .enumerate()
        .map(|(i, n)| FakeTenant::new(i, *n))
        .collect();
    tenants.push(FakeTenant::new(9, "Plain"));
    Setup {
        tenants,
        ..Setup::default()
    }
}

/// An msp-tenants item whose id is invalid and escape-laden too: left out, and said so.
const EVIL_ID: &str = "bad\x1b[31m\nid";

#[test]
fn hostile_escape_laden_names_reach_no_terminal_raw() {
    let mut problems = Vec::new();
    // The tenants list in each format, with an invalid escape-laden id besides the evil names.
    let fake = Fake::start(evil_setup());
    fake.on(Route::MspTenants, |_, p| {
        let mut items: Vec<Value> = p
            .setup()
            .tenants
            .iter()
            .map(glp_msp_e2e::fake::msp_tenant_item)
            .collect();
        items.push(json!({"id": EVIL_ID, "workspaceName": EVIL_NAMES[0]}));
        Some(Reply::json(
            200,
            json!({"offset": 0, "count": items.len(), "total": items.len(), "items": items}),
        ))
    });
    for format in ["table", "csv", "jsonl"] {
        let name = format!("evil-names-tenants-{format}");
        let args = ["tenants", "--format", format];
        let (_wd, out) = run_case(&name, &fake, &args, LIMIT, NO_COLOR);
        problems.extend(out.insanity());
        if out.code != Some(0) {
            problems.push(format!("{name}: exit {:?}:\n{}", out.code, out.tail()));
        }
        problems.extend(control_problems(&format!("{name} (stderr)"), &out.stderr));
        if !out.stderr.contains("left out") {
            problems.push(format!(
                "{name}: the invalid id is not reported:\n{}",
                out.tail()
            ));
        }
        match format {
            // For a terminal: escaped.
            "table" => problems.extend(control_problems(&format!("{name} (stdout)"), &out.stdout)),
            // Data for a file: the real values, escaped by JSON.
            "jsonl" => {
                let names: Vec<String> = out
                    .stdout
                    .lines()
                    .filter_map(|l| serde_json::from_str::<Value>(l).ok())
                    .filter_map(|v| v["name"].as_str().map(str::to_owned))
                    .collect();
                let mut want: Vec<&str> = EVIL_NAMES.to_vec();
                want.push("Plain");
                if names != want {
                    problems.push(format!("{name}: names {names:?}, want {want:?}"));
                }
            }
            // Data for a file: the real values, quoted where CSV needs it.
            _ => {
                for evil in EVIL_NAMES {
                    let quoted = format!("\"{evil}\"");
                    let needs_quotes = evil.contains(['\n', '\r']);
                    if !out
                        .stdout
                        .contains(if needs_quotes { &quoted } else { evil })
                    {
                        problems.push(format!("{name}: {evil:?} is not in the CSV as it is"));
                    }
                }
            }
        }
    }
    // FAILED lines: every evil tenant fails (a non-retryable 404 on its inventory).
    let fake = Fake::start(evil_setup());
    fake.on(Route::DeviceInventory, |req, p| {
        let evil = p.tenant_of(req).is_some_and(|i| i < EVIL_NAMES.len());
        evil.then(|| glp_error(404, "HPE_GL_NOT_FOUND", "no inventory here"))
    });
    let (_wd, out) = run_case(
        "evil-names-collect",
        &fake,
        &collect_args(&[]),
        LIMIT,
        NO_COLOR,
    );
    problems.extend(out.insanity());
    if out.code != Some(3) {
        problems.push(format!(
            "collect: exit {:?}, want 3:\n{}",
            out.code,
            out.tail()
        ));
    }
    problems.extend(control_problems("collect (stderr)", &out.stderr));
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn hostile_a_central_tenant_id_with_a_newline_forges_no_failed_out_line() {
    let fake = Fake::start(Setup::tenants(1));
    fake.on(Route::ListTenants, |_, p| {
        let t = &p.setup().tenants[0];
        let id = format!("{}\nFORGED-ID-LINE", t.central_id);
        Some(Reply::json(
            200,
            json!({"items": [glp_msp_e2e::fake::central_tenant_item(&id, &t.name)],
                    "count": 1, "total": 1, "next": null}),
        ))
    });
    fake.on(Route::DeviceInventory, |_, _| {
        Some(glp_error(404, "HPE_GL_NOT_FOUND", "no inventory here"))
    });
    let args = collect_args(&["--source", "central"]);
    let (wd, out) = run_case("evil-central-id", &fake, &args, LIMIT, NO_COLOR);
    out.assert_sane();
    assert_ne!(
        out.code,
        Some(0),
        "the tenant's inventory failed:\n{}",
        out.tail()
    );
    let failed = file(&wd, "failed.txt").unwrap_or_default();
    let lines: Vec<&str> = failed.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(
        lines.iter().all(|l| !l.contains("FORGED")) && lines.len() <= 1,
        "a newline in Central's tenantId added a line to --failed-out: {lines:?}"
    );
    let problems = control_problems("collect (stderr)", &out.stderr);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The CSV formula guard also covers a leading tab or CR (spreadsheets skip them, then read
/// `=...` as a formula).
#[test]
fn hostile_csv_formula_guard_covers_a_leading_tab_or_cr() {
    let names = ["\t=HYPERLINK(\"http://x\")", "\r=1+2", "=SUM(A1)"];
    let tenants = names
        .iter()
        .enumerate()
        .map(|(i, n)| FakeTenant::new(i, *n))
        .collect();
    let fake = Fake::start(Setup {
        tenants,
        ..Setup::default()
    });
    let args = ["tenants", "--format", "csv"];
    let (_wd, out) = run_case("csv-formula-guard", &fake, &args, LIMIT, NO_COLOR);
    out.assert_sane();
    assert_eq!(out.code, Some(0), "{}", out.tail());
    for t in &fake.platform().setup().tenants {
        let row = out
            .stdout
            .lines()
            .find(|l| l.contains(&t.id))
            .unwrap_or_else(|| panic!("no CSV row for {}:\n{}", t.id, out.stdout));
        let name_field = row.splitn(3, ',').nth(2).unwrap_or("");
        let unquoted = name_field.strip_prefix('"').unwrap_or(name_field);
        assert!(
            unquoted.starts_with('\''),
            "the name {:?} reaches the CSV without the formula guard: {name_field:?}",
            t.name
        );
    }
}

// 8. ------------------------------------------------------------------------------------------

const HUGE: u64 = 500 * 1024 * 1024;
const RSS_LIMIT_KIB: u64 = 200 * 1024;

fn huge_body(name: &str, route: Route, content_length: bool) {
    let fake = Fake::start(Setup::tenants(1));
    fake.on(route, move |_, p| {
        let (prefix, item) = if route == Route::MspTenants {
            let t = &p.setup().tenants[0];
            (
                r#"{"offset":0,"count":1,"total":1,"items":["#.to_owned(),
                format!("{},", glp_msp_e2e::fake::msp_tenant_item(t)),
            )
        } else {
            (
                r#"{"count":1,"total":1,"next":null,"items":["#.to_owned(),
                format!("{},", glp_msp_e2e::fake::device_item("SN-HUGE", "ap")),
            )
        };
        Some(Reply::stream(&prefix, &item, HUGE, content_length))
    });
    let args = collect_args(&["--retries", "2", "--glp-rate", "50", "--rate", "50"]);
    let (_wd, out) = run_case(name, &fake, &args, HUGE_LIMIT, &[]);
    out.assert_error(&format!(" after a 500 MB {route:?} body"));
    let peak = out.peak_rss_kib.unwrap_or(0);
    assert!(
        peak < RSS_LIMIT_KIB,
        "peak RSS {} MiB reading a 500 MB {route:?} body (limit {} MiB); {} requests; stderr:\n{}",
        peak / 1024,
        RSS_LIMIT_KIB / 1024,
        fake.platform().count(route),
        out.tail()
    );
}

#[test]
fn hostile_a_500_mb_msp_tenants_page_is_an_error_not_memory() {
    huge_body("huge-msp-tenants", Route::MspTenants, false);
}

#[test]
fn hostile_a_500_mb_central_page_is_an_error_not_memory() {
    huge_body("huge-central", Route::DeviceInventory, false);
}

#[test]
fn hostile_a_500_mb_content_length_is_an_error_not_memory() {
    huge_body("huge-content-length", Route::MspTenants, true);
}

// 9. ------------------------------------------------------------------------------------------

#[test]
fn hostile_sigterm_behaves_like_ctrl_c() {
    // 40 tenants x 6 pages x 200 ms, two at a time: about 24 s; SIGTERM comes after ~12 pages.
    let mut setup = Setup::tenants(40);
    for t in &mut setup.tenants {
        t.devices = 6;
    }
    setup.central_page_size = 1;
    setup.device_latency = Duration::from_millis(200);
    let fake = Fake::start(setup);
    let wd = Workdir::new("hostile-sigterm").unwrap();
    let args = collect_args(&["--concurrency", "2", "--rate", "200", "--glp-rate", "100"]);
    let cmd = fake.orchestrator(&bins(), &wd.run(""), &args).command();
    let mut child = Proc::spawn("sigterm", cmd, &wd.run("")).unwrap();
    let hang_guard = Instant::now();
    while fake.platform().count(Route::DeviceInventory) < 12 {
        assert!(
            hang_guard.elapsed() < LIMIT && !child.has_exited(),
            "the run ended, or hung, before 12 inventory pages: {}",
            child.stderr_so_far()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!child.has_exited(), "the run ended before the signal");
    child.signal("-TERM").unwrap();
    let out = child
        .wait(LIMIT)
        .unwrap_or_else(|e| panic!("after SIGTERM: {e}"));
    assert_eq!(
        out.code,
        Some(3),
        "exit after SIGTERM (None: killed by the signal, no summary); stderr:\n{}",
        glp_msp_e2e::proc::tail(&out.stderr, 15)
    );
    assert!(
        out.stderr.contains(" tenants: ") && out.stderr.contains("SIGTERM"),
        "no summary naming SIGTERM on stderr after it:\n{}",
        out.stderr
    );
    let failed = file(&wd, "failed.txt");
    assert!(
        failed.as_deref().is_some_and(|f| !f.trim().is_empty()),
        "--failed-out not written (or empty) after SIGTERM: {failed:?}"
    );
    let report = file(&wd, "report.json").unwrap_or_default();
    let interrupted = serde_json::from_str::<Value>(&report).map(|r| r["interrupted"].clone());
    assert!(
        matches!(interrupted, Ok(Value::Bool(true))),
        "--report not written, not JSON or not `interrupted` after SIGTERM: {report}"
    );
    let records = file(&wd, "out.jsonl").unwrap_or_default();
    for (i, line) in records.lines().enumerate() {
        assert!(
            serde_json::from_str::<Value>(line).is_ok(),
            "--output line {} is not complete JSON: {line:?}",
            i + 1
        );
    }
}

/// A signal while a request of the set-up is still waiting for its answer (the first token
/// request, the Central check) ends the run at once, with the summary and every file written:
/// the handlers are installed before the first network call, and the answer, an hour away, is
/// never waited for.
#[test]
fn hostile_a_signal_during_a_pending_request_ends_the_run_at_once() {
    let cases = [
        ("-TERM", Route::Token),
        ("-INT", Route::Token),
        ("-INT", Route::ListTenants),
    ]
    .into_iter()
    .map(|(sig, route)| (format!("signal{sig}-during-{route:?}"), (sig, route)))
    .collect();
    all_cases(
        "a signal during a pending request",
        cases,
        |name, (signal, route)| {
            let fake = Fake::start(Setup::tenants(2));
            fake.on(route, |req, p| {
                Some(p.default_reply(req).delay(Duration::from_secs(3600)))
            });
            let wd = Workdir::new(&format!("hostile-{name}")).unwrap();
            let cmd = fake
                .orchestrator(&bins(), &wd.run(""), &collect_args(&[]))
                .command();
            let mut child = Proc::spawn(name, cmd, &wd.run("")).unwrap();
            let hang_guard = Instant::now();
            while fake.platform().count(route) == 0 {
                if hang_guard.elapsed() > LIMIT || child.has_exited() {
                    return vec![format!(
                        "{name}: no {route:?} request (hang guard {LIMIT:?}): {}",
                        child.stderr_so_far()
                    )];
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            std::thread::sleep(Duration::from_millis(300));
            child.signal(signal).unwrap();
            // The deadline only kills a run that waits for the answer.
            let out = match child.wait(LIMIT) {
                Ok(out) => out,
                Err(e) => return vec![format!("{name}: after the signal: {e}")],
            };
            let mut p = Vec::new();
            let mut expect = |ok: bool, what: &str| {
                if !ok {
                    p.push(format!(
                        "{name}: {what}; exit {:?}, stderr:\n{}",
                        out.code,
                        glp_msp_e2e::proc::tail(&out.stderr, 15)
                    ));
                }
            };
            expect(
                out.code == Some(3),
                "want exit 3 (None: killed by the signal)",
            );
            expect(
                out.stderr.contains("0 tenants") && out.stderr.contains("interrupted"),
                "no summary saying 0 tenants, interrupted",
            );
            expect(!out.stderr.contains("panicked"), "panicked");
            expect(
                file(&wd, "failed.txt").is_some() && file(&wd, "report.json").is_some(),
                "--failed-out and --report are not both written",
            );
            p
        },
    );
}

/// `--output`, `--failed-out` and `--report` are proven creatable before any request.
#[test]
fn hostile_an_uncreatable_output_fails_before_any_request() {
    let cases = ["--output", "--failed-out", "--report"]
        .into_iter()
        .map(|flag| (format!("uncreatable{flag}"), flag))
        .collect();
    all_cases("uncreatable output files", cases, |name, flag| {
        let fake = Fake::start(Setup::tenants(2));
        let mut args = vec!["collect", "-q"];
        for f in ["--output", "--failed-out", "--report"] {
            args.push(f);
            args.push(if f == flag {
                "no-such-dir/sub/file"
            } else {
                match f {
                    "--output" => "out.jsonl",
                    "--failed-out" => "failed.txt",
                    _ => "report.json",
                }
            });
        }
        let (_wd, out) = run_case(name, &fake, &args, LIMIT, &[]);
        let mut p: Vec<String> = out.insanity().into_iter().collect();
        // A usage error (2) that names the path.
        if out.code != Some(2) || !out.stderr.contains("no-such-dir/sub/file") {
            p.push(format!(
                "{name}: exit {:?} (want 2) or the path unnamed although {flag} cannot be created:\n{}",
                out.code,
                out.tail()
            ));
        }
        let requests = fake.received().len();
        if requests > 0 {
            p.push(format!(
                "{name}: {requests} requests were made before finding that {flag} cannot be created:\n{}",
                out.tail()
            ));
        }
        p
    });
}

// 10. -----------------------------------------------------------------------------------------

const LOGIN_PAGE: &str = "<!DOCTYPE html>\n<html><head><title>Sign in</title></head>\
    <body><form action=\"/login\" method=\"post\"><input name=\"user\"></form></body></html>\n";

#[test]
fn hostile_an_html_login_page_on_a_200_is_not_json_and_retried_at_most_once() {
    let cases = [Route::MspTenants, Route::DeviceInventory]
        .into_iter()
        .map(|r| (format!("html-200-{r:?}"), r))
        .collect();
    all_cases("HTML login page on a 200", cases, |name, route| {
        let fake = Fake::start(Setup::tenants(1));
        fake.on(route, |_, _| {
            Some(Reply::raw(200, "text/html; charset=utf-8", LOGIN_PAGE))
        });
        let args = collect_args(&["--glp-rate", "100", "--rate", "100"]);
        let (_wd, out) = run_case(name, &fake, &args, LIMIT, &[]);
        let mut p: Vec<String> = out.insanity().into_iter().collect();
        if out.code == Some(0) {
            p.push(format!("{name}: exit 0 on an HTML page"));
        }
        if !(out.stderr.contains("not JSON") && out.stderr.contains("text/html")) {
            p.push(format!(
                "{name}: stderr does not say \"not JSON\" and name text/html:\n{}",
                out.tail()
            ));
        }
        let n = fake.platform().count(route);
        if n > 2 {
            p.push(format!(
                "{name}: {route:?} requested {n} times, want at most 2"
            ));
        }
        p
    });
}

// 11. -----------------------------------------------------------------------------------------

/// The credential is revoked after a few tenants: the tenants in flight each try one exchange,
/// one renewal grant is refused and final, no new tenant starts, and the 401 hint is told once.
#[test]
fn hostile_a_credential_revoked_mid_run_stops_the_run_without_a_grant_storm() {
    const RUN_BEFORE: u64 = 3;
    let fake = Fake::start(Setup::tenants(12));
    let revoked = Arc::new(AtomicBool::new(false));
    let refused: Arc<[AtomicU64; 2]> = Arc::new([AtomicU64::new(0), AtomicU64::new(0)]);
    for (i, route) in [Route::Token, Route::Exchange].into_iter().enumerate() {
        let (revoked, refused) = (revoked.clone(), refused.clone());
        fake.on(route, move |_, p| {
            if route == Route::Exchange && p.count(Route::Exchange) > RUN_BEFORE {
                revoked.store(true, Ordering::SeqCst);
            }
            revoked.load(Ordering::SeqCst).then(|| {
                refused[i].fetch_add(1, Ordering::SeqCst);
                oauth_error(
                    401,
                    "invalid_client",
                    "the client credential has been revoked",
                )
            })
        });
    }
    let args = collect_args(&["--concurrency", "2", "--retries", "1"]);
    let (_wd, out) = run_case("revoked-mid-run", &fake, &args, LIMIT, &[]);
    out.assert_sane();
    let grants = refused[0].load(Ordering::SeqCst);
    let exchanges = refused[1].load(Ordering::SeqCst);
    assert!(
        revoked.load(Ordering::SeqCst),
        "the revocation never happened:\n{}",
        out.tail()
    );
    assert_eq!(
        out.code,
        Some(1),
        "exit code after the credential was revoked:\n{}",
        out.tail()
    );
    assert!(
        out.stderr.contains("credential was refused") && out.stderr.contains("GLP_CLIENT_SECRET"),
        "no refusal and 401 hint (GLP_CLIENT_SECRET) on stderr:\n{}",
        out.tail()
    );
    assert_eq!(
        out.stderr.matches("hint: 401").count(),
        1,
        "the hint is told once:\n{}",
        out.stderr
    );
    assert_eq!(grants, 1, "refused renewal grants, want 1 (final)");
    assert!(
        exchanges <= 2,
        "{exchanges} refused exchanges, want at most one per tenant in flight (2), not one per remaining tenant"
    );
}
