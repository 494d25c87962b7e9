//! Settings from flags, the environment and a TOML file (in that order of precedence). The
//! file is `--config FILE`, else `config.toml` in the platform's config directory when it
//! exists (`~/.config/glp-msp/config.toml` on Linux); a `[profiles.NAME]` table, chosen with
//! `--profile NAME` or `GLP_PROFILE`, overrides the file's top-level keys.

use std::path::{Path, PathBuf};
use std::time::Duration;

use central_api::{ClusterTable, canonical_cluster};
use glp_auth::{BaseUrl, ConfigError, Credentials, RetryPolicy};
use msp_orchestrator::{Selector, TenantSource, gateway_name, parse_id_list};
use serde::Deserialize;

use super::args::{GlobalArgs, SourceArg};

/// Keys of the TOML configuration file.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FileConfig {
    client_id: Option<String>,
    client_secret: Option<String>,
    client_secret_file: Option<PathBuf>,
    workspace_id: Option<String>,
    glp_base_url: Option<String>,
    central_base_url: Option<String>,
    central_cluster: Option<String>,
    /// Gateways of clusters where they differ from the built-in table: `["NAME=URL", ...]`.
    cluster_urls: Option<Vec<String>>,
    source: Option<SourceArg>,
    concurrency: Option<usize>,
    rate: Option<f64>,
    glp_rate: Option<f64>,
    max_body_mib: Option<u64>,
    timeout: Option<f64>,
    retries: Option<u32>,
    /// The inventory store (`snapshot`, `status`, `diff`...).
    pub(crate) db: Option<PathBuf>,
    /// Named sets of the same keys (no profiles inside a profile).
    #[serde(default)]
    profiles: std::collections::BTreeMap<String, FileConfig>,
}

impl FileConfig {
    /// `profile`'s keys over these. The Central gateway is one setting: a profile that names a
    /// URL or a cluster replaces both.
    fn overlay(self, profile: FileConfig) -> FileConfig {
        let (central_base_url, central_cluster) =
            if profile.central_base_url.is_some() || profile.central_cluster.is_some() {
                (profile.central_base_url, profile.central_cluster)
            } else {
                (self.central_base_url, self.central_cluster)
            };
        FileConfig {
            central_base_url,
            central_cluster,
            client_id: profile.client_id.or(self.client_id),
            client_secret: profile.client_secret.or(self.client_secret),
            client_secret_file: profile.client_secret_file.or(self.client_secret_file),
            workspace_id: profile.workspace_id.or(self.workspace_id),
            glp_base_url: profile.glp_base_url.or(self.glp_base_url),
            cluster_urls: profile.cluster_urls.or(self.cluster_urls),
            source: profile.source.or(self.source),
            concurrency: profile.concurrency.or(self.concurrency),
            rate: profile.rate.or(self.rate),
            glp_rate: profile.glp_rate.or(self.glp_rate),
            max_body_mib: profile.max_body_mib.or(self.max_body_mib),
            timeout: profile.timeout.or(self.timeout),
            retries: profile.retries.or(self.retries),
            db: profile.db.or(self.db),
            profiles: Default::default(),
        }
    }
}

/// The default config file: `config.toml` in the platform's config directory.
pub(crate) fn default_config_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "glp-msp").map(|d| d.config_dir().join("config.toml"))
}

/// Where the file layer came from: the file, and the profile chosen in it.
#[derive(Debug, Clone, Default)]
pub(crate) struct FileOrigin {
    pub(crate) path: Option<PathBuf>,
    pub(crate) profile: Option<String>,
}

impl std::fmt::Display for FileOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.path, &self.profile) {
            (Some(path), Some(p)) => write!(f, "file {} [profiles.{p}]", path.display()),
            (Some(path), None) => write!(f, "file {}", path.display()),
            (None, _) => f.write_str("file"),
        }
    }
}

/// The file layer: `--config`, else the default file when it exists; with `--profile` (or
/// `GLP_PROFILE`), that profile over the top-level keys. A profile that is not in the file is
/// an error naming the ones that are.
pub(crate) fn load_file(flags: &GlobalArgs) -> Result<(FileConfig, FileOrigin), ConfigError> {
    let (top, profile, origin) = load_layers(flags)?;
    Ok((
        match profile {
            Some(p) => top.overlay(p),
            None => top,
        },
        origin,
    ))
}

/// The file's top-level keys and the chosen profile's, apart (for `config show`).
fn load_layers(
    flags: &GlobalArgs,
) -> Result<(FileConfig, Option<FileConfig>, FileOrigin), ConfigError> {
    let path = match &flags.config {
        Some(path) => Some(path.clone()),
        None => default_config_path().filter(|p| p.is_file()),
    };
    let profile = flags.profile.clone().filter(|p| !p.trim().is_empty());
    let Some(path) = path else {
        if let Some(p) = &profile {
            let default = default_config_path()
                .map(|d| d.display().to_string())
                .unwrap_or_else(|| "none on this platform".into());
            return Err(problem(format!(
                "profile `{p}` chosen (--profile / GLP_PROFILE) but there is no config file: \
                 give --config FILE or create {default}"
            )));
        }
        return Ok((FileConfig::default(), None, FileOrigin::default()));
    };
    let file = read_file(&path)?;
    for (name, p) in &file.profiles {
        if !p.profiles.is_empty() {
            return Err(problem(format!(
                "the config file {}: [profiles.{name}] holds profiles of its own",
                path.display()
            )));
        }
    }
    let (top, chosen) = match &profile {
        None => (file, None),
        Some(p) => {
            let mut file = file;
            match file.profiles.remove(p) {
                Some(chosen) => (file, Some(chosen)),
                None => {
                    let known: Vec<&str> = file.profiles.keys().map(String::as_str).collect();
                    return Err(problem(format!(
                        "no profile `{p}` in {}; its profiles: {}",
                        path.display(),
                        if known.is_empty() {
                            "none".into()
                        } else {
                            known.join(", ")
                        }
                    )));
                }
            }
        }
    };
    Ok((
        top,
        chosen,
        FileOrigin {
            path: Some(path),
            profile,
        },
    ))
}

/// Everything a run needs, validated.
#[derive(Debug)]
pub(crate) struct Settings {
    pub(crate) credentials: Credentials,
    /// Which Central gateways the run uses.
    pub(crate) central: CentralPlan,
    /// The cluster table, with the user's gateway overrides.
    pub(crate) cluster_table: ClusterTable,
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

/// The text of `path`, or of stdin when `path` is `-`.
fn read_path_or_stdin(path: &Path) -> std::io::Result<String> {
    if path.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin())
    } else {
        std::fs::read_to_string(path)
    }
}

/// Which Central gateways a run uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CentralPlan {
    /// These gateways, each with its name (the cluster's, or the host's for a URL that is in
    /// no table), in the order given.
    Gateways(Vec<(String, BaseUrl)>),
    /// Find the MSP's clusters from GreenLake's service catalog (`--central-cluster auto`).
    Auto,
}

/// The cluster table with the overrides `NAME=URL` of `entries`; problems are pushed.
fn cluster_table(entries: &[String], problems: &mut Vec<String>) -> ClusterTable {
    let mut table = ClusterTable::public();
    for entry in entries.iter().map(|e| e.trim()).filter(|e| !e.is_empty()) {
        let Some((name, url)) = entry.split_once('=') else {
            problems.push(format!(
                "--cluster-url {}: expected NAME=URL, e.g. EU-1=https://de1.api.central.arubanetworks.com",
                glp_auth::text::untrusted(entry)
            ));
            continue;
        };
        match BaseUrl::parse(url.trim()) {
            Err(e) => problems.push(format!("--cluster-url {}: {e}", name.trim())),
            Ok(url) => match table.clone().with_url(name, url) {
                Ok(t) => table = t,
                Err(e) => problems.push(format!("--cluster-url: {e}")),
            },
        }
    }
    table
}

/// The plan of `urls` (comma-separated) or else `clusters` (comma-separated names, or `auto`).
fn central_plan(
    urls: Option<&str>,
    clusters: Option<&str>,
    table: &ClusterTable,
    problems: &mut Vec<String>,
) -> Option<CentralPlan> {
    let list = |v: &str| -> Vec<String> {
        v.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let urls = urls.map(list).filter(|l| !l.is_empty());
    let clusters = clusters.map(list).filter(|l| !l.is_empty());
    let mut gateways: Vec<(String, BaseUrl)> = Vec::new();
    let mut add = |name: String, url: BaseUrl, problems: &mut Vec<String>| {
        if gateways.iter().any(|(n, u)| *n == name || *u == url) {
            problems.push(format!("the Central gateway {name} is given twice"));
        } else {
            gateways.push((name, url));
        }
    };
    if let Some(urls) = urls {
        for url in urls {
            match BaseUrl::parse(&url) {
                Ok(url) => add(gateway_name(&url, table), url, problems),
                Err(e) => problems.push(format!("the Central API gateway URL is not usable: {e}")),
            }
        }
    } else if let Some(names) = clusters {
        if names.iter().any(|n| n.eq_ignore_ascii_case("auto")) {
            if names.len() > 1 {
                problems.push(
                    "--central-cluster auto finds every cluster itself: give it alone, or \
                     name the clusters"
                        .into(),
                );
                return None;
            }
            return Some(CentralPlan::Auto);
        }
        for name in names {
            match table.url(&name) {
                Ok(url) => add(
                    canonical_cluster(&name).unwrap_or(&name).to_owned(),
                    url,
                    problems,
                ),
                Err(e) => problems.push(e.to_string()),
            }
        }
    } else {
        return None;
    }
    (!gateways.is_empty()).then_some(CentralPlan::Gateways(gateways))
}

/// Stands in for the Central gateway of a run that never calls Central (`tenants` listed by
/// GreenLake): `.invalid` never resolves, so nothing can be sent there by mistake.
const NO_CENTRAL: &str = "https://central-gateway-not-configured.invalid";

/// Resolves settings for a run that calls Central: flags, then `env`, then the file.
pub(crate) fn resolve(
    flags: &GlobalArgs,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Settings, ConfigError> {
    resolve_for(flags, env, true)
}

/// Resolves settings; without `needs_central` a missing gateway is no problem (a given one is
/// still checked).
pub(crate) fn resolve_for(
    flags: &GlobalArgs,
    env: impl Fn(&str) -> Option<String>,
    needs_central: bool,
) -> Result<Settings, ConfigError> {
    let (file, _) = load_file(flags)?;
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
    let chosen = layers.into_iter().find(|(u, c)| u.is_some() || c.is_some());
    // The file may name Central as the source: then Central is needed after all.
    let needs_central = needs_central
        || (flags.tenant_ids_from.is_none()
            && flags.source.or(file.source) == Some(SourceArg::Central));
    let overrides: Vec<String> = if !flags.cluster_url.is_empty() {
        flags.cluster_url.clone()
    } else if let Some(v) = env("CENTRAL_CLUSTER_URLS") {
        v.split(',').map(str::to_owned).collect()
    } else {
        file.cluster_urls.clone().unwrap_or_default()
    };
    let cluster_table = cluster_table(&overrides, &mut problems);
    let plan = chosen.as_ref().and_then(|(url, cluster)| {
        central_plan(
            url.as_deref(),
            cluster.as_deref(),
            &cluster_table,
            &mut problems,
        )
    });
    let central = match plan {
        Some(plan) => Some(plan),
        None if chosen.is_some() => {
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
                "no Central gateway: set CENTRAL_BASE_URL (the API Gateway URL shown in Central) \
                 or CENTRAL_CLUSTER (e.g. US-WEST-4, EU-1, several separated by commas, or auto)"
                    .into(),
            );
            None
        }
    };

    let concurrency = flags.concurrency.or(file.concurrency).unwrap_or(16);
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
    // try_from: a huge value (1e30) is a usage error, not a panic.
    let timeout = match flags.timeout.or(file.timeout) {
        None => None,
        Some(t) => match Duration::try_from_secs_f64(t) {
            Ok(d) if !d.is_zero() => Some(d),
            _ => {
                problems.push(
                    "--timeout must be a positive number of seconds (at most about 584 \
                     billion years)"
                        .into(),
                );
                None
            }
        },
    };
    let retries = flags
        .retries
        .or(file.retries)
        .unwrap_or(RetryPolicy::default().max_attempts);
    if retries == 0 {
        problems.push("--retries must be at least 1 (the first attempt counts)".into());
    }

    let source = match (&flags.tenant_ids_from, flags.source.or(file.source)) {
        (Some(path), _) => match read_path_or_stdin(path) {
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
            cluster_table,
            source,
            selector: Selector::new(flags.include.clone(), flags.exclude.clone()),
            concurrency,
            rate,
            glp_rate,
            max_body: max_body_mib.saturating_mul(1024 * 1024),
            timeout,
            // A 429 waits as long as the tenant may take: the server's "slower" never fails a
            // tenant before its own --timeout would.
            retry: RetryPolicy::with_max_attempts(retries).rate_limited_budget(
                timeout.unwrap_or(glp_auth::retry::DEFAULT_RATE_LIMITED_BUDGET),
            ),
        }),
        _ => Err(ConfigError { problems }),
    }
}

/// One effective setting, for `config show`: its name, its value as shown (a secret masked),
/// and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Explained {
    pub(crate) key: &'static str,
    pub(crate) value: String,
    pub(crate) source: String,
}

/// Every setting with its source, in the precedence [`resolve`] uses: flag, environment, file
/// (and profile), default. The client secret is never shown, only where it comes from.
pub(crate) fn explain(
    flags: &GlobalArgs,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Vec<Explained>, ConfigError> {
    let (top, profile, origin) = load_layers(flags)?;
    let in_top = FileOrigin {
        path: origin.path.clone(),
        profile: None,
    }
    .to_string();
    let in_profile = origin.to_string();
    let has_profile = profile.is_some();
    let profile = profile.unwrap_or_default();
    let file = top.clone().overlay(profile.clone());
    // Which part of the file a key came from: the profile when it has the key.
    let label = |in_profile_too: bool| {
        if has_profile && in_profile_too {
            in_profile.clone()
        } else {
            in_top.clone()
        }
    };
    let env = |k: &str| env(k).filter(|v| !v.trim().is_empty());
    let mut rows = Vec::new();
    let mut push = |key: &'static str, found: Option<(String, String)>, default: &str| {
        let (value, source) = found.unwrap_or_else(|| {
            if default.is_empty() {
                ("(not set)".into(), String::new())
            } else {
                (default.into(), "default".into())
            }
        });
        rows.push(Explained { key, value, source });
    };
    // `file` is (the merged value, whether the profile has it).
    let pick =
        |flag: Option<String>, flag_name: &str, var: Option<&str>, file: (Option<String>, bool)| {
            flag.map(|v| (v, format!("flag {flag_name}")))
                .or_else(|| var.and_then(|var| env(var).map(|v| (v, format!("env {var}")))))
                .or_else(|| file.0.map(|v| (v, label(file.1))))
        };
    let path = |v: &Option<PathBuf>| v.as_ref().map(|p| p.display().to_string());

    push(
        "client_id",
        pick(
            flags.client_id.clone(),
            "--client-id",
            Some(glp_auth::ENV_CLIENT_ID),
            (file.client_id.clone(), profile.client_id.is_some()),
        ),
        "",
    );
    let masked = "******** (hidden)".to_owned();
    let secret = if let Some(p) = &flags.client_secret_file {
        Some((
            format!("{masked}, read from {}", p.display()),
            "flag --client-secret-file".into(),
        ))
    } else if env(glp_auth::ENV_CLIENT_SECRET).is_some() {
        Some((masked, format!("env {}", glp_auth::ENV_CLIENT_SECRET)))
    } else if let Some(p) = &file.client_secret_file {
        Some((
            format!("{masked}, read from {}", p.display()),
            format!(
                "{} client_secret_file",
                label(profile.client_secret_file.is_some())
            ),
        ))
    } else if file.client_secret.is_some() {
        Some((
            masked,
            format!("{} client_secret", label(profile.client_secret.is_some())),
        ))
    } else {
        None
    };
    push("client_secret", secret, "");
    push(
        "workspace_id",
        pick(
            flags.workspace_id.clone(),
            "--workspace-id",
            Some(glp_auth::ENV_WORKSPACE_ID),
            (file.workspace_id.clone(), profile.workspace_id.is_some()),
        ),
        "",
    );
    push(
        "glp_base_url",
        pick(
            flags.glp_base_url.clone(),
            "--glp-base-url",
            Some(glp_auth::ENV_BASE_URL),
            (file.glp_base_url.clone(), profile.glp_base_url.is_some()),
        ),
        "https://global.api.greenlake.hpe.com",
    );
    // Central: the first layer that names a gateway decides (as in `resolve`).
    let layers = [
        (
            flags.central_base_url.clone(),
            flags.central_cluster.clone(),
            [
                "flag --central-base-url".to_owned(),
                "flag --central-cluster".to_owned(),
            ],
        ),
        (
            env("CENTRAL_BASE_URL"),
            env("CENTRAL_CLUSTER"),
            [
                "env CENTRAL_BASE_URL".to_owned(),
                "env CENTRAL_CLUSTER".to_owned(),
            ],
        ),
        {
            let at = label(profile.central_base_url.is_some() || profile.central_cluster.is_some());
            (
                file.central_base_url.clone(),
                file.central_cluster.clone(),
                [
                    format!("{at} central_base_url"),
                    format!("{at} central_cluster"),
                ],
            )
        },
    ];
    let central = layers
        .into_iter()
        .find(|(u, c, _)| u.is_some() || c.is_some())
        .map(
            |(url, cluster, [by_url, by_cluster])| match (url, cluster) {
                (Some(url), _) => (url, by_url),
                (None, Some(c)) => (format!("cluster {c}"), by_cluster),
                (None, None) => (String::new(), by_url),
            },
        );
    push("central", central, "");
    let source = if let Some(p) = &flags.tenant_ids_from {
        Some((
            format!("ids from {}", p.display()),
            "flag --tenant-ids-from".into(),
        ))
    } else {
        pick(
            flags.source.map(source_name),
            "--source",
            None,
            (file.source.map(source_name), profile.source.is_some()),
        )
    };
    push("source", source, "glp");
    push(
        "concurrency",
        pick(
            text(&flags.concurrency),
            "--concurrency",
            None,
            (text(&file.concurrency), profile.concurrency.is_some()),
        ),
        "8",
    );
    push(
        "rate",
        pick(
            text(&flags.rate),
            "--rate",
            None,
            (text(&file.rate), profile.rate.is_some()),
        ),
        "none (learned from the server)",
    );
    push(
        "glp_rate",
        pick(
            text(&flags.glp_rate),
            "--glp-rate",
            None,
            (text(&file.glp_rate), profile.glp_rate.is_some()),
        ),
        "none (learned from the server)",
    );
    push(
        "max_body_mib",
        pick(
            text(&flags.max_body_mib),
            "--max-body-mib",
            None,
            (text(&file.max_body_mib), profile.max_body_mib.is_some()),
        ),
        "32",
    );
    push(
        "timeout",
        pick(
            text(&flags.timeout),
            "--timeout",
            None,
            (text(&file.timeout), profile.timeout.is_some()),
        ),
        "none",
    );
    push(
        "retries",
        pick(
            text(&flags.retries),
            "--retries",
            None,
            (text(&file.retries), profile.retries.is_some()),
        ),
        &RetryPolicy::default().max_attempts.to_string(),
    );
    push(
        "config_file",
        path(&origin.path).map(|p| {
            let from = if flags.config.is_some() {
                "flag --config"
            } else {
                "the default location"
            };
            (p, from.into())
        }),
        "none",
    );
    push(
        "profile",
        origin.profile.clone().map(|p| {
            let from = if std::env::var("GLP_PROFILE").ok().as_deref() == Some(p.as_str()) {
                "env GLP_PROFILE (or flag --profile)"
            } else {
                "flag --profile"
            };
            (p, from.into())
        }),
        "none",
    );
    Ok(rows)
}

fn text<T: ToString>(v: &Option<T>) -> Option<String> {
    v.as_ref().map(ToString::to_string)
}

fn source_name(source: SourceArg) -> String {
    match source {
        SourceArg::Glp => "glp".into(),
        SourceArg::Central => "central".into(),
    }
}
