//! The devices write of HPE's device-management spec: `PATCH devices/v1/devices?id=...` (a
//! JSON merge patch, with the tenant's token) assigns up to [`MAX_DEVICES_PER_PATCH`] devices
//! to a service (application and region) or removes them from it (both `null`), **or** sets
//! the subscriptions they hold (an empty list removes them), one kind per call
//! ([`DevicePatch`]); the server answers 202 with the `Location` of an asynchronous
//! operation ([`TenantResources::device_operation`], polled to its end by
//! [`TenantResources::wait_device_operation`]).
//!
//! The write is sent at most once per call, as every write: a lost answer is
//! [`ApiError::OutcomeUnknown`] and the caller re-reads the devices before sending it again.

use std::time::Duration;

use glp_core::Scope;
use glp_transport::{ApiClient, ApiError, Method, Request};
use serde_json::{Value, json};

use crate::client::TenantResources;
use crate::tenant_writes::{WriteAnswer, clip, write_step};

/// The devices path, relative to the GreenLake base URL (the `PATCH` is sent there).
pub const DEVICES_PATCH_PATH: &str = "devices/v1/devices";
/// Where the device operations live, relative to the GreenLake base URL.
pub const DEVICE_OPERATIONS_PATH: &str = "devices/v1/async-operations";
/// The most device ids one `PATCH` may name (the spec's maximum).
pub const MAX_DEVICES_PER_PATCH: usize = 5;
/// The most reads of one operation [`TenantResources::wait_device_operation`] makes.
pub const MAX_OPERATION_POLLS: u32 = 60;
/// The wait between two reads of a running operation when it suggests none.
const DEFAULT_POLL: Duration = Duration::from_secs(2);
/// The longest wait between two reads, whatever the server suggests.
const MAX_POLL: Duration = Duration::from_secs(30);

/// What one devices `PATCH` changes: one kind per call, as the spec requires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DevicePatch {
    /// Assign the devices to the service manager `application_id` in `region`.
    Assign {
        /// The service manager's id (a UUID of the service catalog).
        application_id: String,
        /// The GreenLake region, e.g. `us-west`.
        region: String,
    },
    /// Remove the devices from the service they are assigned to (application and region set
    /// to `null`).
    Unassign,
    /// Make the devices hold exactly these subscriptions (by id; empty: remove them, see
    /// [`DevicePatch::unlicense`]).
    Subscriptions {
        /// The subscriptions' ids.
        ids: Vec<String>,
    },
}

impl DevicePatch {
    /// The patch that removes every subscription the devices hold (an empty `subscription`).
    pub fn unlicense() -> Self {
        Self::Subscriptions { ids: Vec::new() }
    }

    /// The merge-patch body.
    pub fn body(&self) -> Value {
        match self {
            Self::Assign {
                application_id,
                region,
            } => json!({ "application": { "id": application_id }, "region": region }),
            Self::Unassign => json!({ "application": { "id": null }, "region": null }),
            Self::Subscriptions { ids } => {
                json!({ "subscription": ids.iter().map(|id| json!({ "id": id })).collect::<Vec<_>>() })
            }
        }
    }
}

/// Whether `id` may go into a query or a path: 1 to 64 letters, digits and hyphens.
pub(crate) fn plain_id(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// The status of a device operation (`AsyncOperationResource.status` of the spec).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OperationStatus {
    /// `INITIALIZED`.
    Initialized,
    /// `RUNNING`.
    Running,
    /// `PAUSED`.
    Paused,
    /// `SUCCEEDED`.
    Succeeded,
    /// `FAILED`.
    Failed,
    /// `TIMEDOUT` (or `TIMEOUT`, as the spec's prose spells it).
    TimedOut,
    /// Any other value, as sent (cleaned, at most 40 characters).
    Other(String),
}

impl OperationStatus {
    fn parse(s: &str) -> Self {
        match s.to_ascii_uppercase().as_str() {
            "INITIALIZED" => Self::Initialized,
            "RUNNING" => Self::Running,
            "PAUSED" => Self::Paused,
            "SUCCEEDED" => Self::Succeeded,
            "FAILED" => Self::Failed,
            "TIMEDOUT" | "TIMEOUT" => Self::TimedOut,
            _ => Self::Other(clip(s, 40)),
        }
    }

    /// Whether the operation has ended (succeeded, failed or timed out).
    pub fn is_terminal(&self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed | Self::TimedOut)
    }
}

/// A device operation as read.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeviceOperation {
    /// Its status.
    pub status: OperationStatus,
    /// `progressPercent`, when given (0..=100).
    pub progress_percent: Option<u8>,
    /// The wait the server suggests before the next read (`suggestedPollingIntervalSeconds`,
    /// bounded to 30 s).
    pub suggested_wait: Option<Duration>,
    /// The server's words about the result (`result.message`, or the `result` object itself;
    /// cleaned, at most 300 characters).
    pub detail: Option<String>,
}

impl DeviceOperation {
    fn of(v: &Value) -> Self {
        let status = v.get("status").and_then(Value::as_str).map_or(
            OperationStatus::Other(String::new()),
            OperationStatus::parse,
        );
        let detail = match v.get("result") {
            Some(Value::Object(r)) => Some(match r.get("message").and_then(Value::as_str) {
                Some(m) => clip(m, 300),
                None => clip(&Value::Object(r.clone()).to_string(), 300),
            }),
            Some(Value::String(s)) => Some(clip(s, 300)),
            _ => None,
        };
        Self {
            status,
            progress_percent: v
                .get("progressPercent")
                .and_then(Value::as_u64)
                .map(|p| p.min(100) as u8),
            suggested_wait: v
                .get("suggestedPollingIntervalSeconds")
                .and_then(Value::as_u64)
                .map(|s| Duration::from_secs(s).min(MAX_POLL)),
            detail,
        }
    }
}

/// The operation id a 202's `Location` names (its last segment), when it is a device
/// operation's path and a plain id: the server's `Location` is never followed as given.
pub fn operation_id(answer: &WriteAnswer) -> Option<String> {
    operation_id_in(answer, DEVICE_OPERATIONS_PATH)
}

/// The operation id a 202's `Location` names, when it is below `parent` and a plain id.
pub(crate) fn operation_id_in(answer: &WriteAnswer, parent_path: &str) -> Option<String> {
    let location = answer.location.as_deref()?;
    let path = location.split(['?', '#']).next()?.trim_end_matches('/');
    let (parent, id) = path.rsplit_once('/')?;
    (parent.trim_start_matches('/').ends_with(parent_path) && plain_id(id)).then(|| id.to_owned())
}

/// Reads operation `id` below `parent` (`GET {parent}/{id}`) as `scope`.
pub(crate) async fn read_operation(
    api: &ApiClient,
    scope: Scope,
    parent: &str,
    id: &str,
) -> Result<DeviceOperation, ApiError> {
    if !plain_id(id) {
        return Err(ApiError::InvalidRequest(format!(
            "'{}' is not an operation id",
            clip(id, 70)
        )));
    }
    let path = format!("{parent}/{id}");
    let v: Value = api.get_json(&scope, &path, &[]).await?;
    Ok(DeviceOperation::of(&v))
}

/// Reads operation `id` below `parent` until it ends or [`MAX_OPERATION_POLLS`] reads were
/// made, waiting between two reads what the server suggests (see
/// [`TenantResources::wait_device_operation`]).
pub(crate) async fn wait_operation(
    api: &ApiClient,
    scope: Scope,
    parent: &str,
    id: &str,
) -> Result<DeviceOperation, ApiError> {
    let mut polls = 0;
    loop {
        let op = read_operation(api, scope, parent, id).await?;
        polls += 1;
        if op.status.is_terminal() || polls >= MAX_OPERATION_POLLS {
            return Ok(op);
        }
        let wait = op
            .suggested_wait
            .unwrap_or(DEFAULT_POLL)
            .max(Duration::from_millis(100));
        api.transport().sleeper().sleep(wait).await;
    }
}

impl TenantResources {
    /// Sends `patch` for the devices `ids` (1 to [`MAX_DEVICES_PER_PATCH`], each a plain id,
    /// none twice): `PATCH devices/v1/devices?id=...` as a merge patch, with `dry-run=true`
    /// when `dry_run` (validated by the server, not carried out). Sent at most once; the
    /// answer's [`operation_id`] names the operation to poll.
    pub async fn patch_devices(
        &self,
        ids: &[&str],
        patch: &DevicePatch,
        dry_run: bool,
    ) -> Result<WriteAnswer, ApiError> {
        if ids.is_empty() || ids.len() > MAX_DEVICES_PER_PATCH {
            return Err(ApiError::InvalidRequest(format!(
                "a devices PATCH names 1 to {MAX_DEVICES_PER_PATCH} devices, not {}",
                ids.len()
            )));
        }
        if let Some(bad) = ids.iter().find(|id| !plain_id(id)) {
            return Err(ApiError::InvalidRequest(format!(
                "'{}' is not a device id",
                clip(bad, 70)
            )));
        }
        if ids.iter().enumerate().any(|(i, a)| ids[..i].contains(a)) {
            return Err(ApiError::InvalidRequest(
                "a device id is named twice".into(),
            ));
        }
        let mut query: Vec<(&str, String)> =
            ids.iter().map(|id| ("id", (*id).to_owned())).collect();
        if dry_run {
            query.push(("dry-run", "true".to_owned()));
        }
        let body = serde_json::to_vec(&patch.body())
            .map_err(|e| ApiError::InvalidRequest(e.to_string()))?;
        let request = Request::write(
            Method::Patch,
            DEVICES_PATCH_PATH,
            Some(&body),
            Scope::Tenant(self.tenant_id()),
        )
        .with_query(&query);
        self.api_client()
            .send(&request, |answer| write_step("PATCH", answer))
            .await
    }

    /// Reads device operation `id`: `GET devices/v1/async-operations/{id}`.
    pub async fn device_operation(&self, id: &str) -> Result<DeviceOperation, ApiError> {
        let scope = Scope::Tenant(self.tenant_id());
        read_operation(self.api_client(), scope, DEVICE_OPERATIONS_PATH, id).await
    }

    /// Reads device operation `id` until it ends or [`MAX_OPERATION_POLLS`] reads were made
    /// (then the last read, still running), waiting between two reads what the server
    /// suggests (2 s when it suggests nothing, at most 30 s) through the transport's
    /// [`Sleeper`](glp_transport::Sleeper).
    pub async fn wait_device_operation(&self, id: &str) -> Result<DeviceOperation, ApiError> {
        let scope = Scope::Tenant(self.tenant_id());
        wait_operation(self.api_client(), scope, DEVICE_OPERATIONS_PATH, id).await
    }
}
