//! Settings: a flag, else its environment variable, else the TOML file, else the default.
//!
//! The file is `--config FILE`, else `config.toml` in the platform's config directory when it
//! exists (`~/.config/glp-msp/config.toml` on Linux); a `[profiles.NAME]` table, chosen with
//! `--profile NAME` or `GLP_PROFILE`, overrides its top-level keys. [`SETTINGS`] is the one
//! list of settings (key, flag, variable, group, default): [`Layers::find`] applies the
//! precedence to every one, [`resolve`] parses what it finds and [`explain`] (`config show`)
//! shows it with its source.
//!
//! Flags and variables are clap's (`env` attributes in `cli/args.rs`, so `--help` names each
//! variable); clap's `value_source` tells a flag from a variable. The variables themselves are
//! read through a lookup: the process environment for a run (the values clap saw), the
//! simulator's own for `demo`, a closure in tests. A blank variable counts as unset.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use central_api::{ClusterTable, canonical_cluster};
use clap::ValueEnum as _;
use glp_auth::{
    BaseUrl, ConfigError, Credentials, ENV_BASE_URL, ENV_CLIENT_ID, ENV_CLIENT_SECRET,
    ENV_WORKSPACE_ID, RetryPolicy,
};
use msp_orchestrator::{
    CentralPlan, Selector, SessionSettings, TenantSource, gateway_name, parse_id_list,
};

use super::args::{GlobalArgs, SourceArg};
use Fallback::Unset;
use Group::{Alone, Central, Secret, Source};

/// Settings resolved together: in the first layer that gives any of a group's settings, the
/// first of them (in [`SETTINGS`] order) is used and the others are not, whatever other
/// layers say (a profile naming a Central cluster replaces the top level's URL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Group {
    /// A setting on its own.
    Alone,
    /// The secret: `--client-secret-file`, `GLP_CLIENT_SECRET`, the file's `client_secret_file`
    /// or `client_secret`.
    Secret,
    /// The Central gateway: URLs win over clusters in the same layer.
    Central,
    /// Where tenants come from: `--tenant-ids-from` wins over `--source`.
    Source,
}

/// What a setting is when no layer gives it.
#[derive(Debug, Clone, Copy)]
enum Fallback {
    /// This value (resolved like a given one).
    Value(&'static str),
    /// No value, which means this (shown by `config show`).
    None(&'static str),
    /// No value: a run needs one (or the setting is optional and simply not set).
    Unset,
}

/// One setting.
struct Setting {
    /// Its key in the file and its name in `config show`.
    key: &'static str,
    /// Its clap argument's id (the flag is `--` and the id with `-` for `_`).
    flag: Option<&'static str>,
    /// Its environment variable.
    env: Option<&'static str>,
    /// Whether the file may give it.
    in_file: bool,
    group: Group,
    default: Fallback,
}

impl Setting {
    const fn new(
        key: &'static str,
        flag: Option<&'static str>,
        env: Option<&'static str>,
        group: Group,
        default: Fallback,
    ) -> Setting {
        Setting {
            key,
            flag,
            env,
            in_file: true,
            group,
            default,
        }
    }

    const fn not_in_file(self) -> Setting {
        Setting {
            in_file: false,
            ..self
        }
    }
}

/// The default number of attempts per request ([`RetryPolicy`]'s; a test checks they agree).
const DEFAULT_RETRIES: &str = "6";
const LEARNED: Fallback = Fallback::None("none (learned from the server)");

/// Every setting, in precedence order within a group and in `config show`'s order. The secret
/// is never a plain flag: a file, the environment or the config file. `--db` belongs to the
/// store's commands (snapshot, runs, status, ...), not to every one.
#[rustfmt::skip]
const SETTINGS: &[Setting] = &[
    Setting::new("client_id", Some("client_id"), Some(ENV_CLIENT_ID), Alone, Unset),
    Setting::new("client_secret_file", Some("client_secret_file"), None, Secret, Unset),
    Setting::new("client_secret", None, Some(ENV_CLIENT_SECRET), Secret, Unset),
    Setting::new("workspace_id", Some("workspace_id"), Some(ENV_WORKSPACE_ID), Alone, Unset),
    Setting::new("glp_base_url", Some("glp_base_url"), Some(ENV_BASE_URL), Alone,
        Fallback::Value(glp_auth::DEFAULT_GLP_BASE_URL)),
    Setting::new("central_base_url", Some("central_base_url"), Some("CENTRAL_BASE_URL"), Central,
        Unset),
    Setting::new("central_cluster", Some("central_cluster"), Some("CENTRAL_CLUSTER"), Central,
        Unset),
    Setting::new("cluster_urls", Some("cluster_url"), Some("CENTRAL_CLUSTER_URLS"), Alone,
        Fallback::None("the built-in cluster table")),
    Setting::new("tenant_ids_from", Some("tenant_ids_from"), None, Source, Unset).not_in_file(),
    Setting::new("source", Some("source"), None, Source, Fallback::Value("glp")),
    Setting::new("concurrency", Some("concurrency"), None, Alone, Fallback::Value("16")),
    Setting::new("rate", Some("rate"), None, Alone, LEARNED),
    Setting::new("glp_rate", Some("glp_rate"), None, Alone, LEARNED),
    Setting::new("max_body_mib", Some("max_body_mib"), None, Alone, Fallback::Value("32")),
    Setting::new("timeout", Some("timeout"), None, Alone, Fallback::None("none")),
    Setting::new("retries", Some("retries"), None, Alone, Fallback::Value(DEFAULT_RETRIES)),
    Setting::new("db", None, Some("MSP_DB"), Alone,
        Fallback::None("inventory.sqlite in the platform's data directory")),
];

/// The value clap parsed for the argument `id`, as text (a list comma-separated).
fn flag_value(a: &GlobalArgs, id: &str) -> Option<String> {
    fn text<T: ToString>(v: &Option<T>) -> Option<String> {
        v.as_ref().map(ToString::to_string)
    }
    let path = |p: &Option<PathBuf>| p.as_ref().map(|p| p.display().to_string());
    match id {
        "client_id" => a.client_id.clone(),
        "client_secret_file" => path(&a.client_secret_file),
        "workspace_id" => a.workspace_id.clone(),
        "glp_base_url" => a.glp_base_url.clone(),
        "central_base_url" => a.central_base_url.clone(),
        "central_cluster" => a.central_cluster.clone(),
        "cluster_url" => (!a.cluster_url.is_empty()).then(|| a.cluster_url.join(",")),
        "tenant_ids_from" => path(&a.tenant_ids_from),
        "source" => a.source.map(source_name),
        "concurrency" => text(&a.concurrency),
        "rate" => text(&a.rate),
        "glp_rate" => text(&a.glp_rate),
        "max_body_mib" => text(&a.max_body_mib),
        "timeout" => text(&a.timeout),
        "retries" => text(&a.retries),
        _ => None,
    }
}

fn source_name(source: SourceArg) -> String {
    match source {
        SourceArg::Glp => "glp".into(),
        SourceArg::Central => "central".into(),
    }
}

/// The flag of a clap argument id.
fn flag_name(id: &str) -> String {
    format!("--{}", id.replace('_', "-"))
}

/// A config file: its top-level keys and its profiles.
#[derive(Debug, Default, Clone)]
pub(crate) struct FileConfig {
    keys: toml::Table,
    profiles: BTreeMap<String, toml::Table>,
}

/// A file value as text (a list comma-separated), as a flag or a variable would give it.
fn toml_text(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => s.clone(),
        toml::Value::Array(items) => items.iter().map(toml_text).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}

/// The keys of `table` that are not settings of the file, as problems.
fn unknown_keys(table: &toml::Table, at: &str, problems: &mut Vec<String>) {
    for (key, value) in table {
        let known = SETTINGS.iter().any(|s| s.in_file && s.key == key);
        if !known {
            let keys: Vec<&str> = SETTINGS
                .iter()
                .filter(|s| s.in_file)
                .map(|s| s.key)
                .collect();
            problems.push(format!(
                "{at}: unknown key `{}`; the keys are {}",
                glp_auth::text::untrusted(key),
                keys.join(", ")
            ));
        } else if value.is_table() || value.is_datetime() {
            problems.push(format!("{at}: `{key}` must be a string or a number"));
        }
    }
}

/// Reads the config file, warning (on stderr) when it holds a secret others can read. Every
/// unknown key is reported at once.
fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        problem(format!(
            "cannot read the config file {}: {e}",
            path.display()
        ))
    })?;
    /// The file's shape: settings at the top level and in `[profiles.NAME]` tables.
    #[derive(serde::Deserialize)]
    struct Shape {
        #[serde(default)]
        profiles: BTreeMap<String, toml::Table>,
        #[serde(flatten)]
        keys: toml::Table,
    }
    let Shape { profiles, keys } = toml::from_str(&text).map_err(|e| {
        problem(format!(
            "the config file {} is not valid: {}",
            path.display(),
            e.message()
        ))
    })?;
    let at = format!("the config file {}", path.display());
    let mut problems = Vec::new();
    unknown_keys(&keys, &at, &mut problems);
    for (name, table) in &profiles {
        unknown_keys(table, &format!("{at} [profiles.{name}]"), &mut problems);
    }
    if !problems.is_empty() {
        return Err(ConfigError { problems });
    }
    let holds_secret = keys.contains_key("client_secret")
        || profiles.values().any(|p| p.contains_key("client_secret"));
    if holds_secret && readable_by_others(path) {
        eprintln!(
            "warning: {} holds a client secret and is readable by other users; run: chmod 600 {}",
            path.display(),
            path.display()
        );
    }
    Ok(FileConfig { keys, profiles })
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

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Origin {
    /// This flag.
    Flag(String),
    /// This environment variable.
    Env(&'static str),
    /// The config file: its top level, or the chosen profile.
    File { profile: bool },
    /// No layer gave it.
    Default,
}

/// A setting's value (as text, a list comma-separated) and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Found {
    pub(crate) value: String,
    pub(crate) origin: Origin,
}

/// The layers, highest first: flags, environment, the chosen profile, the file's top level.
const LAYERS: [Layer; 4] = [Layer::Flag, Layer::Env, Layer::Profile, Layer::File];

#[derive(Debug, Clone, Copy)]
enum Layer {
    Flag,
    Env,
    Profile,
    File,
}

/// Every layer of one invocation.
pub(crate) struct Layers<'a> {
    flags: &'a GlobalArgs,
    env: &'a dyn Fn(&str) -> Option<String>,
    file: FileConfig,
    profile: Option<toml::Table>,
    origin: FileOrigin,
}

impl<'a> Layers<'a> {
    /// The flags, `env`, and the file layer: `--config`, else the default file when it exists;
    /// with `--profile` (or `GLP_PROFILE`), that profile over the top-level keys. A profile
    /// that is not in the file is an error naming the ones that are.
    pub(crate) fn load(
        flags: &'a GlobalArgs,
        env: &'a dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let path = match &flags.config {
            Some(path) => Some(path.clone()),
            None => default_config_path().filter(|p| p.is_file()),
        };
        let chosen = flags.profile.clone().filter(|p| !p.trim().is_empty());
        let mut layers = Layers {
            flags,
            env,
            file: FileConfig::default(),
            profile: None,
            origin: FileOrigin::default(),
        };
        let Some(path) = path else {
            return match &chosen {
                None => Ok(layers),
                Some(p) => Err(problem(format!(
                    "profile `{p}` chosen (--profile / GLP_PROFILE) but there is no config file: \
                     give --config FILE or create {}",
                    default_config_path()
                        .map(|d| d.display().to_string())
                        .unwrap_or_else(|| "none on this platform".into())
                ))),
            };
        };
        layers.file = read_file(&path)?;
        if let Some(p) = &chosen {
            layers.profile = layers.file.profiles.remove(p);
            if layers.profile.is_none() {
                let known: Vec<&str> = layers.file.profiles.keys().map(String::as_str).collect();
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
        layers.origin = FileOrigin {
            path: Some(path),
            profile: chosen,
        };
        Ok(layers)
    }

    /// `setting`'s value in `layer`, if that layer gives it.
    fn given(&self, setting: &Setting, layer: Layer) -> Option<Found> {
        let (value, origin) = match layer {
            Layer::Flag => {
                let id = setting.flag?;
                if self.flags.from_env.contains(id) {
                    return None;
                }
                (flag_value(self.flags, id)?, Origin::Flag(flag_name(id)))
            }
            Layer::Env => {
                let var = setting.env?;
                let value = (self.env)(var).filter(|v| !v.trim().is_empty())?;
                (value, Origin::Env(var))
            }
            Layer::Profile | Layer::File if !setting.in_file => return None,
            Layer::Profile => (
                toml_text(self.profile.as_ref()?.get(setting.key)?),
                Origin::File { profile: true },
            ),
            Layer::File => (
                toml_text(self.file.keys.get(setting.key)?),
                Origin::File { profile: false },
            ),
        };
        Some(Found { value, origin })
    }

    /// Whether any layer gives `setting`.
    fn given_anywhere(&self, setting: &Setting) -> bool {
        LAYERS
            .iter()
            .any(|&layer| self.given(setting, layer).is_some())
    }

    /// The setting of its group that is used, and its value: the first one the highest layer
    /// that gives any of them gives.
    fn decides(&self, group: Group, key: &str) -> Option<(&'static Setting, Found)> {
        LAYERS.iter().find_map(|&layer| {
            SETTINGS
                .iter()
                .filter(|s| s.group == group && (group != Group::Alone || s.key == key))
                .find_map(|s| self.given(s, layer).map(|found| (s, found)))
        })
    }

    /// The value of the setting `key`: see [`Group`] for settings resolved together; a
    /// group that no layer gives takes its settings' defaults.
    pub(crate) fn find(&self, key: &str) -> Option<Found> {
        let setting = SETTINGS.iter().find(|s| s.key == key)?;
        match self.decides(setting.group, key) {
            Some((used, found)) => (used.key == key).then_some(found),
            None => match setting.default {
                Fallback::Value(v) => Some(Found {
                    value: v.into(),
                    origin: Origin::Default,
                }),
                Fallback::None(_) | Fallback::Unset => None,
            },
        }
    }

    /// How `origin` reads in `config show`.
    fn label(&self, origin: &Origin) -> String {
        match origin {
            Origin::Flag(flag) => format!("flag {flag}"),
            Origin::Env(var) => format!("env {var}"),
            Origin::File { profile } => FileOrigin {
                path: self.origin.path.clone(),
                profile: self.origin.profile.clone().filter(|_| *profile),
            }
            .to_string(),
            Origin::Default => "default".into(),
        }
    }

    /// The value of `key` parsed as a `T`; a value that is not one is a problem.
    fn parsed<T: std::str::FromStr>(&self, key: &str, problems: &mut Vec<String>) -> Option<T> {
        let found = self.find(key)?;
        match found.value.trim().parse() {
            Ok(v) => Some(v),
            Err(_) => {
                problems.push(format!(
                    "{key} `{}` ({}) is not a valid value",
                    glp_auth::text::untrusted(&found.value),
                    self.label(&found.origin)
                ));
                None
            }
        }
    }
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

impl Settings {
    /// What the library's [`Session`](msp_orchestrator::Session) is built from.
    pub(crate) fn session(&self) -> SessionSettings {
        SessionSettings {
            credentials: self.credentials.clone(),
            central: self.central.clone(),
            cluster_table: self.cluster_table.clone(),
            rate: self.rate,
            glp_rate: self.glp_rate,
            max_body: self.max_body,
            retry: self.retry,
        }
    }
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
/// still checked; tenants from Central need one).
pub(crate) fn resolve_for(
    flags: &GlobalArgs,
    env: impl Fn(&str) -> Option<String>,
    needs_central: bool,
) -> Result<Settings, ConfigError> {
    let layers = Layers::load(flags, &env)?;
    let get = |key: &str| layers.find(key).map(|f| f.value);
    let mut problems = Vec::new();

    let secret = match get("client_secret_file") {
        Some(path) => read_secret_file(Path::new(&path), &mut problems),
        None => get("client_secret"),
    };
    let credentials = Credentials::from_lookup(|name| match name {
        glp_auth::ENV_CLIENT_ID => get("client_id"),
        glp_auth::ENV_CLIENT_SECRET => secret.clone(),
        glp_auth::ENV_WORKSPACE_ID => get("workspace_id"),
        glp_auth::ENV_BASE_URL => get("glp_base_url"),
        _ => None,
    })
    .map_err(|e| problems.extend(e.problems))
    .ok();

    let source = match (get("tenant_ids_from"), get("source")) {
        (Some(path), _) => match read_path_or_stdin(Path::new(&path)) {
            Ok(text) => TenantSource::Explicit(parse_id_list(&text)),
            Err(e) => {
                problems.push(format!("cannot read --tenant-ids-from {path}: {e}"));
                TenantSource::GreenLake
            }
        },
        (None, Some(name)) => match SourceArg::from_str(name.trim(), true) {
            Ok(SourceArg::Central) => TenantSource::Central,
            Ok(SourceArg::Glp) => TenantSource::GreenLake,
            Err(_) => {
                problems.push(format!(
                    "source `{}`: expected glp or central",
                    glp_auth::text::untrusted(&name)
                ));
                TenantSource::GreenLake
            }
        },
        (None, None) => TenantSource::GreenLake,
    };
    let needs_central = needs_central || matches!(source, TenantSource::Central);

    let overrides: Vec<String> = get("cluster_urls")
        .map(|v| v.split(',').map(str::to_owned).collect())
        .unwrap_or_default();
    let cluster_table = cluster_table(&overrides, &mut problems);
    // Central: the first layer that names a gateway decides; in it, a URL wins over a cluster.
    let (url, cluster) = (get("central_base_url"), get("central_cluster"));
    let named = url.is_some() || cluster.is_some();
    let central = match central_plan(
        url.as_deref(),
        cluster.as_deref(),
        &cluster_table,
        &mut problems,
    ) {
        Some(plan) => Some(plan),
        None if named => {
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

    let concurrency: usize = layers.parsed("concurrency", &mut problems).unwrap_or(1);
    if concurrency == 0 {
        problems.push("--concurrency must be at least 1".into());
    }
    let rate: Option<f64> = layers.parsed("rate", &mut problems);
    let glp_rate: Option<f64> = layers.parsed("glp_rate", &mut problems);
    for (name, value) in [("--rate", rate), ("--glp-rate", glp_rate)] {
        if value.is_some_and(|value| !(value.is_finite() && value > 0.0)) {
            problems.push(format!(
                "{name} must be a positive number of requests per second"
            ));
        }
    }
    let max_body_mib: u64 = layers.parsed("max_body_mib", &mut problems).unwrap_or(1);
    if !(1..=4096).contains(&max_body_mib) {
        problems.push("--max-body-mib must be between 1 and 4096".into());
    }
    // try_from: a huge value (1e30) is a usage error, not a panic.
    let timeout = match layers.parsed::<f64>("timeout", &mut problems) {
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
    let retries: u32 = layers.parsed("retries", &mut problems).unwrap_or(1);
    if retries == 0 {
        problems.push("--retries must be at least 1 (the first attempt counts)".into());
    }

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

/// Every setting of [`SETTINGS`] with its value and source, as [`resolve`] finds it, then the
/// config file and the profile. The client secret is never shown, only where it comes from.
pub(crate) fn explain(
    flags: &GlobalArgs,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Vec<Explained>, ConfigError> {
    let layers = Layers::load(flags, &env)?;
    let mut rows: Vec<Explained> = SETTINGS
        .iter()
        .map(|setting| {
            let (value, source) = match (layers.find(setting.key), setting.default) {
                (Some(found), _) => {
                    let value = if setting.key == "client_secret" {
                        "******** (hidden)".into()
                    } else {
                        found.value
                    };
                    (value, layers.label(&found.origin))
                }
                // Given, but another setting of its group is used.
                (None, _) if layers.given_anywhere(setting) => {
                    let used = layers
                        .decides(setting.group, setting.key)
                        .map(|(s, _)| s.key)
                        .unwrap_or_default();
                    ("(not used)".into(), format!("{used} decides"))
                }
                (None, Fallback::None(meaning)) => (meaning.into(), "default".into()),
                (None, _) => ("(not set)".into(), String::new()),
            };
            Explained {
                key: setting.key,
                value,
                source,
            }
        })
        .collect();
    let row = |key, value: String, source: &str| Explained {
        key,
        value,
        source: source.into(),
    };
    rows.push(match &layers.origin.path {
        None => row("config_file", "none".into(), "default"),
        Some(path) if flags.config.is_some() => {
            row("config_file", path.display().to_string(), "flag --config")
        }
        Some(path) => row(
            "config_file",
            path.display().to_string(),
            "the default location",
        ),
    });
    rows.push(match &layers.origin.profile {
        None => row("profile", "none".into(), "default"),
        Some(p) if flags.from_env.contains("profile") => {
            row("profile", p.clone(), "env GLP_PROFILE")
        }
        Some(p) => row("profile", p.clone(), "flag --profile"),
    });
    Ok(rows)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::args::Cli;
    use clap::CommandFactory as _;

    /// Parsed flags, as if clap had taken nothing from the environment (the test's own
    /// environment is `env`).
    fn flags(args: &[&str]) -> GlobalArgs {
        let mut cli = Cli::parse_recording(
            ["msp-orchestrator"]
                .iter()
                .chain(args)
                .chain(&["config", "show"]),
        )
        .unwrap();
        cli.global.from_env.clear();
        cli.global
    }

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(name, _)| *name == k)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    const CREDS: &[(&str, &str)] = &[
        ("GLP_CLIENT_ID", "id"),
        ("GLP_CLIENT_SECRET", "secret"),
        ("GLP_WORKSPACE_ID", "3f2a6c1e-0b4d-4e7a-9c2b-1d5e8f9a0b1c"),
    ];

    fn found(flags: &GlobalArgs, env: &dyn Fn(&str) -> Option<String>, key: &str) -> Option<Found> {
        Layers::load(flags, env).unwrap().find(key)
    }

    #[test]
    fn the_table_agrees_with_the_command_line_definition() {
        let cmd = Cli::command();
        for setting in SETTINGS {
            let Some(id) = setting.flag else {
                continue;
            };
            let arg = cmd
                .get_arguments()
                .find(|a| a.get_id() == id)
                .unwrap_or_else(|| panic!("no argument {id}"));
            assert_eq!(
                arg.get_long().map(|l| format!("--{l}")),
                Some(flag_name(id)),
                "{id}"
            );
            assert_eq!(
                arg.get_env().map(|e| e.to_string_lossy().into_owned()),
                setting.env.map(str::to_owned),
                "{id}: the table's variable is clap's"
            );
            let value = if id == "source" { "glp" } else { "1" };
            let given = flags(&[&flag_name(id), value]);
            assert!(flag_value(&given, id).is_some(), "{id}: its value is read");
        }
        assert_eq!(
            DEFAULT_RETRIES,
            RetryPolicy::default().max_attempts.to_string()
        );
        // The secret is never a flag.
        assert!(cmd.get_arguments().all(|a| a.get_id() != "client_secret"));
    }

    #[test]
    fn a_flag_beats_the_environment_and_a_blank_variable_is_unset() {
        let env = env_of(&[("GLP_CLIENT_ID", "from-env"), ("GLP_WORKSPACE_ID", "  ")]);
        let f = found(&flags(&["--client-id", "from-flag"]), &env, "client_id").unwrap();
        assert_eq!(f.value, "from-flag");
        assert_eq!(f.origin, Origin::Flag("--client-id".into()));
        let f = found(&flags(&[]), &env, "client_id").unwrap();
        assert_eq!(f.origin, Origin::Env("GLP_CLIENT_ID"));
        assert_eq!(found(&flags(&[]), &env, "workspace_id"), None);
        let f = found(&flags(&[]), &env, "concurrency").unwrap();
        assert_eq!((f.value.as_str(), f.origin), ("16", Origin::Default));
    }

    #[test]
    fn a_value_clap_took_from_the_environment_is_not_a_flag() {
        // As `demo` sees the process's GLP_BASE_URL: its own environment decides.
        let mut flags = flags(&["--glp-base-url", "https://process.example.com"]);
        flags.from_env.insert("glp_base_url".into());
        let env = env_of(&[("GLP_BASE_URL", "http://127.0.0.1:1")]);
        let f = found(&flags, &env, "glp_base_url").unwrap();
        assert_eq!(f.value, "http://127.0.0.1:1");
        assert_eq!(f.origin, Origin::Env("GLP_BASE_URL"));
    }

    #[test]
    fn the_first_layer_naming_a_gateway_decides_and_a_url_wins_in_it() {
        let env = env_of(&[
            ("CENTRAL_BASE_URL", "https://env.example.com"),
            ("CENTRAL_CLUSTER", "EU-1"),
        ]);
        // A cluster flag beats a URL in the environment.
        let flags_cluster = flags(&["--central-cluster", "US-WEST-4"]);
        assert_eq!(found(&flags_cluster, &env, "central_base_url"), None);
        assert_eq!(
            found(&flags_cluster, &env, "central_cluster")
                .unwrap()
                .value,
            "US-WEST-4"
        );
        // In the environment, the URL wins over the cluster.
        assert_eq!(found(&flags(&[]), &env, "central_cluster"), None);
        let settings = resolve(&flags(&[]), |k| {
            env_of(CREDS)(k).or_else(|| {
                env_of(&[
                    (
                        "CENTRAL_BASE_URL",
                        "https://a.example.com, https://b.example.com",
                    ),
                    ("CENTRAL_CLUSTER", "EU-1"),
                ])(k)
            })
        })
        .unwrap();
        let CentralPlan::Gateways(gateways) = settings.central else {
            panic!("gateways")
        };
        assert_eq!(gateways.len(), 2);
        let settings = resolve(&flags(&["--central-cluster", "auto"]), env_of(CREDS)).unwrap();
        assert_eq!(settings.central, CentralPlan::Auto);
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let e = resolve(
            &flags(&["--concurrency", "0", "--retries", "0", "--rate=-1"]),
            env_of(&[("CENTRAL_CLUSTER", "NOWHERE-9")]),
        )
        .unwrap_err();
        let all = e.problems.join("\n");
        for says in [
            "GLP_CLIENT_ID",
            "GLP_CLIENT_SECRET",
            "GLP_WORKSPACE_ID",
            "NOWHERE-9",
            "--concurrency",
            "--retries",
            "--rate",
        ] {
            assert!(all.contains(says), "{says}: {all}");
        }
    }

    #[test]
    fn the_file_and_its_profile_are_layers_and_unknown_keys_are_named() {
        let dir = std::env::temp_dir().join(format!("msp-settings-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config.toml");
        std::fs::write(
            &path,
            "central_base_url = \"https://top.example.com\"\nconcurrency = 4\n\
             cluster_urls = [\"EU-1=https://eu.example.com\"]\n\
             [profiles.eu]\ncentral_cluster = \"EU-1\"\n",
        )
        .unwrap();
        let config = path.display().to_string();
        let none = env_of(&[]);
        let top = flags(&["--config", &config]);
        assert_eq!(
            found(&top, &none, "central_base_url").unwrap().origin,
            Origin::File { profile: false }
        );
        assert_eq!(
            found(&top, &none, "cluster_urls").unwrap().value,
            "EU-1=https://eu.example.com"
        );
        // The profile names a cluster: the top level's URL is not used.
        let eu = flags(&["--config", &config, "--profile", "eu"]);
        assert_eq!(found(&eu, &none, "central_base_url"), None);
        assert_eq!(
            found(&eu, &none, "central_cluster").unwrap().origin,
            Origin::File { profile: true }
        );
        assert_eq!(found(&eu, &none, "concurrency").unwrap().value, "4");
        let rows = explain(&eu, &none).unwrap();
        let row = rows.iter().find(|r| r.key == "central_base_url").unwrap();
        assert_eq!(
            (row.value.as_str(), row.source.as_str()),
            ("(not used)", "central_cluster decides")
        );

        std::fs::write(&path, "concurency = 4\n[profiles.x]\nrat = 1\n").unwrap();
        let e = Layers::load(&top, &none).err().unwrap();
        assert_eq!(e.problems.len(), 2, "{:?}", e.problems);
        assert!(e.problems.iter().any(|p| p.contains("`concurency`")));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn config_show_never_shows_the_secret() {
        let rows = explain(&flags(&[]), env_of(CREDS)).unwrap();
        let row = rows.iter().find(|r| r.key == "client_secret").unwrap();
        assert_eq!(row.source, "env GLP_CLIENT_SECRET");
        assert!(rows.iter().all(|r| !r.value.contains("secret")));
    }
}
