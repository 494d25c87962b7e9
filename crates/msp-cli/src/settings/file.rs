//! Reading the files: the TOML config file into [`Options`](super::Options), a secret file,
//! or stdin.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use glp_auth::ConfigError;
use glp_auth::text::untrusted;

use super::Options;

/// The settings of a table of the file, `at` (for messages); each unknown key and each value
/// of the wrong type is a problem naming the key.
pub(super) fn options_of(table: toml::Table, at: &str, problems: &mut Vec<String>) -> Options {
    let in_file = |key: &str| key != "tenant_ids_from" && Options::KEYS.contains(&key);
    let mut options = Options::default();
    for (key, value) in table {
        if !in_file(&key) {
            let keys: Vec<&str> = Options::KEYS
                .iter()
                .copied()
                .filter(|k| in_file(k))
                .collect();
            let (key, keys) = (untrusted(&key), keys.join(", "));
            problems.push(format!("{at}: unknown key `{key}`; the keys are {keys}"));
            continue;
        }
        match toml::Table::from_iter([(key.clone(), value)]).try_into::<Options>() {
            Ok(one) => options = options.or(one),
            Err(e) => problems.push(format!("{at}: `{key}`: {}", e.message().trim_end())),
        }
    }
    options
}

/// Reads the config file: its top level and its profiles, warning (on stderr) when it holds a
/// secret others can read. Every problem is reported at once.
pub(super) fn read_file(path: &Path) -> Result<(Options, BTreeMap<String, Options>), ConfigError> {
    let shown = path.display();
    let text = std::fs::read_to_string(path)
        .map_err(|e| problem(format!("cannot read the config file {shown}: {e}")))?;
    /// The file's shape: settings at the top level and in `[profiles.NAME]` tables.
    #[derive(serde::Deserialize)]
    struct Shape {
        #[serde(default)]
        profiles: BTreeMap<String, toml::Table>,
        #[serde(flatten)]
        keys: toml::Table,
    }
    let Shape { profiles, keys } = toml::from_str(&text).map_err(|e: toml::de::Error| {
        problem(format!(
            "the config file {shown} is not valid: {}",
            e.message()
        ))
    })?;
    let at = format!("the config file {shown}");
    let mut problems = Vec::new();
    let top = options_of(keys, &at, &mut problems);
    let profiles: BTreeMap<String, Options> = (profiles.into_iter())
        .map(|(name, t)| {
            let options = options_of(t, &format!("{at} [profiles.{name}]"), &mut problems);
            (name, options)
        })
        .collect();
    if !problems.is_empty() {
        return Err(ConfigError { problems });
    }
    let holds_secret = profiles
        .values()
        .chain([&top])
        .any(|o| o.client_secret.is_some());
    if holds_secret && readable_by_others(path) {
        eprintln!(
            "warning: {shown} holds a client secret and is readable by other users; run: chmod \
             600 {shown}"
        );
    }
    Ok((top, profiles))
}

#[cfg(unix)]
pub(super) fn readable_by_others(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o077 != 0)
}

#[cfg(not(unix))]
pub(super) fn readable_by_others(_path: &Path) -> bool {
    false
}

pub(super) fn problem(p: String) -> ConfigError {
    ConfigError { problems: vec![p] }
}

/// The default config file: `config.toml` in the platform's config directory.
pub(crate) fn default_config_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "glp-msp").map(|d| d.config_dir().join("config.toml"))
}

/// The largest `--client-secret-file` read (a secret is a few dozen bytes; a larger file is
/// surely the wrong one).
pub(crate) const MAX_SECRET_FILE_BYTES: u64 = 64 * 1024;

pub(super) fn read_secret_file(path: &Path, problems: &mut Vec<String>) -> Option<String> {
    use std::io::Read as _;
    let (shown, max) = (path.display(), MAX_SECRET_FILE_BYTES);
    let mut text = String::new();
    let read = std::fs::File::open(path).and_then(|f| f.take(max + 1).read_to_string(&mut text));
    problems.push(match read {
        Err(e) => format!("cannot read the client secret file {shown}: {e}"),
        Ok(n) if n as u64 > max => format!(
            "the client secret file {shown} is larger than {} KiB: is it the right file? It \
             should hold only the secret",
            max / 1024
        ),
        Ok(_) => {
            if readable_by_others(path) {
                eprintln!(
                    "warning: the client secret file {shown} is readable by other users; run: \
                     chmod 600 {shown}"
                );
            }
            if !text.trim().is_empty() {
                return Some(text.trim_end_matches(['\n', '\r']).to_owned());
            }
            format!("the client secret file {shown} is empty")
        }
    });
    None
}

/// The text of `path`, or of stdin when `path` is `-`.
pub(super) fn read_path_or_stdin(path: &Path) -> std::io::Result<String> {
    if path.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin())
    } else {
        std::fs::read_to_string(path)
    }
}
