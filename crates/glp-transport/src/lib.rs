//! The HTTP transport shared by the `glp-workspaces` and `central-api` clients, written once.
//!
//! [`ApiClient`] sends authorised JSON GETs: a bearer token for the call's
//! [`Scope`](glp_core::Scope) from a [`TokenProvider`](glp_core::TokenProvider), one refresh and
//! retry on 401, retries with backoff and jitter on 429/5xx/broken connections (never sooner
//! than the server's `Retry-After`), client-side pacing per API with `governor` (a 429 pauses the
//! whole API), timeouts, a `User-Agent`, and tracing spans without tokens. [`Pager`] is the one pager of
//! every list: [`Pager::walk`] reads pages one after another (cursor or offset, with the stop
//! rules and the page cap), [`Pager::walk_numbered`] reads numbered pages several at a time.
//! Errors are [`ApiError`], with the 401/403 hints.

mod api;
mod client;
mod error;
mod flow;
mod handle;
mod host;
mod http;
mod items;
mod pacer;
mod paginate;
mod query;
mod retry_loop;
mod sleep;
mod spec_paths;
mod tally;
mod transport;
mod write_pacers;

pub use api::Api;
pub use client::{
    Answer, ApiClient, ApiClientBuilder, CENTRAL_DEFAULT_RATE, Credential, DEFAULT_MAX_BODY,
    GREENLAKE_DEFAULT_RATE, Method, Request, Step, content_type_text, json_step,
};
pub use error::ApiError;
pub use glp_core::ErrorBody;
pub use http::USER_AGENT;
pub use items::Items;
pub use pacer::{MIN_RATE, Pacer};
pub use paginate::{DEFAULT_MAX_PAGES, MAX_NUMBERED_PAGES, Paged, Pager};
pub use query::{
    FilterToken, ListQuery, QueryProblem, UnclosedString, check_expression, check_param,
    lex_filter, set_param,
};
pub use sleep::{Sleeper, TokioSleeper};
pub use spec_paths::{PathProblem, SpecPaging, SpecPath, SpecPaths, check_path};
pub use tally::{Tally, TallySnapshot};
pub use transport::{FamilyStats, Transport};
pub use write_pacers::MAX_WRITE_PACERS;
