//! Scenarios 2 and 5: tokens that expire during the run, and every token revoked mid-run.

use crate::common::{collect_exactly, start};

#[test]
fn two_second_tokens_over_three_lifetimes_are_refreshed_before_they_expire() {
    let (bins, wd, sim) = start(
        "short-tokens",
        &[
            "--tenants=30",
            "--token-ttl=2",
            // A second of clock-skew tolerance, as real servers have: a request that waits on
            // a loaded machine between the client's check and the server's is not a failure
            // to renew; a client that does not renew early still uses its token past the
            // leeway and is refused (counted as unauthorized below).
            "--token-leeway=1",
            "--max-devices=200",
            "--central-page-cap=10",
        ],
    );
    // About 300 pages at 30 requests/s: a run of ~10 s, five token lifetimes.
    let extra = ["--concurrency=4", "--rate=30", "--glp-rate=100"];
    let (out, _) = collect_exactly((&bins, &wd, &sim), &[], &extra);
    assert!(
        out.elapsed.as_secs_f64() > 6.0,
        "the run must outlive three 2 s tokens to test anything; it took {:?}",
        out.elapsed
    );

    let stats = sim.stats().unwrap();
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
    let (bins, wd, sim) = start(
        "revocation",
        &[
            "--tenants=30",
            "--max-devices=150",
            "--central-page-cap=10",
            "--revoke-after=2",
        ],
    );
    // The run must outlast the revocation (checked below, or nothing was tested).
    let extra = ["--concurrency=4", "--rate=40", "--glp-rate=100"];
    let (out, _) = collect_exactly((&bins, &wd, &sim), &[], &extra);
    let stats = sim.stats().unwrap();
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
