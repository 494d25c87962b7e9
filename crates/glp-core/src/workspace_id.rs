//! [`WorkspaceId`]: the one type every GreenLake workspace id goes through.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A GreenLake workspace id: a UUID, accepted with or without hyphens and in any case.
///
/// GreenLake shows workspace ids hyphenated (`3f2a…-…`), but the token-exchange URL needs them
/// **without** hyphens. Every URL in this project is built from [`WorkspaceId::compact`], so the
/// hyphen rule cannot be forgotten.
///
/// ```
/// use glp_core::WorkspaceId;
/// let id: WorkspaceId = "3F2A6C1E-0B4D-4E7A-9C2B-1D5E8F9A0B1C".parse()?;
/// assert_eq!(id.compact(), "3f2a6c1e0b4d4e7a9c2b1d5e8f9a0b1c");
/// assert_eq!(id.hyphenated(), "3f2a6c1e-0b4d-4e7a-9c2b-1d5e8f9a0b1c");
/// # Ok::<(), glp_core::InvalidWorkspaceId>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WorkspaceId([u8; 16]);

/// The error for a value that is not a workspace id.
///
/// It describes the value's *shape* (length, offending character class) and never echoes the
/// value itself: a misplaced secret must not end up in an error message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid workspace id ({shape}): expected a UUID of 32 hex digits, with or without hyphens, \
     e.g. 3f2a6c1e-0b4d-4e7a-9c2b-1d5e8f9a0b1c (GreenLake: Manage Workspace shows it)"
)]
pub struct InvalidWorkspaceId {
    shape: String,
}

impl WorkspaceId {
    /// Parses a workspace id from 32 hex digits, optionally hyphenated as 8-4-4-4-12,
    /// with surrounding whitespace ignored.
    pub fn parse(value: &str) -> Result<Self, InvalidWorkspaceId> {
        let value = value.trim();
        let invalid = |shape: String| InvalidWorkspaceId { shape };
        if value.is_empty() {
            return Err(invalid("empty".into()));
        }
        let hyphens: Vec<usize> = value.match_indices('-').map(|(i, _)| i).collect();
        if !hyphens.is_empty() && hyphens != [8, 13, 18, 23] {
            return Err(invalid(format!(
                "{} characters with hyphens in the wrong places",
                value.chars().count()
            )));
        }
        let mut bytes = [0u8; 16];
        let mut digits = 0usize;
        for c in value.chars().filter(|c| *c != '-') {
            let Some(nibble) = c.to_digit(16) else {
                return Err(invalid(format!(
                    "{} characters, contains a non-hex character",
                    value.chars().count()
                )));
            };
            if digits < 32 {
                bytes[digits / 2] |= (nibble as u8) << if digits.is_multiple_of(2) { 4 } else { 0 };
            }
            digits += 1;
        }
        if digits != 32 {
            return Err(invalid(format!("{digits} hex digits instead of 32")));
        }
        Ok(Self(bytes))
    }

    /// The 32 lower-case hex digits without hyphens: the form GreenLake token URLs require.
    pub fn compact(&self) -> String {
        let mut out = String::with_capacity(32);
        for b in self.0 {
            out.push_str(&format!("{b:02x}"));
        }
        out
    }

    /// The hyphenated 8-4-4-4-12 lower-case form, as GreenLake displays it.
    pub fn hyphenated(&self) -> String {
        let c = self.compact();
        format!(
            "{}-{}-{}-{}-{}",
            &c[0..8],
            &c[8..12],
            &c[12..16],
            &c[16..20],
            &c[20..32]
        )
    }
}

impl FromStr for WorkspaceId {
    type Err = InvalidWorkspaceId;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for WorkspaceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.hyphenated())
    }
}

impl fmt::Debug for WorkspaceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WorkspaceId({})", self.hyphenated())
    }
}

impl Serialize for WorkspaceId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.hyphenated())
    }
}

impl<'de> Deserialize<'de> for WorkspaceId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HYPHENATED: &str = "3f2a6c1e-0b4d-4e7a-9c2b-1d5e8f9a0b1c";
    const COMPACT: &str = "3f2a6c1e0b4d4e7a9c2b1d5e8f9a0b1c";

    #[test]
    fn accepts_both_forms_in_any_case() {
        for input in [
            HYPHENATED,
            COMPACT,
            &HYPHENATED.to_uppercase(),
            &COMPACT.to_uppercase(),
            &format!("  {HYPHENATED}\n"),
        ] {
            let id = WorkspaceId::parse(input).expect(input);
            assert_eq!(id.compact(), COMPACT);
            assert_eq!(id.hyphenated(), HYPHENATED);
            assert_eq!(id.to_string(), HYPHENATED);
        }
    }

    #[test]
    fn forms_are_equal_values() {
        assert_eq!(
            WorkspaceId::parse(HYPHENATED).ok(),
            WorkspaceId::parse(COMPACT).ok()
        );
    }

    #[test]
    fn rejects_bad_shapes_without_echoing_the_value() {
        let cases = [
            ("", "empty"),
            ("abc", "3 hex digits instead of 32"),
            ("3f2a6c1e0b4d4e7a9c2b1d5e8f9a0b1c00", "34 hex digits"),
            (
                "3f2a6c1e-0b4d4e7a-9c2b-1d5e8f9a0b1c",
                "hyphens in the wrong places",
            ),
            (
                "my-super-secret-value-that-is-not-an-id",
                "hyphens in the wrong places",
            ),
            ("zz2a6c1e0b4d4e7a9c2b1d5e8f9a0b1c", "non-hex"),
        ];
        for (input, shape) in cases {
            let err = WorkspaceId::parse(input).expect_err(input).to_string();
            assert!(err.contains(shape), "{input:?}: {err}");
            if !input.is_empty() {
                assert!(!err.contains(input), "error echoes the value: {err}");
            }
        }
    }

    #[test]
    fn serde_round_trip_uses_hyphenated_form() {
        let id = WorkspaceId::parse(COMPACT).expect("valid");
        let json = serde_json::to_string(&id).expect("serialize");
        assert_eq!(json, format!("\"{HYPHENATED}\""));
        let back: WorkspaceId = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(back, id);
        assert!(serde_json::from_str::<WorkspaceId>("\"nope\"").is_err());
    }
}
