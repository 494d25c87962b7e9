//! The tools' logic over the store, each a function from its checked arguments to one JSON
//! object; [`crate::server`] wires them to MCP.

mod alerts;
mod changes;
mod devices;
mod refresh;
mod tenants;

use msp_store::{Store, StoreError};
use rmcp::schemars::JsonSchema;
use serde::Deserialize;

pub(crate) use alerts::open_alerts;
pub(crate) use changes::changes_since;
pub(crate) use devices::{find_device, tenant_devices};
pub use refresh::Refresh;
pub(crate) use refresh::{after as refreshed, plan as refresh_plan};
pub(crate) use tenants::list_tenants;

/// Why a tool gave no answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ToolError {
    /// The arguments are wrong: the message says what to give instead.
    #[error("{0}")]
    Invalid(String),
    /// The store could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A result could not be written (a bug).
    #[error("internal error: {0}")]
    Internal(String),
}

impl ToolError {
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::Invalid(message.into())
    }

    pub(crate) fn internal(e: impl std::fmt::Display) -> Self {
        Self::Internal(e.to_string())
    }
}

/// The longest text argument.
const MAX_TEXT: usize = 200;

/// `value` of argument `name`, trimmed: not empty, at most [`MAX_TEXT`] characters, no
/// control characters.
pub(crate) fn text<'a>(name: &str, value: &'a str) -> Result<&'a str, ToolError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(ToolError::invalid(format!("{name} must not be empty")));
    }
    if value.chars().count() > MAX_TEXT {
        return Err(ToolError::invalid(format!(
            "{name} is too long (at most {MAX_TEXT} characters)"
        )));
    }
    if value.chars().any(char::is_control) {
        return Err(ToolError::invalid(format!(
            "{name} must not hold control characters"
        )));
    }
    Ok(value)
}

/// The tenant of the store whose id is `given`, or whose name is `given` in any case, as
/// `(id, name)`; else an error naming up to five tenants whose name contains it.
pub(crate) fn resolve_tenant(store: &Store, given: &str) -> Result<(String, String), ToolError> {
    let given = text("tenant", given)?;
    let tenants = store.tenants()?;
    if let Some(t) = tenants.iter().find(|(id, _)| id == given) {
        return Ok(t.clone());
    }
    let named: Vec<&(String, String)> = tenants
        .iter()
        .filter(|(_, name)| name.to_lowercase() == given.to_lowercase())
        .collect();
    match named.as_slice() {
        [one] => return Ok((*one).clone()),
        [] => {}
        several => {
            let ids: Vec<&str> = several.iter().map(|(id, _)| id.as_str()).collect();
            return Err(ToolError::invalid(format!(
                "{} tenants are named {given:?}: give one of their ids ({})",
                several.len(),
                ids.join(", ")
            )));
        }
    }
    let lower = given.to_lowercase();
    let near: Vec<String> = tenants
        .iter()
        .filter(|(_, name)| name.to_lowercase().contains(&lower))
        .take(5)
        .map(|(id, name)| format!("{name:?} ({id})"))
        .collect();
    let hint = if near.is_empty() {
        format!("list_tenants lists the store's {} tenants", tenants.len())
    } else {
        format!("did you mean {}?", near.join(", "))
    };
    Err(ToolError::invalid(format!(
        "no tenant of the store has the id or name {given:?}: {hint}"
    )))
}

/// Arguments of `list_tenants`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
#[serde(deny_unknown_fields)]
pub struct ListTenantsArgs {
    /// Only tenants whose name contains this text (any case).
    #[serde(default)]
    pub name_contains: Option<String>,
    /// The most tenants to list (at most 200, the default).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// Arguments of `tenant_devices`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
#[serde(deny_unknown_fields)]
pub struct TenantDevicesArgs {
    /// The tenant: its id, or its name (any case).
    pub tenant: String,
    /// Only devices with this status (any case), such as ONLINE or OFFLINE.
    #[serde(default)]
    pub status: Option<String>,
    /// The most devices to list (at most 200, the default).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// Arguments of `find_device`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
#[serde(deny_unknown_fields)]
pub struct FindDeviceArgs {
    /// A serial number (any case), a MAC address (any case, with or without `:`, `-` or `.`),
    /// or part of a device name (any case).
    pub query: String,
    /// The most devices to list (at most 200, the default).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// Arguments of `changes_since`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
#[serde(deny_unknown_fields)]
pub struct ChangesSinceArgs {
    /// An RFC 3339 time (2026-12-01T00:00:00Z), or a duration back from now (30m, 24h, 7d,
    /// 2w).
    pub since: String,
    /// Only this tenant: its id, or its name (any case).
    #[serde(default)]
    pub tenant: Option<String>,
    /// The most changes to list (at most 200, the default).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// Arguments of `refresh_tenant`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
#[serde(deny_unknown_fields)]
pub struct RefreshTenantArgs {
    /// The tenant: its id, or its name (any case).
    pub tenant: String,
}

/// Arguments of `open_alerts`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
#[serde(deny_unknown_fields)]
pub struct OpenAlertsArgs {
    /// Only this tenant: its id, or its name (any case).
    #[serde(default)]
    pub tenant: Option<String>,
    /// Only this severity: Critical, Major, Minor or Info (any case).
    #[serde(default)]
    pub severity: Option<String>,
    /// The most rows to list (at most 200, the default).
    #[serde(default)]
    pub limit: Option<u32>,
}

#[cfg(test)]
pub(crate) mod tests;
