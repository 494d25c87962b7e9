//! Prints one tenant's Central device inventory, page by page as it arrives.
//!
//! Environment:
//! - `GLP_CLIENT_ID`, `GLP_CLIENT_SECRET`, `GLP_WORKSPACE_ID` (the MSP workspace), optionally
//!   `GLP_BASE_URL`: the MSP's GreenLake API client, used for the MSP token and the tenant token
//!   (RFC 8693 exchange);
//! - `CENTRAL_BASE_URL` (the API gateway URL shown in Central) or `CENTRAL_CLUSTER` (e.g.
//!   `US-WEST-4`); the URL wins when both are set;
//! - `TENANT_WORKSPACE_ID`: the tenant's **GreenLake workspace id** (not Central's tenantId).
//!
//! ```text
//! cargo run -p central-api --example tenant_devices
//! ```
//!
//! No token or secret is ever printed.

use std::env;
use std::error::Error;
use std::process::ExitCode;

mod central;

use central_api::{CentralClient, CentralLocation};
use futures::TryStreamExt;
use glp_auth::WorkspaceId;

#[tokio::main]
async fn main() -> ExitCode {
    central::main(run).await
}

async fn run(central: CentralClient, location: CentralLocation) -> Result<(), Box<dyn Error>> {
    let tenant: WorkspaceId = env::var("TENANT_WORKSPACE_ID")
        .map_err(|_| "TENANT_WORKSPACE_ID is not set: give the tenant's GreenLake workspace id")?
        .parse()?;

    println!("Central: {location}; tenant workspace {tenant}");

    let mut pages = central.tenant(tenant).device_inventory().pages();
    let mut shown = 0usize;
    while let Some(page) = pages.try_next().await? {
        for device in &page.items {
            shown += 1;
            println!(
                "{:<14} {:<18} {:<13} {:<20} {:<8} {}",
                device.common.serial_number.as_deref().unwrap_or("-"),
                device.common.mac_address.as_deref().unwrap_or("-"),
                device.device_type.as_deref().unwrap_or("-"),
                device.common.model.as_deref().unwrap_or("-"),
                device.common.status.as_deref().unwrap_or("-"),
                device.common.site_name.as_deref().unwrap_or("(no site)"),
            );
        }
        if let Some(total) = page.total {
            eprintln!("... {shown} of {total}");
        }
    }
    println!("{shown} devices");
    let totals = central.api_client().totals();
    eprintln!(
        "{} requests, {} retries, {} rate-limited",
        totals.requests, totals.retries, totals.rate_limited
    );
    Ok(())
}
