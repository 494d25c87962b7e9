//! [`Columns`]: which cells a CSV row has: the record's own fields (`tenant_id`, `resource`,
//! ...), fields of the item found by dotted paths (`siteName`, `radios.0.band`), and the item's
//! JSON text only when asked for (`data`).

use serde_json::Value;

use crate::Record;

/// One column: its header, and where its value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Column {
    header: String,
    source: Source,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    TenantId,
    WorkspaceId,
    TenantName,
    CentralTenantId,
    Cluster,
    Resource,
    CollectedAt,
    /// The item's JSON text.
    Data,
    /// The first of these paths into the item that has a value (`firmwareVersion`, then
    /// `softwareVersion`); each path is its segments.
    Item(Vec<Vec<String>>),
}

/// The columns of CSV output, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns {
    columns: Vec<Column>,
}

/// Names of the record's own fields, usable in `--columns`.
pub const RECORD_FIELDS: &[&str] = &[
    "tenant_id",
    "workspace_id",
    "tenant_name",
    "central_tenant_id",
    "cluster",
    "resource",
    "collected_at",
    "data",
];

/// The default item columns of `resource`, in the words of `--columns` ([`Columns::parse`]:
/// `header=path|path` where the header is not the path); `None` for a resource this crate has
/// no columns for.
fn defaults(resource: &str) -> Option<&'static str> {
    // A typed GreenLake list by its API path (`devices/v1/devices`) has its name's columns.
    let resource: &str = match resource.parse::<glp_workspaces::GlpResource>() {
        Ok(typed) => typed.name(),
        Err(_) => resource,
    };
    Some(match resource {
        "glp/devices" => {
            "serialNumber,deviceType,model,partNumber,macAddress,region,assignedState,\
             application=application.id,subscription=subscription.0.id,updatedAt"
        }
        "glp/subscriptions" => {
            "key,subscriptionType,tier,sku,subscriptionStatus,quantity,availableQuantity,\
             startTime,endTime"
        }
        "glp/audit-logs" => {
            "id,createdAt,category,username,ipAddress,description,\
             serviceOffer=serviceOffer.name,workspace=workspace.name"
        }
        // A path such as network-monitoring/v1alpha1/aps gets the columns of its last segment.
        _ => match resource.rsplit('/').next().unwrap_or(resource) {
            "device-inventory" => {
                "serialNumber,deviceName,deviceType,model,partNumber,macAddress,siteName,\
                 siteAssigned,tier=subscriptionTier|tier"
            }
            "aps" | "switches" | "gateways" | "devices" => {
                "serialNumber,deviceName,deviceType,model,status,\
                 firmware=firmwareVersion|softwareVersion,ipv4,macAddress,siteName,siteId"
            }
            // The spec's `type` is the resource's own type; Wired/Wireless is
            // `clientConnectionType` (older answers: `type`).
            "clients" => {
                "mac=mac|macAddress,name=name|clientName,type=clientConnectionType|type,status,\
                 ipv4,network=network|ssid|wlanName,vlanId,connectedDeviceSerial,connectedTo,\
                 siteName"
            }
            // No field of HPE's alert item names the device or the site; the simulator's
            // `deviceSerial`, `siteName` and `siteId` (and a `serialNumber`) are read if sent.
            "alerts" => {
                "id,severity,status,category,typeId,name,summary,deviceType,\
                 deviceSerial=deviceSerial|serialNumber,siteName,siteId,createdAt,updatedAt"
            }
            "sites-health" => {
                "siteId=id|siteId,siteName=siteName|name,city=address.city,\
                 country=address.country,devices=devices.count,clients=clients.count,\
                 alerts=alerts.totalCount,reasons"
            }
            _ => return None,
        },
    })
}

/// The item columns of a resource this crate has no columns for: an id, a name, a status.
const UNKNOWN_COLUMNS: &str =
    "id=serialNumber|id|mac|macAddress|siteId|name,name=deviceName|name|siteName,status";

fn meta(name: &str) -> Option<Source> {
    Some(match name {
        "tenant_id" => Source::TenantId,
        "workspace_id" => Source::WorkspaceId,
        "tenant_name" => Source::TenantName,
        "central_tenant_id" => Source::CentralTenantId,
        "cluster" => Source::Cluster,
        "resource" => Source::Resource,
        "collected_at" => Source::CollectedAt,
        "data" => Source::Data,
        _ => return None,
    })
}

fn column(header: &str, source: Source) -> Column {
    Column {
        header: header.to_owned(),
        source,
    }
}

fn split_path(path: &str) -> Vec<String> {
    path.split('.').map(str::to_owned).collect()
}

impl Columns {
    /// The default columns for records of `resources` (as the user named them): `tenant_id`,
    /// `tenant_name`, `resource`, the flattened fields of each known resource (serial, name,
    /// type, model, status, firmware, IP, MAC, site, ...; the union, in order, when there are
    /// several), then `collected_at`. A resource this crate has no columns for adds an id, a
    /// name, a status and the item's JSON (`data`).
    pub fn for_resources(resources: &[String]) -> Self {
        let mut columns = vec![
            column("tenant_id", Source::TenantId),
            column("tenant_name", Source::TenantName),
            column("resource", Source::Resource),
        ];
        let mut with_data = resources.is_empty();
        let mut lists: Vec<&str> = resources
            .iter()
            .map(|r| {
                let list = defaults(r);
                with_data |= list.is_none();
                list.unwrap_or(UNKNOWN_COLUMNS)
            })
            .collect();
        if resources.is_empty() {
            lists.push(UNKNOWN_COLUMNS);
        }
        for list in lists {
            // The lists above are this crate's own, in the syntax `parse` reads (a test parses
            // each one).
            for c in Self::parse(list).map(|c| c.columns).unwrap_or_default() {
                if !columns.iter().any(|have| have.header == c.header) {
                    columns.push(c);
                }
            }
        }
        columns.push(column("collected_at", Source::CollectedAt));
        if with_data {
            columns.push(column("data", Source::Data));
        }
        Self { columns }
    }

    /// Columns the user chose: a comma-separated list of the record's fields
    /// ([`RECORD_FIELDS`]; `data` is the item's JSON) and dotted paths into the item
    /// (`siteName`, `radios.0.band`; `data.x` for an item field whose name is a record
    /// field's). `a|b` takes the first of two fields that has a value; `name=path` heads the
    /// column `name` (`firmware=firmwareVersion|softwareVersion`).
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut columns = Vec::new();
        for spec in list.split(',').map(str::trim) {
            let (header, name) = match spec.split_once('=') {
                Some((header, name)) => (header.trim(), name.trim()),
                None => (spec, spec),
            };
            if header.is_empty() || name.is_empty() {
                return Err(format!(
                    "--columns {list}: an empty column name (a stray comma, or `=` with nothing \
                     on one side?)"
                ));
            }
            let source = match meta(name) {
                Some(source) => source,
                None => {
                    let mut paths = Vec::new();
                    for path in name.split('|').map(str::trim) {
                        let path = path.strip_prefix("data.").unwrap_or(path);
                        let segments = split_path(path);
                        if segments.iter().any(String::is_empty) {
                            return Err(format!("--columns: `{spec}` has an empty path segment"));
                        }
                        paths.push(segments);
                    }
                    Source::Item(paths)
                }
            };
            if columns.iter().any(|c: &Column| c.header == header) {
                return Err(format!("--columns: `{header}` is named twice"));
            }
            columns.push(column(header, source));
        }
        Ok(Self { columns })
    }

    /// The header line, without its newline.
    pub fn header(&self) -> String {
        self.columns
            .iter()
            .map(|c| crate::csv_field(&c.header))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The cells of `record` (not yet quoted). `item` is the record's item, parsed.
    pub fn cells(&self, record: &Record, item: &Value) -> Vec<String> {
        self.columns
            .iter()
            .map(|c| match &c.source {
                Source::TenantId => record.tenant_id.clone(),
                Source::WorkspaceId => record.workspace_id.clone(),
                Source::TenantName => record.tenant_name.clone(),
                Source::CentralTenantId => record.central_tenant_id.clone().unwrap_or_default(),
                Source::Cluster => record.cluster.clone().unwrap_or_default(),
                Source::Resource => record.resource.clone(),
                Source::CollectedAt => record.collected_at.clone(),
                Source::Data => record.data.get().to_owned(),
                Source::Item(paths) => paths
                    .iter()
                    .find_map(|path| lookup(item, path))
                    .unwrap_or_default(),
            })
            .collect()
    }

    /// Whether any column needs the item parsed.
    pub(crate) fn reads_item(&self) -> bool {
        self.columns
            .iter()
            .any(|c| matches!(c.source, Source::Item(_)))
    }
}

/// The value at `path` in `item` as cell text: strings as they are, numbers and booleans
/// written out, objects and arrays as compact JSON; `None` when absent or null.
pub(crate) fn lookup<S: AsRef<str>>(item: &Value, path: &[S]) -> Option<String> {
    let mut at = item;
    for segment in path {
        at = match at {
            Value::Object(map) => map.get(segment.as_ref())?,
            Value::Array(items) => items.get(segment.as_ref().parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    match at {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        other => Some(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dotted_paths_alternatives_and_record_fields() {
        let item = json!({"radios": [{"band": "5GHz"}], "softwareVersion": "10.4", "n": 3});
        let record = Record::from_value("ws-1", "Acme", "aps", &item);
        let columns = Columns::parse(
            "tenant_id,radios.0.band,firmwareVersion|softwareVersion,n,data.resource,radios",
        )
        .expect("columns");
        assert_eq!(
            columns.cells(&record, &item),
            ["ws-1", "5GHz", "10.4", "3", "", "[{\"band\":\"5GHz\"}]"]
        );
        assert!(Columns::parse("a,,b").is_err());
        assert!(Columns::parse("a..b").is_err());
        assert!(Columns::parse("a,a").is_err());
        assert!(Columns::parse("=a").is_err() && Columns::parse("a=").is_err());
        let named = Columns::parse("fw=firmwareVersion|softwareVersion,id=tenant_id")
            .expect("named columns");
        assert_eq!(named.header(), "fw,id");
        assert_eq!(named.cells(&record, &item), ["10.4", "ws-1"]);
    }

    #[test]
    fn every_default_list_parses_whole() {
        for resource in [
            "glp/devices",
            "glp/subscriptions",
            "glp/audit-logs",
            "device-inventory",
            "aps",
            "clients",
            "alerts",
            "sites-health",
        ] {
            let list = defaults(resource).expect(resource);
            let parsed = Columns::parse(list).expect(resource);
            assert_eq!(parsed.columns.len(), list.split(',').count(), "{resource}");
        }
        assert!(Columns::parse(UNKNOWN_COLUMNS).is_ok());
    }

    #[test]
    fn a_greenlake_api_path_has_its_resources_columns() {
        let path = Columns::for_resources(&["devices/v1/devices".into()]).header();
        let name = Columns::for_resources(&["glp/devices".into()]).header();
        assert_eq!(path, name);
        assert!(path.contains("assignedState"), "{path}");
    }

    #[test]
    fn alerts_have_their_own_columns() {
        let h = Columns::for_resources(&["alerts".into()]).header();
        assert_eq!(
            h,
            "tenant_id,tenant_name,resource,id,severity,status,category,typeId,name,summary,\
             deviceType,deviceSerial,siteName,siteId,createdAt,updatedAt,collected_at"
        );
    }

    #[test]
    fn defaults_are_a_union_and_data_only_for_unknown_paths() {
        let h = Columns::for_resources(&["aps".into(), "clients".into()]).header();
        assert!(
            h.starts_with("tenant_id,tenant_name,resource,serialNumber,"),
            "{h}"
        );
        assert!(h.contains(",mac,") && !h.contains("data"), "{h}");
        let h =
            Columns::for_resources(&["network-monitoring/v1/sites-device-health".into()]).header();
        assert!(h.ends_with(",collected_at,data"), "{h}");
        // GreenLake's devices are not Central's `devices`.
        let h = Columns::for_resources(&["glp/devices".into()]).header();
        assert!(
            h.contains(",assignedState,application,subscription,") && !h.contains("firmware"),
            "{h}"
        );
        let h = Columns::for_resources(&["glp/subscriptions".into()]).header();
        assert!(
            h.contains(",key,") && h.contains(",endTime,") && !h.ends_with("data"),
            "{h}"
        );
        let h = Columns::for_resources(&["glp/audit-logs".into()]).header();
        assert!(
            h.contains(",id,createdAt,category,username,ipAddress,description,")
                && !h.ends_with("data"),
            "{h}"
        );
        let h = Columns::for_resources(&["sites-health".into()]).header();
        assert!(
            h.contains(",siteId,siteName,city,country,devices,clients,alerts,reasons,"),
            "{h}"
        );
    }
}
