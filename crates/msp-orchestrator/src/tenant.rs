//! [`TenantRef`]: one tenant to run a job for.

use glp_auth::WorkspaceId;
use serde::Serialize;

/// A tenant as a source listed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TenantRef {
    /// The GreenLake workspace id, used for the token exchange.
    pub workspace_id: WorkspaceId,
    /// The id exactly as the source listed it (GreenLake's workspace id, Central's `tenantId`,
    /// or the line of the user's list), written into every output record.
    pub listed_id: String,
    /// The tenant's name.
    pub name: String,
    /// Central's own id of the tenant (`tenantId` of list-tenants), when the tenant was listed
    /// by Central.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub central_tenant_id: Option<String>,
    /// The Central cluster the tenant was placed on (a name of the run's
    /// [`Clusters`](crate::Clusters)); `None`: the run's first (or only) cluster.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
}

impl TenantRef {
    /// A tenant listed by GreenLake: the listed id is the hyphenated workspace id.
    pub fn from_workspace(workspace_id: WorkspaceId, name: impl Into<String>) -> Self {
        Self {
            listed_id: workspace_id.hyphenated(),
            workspace_id,
            name: name.into(),
            central_tenant_id: None,
            cluster: None,
        }
    }
}
