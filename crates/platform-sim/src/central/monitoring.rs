//! A tenant's monitoring lists: `GET /network-monitoring/v1/{resource}` (tenant token), one
//! route per [`Resource`], and the 404 of any other resource.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{MethodRouter, get};
use serde::Serialize;
use serde_json::Value;

use super::cluster::{ClusterCtx, ClusterTenant, msp_cluster};
use super::{cursor, page_size, parse_filter_param, parse_sort_param};
use crate::errors::{bad_request_coded, json_response, not_found};
use crate::filter::{compare_records, lookup};
use crate::query::{BadParam, Params};
use crate::records::{Record, Resource, record, record_value};
use crate::state::AppState;

/// The items of a monitoring page: typed records (fast path: no filter, no sort) or records
/// already turned into JSON (filtered or sorted).
#[derive(Debug, Serialize)]
#[serde(untagged)]
enum Items {
    Records(Vec<Record>),
    Values(Vec<Value>),
}

/// Where a monitoring page is: `next` (cursor-paged lists; left out on the last page where the
/// spec does not require it) or `offset` (offset-paged ones).
#[derive(Debug, Serialize)]
enum Position {
    #[serde(rename = "next")]
    Next(String),
    #[serde(rename = "offset")]
    Offset(u64),
}

/// The `response` status object `monitoring.json` requires beside the items of `sites-health`.
#[derive(Debug, Serialize)]
struct Status {
    code: &'static str,
    message: &'static str,
    status: &'static str,
}

/// A monitoring page.
#[derive(Debug, Serialize)]
struct Page {
    items: Items,
    count: usize,
    total: usize,
    #[serde(flatten)]
    position: Option<Position>,
    #[serde(skip_serializing_if = "Option::is_none")]
    response: Option<Status>,
}

/// `GET /network-monitoring/v1/{r}`: only for a tenant on the cluster the request reached
/// (another cluster does not know the tenant: 401).
pub(crate) fn monitoring(r: Resource) -> MethodRouter<Arc<AppState>> {
    get(
        move |State(st): State<Arc<AppState>>,
              ClusterTenant(tenant): ClusterTenant,
              RawQuery(query): RawQuery| async move {
            monitoring_answer(&st, r, tenant, query.as_deref())
        },
    )
}

fn monitoring_answer(
    st: &AppState,
    resource: Resource,
    tenant: u32,
    query: Option<&str>,
) -> Response {
    let api = st.central();
    match monitoring_page(st, resource, tenant, query) {
        Ok(body) => json_response(StatusCode::OK, &body),
        Err(bad) => bad_request_coded(api, &bad, Some("HPE_GL_NETWORK_MONITORING_INVALID_INPUT")),
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
            Some(Position::Offset(offset))
        } else if more {
            Some(Position::Next(cursor(next + 1)))
        } else if r.next_required() {
            Some(Position::Next(String::new()))
        } else {
            None
        }
    };
    let response = r.offset_paged().then_some(Status {
        code: "SITE-HEALTH-SUCCESS-001",
        message: "Sites details fetched successfully",
        status: "SUCCESS",
    });
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
            response,
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
        response,
    })
}
