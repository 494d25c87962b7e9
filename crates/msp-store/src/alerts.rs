//! Alerts in the store: their key (the alert's `id`, never a serial number: one device has
//! many alerts) and the open alerts by severity per tenant ([`Store::open_alerts`]).

use serde::Serialize;

use crate::db::vals;
use crate::keys::item_key;
use crate::query::LATEST_COMPLETE;
use crate::{RunId, Store, StoreError};

/// The severities of Central's alerts, worst first; another severity ranks after them.
pub const ALERT_SEVERITIES: [&str; 4] = ["Critical", "Major", "Minor", "Info"];

/// Whether `resource` (as a run names it) is Central's alerts: `alerts`, or a path ending in
/// `/alerts` under `network-notifications`.
pub fn is_alerts(resource: &str) -> bool {
    let resource = resource.trim_matches('/');
    resource == "alerts"
        || (resource.starts_with("network-notifications/") && resource.ends_with("/alerts"))
}

/// The rank of an alert severity, 0 for `Critical`, case-insensitive.
pub fn severity_rank(severity: &str) -> usize {
    ALERT_SEVERITIES
        .iter()
        .position(|s| s.eq_ignore_ascii_case(severity.trim()))
        .unwrap_or(ALERT_SEVERITIES.len())
}

/// The key of an item of `resource`: an alert's `id` (a string or a number), else the key every
/// other item gets (serial number first).
pub(crate) fn resource_key(resource: &str, item: &str) -> String {
    #[derive(serde::Deserialize)]
    struct Id {
        id: Option<serde_json::Value>,
    }
    if is_alerts(resource)
        && let Ok(Id { id: Some(id) }) = serde_json::from_str::<Id>(item)
    {
        match id {
            serde_json::Value::String(s) if !s.is_empty() => return s,
            serde_json::Value::Number(n) => return n.to_string(),
            _ => {}
        }
    }
    item_key(item)
}

/// The open alerts (any status but `Cleared`) of one tenant with one severity, from the
/// latest run that completed the tenant's alerts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlertRow {
    /// The tenant's id.
    pub tenant_id: String,
    /// The tenant's name.
    pub tenant_name: String,
    /// The resource (`alerts`).
    pub resource: String,
    /// The run the data comes from.
    pub run_id: RunId,
    /// The severity as stored (empty when the alerts have none).
    pub severity: String,
    /// How many open alerts.
    pub count: u64,
}

impl Store {
    /// Open alerts by severity per tenant, from the latest run that completed each tenant's
    /// `resource` (an alerts resource, see [`is_alerts`]); optionally only the tenant whose id
    /// or name is `tenant`. Worst first: tenants by their counts of `Critical`, then `Major`,
    /// `Minor` and `Info` alerts (most first), then by name; within a tenant, the worst
    /// severity first. Tenants without open alerts have no row.
    pub fn open_alerts(
        &self,
        tenant: Option<&str>,
        resource: &str,
    ) -> Result<Vec<AlertRow>, StoreError> {
        let sql = format!(
            "{LATEST_COMPLETE}
             SELECT l.tenant_id, l.tenant_name, l.resource, l.run_id,
                    coalesce(json_extract(p.data, '$.severity'), ''), count(*)
             FROM latest l
             JOIN json_each(l.items) j
             JOIN payloads p ON p.id = j.value
             WHERE lower(trim(coalesce(json_extract(p.data, '$.status'), ''))) <> 'cleared'
             GROUP BY 1, 2, 3, 4, 5"
        );
        let rows = self
            .db
            .rows(&sql, vals![tenant, resource])?
            .iter()
            .map(|r| {
                let (tenant_id, tenant_name, resource, run_id) = crate::query::entry_columns(r)?;
                Ok(AlertRow {
                    tenant_id,
                    tenant_name,
                    resource,
                    run_id,
                    severity: r.text(4),
                    count: r.get::<i64>(5)?.max(0) as u64,
                })
            })
            .collect::<Result<Vec<AlertRow>, StoreError>>()?;
        // Per tenant: its counts by rank, worst first (the sort key of its rows).
        let mut counts: std::collections::HashMap<&str, [u64; 5]> = Default::default();
        for row in &rows {
            let n = counts.entry(row.tenant_id.as_str()).or_default();
            n[severity_rank(&row.severity)] += row.count;
        }
        let key = |row: &AlertRow| {
            counts
                .get(row.tenant_id.as_str())
                .copied()
                .unwrap_or_default()
        };
        let mut sorted = rows.clone();
        sorted.sort_by(|a, b| {
            key(b)
                .cmp(&key(a))
                .then_with(|| a.tenant_name.cmp(&b.tenant_name))
                .then_with(|| a.tenant_id.cmp(&b.tenant_id))
                .then_with(|| severity_rank(&a.severity).cmp(&severity_rank(&b.severity)))
                .then_with(|| a.severity.cmp(&b.severity))
        });
        Ok(sorted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RunStatus;

    fn alert(id: &str, severity: &str, status: &str) -> String {
        format!(
            r#"{{"id":"{id}","severity":"{severity}","status":"{status}","deviceSerial":"SN1","siteId":"7"}}"#
        )
    }

    #[test]
    fn alerts_are_keyed_by_id_and_open_ones_counted_worst_first() {
        crate::tests::each_store!(|store| {
            let run = crate::tests::begin(store, "alerts");
            let a = [
                alert("1:1", "Minor", "Active"),
                alert("1:2", "Minor", "Active"),
                alert("1:3", "Critical", "Cleared"),
            ];
            let b = [
                alert("2:1", "Critical", "Active"),
                alert("2:2", "Info", "Deferred"),
            ];
            store
                .write_entry(run, "t-a", "Alpha", "alerts", a.iter().map(String::as_str))
                .expect("a");
            store
                .write_entry(run, "t-b", "Beta", "alerts", b.iter().map(String::as_str))
                .expect("b");
            store.end_run(run, RunStatus::Complete).expect("end");
            let rows = store.open_alerts(None, "alerts").expect("rows");
            let got: Vec<(&str, &str, u64)> = rows
                .iter()
                .map(|r| (r.tenant_name.as_str(), r.severity.as_str(), r.count))
                .collect();
            assert_eq!(
                got,
                [
                    ("Beta", "Critical", 1),
                    ("Beta", "Info", 1),
                    ("Alpha", "Minor", 2)
                ]
            );
            let key: String = store
                .db
                .row("SELECT key FROM payloads ORDER BY id LIMIT 1", &[])
                .expect("key")
                .expect("a row")
                .get(0)
                .expect("text");
            assert_eq!(key, "1:1");
            assert!(is_alerts("network-notifications/v1/alerts") && !is_alerts("aps"));
        });
    }
}
