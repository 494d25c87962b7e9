//! [`Scope`]: whose token is asked for.

use std::fmt;

use crate::WorkspaceId;

/// The workspace a token is for.
///
/// The MSP token (client-credentials grant) calls the MSP-level APIs (list tenants); a tenant token
/// (RFC 8693 exchange of the MSP token) calls that one tenant's APIs and nothing else.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Scope {
    /// The MSP workspace whose API credential the provider holds.
    Msp,
    /// One managed tenant workspace.
    Tenant(WorkspaceId),
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Msp => f.write_str("msp"),
            Scope::Tenant(id) => write!(f, "tenant {id}"),
        }
    }
}
