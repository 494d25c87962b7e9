//! [`CentralTenant`]: an item of Central's MSP `list-tenants`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::models::model;

/// A tenant as Central's `network-msp/v1/list-tenants` lists it.
///
/// # `tenant_id` is not (proven to be) the GreenLake workspace id
///
/// `tenant_id` is Central's own customer id. Nothing documents that it equals the tenant's
/// GreenLake workspace id, and the token exchange needs the **workspace id**. Resolve a Central
/// tenant to its workspace **by name** through GreenLake's msp-tenants listing (the
/// `glp-workspaces` crate: find the workspace whose `workspaceName` equals
/// [`tenant_name`](Self::tenant_name); skip the tenant if there is not exactly one) before asking
/// for a tenant token — as the vendor's own sample does. Never pass `tenant_id` to
/// [`Scope::Tenant`](glp_core::Scope::Tenant) or [`CentralClient::tenant`](crate::CentralClient::tenant)
/// unless you have proven the two equal for your account.
///
/// Unknown fields are kept in `extra`; every field but the id and name may be missing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CentralTenant {
    /// Central's customer id of the tenant (a number in a string is read as text too). **Not** the
    /// GreenLake workspace id: see the type's documentation.
    #[serde(deserialize_with = "crate::lenient::required")]
    pub tenant_id: String,
    /// The tenant's name (the same as the GreenLake workspace name).
    #[serde(deserialize_with = "crate::lenient::required")]
    pub tenant_name: String,
    /// Sites of the tenant.
    #[serde(
        default,
        deserialize_with = "crate::lenient::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub total_sites: Option<u64>,
    /// Sites with at least one device in poor health.
    #[serde(
        default,
        deserialize_with = "crate::lenient::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub degraded_sites: Option<u64>,
    /// Who owns the devices: `MSP` or `TENANT` in HPE's spec (`msp.json`); any other text is
    /// kept as received.
    #[serde(
        default,
        deserialize_with = "crate::lenient::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub device_ownership: Option<String>,
    /// Devices by health.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_health_status: Option<DeviceHealthStatus>,
    /// Open alerts by severity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alerts: Option<AlertCounts>,
    /// Last update, epoch seconds.
    #[serde(
        default,
        deserialize_with = "crate::lenient::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_updated_time: Option<i64>,
    /// Creation, epoch seconds.
    #[serde(
        default,
        deserialize_with = "crate::lenient::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub created_time: Option<i64>,
    /// Every other field, exactly as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

model! {
    /// A tenant's devices by health (`deviceHealthStatus`).
    #[derive(Eq)]
    DeviceHealthStatus {
        /// All devices.
        total: u64,
        /// Devices in good health.
        good: u64,
        /// Devices in fair health.
        fair: u64,
        /// Devices in poor health.
        poor: u64,
    }
}

model! {
    /// A tenant's open alerts by severity (`alerts`).
    #[derive(Eq)]
    AlertCounts {
        /// All alerts.
        total: u64,
        /// Critical alerts.
        critical: u64,
        /// Major alerts.
        major: u64,
        /// Minor alerts.
        minor: u64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn id_and_name_are_required_the_rest_optional() {
        let t: CentralTenant =
            serde_json::from_value(json!({"tenantId": 42, "tenantName": "Acme"})).expect("minimal");
        assert_eq!(t.tenant_id, "42");
        assert_eq!(t.alerts, None);
        assert!(serde_json::from_value::<CentralTenant>(json!({"tenantName": "Acme"})).is_err());
        assert!(
            serde_json::from_value::<CentralTenant>(json!({"tenantId": null, "tenantName": "A"}))
                .is_err()
        );
    }
}
