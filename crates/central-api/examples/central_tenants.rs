//! Lists the MSP's tenants as Central sees them (`network-msp/v1/list-tenants`).
//!
//! Environment: `GLP_CLIENT_ID`, `GLP_CLIENT_SECRET`, `GLP_WORKSPACE_ID` (the MSP workspace),
//! optionally `GLP_BASE_URL`; and `CENTRAL_BASE_URL` or `CENTRAL_CLUSTER`.
//!
//! ```text
//! cargo run -p central-api --example central_tenants
//! ```
//!
//! Central's `tenantId` is not proven to be the GreenLake workspace id: to call a tenant's APIs,
//! find its workspace by name in GreenLake's msp-tenants (crate `glp-workspaces`) first.

use std::env;
use std::error::Error;

use central_api::{CentralClient, CentralLocation};
use futures::TryStreamExt;
use glp_auth::{AuthOptions, Credentials, msp_provider};

#[tokio::main]
async fn main() {
    if let Err(error) = run().await {
        // Display, not Debug: the message carries the hints (and never a token).
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), Box<dyn Error>> {
    let credentials = Credentials::from_env()?;
    let location = CentralLocation::choose(
        env::var("CENTRAL_BASE_URL").ok().as_deref(),
        env::var("CENTRAL_CLUSTER").ok().as_deref(),
    )?;
    let provider = msp_provider(credentials, AuthOptions::default())?;
    let central = CentralClient::from_provider(location.base_url()?, provider)?;

    let mut tenants = central.list_tenants().sort("tenantName asc").stream();
    let mut count = 0usize;
    while let Some(tenant) = tenants.try_next().await? {
        count += 1;
        let alerts = tenant.alerts.as_ref().and_then(|a| a.total).unwrap_or(0);
        println!(
            "{:<34} {:<40} sites {:>4}  alerts {:>4}",
            tenant.tenant_id,
            tenant.tenant_name,
            tenant.total_sites.unwrap_or(0),
            alerts
        );
    }
    println!("{count} tenants");
    Ok(())
}
