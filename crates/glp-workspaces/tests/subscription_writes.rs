//! Contract of the subscriptions write (`POST subscriptions/v1/subscriptions`,
//! subscription-management.json): the exact request (the workspace's token, at most five keys in
//! `{"subscriptions": [{"key"}]}`), the 202 and its operation polled to its end, the server's
//! refusals in its own words (400, 409 already added or claimed), a 429 waited through in the
//! workspace's own write pacer, and a lost answer that is never sent twice.
#![allow(clippy::unwrap_used)]

mod support;

use glp_auth::{Scope, WorkspaceId};
use glp_transport::Api;
use glp_workspaces::{
    MAX_KEYS_PER_POST, OperationStatus, SUBSCRIPTIONS_POST_PATH, SubscriptionKey,
    subscription_operation_id,
};
use httpmock::prelude::*;
use serde_json::{Value, json};
use support::{GLP_ERROR, TOKEN, client, glp_error, tenant_id};
use test_support::lost::sent_once_when_lost;
use test_support::mock::refused_once;
use test_support::sent::{json_body, only_request};
use test_support::{Reply, Server};

const SUBS: &str = "/subscriptions/v1/subscriptions";
const OP: &str = "22d6fbfb-d253-4455-984a-356da827e5fc";

fn key(k: &str) -> SubscriptionKey {
    SubscriptionKey::new(k).unwrap()
}

fn accepted() -> Reply {
    support::accepted("/subscriptions/v1/async-operations", OP)
}

/// A read of the operation holding `fields`.
fn op(fields: Value) -> Reply {
    support::operation("subscriptions/asyncOperation", OP, fields)
}

fn tenant() -> Scope {
    Scope::Tenant(WorkspaceId::parse(&tenant_id(4)).unwrap())
}

#[tokio::test]
async fn keys_are_posted_with_the_workspace_s_token_then_the_operation_is_polled() {
    let server = Server::scripted([accepted()]);
    let c = client(server.base_url());
    let answer = c
        .add_subscriptions(Scope::Msp, &[&key("BAASOAAg95"), &key("KEY-2x")])
        .await
        .unwrap();
    let post = only_request(&server, "POST", SUBS);
    assert_eq!(post.bearer(), Some(TOKEN));
    assert_eq!(
        json_body(&post),
        json!({"subscriptions": [{"key": "BAASOAAg95"}, {"key": "KEY-2x"}]})
    );
    assert_eq!(answer.status, 202);
    assert_eq!(subscription_operation_id(&answer).as_deref(), Some(OP));

    let ops = Server::scripted([
        op(json!({"status": "RUNNING", "suggestedPollingIntervalSeconds": 0})),
        op(json!({"status": "FAILED", "result": {"message": "key already claimed"}})),
    ]);
    let op = client(ops.base_url())
        .wait_subscription_operation(tenant(), OP)
        .await
        .unwrap();
    assert_eq!(op.status, OperationStatus::Failed);
    assert_eq!(op.detail.as_deref(), Some("key already claimed"));
    assert_eq!(
        ops.count("GET", &format!("/subscriptions/v1/async-operations/{OP}")),
        2
    );
}

#[tokio::test]
async fn refusals_are_errors_in_the_server_s_words_and_sent_once() {
    let refusals = [
        (400, "Parameter key is empty."),
        (409, "Subscription key already added to a workspace"),
        (422, "Unprocessable Content"),
    ];
    let call = async |base: String| {
        let c = client(&base);
        c.add_subscriptions(tenant(), &[&key("BAASOAAg95")]).await
    };
    for (status, err) in refused_once((POST, SUBS), &refusals, GLP_ERROR, call).await {
        assert_eq!(err.status(), Some(status));
        assert!(!err.to_string().contains("BAASOAAg95"), "{err}");
    }
}

#[tokio::test]
async fn a_429_is_waited_through_in_the_workspace_s_pacer_and_a_lost_answer_is_never_resent() {
    let limited =
        || Reply::json(429, glp_error(429, "Too Many Requests")).header("retry-after", "1");
    let server = Server::scripted([limited(), accepted()]);
    let c = client(server.base_url());
    let answer = c
        .add_subscriptions(tenant(), &[&key("BAASOAAg95")])
        .await
        .unwrap();
    assert_eq!(subscription_operation_id(&answer).as_deref(), Some(OP));
    assert_eq!(server.count("POST", SUBS), 2);
    let base = glp_auth::BaseUrl::parse(server.base_url()).unwrap();
    let url = base.as_url();
    let transport = c.api_client().transport();
    let pacer = transport.write_pacer(Api::GreenLake, url, SUBSCRIPTIONS_POST_PATH, &tenant());
    assert_eq!(
        pacer.answers().rate_limited,
        1,
        "the tenant's own write budget"
    );
    let msp = transport.write_pacer(Api::GreenLake, url, SUBSCRIPTIONS_POST_PATH, &Scope::Msp);
    assert_eq!(
        msp.answers().requests,
        0,
        "another workspace's is untouched"
    );

    let losses = [
        Reply::json(500, glp_error(500, "Internal Server Error")),
        Reply::json(503, glp_error(503, "Service Unavailable")),
        accepted().cut_off(),
    ];
    let call = async |base: String| {
        let c = client(&base);
        c.add_subscriptions(Scope::Msp, &[&key("BAASOAAg95")]).await
    };
    for err in sent_once_when_lost(("POST", SUBS), losses, call).await {
        assert_eq!(err.kind(), "outcome_unknown", "{err}");
    }
}

#[tokio::test]
async fn bad_requests_are_refused_before_sending_and_keys_are_read_back() {
    let server = Server::scripted([]);
    let c = client(server.base_url());
    let six: Vec<SubscriptionKey> = (0..=MAX_KEYS_PER_POST)
        .map(|i| key(&format!("KEY{i}")))
        .collect();
    let six: Vec<&SubscriptionKey> = six.iter().collect();
    let k = key("BAASOAAg95");
    let lower = key("baasoaag95");
    for keys in [&[][..], &six[..], &[&k, &lower][..]] {
        let err = c.add_subscriptions(Scope::Msp, keys).await.unwrap_err();
        assert_eq!(err.kind(), "invalid_request", "{err}");
    }
    assert!(server.requests().is_empty());

    let listing = Server::scripted([Reply::json(
        200,
        json!({"offset": 0, "count": 3, "total": 3, "items": [
            {"id": "s1", "type": "subscriptions/subscription", "key": " BAASOAAg95 "},
            {"id": "s2", "type": "subscriptions/subscription"},
            {"id": "s3", "type": "subscriptions/subscription", "key": "KEY-2x"}]}),
    )]);
    let keys = client(listing.base_url())
        .subscription_keys(tenant())
        .await
        .unwrap();
    assert_eq!(keys, ["BAASOAAg95", "KEY-2x"]);
}
