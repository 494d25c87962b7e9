//! [`Selector`]: include / exclude tenants by id or name pattern.

use crate::TenantRef;

/// Chooses tenants: a tenant runs if it matches some include pattern (or there are none) and no
/// exclude pattern. A pattern matches the tenant's name or id (hyphenated, compact, or as
/// listed), case-insensitively, with `*` for any run of characters and `?` for one character.
#[derive(Debug, Clone, Default)]
pub struct Selector {
    include: Vec<String>,
    exclude: Vec<String>,
}

impl Selector {
    /// A selector with these include and exclude patterns.
    pub fn new(include: Vec<String>, exclude: Vec<String>) -> Self {
        let lower = |v: Vec<String>| v.into_iter().map(|p| p.to_lowercase()).collect();
        Self {
            include: lower(include),
            exclude: lower(exclude),
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
        (self.include.is_empty() || self.include.iter().any(matches))
            && !self.exclude.iter().any(matches)
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
}
