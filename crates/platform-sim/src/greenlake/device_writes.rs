//! GreenLake's devices write (`device-management.json`): `PATCH /devices/v1/devices?id=...`
//! (a merge patch, with the workspace's token) assigns 1 to 5 of its devices to a service
//! (`application.id` + `region`, a service manager provisioned there; both `null` removes
//! them from it) **or** sets the subscriptions they hold (`subscription: [{id}]`; an empty
//! list removes them and returns their seats), one kind per call; `dry-run=true`
//! validates without acting. It answers 202 with an `AsyncResponse` body and the `Location`
//! of an operation, `GET /devices/v1/async-operations/{id}`, which reads `SUCCEEDED` (or
//! `FAILED` with a `result.message`: not enough seats, or injected by
//! [`SimConfig::device_operation_fail_rate`](crate::SimConfig)) from its first read.
//! Refusals: 400 (ids, body: the spec's), 422 (an application not provisioned in the region, a
//! subscription the workspace does not hold, not `STARTED`, or of another device kind).
//!
//! The [`DeviceBook`] keeps only what the writes changed; the lists apply it to the generated
//! records ([`DeviceBook::overlay`]).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use super::operations::{Operations, Outcome, started};
use super::records::GlpResource;
use crate::errors::{Api, glp_error, json_response};
use crate::ids;
use crate::population::{Population, Tenant};
use crate::query::parse_pairs;
use crate::rng::rng;
use crate::state::AppState;
use crate::tokens::Subject;

/// The most devices one `PATCH` names (the spec's maximum).
const MAX_IDS: usize = 5;

/// A device's state as writes left it.
#[derive(Debug, Clone, Default, PartialEq)]
struct Written {
    application: Option<String>,
    region: Option<String>,
    subscriptions: Vec<String>,
}

impl Written {
    fn of(record: &Value) -> Self {
        Written {
            application: record["application"]["id"].as_str().map(str::to_owned),
            region: record["region"].as_str().map(str::to_owned),
            subscriptions: record["subscription"]
                .as_array()
                .map(|s| {
                    s.iter()
                        .filter_map(|s| s["id"].as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
        }
    }
}

/// What an operation a `PATCH` started ended with.
#[derive(Debug, Clone)]
pub(crate) struct Operation {
    failed: Option<String>,
}

/// What the devices writes changed, and their operations.
#[derive(Debug, Default)]
pub(crate) struct DeviceBook {
    devices: HashMap<(u32, String), Written>,
    /// Seats taken by writes (minus those freed), by workspace and subscription id.
    seats: HashMap<(u32, String), i64>,
    operations: Operations<Operation>,
    /// What the subscription adds changed (kept here: the lists read both under one lock).
    pub(crate) subscriptions: super::subscription_adds::SubscriptionBook,
}

impl DeviceBook {
    /// `record` (of `r`, in workspace `t`) as the writes left it.
    pub(crate) fn overlay(&self, r: GlpResource, t: &Tenant, record: &mut Value) {
        let Some(id) = record["id"].as_str().map(str::to_owned) else {
            return;
        };
        match r {
            GlpResource::Devices => {
                if let (Some(w), Some(m)) =
                    (self.devices.get(&(t.index, id)), record.as_object_mut())
                {
                    match &w.application {
                        Some(app) => {
                            m.insert("application".into(), json!({"id": app,
                                "resourceUri": format!("/service-catalog/v1/service-managers/{app}")}));
                            m.insert("assignedState".into(), json!("ASSIGNED_TO_SERVICE"));
                        }
                        None => {
                            m.remove("application");
                            m.insert("assignedState".into(), json!("UNASSIGNED"));
                        }
                    }
                    // `region` is a string in the spec's device: a device on no application
                    // has none (left out, not null), as `application`.
                    match &w.region {
                        Some(r) => m.insert("region".into(), json!(r)),
                        None => m.remove("region"),
                    };
                    let subs: Vec<Value> = w
                        .subscriptions
                        .iter()
                        .map(|s| {
                            json!({"id": s,
                        "resourceUri": format!("/subscriptions/v1/subscriptions/{s}")})
                        })
                        .collect();
                    m.insert("subscription".into(), Value::Array(subs));
                }
            }
            GlpResource::Subscriptions => {
                if let Some(taken) = self.seats.get(&(t.index, id)) {
                    let available = record["availableQuantity"]
                        .as_str()
                        .and_then(|a| a.parse::<i64>().ok())
                        .unwrap_or(0);
                    record["availableQuantity"] = json!((available - taken).max(0).to_string());
                }
            }
            GlpResource::AuditLogs => {}
        }
    }

    /// The workspaces (by index) whose devices writes changed.
    pub(crate) fn touched(&self) -> BTreeSet<u32> {
        self.devices.keys().map(|(w, _)| *w).collect()
    }
}

pub(crate) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

pub(crate) fn bad(subject: &str, description: &str) -> Response {
    glp_error(
        Api::Glp,
        StatusCode::BAD_REQUEST,
        "Bad Request",
        vec![json!({"type": "hpe.greenlake.bad_request",
            "issues": [{"source": "request", "subject": subject, "description": description}]})],
    )
}

fn unprocessable(message: &str) -> Response {
    glp_error(
        Api::Glp,
        StatusCode::UNPROCESSABLE_ENTITY,
        message,
        Vec::new(),
    )
}

/// The workspace a token is for.
pub(crate) fn workspace<'a>(st: &'a AppState, headers: &HeaderMap) -> Result<&'a Tenant, Response> {
    Ok(match st.authenticate(headers, Api::Glp)? {
        Subject::Tenant(i) => &st.pop.tenants[i as usize],
        Subject::Msp => &st.pop.msp_own,
    })
}

/// Every record of `r` in `t`, as served now.
pub(crate) fn records(
    pop: &Population,
    book: &DeviceBook,
    r: GlpResource,
    t: &Tenant,
) -> Vec<Value> {
    use super::subscription_adds::{count, record};
    (0..count(pop, book, r, t))
        .map(|i| record(pop, book, r, t, i))
        .collect()
}

/// The device kinds a subscription type licenses.
fn licenses(kind: &str, device_type: &str) -> bool {
    match kind {
        "CENTRAL_AP" => matches!(device_type, "AP" | "IAP"),
        "CENTRAL_SWITCH" => device_type == "SWITCH",
        "CENTRAL_GW" | "CENTRAL_CONTROLLER" => {
            matches!(device_type, "GATEWAY" | "CONTROLLER" | "MC")
        }
        _ => true,
    }
}

/// What one `PATCH` asks.
enum Ask {
    Assign(Option<String>, Option<String>),
    Subscribe(Vec<String>),
}

fn parse_body(bytes: &[u8]) -> Result<Ask, Response> {
    let v: Value = serde_json::from_slice(bytes)
        .map_err(|e| bad("body", &format!("The request body is not valid JSON: {e}")))?;
    let Value::Object(m) = v else {
        return Err(bad("body", "The request body must be a JSON object"));
    };
    if let Some(k) = m.keys().find(|k| {
        !matches!(
            k.as_str(),
            "application" | "region" | "subscription" | "tenantPlatformCustomerId"
        )
    }) {
        return Err(bad(k, "not a field of a devices update"));
    }
    let assign = m.contains_key("application") || m.contains_key("region");
    match (assign, m.get("subscription")) {
        (true, Some(_)) => Err(bad(
            "body",
            "Only one operation per call: assign to an application or apply subscriptions, not both",
        )),
        (false, None) => Err(bad(
            "body",
            "Nothing to update: give application and region, or subscription",
        )),
        (false, Some(Value::Array(subs))) => subs
            .iter()
            .map(|s| {
                s["id"]
                    .as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| bad("subscription", "each subscription needs a string 'id'"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Ask::Subscribe),
        (false, Some(_)) => Err(bad("subscription", "'subscription' must be an array")),
        (true, None) => {
            let app = match m.get("application") {
                None | Some(Value::Null) => None,
                Some(a) => match &a["id"] {
                    Value::Null => None,
                    Value::String(id) if ids::parse_any(id).is_some() => Some(id.clone()),
                    _ => return Err(bad("application.id", "application id is not a valid UUID.")),
                },
            };
            let region = match m.get("region") {
                None | Some(Value::Null) => None,
                Some(Value::String(r)) => Some(r.clone()),
                Some(_) => return Err(bad("region", "'region' must be a string")),
            };
            if app.is_some() != region.is_some() {
                return Err(bad(
                    "body",
                    "application and region are given together (both null to unassign)",
                ));
            }
            Ok(Ask::Assign(app, region))
        }
    }
}

/// `PATCH /devices/v1/devices`.
pub(crate) async fn patch(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let t = match workspace(&st, &headers) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let pairs = match parse_pairs(query.as_deref().unwrap_or("")) {
        Ok(p) => p,
        Err(b) => return bad(&b.subject, &b.description),
    };
    let mut wanted: Vec<String> = Vec::new();
    let mut dry_run = false;
    for (k, v) in pairs {
        match k.as_str() {
            "id" if ids::parse_any(&v).is_none() => {
                return bad("id", "device ID is not a valid UUID.");
            }
            "id" if wanted.contains(&v) => return bad("id", "device IDs must be unique"),
            "id" => wanted.push(v),
            "dry-run" => match v.as_str() {
                "true" => dry_run = true,
                "false" => dry_run = false,
                _ => return bad("dry-run", "'dry-run' must be true or false"),
            },
            _ => {}
        }
    }
    if wanted.is_empty() || wanted.len() > MAX_IDS {
        return bad(
            "id",
            &format!("give 1 to {MAX_IDS} device IDs, not {}", wanted.len()),
        );
    }
    let ask = match parse_body(&body) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let mut book = st.devices();
    let devices = records(&st.pop, &book, GlpResource::Devices, t);
    let mut found = Vec::new();
    for id in &wanted {
        match devices.iter().find(|d| d["id"] == id.as_str()) {
            Some(d) => found.push(d),
            None => return bad("id", &format!("device {id} is not in this workspace")),
        }
    }
    let mut shortfall = None;
    match &ask {
        Ask::Assign(Some(app), Some(region)) if !crate::catalog::provisioned(&st, app, region) => {
            return unprocessable(&format!(
                "Application {app} is not provisioned in region {region}"
            ));
        }
        Ask::Assign(..) => {}
        Ask::Subscribe(subs) => {
            let held = records(&st.pop, &book, GlpResource::Subscriptions, t);
            for sid in subs {
                let Some(s) = held.iter().find(|s| s["id"] == sid.as_str()) else {
                    return unprocessable(&format!("Subscription {sid} is not in this workspace"));
                };
                if s["subscriptionStatus"] != "STARTED" {
                    return unprocessable(&format!("Subscription {} is not STARTED", s["key"]));
                }
                let kind = s["subscriptionType"].as_str().unwrap_or_default();
                if let Some(d) = found
                    .iter()
                    .find(|d| !licenses(kind, d["deviceType"].as_str().unwrap_or_default()))
                {
                    return unprocessable(&format!(
                        "Subscription {} ({kind}) cannot license device {} ({})",
                        s["key"], d["serialNumber"], d["deviceType"]
                    ));
                }
                let need = found
                    .iter()
                    .filter(|d| !Written::of(d).subscriptions.contains(sid))
                    .count() as i64;
                let available = s["availableQuantity"]
                    .as_str()
                    .and_then(|a| a.parse::<i64>().ok())
                    .unwrap_or(0);
                if need > available {
                    shortfall = Some(format!(
                        "Subscription {} has {available} seats available, {need} needed",
                        s["key"]
                    ));
                }
            }
        }
    }
    if dry_run {
        return json_response(
            StatusCode::ACCEPTED,
            &json!({"code": 202, "status": "202 ACCEPTED",
            "transactionId": ids::hyphenated(ids::as_uuid_v4(rng(&[st.pop.seed, 0xD27]).u128(..)))}),
        );
    }
    let injected = st.cfg.device_operation_fail_rate > 0.0
        && (st.cfg.device_operation_fail_rate >= 1.0
            || fastrand::f64() < st.cfg.device_operation_fail_rate);
    let failed = if injected {
        Some("Device update failed (injected by platform-sim)".to_owned())
    } else {
        shortfall
    };
    if failed.is_none() {
        let before: Vec<Written> = found.iter().map(|d| Written::of(d)).collect();
        for (id, old) in wanted.iter().zip(before) {
            let mut new = old.clone();
            match &ask {
                Ask::Assign(app, region) => {
                    new.application.clone_from(app);
                    new.region.clone_from(region);
                }
                Ask::Subscribe(subs) => new.subscriptions.clone_from(subs),
            }
            for s in &old.subscriptions {
                *book.seats.entry((t.index, s.clone())).or_default() -= 1;
            }
            for s in &new.subscriptions {
                *book.seats.entry((t.index, s.clone())).or_default() += 1;
            }
            book.devices.insert((t.index, id.clone()), new);
        }
    }
    let op = book
        .operations
        .start(st.pop.seed, 0xA5, t.index, now(), Operation { failed });
    drop(book);
    started::<Operation>(&op)
}

impl Outcome for Operation {
    const FAMILY: &'static str = "devices";

    fn book(book: &DeviceBook) -> &Operations<Self> {
        &book.operations
    }

    fn report(self, body: &mut Value) {
        match self.failed {
            None => body["status"] = json!("SUCCEEDED"),
            Some(message) => {
                body["status"] = json!("FAILED");
                body["result"] = json!({"message": message});
            }
        }
    }
}
