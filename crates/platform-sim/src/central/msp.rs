//! The MSP's Central endpoints: `GET /network-msp/v1/list-tenants` and
//! `GET /network-msp/v1/device-inventory` (MSP token), over the tenants on the cluster the
//! request reached.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Serialize;
use serde_json::{Value, json};

use super::cluster::{ClusterCtx, msp_cluster};
use super::{cursor, page_size, parse_filter_param, parse_sort_param};
use crate::errors::{bad_request_coded, forbidden, json_response};
use crate::filter::{SortKey, compare_records};
use crate::ids;
use crate::population::{ItemExtra, Tenant};
use crate::query::{BadParam, Params};
use crate::records::{Resource, record_value};
use crate::state::AppState;
use crate::tokens::Subject;

const TENANT_FILTER_FIELDS: &[&str] = &["tenantName", "tenantId", "deviceOwnership"];
const TENANT_SORT_FIELDS: &[&str] = &[
    "tenantName",
    "totalSites",
    "deviceHealthStatus",
    "degradedSites",
    "alerts",
    "deviceOwnership",
    "createdTime",
];

/// Device health summary of a list-tenants item.
#[derive(Debug, Serialize)]
struct HealthSummary {
    total: u32,
    good: u32,
    fair: u32,
    poor: u32,
}

/// Alert summary of a list-tenants item.
#[derive(Debug, Serialize)]
struct AlertSummary {
    total: u32,
    critical: u32,
    major: u32,
    minor: u32,
}

/// A list-tenants item.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TenantItem {
    tenant_id: String,
    tenant_name: String,
    total_sites: u32,
    degraded_sites: u32,
    device_ownership: &'static str,
    device_health_status: HealthSummary,
    alerts: AlertSummary,
    last_updated_time: i64,
    created_time: i64,
    #[serde(rename = "x-sim-extra")]
    extra: ItemExtra,
}

/// The list-tenants item of a tenant.
pub(crate) fn tenant_item(t: &Tenant) -> TenantItem {
    let a = t.alerts();
    TenantItem {
        tenant_id: ids::compact(t.central_id),
        tenant_name: t.name.to_string(),
        total_sites: t.sites,
        degraded_sites: t.degraded_sites,
        // HPE's `msp.json` enum: MSP, TENANT.
        device_ownership: if t.msp_owned { "MSP" } else { "TENANT" },
        device_health_status: HealthSummary {
            total: t.monitored,
            good: t.health[0],
            fair: t.health[1],
            poor: t.health[2],
        },
        alerts: AlertSummary {
            total: a[0],
            critical: a[1],
            major: a[2],
            minor: a[3],
        },
        last_updated_time: t.updated_at,
        created_time: t.created_at,
        extra: ItemExtra::of(t),
    }
}

/// The list-tenants item of a tenant as a JSON value (for filters, sorting and the truth).
pub(crate) fn tenant_value(t: &Tenant) -> Value {
    serde_json::to_value(tenant_item(t)).unwrap_or(Value::Null)
}

/// A list-tenants page.
#[derive(Debug, Serialize)]
struct TenantPage {
    items: Vec<TenantItem>,
    count: usize,
    total: usize,
    /// Left out on the last page (a string where present, as `msp.json` says).
    #[serde(skip_serializing_if = "Option::is_none")]
    next: Option<String>,
}

/// An MSP-token Central endpoint (`network-msp/...`): the cluster must be one of the MSP's, the
/// token the MSP's (a tenant token: 403 naming `what`); then `page` answers.
fn msp_endpoint<T: Serialize>(
    st: &AppState,
    cluster: ClusterCtx,
    headers: &HeaderMap,
    what: &str,
    page: impl FnOnce(usize) -> Result<T, BadParam>,
) -> Response {
    let api = st.central();
    let cluster = match msp_cluster(api, cluster) {
        Ok(i) => i,
        Err(r) => return r,
    };
    match st.authenticate(headers, api) {
        Ok(Subject::Msp) => {}
        Ok(Subject::Tenant(_)) => {
            return forbidden(
                api,
                &format!(
                    "{what} needs the MSP access token; a tenant token (from token exchange) was presented"
                ),
                &format!("Call {what} with the MSP workspace token"),
            );
        }
        Err(r) => return r,
    }
    match page(cluster) {
        Ok(body) => json_response(StatusCode::OK, &body),
        Err(bad) => bad_request_coded(api, &bad, Some("HPE_GL_NETWORK_SERVICES_INVALID_INPUT")),
    }
}

/// `GET /network-msp/v1/list-tenants`: the tenants on the cluster the request reached.
pub(crate) async fn list_tenants(
    State(st): State<Arc<AppState>>,
    cluster: ClusterCtx,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    msp_endpoint(&st, cluster, &headers, "list-tenants", |c| {
        tenants_page(&st, c, query.as_deref())
    })
}

fn tenants_page(
    st: &AppState,
    cluster: usize,
    query: Option<&str>,
) -> Result<TenantPage, BadParam> {
    let p = Params::parse(query, &["limit", "next", "filter", "sort"])?;
    let limit = p.required_uint("limit", 1..=100)?;
    let next = p.required_uint("next", 1..=u64::from(u32::MAX))?;
    let filter = parse_filter_param(&p, &|f| TENANT_FILTER_FIELDS.contains(&f))?;
    let sort = parse_sort_param(&p, &|f| TENANT_SORT_FIELDS.contains(&f))?;
    let pop = &st.pop;
    let here = |i: &u32| pop.tenants[*i as usize].cluster == Some(cluster as u8);
    let mut order: Vec<u32> = match &filter {
        None => pop.central_order.iter().copied().filter(here).collect(),
        Some(f) => pop
            .central_order
            .iter()
            .copied()
            .filter(here)
            .filter(|&i| f.matches_record(&tenant_value(&pop.tenants[i as usize])))
            .collect(),
    };
    if let Some(keys) = sort {
        // Sort on the summary numbers: `deviceHealthStatus` and `alerts` by their `total`.
        let keys: Vec<SortKey> = keys
            .into_iter()
            .map(|k| match k.field.as_str() {
                "deviceHealthStatus" | "alerts" => SortKey {
                    field: format!("{}.total", k.field),
                    desc: k.desc,
                },
                _ => k,
            })
            .collect();
        let mut keyed: Vec<(u32, Value)> = order
            .iter()
            .map(|&i| (i, tenant_value(&pop.tenants[i as usize])))
            .collect();
        keyed.sort_by(|a, b| compare_records(&a.1, &b.1, &keys));
        order = keyed.into_iter().map(|(i, _)| i).collect();
    }
    let size = page_size(st, limit);
    let start = (next as usize - 1).saturating_mul(size);
    let items: Vec<TenantItem> = order
        .iter()
        .skip(start)
        .take(size)
        .map(|&i| tenant_item(&pop.tenants[i as usize]))
        .collect();
    let more = start.saturating_add(size) < order.len();
    Ok(TenantPage {
        count: items.len(),
        items,
        total: order.len(),
        next: more.then(|| cursor(next + 1)),
    })
}

/// `GET /network-msp/v1/device-inventory` (MSP token): every device of every tenant on the
/// cluster the request reached, in msp-tenants order, each inventory record with the tenant's
/// Central `tenantId` and `tenantName` added. `limit` 1..=1000 required, `next` a 1-based page
/// number (default 1); the returned `next` is a numeric string, as on the tenant inventory.
pub(crate) async fn msp_device_inventory(
    State(st): State<Arc<AppState>>,
    cluster: ClusterCtx,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    msp_endpoint(
        &st,
        cluster,
        &headers,
        "network-msp/v1/device-inventory",
        |c| msp_inventory_page(&st, c, query.as_deref()),
    )
}

fn msp_inventory_page(
    st: &AppState,
    cluster: usize,
    query: Option<&str>,
) -> Result<Value, BadParam> {
    let p = Params::parse(query, &["limit", "next"])?;
    let limit = p.required_uint("limit", 1..=1000)?;
    let next = p.uint("next", 1..=u64::from(u32::MAX))?.unwrap_or(1);
    let pop = &st.pop;
    let size = page_size(st, limit);
    let start = (next as usize - 1).saturating_mul(size);
    let tenants: Vec<&Tenant> = pop
        .tenants
        .iter()
        .filter(|t| t.cluster == Some(cluster as u8))
        .collect();
    let total: usize = tenants.iter().map(|t| t.devices as usize).sum();
    let mut items = Vec::with_capacity(size.min(total));
    let mut skip = start;
    for t in tenants {
        if items.len() >= size {
            break;
        }
        let n = t.devices as usize;
        if skip >= n {
            skip -= n;
            continue;
        }
        for i in skip..n {
            if items.len() >= size {
                break;
            }
            let mut v = record_value(pop, t, Resource::DeviceInventory, i as u32);
            if let Value::Object(m) = &mut v {
                m.insert("tenantId".into(), Value::String(ids::compact(t.central_id)));
                m.insert("tenantName".into(), Value::String(t.name.to_string()));
            }
            items.push(v);
        }
        skip = 0;
    }
    let more = start.saturating_add(size) < total;
    Ok(json!({
        "items": items,
        "count": items.len(),
        "total": total,
        "next": if more { Value::String(cursor(next + 1)) } else { Value::Null },
    }))
}
