//! [`Selector`]: include / exclude tenants by name or id pattern; [`TenantPattern`]: the one
//! rule matching a tenant's name and id against a pattern, for every command that selects
//! tenants.
//!
//! The rule (`--include`, `--exclude`): a pattern is a case-insensitive glob (`*` any run of
//! characters, `?` one character) over the tenant's **name**. Workspace ids are hexadecimal, so
//! a short pattern such as `A*` would select every tenant whose id starts with `a`: a pattern is
//! compared with ids only when it *looks like an id*: hexadecimal digits and hyphens only, at
//! least 8 digits, optionally ending with one `*` (`3f2a6c1e`, `3F2A6C1E-0B4D*`, a whole
//! hyphenated or compact id). Such a pattern selects the tenants whose id (hyphens ignored)
//! starts with its digits, and still any tenant whose name it matches. `--include-id` /
//! `--exclude-id` patterns are globs over the id alone (hyphens ignored, case-insensitive).

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::TenantRef;

/// The fewest hexadecimal digits a pattern needs to be read as (the start of) an id.
pub const MIN_ID_DIGITS: usize = 8;

/// What a pattern matched of a tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchedBy {
    /// The tenant's name.
    Name,
    /// The tenant's id.
    Id,
}

impl fmt::Display for MatchedBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Name => "name",
            Self::Id => "id",
        })
    }
}

/// How a pattern is compared.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    /// A glob over the name.
    Name,
    /// A glob over the name, or these hexadecimal digits (lower case, no hyphen) as the start of
    /// the id.
    NameOrIdPrefix(String),
    /// A glob over the id (lower case, no hyphen): `--include-id`.
    Id,
}

/// One tenant pattern, as `--include` (or `--include-id`) reads it. See the module's docs for
/// the rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantPattern {
    given: String,
    /// Lower case; for [`Kind::Id`] also without hyphens.
    glob: String,
    kind: Kind,
}

impl TenantPattern {
    /// A pattern as `--include` and `--exclude` read it: the name, or the id when the pattern
    /// looks like one.
    pub fn new(pattern: &str) -> Self {
        let glob = pattern.to_lowercase();
        let kind = match id_prefix(pattern) {
            Some(digits) => Kind::NameOrIdPrefix(digits),
            None => Kind::Name,
        };
        Self {
            given: pattern.to_owned(),
            glob,
            kind,
        }
    }

    /// A pattern over the id alone (`--include-id`, `--exclude-id`): a glob, case-insensitive,
    /// hyphens ignored.
    pub fn id(pattern: &str) -> Self {
        Self {
            given: pattern.to_owned(),
            glob: compact(pattern),
            kind: Kind::Id,
        }
    }

    /// The pattern as given.
    pub fn given(&self) -> &str {
        &self.given
    }

    /// Whether the pattern holds a glob character (`*` or `?`): it selects whatever matches,
    /// not one tenant the user named.
    pub fn is_glob(&self) -> bool {
        self.given.contains(['*', '?'])
    }

    /// Whether the pattern is compared with ids (it looks like one, or came with an `-id`
    /// flag).
    pub fn is_id(&self) -> bool {
        !matches!(self.kind, Kind::Name)
    }

    /// Whether, and by what, the pattern matches a tenant of this `name` and these `ids` (a
    /// workspace id hyphenated or compact, an id as a source listed it; case and hyphens do not
    /// matter). The name is tried first.
    pub fn matches<'a>(
        &self,
        name: &str,
        ids: impl IntoIterator<Item = &'a str>,
    ) -> Option<MatchedBy> {
        let by_name = || glob_match(&self.glob, &name.to_lowercase());
        match &self.kind {
            Kind::Name => by_name().then_some(MatchedBy::Name),
            Kind::NameOrIdPrefix(digits) => {
                if by_name() {
                    Some(MatchedBy::Name)
                } else {
                    ids.into_iter()
                        .any(|id| compact(id).starts_with(digits.as_str()))
                        .then_some(MatchedBy::Id)
                }
            }
            Kind::Id => ids
                .into_iter()
                .any(|id| glob_match(&self.glob, &compact(id)))
                .then_some(MatchedBy::Id),
        }
    }

    /// Up to three of `names` nearest to this pattern, nearest first, when near enough to be
    /// what a typo meant (a few edits of the pattern's text without its `*` and `?`, compared
    /// with the whole name and, for a pattern ending in `*`, with the name's start); none for a
    /// pattern over ids.
    pub fn nearest_names<'a>(&self, names: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
        if matches!(self.kind, Kind::Id) {
            return Vec::new();
        }
        let core: String = self
            .glob
            .chars()
            .filter(|c| *c != '*' && *c != '?')
            .collect();
        let len = core.chars().count();
        if len == 0 {
            return Vec::new();
        }
        let most = 2.max(len / 3);
        let prefix = self.glob.ends_with('*');
        let mut near: Vec<(usize, &str)> = names
            .into_iter()
            .filter_map(|name| {
                let lower = name.to_lowercase();
                let mut d = crate::job::edit_distance(&core, &lower);
                if prefix {
                    let start: String = lower.chars().take(len).collect();
                    d = d.min(crate::job::edit_distance(&core, &start));
                }
                (d <= most && d < len).then_some((d, name))
            })
            .collect();
        near.sort();
        near.dedup_by(|a, b| a.1 == b.1);
        near.into_iter().take(3).map(|(_, n)| n).collect()
    }

    /// [`matches`](Self::matches) for a listed tenant: its name, its workspace id and the id as
    /// listed.
    pub fn matches_tenant(&self, tenant: &TenantRef) -> Option<MatchedBy> {
        let ws = tenant.workspace_id.compact();
        self.matches(&tenant.name, [ws.as_str(), tenant.listed_id.as_str()])
    }
}

/// `--include PATTERN` as a string for a message, escaped for the terminal.
impl fmt::Display for TenantPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "'{}'", glp_auth::text::escape_control(&self.given))
    }
}

/// The hexadecimal digits of a pattern that looks like (the start of) an id: hex digits and
/// hyphens, at least [`MIN_ID_DIGITS`] digits, at most one `*` at the end.
fn id_prefix(pattern: &str) -> Option<String> {
    let body = pattern.strip_suffix('*').unwrap_or(pattern);
    if !body.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        return None;
    }
    let digits = compact(body);
    (digits.len() >= MIN_ID_DIGITS && digits.len() <= 32).then_some(digits)
}

/// Lower case, hyphens removed.
fn compact(id: &str) -> String {
    id.chars()
        .filter(|c| *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// One pattern that selected a tenant, and by what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Why {
    /// The flag that gave the pattern: `--include` or `--include-id`.
    pub flag: &'static str,
    /// The pattern as given.
    pub pattern: String,
    /// What it matched.
    pub by: MatchedBy,
}

/// Chooses tenants: a tenant runs if it matches some include pattern (or there are none) and no
/// exclude pattern, each pattern read by [`TenantPattern`]'s rule.
///
/// Clones share a record of which patterns matched some tenant, so that a run can tell the user
/// about a pattern that matched nothing ([`unmatched_includes`](Self::unmatched_includes)).
#[derive(Debug, Clone, Default)]
pub struct Selector {
    /// Include patterns, then exclude patterns, each with its flag.
    patterns: Vec<(&'static str, TenantPattern)>,
    matched: Arc<Vec<AtomicBool>>,
}

impl Selector {
    /// A selector with these `--include` and `--exclude` patterns.
    pub fn new(include: Vec<String>, exclude: Vec<String>) -> Self {
        Self::with_ids(include, exclude, Vec::new(), Vec::new())
    }

    /// A selector with `--include`, `--exclude`, `--include-id` and `--exclude-id` patterns.
    pub fn with_ids(
        include: Vec<String>,
        exclude: Vec<String>,
        include_id: Vec<String>,
        exclude_id: Vec<String>,
    ) -> Self {
        let mut patterns = Vec::new();
        patterns.extend(include.iter().map(|p| ("--include", TenantPattern::new(p))));
        patterns.extend(
            include_id
                .iter()
                .map(|p| ("--include-id", TenantPattern::id(p))),
        );
        patterns.extend(exclude.iter().map(|p| ("--exclude", TenantPattern::new(p))));
        patterns.extend(
            exclude_id
                .iter()
                .map(|p| ("--exclude-id", TenantPattern::id(p))),
        );
        Self {
            matched: Arc::new(patterns.iter().map(|_| AtomicBool::new(false)).collect()),
            patterns,
        }
    }

    fn is_include(flag: &str) -> bool {
        flag.starts_with("--include")
    }

    /// Whether any include pattern was given (else every tenant not excluded runs).
    pub fn has_includes(&self) -> bool {
        self.patterns.iter().any(|(f, _)| Self::is_include(f))
    }

    /// The include patterns (as given) that have matched no tenant so far.
    pub fn unmatched_includes(&self) -> Vec<String> {
        self.unmatched(true)
            .into_iter()
            .map(|(_, p)| p.given)
            .collect()
    }

    /// The include patterns that have matched no tenant so far, each with its flag.
    pub fn unmatched_include_patterns(&self) -> Vec<(&'static str, TenantPattern)> {
        self.unmatched(true)
    }

    /// The exclude patterns (as given) that have matched no tenant so far.
    pub fn unmatched_excludes(&self) -> Vec<String> {
        self.unmatched(false)
            .into_iter()
            .map(|(_, p)| p.given)
            .collect()
    }

    fn unmatched(&self, include: bool) -> Vec<(&'static str, TenantPattern)> {
        self.patterns
            .iter()
            .enumerate()
            .filter(|(_, (flag, _))| Self::is_include(flag) == include)
            .filter(|(i, _)| {
                !self
                    .matched
                    .get(*i)
                    .is_some_and(|m| m.load(Ordering::Relaxed))
            })
            .map(|(_, p)| p.clone())
            .collect()
    }

    /// Whether `tenant` is chosen.
    pub fn selects(&self, tenant: &TenantRef) -> bool {
        self.why(tenant).is_some()
    }

    /// Why `tenant` is chosen: the include patterns it matched (none when no include pattern
    /// was given); `None` when it is not chosen. Records which patterns matched.
    pub fn why(&self, tenant: &TenantRef) -> Option<Vec<Why>> {
        let mut why = Vec::new();
        let mut excluded = false;
        for (i, (flag, pattern)) in self.patterns.iter().enumerate() {
            let Some(by) = pattern.matches_tenant(tenant) else {
                continue;
            };
            if let Some(m) = self.matched.get(i) {
                m.store(true, Ordering::Relaxed);
            }
            if Self::is_include(flag) {
                why.push(Why {
                    flag,
                    pattern: pattern.given.clone(),
                    by,
                });
            } else {
                excluded = true;
            }
        }
        let included = !self.has_includes() || !why.is_empty();
        (included && !excluded).then_some(why)
    }
}

/// Glob match with `*` and `?` over characters (not bytes).
fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;
    use glp_auth::WorkspaceId;

    const ID: &str = "3f2a6c1e-0b4d-4e7a-9c2b-1d5e8f9a0b1c";

    fn tenant(name: &str) -> TenantRef {
        TenantRef::from_workspace(WorkspaceId::parse(ID).expect("valid"), name)
    }

    #[test]
    fn globs() {
        assert!(glob_match("a*c", "abbbc"));
        assert!(glob_match("a?c", "abc"));
        assert!(!glob_match("a?c", "abbc"));
        assert!(glob_match("*", ""));
        assert!(glob_match("ü*", "übung"));
        assert!(!glob_match("abc", "abcd"));
    }

    #[test]
    fn include_exclude_by_name_and_id() {
        let t = tenant("Café Ünïcorn");
        assert!(Selector::default().selects(&t));
        assert!(Selector::new(vec!["café*".into()], vec![]).selects(&t));
        assert!(!Selector::new(vec!["acme*".into()], vec![]).selects(&t));
        assert!(!Selector::new(vec![], vec!["*ÜNÏCORN".into()]).selects(&t));
        assert!(Selector::new(vec!["3f2a6c1e0b4d*".into()], vec![]).selects(&t));
        assert!(
            !Selector::new(vec![], vec!["3F2A6C1E-0B4D-4E7A-9C2B-1D5E8F9A0B1C".into()]).selects(&t)
        );
    }

    #[test]
    fn short_patterns_never_match_ids() {
        let t = tenant("Acme");
        let (id, name) = (Some(MatchedBy::Id), Some(MatchedBy::Name));
        for (pattern, by) in [
            // `3*` and `3f2a*` would match the id: they are too short to be read as one.
            (TenantPattern::new("3*"), None),
            (TenantPattern::new("3f2a*"), None),
            (TenantPattern::new("*1c"), None),
            (TenantPattern::new("3f2a6c1e"), id),
            (TenantPattern::new("3F2A6C1E-0b4d*"), id),
            (TenantPattern::new(ID), id),
            (TenantPattern::new("3f2a6c1f"), None),
            (TenantPattern::new("a*"), name),
            // With the explicit flag, any glob over the id.
            (TenantPattern::id("3*"), id),
            (TenantPattern::id("*0B1C"), id),
            (TenantPattern::id("acme"), None),
        ] {
            assert_eq!(pattern.matches_tenant(&t), by, "{pattern:?}");
        }
        // A hex-looking name still matches by name.
        let cafe = tenant("Cafebabe");
        assert_eq!(
            TenantPattern::new("cafebabe").matches_tenant(&cafe),
            Some(MatchedBy::Name)
        );
    }

    #[test]
    fn why_names_the_patterns() {
        let selector = Selector::with_ids(vec!["ac*".into()], vec![], vec!["3f*".into()], vec![]);
        let why = selector.why(&tenant("Acme")).expect("selected");
        assert_eq!(
            why,
            [
                Why {
                    flag: "--include",
                    pattern: "ac*".into(),
                    by: MatchedBy::Name
                },
                Why {
                    flag: "--include-id",
                    pattern: "3f*".into(),
                    by: MatchedBy::Id
                }
            ]
        );
        let excluded = Selector::with_ids(vec![], vec![], vec![], vec!["3f2a*".into()]);
        assert_eq!(excluded.why(&tenant("Acme")), None);
        assert_eq!(Selector::default().why(&tenant("Acme")), Some(vec![]));
    }

    #[test]
    fn near_names_are_suggested() {
        let names = ["Acme Corp", "Acme Labs", "Blue Sky", "Zeta"];
        assert_eq!(
            TenantPattern::new("acem*").nearest_names(names),
            ["Acme Corp", "Acme Labs"]
        );
        assert_eq!(
            TenantPattern::new("blue skies").nearest_names(names),
            ["Blue Sky"]
        );
        assert!(
            TenantPattern::new("nomatch*")
                .nearest_names(names)
                .is_empty()
        );
        assert!(TenantPattern::id("acem*").nearest_names(names).is_empty());
    }

    #[test]
    fn patterns_that_matched_nothing_are_named() {
        let selector = Selector::new(vec!["café*".into(), "Nomatch*".into()], vec!["zzz".into()]);
        let shared = selector.clone();
        assert!(selector.selects(&tenant("Café Ünïcorn")));
        assert_eq!(shared.unmatched_includes(), ["Nomatch*"]);
        assert_eq!(shared.unmatched_excludes(), ["zzz"]);
    }
}
