//! `--client-secret-file` that cannot be read, with `GLP_CLIENT_SECRET` also set (issue 25):
//! the error names the file, not the variable.
#![allow(clippy::unwrap_used)]

mod support;

use support::{cli, sim};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_secret_file_is_named_not_the_variable_that_is_set() {
    let sim = sim(1).await;
    let out = cli(&sim)
        .args(["tenants", "--client-secret-file", "/nonexistent/glp-secret"])
        .output()
        .await;
    out.assert_code(1);
    assert!(
        out.stderr
            .contains("cannot read the client secret file /nonexistent/glp-secret"),
        "{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("GLP_CLIENT_SECRET is not set"),
        "GLP_CLIENT_SECRET is set (the file wins over it): {}",
        out.stderr
    );
    assert_eq!(sim.stats().total_requests, 0, "nothing was contacted");
}
