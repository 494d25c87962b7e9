//! Contract of the devices write (`PATCH devices/v1/devices`, device-management.json): the
//! exact request (ids in the query, a merge patch, one kind per call, `dry-run`), the 202 and
//! its operation polled to success or failure, the server's refusals in its own words (400,
//! 409), a 429 waited through, and a lost answer that is never sent twice.
#![allow(clippy::unwrap_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use glp_auth::{BaseUrl, RetryPolicy, SecretString, StaticTokenProvider, WorkspaceId};
use glp_transport::{Api, ApiClient, Sleeper, Transport};
use glp_workspaces::{
    DevicePatch, MAX_DEVICES_PER_PATCH, OperationStatus, TenantResources, WorkspacesClient,
    operation_id,
};
use httpmock::prelude::*;
use serde_json::{Value, json};
use support::{GLP_ERROR, TOKEN, glp_error, tenant_id};
use test_support::lost::sent_once_when_lost;
use test_support::mock::refused_once;
use test_support::{Reply, Server};

const DEVICES: &str = "/devices/v1/devices";
const OP: &str = "3292c36d-30ef-4f26-823b-76b5d213b670";

/// Records each wait asked for and returns at once.
#[derive(Debug, Default)]
struct Waits(test_support::waits::Waits);

impl Sleeper for Waits {
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        self.0.record(duration)
    }
}

fn tenant(base: &str, waits: Arc<Waits>) -> TenantResources {
    let provider = Arc::new(StaticTokenProvider::new(
        SecretString::from(TOKEN),
        Duration::from_secs(600),
    ));
    let transport = Transport::new(Duration::from_secs(2))
        .unwrap()
        .with_sleeper(waits);
    let api = ApiClient::builder(Api::GreenLake, BaseUrl::parse(base).unwrap(), provider)
        .transport(transport)
        .no_rate_limit()
        .retry(RetryPolicy::with_max_attempts(3).initial_backoff(Duration::from_millis(10)))
        .timeouts(Duration::from_secs(2), Duration::from_secs(5))
        .build()
        .unwrap();
    WorkspacesClient::new(api).tenant(WorkspaceId::parse(&tenant_id(4)).unwrap())
}

fn assign() -> DevicePatch {
    DevicePatch::Assign {
        application_id: "0892c36d-40df-4f26-923b-76b5d213b420".into(),
        region: "us-west".into(),
    }
}

fn accepted() -> Reply {
    support::accepted("/devices/v1/async-operations", OP)
}

/// A read of the operation holding `fields`.
fn op(fields: Value) -> Reply {
    support::operation("devices/asyncOperation", OP, fields)
}

/// Mocks on `server` the merge patch of the devices `ids` with `body` and the MSP token (with
/// `dry-run=true` when `dry_run`, without `dry-run` otherwise), answered 202: with the
/// operation in `Location`, or none for a dry run.
async fn patch_mock<'a>(
    server: &'a MockServer,
    ids: &[&str],
    body: Value,
    dry_run: bool,
) -> httpmock::Mock<'a> {
    server
        .mock_async(|when, then| {
            let when = ids
                .iter()
                .fold(when.method(PATCH).path(DEVICES), |w, id| {
                    w.query_param("id", *id)
                })
                .header("authorization", format!("Bearer {TOKEN}"))
                .header("content-type", "application/merge-patch+json")
                .json_body(body);
            let then = if dry_run {
                when.query_param("dry-run", "true");
                then.status(202)
            } else {
                when.query_param_missing("dry-run");
                let location = format!("/devices/v1/async-operations/{OP}");
                then.status(202).header("location", location)
            };
            then.json_body(json!({"code": 202, "status": "202 ACCEPTED", "transactionId": OP}));
        })
        .await
}

#[tokio::test]
async fn an_assignment_is_a_merge_patch_naming_the_devices_then_polled_to_success() {
    let server = MockServer::start_async().await;
    let body = json!({"application": {"id": "0892c36d-40df-4f26-923b-76b5d213b420"},
        "region": "us-west"});
    let patch = patch_mock(&server, &["d-1", "d-2"], body, false).await;
    let waits = Arc::new(Waits::default());
    let t = tenant(&server.base_url(), waits.clone());
    let answer = t
        .patch_devices(&["d-1", "d-2"], &assign(), false)
        .await
        .unwrap();
    patch.assert_async().await;
    assert_eq!(answer.status, 202);
    assert_eq!(operation_id(&answer).as_deref(), Some(OP));

    // The operation: running twice (the second suggesting no wait), then succeeded.
    let ops = Server::scripted([
        op(json!({"status": "INITIALIZED", "suggestedPollingIntervalSeconds": 5})),
        op(json!({"status": "RUNNING", "progressPercent": 50})),
        op(json!({"status": "SUCCEEDED", "progressPercent": 100})),
    ]);
    let t = tenant(ops.base_url(), waits.clone());
    let op = t.wait_device_operation(OP).await.unwrap();
    assert_eq!(op.status, OperationStatus::Succeeded);
    assert_eq!(op.progress_percent, Some(100));
    assert_eq!(
        ops.count("GET", &format!("/devices/v1/async-operations/{OP}")),
        3
    );
    assert_eq!(
        waits.0.asked(),
        [Duration::from_secs(5), Duration::from_secs(2)],
        "the suggested wait, then the default"
    );
}

#[tokio::test]
async fn subscriptions_are_set_in_a_call_of_their_own_and_a_dry_run_says_so() {
    let server = MockServer::start_async().await;
    let body = json!({"subscription": [{"id": "sub-1"}]});
    let patch = patch_mock(&server, &["d-9"], body, true).await;
    let t = tenant(&server.base_url(), Arc::default());
    let patch_body = DevicePatch::Subscriptions {
        ids: vec!["sub-1".into()],
    };
    let answer = t.patch_devices(&["d-9"], &patch_body, true).await.unwrap();
    patch.assert_async().await;
    assert_eq!(answer.status, 202);
    assert_eq!(operation_id(&answer), None, "no Location, no operation");
}

#[tokio::test]
async fn a_failed_operation_carries_the_server_s_words() {
    let ops = Server::scripted([op(json!({"status": "FAILED",
        "result": {"message": "Subscription SUB-1 has no seats left\u{1b}[31m"}}))]);
    let op = tenant(ops.base_url(), Arc::default())
        .wait_device_operation(OP)
        .await
        .unwrap();
    assert_eq!(op.status, OperationStatus::Failed);
    let detail = op.detail.unwrap();
    assert!(
        detail.starts_with("Subscription SUB-1 has no seats left"),
        "{detail}"
    );
    assert!(!detail.contains('\u{1b}'), "escaped: {detail}");
}

#[tokio::test]
async fn refusals_are_errors_in_the_server_s_words_and_sent_once() {
    let refusals = [(400, "device ID is not a valid UUID."), (409, "Conflict")];
    let call = async |base: String| {
        let t = tenant(&base, Arc::default());
        t.patch_devices(&["d-1"], &assign(), false).await
    };
    for (status, err) in refused_once((PATCH, DEVICES), &refusals, GLP_ERROR, call).await {
        assert_eq!(err.status(), Some(status));
    }
}

#[tokio::test]
async fn a_429_is_waited_through_and_a_lost_answer_is_never_sent_twice() {
    let limited =
        || Reply::json(429, glp_error(429, "Too Many Requests")).header("retry-after", "0");
    let server = Server::scripted([limited(), limited(), accepted()]);
    let answer = tenant(server.base_url(), Arc::default())
        .patch_devices(&["d-1"], &assign(), false)
        .await
        .unwrap();
    assert_eq!(operation_id(&answer).as_deref(), Some(OP));
    assert_eq!(server.count("PATCH", DEVICES), 3);

    let losses = [
        Reply::json(500, glp_error(500, "Internal Server Error")),
        accepted().cut_off(),
    ];
    let call = async |base: String| {
        let t = tenant(&base, Arc::default());
        t.patch_devices(&["d-1"], &assign(), false).await
    };
    for err in sent_once_when_lost(("PATCH", DEVICES), losses, call).await {
        assert_eq!(err.kind(), "outcome_unknown", "{err}");
    }
}

#[tokio::test]
async fn bad_batches_are_refused_before_sending() {
    let server = Server::scripted([]);
    let t = tenant(server.base_url(), Arc::default());
    let six: Vec<String> = (0..=MAX_DEVICES_PER_PATCH)
        .map(|i| format!("d-{i}"))
        .collect();
    let six: Vec<&str> = six.iter().map(String::as_str).collect();
    for ids in [&[][..], &six[..], &["d-1", "d-1"][..], &["d-1&id=x"][..]] {
        let err = t.patch_devices(ids, &assign(), false).await.unwrap_err();
        assert_eq!(err.kind(), "invalid_request", "{ids:?}: {err}");
    }
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn unassigning_and_unlicensing_are_merge_patches_of_their_own() {
    let server = MockServer::start_async().await;
    let body = json!({"application": {"id": null}, "region": null});
    let unassign = patch_mock(&server, &["d-1", "d-2"], body, false).await;
    let body = json!({"subscription": []});
    let unlicense = patch_mock(&server, &["d-3"], body, false).await;
    let t = tenant(&server.base_url(), Arc::default());
    let answer = t
        .patch_devices(&["d-1", "d-2"], &DevicePatch::Unassign, false)
        .await
        .unwrap();
    assert_eq!(operation_id(&answer).as_deref(), Some(OP));
    let answer = t
        .patch_devices(&["d-3"], &DevicePatch::unlicense(), false)
        .await
        .unwrap();
    assert_eq!(operation_id(&answer).as_deref(), Some(OP));
    unassign.assert_async().await;
    unlicense.assert_async().await;
}

#[tokio::test]
async fn a_removal_whose_answer_is_lost_is_never_sent_twice() {
    for patch in [DevicePatch::Unassign, DevicePatch::unlicense()] {
        let call = async |base: String| {
            let t = tenant(&base, Arc::default());
            t.patch_devices(&["d-1"], &patch, false).await
        };
        for err in sent_once_when_lost(("PATCH", DEVICES), [accepted().cut_off()], call).await {
            assert_eq!(err.kind(), "outcome_unknown", "{patch:?}: {err}");
        }
    }
}
