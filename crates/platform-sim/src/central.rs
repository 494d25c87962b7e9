//! Central APIs: `GET /network-msp/v1/list-tenants` (MSP token) and
//! `GET /network-monitoring/v1/{resource}` (tenant token).
//!
//! Paging: `limit` (required) and `next`, a 1-based page number; a page holds
//! `min(limit, central_page_cap)` items, page `n` starts at item `(n - 1) * size`. The response
//! is `{items, count, total, next}` with `next` the following page number, or `null` on the last
//! page (also when a page past the end is asked for: empty `items`). `sites-health` is paged by
//! `offset` instead (items to skip, default 0; `next` is refused): `{items, count, total,
//! offset}`, and the client advances the offset by the items it received.

use std::sync::Arc;

use axum::extract::{FromRequestParts, Path, RawPathParams, RawQuery, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{MethodRouter, get};
use serde::Serialize;
use serde_json::{Value, json};

use crate::clusters;
use crate::errors::{Api, bad_request, forbidden, json_response, not_found, unauthorized};
use crate::filter::{Filter, SortKey, compare_records, lookup, parse_filter, parse_sort};
use crate::ids;
use crate::population::Tenant;
use crate::query::{BadParam, Params};
use crate::records::{Record, Resource, record, record_value};
use crate::state::AppState;
use crate::tokens::Subject;

/// Longest `filter` or `sort` accepted.
const MAX_EXPR: usize = 256;
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

/// Extra fields of a list-tenants item that clients do not know.
#[derive(Debug, Serialize)]
struct ItemExtra {
    generator: &'static str,
    index: u32,
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
        device_ownership: if t.msp_owned {
            "MSP_OWNED"
        } else {
            "CUSTOMER_OWNED"
        },
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
        extra: ItemExtra {
            generator: "platform-sim",
            index: t.index,
        },
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
    next: Value,
}

fn page_size(st: &AppState, limit: u64) -> usize {
    let limit = limit as usize;
    st.cfg.central_page_cap.map_or(limit, |cap| limit.min(cap))
}

fn cursor(string: bool, n: u64) -> Value {
    if string {
        Value::String(n.to_string())
    } else {
        json!(n)
    }
}

fn parse_filter_param(
    p: &Params,
    allowed: &dyn Fn(&str) -> bool,
) -> Result<Option<Filter>, BadParam> {
    match p.text("filter", MAX_EXPR)? {
        Some(f) => {
            let f = parse_filter(f).map_err(|e| BadParam::new("filter", e))?;
            f.check_fields(allowed)
                .map_err(|e| BadParam::new("filter", e))?;
            Ok(Some(f))
        }
        None => Ok(None),
    }
}

fn parse_sort_param(
    p: &Params,
    allowed: &dyn Fn(&str) -> bool,
) -> Result<Option<Vec<SortKey>>, BadParam> {
    match p.text("sort", MAX_EXPR)? {
        Some(s) => {
            let keys = parse_sort(s).map_err(|e| BadParam::new("sort", e))?;
            if let Some(k) = keys.iter().find(|k| !allowed(&k.field)) {
                return Err(BadParam::new(
                    "sort",
                    format!("cannot sort on field '{}'", k.field),
                ));
            }
            Ok(Some(keys))
        }
        None => Ok(None),
    }
}

/// Which cluster a request reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClusterCtx {
    /// One of the MSP's clusters: its position in [`SimConfig::clusters`](crate::SimConfig).
    Msp(usize),
    /// A public cluster where the MSP is not provisioned.
    Foreign(&'static str),
}

/// Resolves the cluster a request reached (`slug`, the `{cluster}` of `/clusters/{cluster}/...`;
/// none: the MSP's first) against the MSP's `clusters` (canonical names); an unknown cluster is a
/// 404 in `api`'s words.
fn resolve(slug: Option<&str>, clusters: &[String], api: Api) -> Result<ClusterCtx, Response> {
    let Some(slug_text) = slug else {
        return Ok(ClusterCtx::Msp(0));
    };
    let Some(name) = clusters::PUBLIC
        .iter()
        .map(|(n, _)| *n)
        .find(|n| clusters::slug(n) == slug_text)
    else {
        return Err(not_found(
            api,
            &format!("No Central cluster '{}'", slug_text.escape_default()),
        ));
    };
    Ok(match clusters.iter().position(|c| c == name) {
        Some(i) => ClusterCtx::Msp(i),
        None => ClusterCtx::Foreign(name),
    })
}

impl FromRequestParts<Arc<AppState>> for ClusterCtx {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let api = state.central();
        let slug = match RawPathParams::from_request_parts(parts, state).await {
            Ok(params) => params
                .iter()
                .find(|(k, _)| *k == clusters::PARAM)
                .map(|(_, v)| v.to_owned()),
            // Only a `{cluster}` that is not UTF-8 once decoded: no such cluster.
            Err(_) => return Err(not_found(api, "No Central cluster with that name")),
        };
        resolve(slug.as_deref(), &state.cfg.clusters, api)
    }
}

/// The 401 of a cluster where the MSP is not provisioned: its tokens mean nothing there.
pub(crate) fn foreign_cluster(api: Api, name: &str) -> Response {
    unauthorized(
        api,
        &format!(
            "The access token is not valid on this Central cluster ({name}): the workspace is \
             not provisioned here"
        ),
    )
}

/// The cluster position of an MSP cluster, or the 401 (in `api`'s words) of a foreign one.
fn msp_cluster(api: Api, cluster: ClusterCtx) -> Result<usize, Response> {
    match cluster {
        ClusterCtx::Msp(i) => Ok(i),
        ClusterCtx::Foreign(name) => Err(foreign_cluster(api, name)),
    }
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
        Err(bad) => bad_request(api, &bad),
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
        next: if more {
            cursor(false, next + 1)
        } else {
            Value::Null
        },
    })
}

/// The items of a monitoring page: typed records (fast path: no filter, no sort) or records
/// already turned into JSON (filtered or sorted).
#[derive(Debug, Serialize)]
#[serde(untagged)]
enum Items {
    Records(Vec<Record>),
    Values(Vec<Value>),
}

/// Where a monitoring page is: `next` (cursor-paged lists) or `offset` (offset-paged ones).
#[derive(Debug, Serialize)]
enum Position {
    #[serde(rename = "next")]
    Next(Value),
    #[serde(rename = "offset")]
    Offset(u64),
}

/// A monitoring page.
#[derive(Debug, Serialize)]
struct Page {
    items: Items,
    count: usize,
    total: usize,
    #[serde(flatten)]
    position: Position,
}

/// `GET /network-monitoring/v1/{r}`: only for a tenant on the cluster the request reached
/// (another cluster does not know the tenant: 401).
pub(crate) fn monitoring(r: Resource) -> MethodRouter<Arc<AppState>> {
    get(
        move |State(st): State<Arc<AppState>>,
              cluster: ClusterCtx,
              headers: HeaderMap,
              RawQuery(query): RawQuery| async move {
            monitoring_answer(&st, r, cluster, &headers, query.as_deref())
        },
    )
}

fn monitoring_answer(
    st: &AppState,
    resource: Resource,
    cluster: ClusterCtx,
    headers: &HeaderMap,
    query: Option<&str>,
) -> Response {
    let api = st.central();
    let cluster = match msp_cluster(api, cluster) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let tenant = match st.authenticate(headers, api) {
        Ok(Subject::Tenant(i)) => i,
        Ok(Subject::Msp) => {
            return forbidden(
                api,
                "This API needs a tenant access token (token exchange for the tenant workspace); the MSP token was presented",
                "Exchange the MSP token for a token of the tenant workspace (id without hyphens) and call again with it",
            );
        }
        Err(r) => return r,
    };
    if st.pop.tenants[tenant as usize].cluster != Some(cluster as u8) {
        return unauthorized(
            api,
            "The access token is not valid on this Central cluster: the tenant lives on another \
             cluster (or on none)",
        );
    }
    match monitoring_page(st, resource, tenant, query) {
        Ok(body) => json_response(StatusCode::OK, &body),
        Err(bad) => bad_request(api, &bad),
    }
}

/// The path parameters of an unknown monitoring resource (with or without a cluster prefix).
#[derive(Debug, serde::Deserialize)]
pub(crate) struct MonitoringPath {
    resource: String,
}

/// `GET /network-monitoring/v1/{resource}` of no known resource: the cluster's 401 or 404 first,
/// then 404 (there is no `network-monitoring/v1/sites`).
pub(crate) async fn unknown_resource(
    State(st): State<Arc<AppState>>,
    cluster: ClusterCtx,
    Path(MonitoringPath { resource }): Path<MonitoringPath>,
) -> Response {
    let api = st.central();
    if let Err(r) = msp_cluster(api, cluster) {
        return r;
    }
    let known: Vec<&str> = Resource::ALL.iter().map(|r| r.name()).collect();
    not_found(
        api,
        &format!(
            "No monitoring resource '{resource}' (known: {})",
            known.join(", ")
        ),
    )
}

fn monitoring_page(
    st: &AppState,
    r: Resource,
    tenant: u32,
    query: Option<&str>,
) -> Result<Page, BadParam> {
    let position = if r.offset_paged() { "offset" } else { "next" };
    let mut allowed = vec!["limit", position, "filter", "sort"];
    allowed.extend(r.extra_params().iter().map(|(p, _)| *p));
    let p = Params::parse(query, &allowed)?;
    let limit = p.required_uint("limit", 1..=r.max_limit())?;
    let (next, offset) = if r.offset_paged() {
        (1, p.uint("offset", 0..=u64::from(u32::MAX))?.unwrap_or(0))
    } else {
        (p.uint("next", 1..=u64::from(u32::MAX))?.unwrap_or(1), 0)
    };
    let pop = &st.pop;
    let t = &pop.tenants[tenant as usize];
    let sample = record_value(pop, t, r, 0);
    let known = |f: &str| lookup(&sample, f).is_some();
    let mut filter = parse_filter_param(&p, &known)?.unwrap_or_default();
    for (param, field) in r.extra_params() {
        if let Some(v) = p.get(param) {
            if *param == "site-assigned" && v != "ASSIGNED" && v != "UNASSIGNED" {
                return Err(BadParam::new(
                    *param,
                    "'site-assigned' must be ASSIGNED or UNASSIGNED",
                ));
            }
            filter.clauses.push(crate::filter::Clause {
                field: (*field).to_string(),
                values: vec![crate::filter::Literal::Str(v.to_string())],
            });
        }
    }
    let sort = parse_sort_param(&p, &known)?;
    let size = page_size(st, limit);
    let start = if r.offset_paged() {
        offset as usize
    } else {
        (next as usize - 1).saturating_mul(size)
    };
    let count = r.count(t) as usize;
    // Offset-paged lists answer `{items, count, total, offset}`: no cursor, the client advances
    // the offset by the items it received.
    let position = |more: bool| {
        if r.offset_paged() {
            Position::Offset(offset)
        } else if more {
            Position::Next(cursor(r.string_cursor(), next + 1))
        } else {
            Position::Next(Value::Null)
        }
    };
    if filter.clauses.is_empty() && sort.is_none() {
        // Fast path: generate only this page, serialise the typed records directly.
        let end = start.saturating_add(size).min(count);
        let items: Vec<Record> = (start.min(end)..end)
            .map(|i| record(pop, t, r, i as u32))
            .collect();
        let more = start.saturating_add(size) < count;
        return Ok(Page {
            count: items.len(),
            items: Items::Records(items),
            total: count,
            position: position(more),
        });
    }
    let mut all: Vec<Value> = (0..count as u32)
        .map(|i| record_value(pop, t, r, i))
        .filter(|v| filter.matches_record(v))
        .collect();
    if let Some(keys) = &sort {
        all.sort_by(|a, b| compare_records(a, b, keys));
    }
    let total = all.len();
    let items: Vec<Value> = all.into_iter().skip(start).take(size).collect();
    let more = start.saturating_add(size) < total;
    Ok(Page {
        count: items.len(),
        items: Items::Values(items),
        total,
        position: position(more),
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
        "next": if more { cursor(true, next + 1) } else { Value::Null },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CentralDialect;

    const API: Api = Api::Central(CentralDialect::New);

    #[test]
    fn slugs_resolve_to_clusters() {
        let mine = vec!["US-WEST-4".to_string(), "EU-1".to_string()];
        assert_eq!(resolve(None, &mine, API).ok(), Some(ClusterCtx::Msp(0)));
        assert_eq!(
            resolve(Some("eu-1"), &mine, API).ok(),
            Some(ClusterCtx::Msp(1))
        );
        assert_eq!(
            resolve(Some("us-2"), &mine, API).ok(),
            Some(ClusterCtx::Foreign("US-2"))
        );
        assert!(resolve(Some("mars-1"), &mine, API).is_err());
    }
}
