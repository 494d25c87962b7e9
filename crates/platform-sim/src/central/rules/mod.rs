//! A tenant's notification rules (tenant token; HPE's notifications spec,
//! `network-notifications/v1/notification-rules`): `GET` lists them (`limit` 1..=20, default
//! 20; `offset` 0..=19; `{items, count, total, offset}`, `offset` the next page's or `null`
//! on the last; an item's `source.alerts` shows `alertCount`, not the names), `POST` creates
//! one (201, the rule, `Location` of it: an absolute URL, the spec's `uri`), `GET .../{id}` reads
//! one (the names included),
//! `PATCH .../{id}` merges a patch into one (200, the rule) and `DELETE .../{id}` deletes one
//! (204). Refusals: 400 (not the spec's shape), 404 (no such rule), 409 (another rule of the
//! tenant has the name, without case: the spec's 409 "already exists", name uniqueness
//! inferred), 422 (no destination enabled, the alert source disabled, or a 21st rule: the
//! spec bounds a listing's `total` at 20). The write fault after apply is the pipeline's, as
//! for every write.

mod body;

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawPathParams, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use self::body::{Invalid, check, input, merge};
use super::cluster::ClusterTenant;
use crate::errors::{Api, bad_request_coded, glp_error, json_response, not_found};
use crate::query::Params;
use crate::state::AppState;
use crate::{clusters, ids};

/// The collection's path.
pub(crate) const RULES_PATH: &str = "/network-notifications/v1/notification-rules";
/// The most rules a tenant holds (the spec's bound on a listing's `total`).
pub(crate) const MAX_RULES: usize = 20;
/// The `type` of every rule.
const RULE_TYPE: &str = "network-notifications/notification-rule";

/// One stored rule: its id and its fields as written (no `id`, no `type`).
#[derive(Debug, Clone)]
struct Stored {
    id: String,
    fields: Map<String, Value>,
}

impl Stored {
    fn name(&self) -> &str {
        self.fields
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    /// The rule as a read of one shows it.
    fn full(&self) -> Value {
        let mut m = Map::new();
        m.insert("id".into(), json!(self.id));
        m.insert("type".into(), json!(RULE_TYPE));
        m.extend(self.fields.clone());
        Value::Object(m)
    }

    /// The rule as the listing shows it: `alertCount` instead of `alertNames`.
    fn summary(&self) -> Value {
        let mut v = self.full();
        if let Some(alerts) = v
            .pointer_mut("/source/alerts")
            .and_then(Value::as_object_mut)
            && let Some(Value::Array(names)) = alerts.remove("alertNames")
        {
            alerts.insert("alertCount".into(), json!(names.len()));
        }
        v
    }
}

/// Every tenant's notification rules, by tenant position in the population.
#[derive(Debug, Default)]
pub(crate) struct RuleBook {
    rules: BTreeMap<u32, Vec<Stored>>,
}

fn key(name: &str) -> String {
    name.trim().to_lowercase()
}

impl RuleBook {
    /// Each tenant's rules as a read of one shows them, in creation order.
    pub(crate) fn truth(&self) -> impl Iterator<Item = (u32, Vec<Value>)> + '_ {
        self.rules
            .iter()
            .filter(|(_, r)| !r.is_empty())
            .map(|(t, r)| (*t, r.iter().map(Stored::full).collect()))
    }
}

fn api(st: &AppState) -> Api {
    st.central()
}

fn refusal(st: &AppState, status: StatusCode, message: &str) -> Response {
    glp_error(api(st), status, message, Vec::new())
}

fn invalid(st: &AppState, e: Invalid) -> Response {
    match e {
        Invalid::Shape(m) => refusal(st, StatusCode::BAD_REQUEST, &m),
        Invalid::Unprocessable(m) => refusal(st, StatusCode::UNPROCESSABLE_ENTITY, &m),
    }
}

fn no_rule(st: &AppState, id: &str) -> Response {
    not_found(
        api(st),
        &format!("No notification rule '{}'", id.escape_default()),
    )
}

/// The path parameter of one rule (with or without a cluster prefix).
#[derive(Debug, serde::Deserialize)]
pub(crate) struct RulePath {
    id: String,
}

/// `GET /network-notifications/v1/notification-rules`.
pub(crate) async fn list(
    State(st): State<Arc<AppState>>,
    ClusterTenant(tenant): ClusterTenant,
    RawQuery(query): RawQuery,
) -> Response {
    let parsed = Params::parse(query.as_deref(), &["limit", "offset"]).and_then(|p| {
        Ok((
            p.uint("limit", 1..=MAX_RULES as u64)?
                .unwrap_or(MAX_RULES as u64) as usize,
            p.uint("offset", 0..=MAX_RULES as u64 - 1)?.unwrap_or(0) as usize,
        ))
    });
    let (limit, offset) = match parsed {
        Ok(x) => x,
        Err(bad) => {
            return bad_request_coded(
                api(&st),
                &bad,
                Some("HPE_GL_NETWORK_NOTIFICATIONS_BAD_REQUEST"),
            );
        }
    };
    let book = st.rules();
    let all = book.rules.get(&tenant).map_or(&[][..], Vec::as_slice);
    let items: Vec<Value> = all
        .iter()
        .skip(offset)
        .take(limit)
        .map(Stored::summary)
        .collect();
    let next = offset + items.len();
    let body = json!({
        "items": items,
        "count": items.len(),
        "total": all.len(),
        "offset": if next < all.len() { json!(next) } else { Value::Null },
    });
    json_response(StatusCode::OK, &body)
}

/// `POST /network-notifications/v1/notification-rules`.
pub(crate) async fn create(
    State(st): State<Arc<AppState>>,
    ClusterTenant(tenant): ClusterTenant,
    params: RawPathParams,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    let fields = match input(&bytes).and_then(|f| check(&f, true).map(|()| f)) {
        Ok(f) => f,
        Err(e) => return invalid(&st, e),
    };
    let mut book = st.rules();
    let rules = book.rules.entry(tenant).or_default();
    let name = fields.get("name").and_then(Value::as_str).unwrap_or("");
    if rules.iter().any(|r| key(r.name()) == key(name)) {
        return refusal(
            &st,
            StatusCode::CONFLICT,
            "Conflict. The resource already exists: a notification rule has this name",
        );
    }
    if rules.len() >= MAX_RULES {
        return refusal(
            &st,
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!("A tenant holds at most {MAX_RULES} notification rules"),
        );
    }
    let stored = Stored {
        id: ids::hyphenated(ids::as_uuid_v4(fastrand::u128(..))),
        fields,
    };
    let mut r = json_response(StatusCode::CREATED, &stored.full());
    if let Some(v) = location(&headers, &params, &stored.id) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    rules.push(stored);
    r
}

/// The absolute URL of rule `id` (the spec's `Location` is a `uri`): the request's host, its
/// cluster prefix, the rule's path; `None` without a usable `Host`.
fn location(headers: &HeaderMap, params: &RawPathParams, id: &str) -> Option<HeaderValue> {
    let host = headers.get(header::HOST)?.to_str().ok()?;
    if host.is_empty()
        || !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
    {
        return None;
    }
    let prefix = params
        .iter()
        .find(|(k, _)| *k == clusters::PARAM)
        .map(|(_, v)| format!("{}{v}", clusters::PREFIX))
        .unwrap_or_default();
    HeaderValue::from_str(&format!("http://{host}{prefix}{RULES_PATH}/{id}")).ok()
}

/// `GET /network-notifications/v1/notification-rules/{id}`.
pub(crate) async fn read(
    State(st): State<Arc<AppState>>,
    ClusterTenant(tenant): ClusterTenant,
    Path(RulePath { id }): Path<RulePath>,
) -> Response {
    let book = st.rules();
    match book
        .rules
        .get(&tenant)
        .and_then(|rules| rules.iter().find(|r| r.id == id))
    {
        Some(r) => json_response(StatusCode::OK, &r.full()),
        None => no_rule(&st, &id),
    }
}

/// `PATCH /network-notifications/v1/notification-rules/{id}` (a merge patch of the update
/// input: `name` is no field of it).
pub(crate) async fn update(
    State(st): State<Arc<AppState>>,
    ClusterTenant(tenant): ClusterTenant,
    Path(RulePath { id }): Path<RulePath>,
    bytes: Bytes,
) -> Response {
    let patch = match input(&bytes) {
        Ok(p) => p,
        Err(e) => return invalid(&st, e),
    };
    if patch.contains_key("name") {
        return invalid(
            &st,
            Invalid::Shape("'name' is not a field of an update".into()),
        );
    }
    let mut book = st.rules();
    let Some(stored) = book
        .rules
        .get_mut(&tenant)
        .and_then(|rules| rules.iter_mut().find(|r| r.id == id))
    else {
        return no_rule(&st, &id);
    };
    let mut merged = Value::Object(stored.fields.clone());
    merge(&mut merged, &Value::Object(patch));
    let Value::Object(fields) = merged else {
        return refusal(&st, StatusCode::BAD_REQUEST, "The patch must be an object");
    };
    if let Err(e) = check(&fields, true) {
        return invalid(&st, e);
    }
    stored.fields = fields;
    json_response(StatusCode::OK, &stored.full())
}

/// `DELETE /network-notifications/v1/notification-rules/{id}`.
pub(crate) async fn delete(
    State(st): State<Arc<AppState>>,
    ClusterTenant(tenant): ClusterTenant,
    Path(RulePath { id }): Path<RulePath>,
) -> Response {
    let mut book = st.rules();
    let Some(rules) = book.rules.get_mut(&tenant) else {
        return no_rule(&st, &id);
    };
    match rules.iter().position(|r| r.id == id) {
        Some(i) => {
            rules.remove(i);
            StatusCode::NO_CONTENT.into_response()
        }
        None => no_rule(&st, &id),
    }
}
