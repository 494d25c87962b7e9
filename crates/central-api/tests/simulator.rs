//! Stateful tests against `platform-sim`, with real tokens (`msp_provider` on the simulator's
//! credentials: MSP token by client credentials, tenant tokens by RFC 8693 exchange): every
//! resource of every tenant is walked page by page (short pages, cursors as numbers and as
//! numeric strings, as HPE's examples show them per list) and compared with the simulator's ground truth, record for record;
//! list-tenants streams every tenant; and the MSP token on a tenant endpoint gets 403 with the
//! tenant-token hint.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use central_api::{CentralClient, ListRequest, Resource};
use futures::TryStreamExt;
use glp_auth::hints::FORBIDDEN_HINT;
use glp_auth::{
    AuthOptions, BaseUrl, Credentials, Scope, SecretString, StaticTokenProvider, TokenProvider,
    WorkspaceId, msp_provider,
};
use glp_transport::{Api, ApiClient};
use platform_sim::{CentralDialect, SimConfig, Simulator, TenantTruth};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A small world whose Central pages hold at most 40 items, whatever `limit` asks, so that every
/// list of the bigger tenants spans several short pages; its secret needs form-encoding, so every
/// test here also proves the client encodes it.
async fn start() -> Simulator {
    Simulator::start(SimConfig {
        tenants: 6,
        max_devices: 600,
        central_page_cap: Some(40),
        hostile_secret: true,
        ..SimConfig::default()
    })
    .await
    .unwrap()
}

/// The simulator's MSP credentials, pointed at the simulator.
/// The tenant of `sim` with the most records of `resource`.
fn largest_by(sim: &Simulator, resource: &str) -> TenantTruth {
    let tenants = sim.truth().tenants.into_iter();
    tenants.max_by_key(|t| t.counts[resource]).unwrap()
}

/// The records of the tenant `workspace_id` of `sim`, by resource.
fn records_of(sim: &Simulator, workspace_id: &str) -> BTreeMap<String, Vec<Value>> {
    let mut truth = sim.tenant_truth(workspace_id).unwrap();
    truth.tenants.remove(0).records.unwrap()
}

/// Every item of `request`, which must all come.
async fn all<T: DeserializeOwned + Send + 'static>(request: ListRequest<T>) -> Vec<T> {
    request.stream().try_collect().await.unwrap()
}

fn credentials(sim: &Simulator) -> Credentials {
    let demo = sim.credentials();
    Credentials::new(
        demo.client_id,
        SecretString::from(demo.client_secret),
        demo.workspace_id.parse().unwrap(),
    )
    .with_base_url(BaseUrl::parse(&sim.base_url()).unwrap())
}

/// The real provider stack on the simulator's own credential.
fn real_provider(sim: &Simulator) -> Arc<dyn TokenProvider> {
    msp_provider(credentials(sim), AuthOptions::default()).unwrap()
}

/// A Central client of the simulator with the real provider stack.
fn real_central(sim: &Simulator) -> CentralClient {
    central(sim, real_provider(sim))
}

/// A Central client of the simulator, unpaced, taking tokens from `provider`.
fn central(sim: &Simulator, provider: Arc<dyn TokenProvider>) -> CentralClient {
    let base = BaseUrl::parse(&sim.base_url()).unwrap();
    CentralClient::new(
        ApiClient::builder(Api::Central, base, provider)
            .no_rate_limit()
            .build()
            .unwrap(),
    )
}

#[tokio::test]
async fn every_resource_of_every_tenant_matches_the_truth() {
    let sim = start().await;
    let central = real_central(&sim);
    let truth = sim.truth();
    assert_eq!(truth.tenants.len(), 6);
    let mut multi_page = 0;
    for listed in &truth.tenants {
        let id: WorkspaceId = listed.workspace_id.parse().unwrap();
        let tenant = central.tenant(id);
        let records = records_of(&sim, &listed.workspace_id);
        for &resource in Resource::all() {
            let expected = &records[resource.name()];
            // Raw items: exactly as served, in order, none twice, none missing.
            let got: Vec<Value> = tenant
                .resource(resource)
                .stream()
                .try_collect()
                .await
                .unwrap_or_else(|e| panic!("{} {resource}: {e}", listed.name));
            assert_eq!(&got, expected, "{} {resource}", listed.name);
            assert_eq!(
                got.len() as u64,
                listed.counts[resource.name()],
                "{} {resource}",
                listed.name
            );
            if got.len() > 40 {
                multi_page += 1;
            }
        }
        // Typed: the same records, keyed the same way.
        let serials = |items: &[Value]| -> Vec<String> {
            items
                .iter()
                .map(|i| i["serialNumber"].as_str().unwrap().to_owned())
                .collect()
        };
        let inventory: Vec<_> = all(tenant.device_inventory().limit(97)).await;
        let typed: Vec<String> = inventory
            .iter()
            .map(|d| d.common.serial_number.clone().unwrap())
            .collect();
        assert_eq!(
            typed,
            serials(&records["device-inventory"]),
            "{}",
            listed.name
        );
        let aps: Vec<_> = all(tenant.aps()).await;
        let typed: Vec<String> = aps
            .iter()
            .map(|a| a.common.serial_number.clone().unwrap())
            .collect();
        assert_eq!(typed, serials(&records["aps"]), "{}", listed.name);
        let switches: Vec<_> = all(tenant.switches()).await;
        assert_eq!(switches.len(), records["switches"].len());
        let gateways: Vec<_> = all(tenant.gateways()).await;
        assert_eq!(gateways.len(), records["gateways"].len());
        let devices: Vec<_> = all(tenant.devices()).await;
        assert_eq!(devices.len(), records["devices"].len());
        let clients: Vec<_> = all(tenant.clients()).await;
        let macs: Vec<&str> = clients
            .iter()
            .map(|c| c.hardware_address().unwrap())
            .collect();
        let want: Vec<&str> = records["clients"]
            .iter()
            .map(|c| c["macAddress"].as_str().or(c["mac"].as_str()).unwrap())
            .collect();
        assert_eq!(macs, want, "{}", listed.name);
        // sites-health is paged by offset: a limit of 7 under the page cap of 40.
        let sites: Vec<_> = all(tenant.sites_health().limit(7)).await;
        let keys: Vec<&str> = sites.iter().map(|s| s.key().unwrap()).collect();
        let want: Vec<&str> = records["sites-health"]
            .iter()
            .map(|s| s["siteId"].as_str().or(s["id"].as_str()).unwrap())
            .collect();
        let devices: u64 = sites.iter().map(|s| s.device_count().unwrap()).sum();
        assert_eq!(devices, listed.counts["devices"], "{}", listed.name);
        assert_eq!(keys, want, "{}", listed.name);
        // Unknown fields survive typing.
        if let Some(first) = inventory.first() {
            assert!(first.extra.contains_key("x-sim-extra"), "{first:?}");
        }
    }
    assert!(
        multi_page > 0,
        "no list spanned several pages: the test proves less than it says"
    );
}

#[tokio::test]
async fn list_tenants_streams_every_tenant() {
    let sim = start().await;
    let central = real_central(&sim);
    let truth = sim.truth();
    let listed: Vec<_> = all(central.list_tenants().limit(4)).await;
    assert_eq!(listed.len(), truth.tenant_count);
    let names: BTreeSet<&str> = listed.iter().map(|t| t.tenant_name.as_str()).collect();
    let want: BTreeSet<&str> = truth.tenants.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, want);
    let ids: BTreeSet<&str> = listed.iter().map(|t| t.tenant_id.as_str()).collect();
    let want: BTreeSet<&str> = truth
        .tenants
        .iter()
        .map(|t| t.central_tenant_id.as_str())
        .collect();
    assert_eq!(ids, want);
    // Central's tenant id is not the workspace id: resolve by name, never by id.
    for t in &truth.tenants {
        let compact = t.workspace_id.replace('-', "");
        assert!(!ids.contains(compact.as_str()) && !ids.contains(t.workspace_id.as_str()));
    }
}

/// Central's 429s in both dialects, with and without the informational headers: new Central
/// (GreenLake-shaped body, `X-RateLimit-*`, no `Retry-After`; without headers only
/// `X-RateLimit-Reset` on the 429) and classic Central (`Retry-After`, `-second` headers). The
/// client reads every list whole, never comes back before it was told to, and counts the 429s.
#[tokio::test]
async fn central_429s_of_both_dialects_are_waited_out() {
    for (dialect, rate_headers) in [
        (CentralDialect::New, false),
        (CentralDialect::New, true),
        (CentralDialect::Classic, false),
        (CentralDialect::Classic, true),
    ] {
        let sim = Simulator::start(SimConfig {
            tenants: 3,
            max_devices: 120,
            central_page_cap: Some(15),
            central_rps: Some(4.0),
            central_dialect: dialect,
            rate_headers,
            ..SimConfig::default()
        })
        .await
        .unwrap();
        let central = real_central(&sim);
        let big = largest_by(&sim, "device-inventory");
        let records = records_of(&sim, &big.workspace_id);
        let got: Vec<Value> = central
            .tenant(big.workspace_id.parse().unwrap())
            .resource(Resource::DeviceInventory)
            .stream()
            .try_collect()
            .await
            .unwrap_or_else(|e| panic!("{dialect} headers={rate_headers}: {e}"));
        assert_eq!(got, records["device-inventory"], "{dialect} {rate_headers}");
        let stats = sim.stats();
        assert_eq!(stats.early_requests, 0, "{dialect} {rate_headers}");
        assert_eq!(
            central.api_client().totals().rate_limited,
            stats.rate_limited,
            "{dialect} {rate_headers}"
        );
        if !rate_headers {
            // Nothing announces the budget: 429s are how the client learns it.
            assert!(stats.rate_limited > 0, "{dialect}: no 429 was provoked");
        }
    }
}

/// HPE's specs type `next` as a string (the simulator serves strings since issue 21; numbers
/// are read too, see `spec_shapes.rs`); the client sends it back as it came (the second page is
/// found either way).
#[tokio::test]
async fn cursors_come_as_strings_and_numbers_and_go_back_as_received() {
    let sim = start().await;
    let central = real_central(&sim);
    let big = largest_by(&sim, "clients");
    assert!(big.counts["clients"] > 40 && big.counts["aps"] > 40);
    let tenant = central.tenant(big.workspace_id.parse().unwrap());
    for (resource, string) in [
        (Resource::Aps, true),
        (Resource::DeviceInventory, true),
        (Resource::Clients, true),
    ] {
        let list = tenant.resource(resource);
        let first = list.page(None).await.unwrap();
        let next = first.next.clone().unwrap();
        assert_eq!(
            matches!(next, central_api::Cursor::Text(_)),
            string,
            "{resource}: {next:?}"
        );
        let second = list.page(Some(&next)).await.unwrap();
        assert_ne!(first.items.first(), second.items.first(), "{resource}");
        assert_eq!(
            serde_json::to_value(&second.next).unwrap().is_string(),
            string && second.next.is_some(),
            "{resource}"
        );
    }
}

/// The live gateway answers list-tenants with 400 when `next` is missing, and so does the
/// simulator: every form the client sends (first page, the one-item probe, a resumed listing)
/// carries it.
#[tokio::test]
async fn list_tenants_always_sends_next_which_the_gateway_requires() {
    let sim = start().await;
    let central = real_central(&sim);
    // Without `next` the simulator refuses, as the live gateway does.
    let bare = central
        .api_client()
        .get_json::<Value>(
            &Scope::Msp,
            "network-msp/v1/list-tenants",
            &[("limit", "1".to_owned())],
        )
        .await
        .unwrap_err();
    match &bare {
        glp_transport::ApiError::Http { status, body, .. } => {
            assert_eq!(*status, 400);
            match body.as_ref() {
                glp_transport::ErrorBody::Glp(glp) => {
                    assert!(glp.issues()[0].contains("next"), "{glp}")
                }
                other => panic!("not a GreenLake body: {other:?}"),
            }
        }
        other => panic!("not a 400: {other}"),
    }
    // The probe the orchestrator makes before a run, and a listing resumed at page 2.
    let probe = central.list_tenants().limit(1).page(None).await.unwrap();
    assert_eq!(probe.items.len(), 1);
    assert_eq!(probe.next, Some(central_api::Cursor::Text("2".into())));
    let resumed: Vec<_> = central
        .list_tenants()
        .limit(1)
        .start_at(central_api::Cursor::Number(2))
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(resumed.len(), sim.truth().tenant_count - 1);
    // Paging list-tenants by offset would drop `next`: refused before anything is sent.
    let refused = central
        .list_tenants()
        .paging(central_api::Paging::Offset)
        .page(None)
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, glp_transport::ApiError::InvalidRequest(why) if why.contains("`next`")),
        "{refused}"
    );
}

#[tokio::test]
async fn the_msp_token_on_a_tenant_endpoint_gets_403_with_the_hint() {
    let sim = start().await;
    let msp = real_provider(&sim);
    let msp_token = msp.token(&Scope::Msp).await.unwrap();
    // Hands the MSP token out for every scope, tenant scopes included.
    let wrong: Arc<dyn TokenProvider> = Arc::new(StaticTokenProvider::new(
        msp_token.secret().clone(),
        Duration::from_secs(600),
    ));
    let central = central(&sim, wrong);
    let tenant: WorkspaceId = sim.truth().tenants[0].workspace_id.parse().unwrap();
    let forbidden_before = sim.stats().forbidden;
    let err = central
        .tenant(tenant)
        .device_inventory()
        .page(None)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "forbidden", "{err}");
    assert_eq!(err.status(), Some(403));
    assert_eq!(err.hints(), [FORBIDDEN_HINT]);
    assert!(err.to_string().contains("tenant"), "{err}");
    assert_eq!(
        sim.stats().forbidden,
        forbidden_before + 1,
        "403 must not be retried"
    );
    // The same token is right for list-tenants.
    central.list_tenants().page(None).await.unwrap();
}
