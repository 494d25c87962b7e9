//! A tenant's alerts: `GET /network-notifications/v1/alerts` (tenant token; HPE's
//! notifications spec, `getAlertListV1`): `limit` 1..=100 (default 20), `next` from 1,
//! `filter` on `siteId`, `typeId`, `status`, `category`, `deviceType` (`eq`, `in`, `and`),
//! `sort` on `createdAt` (default, newest first), `severity`, `status`, `name`, `priority`.
//! The answer is `{items, count, total, next}`; `next` (a string) is left out on the last
//! page (the spec does not require it).

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use serde_json::Value;

use super::cluster::ClusterTenant;
use super::{cursor, page_size, parse_filter_param, parse_sort_param};
use crate::errors::{bad_request_coded, json_response};
use crate::filter::compare_records;
use crate::query::{BadParam, Params};
use crate::records::alerts::alerts as tenant_alerts;
use crate::state::AppState;

/// The fields the spec's filter takes.
const FILTER_FIELDS: [&str; 5] = ["siteId", "typeId", "status", "category", "deviceType"];
/// The fields the spec's sort takes.
const SORT_FIELDS: [&str; 5] = ["createdAt", "severity", "status", "name", "priority"];
/// The spec's default `limit`.
const DEFAULT_LIMIT: u64 = 20;

/// An alerts page.
#[derive(Debug, Serialize)]
struct Page {
    items: Vec<Value>,
    count: usize,
    total: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    next: Option<String>,
}

/// `GET /network-notifications/v1/alerts`.
pub(crate) async fn alerts(
    State(st): State<Arc<AppState>>,
    ClusterTenant(tenant): ClusterTenant,
    RawQuery(query): RawQuery,
) -> Response {
    match page(&st, tenant, query.as_deref()) {
        Ok(body) => json_response(StatusCode::OK, &body),
        Err(bad) => bad_request_coded(
            st.central(),
            &bad,
            Some("HPE_GL_NETWORK_NOTIFICATIONS_INVALID_INPUT"),
        ),
    }
}

fn page(st: &AppState, tenant: u32, query: Option<&str>) -> Result<Page, BadParam> {
    let p = Params::parse(query, &["limit", "next", "filter", "sort"])?;
    let limit = p.uint("limit", 1..=100)?.unwrap_or(DEFAULT_LIMIT);
    let next = p.uint("next", 1..=u64::from(u32::MAX))?.unwrap_or(1);
    let filter = parse_filter_param(&p, &|f| FILTER_FIELDS.contains(&f))?;
    let sort = parse_sort_param(&p, &|f| SORT_FIELDS.contains(&f))?;
    let t = &st.pop.tenants[tenant as usize];
    let mut all: Vec<Value> = tenant_alerts(&st.pop, t)
        .iter()
        .map(|a| serde_json::to_value(a).unwrap_or(Value::Null))
        .filter(|v| filter.as_ref().is_none_or(|f| f.matches_record(v)))
        .collect();
    if let Some(keys) = &sort {
        // Stable: equal keys keep the default order.
        all.sort_by(|a, b| compare_records(a, b, keys));
    }
    let size = page_size(st, limit);
    let start = (next as usize - 1).saturating_mul(size);
    let total = all.len();
    let items: Vec<Value> = all.into_iter().skip(start).take(size).collect();
    let more = start.saturating_add(size) < total;
    Ok(Page {
        count: items.len(),
        items,
        total,
        next: more.then(|| cursor(next + 1)),
    })
}
