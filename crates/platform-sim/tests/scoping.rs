//! Token expiry, revocation and scoping on API calls.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{config, frozen, quick, start};
use platform_sim::CentralDialect;
use serde_json::Value;

fn assert_glp_error(v: &Value, code: &str) {
    assert_eq!(v["errorCode"], code, "{v}");
    assert!(v["message"].as_str().unwrap().len() > 10);
    assert_eq!(v["debugId"].as_str().unwrap().len(), 32);
}

#[tokio::test]
async fn missing_or_unknown_token_is_401_with_bearer_challenge() {
    let env = quick().await;
    for path in [
        "/workspaces/v1/msp-tenants?limit=10",
        "/network-msp/v1/list-tenants?limit=10&next=1",
        "/network-monitoring/v1/aps?limit=10",
    ] {
        let r = env.get_plain(path).await;
        assert_eq!(r.status(), 401, "{path}");
        assert_eq!(
            r.headers()["www-authenticate"],
            "Bearer error=\"invalid_token\""
        );
        let v: Value = r.json().await.unwrap();
        assert_glp_error(&v, "HPE_GL_ERROR_UNAUTHORIZED");
        let v = env.expect(path, "made-up", 401).await;
        assert_glp_error(&v, "HPE_GL_ERROR_UNAUTHORIZED");
    }
    // GLP paths and new Central give httpStatusCode as a number.
    let (_, v) = env
        .get_json("/workspaces/v1/msp-tenants?limit=1", "x")
        .await;
    assert_eq!(v["httpStatusCode"], 401);
    let (_, v) = env
        .get_json("/network-monitoring/v1/aps?limit=1", "x")
        .await;
    assert_eq!(v["httpStatusCode"], 401);
    assert_eq!(env.sim.stats().unauthorized, 8);
}

#[tokio::test]
async fn classic_central_gives_http_status_code_as_a_string_on_central_paths_only() {
    let env = start(config(|c| c.central_dialect = CentralDialect::Classic)).await;
    for (path, status) in [
        ("/network-monitoring/v1/aps?limit=1", "401"),
        ("/network-msp/v1/list-tenants?limit=1&next=1", "401"),
        ("/network-monitoring/v1/nothing-here?limit=1", "404"),
    ] {
        let (code, v) = env.get_json(path, "x").await;
        assert_eq!(code.to_string(), status, "{path}");
        assert_eq!(v["httpStatusCode"], status, "{path}: {v}");
        assert!(
            v["errorCode"]
                .as_str()
                .unwrap()
                .starts_with("HPE_GL_ERROR_")
        );
    }
    let (_, v) = env
        .get_json("/workspaces/v1/msp-tenants?limit=1", "x")
        .await;
    assert_eq!(v["httpStatusCode"], 401, "GreenLake keeps numbers");
}

#[tokio::test]
async fn api_tokens_expire_after_ttl() {
    // On the simulator's frozen token clock: no real time can expire the tokens early (a
    // stalled machine) and none has to pass for them to expire.
    let env = frozen(config(|c| c.token_ttl = Duration::from_secs(1))).await;
    let t = env.largest();
    let msp = env.msp_token().await;
    let tenant = env.tenant_token(&t).await;
    let r = env.get("/workspaces/v1/msp-tenants?limit=1", &msp).await;
    assert_eq!(r.status(), 200);
    let r = env.get("/network-monitoring/v1/aps?limit=1", &tenant).await;
    assert_eq!(r.status(), 200);
    env.sim.advance_token_clock(Duration::from_millis(999));
    let r = env.get("/workspaces/v1/msp-tenants?limit=1", &msp).await;
    assert_eq!(r.status(), 200, "valid until the last millisecond");
    env.sim.advance_token_clock(Duration::from_millis(1));
    let v = env
        .expect("/workspaces/v1/msp-tenants?limit=1", &msp, 401)
        .await;
    assert!(v["message"].as_str().unwrap().contains("expired"));
    let r = env.get("/network-monitoring/v1/aps?limit=1", &tenant).await;
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn msp_token_on_tenant_endpoint_is_403() {
    let env = quick().await;
    let msp = env.msp_token().await;
    let v = env
        .expect(
            "/network-monitoring/v1/device-inventory?limit=10",
            &msp,
            403,
        )
        .await;
    assert_glp_error(&v, "HPE_GL_ERROR_FORBIDDEN");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("tenant access token")
    );
    assert_eq!(env.sim.stats().forbidden, 1);
}

#[tokio::test]
async fn tenant_token_on_msp_endpoints_is_403() {
    let env = quick().await;
    let t = env.largest();
    let tenant = env.tenant_token(&t).await;
    for path in [
        "/workspaces/v1/msp-tenants?limit=10",
        "/network-msp/v1/list-tenants?limit=10&next=1",
    ] {
        let v = env.expect(path, &tenant, 403).await;
        assert_glp_error(&v, "HPE_GL_ERROR_FORBIDDEN");
        assert!(v["message"].as_str().unwrap().contains("MSP"));
    }
    assert_eq!(env.sim.stats().forbidden, 2);
}

#[tokio::test]
async fn tenant_token_serves_only_its_tenant() {
    let env = quick().await;
    let truth = env.sim.truth();
    let mut nonempty = truth
        .tenants
        .iter()
        .filter(|t| t.counts["device-inventory"] > 0);
    let a = nonempty.next().unwrap();
    let b = nonempty.next().unwrap();
    let ta = env.tenant_token(a).await;
    let tb = env.tenant_token(b).await;
    let (_, va) = env
        .get_json("/network-monitoring/v1/device-inventory?limit=1", &ta)
        .await;
    let (_, vb) = env
        .get_json("/network-monitoring/v1/device-inventory?limit=1", &tb)
        .await;
    assert_eq!(va["total"], a.counts["device-inventory"]);
    assert_eq!(vb["total"], b.counts["device-inventory"]);
    assert_ne!(
        va["items"][0]["serialNumber"],
        vb["items"][0]["serialNumber"]
    );
}

#[tokio::test]
async fn revocation_invalidates_earlier_tokens_once() {
    // The revocation instant is measured on the token clock: frozen here (the 60 s before it
    // are far more than any stall between starting the simulator and this line), moved on
    // below instead of sleeping.
    let env = frozen(config(|c| c.revoke_after = Some(Duration::from_secs(60)))).await;
    let t = env.largest();
    let msp = env.msp_token().await;
    let tenant = env.tenant_token(&t).await;
    assert_eq!(
        env.get("/network-monitoring/v1/aps?limit=1", &tenant)
            .await
            .status(),
        200
    );
    assert!(!env.sim.stats().revoked);
    env.sim.advance_token_clock(Duration::from_secs(60));
    let v = env
        .expect("/workspaces/v1/msp-tenants?limit=1", &msp, 401)
        .await;
    assert!(v["message"].as_str().unwrap().contains("revoked"));
    assert_eq!(
        env.get("/network-monitoring/v1/aps?limit=1", &tenant)
            .await
            .status(),
        401
    );
    // The revoked MSP token cannot be exchanged either.
    let r = env.exchange(&t.workspace_id.replace('-', ""), &msp).await;
    assert_eq!(r.status(), 400);
    // Tokens issued after the revocation live on.
    let fresh = env.msp_token().await;
    assert_eq!(
        env.get("/workspaces/v1/msp-tenants?limit=1", &fresh)
            .await
            .status(),
        200
    );
    assert!(env.sim.stats().revoked);
}
