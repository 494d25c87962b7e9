//! Which pacer a write waits for: a GreenLake write the one of its family in the workspace it
//! writes to (a tenant refused for a minute holds back no other tenant's writes, and no read),
//! a Central write its gateway's, as every Central request.
#![allow(clippy::unwrap_used)]

mod support;

use glp_core::{Scope, WorkspaceId};
use glp_transport::{Api, Method, Request, Step};
use support::{Reply, Server, builder, static_provider};

fn tenant(n: u8) -> Scope {
    Scope::Tenant(WorkspaceId::parse(&format!("{n:032x}")).unwrap())
}

async fn write(api: &glp_transport::ApiClient, path: &str, scope: Scope) -> u16 {
    let body = b"{}";
    let request = Request::write(Method::Post, path, Some(body), scope);
    api.send(&request, |a| Step::Done(a.status)).await.unwrap()
}

#[tokio::test]
async fn greenlake_writes_are_paced_per_workspace_and_central_writes_per_gateway() {
    let server = Server::scripted([
        Reply::status(202),
        Reply::status(202),
        Reply::status(201),
        Reply::status(201),
    ]);
    let glp = builder(Api::GreenLake, server.base_url(), static_provider())
        .build()
        .unwrap();
    let path = "subscriptions/v1/subscriptions";
    assert_eq!(write(&glp, path, tenant(1)).await, 202);
    assert_eq!(write(&glp, path, tenant(2)).await, 202);
    let base = glp_core::BaseUrl::parse(server.base_url()).unwrap();
    let t = glp.transport();
    // Tenant 1's writes are refused for a minute: tenant 2's and the family's reads go on.
    let one = t.write_pacer(Api::GreenLake, base.as_url(), path, &tenant(1));
    one.pause_for(std::time::Duration::from_secs(60));
    let two = t.write_pacer(Api::GreenLake, base.as_url(), path, &tenant(2));
    assert_eq!(two.paused_for(), None);
    assert_eq!(two.answers().requests, 1);
    let reads = t.pacer(Api::GreenLake, base.as_url(), path);
    assert_eq!(
        reads.answers().requests,
        0,
        "writes are not the reads' pacer"
    );
    assert_eq!(reads.paused_for(), None);

    let central = builder(Api::Central, server.base_url(), static_provider())
        .transport(t.clone())
        .build()
        .unwrap();
    let rules = "network-notifications/v1/notification-rules";
    assert_eq!(write(&central, rules, tenant(1)).await, 201);
    assert_eq!(write(&central, rules, tenant(2)).await, 201);
    let gateway = t.pacer(Api::Central, base.as_url(), rules);
    assert_eq!(gateway.answers().requests, 2, "one pacer for the gateway");
}
