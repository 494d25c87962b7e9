//! GLP service catalog: `GET /service-catalog/v1/service-manager-provisions` and
//! `GET /service-catalog/v1/service-managers` (MSP or tenant token: tenants inherit the MSP's
//! provisions).
//!
//! As HPE's MSP workbench reads them: a provision names its service manager only by id
//! (`serviceManager.id`) and carries the GreenLake `region` and `provisionStatus`; the name
//! ("HPE Aruba Networking Central") lives in the service-manager catalog. The simulated MSP has
//! one `PROVISIONED` Central provision per region of its clusters, a provisioned service that is
//! not Central (Compute Ops Management, us-west) and an `UNPROVISIONED` Central provision in a
//! region none of its clusters is in, so a client must check name and status.
//!
//! Query: `offset` (default 0) and `limit` (1..=1000, default 100); envelope
//! `{items, count, offset, total}`.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use crate::clusters;
use crate::errors::{Api, bad_request, json_response};
use crate::ids;
use crate::population::rfc3339;
use crate::query::{BadParam, Params};
use crate::rng::rng;
use crate::state::AppState;

/// The catalog name of Central.
pub(crate) const CENTRAL_NAME: &str = "HPE Aruba Networking Central";
const COM_NAME: &str = "Compute Ops Management";
const PCE_NAME: &str = "HPE GreenLake for Private Cloud Enterprise";

fn manager_id(seed: u64, name: &str) -> String {
    let tag = name
        .bytes()
        .fold(0u64, |h, b| h.wrapping_mul(31) ^ u64::from(b));
    ids::hyphenated(ids::as_uuid_v4(rng(&[seed, 0x5343, tag]).u128(..)))
}

/// The id of Central in the service catalog (what a device assigned to it carries).
pub(crate) fn central_id(seed: u64) -> String {
    manager_id(seed, CENTRAL_NAME)
}

/// Whether service manager `id` is provisioned in `region` for the MSP (and its tenants).
pub(crate) fn provisioned(st: &AppState, id: &str, region: &str) -> bool {
    provisions(st).iter().any(|p| {
        p["serviceManager"]["id"] == id
            && p["region"] == region
            && p["provisionStatus"] == "PROVISIONED"
    })
}

fn managers(seed: u64) -> Vec<Value> {
    [CENTRAL_NAME, COM_NAME, PCE_NAME]
        .iter()
        .map(|name| {
            let id = manager_id(seed, name);
            // Every field `service-catalog-v1.json` requires.
            json!({
                "id": id,
                "type": "service-catalog/service-manager",
                "name": name,
                "resourceUri": format!("/service-catalog/v1/service-managers/{id}"),
                "generation": 1,
                "createdAt": rfc3339(1_500_000_000),
                "updatedAt": rfc3339(1_650_000_000),
                "honorUnprovisionResponse": true,
                "mspSupported": *name == CENTRAL_NAME,
                "standaloneSupported": true,
                "tenantOnlySupported": false,
            })
        })
        .collect()
}

fn provision(seed: u64, manager: &str, region: &str, status: &str) -> Value {
    let tag = region
        .bytes()
        .fold(0u64, |h, b| h.wrapping_mul(31) ^ u64::from(b));
    let id = ids::hyphenated(ids::as_uuid_v4(
        rng(&[seed, 0x5052, tag, manager.len() as u64]).u128(..),
    ));
    let sm = manager_id(seed, manager);
    json!({
        "id": id,
        "type": "service-catalog/service-manager-provision",
        "serviceManager": {
            "id": sm,
            "resourceUri": format!("/service-catalog/v1/service-managers/{sm}"),
        },
        "region": region,
        "provisionStatus": status,
        "generation": 1,
        "createdBy": "msp-admin@example.com",
        "createdAt": rfc3339(1_600_000_000),
        "updatedAt": rfc3339(1_650_000_000),
        "resourceUri": format!("/service-catalog/v1/service-manager-provisions/{id}"),
    })
}

/// The MSP's provisions (see the module documentation).
pub(crate) fn provisions(st: &AppState) -> Vec<Value> {
    let seed = st.pop.seed;
    let mut regions: Vec<&str> = st
        .cfg
        .clusters
        .iter()
        .filter_map(|c| clusters::region(c))
        .collect();
    regions.sort_unstable();
    regions.dedup();
    let mut items: Vec<Value> = regions
        .iter()
        .map(|r| provision(seed, CENTRAL_NAME, r, "PROVISIONED"))
        .collect();
    items.push(provision(seed, COM_NAME, "us-west", "PROVISIONED"));
    if let Some((_, idle)) = clusters::PUBLIC.iter().find(|(_, r)| !regions.contains(r)) {
        items.push(provision(seed, CENTRAL_NAME, idle, "UNPROVISIONED"));
    }
    items
}

fn page(items: Vec<Value>, query: Option<&str>) -> Result<Value, BadParam> {
    let p = Params::parse(query, &["offset", "limit"])?;
    let offset = p.uint("offset", 0..=u64::from(u32::MAX))?.unwrap_or(0) as usize;
    let limit = p.uint("limit", 1..=1000)?.unwrap_or(100) as usize;
    let total = items.len();
    let items: Vec<Value> = items.into_iter().skip(offset).take(limit).collect();
    Ok(json!({"items": items, "count": items.len(), "offset": offset, "total": total}))
}

fn answer(st: &AppState, headers: &HeaderMap, query: Option<&str>, items: Vec<Value>) -> Response {
    if let Err(r) = st.authenticate(headers, Api::Glp) {
        return r;
    }
    match page(items, query) {
        Ok(body) => json_response(StatusCode::OK, &body),
        Err(bad) => bad_request(Api::Glp, &bad),
    }
}

/// `GET /service-catalog/v1/service-manager-provisions`.
pub(crate) async fn service_manager_provisions(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let items = provisions(&st);
    answer(&st, &headers, query.as_deref(), items)
}

/// `GET /service-catalog/v1/service-managers`.
pub(crate) async fn service_managers(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let items = managers(st.pop.seed);
    answer(&st, &headers, query.as_deref(), items)
}
