//! Contract of a tenant's notification rules: the exact requests (the tenant token, the
//! `notificationRuleInput` wrapper, a merge patch for an update), the listing paged by offset,
//! the server's refusals in its own words (400, 409, 422; 404 to a delete of a rule already
//! gone), a 429 waited through, and a write
//! whose answer is lost, never sent twice.
#![allow(clippy::unwrap_used)]

mod support;

use central_api::{Destination, RuleDestination, RuleSpec};
use futures::TryStreamExt as _;
use glp_transport::ApiError;
use httpmock::prelude::*;
use serde_json::{Map, Value, json};
use support::{TENANT_TOKEN, client, retrying_client, tenant};
use test_support::lost::sent_once_when_lost;
use test_support::mock::{answered_once, hpe_error, refused_once};
use test_support::sent::{json_body, only_request};
use test_support::{Reply, Server};

const PATH: &str = "/network-notifications/v1/notification-rules";

fn noc() -> RuleSpec {
    RuleSpec {
        enabled: Some(true),
        destination: Some(RuleDestination {
            email: Some(Destination {
                enabled: true,
                email_ids: Some(vec!["noc@msp.example".into()]),
                ..Destination::default()
            }),
            ..RuleDestination::default()
        }),
        ..RuleSpec::named("NOC critical")
    }
}

fn rule(id: &str, name: &str) -> Value {
    json!({"id": id, "type": "network-notifications/notification-rule", "name": name,
           "enabled": true})
}

/// The `errorCode` of the errors the tests answer.
const RULES_ERROR: &str = "HPE_GL_NETWORK_NOTIFICATIONS_X";

fn error(status: u16, message: &str) -> Value {
    hpe_error(status, RULES_ERROR, message)
}

#[tokio::test]
async fn create_posts_the_input_with_the_tenant_token() {
    let created =
        Reply::json(201, rule("r-1", "NOC critical")).header("location", format!("{PATH}/r-1"));
    let server = Server::scripted([created]);
    let made = client(server.base_url())
        .tenant(tenant())
        .create_notification_rule(&noc())
        .await
        .unwrap();
    let post = only_request(&server, "POST", PATH);
    assert_eq!(post.bearer(), Some(TENANT_TOKEN));
    assert_eq!(post.header("content-type"), Some("application/json"));
    assert_eq!(
        json_body(&post),
        json!({"notificationRuleInput": {
            "name": "NOC critical", "enabled": true,
            "destination": {"email": {"enabled": true, "emailIds": ["noc@msp.example"]}}
        }})
    );
    assert_eq!(
        (made.id.as_str(), made.name.as_str()),
        ("r-1", "NOC critical")
    );
    assert_eq!(made.fields["enabled"], true);
}

#[tokio::test]
async fn update_sends_a_merge_patch_and_delete_deletes_the_rule() {
    let server = Server::start();
    let one = format!("{PATH}/r-1");
    server.on(
        "PATCH",
        &one,
        [Reply::json(200, rule("r-1", "NOC critical"))],
    );
    let t = client(server.base_url()).tenant(tenant());
    let mut fields = Map::new();
    fields.insert("description".into(), json!("to the NOC"));
    assert_eq!(
        t.update_notification_rule("r-1", &fields).await.unwrap().id,
        "r-1"
    );
    let patch = only_request(&server, "PATCH", &one);
    assert_eq!(patch.bearer(), Some(TENANT_TOKEN));
    let merge_patch = Some("application/merge-patch+json");
    assert_eq!(patch.header("content-type"), merge_patch);
    let input = json!({"notificationRuleInput": {"description": "to the NOC"}});
    assert_eq!(json_body(&patch), input);
    server.on("DELETE", &one, [Reply::new(204)]);
    t.delete_notification_rule("r-1").await.unwrap();
    assert_eq!(server.count("DELETE", &one), 1);
    // Nothing is sent for a rename or a path that is not an id.
    fields.insert("name".into(), json!("other"));
    let err = t
        .update_notification_rule("r-1", &fields)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "invalid_request");
    let err = t.delete_notification_rule("../alerts").await.unwrap_err();
    assert_eq!(err.kind(), "invalid_request");
    assert_eq!(
        server.requests().len(),
        2,
        "only the update and the delete were sent"
    );
}

#[tokio::test]
async fn the_listing_is_paged_by_offset_twenty_at_most_and_one_rule_is_read_whole() {
    let server = Server::start();
    server.on(
        "GET",
        PATH,
        [
            Reply::json(
                200,
                json!({"items": [rule("r-1", "A"), rule("r-2", "B")], "count": 2, "total": 3,
                    "offset": 2}),
            ),
            Reply::json(
                200,
                json!({"items": [rule("r-3", "C")], "count": 1, "total": 3, "offset": null}),
            ),
        ],
    );
    let whole = json!({
        "id": "r-3", "type": "network-notifications/notification-rule", "name": "C",
        "source": {"alerts": {"enabled": true, "alertNames": ["AP Down"]}}});
    let one = format!("{PATH}/r-3");
    server.on("GET", &one, [Reply::json(200, whole)]);
    let t = client(server.base_url()).tenant(tenant());
    let rules: Vec<_> = t.notification_rules().stream().try_collect().await.unwrap();
    let names: Vec<&str> = rules.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["A", "B", "C"]);
    let pages: Vec<_> = server
        .requests_to("GET", PATH)
        .iter()
        .map(|r| {
            let query = r.query_pairs();
            (query["limit"].clone(), query["offset"].clone())
        })
        .collect();
    assert_eq!(
        pages,
        [("20".into(), "0".into()), ("20".into(), "2".into())]
    );
    let c = t.notification_rule("r-3").await.unwrap();
    assert_eq!(server.count("GET", &one), 1);
    assert_eq!(
        c.fields["source"]["alerts"]["alertNames"],
        json!(["AP Down"])
    );
}

#[tokio::test]
async fn refusals_keep_the_servers_words_and_are_sent_once() {
    let refusals = [
        (400, "'name' is required"),
        (409, "Conflict. The resource already exists"),
        (422, "at least one destination must be enabled"),
    ];
    let call = async |base: String| {
        let t = retrying_client(&base).tenant(tenant());
        t.create_notification_rule(&noc()).await
    };
    for (status, err) in refused_once((POST, PATH), &refusals, RULES_ERROR, call).await {
        assert!(matches!(err, ApiError::Http { .. }), "{err:?}");
        assert_eq!(err.status(), Some(status));
    }
}

#[tokio::test]
async fn a_delete_of_a_rule_already_gone_is_a_404_sent_once_and_its_read_a_404_too() {
    // The spec's answers to DELETE .../{id}: 204, or 404 when there is no such rule (deleted
    // by someone else first). The client reports the 404 as the server's; the apply re-reads
    // the rule (404 again: gone) and counts the deletion done.
    let path = format!("{PATH}/r-9");
    let gone = error(404, "Notification rule not found");
    let err = answered_once(DELETE, &path, (404, gone.clone()), |base| async move {
        let t = retrying_client(&base).tenant(tenant());
        t.delete_notification_rule("r-9").await
    })
    .await
    .unwrap_err();
    assert!(matches!(err, ApiError::Http { .. }), "{err:?}");
    assert_eq!(err.status(), Some(404));
    assert!(
        err.to_string().contains("Notification rule not found"),
        "{err}"
    );
    let err = answered_once(GET, &path, (404, gone), |base| async move {
        let t = retrying_client(&base).tenant(tenant());
        t.notification_rule("r-9").await
    })
    .await
    .unwrap_err();
    assert_eq!(err.status(), Some(404), "{err:?}");
}

#[tokio::test]
async fn a_spec_out_of_bounds_is_refused_before_sending() {
    let server = MockServer::start_async().await;
    let t = client(&server.base_url()).tenant(tenant());
    for spec in [
        RuleSpec::named("no destination"),
        RuleSpec {
            name: "x".repeat(129),
            ..noc()
        },
        RuleSpec {
            source_types: Some(vec!["AUDIT".into()]),
            ..noc()
        },
    ] {
        let err = t.create_notification_rule(&spec).await.unwrap_err();
        assert_eq!(err.kind(), "invalid_request", "{spec:?}");
    }
}

#[tokio::test]
async fn a_429_is_waited_through_and_the_create_then_sent() {
    let limited = || Reply::json(429, error(429, "Too many requests")).header("retry-after", "0");
    let server = Server::scripted([
        limited(),
        limited(),
        Reply::json(201, rule("r-9", "NOC critical")),
    ]);
    let made = retrying_client(server.base_url())
        .tenant(tenant())
        .create_notification_rule(&noc())
        .await
        .unwrap();
    assert_eq!(made.id, "r-9");
    assert_eq!(server.count("POST", PATH), 3);
}

#[tokio::test]
async fn a_lost_answer_is_outcome_unknown_and_never_sent_twice() {
    let losses = || {
        [
            Reply::json(500, error(500, "Internal server error")),
            Reply::raw(503, "text/plain", "upstream connect error"),
            Reply::json(201, rule("r-1", "NOC critical")).cut_off(),
        ]
    };
    let create = async |base: String| {
        let t = retrying_client(&base).tenant(tenant());
        t.create_notification_rule(&noc()).await
    };
    for err in sent_once_when_lost(("POST", PATH), losses(), create).await {
        assert!(matches!(err, ApiError::OutcomeUnknown { .. }), "{err:?}");
    }
    let delete = async |base: String| {
        let t = retrying_client(&base).tenant(tenant());
        t.delete_notification_rule("r-1").await
    };
    let path = format!("{PATH}/r-1");
    for err in sent_once_when_lost(("DELETE", &path), losses(), delete).await {
        assert_eq!(err.kind(), "outcome_unknown", "{err}");
    }
}
