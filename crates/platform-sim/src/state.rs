//! The shared state of a running simulator: its configuration, population, tokens, statistics
//! and rate budgets. Handlers get it as `State<Arc<AppState>>`.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use axum::http::{HeaderMap, header};
use axum::response::Response;

use crate::budgets::Budgets;
use crate::central::RuleBook;
use crate::config::SimConfig;
use crate::errors::{Api, unauthorized};
use crate::greenlake::DeviceBook;
use crate::greenlake::registry::Registry;
use crate::population::Population;
use crate::stats::{Collector, Stats};
use crate::tokens::{Check, Subject, TokenStore};

/// Shared state of a running simulator.
#[derive(Debug)]
pub(crate) struct AppState {
    pub(crate) cfg: SimConfig,
    pub(crate) pop: Population,
    pub(crate) tokens: TokenStore,
    pub(crate) stats: Collector,
    pub(crate) budgets: Budgets,
    /// What the msp-tenants writes changed.
    registry: Mutex<Registry>,
    /// Every tenant's notification rules, as the writes left them.
    rules: Mutex<RuleBook>,
    /// What the devices writes changed, and their operations.
    devices: Mutex<DeviceBook>,
}

impl AppState {
    /// The state of a simulator started now with `cfg` (validated).
    pub(crate) fn new(mut cfg: SimConfig) -> Self {
        // Validated: every name is a public cluster; keep the canonical spelling.
        for c in &mut cfg.clusters {
            if let Some(name) = crate::clusters::canonical(c) {
                *c = name.to_string();
            }
        }
        let started = Instant::now();
        let pop = Population::build(&cfg);
        let tokens = TokenStore::new(cfg.token_ttl, cfg.revoke_after.map(|d| started + d))
            .remembering(cfg.remember_tokens)
            .with_leeway(cfg.token_leeway);
        AppState {
            budgets: Budgets::new(&cfg),
            cfg,
            pop,
            tokens,
            stats: Collector::new(started),
            registry: Mutex::default(),
            rules: Mutex::default(),
            devices: Mutex::default(),
        }
    }

    /// The customer workspaces as the writes left them (locked until the guard drops).
    pub(crate) fn registry(&self) -> MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The tenants' notification rules (locked until the guard drops).
    pub(crate) fn rules(&self) -> MutexGuard<'_, RuleBook> {
        self.rules.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The devices writes' book (locked until the guard drops).
    pub(crate) fn devices(&self) -> MutexGuard<'_, DeviceBook> {
        self.devices.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Central's [`Api`], in the configured dialect.
    pub(crate) fn central(&self) -> Api {
        Api::Central(self.cfg.central_dialect)
    }

    /// The live token of an API request, or the 401 to send.
    pub(crate) fn authenticate(&self, headers: &HeaderMap, api: Api) -> Result<Subject, Response> {
        let Some(value) = headers.get(header::AUTHORIZATION) else {
            return Err(unauthorized(
                api,
                "Missing access token: send 'Authorization: Bearer <access token>'",
            ));
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| t.trim())
            .filter(|t| !t.is_empty());
        let Some(token) = token else {
            return Err(unauthorized(
                api,
                "Malformed Authorization header: expected 'Bearer <access token>'",
            ));
        };
        match self.tokens.check(token, self.tokens.now()) {
            Check::Valid(s) => Ok(s),
            Check::Expired => Err(unauthorized(
                api,
                "The access token has expired: get a new token and retry",
            )),
            Check::Revoked => Err(unauthorized(
                api,
                "The access token has been revoked: get a new token and retry",
            )),
            Check::Unknown => Err(unauthorized(api, "The access token is not valid")),
        }
    }

    /// The statistics so far.
    pub(crate) fn snapshot(&self) -> Stats {
        self.stats
            .snapshot(self.tokens.issued(), self.tokens.revoked(self.tokens.now()))
    }
}
