//! Settings from flags, the environment and a TOML file (in that order of precedence).

use std::path::{Path, PathBuf};
use std::time::Duration;

use central_api::CentralLocation;
use glp_auth::{BaseUrl, ConfigError, Credentials, RetryPolicy};
use msp_orchestrator::{Selector, TenantSource, parse_id_list};
use serde::Deserialize;

use super::args::{GlobalArgs, SourceArg};

/// Keys of the TOML configuration file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FileConfig {
    client_id: Option<String>,
    client_secret: Option<String>,
    client_secret_file: Option<PathBuf>,
    workspace_id: Option<String>,
    glp_base_url: Option<String>,
    central_base_url: Option<String>,
    central_cluster: Option<String>,
    source: Option<SourceArg>,
    concurrency: Option<usize>,
    rate: Option<f64>,
    glp_rate: Option<f64>,
    max_body_mib: Option<u64>,
    timeout: Option<f64>,
    retries: Option<u32>,
    /// The inventory store (`snapshot`, `status`, `diff`...).
    pub(crate) db: Option<PathBuf>,
}

/// Everything a run needs, validated.
#[derive(Debug)]
pub(crate) struct Settings {
    pub(crate) credentials: Credentials,
    pub(crate) central: BaseUrl,
    pub(crate) source: TenantSource,
    pub(crate) selector: Selector,
    pub(crate) concurrency: usize,
    /// Ceilings (none by default: the budget is learned from the server).
    pub(crate) rate: Option<f64>,
    pub(crate) glp_rate: Option<f64>,
    /// The cap on one response body, in bytes.
    pub(crate) max_body: u64,
    pub(crate) timeout: Option<Duration>,
    pub(crate) retry: RetryPolicy,
}

/// Reads the config file, warning (on stderr) when it holds a secret others can read.
pub(crate) fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        problem(format!(
            "cannot read the config file {}: {e}",
            path.display()
        ))
    })?;
    let config: FileConfig = toml::from_str(&text).map_err(|e| {
        problem(format!(
            "the config file {} is not valid: {}",
            path.display(),
            e.message()
        ))
    })?;
    if config.client_secret.is_some() && readable_by_others(path) {
        eprintln!(
            "warning: {} holds a client secret and is readable by other users; run: chmod 600 {}",
            path.display(),
            path.display()
        );
    }
    Ok(config)
}

#[cfg(unix)]
fn readable_by_others(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o077 != 0)
}

#[cfg(not(unix))]
fn readable_by_others(_path: &Path) -> bool {
    false
}

fn problem(p: String) -> ConfigError {
    ConfigError { problems: vec![p] }
}

/// The largest `--client-secret-file` read (a secret is a few dozen bytes; a larger file is
/// surely the wrong one).
pub(crate) const MAX_SECRET_FILE_BYTES: u64 = 64 * 1024;

fn read_secret_file(path: &Path, problems: &mut Vec<String>) -> Option<String> {
    use std::io::Read as _;
    let read = std::fs::File::open(path).and_then(|file| {
        let mut text = String::new();
        file.take(MAX_SECRET_FILE_BYTES + 1)
            .read_to_string(&mut text)?;
        Ok(text)
    });
    if read
        .as_ref()
        .is_ok_and(|s| s.len() as u64 > MAX_SECRET_FILE_BYTES)
    {
        problems.push(format!(
            "the client secret file {} is larger than {} KiB: is it the right file? It should \
             hold only the secret",
            path.display(),
            MAX_SECRET_FILE_BYTES / 1024
        ));
        return None;
    }
    if read.is_ok() && readable_by_others(path) {
        eprintln!(
            "warning: the client secret file {} is readable by other users; run: chmod 600 {}",
            path.display(),
            path.display()
        );
    }
    match read {
        Ok(s) if !s.trim().is_empty() => Some(s.trim_end_matches(['\n', '\r']).to_owned()),
        Ok(_) => {
            problems.push(format!(
                "the client secret file {} is empty",
                path.display()
            ));
            None
        }
        Err(e) => {
            problems.push(format!(
                "cannot read the client secret file {}: {e}",
                path.display()
            ));
            None
        }
    }
}

/// Resolves settings: flags, then `env`, then the file.
pub(crate) fn resolve(
    flags: &GlobalArgs,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Settings, ConfigError> {
    let file = match &flags.config {
        Some(path) => read_file(path)?,
        None => FileConfig::default(),
    };
    let env = |k: &str| env(k).filter(|v| !v.trim().is_empty());
    let mut problems = Vec::new();

    let secret = if let Some(path) = &flags.client_secret_file {
        read_secret_file(path, &mut problems)
    } else if let Some(s) = env(glp_auth::ENV_CLIENT_SECRET) {
        Some(s)
    } else if let Some(path) = &file.client_secret_file {
        read_secret_file(path, &mut problems)
    } else {
        file.client_secret.clone()
    };
    let layered = |flag: &Option<String>, var: &str, in_file: &Option<String>| {
        flag.clone()
            .or_else(|| env(var))
            .or_else(|| in_file.clone())
    };
    let client_id = layered(&flags.client_id, glp_auth::ENV_CLIENT_ID, &file.client_id);
    let workspace_id = layered(
        &flags.workspace_id,
        glp_auth::ENV_WORKSPACE_ID,
        &file.workspace_id,
    );
    let glp_base_url = layered(
        &flags.glp_base_url,
        glp_auth::ENV_BASE_URL,
        &file.glp_base_url,
    );
    let credentials = Credentials::from_lookup(|name| match name {
        glp_auth::ENV_CLIENT_ID => client_id.clone(),
        glp_auth::ENV_CLIENT_SECRET => secret.clone(),
        glp_auth::ENV_WORKSPACE_ID => workspace_id.clone(),
        glp_auth::ENV_BASE_URL => glp_base_url.clone(),
        _ => None,
    });
    let credentials = match credentials {
        Ok(c) => Some(c),
        Err(e) => {
            problems.extend(e.problems);
            None
        }
    };

    // Central: the first layer that names a gateway decides; in it, a URL wins over a cluster.
    let layers = [
        (
            flags.central_base_url.clone(),
            flags.central_cluster.clone(),
        ),
        (env("CENTRAL_BASE_URL"), env("CENTRAL_CLUSTER")),
        (file.central_base_url.clone(), file.central_cluster.clone()),
    ];
    let central = match layers.into_iter().find(|(u, c)| u.is_some() || c.is_some()) {
        None => {
            problems.push(
                "no Central gateway: set CENTRAL_BASE_URL (the API Gateway URL shown in Central) \
                 or CENTRAL_CLUSTER (e.g. US-WEST-4, EU-1)"
                    .into(),
            );
            None
        }
        Some((url, cluster)) => {
            match CentralLocation::choose(url.as_deref(), cluster.as_deref())
                .map_err(|e| e.to_string())
                .and_then(|loc| loc.base_url().map_err(|e| e.to_string()))
            {
                Ok(base) => Some(base),
                Err(e) => {
                    problems.push(e);
                    None
                }
            }
        }
    };

    let concurrency = flags.concurrency.or(file.concurrency).unwrap_or(8);
    if concurrency == 0 {
        problems.push("--concurrency must be at least 1".into());
    }
    let rate = flags.rate.or(file.rate);
    let glp_rate = flags.glp_rate.or(file.glp_rate);
    for (name, value) in [("--rate", rate), ("--glp-rate", glp_rate)] {
        if value.is_some_and(|value| !(value.is_finite() && value > 0.0)) {
            problems.push(format!(
                "{name} must be a positive number of requests per second"
            ));
        }
    }
    let max_body_mib = flags.max_body_mib.or(file.max_body_mib).unwrap_or(32);
    if !(1..=4096).contains(&max_body_mib) {
        problems.push("--max-body-mib must be between 1 and 4096".into());
    }
    let timeout = flags.timeout.or(file.timeout);
    if timeout.is_some_and(|t| !(t.is_finite() && t > 0.0)) {
        problems.push("--timeout must be a positive number of seconds".into());
    }
    let retries = flags
        .retries
        .or(file.retries)
        .unwrap_or(RetryPolicy::default().max_attempts);
    if retries == 0 {
        problems.push("--retries must be at least 1 (the first attempt counts)".into());
    }

    let source = match (&flags.tenant_ids_from, flags.source.or(file.source)) {
        (Some(path), _) => match std::fs::read_to_string(path) {
            Ok(text) => TenantSource::Explicit(parse_id_list(&text)),
            Err(e) => {
                problems.push(format!(
                    "cannot read --tenant-ids-from {}: {e}",
                    path.display()
                ));
                TenantSource::GreenLake
            }
        },
        (None, Some(SourceArg::Central)) => TenantSource::Central,
        (None, _) => TenantSource::GreenLake,
    };

    match (credentials, central) {
        (Some(credentials), Some(central)) if problems.is_empty() => Ok(Settings {
            credentials,
            central,
            source,
            selector: Selector::new(flags.include.clone(), flags.exclude.clone()),
            concurrency,
            rate,
            glp_rate,
            max_body: max_body_mib.saturating_mul(1024 * 1024),
            timeout: timeout.map(Duration::from_secs_f64),
            retry: RetryPolicy::with_max_attempts(retries),
        }),
        _ => Err(ConfigError { problems }),
    }
}
