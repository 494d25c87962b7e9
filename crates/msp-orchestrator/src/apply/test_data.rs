//! What the apply module's unit tests share: workspace ids, the tenant they plan for, and a
//! device as a tenant's listing shows it, and what a device action is checked for.

use glp_core::WorkspaceId;
use serde_json::json;

use super::{DeviceAction, SeenDevice};
use crate::TenantRef;

/// The workspace id whose first byte is `n` (the rest zeros).
pub(super) fn id(n: u8) -> WorkspaceId {
    WorkspaceId::parse(&format!("{n:02x}{}", "0".repeat(30))).expect("id")
}

/// The tenant `Acme Corp` (workspace 7).
pub(super) fn tenant() -> TenantRef {
    TenantRef::from_workspace(id(7), "Acme Corp")
}

/// Device `dev-{n}` (serial `SN{n}`) of type `kind`, assigned to `app` in `region` (or not),
/// holding the subscriptions `subs` by id.
pub(super) fn device(
    n: u8,
    kind: &str,
    app: Option<&str>,
    region: Option<&str>,
    subs: &[&str],
) -> SeenDevice {
    SeenDevice::of(&json!({
        "id": format!("dev-{n}"),
        "serialNumber": format!("SN{n}"),
        "deviceType": kind,
        "application": app.map(|a| json!({"id": a})),
        "region": region,
        "subscription": subs.iter().map(|s| json!({"id": s})).collect::<Vec<_>>(),
    }))
    .expect("a device")
}

/// Asserts that `action` is of `kind` and writes to the devices `ids`, in this order
/// (`why`: what the test means by it).
pub(super) fn assert_writes(action: &DeviceAction, kind: &str, ids: &[&str], why: &str) {
    let written: Vec<&str> = action.devices().iter().map(|d| d.id.as_str()).collect();
    assert_eq!(
        (action.kind(), written.as_slice()),
        (kind, ids),
        "{why}: {action:?}"
    );
}
