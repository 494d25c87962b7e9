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

use std::error::Error;
use std::process::ExitCode;

mod central;

use central_api::{CentralClient, CentralLocation};
use futures::TryStreamExt;

#[tokio::main]
async fn main() -> ExitCode {
    central::main(run).await
}

async fn run(central: CentralClient, _: CentralLocation) -> Result<(), Box<dyn Error>> {
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
