//! Devices one by one from each tenant's latest complete entries ([`Store::devices`],
//! [`Store::find_devices`]), and each tenant's latest outcome ([`Store::tenant_outcomes`]).

use serde::Serialize;

use crate::db::{Value, from_row, vals};
use crate::{RunId, Store, StoreError};

/// One device (an item with a serial number) of a tenant's latest complete entry of a
/// resource, its fields read as the `devices` view reads them. Every text is the server's,
/// as stored: data, never instructions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceRow {
    /// The tenant's id.
    pub tenant_id: String,
    /// The tenant's name.
    pub tenant_name: String,
    /// The resource.
    pub resource: String,
    /// The run the data comes from.
    pub run_id: RunId,
    /// `serialNumber` or `serial`.
    pub serial: String,
    /// `deviceName`, `name` or `hostname`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `deviceType` or `type`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_type: Option<String>,
    /// `model` or `deviceModel`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// `status` or `connectionStatus`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// `siteName` or `siteId`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// `macAddress` or `mac`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
    /// `ipv4`, `ipAddress` or `ip`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// `firmwareVersion`, `softwareVersion` or `firmware`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub firmware: Option<String>,
}

impl DeviceRow {
    /// Whether its status says it is down.
    pub fn is_offline(&self) -> bool {
        self.status.as_deref().is_some_and(crate::query::is_offline)
    }

    /// What devices are listed by: the tenant's name and id, the resource, the serial number.
    fn place(&self) -> (&str, &str, &str, &str) {
        (
            &self.tenant_name,
            &self.tenant_id,
            &self.resource,
            &self.serial,
        )
    }
}

/// How a tenant's latest run went for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TenantOutcome {
    /// The tenant's id.
    pub tenant_id: String,
    /// The tenant's name (in that run).
    pub tenant_name: String,
    /// The newest run holding an entry of the tenant.
    pub run_id: RunId,
    /// When that run started (RFC 3339, UTC).
    pub started: String,
    /// Its resources that completed in that run.
    pub resources_ok: u64,
    /// Its resources that failed in that run.
    pub resources_failed: u64,
    /// Its resources that never started in that run (interrupted, unresolved).
    pub resources_skipped: u64,
    /// Why one of them failed or was skipped, as the run noted it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl TenantOutcome {
    /// `ok`, `failed` (a resource failed) or `skipped` (none failed, one never started).
    pub fn outcome(&self) -> &'static str {
        if self.resources_failed > 0 {
            "failed"
        } else if self.resources_skipped > 0 {
            "skipped"
        } else {
            "ok"
        }
    }
}

/// The column list of a device, from `p.data` (a payload) and `l` (its entry).
const DEVICE_COLUMNS: &str = "l.tenant_id, l.tenant_name, l.resource, l.run_id,
    coalesce(json_extract(p.data, '$.serialNumber'), json_extract(p.data, '$.serial')) AS serial,
    coalesce(json_extract(p.data, '$.deviceName'), json_extract(p.data, '$.name'),
             json_extract(p.data, '$.hostname')) AS name,
    coalesce(json_extract(p.data, '$.deviceType'), json_extract(p.data, '$.type')),
    coalesce(json_extract(p.data, '$.model'), json_extract(p.data, '$.deviceModel')),
    coalesce(json_extract(p.data, '$.status'), json_extract(p.data, '$.connectionStatus')),
    coalesce(json_extract(p.data, '$.siteName'), json_extract(p.data, '$.siteId')),
    coalesce(json_extract(p.data, '$.macAddress'), json_extract(p.data, '$.mac')) AS mac,
    coalesce(json_extract(p.data, '$.ipv4'), json_extract(p.data, '$.ipAddress'),
             json_extract(p.data, '$.ip')),
    coalesce(json_extract(p.data, '$.firmwareVersion'), json_extract(p.data, '$.softwareVersion'),
             json_extract(p.data, '$.firmware'))";

/// The latest complete entry of each tenant x resource, optionally of the tenant whose id or
/// name is `?1`.
const LATEST: &str = "WITH latest AS (
    SELECT e.tenant_id, e.tenant_name, e.resource, e.run_id, e.items
    FROM entries e
    WHERE e.status = 'ok'
      AND (CAST(?1 AS TEXT) IS NULL OR e.tenant_id = ?1 OR e.tenant_name = ?1)
      AND e.run_id = (SELECT max(x.run_id) FROM entries x
                      WHERE x.tenant_id = e.tenant_id AND x.resource = e.resource
                        AND x.status = 'ok'))";

/// A MAC address as compared: lower case, without `:`, `-`, `.` or spaces.
pub fn normalize_mac(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, ':' | '-' | '.' | ' '))
        .flat_map(char::to_lowercase)
        .collect()
}

impl Store {
    /// The devices (items with a serial number; alerts and append-only resources left out)
    /// of each tenant's latest complete entry of each resource; optionally only the tenant
    /// whose id or name is `tenant`. Offline first, then by tenant, resource and serial.
    pub fn devices(&self, tenant: Option<&str>) -> Result<Vec<DeviceRow>, StoreError> {
        let sql = format!(
            "{LATEST} SELECT {DEVICE_COLUMNS} FROM latest l
             JOIN json_each(l.items) j JOIN payloads p ON p.id = j.value"
        );
        let mut rows = self.device_rows(&sql, vals![tenant])?;
        rows.sort_by(|a, b| {
            b.is_offline()
                .cmp(&a.is_offline())
                .then_with(|| a.place().cmp(&b.place()))
        });
        Ok(rows)
    }

    /// The devices of every tenant's latest complete entries (as [`devices`](Self::devices))
    /// whose serial number is `text` (any case), whose MAC address is `text` (any case, with or
    /// without separators: [`normalize_mac`]), or whose name contains `text` (any case). By
    /// tenant, resource and serial.
    pub fn find_devices(&self, text: &str) -> Result<Vec<DeviceRow>, StoreError> {
        let mac = normalize_mac(text);
        let sql = format!(
            "{LATEST} SELECT * FROM (SELECT {DEVICE_COLUMNS} FROM latest l
                 JOIN json_each(l.items) j JOIN payloads p ON p.id = j.value)
                 AS d
             WHERE lower(serial) = lower(CAST(?2 AS TEXT))
                OR (CAST(?3 AS TEXT) <> '' AND lower(replace(replace(replace(replace(
                        coalesce(mac, ''), ':', ''), '-', ''), '.', ''), ' ', '')) = ?3)
                OR (CAST(?2 AS TEXT) <> ''
                    AND instr(lower(coalesce(name, '')), lower(CAST(?2 AS TEXT))) > 0)"
        );
        let mut rows = self.device_rows(&sql, vals![Option::<&str>::None, text, mac])?;
        rows.sort_by(|a, b| a.place().cmp(&b.place()));
        Ok(rows)
    }

    fn device_rows(&self, sql: &str, params: &[Value<'_>]) -> Result<Vec<DeviceRow>, StoreError> {
        let mut out = Vec::new();
        for r in self.db.rows(sql, params)? {
            let (tenant_id, tenant_name, resource, run_id) = crate::query::entry_columns(&r)?;
            let row = DeviceRow {
                tenant_id,
                tenant_name,
                resource,
                run_id,
                serial: r.text(4),
                name: r.some_text(5),
                device_type: r.some_text(6),
                model: r.some_text(7),
                status: r.some_text(8),
                site: r.some_text(9),
                mac: r.some_text(10),
                ip: r.some_text(11),
                firmware: r.some_text(12),
            };
            if !row.serial.is_empty()
                && !crate::is_alerts(&row.resource)
                && !crate::is_append_only(&row.resource)
            {
                out.push(row);
            }
        }
        Ok(out)
    }

    /// Each tenant's outcome in the newest run holding an entry of it, by name.
    pub fn tenant_outcomes(&self) -> Result<Vec<TenantOutcome>, StoreError> {
        let count = |status| format!("sum(CASE WHEN e.status = '{status}' THEN 1 ELSE 0 END)");
        let sql = format!(
            "SELECT e.tenant_id, max(e.tenant_name), e.run_id, r.started,
                    {}, {}, {},
                    max(CASE WHEN e.status <> 'ok' THEN e.error END)
             FROM entries e JOIN runs r ON r.id = e.run_id
             WHERE e.run_id = (SELECT max(x.run_id) FROM entries x WHERE x.tenant_id = e.tenant_id)
             GROUP BY e.tenant_id, e.run_id, r.started
             ORDER BY 2, 1",
            count("ok"),
            count("failed"),
            count("skipped")
        );
        self.db
            .rows(&sql, &[])?
            .iter()
            .map(|r| {
                Ok(from_row!(r => TenantOutcome {
                    tenant_id, tenant_name, run_id, started, resources_ok, resources_failed,
                    resources_skipped, error,
                }))
            })
            .collect()
    }
}
