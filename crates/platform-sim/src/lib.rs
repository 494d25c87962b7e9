//! A strict, stateful local simulator of HPE GreenLake Platform (GLP) and Aruba Central.
//!
//! One listener on `127.0.0.1` serves both APIs at the root, so clients get the same base URL
//! for GLP and Central. It implements the behaviour in the project's `platform-api.md`, strictly:
//! a client that passes against it should pass against the real platform.
//!
//! ```no_run
//! # async fn demo() -> Result<(), platform_sim::SimError> {
//! use platform_sim::{SimConfig, Simulator};
//! let sim = Simulator::start(SimConfig { tenants: 5, ..SimConfig::default() }).await?;
//! let base = sim.base_url(); // http://127.0.0.1:PORT
//! let creds = sim.credentials();
//! // ... point a client at `base` with `creds` ...
//! let stats = sim.stats();
//! sim.shutdown().await;
//! # let _ = (base, creds, stats); Ok(()) }
//! ```
//!
//! # Endpoints
//!
//! * `POST /authorization/v2/oauth2/{workspace}/token`: client credentials (MSP token) and
//!   RFC 8693 token exchange (tenant token). Checks, in order:
//!   1. no query string (400 `invalid_request`);
//!   2. `Content-Type: application/x-www-form-urlencoded`, parameters such as `charset`
//!      allowed (else 400 `invalid_request`);
//!   3. strict form body: valid `%` escapes, UTF-8, no repeated parameter, `grant_type`
//!      present (else 400 `invalid_request`);
//!   4. client authentication by HTTP Basic (RFC 6749 §2.3.1: id and secret each
//!      form-urlencoded, then base64) *or* `client_id` + `client_secret` in the body; both at
//!      once: 400 `invalid_request`; bad Basic header or wrong id/secret: 401 `invalid_client`
//!      (with `WWW-Authenticate: Basic realm="GreenLake"` when Basic was used);
//!   5. `client_credentials`: client authentication required (401 `invalid_client`); the
//!      workspace must be the MSP workspace, with or without hyphens, any case; another
//!      workspace is 401 `invalid_client` ("client not registered in workspace");
//!   6. token exchange: workspace with hyphens: 400 `invalid_request` (counted in
//!      [`Stats::hyphen_rejections`]); `subject_token_type` must be
//!      `urn:ietf:params:oauth:token-type:access_token`, `subject_token` present, and
//!      `requested_token_type`, if sent, the access-token type (else 400 `invalid_request`);
//!      client authentication optional but verified when sent; the subject must be a live MSP
//!      token (expired, revoked, unknown or tenant token: 400 `invalid_grant`); the workspace
//!      must be 32 hex digits (any case) naming a managed tenant (else 400 `invalid_target`);
//!   7. any other grant type: 400 `unsupported_grant_type`.
//!
//!   Success: 200 `{"access_token", "token_type": "Bearer", "expires_in"}` plus
//!   `"issued_token_type"` on exchanges, with `Cache-Control: no-store` and `Pragma: no-cache`.
//!   OAuth error bodies are `{"error", "error_description"}` (RFC 6749 §5.2), also `no-store`.
//! * `GET /workspaces/v1/msp-tenants?limit=&offset=&filter=` (MSP token): `limit`
//!   1..=300 required; at most [`SimConfig::glp_page_cap`] items per page; `offset` counts
//!   items; `filter` supports `eq`/`in`/`and` on the documented fields.
//! * `POST /workspaces/v1/msp-tenants`, `PUT` and `DELETE /workspaces/v1/msp-tenants/{tenantId}`
//!   (MSP token; HPE's workspace spec): create (201 `{"message"}` and `Location`), update (200)
//!   and delete (204) a customer workspace; 400 for a body that is not the spec's
//!   `NBContactTenant` (`workspaceName` required), 404 for no such tenant, 409 for a name
//!   taken, 412 for deleting a workspace with devices. Their own budget
//!   ([`SimConfig::glp_tenant_writes_per_minute`]) and [`SimConfig::write_fault_after_apply`];
//!   [`Truth::workspaces`] lists the workspaces as they are now.
//! * `PATCH /devices/v1/devices?id=...` and `GET /devices/v1/async-operations/{id}` (the
//!   workspace's token; HPE's device-management spec): assign 1 to 5 devices to an application
//!   provisioned in a region, or set their subscriptions (one kind per call; `dry-run`), 202
//!   with the `Location` of an operation that reads `SUCCEEDED`, or `FAILED` with
//!   `result.message` (seats short, or [`SimConfig::device_operation_fail_rate`]); 400 for ids
//!   or a body not of the spec's shape, 422 for an application or subscription that cannot be
//!   used; a budget per workspace ([`SimConfig::glp_device_writes_per_minute`]) and the
//!   after-apply write fault; [`SimConfig::spare_seats`] adds Foundation subscriptions to
//!   license with; [`Truth::devices`] lists the devices of the workspaces written to.
//! * `POST /subscriptions/v1/subscriptions` and `GET /subscriptions/v1/async-operations/{id}`
//!   (the workspace's token, the MSP's or a tenant's; HPE's subscription-management spec): add
//!   1 to 5 subscriptions by key; 400 for a body not of the spec's shape (an empty or repeated
//!   key), else 202 with the `Location` of an operation that reads `SUCCEEDED`, or `FAILED`
//!   naming each key that is unknown ([`SimConfig::claimable_subscription_keys`]), already in
//!   the workspace or claimed by another; an added key is listed with the workspace's
//!   subscriptions; a budget per workspace ([`SimConfig::glp_subscription_writes_per_minute`],
//!   4 a minute by default) and the after-apply write fault;
//!   [`Truth::subscriptions_added`] lists the keys each workspace gained.
//! * `GET`, `POST /network-notifications/v1/notification-rules` and `GET`, `PATCH`, `DELETE
//!   .../notification-rules/{id}` (tenant token; HPE's notifications spec): a tenant's
//!   notification rules (list by `offset`, 20 at most; create 201 with the rule; merge-patch
//!   update 200; delete 204); 400 for a body not of the spec's shape, 409 for a name another
//!   rule of the tenant has, 422 when no destination is enabled; the after-apply write fault
//!   applies; [`Truth::notification_rules`] lists each tenant's rules.
//! * `GET /network-msp/v1/list-tenants?limit=&next=` (MSP token): `limit`
//!   1..=100 and `next` (>= 1) required; default order `alerts DESC` then name; `filter` on
//!   `tenantName`, `tenantId`, `deviceOwnership`; `sort` on the documented fields. `tenantId` is
//!   a Central customer id that never equals the GLP workspace id: resolve by name.
//! * `GET /network-msp/v1/device-inventory?limit=&next=` (MSP token): every device of every
//!   tenant on the cluster asked, in msp-tenants order, each tenant inventory record with the
//!   tenant's `tenantId` (Central customer id) and `tenantName` added; `limit` 1..=1000
//!   required, `next` a page number, returned as a numeric string.
//! * `GET /network-monitoring/v1/{device-inventory,aps,switches,gateways,clients,devices}`
//!   (tenant token of the tenant whose data is served): `limit` required, 1..=1000 (100 for
//!   `gateways`); `next` a 1-based page number (default 1; 0 or non-numeric: 400);
//!   page size `min(limit, central_page_cap)`; the returned `next` is a numeric string (HPE's
//!   `monitoring.json`); on the last page `""` where the spec requires `next`, left out on
//!   `clients`. Items carry the spec's required `id` and `type` (see docs/platform-facts.md,
//!   "HPE's published specs"). `filter` (≤ 256 chars; `eq`/`in`/`and`
//!   on any field of the records, dotted paths allowed) and `sort` (≤ 256 chars;
//!   `field [asc|desc]`, comma-separated) are applied. Extra parameters: `device-inventory`
//!   `site-assigned=ASSIGNED|UNASSIGNED`; `clients` `site-id`, `site-name`, `serial-number` (of
//!   the AP). Unknown resource: 404 (there is no `network-monitoring/v1/sites`).
//! * `GET /network-monitoring/v1/sites-health` (tenant token): every site with its health, as
//!   the vendor SDK reads it: `id`, `siteName`, `type`, `address {address, city, country,
//!   zipCode}`, `timezone`, `health`, `devices {count, health}`, `clients {count, health}` (each
//!   `health` is `{"groups": [{"name": "Poor"|"Fair"|"Good", "value": n}]}`; the site's own
//!   counts devices and clients together), `alerts {totalCount, groups: [{"name":
//!   "Critical"|"Major"|"Minor", "count": n}]}`, `reasons` (why the site is degraded, as the
//!   spec's `{reason, health, data: {count}}` objects; empty when it is not). Paged by **offset**: `limit` 1..=100 required, `offset` items to skip (default
//!   0; `next` is refused with 400); the answer is `{items, count, total, offset, response}`
//!   (`response`: the spec's `{code, message, status}`) with no `next`. `filter` and `sort` as
//!   above.
//! * `GET /network-notifications/v1/alerts` (tenant token; HPE's `notifications.json`): the
//!   tenant's alerts, newest first: one `Active` alert per monitored device not in good health
//!   (`Critical` offline, `Major` online in poor health, `Minor` fair health: exactly the counts
//!   of list-tenants' `alerts` and of each site's `sites-health` alerts), the alerts a
//!   generation change cleared (`Cleared`), and old cleared `Info` reboot alerts. `limit`
//!   1..=100 (default 20), `next` from 1; `filter` on `siteId`, `typeId`, `status`,
//!   `category`, `deviceType`; `sort` on `createdAt`, `severity`, `status`, `name`, `priority`;
//!   `next` left out on the last page. Items carry the spec's required fields (all strings)
//!   plus `siteId`, `siteName`, `deviceSerial`. See `records/alerts.rs`.
//! * `GET /service-catalog/v1/service-manager-provisions` and `GET /service-catalog/v1/service-managers`
//!   (`offset`, `limit` 1..=1000): the MSP's provisions, one `PROVISIONED` Central
//!   ("HPE Aruba Networking Central") provision per GreenLake region of its clusters, plus a
//!   service that is not Central and an `UNPROVISIONED` Central region; provisions name their
//!   service manager by id only (`serviceManager.id`), names come from service-managers.
//! * `GET /devices/v1/devices` and `GET /subscriptions/v1/subscriptions` (GreenLake workspace
//!   resources, answered for the workspace whose token is presented: a tenant token gets that
//!   tenant's records; the MSP token gets the MSP workspace's own small inventory, 6 devices and
//!   their subscriptions, since GreenLake scopes these APIs to the token's workspace; no source
//!   shows what an MSP token gets there, so this is the simulator's reading): `offset` (items
//!   to skip, default 0) and `limit` (1..=2000 on devices, 1..=50 on subscriptions, default the
//!   maximum), at most [`SimConfig::glp_page_cap`] items per page, envelope
//!   `{items, count, offset, total}`; `filter` (`eq`/`in`/`and` on any record field), `sort`
//!   and `select` (top-level fields to keep). Unlike the other endpoints, unknown query
//!   parameters are **ignored silently**, as GreenLake does; a known one given twice is a 400.
//!   Per-workspace budgets: [`SimConfig::glp_devices_per_minute`] and
//!   [`SimConfig::glp_subscriptions_per_minute`] (GreenLake documents 160 and 60).
//! * Every other API endpoint rejects unknown and repeated query parameters with 400, in the GLP
//!   error shape with a `hpe.greenlake.bad_request` issue naming the parameter.
//! * `GET /_sim/stats` ([`Stats`]) and `GET /_sim/truth[?records=true][&tenant=ID]`
//!   ([`Truth`]): unauthenticated, never delayed, limited or faulted.
//!
//! # Central clusters
//!
//! Every public Central cluster (names as the vendor's SDK spells them, each with the GreenLake
//! region HPE's MSP workbench maps it to) is routed at `/clusters/{name in lower case}/...`
//! (`GET /_sim/clusters` and [`Simulator::clusters`] list them with their base URLs). The MSP
//! lives on [`SimConfig::clusters`] (default `US-WEST-4`); tenants are spread over them in turn,
//! except the last [`SimConfig::tenants_on_no_cluster`], which are on none (GreenLake lists them,
//! no list-tenants does). A path without the prefix reaches the MSP's first cluster. On a cluster
//! where the MSP is not provisioned every Central call is 401; list-tenants lists only the
//! tenants of the cluster asked; a tenant token works only on its tenant's cluster (401
//! elsewhere). The truth says each tenant's `cluster`.
//!
//! # Tokens and scoping
//!
//! Tokens are opaque, JWT-shaped random strings that live [`SimConfig::token_ttl`]
//! (`expires_in` is that, rounded down to whole seconds). On API calls a missing, malformed,
//! unknown, expired or revoked token gets 401 (GLP error body, `errorCode`
//! `HPE_GL_ERROR_UNAUTHORIZED`, `WWW-Authenticate: Bearer error="invalid_token"`); the MSP
//! token on a monitoring endpoint, or a tenant token on msp-tenants or list-tenants, gets 403
//! with a message saying which token is needed. With [`SimConfig::revoke_after`], every token
//! issued before that instant dies at that instant (once).
//!
//! # Error dialects
//!
//! GLP errors: `{"httpStatusCode", "errorCode", "message", "debugId", "errorDetails"?}`.
//! Central's paths speak [`SimConfig::central_dialect`] (flag `--central-dialect new|classic`):
//!
//! * [`CentralDialect::New`] (the default), new Central's: the same GreenLake shape with an
//!   integer `httpStatusCode`; a 429 is `HPE_GL_ERROR_TOO_MANY_REQUESTS` with no details.
//! * [`CentralDialect::Classic`], classic Central's: `httpStatusCode` a *string* (`"403"`), as
//!   seen in the wild; the 429 body is `{"message": "API rate limit exceeded"}`.
//!
//! # Rate limits
//!
//! One token bucket for GLP paths (token endpoint, workspaces, devices, subscriptions) at
//! [`SimConfig::glp_rps`], one for Central paths at [`SimConfig::central_rps`]; burst
//! `max(1, rps)`. Endpoint budgets per minute come first: token requests, msp-tenants (one
//! budget each for the whole MSP), devices, subscriptions and the devices writes (one budget per
//! workspace each). Over
//! the limit: 429;
//! the wait N is in integer seconds ≥ 1.
//!
//! * GLP: `Retry-After: N`, `ratelimit-limit`, `ratelimit-remaining: 0`, `ratelimit-reset: N`
//!   and an `errorDetails` entry `{"type": "hpe.greenlake.retry_info", "retryAfterSeconds": N}`.
//! * New Central: `X-RateLimit-Limit`, `X-RateLimit-Remaining: 0`, `X-RateLimit-Reset: N`, and
//!   no `Retry-After`.
//! * Classic Central: `Retry-After: N`, `X-RateLimit-Limit-second` and
//!   `X-RateLimit-Remaining-second: 0`.
//!
//! Allowed requests carry the same family with the live figures (reset: seconds until the
//! bucket is full). With [`SimConfig::rate_headers`] `= false` (flag `--no-rate-headers`) none of
//! these headers is sent but the one that says when to come back on a 429: `Retry-After` (GLP,
//! classic Central) or `X-RateLimit-Reset` alone (new Central). For N seconds after a 429 the
//! whole API answers 429; a request refused again because it came back (same method, path,
//! query and credential) before the wait its own 429 announced is counted in
//! [`Stats::early_requests`], whatever the timing of the requests around it.
//!
//! # Latency and faults
//!
//! Each API request waits [`SimConfig::latency`] plus a uniform jitter up to
//! [`SimConfig::latency_jitter`], then may fail (500/502/503), be dropped (connection closed
//! with no response) or, if it succeeds, get a truncated JSON body. Faults spare
//! the token endpoint unless [`SimConfig::faults_on_token_endpoint`] is set; latency and rate
//! limits apply to it.
//!
//! # Data
//!
//! Everything derives from [`SimConfig::seed`]: the MSP workspace id, the demo credentials
//! (a UUID client id and a secret of 32 lowercase hex digits, shaped like GreenLake's, so the
//! vendor's SDK, which sends HTTP Basic without form-encoding, works unchanged; with
//! [`SimConfig::hostile_secret`], flag `--hostile-secret`, the secret holds `+`, `%2B`, `&`, `:`
//! and a space, so only a client that form-encodes it gets a token), the tenants (unique unicode names
//! with accents, CJK, emoji and an apostrophe; workspace ids; different Central customer ids)
//! and their device counts: one tenant with [`SimConfig::max_devices`], several empty, one with
//! exactly 1000 (a page boundary), one with 1, the rest log-normal around 100. Records are
//! generated per page, never stored; every record carries a unique `serialNumber` (devices),
//! `macAddress` (clients) or `id` (sites-health) and an `x-sim-extra` object clients do not know;
//! serial numbers and MACs are unique across the whole population.
//!
//! Layout of a tenant with `D` inventory devices: `device-inventory` lists all `D`; the first
//! `M = D - D/16` are site-assigned and monitored (`devices`), split into `aps`, then
//! `switches` (30%), then `gateways` (5%); the last `D/16` are unassigned (inventory only,
//! `siteId: null`). `sites-health` lists `1 + M/30` sites (0 without devices), device `i` in
//! site `i % sites`; `clients` = 0..=4 per AP, in the site of their AP. list-tenants'
//! `deviceHealthStatus`, `alerts` (critical = offline, major = online in poor health, minor = fair health) and `degradedSites` (at least
//! 20% poor devices), and each site's health, alerts and reasons in `sites-health`, are
//! computed from the same per-device state the records show.
//!
//! GreenLake `glp/devices` of a tenant are its `device-inventory` devices in the same order
//! (same serial numbers, MACs, models, part numbers; `deviceType` `AP`/`SWITCH`/`GATEWAY`): the
//! site-assigned ones are `ASSIGNED_TO_SERVICE` with the Central application and one
//! subscription (device `i` holds subscription `i % S`), the unassigned ones `UNASSIGNED` with
//! neither. `glp/subscriptions`: `S` = 0 or 1 for a tenant without devices, else
//! `2 + D/400` up to 12, with `endTime` spread around the simulator's fixed now,
//! 2026-12-01T00:00:00Z (about one in five ended, `subscriptionStatus: ENDED`; one in five ends
//! within 90 days; the rest later), `availableQuantity` = `quantity` less the devices holding
//! it, both numbers in strings and `tier` from the spec's enumeration
//! (`subscription-management.json`); an unassigned device has no `application` field. The truth lists both under those names in `counts` and `records`, and the MSP's own
//! counts in `msp_counts`.

// Handlers return early with a ready `Response` as the error; boxing it would buy nothing.
#![allow(clippy::result_large_err)]

mod budgets;
mod catalog;
mod central;
mod clusters;
mod config;
mod errors;
mod faults;
mod filter;
mod greenlake;
mod ids;
mod inspect;
mod limits;
mod oauth;
mod pipeline;
mod population;
mod query;
mod records;
mod rng;
mod routes;
mod server;
mod state;
mod stats;
mod tokens;
mod truth;

use std::net::SocketAddr;

pub use config::{CentralDialect, DEFAULT_CLAIMABLE_KEYS, LimitShape, ResetStyle, SimConfig};
pub use inspect::ClusterInfo;
pub use server::{DemoCredentials, Simulator};
pub use stats::Stats;
pub use truth::{TenantTruth, Truth, WorkspaceTruth};

/// Errors of the simulator library.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// A configuration value is out of range.
    #[error("invalid simulator configuration: {0}")]
    InvalidConfig(String),
    /// The listener could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
}
