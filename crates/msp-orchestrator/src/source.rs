//! [`TenantSource`]: where the list of tenants comes from.

use std::collections::HashMap;

use central_api::CentralClient;
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use glp_auth::WorkspaceId;
use glp_transport::ApiError;
use glp_workspaces::{TenantEntry, WorkspacesClient};

use crate::TenantRef;

/// Where the tenants come from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum TenantSource {
    /// GreenLake's `workspaces/v1/msp-tenants` (the default).
    #[default]
    GreenLake,
    /// Central's `network-msp/v1/list-tenants`. Central's `tenantId` is not proven to be the
    /// GreenLake workspace id, so each Central tenant is resolved to its workspace by exact name
    /// through GreenLake (as the vendor's own sample does); names that do not resolve to exactly
    /// one workspace are reported as skipped, never guessed.
    Central,
    /// These workspace ids (with or without hyphens), as given; names come from GreenLake.
    Explicit(Vec<String>),
}

/// One entry of a tenant listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceItem {
    /// A tenant to run.
    Tenant(TenantRef),
    /// A listed entry that cannot be run, and why.
    Unresolved {
        /// The id as listed.
        listed_id: String,
        /// The name, when known.
        name: String,
        /// Why it cannot run.
        reason: String,
    },
}

/// A stream of tenants; an error ends it.
pub type TenantStream = BoxStream<'static, Result<SourceItem, ApiError>>;

impl TenantSource {
    /// Lists the tenants, lazily where the source allows.
    pub fn stream(&self, workspaces: &WorkspacesClient, central: &CentralClient) -> TenantStream {
        match self {
            Self::GreenLake => workspaces
                .msp_tenants()
                .entries()
                .map_ok(|entry| match entry {
                    TenantEntry::Tenant(t) => {
                        SourceItem::Tenant(TenantRef::from_workspace(t.id, t.workspace_name))
                    }
                    TenantEntry::Invalid(bad) => SourceItem::Unresolved {
                        listed_id: bad.listed_id,
                        name: bad.name,
                        reason: bad.reason,
                    },
                    // A kind of entry this version does not know: say so, never drop it.
                    _ => SourceItem::Unresolved {
                        listed_id: String::new(),
                        name: String::new(),
                        reason: "an msp-tenants entry of a kind this version does not know".into(),
                    },
                })
                .boxed(),
            Self::Central => {
                let (workspaces, central) = (workspaces.clone(), central.clone());
                stream::once(async move {
                    let by_name = names_to_ids(&workspaces).await?;
                    let listed = central.list_tenants().stream().map_ok(move |t| {
                        match by_name.get(&t.tenant_name).map(Vec::as_slice) {
                            Some([id]) => SourceItem::Tenant(TenantRef {
                                workspace_id: *id,
                                central_tenant_id: Some(t.tenant_id.clone()),
                                listed_id: t.tenant_id,
                                name: t.tenant_name,
                            }),
                            Some(ids) => SourceItem::Unresolved {
                                reason: format!(
                                    "{} GreenLake workspaces have this name; cannot tell which one is the Central tenant",
                                    ids.len()
                                ),
                                listed_id: t.tenant_id,
                                name: t.tenant_name,
                            },
                            None => SourceItem::Unresolved {
                                reason: "no GreenLake tenant workspace has this name; \
                                         check that the tenant is managed by this MSP workspace"
                                    .into(),
                                listed_id: t.tenant_id,
                                name: t.tenant_name,
                            },
                        }
                    });
                    Ok::<_, ApiError>(listed)
                })
                .try_flatten()
                .boxed()
            }
            Self::Explicit(ids) => {
                let (workspaces, ids) = (workspaces.clone(), ids.clone());
                stream::once(async move {
                    let names = ids_to_names(&workspaces).await?;
                    let items = ids.into_iter().map(move |listed| {
                        let item = match WorkspaceId::parse(&listed) {
                            Err(e) => SourceItem::Unresolved {
                                listed_id: listed,
                                name: String::new(),
                                reason: e.to_string(),
                            },
                            Ok(id) => match names.get(&id) {
                                Some(name) => SourceItem::Tenant(TenantRef {
                                    workspace_id: id,
                                    listed_id: listed,
                                    name: name.clone(),
                                    central_tenant_id: None,
                                }),
                                None => SourceItem::Unresolved {
                                    listed_id: listed,
                                    name: String::new(),
                                    reason:
                                        "not a tenant of this MSP workspace (not in msp-tenants)"
                                            .into(),
                                },
                            },
                        };
                        Ok(item)
                    });
                    Ok::<_, ApiError>(stream::iter(items))
                })
                .try_flatten()
                .boxed()
            }
        }
    }
}

async fn names_to_ids(
    workspaces: &WorkspacesClient,
) -> Result<HashMap<String, Vec<WorkspaceId>>, ApiError> {
    let mut map: HashMap<String, Vec<WorkspaceId>> = HashMap::new();
    let mut tenants = workspaces.msp_tenants().stream();
    while let Some(t) = tenants.next().await {
        let t = t?;
        map.entry(t.workspace_name).or_default().push(t.id);
    }
    Ok(map)
}

async fn ids_to_names(
    workspaces: &WorkspacesClient,
) -> Result<HashMap<WorkspaceId, String>, ApiError> {
    let mut map = HashMap::new();
    let mut tenants = workspaces.msp_tenants().stream();
    while let Some(t) = tenants.next().await {
        let t = t?;
        map.insert(t.id, t.workspace_name);
    }
    Ok(map)
}

/// Reads a list of tenant ids: one per line; blank lines and `#` comments are ignored.
pub fn parse_id_list(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_lists_skip_comments_and_blanks() {
        let text = "# failed tenants\n3f2a6c1e-0b4d-4e7a-9c2b-1d5e8f9a0b1c\n\n  abc # note\n";
        assert_eq!(
            parse_id_list(text),
            vec!["3f2a6c1e-0b4d-4e7a-9c2b-1d5e8f9a0b1c", "abc"]
        );
    }
}
