//! Scenario 6: a credential the platform refuses: exit 1 with the 401 hint after exactly one
//! token request (a refused credential is never retried) and nothing else.

use crate::common::{assert_exit, orchestrator, run, served, start};

#[test]
fn a_refused_credential_exits_one_with_the_hint_after_one_token_request() {
    let (bins, wd, sim) = start("bad-credentials", &["--tenants", "50"]);
    let other_workspace = "0b5e1a54-3c5a-4b7e-9f0e-6a2f3c1d9e77";
    let cases: [(&str, &str, &str); 3] = [
        ("wrong-secret", "GLP_CLIENT_SECRET", "not-the-secret"),
        (
            "wrong-id",
            "GLP_CLIENT_ID",
            "9d3c1c1e-0000-4000-8000-000000000000",
        ),
        ("wrong-workspace", "GLP_WORKSPACE_ID", other_workspace),
    ];
    let mut token_requests = 0;
    for (name, var, value) in cases {
        let mut cmd = orchestrator(&bins, &wd, &sim, &["collect", "-q", "--output", "x.jsonl"]);
        cmd.env(var, value);
        let out = run(name, &wd, cmd);
        assert_exit(&out, 1);
        assert!(
            out.stderr.contains("invalid_client")
                && out.stderr.contains("hint: 401")
                && out.stderr.contains("GLP_CLIENT_SECRET")
                && out.stderr.contains("GLP_WORKSPACE_ID"),
            "{name}: the 401 hint must say what to check:\n{}",
            out.stderr
        );
        assert!(
            out.stderr.contains("no tenant was contacted"),
            "{name}: {}",
            out.stderr
        );
        let stats = sim.stats().unwrap();
        let now = served(&stats, "token");
        assert_eq!(
            now - token_requests,
            1,
            "{name}: a refused credential must not be retried"
        );
        token_requests = now;
        assert_eq!(
            stats.total_requests, token_requests,
            "{name}: nothing but token requests"
        );
    }
    let stats = sim.stats().unwrap();
    assert_eq!(stats.client_credentials_grants, 0);
    assert_eq!(stats.token_exchanges, 0);
}
