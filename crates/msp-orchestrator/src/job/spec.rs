//! [`ResourceSpec`]: a resource to collect, as a user names it, checked before any request.

use super::*;

/// A resource to collect: a Central monitoring resource the crate knows, any other
/// `network-monitoring/...` path, a GreenLake resource (`glp/devices`, `glp/subscriptions`), or
/// any GET path of HPE's published GreenLake and Central specs ([`ApiPath`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResourceSpec {
    /// A typed monitoring resource.
    Known(Resource),
    /// Any other monitoring path, e.g. `network-monitoring/v1alpha1/aps` or `sites-health`.
    Path(String),
    /// A GreenLake workspace resource, listed with the tenant token.
    GreenLake(GlpResource),
    /// A GET path of another API family of the specs (`devices/v1/devices`,
    /// `network-config/v1alpha1/sites`), on the host and with the paging its family and spec
    /// give.
    Api(ApiPath),
}

impl ResourceSpec {
    /// The name written into records: as the user gave it (`glp/...` for GreenLake ones).
    pub fn name(&self) -> String {
        match self {
            Self::Known(r) => r.name().to_owned(),
            Self::Path(p) => p.clone(),
            Self::GreenLake(r) => r.name().to_owned(),
            Self::Api(a) => a.path.clone(),
        }
    }

    /// Whether the resource is read from GreenLake (no Central cluster is needed for it).
    pub fn is_greenlake(&self) -> bool {
        match self {
            Self::GreenLake(_) => true,
            Self::Api(a) => a.host == ApiHost::GreenLake,
            Self::Known(_) | Self::Path(_) => false,
        }
    }

    /// `s` as [`from_str`](std::str::FromStr::from_str) reads it, except that with
    /// `unlisted`, a path of a known API family that is no GET of the specs is taken too
    /// (paged as its family's lists are) instead of refused.
    pub fn parse_with(s: &str, unlisted: bool) -> Result<Self, String> {
        match s.parse::<Self>() {
            Err(refused) if unlisted => ApiPath::classify(s, true)
                .map(Self::Api)
                .map_err(|_| refused),
            parsed => parsed,
        }
    }
}

/// Every resource name a user can give without a path: Central's, then GreenLake's.
pub fn known_resource_names() -> Vec<&'static str> {
    Resource::all()
        .iter()
        .map(|r| r.name())
        .chain(GlpResource::all().iter().map(|r| r.name()))
        .collect()
}

/// Whether `first` (a path's first segment) is an API family of GreenLake's or Central's specs
/// other than network-monitoring (whose paths keep their own reading).
fn is_family(first: &str) -> bool {
    central_api::central_family(first).is_some() || glp_workspaces::is_greenlake_family(first)
}

/// Whether `s` looks like an API version segment: `v1`, `v1alpha1`, `v2beta3`, ...
fn is_version(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next() == Some('v')
        && chars.next().is_some_and(|c| c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
}

/// The Levenshtein distance between `a` and `b`, in characters.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if ca == *cb {
                diagonal
            } else {
                1 + diagonal.min(above).min(row[j])
            };
            diagonal = above;
        }
    }
    row[b.len()]
}

/// The known resource name nearest to `s`, when it is near enough to be a typo, or the one a
/// name that is no Central list means (`sites`: `sites-health`).
pub fn did_you_mean(s: &str) -> Option<&'static str> {
    if let Some((meant, _)) = Resource::meant_by(s) {
        return Some(meant.name());
    }
    let s = s.to_ascii_lowercase();
    known_resource_names()
        .into_iter()
        .map(|name| (edit_distance(&s, name), name))
        .filter(|(d, name)| *d <= 2.max(name.len() / 4) && *d < name.len())
        .min_by_key(|(d, _)| *d)
        .map(|(_, name)| name)
}

impl FromStr for ResourceSpec {
    type Err = String;
    /// A known name (`aps`), a path under `network-monitoring/` (`network-monitoring/v1alpha1/aps`,
    /// `v1alpha1/aps`, `aps/SN1/radios`; any version, as before), a GET path of the specs of
    /// another API family ([`ApiPath::classify`]). Everything else is refused here, before any
    /// request: a path of a known family that is no GET of the specs (with the nearest GET
    /// paths), paths that would be read as
    /// something else (`monitoring/v2/clients`), query strings, odd characters; a near miss of
    /// a known name gets a suggestion.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.is_empty() {
            return Err("an empty resource name".into());
        }
        let shown: String = s.chars().take(100).collect();
        if let Ok(r) = s.parse::<Resource>() {
            return Ok(Self::Known(r));
        }
        // A known list by its full path outside network-monitoring
        // (`network-notifications/v1/alerts`).
        if let Some(r) = Resource::all()
            .iter()
            .find(|r| r.family() != "network-monitoring" && s.trim_matches('/') == r.path())
        {
            return Ok(Self::Known(*r));
        }
        let known = known_resource_names();
        if s.to_ascii_lowercase().starts_with("glp/") {
            return s.parse::<GlpResource>().map(Self::GreenLake).map_err(|_| {
                let hint = did_you_mean(s)
                    .filter(|name| name.starts_with("glp/"))
                    .map(|name| format!("did you mean `{name}`? "))
                    .unwrap_or_default();
                format!(
                    "unknown GreenLake resource `{shown}`: {hint}the GreenLake resources are {}",
                    GlpResource::all()
                        .iter()
                        .map(|r| r.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            });
        }
        if s.contains(['?', '#']) {
            return Err(format!(
                "the resource `{shown}` carries a query string: give the resource alone and \
                 the query with --filter, --sort or --param KEY=VALUE"
            ));
        }
        if s.contains("://") {
            return Err(format!(
                "the resource `{shown}` is a URL: give a path like network-monitoring/v1/aps"
            ));
        }
        if !s.contains('/') {
            let hint = match Resource::meant_by(s) {
                Some((_, why)) => format!("{why}; "),
                None => did_you_mean(s)
                    .map(|name| format!("did you mean `{name}`? "))
                    .unwrap_or_default(),
            };
            return Err(format!(
                "unknown resource `{shown}`: {hint}use one of {} or a path like \
                 network-monitoring/v1/<name>",
                known.join(", ")
            ));
        }
        let segments = glp_transport::check_path(s)
            .map_err(|problem| format!("the resource path `{shown}`: {problem}"))?;
        let first = segments.first().copied().unwrap_or_default();
        let rest = match first {
            "network-monitoring" => {
                let after = &segments[1..];
                match after.first() {
                    Some(v) if is_version(v) => &after[1..],
                    _ => after,
                }
            }
            v if is_version(v) => &segments[1..],
            // `devices/v1/devices` is GreenLake's; `devices/SN1/...` a monitoring list's items.
            family if is_family(family) && segments.get(1).is_some_and(|v| is_version(v)) => {
                return ApiPath::classify(s, false).map(Self::Api);
            }
            name if Resource::all().iter().any(|r| r.name() == name) => &segments[..],
            family if is_family(family) => {
                return ApiPath::classify(s, false).map(Self::Api);
            }
            family if glp_workspaces::REGIONAL_FAMILIES.contains(&family) => {
                return Err(format!(
                    "`{shown}` belongs to GreenLake's {family} API, served from regional hosts \
                     (e.g. us-west.api.greenlake.hpe.com), not from the GreenLake base URL: \
                     collect does not read it"
                ));
            }
            other => {
                let last = segments.last().copied().unwrap_or_default();
                let example = did_you_mean(last).unwrap_or("aps");
                return Err(format!(
                    "`{shown}` is not a path of the GreenLake or Central APIs (it starts with \
                     `{other}`, and their families are {}, {}): write a monitoring list as \
                     network-monitoring/<version>/<list>, e.g. network-monitoring/v1/{example}",
                    glp_workspaces::GREENLAKE_FAMILIES.join(", "),
                    central_api::CENTRAL_FAMILIES.join(", ")
                ));
            }
        };
        if rest.is_empty() {
            return Err(format!(
                "the resource path `{shown}` names no list (e.g. network-monitoring/v1/aps)"
            ));
        }
        if let [name] = rest
            && let Some((meant, why)) = Resource::meant_by(name)
        {
            return Err(format!("`{shown}`: {why} (collect `{}`)", meant.name()));
        }
        Ok(Self::Path(s.to_owned()))
    }
}
