//! Settings: a flag, else its environment variable, else the chosen profile of the TOML file,
//! else the file's top level, else the default.
//!
//! Each layer is one typed [`Options`], as uv's settings are: clap fills the flags and their
//! variables (its `env` attributes, so `--help` names each variable; its `value_source` tells a
//! flag from a variable), serde reads the file's top level and each `[profiles.NAME]` table into
//! it, and [`Options::defaults`] is the last layer. [`Layers::combine`] takes each setting from
//! the first layer that gives it, remembering which for `config show`, except in a group of
//! [`GROUPS`]. A blank variable counts as unset.
//!
//! **A new setting touches two places**: its field in [`Options`] (type, doc, which is also its
//! `--help`, and clap's `#[arg]` for its flag and variable; the field's name is its file key and
//! its name in `config show`), and its default in [`Options::defaults`] or, when unset means
//! something, in [`UNSET`]. Then [`Layers::resolve`] uses it (and `--config`'s help, which
//! lists the file keys by hand, names it: a test checks). Two kinds differ: a variable with
//! no global flag (the secret is never a flag; `--db` belongs to the store's commands) is read
//! once through [`ENV_ONLY`], and `--tenant-ids-from`, a flag but no file key, is `GlobalArgs`'s
//! (for its place in `--help`).
//!
//! The process environment is read once: by clap, and for [`ENV_ONLY`]. `demo` replaces it
//! with the simulator's ([`Layers::with_env`]), so a real account's variables never reach it.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use clap::CommandFactory as _;
use glp_auth::{ConfigError, ENV_CLIENT_SECRET, RetryPolicy, WorkspaceId};
use msp_orchestrator::{Selector, SessionSettings, TenantSource};

use super::args::{Cli, GlobalArgs, SourceArg};

/// Declares [`Options`] and what is done to it field by field (uv derives it): its keys,
/// whether a key is set, a key's value as shown, unsetting a key, one layer over another.
macro_rules! options {
    ($(#[$attr:meta])* pub(crate) struct Options {
        $($(#[$field_attr:meta])* pub(crate) $field:ident: $ty:ty,)*
    }) => {
        $(#[$attr])* pub(crate) struct Options { $($(#[$field_attr])* pub(crate) $field: $ty,)* }
        impl Options {
            /// Every setting, in `config show`'s order.
            const KEYS: &[&str] = &[$(stringify!($field)),*];
            fn is_set(&self, key: &str) -> bool {
                match key { $(stringify!($field) => self.$field.is_some(),)* _ => false }
            }
            /// `key`'s value as `config show` shows it, if set.
            fn shown(&self, key: &str) -> Option<String> {
                let shown = match key {
                    $(stringify!($field) => self.$field.as_ref().map(show),)* _ => None
                };
                // A PostgreSQL store's URL is shown with `***` for its password.
                match key {
                    "db" => shown.map(|v| {
                        msp_orchestrator::msp_store::StoreLocation::parse(&v).to_string()
                    }),
                    _ => shown,
                }
            }
            fn clear(&mut self, key: &str) {
                match key { $(stringify!($field) => self.$field = None,)* _ => {} }
            }
            /// Each setting of `self`, else of `lower`.
            fn or(self, lower: Options) -> Options {
                Options { $($field: self.$field.or(lower.$field),)* }
            }
        }
    };
}

options! {
    /// One layer of settings, each unset unless the layer gives it: the flags (with clap's
    /// `env`, their variables), a table of the config file, or the defaults.
    #[derive(Debug, Default, Clone, clap::Args, serde::Deserialize)]
    pub(crate) struct Options {
        /// GreenLake API client id.
        #[arg(long, global = true, value_name = "ID", env = "GLP_CLIENT_ID",
            hide_env_values = true)]
        pub(crate) client_id: Option<String>,
        /// File holding the client secret (instead of GLP_CLIENT_SECRET).
        #[arg(long, global = true, value_name = "FILE")]
        pub(crate) client_secret_file: Option<PathBuf>,
        /// The client secret: GLP_CLIENT_SECRET or the file, never a flag.
        #[arg(skip)]
        pub(crate) client_secret: Option<String>,
        /// MSP workspace id, with or without hyphens.
        #[arg(long, global = true, value_name = "UUID", env = "GLP_WORKSPACE_ID",
            hide_env_values = true)]
        pub(crate) workspace_id: Option<String>,
        /// GreenLake base URL [default: https://global.api.greenlake.hpe.com].
        #[arg(long, global = true, value_name = "URL", env = "GLP_BASE_URL",
            hide_env_values = true)]
        pub(crate) glp_base_url: Option<String>,
        /// Central API gateway URL(s), comma-separated; wins over --central-cluster (the first
        /// of flags, environment, file that names a URL or a cluster decides).
        #[arg(long, global = true, value_name = "URL[,URL...]", env = "CENTRAL_BASE_URL",
            hide_env_values = true)]
        pub(crate) central_base_url: Option<String>,
        /// Central cluster name(s), comma-separated (e.g. US-WEST-4,EU-1), or `auto`: find the
        /// MSP's clusters from GreenLake's service catalog and probe them.
        #[arg(long, global = true, value_name = "NAME[,NAME...]|auto", env = "CENTRAL_CLUSTER",
            hide_env_values = true)]
        pub(crate) central_cluster: Option<String>,
        /// The gateway of a cluster, where it differs from the built-in table (a moved gateway,
        /// a proxy, the simulator); repeatable, or comma-separated.
        #[arg(long = "cluster-url", global = true, value_name = "NAME=URL",
            env = "CENTRAL_CLUSTER_URLS", hide_env_values = true, value_delimiter = ',')]
        pub(crate) cluster_urls: Option<Vec<String>>,
        /// `GlobalArgs::tenant_ids_from`: a flag, not a file key.
        #[arg(skip)]
        #[serde(skip)]
        pub(crate) tenant_ids_from: Option<PathBuf>,
        /// Where tenants come from.
        #[arg(long, global = true, value_enum)]
        pub(crate) source: Option<SourceArg>,
        /// Tenants running at once [default: 16].
        #[arg(long, global = true, value_name = "N")]
        pub(crate) concurrency: Option<usize>,
        /// A ceiling on Central requests per second, across all tenants [default: none: the
        /// server's budget is learned from its rate-limit headers and 429s].
        #[arg(long, global = true, value_name = "N")]
        pub(crate) rate: Option<f64>,
        /// A ceiling on GreenLake requests per second [default: none, learned].
        #[arg(long, global = true, value_name = "N")]
        pub(crate) glp_rate: Option<f64>,
        /// The largest response body read, in MiB; a larger one is an error [default: 32].
        #[arg(long, global = true, value_name = "MIB")]
        pub(crate) max_body_mib: Option<u64>,
        /// Longest time one tenant's job may take, in seconds [default: none].
        #[arg(long, global = true, value_name = "SECS")]
        pub(crate) timeout: Option<f64>,
        /// The most attempts per request on a 5xx or a broken connection, the first one
        /// included (1: no retry) [default: 6]; a 429 uses none (it waits and retries within
        /// the time budget).
        #[arg(long, global = true, value_name = "N")]
        pub(crate) retries: Option<u32>,
        /// The store of the store's commands, whose `--db` is theirs, not a global flag.
        #[arg(skip)]
        pub(crate) db: Option<PathBuf>,
    }
}

impl Options {
    /// The last layer: what a setting is when no other layer gives it.
    fn defaults() -> Options {
        Options {
            glp_base_url: Some(glp_auth::DEFAULT_GLP_BASE_URL.into()),
            source: Some(SourceArg::Glp),
            concurrency: Some(16),
            max_body_mib: Some(32),
            retries: Some(RetryPolicy::default().max_attempts),
            ..Options::default()
        }
    }
}

/// What an unset setting means, for `config show`.
const UNSET: &[(&str, &str)] = &[
    ("cluster_urls", "the built-in cluster table"),
    ("rate", "none (learned from the server)"),
    ("glp_rate", "none (learned from the server)"),
    ("timeout", "none"),
    ("db", "inventory.sqlite in the platform's data directory"),
];

/// The settings with a variable but no global flag for clap to read it with, and the variable.
const ENV_ONLY: &[(&str, &str)] = &[("client_secret", ENV_CLIENT_SECRET), ("db", "MSP_DB")];

/// Settings resolved together: in the first layer that gives any of a group's settings, the
/// first of them is used and the others are not, whatever other layers say (a profile naming a
/// Central cluster replaces the top level's URL). The secret; the Central gateway (URLs win
/// over clusters); where tenants come from (`--tenant-ids-from` wins over `--source`).
const GROUPS: [&[&str]; 3] = [
    &["client_secret_file", "client_secret"],
    &["central_base_url", "central_cluster"],
    &["tenant_ids_from", "source"],
];

/// A value as `config show` shows it (a list comma-separated).
fn show<T: serde::Serialize>(value: &T) -> String {
    match toml::Value::try_from(value) {
        Ok(toml::Value::String(s)) => s,
        Ok(toml::Value::Float(f)) => f.to_string(),
        Ok(toml::Value::Array(items)) => items.iter().map(show).collect::<Vec<_>>().join(","),
        Ok(other) => other.to_string(),
        Err(e) => format!("({e})"),
    }
}

/// A layer, highest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Layer {
    Flag,
    Env,
    /// The chosen `[profiles.NAME]` of the file.
    Profile,
    /// The file's top level.
    File,
    Default,
}

/// Every layer of one invocation, and what `config show` says of the file and the profile.
pub(crate) struct Layers {
    layers: [(Layer, Options); 5],
    /// The config file, and whether `--config` named it.
    path: Option<(PathBuf, bool)>,
    /// The chosen profile, and whether it came from `GLP_PROFILE`.
    profile: Option<(String, bool)>,
    /// `--include`, `--exclude`, `--include-id` and `--exclude-id`.
    tenants: [Vec<String>; 4],
}

impl Layers {
    /// The process's layers: clap's flags and variables, those of [`ENV_ONLY`], the file.
    pub(crate) fn load(args: &GlobalArgs) -> Result<Layers, ConfigError> {
        let mut from_clap = args.options.clone();
        for key in Options::KEYS
            .iter()
            .filter(|k| !args.from_env.contains(**k))
        {
            from_clap.clear(key);
        }
        let vars = ENV_ONLY.iter().filter_map(|(key, var)| {
            Some((key.to_string(), toml::Value::from(std::env::var(var).ok()?)))
        });
        let env_only = toml::Table::from_iter(vars).try_into().unwrap_or_default();
        Self::with_env(args, from_clap.or(env_only))
    }

    /// The layers with `env` for the environment (`demo` gives the simulator's): the values clap
    /// took from the process environment are dropped; the flags and the file still count. The
    /// file is `--config`, else the default file when it exists; with `--profile` (or
    /// `GLP_PROFILE`), that profile over its top level. A profile not in the file is an error
    /// naming the ones that are.
    pub(crate) fn with_env(args: &GlobalArgs, mut env: Options) -> Result<Layers, ConfigError> {
        let tenant_ids_from = args.tenant_ids_from.clone();
        let mut flags = Options {
            tenant_ids_from,
            ..args.options.clone()
        };
        for key in Options::KEYS {
            if args.from_env.contains(*key) {
                flags.clear(key);
            }
            if env.shown(key).is_some_and(|v| v.trim().is_empty()) {
                env.clear(key);
            }
        }
        let default = default_config_path();
        let path = (args.config.clone().map(|p| (p, true)))
            .or_else(|| default.clone().filter(|p| p.is_file()).map(|p| (p, false)));
        let chosen = args.profile.clone().filter(|p| !p.trim().is_empty());
        let (mut top, mut profile) = (Options::default(), Options::default());
        if let Some((path, _)) = &path {
            let profiles;
            (top, profiles) = read_file(path)?;
            if let Some(p) = &chosen {
                let known: Vec<&str> = profiles.keys().map(String::as_str).collect();
                let known = if known.is_empty() {
                    "none".into()
                } else {
                    known.join(", ")
                };
                let path = path.display();
                profile = (profiles.get(p).cloned()).ok_or_else(|| {
                    problem(format!("no profile `{p}` in {path}; its profiles: {known}"))
                })?;
            }
        } else if let Some(p) = &chosen {
            return Err(problem(format!(
                "profile `{p}` chosen (--profile / GLP_PROFILE) but there is no config file: give \
                 --config FILE or create {}",
                default.map_or("none on this platform".into(), |d| d.display().to_string())
            )));
        }
        Ok(Layers {
            layers: [
                (Layer::Flag, flags),
                (Layer::Env, env),
                (Layer::Profile, profile),
                (Layer::File, top),
                (Layer::Default, Options::defaults()),
            ],
            path,
            profile: chosen.map(|p| (p, args.from_env.contains("profile"))),
            tenants: [
                args.include.clone(),
                args.exclude.clone(),
                args.include_id.clone(),
                args.exclude_id.clone(),
            ],
        })
    }

    /// Each setting from the first layer that gives it; in a group of [`GROUPS`], the
    /// setting used and the layer are those of the group's first layer.
    pub(crate) fn combine(&self) -> Combined {
        let mut layers = self.layers.clone();
        let mut unused = BTreeMap::new();
        for group in GROUPS {
            let decides = layers.iter().enumerate().find_map(|(i, (_, options))| {
                Some((i, *group.iter().find(|k| options.is_set(k))?))
            });
            let Some((at, used)) = decides else { continue };
            for (i, (layer, options)) in layers.iter_mut().enumerate() {
                for &key in group.iter().filter(|&&k| (i, k) != (at, used)) {
                    if key != used && *layer != Layer::Default && options.is_set(key) {
                        unused.insert(key, used);
                    }
                    options.clear(key);
                }
            }
        }
        let from = Options::KEYS
            .iter()
            .filter_map(|&k| Some((k, layers.iter().find(|(_, o)| o.is_set(k))?.0)))
            .collect();
        let options = layers
            .into_iter()
            .fold(Options::default(), |acc, (_, o)| acc.or(o));
        Combined {
            options,
            from,
            unused,
        }
    }

    /// Where `key`'s value from `layer` came from, as `config show` says it.
    fn label(&self, key: &str, layer: Layer) -> String {
        let command = Cli::command();
        let arg = command.get_arguments().find(|a| a.get_id() == key);
        match layer {
            Layer::Flag => format!("flag --{}", arg.and_then(|a| a.get_long()).unwrap_or(key)),
            Layer::Env => {
                let only = ENV_ONLY.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
                let var = arg.and_then(|a| a.get_env()).and_then(|v| v.to_str());
                format!("env {}", var.or(only).unwrap_or_default())
            }
            Layer::Profile | Layer::File => match (&self.path, &self.profile) {
                (Some((path, _)), Some((p, _))) if layer == Layer::Profile => {
                    format!("file {} [profiles.{p}]", path.display())
                }
                (Some((path, _)), _) => format!("file {}", path.display()),
                (None, _) => "file".into(),
            },
            Layer::Default => "default".into(),
        }
    }
}

/// The settings of every layer combined, and where each came from.
pub(crate) struct Combined {
    pub(crate) options: Options,
    /// The layer of each setting given.
    from: BTreeMap<&'static str, Layer>,
    /// The settings given but not used, and the setting of their group used instead.
    unused: BTreeMap<&'static str, &'static str>,
}

/// Everything a run needs, validated.
#[derive(Debug)]
pub(crate) struct Settings {
    /// What the library's [`Session`](msp_orchestrator::Session) is built from: the credential,
    /// the Central gateways and cluster table (with the user's gateway overrides), the rate
    /// ceilings (none by default: the budget is learned from the server), the cap on one
    /// response body and the retry policy.
    pub(crate) session: SessionSettings,
    pub(crate) source: TenantSource,
    /// Tenants done in an earlier run (the `!` lines of `--tenant-ids-from`): listed, then left
    /// out.
    pub(crate) done: Vec<WorkspaceId>,
    pub(crate) selector: Selector,
    pub(crate) concurrency: usize,
    pub(crate) timeout: Option<Duration>,
}

mod checks;
mod explain;
mod file;
mod resolve;
#[cfg(test)]
mod tests;

pub(crate) use explain::explain;
pub(crate) use file::default_config_path;
pub(crate) use resolve::{resolve, resolve_for};

use file::{problem, read_file};
