//! The async operations GreenLake's writes start, one book per family (`devices`,
//! `subscriptions`): the 202 that starts one, and `GET /{family}/v1/async-operations/{id}`,
//! which only the workspace that started it may read (anyone else: 404) and which is finished
//! from its first read.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};

use super::device_writes::{DeviceBook, workspace};
use crate::errors::{Api, json_response, not_found};
use crate::ids;
use crate::population::rfc3339;
use crate::rng::rng;
use crate::state::AppState;

/// What an operation of one family ended with: where its book is kept and how a read of it
/// reports it.
pub(crate) trait Outcome: Clone + Send + 'static {
    /// The family's path segment: `devices` or `subscriptions`.
    const FAMILY: &'static str;

    /// The family's operations in `book`.
    fn book(book: &DeviceBook) -> &Operations<Self>;

    /// Adds the status and result to `body`, the read of a finished operation.
    fn report(self, body: &mut Value);
}

/// One operation, with the workspace that started it and when (it ended then too).
#[derive(Debug, Clone)]
struct Started<O> {
    workspace: u32,
    at: i64,
    outcome: O,
}

/// One family's operations by id.
#[derive(Debug)]
pub(crate) struct Operations<O> {
    by_id: HashMap<String, Started<O>>,
    /// How many were started: the draw of the next one's id.
    made: u64,
}

impl<O> Default for Operations<O> {
    fn default() -> Self {
        Operations {
            by_id: HashMap::new(),
            made: 0,
        }
    }
}

impl<O: Outcome> Operations<O> {
    /// Records the operation workspace `workspace` started at `at`, ended with `outcome`; its
    /// id, drawn from `seed` and the family's `salt`.
    pub(crate) fn start(
        &mut self,
        seed: u64,
        salt: u64,
        workspace: u32,
        at: i64,
        outcome: O,
    ) -> String {
        self.made += 1;
        let id = ids::hyphenated(ids::as_uuid_v4(rng(&[seed, salt, self.made]).u128(..)));
        let op = Started {
            workspace,
            at,
            outcome,
        };
        self.by_id.insert(id.clone(), op);
        id
    }
}

/// The 202 that starts the async operation `op` of `O`'s family: its id as `transactionId`,
/// its path as `Location`.
pub(crate) fn started<O: Outcome>(op: &str) -> Response {
    let mut r = json_response(
        StatusCode::ACCEPTED,
        &json!({"code": 202, "status": "202 ACCEPTED", "transactionId": op}),
    );
    let location = format!("/{}/v1/async-operations/{op}", O::FAMILY);
    if let Ok(v) = HeaderValue::from_str(&location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

/// `GET /{family}/v1/async-operations/{id}` of `O`'s family: only the workspace that started
/// it reads it.
pub(crate) async fn read<O: Outcome>(
    State(st): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let t = match workspace(&st, &headers) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let op = O::book(&st.devices())
        .by_id
        .get(&id)
        .filter(|o| o.workspace == t.index)
        .cloned();
    let Some(op) = op else {
        return not_found(Api::Glp, "Async operation not found");
    };
    let mut body = json!({"id": id, "type": format!("{}/asyncOperation", O::FAMILY),
        "progressPercent": 100, "startedAt": rfc3339(op.at), "endedAt": rfc3339(op.at),
        "timeoutMinutes": 60, "suggestedPollingIntervalSeconds": 1});
    op.outcome.report(&mut body);
    json_response(StatusCode::OK, &body)
}
