//! The tenants' metrics, from each tenant's latest data in the store.

use msp_orchestrator::msp_store::{Store, StoreError, is_alerts};
use prometheus_client::encoding::text::encode_registry;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use super::{Labels, Seconds, registered};

/// Whether a stored device type is an access point (Central's `AP`, GreenLake's
/// `ACCESS_POINT`).
fn is_ap(device_type: &str) -> bool {
    ["AP", "ACCESS_POINT", "IAP"]
        .iter()
        .any(|t| device_type.trim().eq_ignore_ascii_case(t))
}

/// A tenant's labels: its id and name (redacted: a name is server text).
fn tenant(id: &str, name: &str) -> Labels {
    vec![
        ("tenant_id", id.to_owned()),
        ("tenant_name", glp_core::text::redact(name).into_owned()),
    ]
}

fn with(mut labels: Labels, more: &[(&'static str, &str)]) -> Labels {
    labels.extend(more.iter().map(|(k, v)| (*k, (*v).to_owned())));
    labels
}

/// The store's metrics (OpenMetrics text, without the closing `# EOF`): per tenant its devices
/// by resource, type and status, its access points down, its open alerts by severity (when
/// alerts are collected), when it was last collected whole and how long that took, and how
/// many runs in a row it has failed; and the newest run's and the newest complete run's end and duration. From the
/// latest data of each tenant, with one query per kind: no payload is parsed in Rust.
pub fn render_store(store: &Store) -> Result<String, StoreError> {
    let mut registry = Registry::default();
    let devices: Family<Labels, Gauge> = registered(
        &mut registry,
        "glp_msp_devices",
        "Devices per tenant by resource, type and status, from the tenant's latest complete data",
    );
    let aps_down: Family<Labels, Gauge> = registered(
        &mut registry,
        "glp_msp_aps_down",
        "Access points whose status is offline or down, per tenant and resource",
    );
    for row in store.status(None, None)? {
        let labels = tenant(&row.tenant_id, &row.tenant_name);
        let count = i64::try_from(row.count).unwrap_or(i64::MAX);
        devices
            .get_or_create(&with(
                labels.clone(),
                &[
                    ("resource", &row.resource),
                    ("device_type", &row.device_type),
                    ("status", &row.status),
                ],
            ))
            .inc_by(count);
        if is_ap(&row.device_type) {
            let down = aps_down.get_or_create(&with(labels, &[("resource", &row.resource)]));
            if row.is_offline() {
                down.inc_by(count);
            }
        }
    }
    let alerts: Family<Labels, Gauge> = registered(
        &mut registry,
        "glp_msp_open_alerts",
        "Open (not cleared) alerts per tenant by severity, when alerts are collected",
    );
    for resource in store.resources()?.iter().filter(|r| is_alerts(r)) {
        for row in store.open_alerts(None, resource)? {
            let labels = tenant(&row.tenant_id, &row.tenant_name);
            alerts
                .get_or_create(&with(labels, &[("severity", &row.severity)]))
                .inc_by(i64::try_from(row.count).unwrap_or(i64::MAX));
        }
    }
    let last_success: Family<Labels, Seconds> = registered(
        &mut registry,
        "glp_msp_tenant_last_success_timestamp_seconds",
        "When every resource of the tenant was last collected (Unix time)",
    );
    let last_duration: Family<Labels, Seconds> = registered(
        &mut registry,
        "glp_msp_tenant_last_success_duration_seconds",
        "How long the tenant's newest complete collection took (absent when unknown)",
    );
    let failures: Family<Labels, Gauge> = registered(
        &mut registry,
        "glp_msp_tenant_consecutive_failures",
        "Runs in a row, up to the newest, in which the tenant failed to collect",
    );
    let health = store.tenant_health()?;
    let tenants: Gauge = registered(&mut registry, "glp_msp_tenants", "Tenants the store holds");
    tenants.set(i64::try_from(health.len()).unwrap_or(i64::MAX));
    for t in &health {
        let labels = tenant(&t.tenant_id, &t.tenant_name);
        if let Some(secs) = t
            .last_success
            .as_deref()
            .and_then(glp_core::date::parse_rfc3339)
        {
            last_success.get_or_create(&labels).set(secs as f64);
        }
        if let Some(ms) = t.last_success_ms {
            last_duration
                .get_or_create(&labels)
                .set(std::time::Duration::from_millis(ms).as_secs_f64());
        }
        failures
            .get_or_create(&labels)
            .set(i64::try_from(t.consecutive_failures).unwrap_or(i64::MAX));
    }
    super::runs::run_metrics(store, &mut registry)?;
    let mut out = String::new();
    let _ = encode_registry(&mut out, &registry);
    Ok(out)
}
