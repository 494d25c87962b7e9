//! GreenLake's msp-tenants writes (MSP token; HPE's workspace spec): `POST
//! /workspaces/v1/msp-tenants` creates a customer workspace (201, `{"message"}`, `Location` of
//! the new workspace), `PUT /workspaces/v1/msp-tenants/{tenantId}` updates one (200,
//! `{"message"}`), `DELETE` deletes one (204). Refusals: 400 (body or id not valid), 404 (no
//! such tenant; the spec lists none, inferred), 409 (a workspace already has the name), 412
//! (deleting a workspace that still holds devices; inferred). The state lives in
//! [`Registry`](super::registry::Registry).

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::errors::{Api, forbidden, glp_error, json_response};
use crate::greenlake::registry::{Refusal, TenantBody};
use crate::ids;
use crate::state::AppState;
use crate::tokens::Subject;

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The MSP token's check, as for the listing.
fn msp_only(st: &AppState, headers: &HeaderMap) -> Result<(), Response> {
    match st.authenticate(headers, Api::Glp)? {
        Subject::Msp => Ok(()),
        Subject::Tenant(_) => Err(forbidden(
            Api::Glp,
            "This API needs the MSP access token; a tenant token was presented",
            "Call msp-tenants with the MSP workspace token",
        )),
    }
}

fn bad(message: &str) -> Response {
    glp_error(Api::Glp, StatusCode::BAD_REQUEST, message, Vec::new())
}

fn refused(r: Refusal) -> Response {
    glp_error(Api::Glp, r.status, &r.message, Vec::new())
}

/// The MSP token's check, then the path's tenant id: what an update or a delete first asks.
fn msp_tenant(st: &AppState, headers: &HeaderMap, raw: &str) -> Result<u128, Response> {
    msp_only(st, headers)?;
    ids::parse_any(raw).ok_or_else(|| bad("'tenantId' must be a UUID"))
}

/// `POST /workspaces/v1/msp-tenants`.
pub(crate) async fn create(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(r) = msp_only(&st, &headers) {
        return r;
    }
    let body = match TenantBody::parse(&body) {
        Ok(b) => b,
        Err(m) => return bad(&m),
    };
    let created = st.registry().create(&st.pop, body, now());
    match created {
        Ok(id) => {
            let mut r = json_response(
                StatusCode::CREATED,
                &json!({"message": "Tenant workspace created"}),
            );
            if let Ok(v) = HeaderValue::from_str(&format!(
                "/workspaces/v1/workspaces/{}",
                ids::hyphenated(id)
            )) {
                r.headers_mut().insert(header::LOCATION, v);
            }
            r
        }
        Err(r) => refused(r),
    }
}

/// `PUT /workspaces/v1/msp-tenants/{tenantId}`.
pub(crate) async fn update(
    State(st): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let id = match msp_tenant(&st, &headers, &id) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let body = match TenantBody::parse(&body) {
        Ok(b) => b,
        Err(m) => return bad(&m),
    };
    let updated = st.registry().update(&st.pop, id, body, now());
    match updated {
        Ok(()) => json_response(
            StatusCode::OK,
            &json!({"message": "Tenant workspace updated"}),
        ),
        Err(r) => refused(r),
    }
}

/// `DELETE /workspaces/v1/msp-tenants/{tenantId}`.
pub(crate) async fn delete(
    State(st): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let id = match msp_tenant(&st, &headers, &id) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let deleted = st.registry().delete(&st.pop, id);
    match deleted {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(r) => refused(r),
    }
}
