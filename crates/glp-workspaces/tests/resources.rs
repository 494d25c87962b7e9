//! GreenLake workspace resources (`devices/v1/devices`, `subscriptions/v1/subscriptions`) with
//! a tenant token: the offset pager against test-support's scripted server, answering by
//! `offset` and recording every request (the exact query and token, short pages, a total that
//! changes while the list is read, limits checked before sending, a hostile total, an echoed
//! offset that differs, raw items kept verbatim), and a stateful test against the simulator
//! comparing every record of every tenant with its truth.
#![allow(clippy::unwrap_used)]

mod support;

use futures::TryStreamExt as _;
use glp_auth::WorkspaceId;
use glp_transport::ApiError;
use glp_workspaces::GlpResource;
use platform_sim::SimConfig;
use serde_json::{Value, json};
use support::{TOKEN, asked, by_offset, client, hang_guard, sim_with_truth, tenant_id};
use test_support::{Reply, Server};

const DEVICES: &str = "/devices/v1/devices";
const SUBSCRIPTIONS: &str = "/subscriptions/v1/subscriptions";

fn tenant() -> WorkspaceId {
    WorkspaceId::parse(&tenant_id(7)).unwrap()
}

fn device(n: u64) -> Value {
    json!({"id": format!("d-{n}"), "serialNumber": format!("SN{n:05}"), "x-unknown": [n]})
}

fn body(offset: u64, items: std::ops::Range<u64>, total: Value) -> Value {
    let items: Vec<Value> = items.map(device).collect();
    json!({"offset": offset, "count": items.len(), "total": total, "items": items})
}

async fn serials(
    request: glp_workspaces::OffsetListRequest<Value>,
) -> Result<Vec<String>, ApiError> {
    let items: Vec<Value> = hang_guard(request.stream().try_collect()).await?;
    Ok(items
        .iter()
        .map(|d| d["serialNumber"].as_str().unwrap().to_owned())
        .collect())
}

/// Every serial number of the tenant's list at `path` ([`DEVICES`] or [`SUBSCRIPTIONS`]) on
/// `server`, which must all come.
async fn all_serials(server: &Server, path: &str) -> Vec<String> {
    let t = client(server.base_url()).tenant(tenant());
    let request = if path == DEVICES {
        t.devices()
    } else {
        t.subscriptions()
    };
    serials(request).await.unwrap()
}

#[tokio::test]
async fn pages_by_the_items_received_with_the_tenant_token() {
    // The server caps pages at 3 whatever `limit` says.
    let server = by_offset(DEVICES, |o| {
        (o < 7).then(|| body(o, o..(o + 3).min(7), json!(7)))
    });
    let got = all_serials(&server, DEVICES).await;
    assert_eq!(got.len(), 7);
    assert_eq!(got[6], "SN00006");
    assert_eq!(asked(&server), [0, 3, 6]);
    for r in server.requests() {
        assert_eq!(r.query_pairs()["limit"], "2000");
        assert_eq!(r.bearer(), Some(TOKEN));
    }
}

#[tokio::test]
async fn a_total_that_grows_is_followed_and_one_that_shrinks_ends_sooner() {
    // Totals of 3, then 5: followed to the fifth.
    let server = by_offset(SUBSCRIPTIONS, |o| {
        Some(body(
            o,
            o..(o + 2).min(5),
            json!(if o == 0 { 3 } else { 5 }),
        ))
    });
    let c = client(server.base_url());
    let got = serials(c.tenant(tenant()).subscriptions().limit(2))
        .await
        .unwrap();
    assert_eq!(got.len(), 5, "{got:?}");
    assert_eq!(asked(&server), [0, 2, 4]);

    // Totals of 10, then 4: the list ends at the fourth.
    let server = by_offset(SUBSCRIPTIONS, |o| {
        Some(body(
            o,
            o..(o + 2).min(5),
            json!(if o == 0 { 10 } else { 4 }),
        ))
    });
    let got = all_serials(&server, SUBSCRIPTIONS).await;
    assert_eq!(got.len(), 4);
    assert_eq!(asked(&server), [0, 2]);
}

#[tokio::test]
async fn limits_are_checked_before_anything_is_sent() {
    let server = Server::start();
    let t = client(server.base_url()).tenant(tenant());
    for (request, max) in [
        (t.devices().limit(2001), "2000"),
        (t.devices().limit(0), "2000"),
        (t.subscriptions().limit(51), "50"),
        (t.devices().param("offset", "5"), "use .offset() instead"),
    ] {
        let err = request.page().await.unwrap_err();
        assert!(matches!(err, ApiError::InvalidRequest(_)), "{err}");
        assert!(err.to_string().contains(max), "{err}");
    }
    assert_eq!(GlpResource::Subscriptions.max_limit(), 50);
    assert!(server.requests().is_empty());
}

/// The items `request` yields before the error that ends it: how many, and the error.
async fn until_error(request: glp_workspaces::OffsetListRequest<Value>) -> (usize, ApiError) {
    let mut items: Vec<Result<Value, ApiError>> =
        futures::StreamExt::collect(request.stream()).await;
    let err = items.pop().unwrap().unwrap_err();
    assert!(items.iter().all(Result::is_ok));
    (items.len(), err)
}

#[tokio::test]
async fn a_hostile_total_cannot_make_it_list_forever() {
    // Every page is full and says there are u64::MAX items.
    let server = by_offset(DEVICES, |o| {
        Some(json!({"count": 1, "total": u64::MAX, "items": [device(o)]}))
    });
    let devices = client(server.base_url()).tenant(tenant()).devices();
    let (kept, err) = until_error(devices.limit(1).max_pages(5)).await;
    assert_eq!(kept, 5, "the pages read are kept");
    assert!(matches!(err, ApiError::Protocol { .. }), "{err}");
    assert!(err.to_string().contains("page cap"), "{err}");

    // No total at all: an empty page ends the list.
    let server = by_offset(DEVICES, |o| match o {
        0 => Some(json!({"items": [device(0), device(1)]})),
        _ => Some(json!({"items": []})),
    });
    let got = all_serials(&server, DEVICES).await;
    assert_eq!(got.len(), 2);
    assert_eq!(asked(&server), [0, 2]);

    // A server that ignores the offset: the second page is the first again, refused
    // before its items are yielded.
    let server = by_offset(DEVICES, |_| {
        Some(json!({"count": 2, "total": 6, "items": [device(0), device(1)]}))
    });
    let devices = client(server.base_url()).tenant(tenant()).devices();
    let (kept, err) = until_error(devices.limit(2)).await;
    assert_eq!(kept, 2, "no item twice");
    assert!(err.to_string().contains("page 2 repeats page 1"), "{err}");
    assert_eq!(asked(&server), [0, 2]);
}

#[tokio::test]
async fn another_offset_than_asked_is_an_error_and_raw_items_stay_verbatim() {
    let first = r#"{"offset":0,"count":2,"total":4,"items":[{"b":1,"a": 2},{"z":"é"}]}"#;
    let server = by_offset(DEVICES, move |o| match o {
        0 => Some(Reply::raw(200, "application/json", first)),
        _ => Some(body(0, 0..2, json!(4)).into()),
    });
    let request = client(server.base_url()).tenant(tenant()).devices().raw();
    let items: Vec<_> = futures::StreamExt::collect::<Vec<_>>(request.stream()).await;
    assert_eq!(items.len(), 3);
    assert_eq!(items[0].as_ref().unwrap().get(), r#"{"b":1,"a": 2}"#);
    let err = items[2].as_ref().unwrap_err();
    assert!(matches!(err, ApiError::Decode { .. }), "{err}");
    assert!(err.to_string().contains("offset 0"), "{err}");
}

#[tokio::test]
async fn every_tenant_record_matches_the_simulator_truth() {
    let (sim, client, truth) = sim_with_truth(SimConfig {
        tenants: 8,
        glp_page_cap: 30,
        max_devices: 200,
        ..SimConfig::default()
    })
    .await;
    for t in &truth.tenants {
        let tenant = client.tenant(WorkspaceId::parse(&t.workspace_id).unwrap());
        for &r in GlpResource::all() {
            let got: Vec<Value> = tenant.resource(r).stream().try_collect().await.unwrap();
            let want = &t.records.as_ref().unwrap()[r.name()];
            assert_eq!(&got, want, "{} {r}", t.name);
        }
    }
    // With the MSP token: the MSP workspace's own inventory.
    let own: Vec<Value> = client
        .resource(GlpResource::Devices, glp_auth::Scope::Msp)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(own.len() as u64, truth.msp_counts["glp/devices"]);
    assert_eq!(
        "glp/devices".parse::<GlpResource>(),
        Ok(GlpResource::Devices)
    );
    assert!("glp/licences".parse::<GlpResource>().is_err());
    sim.shutdown().await;
}
