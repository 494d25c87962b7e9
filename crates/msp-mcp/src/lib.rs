//! The MCP server of glp-msp (`msp-orchestrator mcp`): read-only tools over the inventory
//! store, for an assistant (Claude Desktop, VS Code, any Model Context Protocol client) that
//! starts it and speaks to it over stdin and stdout.
//!
//! The tools but `refresh_tenant` read what `snapshot` wrote, so they answer while HPE's APIs
//! are down and never spend their rate limits:
//!
//! - `list_tenants`: every tenant with its health (its latest run's outcome, devices, devices
//!   down), worst first;
//! - `tenant_devices`: one tenant's devices by status, down first;
//! - `find_device`: a device by serial number, MAC address (any case, any separators) or
//!   name, across every tenant;
//! - `changes_since`: what changed since a time (RFC 3339, or `24h`-style back from now);
//! - `open_alerts`: open alerts by severity per tenant, worst first;
//! - `refresh_tenant`: the one live call: collects one tenant now (the resources of its latest
//!   run) through the program's [`Refresh`], then answers as the store holds it.
//!
//! Every result is one JSON object, bounded ([`MAX_ITEMS`] items, about [`MAX_BYTES`] bytes,
//! texts of [`MAX_TEXT_CHARS`] characters at most):
//! a cut result says so (`"truncated": true` and a `note` on how to narrow the question).
//! Inputs are checked; a mistake is a tool error that says what to give instead. Texts the
//! servers sent (names, statuses) are returned as JSON strings: data, never instructions.
//! No tool reads the configuration (`refresh_tenant` leaves it to the program's [`Refresh`]),
//! so no result can hold a secret.
//!
//! ```no_run
//! # async fn run() -> Result<(), msp_mcp::McpError> {
//! let store = msp_store::Store::open("inventory.sqlite")?;
//! msp_mcp::serve_stdio(store, None).await?;
//! # Ok(())
//! # }
//! ```

mod limits;
mod server;
mod tools;

pub use limits::{MAX_BYTES, MAX_ITEMS, MAX_TEXT_CHARS};
pub use server::{InventoryServer, serve_stdio};
pub use tools::{
    ChangesSinceArgs, FindDeviceArgs, ListTenantsArgs, OpenAlertsArgs, Refresh, RefreshTenantArgs,
    TenantDevicesArgs, ToolError,
};

/// What can stop the server.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum McpError {
    /// The store could not be opened or read.
    #[error(transparent)]
    Store(#[from] msp_store::StoreError),
    /// The MCP session could not start (the client did not initialize it).
    #[error("the MCP session did not start: {0}")]
    Start(String),
    /// The MCP session ended abnormally.
    #[error("the MCP session failed: {0}")]
    Session(String),
}
