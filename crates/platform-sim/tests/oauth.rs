//! Token endpoint strictness.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{ACCESS, EXCHANGE, Env, basic, basic_raw, cc_form, config, frozen, hostile, quick};
use reqwest::Response;
use serde_json::Value;

async fn oauth_error(r: reqwest::Response) -> (u16, String) {
    let status = r.status().as_u16();
    assert_eq!(
        r.headers()["cache-control"],
        "no-store",
        "OAuth errors are not cacheable"
    );
    let v: Value = r.json().await.unwrap();
    assert!(v["error_description"].is_string());
    (status, v["error"].as_str().unwrap().to_string())
}

/// A form to post, the status it must be refused with and the OAuth error it must name.
type Refusal<'a> = (&'a [(&'a str, &'a str)], u16, &'a str);

/// Posts each form of `cases` to the token endpoint of `ws`; each must be refused with its
/// status and OAuth error.
async fn refused(env: &Env, ws: &str, cases: &[Refusal<'_>]) {
    for (form, status, error) in cases {
        let r = env.post_form(ws, form).await;
        let want = (*status, error.to_string());
        assert_eq!(oauth_error(r).await, want, "{form:?}");
    }
}

/// A grant at the MSP workspace with the MSP's credentials in HTTP Basic, `encode`d as given
/// ([`basic`] or [`basic_raw`]), and with `form` as the body.
async fn basic_grant(
    env: &Env,
    encode: fn(&str, &str) -> String,
    form: &[(&str, &str)],
) -> Response {
    let c = env.sim.credentials();
    let authorization = encode(&c.client_id, &c.client_secret);
    env.post_form_as(&c.workspace_id, Some(&authorization), form)
        .await
}

const GRANT_ONLY: [(&str, &str); 1] = [("grant_type", "client_credentials")];

#[tokio::test]
async fn form_content_type_is_required() {
    let env = hostile().await;
    let c = env.sim.credentials();
    let body = serde_json::json!({"grant_type": "client_credentials", "client_id": c.client_id, "client_secret": c.client_secret});
    let r = env
        .http
        .post(env.token_url(&c.workspace_id))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(oauth_error(r).await, (400, "invalid_request".into()));
    // A charset parameter is fine.
    let form = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}",
        common::form_encode(&c.client_id),
        common::form_encode(&c.client_secret)
    );
    let r = env
        .http
        .post(env.token_url(&c.workspace_id))
        .header(
            "content-type",
            "application/x-www-form-urlencoded; charset=UTF-8",
        )
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn body_credentials_work_and_answer_is_well_formed() {
    let env = quick().await;
    let r = env.cc().await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["expires_in"], 900);
    let token = v["access_token"].as_str().unwrap();
    assert!(token.len() > 40);
    assert_eq!(env.sim.stats().client_credentials_grants, 1);
}

#[tokio::test]
async fn http_basic_credentials_work_only_when_form_encoded() {
    let env = hostile().await;
    let r = basic_grant(&env, basic, &GRANT_ONLY).await;
    assert_eq!(r.status(), 200);
    // Raw (not form-encoded) secret in Basic: rejected with a Basic challenge.
    let r = basic_grant(&env, basic_raw, &GRANT_ONLY).await;
    assert_eq!(r.status(), 401);
    assert!(
        r.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Basic")
    );
    assert_eq!(oauth_error(r).await.1, "invalid_client");
}

#[tokio::test]
async fn the_default_secret_works_the_way_the_vendor_sdk_sends_it() {
    // The default secret is alphanumeric, as GreenLake's are: HTTP Basic without form-encoding
    // (what the vendor's SDK sends, through `requests`' HTTPBasicAuth) and the encoded form
    // are the same bytes, and both get tokens, on the grant and on the exchange.
    let env = quick().await;
    let c = env.sim.credentials();
    assert!(c.client_secret.bytes().all(|b| b.is_ascii_alphanumeric()));
    let r = basic_grant(&env, basic_raw, &GRANT_ONLY).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    let msp = v["access_token"].as_str().unwrap().to_string();
    let t = env.largest();
    let r = env
        .exchange_as(
            &t.workspace_id.replace('-', ""),
            Some(&basic_raw(&c.client_id, &c.client_secret)),
            &msp,
        )
        .await;
    assert_eq!(r.status(), 200);
    let stats = env.sim.stats();
    assert_eq!(
        (stats.client_credentials_grants, stats.token_exchanges),
        (1, 1)
    );
}

#[tokio::test]
async fn basic_and_body_credentials_together_are_rejected() {
    let env = hostile().await;
    let c = env.sim.credentials();
    let r = basic_grant(&env, basic, &cc_form(&c.client_id, &c.client_secret)).await;
    assert_eq!(oauth_error(r).await, (400, "invalid_request".into()));
}

#[tokio::test]
async fn wrong_or_missing_secret_is_invalid_client() {
    let env = hostile().await;
    let c = env.sim.credentials();
    let wrong = cc_form(&c.client_id, "wrong");
    let missing = [("grant_type", "client_credentials")];
    let cases = [
        (&wrong[..], 401, "invalid_client"),
        (&missing, 401, "invalid_client"),
    ];
    refused(&env, &c.workspace_id, &cases).await;
    // The secret sent without form-encoding ('+' becomes a space, '&' splits it).
    let raw = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}",
        c.client_id, c.client_secret
    );
    let r = env
        .http
        .post(env.token_url(&c.workspace_id))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(raw)
        .send()
        .await
        .unwrap();
    assert_eq!(oauth_error(r).await, (401, "invalid_client".into()));
    assert_eq!(env.sim.stats().unauthorized, 3);
}

#[tokio::test]
async fn msp_workspace_accepted_hyphenated_compact_and_any_case() {
    let env = quick().await;
    let c = env.sim.credentials();
    for ws in [
        c.workspace_id.clone(),
        c.workspace_id.replace('-', ""),
        c.workspace_id.to_uppercase(),
    ] {
        let r = env
            .post_form(&ws, &cc_form(&c.client_id, &c.client_secret))
            .await;
        assert_eq!(r.status(), 200, "{ws}");
    }
    // Another workspace: the client is not registered there.
    let other = env.sim.truth().tenants[0].workspace_id.clone();
    let r = env
        .post_form(&other, &cc_form(&c.client_id, &c.client_secret))
        .await;
    assert_eq!(oauth_error(r).await, (401, "invalid_client".into()));
}

#[tokio::test]
async fn exchange_works_without_hyphens_and_is_counted() {
    let env = quick().await;
    let t = env.largest();
    let msp = env.msp_token().await;
    let r = env.exchange(&t.workspace_id.replace('-', ""), &msp).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["issued_token_type"], ACCESS);
    assert_eq!(v["expires_in"], 900);
    let s = env.sim.stats();
    assert_eq!(s.token_exchanges, 1);
    assert_eq!(s.exchanges_per_tenant[&t.workspace_id], 1);
    // Upper-case hex is fine too.
    let r = env
        .exchange(&t.workspace_id.replace('-', "").to_uppercase(), &msp)
        .await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn exchange_with_hyphens_is_rejected_and_counted() {
    let env = quick().await;
    let t = env.largest();
    let msp = env.msp_token().await;
    let r = env.exchange(&t.workspace_id, &msp).await;
    assert_eq!(oauth_error(r).await, (400, "invalid_request".into()));
    let s = env.sim.stats();
    assert_eq!(s.hyphen_rejections, 1);
    assert_eq!(s.token_exchanges, 0);
}

#[tokio::test]
async fn exchange_with_expired_subject_is_invalid_grant() {
    let env = frozen(config(|c| c.token_ttl = Duration::from_secs(1))).await;
    let t = env.largest();
    let msp = env.msp_token().await;
    // Expired on the frozen token clock, without waiting (and not before: no real time counts).
    env.sim.advance_token_clock(Duration::from_secs(1));
    let r = env.exchange(&t.workspace_id.replace('-', ""), &msp).await;
    assert_eq!(oauth_error(r).await, (400, "invalid_grant".into()));
}

#[tokio::test]
async fn exchange_with_tenant_or_unknown_subject_is_invalid_grant() {
    let env = quick().await;
    let t = env.largest();
    let tenant = env.tenant_token(&t).await;
    let ws = t.workspace_id.replace('-', "");
    let r = env.exchange(&ws, &tenant).await;
    assert_eq!(oauth_error(r).await, (400, "invalid_grant".into()));
    let r = env.exchange(&ws, "not-a-token").await;
    assert_eq!(oauth_error(r).await, (400, "invalid_grant".into()));
}

#[tokio::test]
async fn exchange_for_unknown_tenant_is_invalid_target() {
    let env = quick().await;
    let msp = env.msp_token().await;
    let r = env.exchange("0123456789abcdef0123456789abcdef", &msp).await;
    assert_eq!(oauth_error(r).await, (400, "invalid_target".into()));
    // The Central customer id is not a workspace id.
    let t = env.largest();
    let r = env.exchange(&t.central_tenant_id, &msp).await;
    assert_eq!(oauth_error(r).await, (400, "invalid_target".into()));
}

#[tokio::test]
async fn exchange_parameters_are_checked() {
    let env = quick().await;
    let t = env.largest();
    let ws = t.workspace_id.replace('-', "");
    let msp = env.msp_token().await;
    let jwt = "urn:ietf:params:oauth:token-type:jwt";
    let other_type = [
        ("grant_type", EXCHANGE),
        ("subject_token", &msp),
        ("subject_token_type", jwt),
    ];
    let no_type = [("grant_type", EXCHANGE), ("subject_token", &msp)];
    let cases = [
        (&other_type[..], 400, "invalid_request"),
        (&no_type, 400, "invalid_request"),
    ];
    refused(&env, &ws, &cases).await;
    // Optional Basic client authentication is checked when sent.
    let c = env.sim.credentials();
    let r = env
        .exchange_as(&ws, Some(&basic(&c.client_id, &c.client_secret)), &msp)
        .await;
    assert_eq!(r.status(), 200);
    let r = env
        .exchange_as(&ws, Some(&basic(&c.client_id, "nope")), &msp)
        .await;
    assert_eq!(oauth_error(r).await, (401, "invalid_client".into()));
}

#[tokio::test]
async fn other_grants_repeats_and_query_parameters_are_rejected() {
    let env = quick().await;
    let c = env.sim.credentials();
    let grant = ("grant_type", "client_credentials");
    let cases = [
        (
            &[("grant_type", "password")][..],
            400,
            "unsupported_grant_type",
        ),
        (&[], 400, "invalid_request"),
        (&[grant, grant], 400, "invalid_request"),
    ];
    refused(&env, &c.workspace_id, &cases).await;
    let r = env
        .http
        .post(format!(
            "{}?grant_type=client_credentials",
            env.token_url(&c.workspace_id)
        ))
        .form(&[("client_id", c.client_id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(oauth_error(r).await, (400, "invalid_request".into()));
}
