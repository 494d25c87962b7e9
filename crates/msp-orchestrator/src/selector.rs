//! [`Selector`]: include / exclude tenants by id or name pattern.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::TenantRef;

/// Chooses tenants: a tenant runs if it matches some include pattern (or there are none) and no
/// exclude pattern. A pattern matches the tenant's name or id (hyphenated, compact, or as
/// listed), case-insensitively, with `*` for any run of characters and `?` for one character.
///
/// Clones share a record of which patterns matched some tenant, so that a run can tell the user
/// about a pattern that matched nothing ([`unmatched_includes`](Self::unmatched_includes)).
#[derive(Debug, Clone, Default)]
pub struct Selector {
    include: Vec<String>,
    exclude: Vec<String>,
    /// As given (for messages), include patterns then exclude patterns.
    given: Vec<String>,
    matched: Arc<Vec<AtomicBool>>,
}

impl Selector {
    /// A selector with these include and exclude patterns.
    pub fn new(include: Vec<String>, exclude: Vec<String>) -> Self {
        let lower = |v: &[String]| v.iter().map(|p| p.to_lowercase()).collect();
        let given: Vec<String> = include.iter().chain(&exclude).cloned().collect();
        Self {
            include: lower(&include),
            exclude: lower(&exclude),
            matched: Arc::new(given.iter().map(|_| AtomicBool::new(false)).collect()),
            given,
        }
    }

    /// The include patterns (as given) that have matched no tenant so far.
    pub fn unmatched_includes(&self) -> Vec<String> {
        self.unmatched(0..self.include.len())
    }

    /// The exclude patterns (as given) that have matched no tenant so far.
    pub fn unmatched_excludes(&self) -> Vec<String> {
        self.unmatched(self.include.len()..self.given.len())
    }

    fn unmatched(&self, range: std::ops::Range<usize>) -> Vec<String> {
        range
            .filter(|i| {
                !self
                    .matched
                    .get(*i)
                    .is_some_and(|m| m.load(Ordering::Relaxed))
            })
            .filter_map(|i| self.given.get(i).cloned())
            .collect()
    }

    fn mark(&self, index: usize) {
        if let Some(m) = self.matched.get(index) {
            m.store(true, Ordering::Relaxed);
        }
    }

    /// Whether `tenant` is chosen.
    pub fn selects(&self, tenant: &TenantRef) -> bool {
        let keys = [
            tenant.name.to_lowercase(),
            tenant.workspace_id.hyphenated(),
            tenant.workspace_id.compact(),
            tenant.listed_id.to_lowercase(),
        ];
        let matches = |p: &String| keys.iter().any(|k| glob_match(p, k));
        let mut included = self.include.is_empty();
        for (i, p) in self.include.iter().enumerate() {
            if matches(p) {
                self.mark(i);
                included = true;
            }
        }
        let mut excluded = false;
        for (i, p) in self.exclude.iter().enumerate() {
            if matches(p) {
                self.mark(self.include.len() + i);
                excluded = true;
            }
        }
        included && !excluded
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

    fn tenant(name: &str) -> TenantRef {
        TenantRef::from_workspace(
            WorkspaceId::parse("3f2a6c1e-0b4d-4e7a-9c2b-1d5e8f9a0b1c").expect("valid"),
            name,
        )
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
    fn patterns_that_matched_nothing_are_named() {
        let selector = Selector::new(vec!["café*".into(), "Nomatch*".into()], vec!["zzz".into()]);
        let shared = selector.clone();
        assert!(selector.selects(&tenant("Café Ünïcorn")));
        assert_eq!(shared.unmatched_includes(), ["Nomatch*"]);
        assert_eq!(shared.unmatched_excludes(), ["zzz"]);
    }
}
