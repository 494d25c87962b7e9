//! The simulator's rate budgets, as configured, and which of them a request draws from: an
//! endpoint's own budget first (the token endpoint's, msp-tenants' and its writes', one each for
//! the whole MSP; devices' and subscriptions', one per workspace), then its API's.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::config::SimConfig;
use crate::errors::Api;
use crate::limits::Bucket;

/// A budget of its own that an endpoint draws from before its API's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Own {
    /// The token endpoint's ([`SimConfig::glp_token_per_minute`]).
    Token,
    /// msp-tenants' ([`SimConfig::glp_tenants_per_minute`]).
    MspTenants,
    /// The msp-tenants writes' (POST, PUT, DELETE together;
    /// [`SimConfig::glp_tenant_writes_per_minute`]).
    TenantWrites,
    /// GreenLake devices', per workspace ([`SimConfig::glp_devices_per_minute`]).
    Devices,
    /// GreenLake subscriptions', per workspace ([`SimConfig::glp_subscriptions_per_minute`]).
    Subscriptions,
    /// GreenLake devices writes', per workspace ([`SimConfig::glp_device_writes_per_minute`]).
    DeviceWrites,
    /// GreenLake subscription adds', per workspace
    /// ([`SimConfig::glp_subscription_writes_per_minute`]).
    SubscriptionWrites,
}

/// Every configured budget (`None`: unlimited).
#[derive(Debug)]
pub(crate) struct Budgets {
    glp: Option<Bucket>,
    central: Option<Bucket>,
    /// One budget for every API of the host ([`SimConfig::host_rps`]), drawn from last.
    host: Option<Bucket>,
    token: Option<Bucket>,
    tenants: Option<Bucket>,
    tenant_writes: Option<Bucket>,
    devices_per_minute: Option<u32>,
    subscriptions_per_minute: Option<u32>,
    device_writes_per_minute: Option<u32>,
    subscription_writes_per_minute: Option<u32>,
    background_share: f64,
    /// The per-workspace budgets, by endpoint and workspace (a tenant's index, `u32::MAX` for
    /// the MSP), made on first use.
    workspaces: Mutex<HashMap<(Own, u32), Arc<Bucket>>>,
}

impl Budgets {
    /// The budgets `cfg` asks for, all full.
    pub(crate) fn new(cfg: &SimConfig) -> Self {
        let share = cfg.background_share;
        let api_bucket = |rps: f64| {
            let burst = cfg.limit_burst.unwrap_or(rps.max(1.0));
            Bucket::shaped(rps, burst, share, cfg.limit_shape, cfg.reset_style)
        };
        Budgets {
            glp: cfg.glp_rps.map(api_bucket),
            central: cfg.central_rps.map(api_bucket),
            host: cfg.host_rps.map(api_bucket),
            token: cfg
                .glp_token_per_minute
                .map(|n| Bucket::per_minute(n, share)),
            tenants: cfg
                .glp_tenants_per_minute
                .map(|n| Bucket::per_minute(n, share)),
            tenant_writes: cfg
                .glp_tenant_writes_per_minute
                .map(|n| Bucket::per_minute(n, share)),
            devices_per_minute: cfg.glp_devices_per_minute,
            subscriptions_per_minute: cfg.glp_subscriptions_per_minute,
            device_writes_per_minute: cfg.glp_device_writes_per_minute,
            subscription_writes_per_minute: cfg.glp_subscription_writes_per_minute,
            background_share: share,
            workspaces: Mutex::default(),
        }
    }

    /// The shared buckets a request to an endpoint of `api` with budget `own` draws from,
    /// narrowest first (the endpoint's own, then its API's).
    pub(crate) fn shared(&self, api: Api, own: Option<Own>) -> Vec<&Bucket> {
        let endpoint = match own {
            Some(Own::Token) => self.token.as_ref(),
            Some(Own::MspTenants) => self.tenants.as_ref(),
            Some(Own::TenantWrites) => self.tenant_writes.as_ref(),
            _ => None,
        };
        let api = match api {
            Api::Glp => self.glp.as_ref(),
            Api::Central(_) => self.central.as_ref(),
        };
        endpoint
            .into_iter()
            .chain(api)
            .chain(self.host.as_ref())
            .collect()
    }

    /// The per-workspace bucket of `own`, if it is one and configured, for the workspace
    /// `workspace` names (asked only then; `None`: no workspace, no bucket).
    pub(crate) fn per_workspace(
        &self,
        own: Option<Own>,
        workspace: impl FnOnce() -> Option<u32>,
    ) -> Option<Arc<Bucket>> {
        let own = own?;
        let per_minute = match own {
            Own::Devices => self.devices_per_minute,
            Own::Subscriptions => self.subscriptions_per_minute,
            Own::DeviceWrites => self.device_writes_per_minute,
            Own::SubscriptionWrites => self.subscription_writes_per_minute,
            Own::Token | Own::MspTenants | Own::TenantWrites => None,
        }?;
        let workspace = workspace()?;
        let mut buckets = self
            .workspaces
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        Some(
            buckets
                .entry((own, workspace))
                .or_insert_with(|| Arc::new(Bucket::per_minute(per_minute, self.background_share)))
                .clone(),
        )
    }
}
