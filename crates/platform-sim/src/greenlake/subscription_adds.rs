//! GreenLake's subscriptions write (`subscription-management.json`): `POST
//! /subscriptions/v1/subscriptions` with `{"subscriptions": [{"key", "tags"?}]}` (1 to 5 keys,
//! with the workspace's token) adds subscriptions to the workspace. Basic validation is
//! synchronous (400: not JSON, unknown fields, no keys, more than five, an empty or repeated
//! key); then the answer is 202 with an `AsyncResponse` body and the `Location` of an
//! operation, `GET /subscriptions/v1/async-operations/{id}`, which reads `SUCCEEDED` when every
//! key was added, else `FAILED` with a `result` naming each key's fate: a key the simulator
//! does not know as claimable ([`SimConfig::claimable_subscription_keys`](crate::SimConfig)),
//! one already in this workspace, one claimed by another. The keys that could be added are
//! (partial success, as the spec's breakdown allows). Its budget is per workspace
//! ([`SimConfig::glp_subscription_writes_per_minute`](crate::SimConfig), 4 by default).
//!
//! An added key is listed after the workspace's other subscriptions (`STARTED`, 100 seats, its
//! kind read from the key: `SW` switches, `GW` gateways, else access points).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Value, json};

use super::device_writes::{DeviceBook, bad, now, workspace};
use super::operations::{Operations, Outcome, started};
use super::records::GlpResource;
use crate::ids;
use crate::population::{Population, Tenant, rfc3339};
use crate::rng::{hash, rng};
use crate::state::AppState;

/// The most keys one `POST` carries (the spec's maximum).
const MAX_KEYS: usize = 5;
/// The seats of an added subscription.
const SEATS: u32 = 100;

/// A subscription a `POST` added.
#[derive(Debug, Clone)]
struct Added {
    key: String,
    at: i64,
}

/// What a subscription add's operation ended with.
#[derive(Debug, Clone)]
pub(crate) struct Operation {
    /// Each key that could not be added, with why.
    failed: Vec<(String, String)>,
    added: Vec<String>,
}

/// What the subscription adds changed, and their operations.
#[derive(Debug, Default)]
pub(crate) struct SubscriptionBook {
    /// By workspace index, in the order added.
    added: HashMap<u32, Vec<Added>>,
    /// Which workspace claimed each key (upper case).
    claimed: HashMap<String, u32>,
    operations: Operations<Operation>,
}

impl SubscriptionBook {
    /// Every key added, by workspace index.
    pub(crate) fn keys(&self) -> BTreeMap<u32, Vec<String>> {
        self.added
            .iter()
            .map(|(w, a)| (*w, a.iter().map(|a| a.key.clone()).collect()))
            .collect()
    }
}

/// How many records of `r` workspace `t` lists: the generated ones and, for subscriptions, the
/// added ones.
pub(crate) fn count(pop: &Population, book: &DeviceBook, r: GlpResource, t: &Tenant) -> u32 {
    let added = match r {
        GlpResource::Subscriptions => book
            .subscriptions
            .added
            .get(&t.index)
            .map_or(0, |a| a.len() as u32),
        _ => 0,
    };
    r.count(pop, t) + added
}

/// Record `i` of `r` in `t` as served now (the writes' changes applied).
pub(crate) fn record(
    pop: &Population,
    book: &DeviceBook,
    r: GlpResource,
    t: &Tenant,
    i: u32,
) -> Value {
    let base = r.count(pop, t);
    let mut v = match book.subscriptions.added.get(&t.index) {
        Some(added) if r == GlpResource::Subscriptions && i >= base => added
            .get((i - base) as usize)
            .map_or(Value::Null, |a| added_record(pop, a)),
        _ => r.record(pop, t, i),
    };
    book.overlay(r, t, &mut v);
    v
}

fn key_id(pop: &Population, key: &str) -> String {
    let h = key
        .bytes()
        .fold(hash(&[pop.seed, 0x5AD]), |a, b| hash(&[a, u64::from(b)]));
    ids::hyphenated(ids::as_uuid_v4(rng(&[h]).u128(..)))
}

fn added_record(pop: &Population, a: &Added) -> Value {
    let id = key_id(pop, &a.key);
    let upper = a.key.to_ascii_uppercase();
    let (kind, tier) = if upper.contains("SW") {
        ("CENTRAL_SWITCH", "FOUNDATION_SWITCH_6300")
    } else if upper.contains("GW") {
        ("CENTRAL_GW", "FOUNDATION_GW")
    } else {
        ("CENTRAL_AP", "FOUNDATION_AP")
    };
    json!({
        "id": id,
        "type": "subscriptions/subscription",
        "generation": 1,
        "resourceUri": format!("/subscriptions/v1/subscriptions/{id}"),
        "key": a.key,
        "subscriptionType": kind,
        "subscriptionStatus": "STARTED",
        "quantity": SEATS.to_string(),
        "availableQuantity": SEATS.to_string(),
        "tier": tier,
        "productType": "DEVICE",
        "isEval": false,
        "startTime": rfc3339(a.at),
        "endTime": rfc3339(a.at + 3 * 365 * 86_400),
        "tags": {},
        "createdAt": rfc3339(a.at),
        "updatedAt": rfc3339(a.at),
    })
}

/// The keys of a `POST`'s body, or the 400 that refuses it.
fn parse_keys(bytes: &[u8]) -> Result<Vec<String>, Response> {
    let v: Value = serde_json::from_slice(bytes)
        .map_err(|e| bad("body", &format!("The request body is not valid JSON: {e}")))?;
    let Value::Object(m) = v else {
        return Err(bad("body", "The request body must be a JSON object"));
    };
    if let Some(k) = m.keys().find(|k| k.as_str() != "subscriptions") {
        return Err(bad(k, "not a field of a subscriptions request"));
    }
    let Some(Value::Array(items)) = m.get("subscriptions") else {
        return Err(bad(
            "subscriptions",
            "'subscriptions' is required: an array",
        ));
    };
    if items.is_empty() || items.len() > MAX_KEYS {
        return Err(bad(
            "subscriptions",
            &format!("give 1 to {MAX_KEYS} subscriptions, not {}", items.len()),
        ));
    }
    let mut keys: Vec<String> = Vec::new();
    for item in items {
        let Value::Object(s) = item else {
            return Err(bad("subscriptions", "each subscription is an object"));
        };
        if let Some(k) = s.keys().find(|k| !matches!(k.as_str(), "key" | "tags")) {
            return Err(bad(k, "not a field of a subscription"));
        }
        match s.get("key").and_then(Value::as_str).map(str::trim) {
            None | Some("") => return Err(bad("key", "Parameter key is empty.")),
            Some(k) if keys.iter().any(|x| x.eq_ignore_ascii_case(k)) => {
                return Err(bad("key", "subscription keys must be unique"));
            }
            Some(k) => keys.push(k.to_owned()),
        }
    }
    Ok(keys)
}

/// `POST /subscriptions/v1/subscriptions`.
pub(crate) async fn add(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let t = match workspace(&st, &headers) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let keys = match parse_keys(&body) {
        Ok(k) => k,
        Err(r) => return r,
    };
    let claimable = |k: &str| {
        st.cfg
            .claimable_subscription_keys
            .iter()
            .any(|c| c.eq_ignore_ascii_case(k))
    };
    let mut book = st.devices();
    let subs = &mut book.subscriptions;
    let (mut added, mut failed) = (Vec::new(), Vec::new());
    let at = now();
    for key in keys {
        let upper = key.to_ascii_uppercase();
        let why = match subs.claimed.get(&upper) {
            _ if !claimable(&key) => Some("Subscription key not found"),
            Some(w) if *w == t.index => Some("Subscription key already added to this workspace"),
            Some(_) => Some("Subscription key already claimed by another workspace"),
            None => None,
        };
        match why {
            Some(why) => failed.push((key, why.to_owned())),
            None => {
                subs.claimed.insert(upper, t.index);
                subs.added.entry(t.index).or_default().push(Added {
                    key: key.clone(),
                    at,
                });
                added.push(key);
            }
        }
    }
    let outcome = Operation { failed, added };
    let op = subs
        .operations
        .start(st.pop.seed, 0x5AB, t.index, at, outcome);
    drop(book);
    started::<Operation>(&op)
}

impl Outcome for Operation {
    const FAMILY: &'static str = "subscriptions";

    fn book(book: &DeviceBook) -> &Operations<Self> {
        &book.subscriptions.operations
    }

    fn report(self, body: &mut Value) {
        if self.failed.is_empty() {
            body["status"] = json!("SUCCEEDED");
        } else {
            let failed: Vec<Value> = self
                .failed
                .iter()
                .map(|(k, why)| json!({"key": k, "message": why}))
                .collect();
            let words: Vec<String> = self.failed.iter().map(|(_, why)| why.clone()).collect();
            body["status"] = json!("FAILED");
            body["resultType"] = json!("PARTIAL");
            body["result"] = json!({"message": words.join("; "), "succeeded": self.added,
                "failed": failed});
        }
    }
}
