//! `open_alerts`: open alerts by severity per tenant, worst first.

use msp_store::{ALERT_SEVERITIES, Store, is_alerts, severity_rank};
use serde_json::{Value, json};

use super::{OpenAlertsArgs, ToolError, resolve_tenant, text};
use crate::limits::{Page, limit};

/// `open_alerts`.
pub(crate) fn open_alerts(store: &Store, args: &OpenAlertsArgs) -> Result<Value, ToolError> {
    let limit = limit(args.limit)?;
    let severity = match args.severity.as_deref() {
        None => None,
        Some(s) => {
            let s = text("severity", s)?;
            if severity_rank(s) == ALERT_SEVERITIES.len() {
                return Err(ToolError::invalid(format!(
                    "severity {s:?} is none of {}",
                    ALERT_SEVERITIES.join(", ")
                )));
            }
            Some(s)
        }
    };
    let tenant = args
        .tenant
        .as_deref()
        .map(|t| resolve_tenant(store, t))
        .transpose()?;
    let resources: Vec<String> = store
        .resources()?
        .into_iter()
        .filter(|r| is_alerts(r))
        .collect();
    let mut rows = Vec::new();
    for resource in &resources {
        rows.extend(store.open_alerts(tenant.as_ref().map(|(id, _)| id.as_str()), resource)?);
    }
    rows.retain(|r| severity.is_none_or(|s| r.severity.trim().eq_ignore_ascii_case(s)));
    let page = Page::of(&rows, limit, "narrow with tenant or severity")?;
    let mut out = json!({
        "order": "tenants with the most critical alerts first (then major, minor, info); a row per tenant and severity",
        "alerts": page,
    });
    if resources.is_empty() {
        out["note"] = json!(
            "the store holds no alerts: snapshot collects them when asked (`snapshot alerts`)"
        );
    }
    Ok(out)
}
