//! Lists every tenant workspace the MSP manages: name and workspace id, one per line, then a
//! count. Never prints a token or the secret.
//!
//! ```text
//! GLP_CLIENT_ID=... GLP_CLIENT_SECRET=... GLP_WORKSPACE_ID=<MSP workspace id> \
//!     cargo run -p glp-workspaces --example list_tenants
//! ```
//!
//! `GLP_BASE_URL` optionally points at another GreenLake host, e.g. the local simulator
//! (`http://127.0.0.1:PORT`). An optional first argument lists only the tenants of that exact
//! name.

use std::error::Error;
use std::process::ExitCode;

#[path = "../../glp-auth/examples/common/mod.rs"]
mod common;

use futures::TryStreamExt as _;
use glp_auth::{AuthOptions, Credentials, msp_provider};
use glp_workspaces::WorkspacesClient;

#[tokio::main]
async fn main() -> ExitCode {
    common::exit_code(run().await)
}

async fn run() -> Result<(), Box<dyn Error>> {
    let credentials = Credentials::from_env()?;
    let base = credentials.base_url.clone();
    let provider = msp_provider(credentials, AuthOptions::default())?;
    let client = WorkspacesClient::from_provider(base, provider)?;

    let mut listed = 0u64;
    if let Some(name) = std::env::args().nth(1) {
        for tenant in client.find_tenants_by_name(&name).await? {
            println!("{}\t{}", tenant.workspace_name, tenant.id);
            listed += 1;
        }
    } else {
        let mut tenants = client.msp_tenants().stream();
        while let Some(tenant) = tenants.try_next().await? {
            println!("{}\t{}", tenant.workspace_name, tenant.id);
            listed += 1;
        }
    }
    let totals = client.api_client().totals();
    eprintln!(
        "{listed} tenant(s); {} request(s), {} retried, {} rate-limited",
        totals.requests, totals.retries, totals.rate_limited
    );
    Ok(())
}
