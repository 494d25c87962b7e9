//! GreenLake's workspace lists: `GET /devices/v1/devices`,
//! `GET /subscriptions/v1/subscriptions` and `GET /audit-log/v2beta1/logs`, answered for the workspace of the token presented (a
//! tenant token: that tenant; the MSP token: the MSP workspace's own small inventory).
//!
//! Query: `offset` (items to skip, default 0), `limit` (1..=2000 on devices, 1..=50 on
//! subscriptions; default the maximum), `filter` (`eq`/`in`/`and` on any field of the records,
//! dotted paths allowed), `sort` (`field [asc|desc]`, comma-separated) and `select` (top-level
//! fields to keep, comma-separated). Other parameters are ignored silently, as GreenLake does; a
//! known one given twice is a 400. At most `glp_page_cap` items per page. The envelope is
//! `{items, count, offset, total}`, as on msp-tenants. The audit log adds `createdAt ge|lt
//! '<RFC 3339>'` clauses to the filter, sorts newest first by default (a sort key without a
//! direction is descending), caps `total` at 10,000 and adds `remainingRecords`, as
//! `audit-logs.json` says.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{MethodRouter, get};
use serde_json::{Map, Value, json};

use super::records::GlpResource;
use crate::errors::{Api, bad_request, json_response};
use crate::filter::{SortKey, compare_records, lookup};
use crate::population::Tenant;
use crate::query::{BadParam, checked_filter, checked_sort, parse_pairs};
use crate::state::AppState;
use crate::tokens::Subject;

/// Longest `filter`, `sort` or `select` accepted.
const MAX_EXPR: usize = 256;

/// The query of a GreenLake resource list.
struct ListQuery {
    offset: usize,
    limit: usize,
    filter: Option<crate::filter::Filter>,
    sort: Option<Vec<SortKey>>,
    select: Option<Vec<String>>,
    /// The `createdAt` bounds of an audit-log filter.
    time: Vec<super::audit::TimeBound>,
}

fn parse_query(r: GlpResource, sample: &Value, raw: Option<&str>) -> Result<ListQuery, BadParam> {
    const KNOWN: &[&str] = &["offset", "limit", "filter", "sort", "select"];
    let mut seen: Vec<(String, String)> = Vec::new();
    for (k, v) in parse_pairs(raw.unwrap_or(""))? {
        if !KNOWN.contains(&k.as_str()) {
            // GreenLake ignores parameters it does not know.
            continue;
        }
        if seen.iter().any(|(s, _)| *s == k) {
            return Err(BadParam::new(&k, format!("'{k}' given more than once")));
        }
        seen.push((k, v));
    }
    let get = |name: &str| {
        seen.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let uint = |name: &str, max: u64| -> Result<Option<u64>, BadParam> {
        let Some(raw) = get(name) else {
            return Ok(None);
        };
        let n: u64 = raw
            .parse()
            .ok()
            .filter(|_| !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| {
                BadParam::new(
                    name,
                    format!("'{name}' must be an unsigned integer, got '{raw}'"),
                )
            })?;
        if n > max {
            return Err(BadParam::new(
                name,
                format!("'{name}' must be at most {max}, got {n}"),
            ));
        }
        Ok(Some(n))
    };
    let limit = uint("limit", r.max_limit())?.unwrap_or(r.max_limit());
    if limit == 0 {
        return Err(BadParam::new(
            "limit",
            format!("'limit' must be between 1 and {}, got 0", r.max_limit()),
        ));
    }
    let offset = uint("offset", u64::from(u32::MAX))?.unwrap_or(0);
    let text = |name: &str| -> Result<Option<&str>, BadParam> {
        match get(name) {
            Some(v) if v.chars().count() > MAX_EXPR => Err(BadParam::new(
                name,
                format!("'{name}' must be at most {MAX_EXPR} characters"),
            )),
            other => Ok(other),
        }
    };
    let known = |f: &str| lookup(sample, f).is_some();
    // The audit log's `createdAt ge|lt '...'` clauses are its own; the rest is the common grammar.
    let (time, filter_text) = match text("filter")? {
        Some(f) if r == GlpResource::AuditLogs => {
            super::audit::split_time(f).map_err(|e| BadParam::new("filter", e))?
        }
        other => (Vec::new(), other.map(str::to_owned)),
    };
    let filter = filter_text
        .as_deref()
        .map(|f| checked_filter(f, &known))
        .transpose()?;
    let sort = match text("sort")? {
        Some(s) => {
            let mut keys = checked_sort(s, &known)?;
            if r == GlpResource::AuditLogs {
                // The audit log's default direction is descending.
                for (key, part) in keys.iter_mut().zip(s.split(',')) {
                    key.desc |= part.split_whitespace().count() == 1;
                }
            }
            Some(keys)
        }
        None => None,
    };
    let select = text("select")?.map(|s| {
        s.split(',')
            .map(|f| f.trim().to_owned())
            .filter(|f| !f.is_empty())
            .collect()
    });
    Ok(ListQuery {
        offset: offset as usize,
        limit: limit as usize,
        filter,
        sort,
        select,
        time,
    })
}

/// One page of `r` for workspace `t`.
fn page(st: &AppState, r: GlpResource, t: &Tenant, raw: Option<&str>) -> Result<Value, BadParam> {
    let pop = &st.pop;
    let book = st.devices();
    let record = |i: u32| super::subscription_adds::record(pop, &book, r, t, i);
    let sample = record(0);
    let q = parse_query(r, &sample, raw)?;
    let size = q.limit.min(st.cfg.glp_page_cap);
    let count = super::subscription_adds::count(pop, &book, r, t) as usize;
    let plain = q.filter.is_none() && q.sort.is_none() && q.time.is_empty();
    let (total, mut items): (usize, Vec<Value>) = if plain {
        let end = q.offset.saturating_add(size).min(count);
        let items = (q.offset.min(end)..end).map(|i| record(i as u32)).collect();
        (count, items)
    } else {
        let mut all: Vec<Value> = (0..count as u32)
            .map(record)
            .filter(|v| q.filter.as_ref().is_none_or(|f| f.matches_record(v)))
            .filter(|v| q.time.is_empty() || admitted(&q.time, v))
            .collect();
        if let Some(keys) = &q.sort {
            all.sort_by(|a, b| compare_records(a, b, keys));
        }
        let total = all.len();
        (total, all.into_iter().skip(q.offset).take(size).collect())
    };
    if let Some(fields) = &q.select {
        for item in &mut items {
            if let Value::Object(map) = item {
                let kept: Map<String, Value> = fields
                    .iter()
                    .filter_map(|f| map.get(f).map(|v| (f.clone(), v.clone())))
                    .collect();
                *map = kept;
            }
        }
    }
    if r == GlpResource::AuditLogs {
        // `audit-logs.json`: `total` stops at 10,000, `remainingRecords` says more match.
        return Ok(json!({
            "items": items,
            "count": items.len(),
            "offset": q.offset,
            "total": total.min(AUDIT_TOTAL_CAP),
            "remainingRecords": total > AUDIT_TOTAL_CAP,
        }));
    }
    Ok(json!({
        "items": items,
        "count": items.len(),
        "offset": q.offset,
        "total": total,
    }))
}

/// The largest `total` of an audit-log answer (`audit-logs.json`).
const AUDIT_TOTAL_CAP: usize = 10_000;

/// Whether an audit entry's `createdAt` passes every bound.
fn admitted(bounds: &[super::audit::TimeBound], entry: &Value) -> bool {
    let secs = entry
        .get("createdAt")
        .and_then(Value::as_str)
        .and_then(glp_core::date::parse_rfc3339);
    secs.is_some_and(|s| bounds.iter().all(|b| b.admits(s)))
}

async fn serve(
    st: &AppState,
    r: GlpResource,
    headers: &HeaderMap,
    query: Option<&str>,
) -> Response {
    let t = match st.authenticate(headers, Api::Glp) {
        Ok(Subject::Tenant(i)) => &st.pop.tenants[i as usize],
        Ok(Subject::Msp) => &st.pop.msp_own,
        Err(resp) => return resp,
    };
    match page(st, r, t, query) {
        Ok(body) => json_response(StatusCode::OK, &body),
        Err(bad) => bad_request(Api::Glp, &bad),
    }
}

/// `GET` of the list of `r` (`/devices/v1/devices`, `/subscriptions/v1/subscriptions`,
/// `/audit-log/v2beta1/logs`).
pub(crate) fn list(r: GlpResource) -> MethodRouter<Arc<AppState>> {
    get(
        move |State(st): State<Arc<AppState>>, headers: HeaderMap, RawQuery(query): RawQuery| async move {
            serve(&st, r, &headers, query.as_deref()).await
        },
    )
}
