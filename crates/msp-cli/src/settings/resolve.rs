//! Resolving the layers into the [`Settings`](super::Settings) of a run.

use std::time::Duration;

use glp_auth::text::escape_control;
use glp_auth::{
    BaseUrl, ConfigError, Credentials, ENV_BASE_URL, ENV_CLIENT_ID, ENV_CLIENT_SECRET,
    ENV_WORKSPACE_ID, RetryPolicy, WorkspaceId,
};
use msp_orchestrator::{CentralPlan, RerunList, Selector, SessionSettings, TenantSource};

use super::super::args::{GlobalArgs, SourceArg};
use super::checks::{central_plan, cluster_table};
use super::file::{read_path_or_stdin, read_secret_file};
use super::{Layers, Settings};

/// Stands in for the Central gateway of a run that never calls Central (`tenants` listed by
/// GreenLake): `.invalid` never resolves, so nothing can be sent there by mistake.
pub(super) const NO_CENTRAL: &str = "https://central-gateway-not-configured.invalid";

/// Resolves the process's settings for a run that calls Central.
pub(crate) fn resolve(flags: &GlobalArgs) -> Result<Settings, ConfigError> {
    resolve_for(flags, true)
}

/// Resolves the process's settings; without `needs_central` a missing gateway is no problem (a
/// given one is still checked; tenants from Central need one).
pub(crate) fn resolve_for(
    flags: &GlobalArgs,
    needs_central: bool,
) -> Result<Settings, ConfigError> {
    Layers::load(flags)?.resolve(needs_central)
}

impl Layers {
    /// The settings of a run, every problem reported at once.
    pub(crate) fn resolve(&self, needs_central: bool) -> Result<Settings, ConfigError> {
        let o = self.combine().options;
        let mut problems = Vec::new();

        let secret = match &o.client_secret_file {
            Some(path) => read_secret_file(path, &mut problems),
            None => o.client_secret.clone(),
        };
        let credentials = Credentials::from_lookup(|name| match name {
            ENV_CLIENT_ID => o.client_id.clone(),
            ENV_CLIENT_SECRET => secret.clone(),
            ENV_WORKSPACE_ID => o.workspace_id.clone(),
            ENV_BASE_URL => o.glp_base_url.clone(),
            _ => None,
        })
        .map_err(|e| {
            // An unreadable --client-secret-file was said above; "GLP_CLIENT_SECRET is not
            // set" would send the user to the wrong place.
            let secret_file_failed = o.client_secret_file.is_some() && secret.is_none();
            problems.extend(
                e.problems
                    .into_iter()
                    .filter(|p| !(secret_file_failed && p.starts_with(ENV_CLIENT_SECRET))),
            );
        })
        .ok();

        let mut done = Vec::new();
        let source = match (&o.tenant_ids_from, o.source) {
            (Some(path), source) => match read_path_or_stdin(path) {
                Ok(text) => {
                    let list = RerunList::parse(&text);
                    for id in &list.done {
                        match WorkspaceId::parse(id) {
                            Ok(id) => done.push(id),
                            Err(e) => problems.push(format!(
                                "--tenant-ids-from {}: `!{}` names no workspace id ({e}); a \
                                 `!` line holds the id of a tenant done before",
                                path.display(),
                                escape_control(id)
                            )),
                        }
                    }
                    match source {
                        _ if !list.is_rest_of_listing() => TenantSource::Explicit(list.run),
                        Some(SourceArg::Central) => TenantSource::Central,
                        _ => TenantSource::GreenLake,
                    }
                }
                Err(e) => {
                    let path = path.display();
                    problems.push(format!("cannot read --tenant-ids-from {path}: {e}"));
                    TenantSource::GreenLake
                }
            },
            (None, Some(SourceArg::Central)) => TenantSource::Central,
            (None, _) => TenantSource::GreenLake,
        };
        let needs_central = needs_central || matches!(source, TenantSource::Central);

        let cluster_table =
            cluster_table(o.cluster_urls.as_deref().unwrap_or_default(), &mut problems);
        // Central: the first layer that names a gateway decides; in it, a URL wins over a cluster.
        let (url, cluster) = (o.central_base_url.as_deref(), o.central_cluster.as_deref());
        let central = match central_plan(url, cluster, &cluster_table, &mut problems) {
            Some(plan) => Some(plan),
            None if url.is_some() || cluster.is_some() => {
                if problems.is_empty() {
                    problems.push("no Central gateway given (the values are blank)".into());
                }
                None
            }
            None if !needs_central => BaseUrl::parse(NO_CENTRAL)
                .map_err(|e| problems.push(e.to_string()))
                .ok()
                .map(|u| CentralPlan::Gateways(vec![("-".into(), u)])),
            None => {
                problems.push(
                    "no Central gateway: set CENTRAL_BASE_URL (the API Gateway URL shown in \
                     Central) or CENTRAL_CLUSTER (e.g. US-WEST-4, EU-1, several separated by \
                     commas, or auto)"
                        .into(),
                );
                None
            }
        };

        // The defaults layer gives concurrency, max_body_mib and retries.
        let concurrency = o.concurrency.unwrap_or_default();
        if concurrency == 0 {
            problems.push("--concurrency must be at least 1".into());
        }
        for (name, value) in [("--rate", o.rate), ("--glp-rate", o.glp_rate)] {
            if value.is_some_and(|value| !(value.is_finite() && value > 0.0)) {
                problems.push(format!(
                    "{name} must be a positive number of requests per second"
                ));
            }
        }
        let max_body_mib = o.max_body_mib.unwrap_or_default();
        if !(1..=4096).contains(&max_body_mib) {
            problems.push("--max-body-mib must be between 1 and 4096".into());
        }
        // try_from: a huge value (1e30) is a usage error, not a panic.
        let timeout = match o.timeout.map(Duration::try_from_secs_f64) {
            None => None,
            Some(Ok(d)) if !d.is_zero() => Some(d),
            Some(_) => {
                problems.push(
                    "--timeout must be a positive number of seconds (at most about 584 billion \
                     years)"
                        .into(),
                );
                None
            }
        };
        let retries = o.retries.unwrap_or_default();
        if retries == 0 {
            problems.push("--retries must be at least 1 (the first attempt counts)".into());
        }

        match (credentials, central) {
            (Some(credentials), Some(central)) if problems.is_empty() => Ok(Settings {
                session: SessionSettings {
                    credentials,
                    central,
                    cluster_table,
                    rate: o.rate,
                    glp_rate: o.glp_rate,
                    max_body: max_body_mib.saturating_mul(1024 * 1024),
                    // A 429 waits as long as the tenant may take: the server's "slower" never
                    // fails a tenant before its own --timeout would.
                    retry: RetryPolicy::with_max_attempts(retries).rate_limited_budget(
                        timeout.unwrap_or(glp_auth::retry::DEFAULT_RATE_LIMITED_BUDGET),
                    ),
                },
                source,
                done,
                selector: {
                    let [include, exclude, include_id, exclude_id] = self.tenants.clone();
                    Selector::with_ids(include, exclude, include_id, exclude_id)
                },
                concurrency,
                timeout,
            }),
            _ => Err(ConfigError { problems }),
        }
    }
}
