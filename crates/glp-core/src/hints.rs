//! Troubleshooting hints attached to 401 and 403 errors, shared by every crate of the project.

/// What to check when GreenLake or Central answers 401 Unauthorized.
pub const UNAUTHORIZED_HINT: &str = "hint: 401 means the credential or token was not accepted. \
Check that GLP_CLIENT_ID and GLP_CLIENT_SECRET belong to a current (not deleted or rotated) \
API client; that the client was created for the HPE GreenLake platform (GreenLake: Manage \
Workspace > Personal API clients), not for Aruba Central; that GLP_WORKSPACE_ID is the MSP \
workspace that owns the client; on API calls, that the token has not expired.";

/// What to check when GreenLake or Central answers 403 Forbidden: what a user can change (the
/// tool itself always sends the tenant's own token to tenant-scoped calls).
pub const FORBIDDEN_HINT: &str = "hint: 403 means the credential is valid but not allowed to \
do this. Check, in GreenLake (Manage Workspace > Personal API clients, and the roles of the MSP \
workspace), that the API client's role grants read access to the service called (Aruba Central \
network monitoring, the MSP tenant list, devices or subscriptions); that the client is a \
GreenLake-platform client of the MSP workspace, not one of a tenant; and, when only some tenants \
answer 403, that those tenants let the MSP manage them.";

/// What to check when a Central MSP call answers 401 while GreenLake calls work.
pub const CENTRAL_CLUSTER_HINT: &str = "hint: GreenLake accepted the token but Central did not: \
check the Central cluster / base URL (CENTRAL_BASE_URL or CENTRAL_CLUSTER); a gateway of the \
wrong region answers 401.";
