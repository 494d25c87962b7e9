//! Contract of the msp-tenants writes: the exact requests, the server's refusals in its own
//! words (400, 409, 412), a 429 waited through, and a write whose answer is lost after it may
//! have taken effect, which is never sent twice.
#![allow(clippy::unwrap_used)]

mod support;

use glp_auth::WorkspaceId;
use glp_transport::ApiError;
use glp_workspaces::{Address, TenantSpec};
use httpmock::prelude::*;
use serde_json::json;
use support::{GLP_ERROR, PATH, TOKEN, client, glp_error, tenant_id};
use test_support::lost::sent_once_when_lost;
use test_support::mock::refused_once;
use test_support::{Reply, Server};

fn acme() -> TenantSpec {
    TenantSpec {
        description: Some("Retail, 40 sites".into()),
        address: Some(Address {
            country_code: "US".into(),
            city: Some("Austin".into()),
            ..Address::default()
        }),
        ..TenantSpec::named("Acme Corp")
    }
}

#[tokio::test]
async fn create_posts_the_spec_as_json_with_the_msp_token() {
    let server = MockServer::start_async().await;
    let id = tenant_id(7);
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(PATH)
                .header("authorization", format!("Bearer {TOKEN}"))
                .header("content-type", "application/json")
                .json_body(
                    json!({"workspaceName": "Acme Corp", "description": "Retail, 40 sites",
                    "address": {"countryCode": "US", "city": "Austin"}}),
                );
            then.status(201)
                .header("location", format!("/workspaces/v1/workspaces/{id}"))
                .json_body(json!({"message": "Tenant created"}));
        })
        .await;
    let answer = client(&server.base_url())
        .create_tenant(&acme())
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(answer.status, 201);
    assert_eq!(answer.message.as_deref(), Some("Tenant created"));
    assert_eq!(answer.location_id(), Some(WorkspaceId::parse(&id).unwrap()));
}

#[tokio::test]
async fn update_puts_and_delete_deletes_the_tenant_path() {
    let server = MockServer::start_async().await;
    let id = WorkspaceId::parse(&tenant_id(3)).unwrap();
    let path = format!("{PATH}/{}", id.hyphenated());
    let put = server
        .mock_async(|when, then| {
            when.method(PUT)
                .path(path.clone())
                .json_body(json!({"workspaceName": "Acme Corp", "description": "41 sites"}));
            then.status(200).json_body(json!({"message": "updated"}));
        })
        .await;
    let delete = server
        .mock_async(|when, then| {
            when.method(DELETE).path(path.clone());
            then.status(204);
        })
        .await;
    let c = client(&server.base_url());
    let spec = TenantSpec {
        description: Some("41 sites".into()),
        ..TenantSpec::named("Acme Corp")
    };
    assert_eq!(c.update_tenant(id, &spec).await.unwrap().status, 200);
    let gone = c.delete_tenant(id).await.unwrap();
    assert_eq!((gone.status, gone.message), (204, None));
    put.assert_async().await;
    delete.assert_async().await;
}

#[tokio::test]
async fn refusals_keep_the_servers_words_and_are_sent_once() {
    let refusals = [
        (400, "'workspaceName' is required"),
        (409, "A workspace named 'Acme Corp' already exists"),
        (412, "The workspace still holds 3 devices"),
        (422, "value is not a valid email address"),
    ];
    let call = async |base: String| client(&base).create_tenant(&acme()).await;
    for (status, err) in refused_once((POST, PATH), &refusals, GLP_ERROR, call).await {
        assert!(matches!(err, ApiError::Http { .. }), "{err:?}");
        assert_eq!(err.status(), Some(status));
    }
}

#[tokio::test]
async fn a_spec_out_of_bounds_is_refused_before_sending() {
    let server = MockServer::start_async().await;
    let c = client(&server.base_url());
    for spec in [
        TenantSpec::named("  "),
        TenantSpec::named("x".repeat(257)),
        TenantSpec::named("Bell\u{7}"),
        TenantSpec {
            inventory_ownership: Some("MINE".into()),
            ..TenantSpec::named("A")
        },
        TenantSpec {
            address: Some(Address {
                country_code: "usa".into(),
                ..Address::default()
            }),
            ..TenantSpec::named("A")
        },
    ] {
        let err = c.create_tenant(&spec).await.unwrap_err();
        assert_eq!(err.kind(), "invalid_request", "{spec:?}");
    }
}

#[tokio::test]
async fn a_429_is_refused_without_effect_so_it_is_waited_through_without_using_attempts() {
    // Three 429s and then the creation: the client's policy allows 3 attempts, and 429s use
    // none.
    let limited =
        || Reply::json(429, glp_error(429, "Too many requests")).header("retry-after", "0");
    let server = Server::scripted([
        limited(),
        limited(),
        limited(),
        Reply::json(201, json!({"message": "created"})),
    ]);
    let answer = client(server.base_url())
        .create_tenant(&acme())
        .await
        .unwrap();
    assert_eq!(answer.status, 201);
    assert_eq!(server.count("POST", PATH), 4);
}

#[tokio::test]
async fn a_429_asking_for_more_than_the_budget_fails_at_once() {
    let server = Server::scripted([
        Reply::json(429, glp_error(429, "Too many requests")).header("retry-after", "3600")
    ]);
    let err = client(server.base_url())
        .create_tenant(&acme())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "wait_too_long", "{err}");
    assert_eq!(server.count("POST", PATH), 1);
}

#[tokio::test]
async fn a_lost_answer_is_outcome_unknown_and_never_sent_twice() {
    // A 5xx after the server acted, a gateway's page, a connection closed mid-answer: each one
    // POST, each an unknown outcome, never a refusal.
    let losses = [
        Reply::json(500, glp_error(500, "Internal server error")),
        Reply::raw(502, "text/html", "<html>Bad Gateway</html>"),
        Reply::json(201, json!({"message": "created"})).cut_off(),
    ];
    let call = async |base: String| client(&base).create_tenant(&acme()).await;
    for err in sent_once_when_lost(("POST", PATH), losses, call).await {
        assert_eq!(err.kind(), "outcome_unknown", "{err}");
        assert!(matches!(err, ApiError::OutcomeUnknown { .. }));
        assert!(
            err.to_string().contains("may or may not have taken effect"),
            "{err}"
        );
    }
}

#[tokio::test]
async fn against_the_simulator_a_write_failed_after_apply_took_effect_once() {
    use platform_sim::{SimConfig, Simulator};
    let sim = Simulator::start(SimConfig {
        tenants: 2,
        write_fault_after_apply: 1.0,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let c = support::sim_client(
        &sim,
        glp_auth::AuthOptions::default(),
        glp_auth::RetryPolicy::with_max_attempts(3),
    );
    let err = c.create_tenant(&acme()).await.unwrap_err();
    assert_eq!(err.kind(), "outcome_unknown", "{err}");
    let made: Vec<_> = sim
        .truth()
        .workspaces
        .into_iter()
        .filter(|w| w.workspace_name == "Acme Corp")
        .collect();
    assert_eq!(made.len(), 1);
    assert_eq!(sim.stats().failed_after_apply, 1);
    let found = c.find_tenants_by_name("Acme Corp").await.unwrap();
    assert_eq!(found.len(), 1, "a re-read sees it");
    assert_eq!(found[0].extra["description"], "Retail, 40 sites");
}

#[tokio::test]
async fn a_write_that_could_not_connect_never_left_so_it_is_tried_again() {
    // A port nobody listens on: every attempt is refused before anything is sent.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let err = client(&format!("http://127.0.0.1:{port}"))
        .create_tenant(&acme())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "transport", "{err}");
}
