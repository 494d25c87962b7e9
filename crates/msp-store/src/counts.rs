//! Each tenant's devices, devices down and open alerts in its latest complete data, in one
//! pass ([`Store::latest_counts`]): what an overview of thousands of tenants needs, without the
//! per-type and per-severity groups of [`Store::status`] and [`Store::open_alerts`].

use serde::Deserialize;
use serde_json::Value;

use crate::db::{self, vals};
use crate::query::LATEST_COMPLETE;
use crate::{Store, StoreError, is_alerts, is_append_only, is_offline};

/// One tenant's counts, from the latest run that completed each of its resources.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TenantCounts {
    /// The tenant's id.
    pub tenant_id: String,
    /// Items of its device resources (every resource but alerts and append-only ones).
    pub devices: u64,
    /// Those whose status says they are down ([`is_offline`]).
    pub down: u64,
    /// Its open alerts (any status but `Cleared`), of every alerts resource ([`is_alerts`]).
    pub open_alerts: u64,
    /// Those of severity `Critical` (any case).
    pub critical: u64,
}

/// The few fields of an item the counts read (every other field is skipped unparsed).
#[derive(Deserialize, Default)]
struct Fields {
    status: Option<Value>,
    #[serde(rename = "connectionStatus")]
    connection_status: Option<Value>,
    severity: Option<Value>,
}

/// A field's text as SQLite's `json_extract` gives it: a string as is, another value as JSON.
fn text(v: &Value) -> std::borrow::Cow<'_, str> {
    match v {
        Value::String(s) => s.as_str().into(),
        other => other.to_string().into(),
    }
}

impl Store {
    /// Every tenant with complete data: its devices, devices down, open and critical alerts,
    /// by id. One query over the latest complete entries and their items; each item's JSON is
    /// read once, for its `status` (else `connectionStatus`) and, for alerts, `severity`.
    pub fn latest_counts(&self) -> Result<Vec<TenantCounts>, StoreError> {
        let sql = format!(
            "{LATEST_COMPLETE}
             SELECT l.tenant_id, l.resource, p.data
             FROM latest l
             JOIN json_each(l.items) j
             JOIN payloads p ON p.id = j.value
             ORDER BY l.tenant_id"
        );
        let mut out: Vec<TenantCounts> = Vec::new();
        // The kind of the current resource: (its name, alerts?, skipped?).
        let mut kind: (String, bool, bool) = Default::default();
        self.db.with(|ex| {
            ex.each(&sql, vals![None::<&str>, None::<&str>], |row| {
                let column = |i: usize| match row.0.get(i) {
                    Some(db::Value::Text(t)) => t.as_ref(),
                    _ => "",
                };
                let (tenant, resource) = (column(0), column(1));
                if kind.0 != resource {
                    kind = (
                        resource.to_owned(),
                        is_alerts(resource),
                        is_append_only(resource),
                    );
                }
                if out.last().is_none_or(|c| c.tenant_id != tenant) {
                    out.push(TenantCounts {
                        tenant_id: tenant.to_owned(),
                        ..TenantCounts::default()
                    });
                }
                let (_, alerts, skipped) = kind;
                let Some(counts) = out.last_mut().filter(|_| !skipped) else {
                    return Ok::<_, StoreError>(());
                };
                let fields: Fields = serde_json::from_str(column(2)).unwrap_or_default();
                count(counts, alerts, &fields);
                Ok(())
            })
        })?;
        Ok(out)
    }
}

/// Adds one item (an alert when `alerts`, else a device) to a tenant's `counts`.
fn count(counts: &mut TenantCounts, alerts: bool, fields: &Fields) {
    if alerts {
        let status = fields.status.as_ref().map(text);
        if status.is_some_and(|s| s.trim().eq_ignore_ascii_case("cleared")) {
            return;
        }
        counts.open_alerts += 1;
        if fields
            .severity
            .as_ref()
            .is_some_and(|s| text(s).eq_ignore_ascii_case("critical"))
        {
            counts.critical += 1;
        }
    } else {
        counts.devices += 1;
        let status = fields.status.as_ref().or(fields.connection_status.as_ref());
        if status.is_some_and(|s| is_offline(&text(s))) {
            counts.down += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Incomplete, RunStatus};

    #[test]
    fn devices_down_and_open_alerts_per_tenant_from_the_latest_complete_data() {
        crate::tests::each_store!(|store| {
            let first = crate::tests::begin(store, "devices");
            let old = [r#"{"serialNumber":"A1","status":"ONLINE"}"#];
            store
                .write_entry(first, "t-a", "Alpha", "devices", old)
                .expect("a");
            let b = [
                r#"{"serialNumber":"B1","status":"Offline"}"#,
                r#"{"serialNumber":"B2","status":null,"connectionStatus":"down"}"#,
                r#"{"serialNumber":"B3","connectionStatus":"Up","nested":{"status":"OFFLINE"}}"#,
                r#"{"serialNumber":"B4","status":1}"#,
            ];
            store
                .write_entry(first, "t-b", "Beta", "devices", b)
                .expect("b");
            store.end_run(first, RunStatus::Complete).expect("end");
            let second = crate::tests::begin(store, "devices");
            let a = [
                r#"{"serialNumber":"A1","status":"OFFLINE"}"#,
                r#"{"serialNumber":"A2","status":"ONLINE"}"#,
            ];
            store
                .write_entry(second, "t-a", "Alpha", "devices", a)
                .expect("a");
            let alerts = [
                r#"{"id":"1","severity":"CRITICAL","status":"Active"}"#,
                r#"{"id":"2","severity":"Critical","status":" cleared "}"#,
                r#"{"id":"3","severity":"Minor"}"#,
            ];
            store
                .write_entry(second, "t-a", "Alpha", "alerts", alerts)
                .expect("alerts");
            let audit = [r#"{"id":"x","createdAt":"2026-01-01T00:00:00Z","status":"down"}"#];
            store
                .write_entry(second, "t-a", "Alpha", "glp/audit-logs", audit)
                .expect("audit");
            // Beta fails in the newest run: its counts come from the first.
            store
                .note_incomplete(second, "t-b", "Beta", "devices", Incomplete::Failed, "500")
                .expect("failed");
            store.end_run(second, RunStatus::Partial).expect("end");

            let counts = store.latest_counts().expect("counts");
            let alpha = TenantCounts {
                tenant_id: "t-a".into(),
                devices: 2,
                down: 1,
                open_alerts: 2,
                critical: 1,
            };
            let beta = TenantCounts {
                tenant_id: "t-b".into(),
                devices: 4,
                down: 2,
                open_alerts: 0,
                critical: 0,
            };
            assert_eq!(counts, [alpha, beta]);

            // The same totals as the per-type and per-severity groups.
            let status = store.status(None, None).expect("status");
            let devices: u64 = status
                .iter()
                .filter(|r| r.resource == "devices")
                .map(|r| r.count)
                .sum();
            let down: u64 = status
                .iter()
                .filter(|r| r.resource == "devices" && r.is_offline())
                .map(|r| r.count)
                .sum();
            let open: u64 = store
                .open_alerts(None, "alerts")
                .expect("alerts")
                .iter()
                .map(|r| r.count)
                .sum();
            let total = |f: fn(&TenantCounts) -> u64| counts.iter().map(f).sum::<u64>();
            assert_eq!(
                (devices, down, open),
                (
                    total(|c| c.devices),
                    total(|c| c.down),
                    total(|c| c.open_alerts)
                )
            );
        });
    }
}
