//! Aruba Central's APIs: the MSP's (`msp`: `GET /network-msp/v1/list-tenants` and
//! `GET /network-msp/v1/device-inventory`, MSP token) and a tenant's (`monitoring`:
//! `GET /network-monitoring/v1/{resource}`, tenant token), on the cluster a request reached
//! (`cluster`), and a tenant's alerts (`alerts`: `GET /network-notifications/v1/alerts`, tenant
//! token), and its notification rules (`rules`: their CRUD, tenant token).
//!
//! Paging: `limit` (required) and `next`, a 1-based page number; a page holds
//! `min(limit, central_page_cap)` items, page `n` starts at item `(n - 1) * size`. The response
//! is `{items, count, total, next}` with `next` the following page number as a string (HPE's
//! specs, `msp.json` and `monitoring.json`); on the last page (also when a page past the end is
//! asked for: empty `items`) `next` is left out where the spec makes it optional (list-tenants,
//! `clients`) and `""` where it requires it (the MSP-wide inventory, in no spec: `null`).
//! `sites-health` is paged by `offset` instead (items to skip, default 0; `next` is refused):
//! `{items, count, total, offset, response}` (`response`: the spec's status object), and the
//! client advances the offset by the items it received.

mod alerts;
mod cluster;
mod monitoring;
mod msp;
mod rules;

pub(crate) use alerts::alerts;
pub(crate) use monitoring::{monitoring, unknown_resource};
pub(crate) use msp::{list_tenants, msp_device_inventory, tenant_value};
pub(crate) use rules::RuleBook;
pub(crate) use rules::{
    create as create_rule, delete as delete_rule, list as list_rules, read as read_rule,
    update as update_rule,
};

use crate::filter::{Filter, SortKey};
use crate::query::{BadParam, Params, checked_filter, checked_sort};
use crate::state::AppState;

/// Longest `filter` or `sort` accepted.
const MAX_EXPR: usize = 256;

/// Items per page: `limit`, at most [`SimConfig::central_page_cap`](crate::SimConfig).
fn page_size(st: &AppState, limit: u64) -> usize {
    let limit = limit as usize;
    st.cfg.central_page_cap.map_or(limit, |cap| limit.min(cap))
}

/// The `next` cursor of page `n`: a numeric string, the type HPE's specs give it.
fn cursor(n: u64) -> String {
    n.to_string()
}

fn parse_filter_param(
    p: &Params,
    allowed: &dyn Fn(&str) -> bool,
) -> Result<Option<Filter>, BadParam> {
    p.text("filter", MAX_EXPR)?
        .map(|f| checked_filter(f, allowed))
        .transpose()
}

fn parse_sort_param(
    p: &Params,
    allowed: &dyn Fn(&str) -> bool,
) -> Result<Option<Vec<SortKey>>, BadParam> {
    p.text("sort", MAX_EXPR)?
        .map(|s| checked_sort(s, allowed))
        .transpose()
}
