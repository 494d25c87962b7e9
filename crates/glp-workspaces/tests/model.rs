//! The `Tenant` model: decoding a realistic msp-tenants page (insta snapshot of the typed
//! fields and the kept unknown ones), unknown fields surviving a round trip, only `id` and
//! `workspaceName` required, and ids accepted with or without hyphens.
#![allow(clippy::unwrap_used)]

mod support;

use glp_transport::ApiError;
use glp_workspaces::{Tenant, TenantPage, WorkspacesClient};
use serde_json::{Value, json};
use support::{PATH, always, client};
use test_support::{Reply, Server};

const FIXTURE: &str = include_str!("fixtures/msp_tenants_page.json");

/// The fixture's tenants, decoded by the client from a real HTTP answer.
async fn fixture_tenants() -> Vec<Tenant> {
    let server = always(PATH, Reply::raw(200, "application/json", FIXTURE));
    let c: WorkspacesClient = client(server.base_url());
    c.msp_tenants().page().await.unwrap().items
}

#[tokio::test]
async fn a_realistic_page_decodes() {
    let tenants = fixture_tenants().await;
    assert_eq!(tenants.len(), 3);
    insta::assert_debug_snapshot!(tenants);
}

#[tokio::test]
async fn typed_fields_and_unknown_ones() {
    let tenants = fixture_tenants().await;
    let acme = &tenants[0];
    assert_eq!(acme.workspace_name, "Acme Retail GmbH");
    assert_eq!(acme.tenant_type.as_deref(), Some("TENANT"));
    assert_eq!(acme.generation, Some(4));
    assert_eq!(acme.created_at.as_deref(), Some("2024-11-05T14:22:31.482Z"));
    assert_eq!(
        acme.inventory_ownership.as_deref(),
        Some("MSP_OWNED_INVENTORY")
    );
    assert_eq!(acme.extra["tags"]["tier"], "gold");
    assert_eq!(acme.extra.len(), 2, "{:?}", acme.extra);
    // An id sent without hyphens and in upper case is the same workspace id.
    assert_eq!(
        tenants[1].id.to_string(),
        "8f0e2d4c-6b8a-40e2-a4c6-e8f0a2b4c6d8"
    );
    // Nulls and missing fields are `None`; a value not known today is kept as sent.
    let northwind = &tenants[2];
    assert_eq!(northwind.tenant_type, None);
    assert_eq!(northwind.generation, None);
    assert_eq!(northwind.created_by, None);
    assert_eq!(
        northwind.inventory_ownership.as_deref(),
        Some("SOMETHING_NEW_INVENTORY")
    );
    assert_eq!(northwind.extra["entitlements"][0]["seats"], 250);
}

#[test]
fn unknown_fields_survive_a_round_trip() {
    let original = json!({
        "id": "3c1a7f52-9d4e-4b8a-a1f0-6e2d9c8b7a61",
        "type": "TENANT",
        "generation": 2,
        "createdAt": "2024-11-05T14:22:31.482Z",
        "updatedAt": "2025-06-18T08:03:12.000Z",
        "workspaceName": "Acme",
        "createdBy": "jane@msp.example",
        "resourceUri": "/workspaces/v1/msp-tenants/3c1a7f52-9d4e-4b8a-a1f0-6e2d9c8b7a61",
        "inventoryOwnership": "MSP_OWNED_INVENTORY",
        "futureField": {"nested": [1, 2, {"deep": true}]},
        "anotherOne": "x"
    });
    let tenant: Tenant = serde_json::from_value(original.clone()).unwrap();
    assert_eq!(tenant.extra.len(), 2);
    let back: Value = serde_json::to_value(&tenant).unwrap();
    assert_eq!(back, original);
}

#[test]
fn only_id_and_name_are_required() {
    let minimal: Tenant = serde_json::from_value(json!({
        "id": "a7b6c5d4e3f24a1b8c9d0e1f2a3b4c5d",
        "workspaceName": "Minimal"
    }))
    .unwrap();
    assert_eq!(minimal.workspace_name, "Minimal");
    assert!(minimal.extra.is_empty());
    // Serializing writes camelCase, the id hyphenated, and leaves absent fields out.
    assert_eq!(
        serde_json::to_value(&minimal).unwrap(),
        json!({"id": "a7b6c5d4-e3f2-4a1b-8c9d-0e1f2a3b4c5d", "workspaceName": "Minimal"})
    );
    for missing in [
        json!({"workspaceName": "No id"}),
        json!({"id": "a7b6c5d4e3f24a1b8c9d0e1f2a3b4c5d"}),
    ] {
        assert!(serde_json::from_value::<Tenant>(missing).is_err());
    }
    assert!(
        serde_json::from_value::<Tenant>(json!({"id": "not-a-uuid", "workspaceName": "x"}))
            .is_err()
    );
}

/// The first msp-tenants page from a server answering every request with a page of one
/// tenant whose `items` are `items`; the server, to count the requests.
async fn one_page_of(items: Value) -> (Result<TenantPage, ApiError>, Server) {
    let server = always(
        PATH,
        json!({"offset": 0, "count": 1, "total": 1, "items": items}),
    );
    let page = client(server.base_url()).msp_tenants().page().await;
    (page, server)
}

#[tokio::test]
async fn an_entry_with_an_invalid_id_is_kept_aside_with_the_reason() {
    let broken = json!([{"id": "not-a-uuid", "workspaceName": "Broken"}]);
    let (page, _) = one_page_of(broken).await;
    let page = page.unwrap();
    assert!(page.items.is_empty());
    assert_eq!(page.invalid.len(), 1);
    assert!(
        page.invalid[0].reason.contains("invalid workspace id"),
        "{:?}",
        page.invalid
    );
    assert!(page.is_last());
}

/// The envelope itself not decoding is still a decode error of the page.
#[tokio::test]
async fn a_page_that_does_not_decode_is_a_decode_error_not_retried() {
    // `items` an object, not a list.
    let (page, server) = one_page_of(json!({"id": "not-a-uuid", "workspaceName": "Broken"})).await;
    let err = page.unwrap_err();
    assert_eq!(err.kind(), "decode");
    assert!(!err.is_transient());
    assert_eq!(server.requests().len(), 1, "not retried");
}
