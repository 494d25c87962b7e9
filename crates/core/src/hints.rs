//! Troubleshooting hints attached to 401 and 403 errors, shared by every crate of the project.

/// What to check when GreenLake or Central answers 401 Unauthorized.
pub const UNAUTHORIZED_HINT: &str = "hint: 401 means the credential or token was not accepted. \
Check that GLP_CLIENT_ID and GLP_CLIENT_SECRET belong to a current (not deleted or rotated) \
API client; that the client was created for the HPE GreenLake platform (GreenLake: Manage \
Workspace > Personal API clients), not for Aruba Central; that GLP_WORKSPACE_ID is the MSP \
workspace that owns the client; on API calls, that the token has not expired.";

/// What to check when GreenLake or Central answers 403 Forbidden.
pub const FORBIDDEN_HINT: &str = "hint: 403 means the token is valid but not for this call. \
Tenant-scoped Central APIs need that tenant's own token (RFC 8693 exchange of the MSP token), \
not the MSP token, and a tenant token works for its own tenant only: check that the tenant \
workspace id matches the tenant. MSP-level APIs (list tenants) need the MSP token, and the \
API client's role must allow the call.";

/// What to check when a Central MSP call answers 401 while GreenLake calls work.
pub const CENTRAL_CLUSTER_HINT: &str = "hint: GreenLake accepted the token but Central did not: \
check the Central cluster / base URL (CENTRAL_BASE_URL or CENTRAL_CLUSTER); a gateway of the \
wrong region answers 401.";
