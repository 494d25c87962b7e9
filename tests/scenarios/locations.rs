//! Scenario 7: a Central gateway that is unreachable, of another region, or named wrong.

use std::time::Duration;

use glp_msp_e2e::{Bins, Finished, Sim, Workdir};

use crate::common::{assert_exit, orchestrator, run, start};

/// `collect` with Central at `url`: it must exit 1 within seconds.
fn collect_with_central(bins: &Bins, wd: &Workdir, sim: &Sim, url: &str) -> Finished {
    let mut cmd = orchestrator(bins, wd, sim, &["collect", "-q", "--output", "x.jsonl"]);
    cmd.env("CENTRAL_BASE_URL", url);
    let out = run("collect", wd, cmd);
    assert_exit(&out, 1);
    assert!(
        out.elapsed < Duration::from_secs(5),
        "took {:?}",
        out.elapsed
    );
    out
}

#[test]
fn an_unreachable_central_fails_at_once_before_any_tenant() {
    let (bins, wd, sim) = start("central-unreachable", &["--tenants", "40"]);
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = collect_with_central(&bins, &wd, &sim, &format!("http://127.0.0.1:{port}"));
    assert!(
        out.stderr
            .contains(&format!("cannot use Central at http://127.0.0.1:{port}"))
            && out.stderr.contains("CENTRAL_BASE_URL")
            && out.stderr.contains("no tenant was contacted")
            && out.stderr.contains("onnection refused"),
        "{}",
        out.stderr
    );
    let stats = sim.stats().unwrap();
    assert_eq!(stats.token_exchanges, 0, "no tenant may have been started");
}

#[test]
fn a_central_of_another_region_answers_401_and_the_error_names_the_cluster() {
    let (bins, wd, sim) = start("central-other-region", &["--tenants", "10"]);
    // Another platform (another seed: other credentials and tokens) stands for the gateway of
    // another region: it knows none of our tokens.
    let elsewhere = Sim::start(&bins, &wd.root().join("elsewhere"), &["--seed", "7"]).unwrap();
    let out = collect_with_central(&bins, &wd, &sim, &elsewhere.endpoint.central_base_url);
    assert!(
        out.stderr.contains("HTTP 401")
            && out.stderr.contains("check the Central cluster / base URL")
            && out.stderr.contains("no tenant was contacted"),
        "{}",
        out.stderr
    );
    assert_eq!(sim.stats().unwrap().token_exchanges, 0);
    // The foreign gateway saw the check (and its one retry with a fresh token), nothing more.
    let there = elsewhere.stats().unwrap();
    assert!(
        (1..=2).contains(&there.total_requests),
        "{:?}",
        there.requests
    );
}

#[test]
fn a_wrong_cluster_name_or_a_plain_http_gateway_is_refused_before_any_request() {
    let (bins, wd, sim) = start("central-misnamed", &["--tenants", "5"]);
    let mut cmd = orchestrator(&bins, &wd, &sim, &["collect", "-q"]);
    cmd.env_remove("CENTRAL_BASE_URL")
        .env("CENTRAL_CLUSTER", "US-WESTT-4");
    let out = run("cluster", &wd, cmd);
    assert_exit(&out, 1);
    assert!(
        out.stderr
            .contains("unknown Central cluster \"US-WESTT-4\"")
            && out.stderr.contains("US-WEST-4")
            && out.stderr.contains("API Gateway page"),
        "{}",
        out.stderr
    );

    let mut cmd = orchestrator(&bins, &wd, &sim, &["collect", "-q"]);
    cmd.env("CENTRAL_BASE_URL", "http://central.example.com");
    let out = run("plain-http", &wd, cmd);
    assert_exit(&out, 1);
    assert!(out.stderr.contains("https"), "{}", out.stderr);

    assert_eq!(
        sim.stats().unwrap().total_requests,
        0,
        "a configuration error must stop the tool before its first request"
    );
}
