//! `config show`: every setting with its value and where it came from.

use super::{Layers, Options, UNSET};

/// One effective setting, for `config show`: its name, its value as shown (a secret masked),
/// and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Explained {
    pub(crate) key: &'static str,
    pub(crate) value: String,
    pub(crate) source: String,
}

/// Every setting with its value and source, as [`Layers::resolve`] finds it, then the config
/// file and the profile. The client secret is never shown, only where it comes from.
pub(crate) fn explain(layers: &Layers) -> Vec<Explained> {
    let c = layers.combine();
    let row = |key, value: &str, source: String| Explained {
        key,
        value: value.into(),
        source,
    };
    let mut rows: Vec<Explained> = (Options::KEYS.iter())
        .map(
            |&key| match (c.options.shown(key), c.from.get(key), c.unused.get(key)) {
                (Some(_), Some(&layer), _) if key == "client_secret" => {
                    row(key, "******** (hidden)", layers.label(key, layer))
                }
                (Some(value), Some(&layer), _) => row(key, &value, layers.label(key, layer)),
                // Given, but another setting of its group is used.
                (_, _, Some(used)) => row(key, "(not used)", format!("{used} decides")),
                _ => match UNSET.iter().find(|(k, _)| *k == key) {
                    Some((_, meaning)) => row(key, meaning, "default".into()),
                    None => row(key, "(not set)", String::new()),
                },
            },
        )
        .collect();
    let file = layers
        .path
        .as_ref()
        .map(|(p, flag)| (p.display().to_string(), *flag));
    rows.push(match file {
        None => row("config_file", "none", "default".into()),
        Some((path, true)) => row("config_file", &path, "flag --config".into()),
        Some((path, false)) => row("config_file", &path, "the default location".into()),
    });
    rows.push(match &layers.profile {
        None => row("profile", "none", "default".into()),
        Some((p, true)) => row("profile", p, "env GLP_PROFILE".into()),
        Some((p, false)) => row("profile", p, "flag --profile".into()),
    });
    rows
}
