//! `tenant_devices` (one tenant's devices by status) and `find_device` (a device across every
//! tenant).

use std::collections::BTreeMap;

use msp_store::Store;
use serde_json::{Value, json};

use super::{FindDeviceArgs, TenantDevicesArgs, ToolError, resolve_tenant, text};
use crate::limits::{Page, limit};

/// `tenant_devices`.
pub(crate) fn tenant_devices(store: &Store, args: &TenantDevicesArgs) -> Result<Value, ToolError> {
    let limit = limit(args.limit)?;
    let (id, name) = resolve_tenant(store, &args.tenant)?;
    let status = args
        .status
        .as_deref()
        .map(|s| text("status", s))
        .transpose()?;
    let devices = store.devices(Some(&id))?;
    let mut by_status: BTreeMap<String, u64> = BTreeMap::new();
    for d in &devices {
        *by_status
            .entry(d.status.clone().unwrap_or_default())
            .or_default() += 1;
    }
    let shown: Vec<_> = devices
        .into_iter()
        .filter(|d| {
            status.is_none_or(|s| {
                d.status
                    .as_deref()
                    .is_some_and(|x| x.eq_ignore_ascii_case(s))
            })
        })
        .collect();
    let page = Page::of(
        &shown,
        limit,
        "narrow with status (such as OFFLINE), or look one up with find_device",
    )?;
    Ok(json!({
        "tenant_id": id,
        "tenant_name": name,
        "by_status": by_status,
        "order": "down first, then by resource and serial",
        "devices": page,
    }))
}

/// `find_device`.
pub(crate) fn find_device(store: &Store, args: &FindDeviceArgs) -> Result<Value, ToolError> {
    let limit = limit(args.limit)?;
    let query = text("query", &args.query)?;
    if query.chars().count() < 2 {
        return Err(ToolError::invalid(
            "query must hold at least 2 characters (a serial number, a MAC address or part of a name)",
        ));
    }
    let found = store.find_devices(query)?;
    let page = Page::of(
        &found,
        limit,
        "give a whole serial number or MAC address, or more of the name",
    )?;
    Ok(json!({
        "query": query,
        "matched_on": "serial number (any case), MAC address (any case and separators), or part of the name",
        "devices": page,
    }))
}
