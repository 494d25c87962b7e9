//! The GET paths of HPE's published OpenAPI specs as data ([`SpecPaths`]: path templates, each
//! with how its answer is paged), and [`check_path`], the one check of a path a user gives
//! below a base URL. Each API crate holds the catalog of its own host.

use std::fmt;

/// How the answer of a spec's GET is read, as the spec's parameters and answer say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SpecPaging {
    /// A list paged by item `offset` and `limit`, answering `items` (with `count`, `total`).
    Offset,
    /// A list paged by a `next` cursor, answering `items` and the `next` cursor.
    Cursor,
    /// One answer, not a list (no paging parameter, or no `items` in the answer): the whole
    /// body is one item.
    One,
}

impl SpecPaging {
    /// The word a catalog line starts with: `offset`, `cursor` or `one`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Offset => "offset",
            Self::Cursor => "cursor",
            Self::One => "one",
        }
    }

    fn parse(word: &str) -> Option<Self> {
        [Self::Offset, Self::Cursor, Self::One]
            .into_iter()
            .find(|p| p.as_str() == word)
    }
}

impl fmt::Display for SpecPaging {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One GET of a spec: its path template below the base URL (`devices/v1/devices/{id}`; a
/// segment in braces stands for any one segment) and its paging.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpecPath {
    /// The template, without a leading `/`.
    pub template: &'static str,
    /// How its answer is read.
    pub paging: SpecPaging,
}

impl SpecPath {
    /// Whether `segments` (a path split on `/`) fit this template.
    fn fits(&self, segments: &[&str]) -> bool {
        let mut template = self.template.split('/');
        segments.iter().all(|s| {
            template
                .next()
                .is_some_and(|t| t == *s || (t.starts_with('{') && t.ends_with('}')))
        }) && template.next().is_none()
    }
}

/// A catalog of GET paths: lines of `<paging> <template>` (`offset devices/v1/devices`); blank
/// lines and lines starting with `#` are skipped, and so is a line that does not parse (the
/// crates that hold a catalog test that every line parses).
#[derive(Debug, Clone, Default)]
pub struct SpecPaths {
    entries: Vec<SpecPath>,
}

impl SpecPaths {
    /// The catalog of `text`.
    pub fn parse(text: &'static str) -> Self {
        let entries = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .filter_map(|line| {
                let (word, template) = line.split_once(' ')?;
                Some(SpecPath {
                    paging: SpecPaging::parse(word)?,
                    template: template.trim().trim_matches('/'),
                })
            })
            .collect();
        Self { entries }
    }

    /// Every GET of the catalog, in its order.
    pub fn entries(&self) -> &[SpecPath] {
        &self.entries
    }

    /// The GET whose template `path` fits (segment by segment; a literal segment wins over a
    /// parameter where two fit: `devices/v1/devices/group` before `devices/v1/devices/{id}`).
    pub fn find(&self, path: &str) -> Option<&SpecPath> {
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        self.entries
            .iter()
            .filter(|e| e.fits(&segments))
            .min_by_key(|e| e.template.matches('{').count())
    }

    /// Up to `most` templates nearest to `path` (Levenshtein distance, a template's parameters
    /// taking the given path's segments where it has them), nearest first, only those near
    /// enough to be a typo or a wrong version.
    pub fn near(&self, path: &str, most: usize) -> Vec<&'static str> {
        let path = path.trim_matches('/');
        let given: Vec<&str> = path.split('/').collect();
        let mut scored: Vec<(usize, &'static str)> = self
            .entries
            .iter()
            .map(|e| {
                let filled: Vec<&str> = e
                    .template
                    .split('/')
                    .enumerate()
                    .map(|(i, t)| match given.get(i) {
                        Some(g) if t.starts_with('{') => g,
                        _ => t,
                    })
                    .collect();
                (strsim::levenshtein(path, &filled.join("/")), e.template)
            })
            .filter(|(d, _)| *d <= 3.max(path.len() / 4))
            .collect();
        scored.sort();
        scored.dedup_by_key(|(_, t)| *t);
        scored.into_iter().take(most).map(|(_, t)| t).collect()
    }
}

/// Why a path below a base URL is refused ([`check_path`]), before any request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PathProblem {
    /// A blank path.
    #[error("it is empty")]
    Empty,
    /// A URL (`https://...`, `//host/...`): the origin is the base URL's, never the user's.
    #[error("give a path below the base URL, not a URL")]
    Url,
    /// A `?` or `#`: parameters are given apart.
    #[error("it carries a query string: give parameters apart")]
    Query,
    /// An empty, `.` or `..` segment.
    #[error("it has an empty, `.` or `..` segment")]
    Traversal,
    /// A character other than letters, digits, `-`, `_`, `.` and `~` (`%` included, so no
    /// percent-encoded `/` or `..` can pass).
    #[error("only letters, digits, `-`, `_`, `.` and `~` may appear in a segment")]
    Character,
}

/// The segments of `path`, a path below a base URL (leading and trailing `/` ignored), checked
/// so that it cannot leave the base URL's origin or the API it names: not empty, no URL, no
/// query, no empty, `.` or `..` segment, only unreserved characters (RFC 3986: letters,
/// digits, `-`, `_`, `.`, `~`; so nothing percent-encoded).
pub fn check_path(path: &str) -> Result<Vec<&str>, PathProblem> {
    let path = path.trim();
    if path.is_empty() {
        return Err(PathProblem::Empty);
    }
    if path.contains("://") || path.starts_with("//") {
        return Err(PathProblem::Url);
    }
    if path.contains(['?', '#']) {
        return Err(PathProblem::Query);
    }
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    for segment in &segments {
        if segment.is_empty() || *segment == "." || *segment == ".." {
            return Err(PathProblem::Traversal);
        }
        if !segment
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~'))
        {
            return Err(PathProblem::Character);
        }
    }
    Ok(segments)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CATALOG: &str = "# a comment\n\
        offset devices/v1/devices\n\
        one devices/v1/devices/{id}\n\
        offset devices/v1/devices/group\n\
        cursor network-monitoring/v1/aps\n\
        \n\
        bogus line\n\
        sideways x/y\n";

    #[test]
    fn lines_parse_and_literal_segments_win() {
        let paths = SpecPaths::parse(CATALOG);
        assert_eq!(paths.entries().len(), 4);
        let find = |p| paths.find(p).map(|e| (e.template, e.paging));
        assert_eq!(
            find("/devices/v1/devices/"),
            Some(("devices/v1/devices", SpecPaging::Offset))
        );
        assert_eq!(
            find("devices/v1/devices/ABC"),
            Some(("devices/v1/devices/{id}", SpecPaging::One))
        );
        assert_eq!(
            find("devices/v1/devices/group"),
            Some(("devices/v1/devices/group", SpecPaging::Offset))
        );
        assert_eq!(find("devices/v1/devices/ABC/x"), None);
        assert_eq!(find("devices/v1"), None);
    }

    #[test]
    fn near_matches_are_typos_and_versions() {
        let paths = SpecPaths::parse(CATALOG);
        assert_eq!(paths.near("devices/v2/devices", 3)[0], "devices/v1/devices");
        assert_eq!(
            paths.near("network-monitoring/v1/apss", 3),
            ["network-monitoring/v1/aps"]
        );
        assert!(paths.near("completely/other/thing/entirely", 3).is_empty());
    }

    #[test]
    fn escapes_are_refused() {
        for (path, problem) in [
            ("", PathProblem::Empty),
            ("https://evil.example/devices/v1/devices", PathProblem::Url),
            ("//evil.example/x", PathProblem::Url),
            ("devices/v1/devices?limit=5", PathProblem::Query),
            ("devices#x", PathProblem::Query),
            ("devices/../workspaces", PathProblem::Traversal),
            ("devices/./x", PathProblem::Traversal),
            ("devices//x", PathProblem::Traversal),
            ("devices/%2e%2e/x", PathProblem::Character),
            ("devices/a%2Fb", PathProblem::Character),
            ("devices/a b", PathProblem::Character),
        ] {
            assert_eq!(check_path(path), Err(problem), "{path:?}");
        }
        assert_eq!(
            check_path("/devices/v1/devices/"),
            Ok(vec!["devices", "v1", "devices"])
        );
    }
}
