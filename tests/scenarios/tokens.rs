//! Scenarios 2 and 5: tokens that expire during the run, and every token revoked mid-run.

use glp_msp_e2e::{Finished, Stats};

use crate::common::{collect_exactly, start};

/// 30 tenants on a simulator started with `sim_args`, every record collected exactly once at
/// concurrency 4 and `rates` (`--rate=N`, `--glp-rate=N`): the run and the simulator's
/// counters.
fn collect_thirty(name: &str, sim_args: &[&str], rates: [&str; 2]) -> (Finished, Stats) {
    let mut args = vec!["--tenants=30", "--central-page-cap=10"];
    args.extend(sim_args);
    let (bins, wd, sim) = start(name, &args);
    let extra = ["--concurrency=4", rates[0], rates[1]];
    let (out, _) = collect_exactly((&bins, &wd, &sim), &[], &extra);
    (out, sim.stats().unwrap())
}

#[test]
fn two_second_tokens_over_three_lifetimes_are_refreshed_before_they_expire() {
    let sim_args = [
        "--token-ttl=2",
        // A second of clock-skew tolerance, as real servers have: a request that waits on a
        // loaded machine between the client's check and the server's is not a failure to
        // renew; a client that does not renew early still uses its token past the leeway and
        // is refused (counted as unauthorized below).
        "--token-leeway=1",
        "--max-devices=200",
    ];
    // About 300 pages at 30 requests/s: a run of ~10 s, five token lifetimes.
    let (out, stats) = collect_thirty("short-tokens", &sim_args, ["--rate=30", "--glp-rate=100"]);
    assert!(
        out.elapsed.as_secs_f64() > 6.0,
        "the run must outlive three 2 s tokens to test anything; it took {:?}",
        out.elapsed
    );

    assert_eq!(
        stats.unauthorized, 0,
        "refresh must be proactive: no request may carry an expired token"
    );
    assert!(
        stats.client_credentials_grants >= 3,
        "the MSP token must have been renewed over the run: {} grants",
        stats.client_credentials_grants
    );
    let most = stats
        .exchanges_per_tenant
        .values()
        .max()
        .copied()
        .unwrap_or(0);
    assert!(
        most >= 2,
        "a tenant whose job outlives its token must get a new one: at most {most} exchanges"
    );
}

#[test]
fn revocation_mid_run_goes_through_the_401_path_with_one_new_grant() {
    // The run must outlast the revocation (checked below, or nothing was tested).
    let sim_args = ["--max-devices=150", "--revoke-after=2"];
    let (out, stats) = collect_thirty("revocation", &sim_args, ["--rate=40", "--glp-rate=100"]);
    assert!(
        stats.revoked,
        "the run ended before the revocation; it took {:?}",
        out.elapsed
    );
    assert!(
        stats.unauthorized >= 1,
        "revoked tokens in flight must have met a 401"
    );
    assert_eq!(
        stats.client_credentials_grants, 2,
        "one grant at the start, exactly one after the revocation"
    );
    // Each tenant needs one exchange, plus one more for those in flight at the revocation.
    assert!(
        stats.token_exchanges <= 30 + 4,
        "{} exchanges for 30 tenants at concurrency 4",
        stats.token_exchanges
    );
    assert!(
        out.stderr.contains("token refresh"),
        "the summary reports refreshes: {}",
        out.stderr
    );
}
