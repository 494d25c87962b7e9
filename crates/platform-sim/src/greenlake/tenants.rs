//! GreenLake's workspaces API: `GET /workspaces/v1/msp-tenants` (MSP token).
//!
//! Query: `limit` (required, 1..=300), `offset` (items to skip, default 0), `filter` (see
//! [`crate::filter`]; fields `id`, `createdAt`, `updatedAt`, `workspaceName`, `createdBy`,
//! `inventoryOwnership`; `id` matches with or without hyphens, any case). At most
//! `glp_page_cap` items per page. Tenants come in creation order.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Serialize;
use serde_json::Value;

use crate::errors::{Api, bad_request, forbidden, json_response};
use crate::filter::{Literal, parse_filter};
use crate::greenlake::registry::Workspace;
use crate::ids;
use crate::population::{ItemExtra, Population, rfc3339};
use crate::query::{BadParam, Params};
use crate::state::AppState;
use crate::tokens::Subject;

const FIELDS: &[&str] = &[
    "id",
    "createdAt",
    "updatedAt",
    "workspaceName",
    "createdBy",
    "inventoryOwnership",
];

/// `MSP_OWNED_INVENTORY` or `CUSTOMER_OWNED_INVENTORY`.
pub(crate) fn ownership(msp_owned: bool) -> &'static str {
    if msp_owned {
        "MSP_OWNED_INVENTORY"
    } else {
        "CUSTOMER_OWNED_INVENTORY"
    }
}

fn field(t: &Workspace, name: &str) -> Option<Value> {
    Some(match name {
        "id" => Value::String(ids::hyphenated(t.id)),
        "createdAt" => Value::String(rfc3339(t.created_at)),
        "updatedAt" => Value::String(rfc3339(t.updated_at)),
        "workspaceName" => Value::String(t.name.clone()),
        "createdBy" => Value::String(t.created_by.to_string()),
        "inventoryOwnership" => Value::String(ownership(t.msp_owned).to_string()),
        _ => return None,
    })
}

/// An msp-tenants item.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Item {
    id: String,
    #[serde(rename = "type")]
    kind: &'static str,
    generation: u32,
    created_at: String,
    updated_at: String,
    workspace_name: String,
    created_by: &'static str,
    resource_uri: String,
    inventory_ownership: &'static str,
    msp_id: String,
    description: Option<String>,
    #[serde(rename = "x-sim-extra", skip_serializing_if = "Option::is_none")]
    extra: Option<ItemExtra>,
}

/// The msp-tenants item of a workspace (`x-sim-extra` on generated tenants only).
pub(crate) fn item(pop: &Population, t: &Workspace) -> Item {
    let id = ids::hyphenated(t.id);
    Item {
        resource_uri: format!("/workspaces/v1/msp-tenants/{id}"),
        id,
        kind: "TENANT",
        generation: t.generation,
        created_at: rfc3339(t.created_at),
        updated_at: rfc3339(t.updated_at),
        workspace_name: t.name.clone(),
        created_by: t.created_by,
        inventory_ownership: ownership(t.msp_owned),
        msp_id: ids::hyphenated(pop.msp_workspace_id),
        description: t.contact.description.clone(),
        extra: t.index.map(ItemExtra::at),
    }
}

/// The msp-tenants page.
#[derive(Debug, Serialize)]
struct Page {
    offset: usize,
    count: usize,
    total: usize,
    items: Vec<Item>,
}

/// The handler.
pub(crate) async fn msp_tenants(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    match st.authenticate(&headers, Api::Glp) {
        Ok(Subject::Msp) => {}
        Ok(Subject::Tenant(_)) => {
            return forbidden(
                Api::Glp,
                "This API needs the MSP access token (client credentials grant on the MSP workspace); a tenant token was presented",
                "Call msp-tenants with the MSP workspace token, not a token obtained by token exchange",
            );
        }
        Err(r) => return r,
    }
    match page(&st, query.as_deref()) {
        Ok(body) => json_response(StatusCode::OK, &body),
        Err(bad) => bad_request(Api::Glp, &bad),
    }
}

fn page(st: &AppState, query: Option<&str>) -> Result<Page, BadParam> {
    let p = Params::parse(query, &["offset", "limit", "filter"])?;
    let limit = p.required_uint("limit", 1..=300)?;
    let offset = p.uint("offset", 0..=u64::from(u32::MAX))?.unwrap_or(0) as usize;
    let pop = &st.pop;
    let filter = match p.get("filter") {
        Some(f) => {
            let f = parse_filter(f).map_err(|e| BadParam::new("filter", e))?;
            f.check_fields(&|name| FIELDS.contains(&name))
                .map_err(|e| BadParam::new("filter", e))?;
            Some(f)
        }
        None => None,
    };
    let size = (limit as usize).min(st.cfg.glp_page_cap);
    let reg = st.registry();
    let matches = |t: &Workspace| {
        filter.as_ref().is_none_or(|f| {
            f.clauses.iter().all(|c| {
                if c.field == "id" {
                    c.values.iter().any(|l| match l {
                        Literal::Str(s) => ids::parse_any(s) == Some(t.id),
                        _ => false,
                    })
                } else {
                    let v = field(t, &c.field);
                    c.values.iter().any(|l| l.matches(v.as_ref()))
                }
            })
        })
    };
    let (total, items): (usize, Vec<Item>) = if filter.is_none() {
        let items = reg
            .live(pop)
            .skip(offset)
            .take(size)
            .map(|t| item(pop, &t))
            .collect();
        (reg.count(pop), items)
    } else {
        let mut total = 0;
        let mut items = Vec::new();
        for t in reg.live(pop).filter(|t| matches(t)) {
            if total >= offset && items.len() < size {
                items.push(item(pop, &t));
            }
            total += 1;
        }
        (total, items)
    };
    Ok(Page {
        offset,
        count: items.len(),
        total,
        items,
    })
}
