//! [`Api`]: which of the two platforms a client talks to.

use std::fmt;

/// The API a client talks to. GreenLake and Central have separate rate-limit budgets, so each
/// client paces itself on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Api {
    /// The HPE GreenLake Platform API gateway (workspaces, token issuer).
    GreenLake,
    /// An HPE Aruba Networking Central regional API gateway.
    Central,
}

impl fmt::Display for Api {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Api::GreenLake => "GreenLake",
            Api::Central => "Central",
        })
    }
}
