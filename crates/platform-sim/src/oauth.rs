//! The token endpoint: `POST /authorization/v2/oauth2/{workspace}/token`.
//!
//! Checks, in order:
//! 1. No query string (parameters belong in the body): else 400 `invalid_request`.
//! 2. `Content-Type: application/x-www-form-urlencoded` (parameters such as `charset` allowed):
//!    else 400 `invalid_request`.
//! 3. The body parses strictly (valid `%` escapes, UTF-8, no repeated parameter): else 400
//!    `invalid_request`; `grant_type` present: else 400 `invalid_request`.
//! 4. Client authentication: HTTP Basic (RFC 6749 §2.3.1: id and secret each form-urlencoded,
//!    joined by `:`, base64) or `client_id` + `client_secret` in the body. Both at once: 400
//!    `invalid_request`. A bad Basic header or wrong id/secret: 401 `invalid_client` (with
//!    `WWW-Authenticate: Basic` when Basic was used).
//! 5. By grant type:
//!    * `client_credentials`: client authentication required (missing: 401 `invalid_client`).
//!      The workspace must be the MSP workspace, with or without hyphens, any case; any other
//!      workspace: 401 `invalid_client` (the client is not registered there). Issues an MSP
//!      token.
//!    * `urn:ietf:params:oauth:grant-type:token-exchange`: workspace with hyphens: 400
//!      `invalid_request` (counted in `hyphen_rejections`); `subject_token_type` must be
//!      `urn:ietf:params:oauth:token-type:access_token` and `subject_token` present, and
//!      `requested_token_type`, if given, the same access-token type: else 400
//!      `invalid_request`; client authentication optional but checked when present; the subject
//!      must be a live MSP token: else 400 `invalid_grant` (expired, revoked, unknown or a tenant
//!      token); the workspace must be 32 hex digits naming a tenant: else 400 `invalid_target`.
//!      Issues a token for that tenant.
//!    * anything else: 400 `unsupported_grant_type`.
//!
//! Success: 200 `{"access_token", "token_type": "Bearer", "expires_in"}` (plus
//! `"issued_token_type"` on exchanges) with `Cache-Control: no-store` and `Pragma: no-cache`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;

use crate::errors::{json_response, oauth_error};
use crate::ids;
use crate::query::{form_decode, parse_pairs};
use crate::state::AppState;
use crate::tokens::{Check, Subject};

const GRANT_CC: &str = "client_credentials";
const GRANT_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";

fn invalid_request(desc: &str) -> Response {
    oauth_error(StatusCode::BAD_REQUEST, "invalid_request", desc, false)
}

fn invalid_client(desc: &str, basic: bool) -> Response {
    oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", desc, basic)
}

/// Client credentials as presented.
enum ClientAuth {
    None,
    Basic(String, String),
    Body(Option<String>, Option<String>),
}

fn basic_credentials(value: &HeaderValue) -> Result<Option<(String, String)>, Response> {
    let bad = |d: &str| Err(invalid_client(d, true));
    let Ok(v) = value.to_str() else {
        return bad("Authorization header is not ASCII");
    };
    let Some((scheme, rest)) = v.split_once(' ') else {
        return bad("malformed Authorization header");
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Ok(None);
    }
    let Ok(raw) = STANDARD.decode(rest.trim()) else {
        return bad("HTTP Basic credentials are not valid base64");
    };
    let Ok(raw) = String::from_utf8(raw) else {
        return bad("HTTP Basic credentials are not UTF-8");
    };
    let Some((id, secret)) = raw.split_once(':') else {
        return bad("HTTP Basic credentials lack the ':' separator");
    };
    match (form_decode(id), form_decode(secret)) {
        (Some(id), Some(secret)) => Ok(Some((id, secret))),
        _ => bad(
            "HTTP Basic client id and secret must each be application/x-www-form-urlencoded (RFC 6749 section 2.3.1)",
        ),
    }
}

/// The handler.
pub(crate) async fn token(
    State(st): State<Arc<AppState>>,
    Path(workspace): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if query.is_some_and(|q| !q.is_empty()) {
        return invalid_request("parameters must be sent in the request body, not the URL query");
    }
    let form_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| {
            m.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !form_type {
        return invalid_request("Content-Type must be application/x-www-form-urlencoded");
    }
    let Ok(text) = std::str::from_utf8(&body) else {
        return invalid_request("request body is not UTF-8");
    };
    let pairs = match parse_pairs(text) {
        Ok(p) => p,
        Err(e) => return invalid_request(&e.description),
    };
    let mut form = std::collections::BTreeMap::new();
    for (k, v) in pairs {
        if form.contains_key(&k) {
            return invalid_request(&format!("parameter '{k}' is repeated"));
        }
        form.insert(k, v);
    }
    let Some(grant_type) = form.get("grant_type").cloned() else {
        return invalid_request("missing grant_type");
    };

    let basic = match headers.get(header::AUTHORIZATION) {
        Some(v) => match basic_credentials(v) {
            Ok(Some(c)) => Some(c),
            Ok(None) => {
                return invalid_client("only HTTP Basic client authentication is supported", false);
            }
            Err(r) => return r,
        },
        None => None,
    };
    let body_id = form.get("client_id").cloned();
    let body_secret = form.get("client_secret").cloned();
    let auth = match (basic, body_id.is_some() || body_secret.is_some()) {
        (Some(_), true) => {
            return invalid_request(
                "more than one client authentication method (HTTP Basic and body parameters)",
            );
        }
        (Some((id, secret)), false) => ClientAuth::Basic(id, secret),
        (None, true) => ClientAuth::Body(body_id, body_secret),
        (None, false) => ClientAuth::None,
    };
    // Verify the client whenever it identified itself.
    let pop = &st.pop;
    let check_client = |id: &str, secret: &str, basic: bool| -> Result<(), Response> {
        if id == pop.client_id && secret == pop.client_secret {
            Ok(())
        } else {
            Err(invalid_client(
                "client authentication failed: unknown client or wrong secret",
                basic,
            ))
        }
    };
    let authenticated = match &auth {
        ClientAuth::None => false,
        ClientAuth::Basic(id, secret) => match check_client(id, secret, true) {
            Ok(()) => true,
            Err(r) => return r,
        },
        ClientAuth::Body(Some(id), Some(secret)) => match check_client(id, secret, false) {
            Ok(()) => true,
            Err(r) => return r,
        },
        ClientAuth::Body(..) => {
            return invalid_client("client_id and client_secret must be sent together", false);
        }
    };

    match grant_type.as_str() {
        GRANT_CC => {
            if !authenticated {
                return invalid_client("client authentication required", false);
            }
            if ids::parse_any(&workspace) != Some(pop.msp_workspace_id) {
                return invalid_client(
                    &format!("the client is not registered in workspace '{workspace}'"),
                    matches!(auth, ClientAuth::Basic(..)),
                );
            }
            let token = st.tokens.issue(Subject::Msp);
            st.stats.grant();
            success(&st, token, false)
        }
        GRANT_EXCHANGE => {
            if workspace.contains('-') {
                st.stats.hyphen_rejection();
                return invalid_request(
                    "the workspace id in the token exchange URL must not contain hyphens",
                );
            }
            match form.get("subject_token_type").map(String::as_str) {
                Some(ACCESS_TOKEN_TYPE) => {}
                Some(other) => {
                    return invalid_request(&format!(
                        "unsupported subject_token_type '{other}' (expected {ACCESS_TOKEN_TYPE})"
                    ));
                }
                None => return invalid_request("missing subject_token_type"),
            }
            if let Some(rt) = form.get("requested_token_type")
                && rt != ACCESS_TOKEN_TYPE
            {
                return invalid_request(&format!(
                    "unsupported requested_token_type '{rt}' (expected {ACCESS_TOKEN_TYPE})"
                ));
            }
            let Some(subject) = form.get("subject_token") else {
                return invalid_request("missing subject_token");
            };
            let invalid_grant =
                |d: &str| oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", d, false);
            match st.tokens.check(subject, st.tokens.now()) {
                Check::Valid(Subject::Msp) => {}
                Check::Valid(Subject::Tenant(_)) => {
                    return invalid_grant(
                        "the subject token is not an MSP token (it is a tenant token)",
                    );
                }
                Check::Expired => return invalid_grant("the subject token has expired"),
                Check::Revoked => return invalid_grant("the subject token has been revoked"),
                Check::Unknown => return invalid_grant("the subject token is not valid"),
            }
            let Some(tenant) = ids::parse_compact(&workspace).and_then(|id| pop.tenant(id)) else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_target",
                    &format!("'{workspace}' is not a workspace managed by this MSP"),
                    false,
                );
            };
            let token = st.tokens.issue(Subject::Tenant(tenant.index));
            st.stats.exchange(ids::hyphenated(tenant.workspace_id));
            success(&st, token, true)
        }
        other => oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            &format!("grant_type '{other}' is not supported"),
            false,
        ),
    }
}

fn success(st: &AppState, token: String, exchange: bool) -> Response {
    let expires_in = st.tokens.ttl().as_secs();
    let body = if exchange {
        json!({
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": expires_in,
            "issued_token_type": ACCESS_TOKEN_TYPE,
        })
    } else {
        json!({"access_token": token, "token_type": "Bearer", "expires_in": expires_in})
    };
    let mut r = json_response(StatusCode::OK, &body);
    let h = r.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    r
}
