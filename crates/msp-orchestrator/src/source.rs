//! [`TenantSource`]: where the list of tenants comes from.

use std::collections::{HashMap, HashSet};

use central_api::CentralTenant;
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use glp_auth::WorkspaceId;
use glp_transport::ApiError;
use glp_workspaces::{TenantEntry, WorkspacesClient};

use crate::{Clusters, TenantRef};

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
    /// A tenant of the MSP that no Central cluster of the run lists (`no_cluster`): it cannot
    /// run there, and is reported, never dropped.
    NoCluster {
        /// The tenant.
        tenant: TenantRef,
        /// The clusters looked at.
        clusters: String,
    },
    /// Not a tenant: what the user should know about the listing (e.g. a `total` that
    /// disagrees with the tenants delivered), a sentence.
    Warning(String),
}

/// A stream of tenants; an error ends it.
pub type TenantStream = BoxStream<'static, Result<SourceItem, ApiError>>;

impl TenantSource {
    /// Lists the tenants, lazily where the source allows.
    ///
    /// With one Central cluster every tenant runs there (its [`TenantRef::cluster`] names it).
    /// With several, each tenant is placed on the cluster whose list-tenants holds its name
    /// (read from every cluster first): a tenant on none is [`SourceItem::NoCluster`], a name
    /// on two clusters, or shared by two GreenLake workspaces, is reported as ambiguous (never
    /// guessed).
    pub fn stream(
        &self,
        workspaces: &WorkspacesClient,
        clusters: impl Into<Clusters>,
    ) -> TenantStream {
        let clusters: Clusters = clusters.into();
        if clusters.len() > 1 {
            return self.placed(workspaces, clusters);
        }
        let only = clusters.first().name.clone();
        let central = clusters.first().client.clone();
        let on_only = move |item: SourceItem| match item {
            SourceItem::Tenant(mut t) => {
                t.cluster = Some(only.clone());
                SourceItem::Tenant(t)
            }
            other => other,
        };
        let stream = match self {
            Self::GreenLake => workspaces
                .msp_tenants()
                .entries()
                .map_ok(|entry| item_of(entry, SourceItem::Tenant))
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
                                cluster: None,
                            }),
                            Some(ids) => SourceItem::Unresolved {
                                reason: shared_name(ids.len()),
                                listed_id: t.tenant_id,
                                name: t.tenant_name,
                            },
                            None => SourceItem::Unresolved {
                                reason: UNKNOWN_NAME.into(),
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
                                    cluster: None,
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
        };
        stream.map_ok(on_only).boxed()
    }

    /// The listing with several clusters: every cluster's list-tenants first, then each tenant
    /// placed by exact name.
    fn placed(&self, workspaces: &WorkspacesClient, clusters: Clusters) -> TenantStream {
        let (source, workspaces) = (self.clone(), workspaces.clone());
        stream::once(async move {
            // Every cluster's list-tenants and GreenLake's tenants at once.
            let (index, glp) = futures::try_join!(
                central_index(&clusters),
                workspaces
                    .msp_tenants()
                    .entries()
                    .try_collect::<Vec<TenantEntry>>()
            )?;
            let mut glp_names: HashMap<String, usize> = HashMap::new();
            for entry in &glp {
                if let TenantEntry::Tenant(t) = entry {
                    *glp_names.entry(t.workspace_name.clone()).or_default() += 1;
                }
            }
            let place = |tenant: TenantRef| -> SourceItem {
                match index.get(&tenant.name).map(Vec::as_slice) {
                    None | Some([]) => SourceItem::NoCluster {
                        tenant,
                        clusters: clusters.names(),
                    },
                    Some([(cluster, central)]) if glp_names.get(&tenant.name) == Some(&1) => {
                        SourceItem::Tenant(TenantRef {
                            cluster: Some(cluster.clone()),
                            central_tenant_id: Some(central.tenant_id.clone()),
                            ..tenant
                        })
                    }
                    Some([_]) => SourceItem::Unresolved {
                        reason: format!(
                            "{} GreenLake workspaces have this name; cannot tell which one \
                             Central lists",
                            glp_names.get(&tenant.name).copied().unwrap_or(0)
                        ),
                        listed_id: tenant.listed_id,
                        name: tenant.name,
                    },
                    Some(several) => SourceItem::Unresolved {
                        reason: format!(
                            "Central lists a tenant of this name on {} clusters ({}); \
                             cannot tell which one is this workspace",
                            several.len(),
                            several
                                .iter()
                                .map(|(c, _)| c.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        listed_id: tenant.listed_id,
                        name: tenant.name,
                    },
                }
            };
            let items: Vec<SourceItem> = match &source {
                Self::GreenLake => glp.into_iter().map(|entry| item_of(entry, place)).collect(),
                Self::Explicit(ids) => {
                    let names: HashMap<WorkspaceId, String> = glp
                        .iter()
                        .filter_map(|e| match e {
                            TenantEntry::Tenant(t) => Some((t.id, t.workspace_name.clone())),
                            _ => None,
                        })
                        .collect();
                    ids.iter()
                        .map(|listed| match WorkspaceId::parse(listed) {
                            Err(e) => SourceItem::Unresolved {
                                listed_id: listed.clone(),
                                name: String::new(),
                                reason: e.to_string(),
                            },
                            Ok(id) => match names.get(&id) {
                                Some(name) => place(TenantRef {
                                    workspace_id: id,
                                    listed_id: listed.clone(),
                                    name: name.clone(),
                                    central_tenant_id: None,
                                    cluster: None,
                                }),
                                None => SourceItem::Unresolved {
                                    listed_id: listed.clone(),
                                    name: String::new(),
                                    reason:
                                        "not a tenant of this MSP workspace (not in msp-tenants)"
                                            .into(),
                                },
                            },
                        })
                        .collect()
                }
                Self::Central => {
                    let mut by_name: HashMap<String, Vec<WorkspaceId>> = HashMap::new();
                    for entry in &glp {
                        if let TenantEntry::Tenant(t) = entry {
                            by_name
                                .entry(t.workspace_name.clone())
                                .or_default()
                                .push(t.id);
                        }
                    }
                    let mut items = Vec::new();
                    for cluster in clusters.iter() {
                        for (name, listed) in &index {
                            for (on, t) in listed.iter().filter(|(on, _)| *on == cluster.name) {
                                let unresolved = |reason: String| SourceItem::Unresolved {
                                    listed_id: t.tenant_id.clone(),
                                    name: t.tenant_name.clone(),
                                    reason,
                                };
                                items.push(match by_name.get(name).map(Vec::as_slice) {
                                    _ if listed.len() > 1 => unresolved(format!(
                                        "Central lists a tenant of this name on {} clusters; \
                                         cannot tell which workspace each one is",
                                        listed.len()
                                    )),
                                    Some([id]) => SourceItem::Tenant(TenantRef {
                                        workspace_id: *id,
                                        central_tenant_id: Some(t.tenant_id.clone()),
                                        listed_id: t.tenant_id.clone(),
                                        name: t.tenant_name.clone(),
                                        cluster: Some(on.clone()),
                                    }),
                                    Some(ids) => unresolved(shared_name(ids.len())),
                                    None => unresolved(UNKNOWN_NAME.into()),
                                });
                            }
                        }
                    }
                    items
                }
            };
            Ok::<_, ApiError>(stream::iter(items.into_iter().map(Ok)))
        })
        .try_flatten()
        .boxed()
    }
}

/// Why a Central tenant whose name no GreenLake workspace has cannot run.
const UNKNOWN_NAME: &str = "no GreenLake tenant workspace has this name; check that the tenant \
                            is managed by this MSP workspace";

/// Why a Central tenant whose name `n` GreenLake workspaces share cannot run.
/// The item of an msp-tenants entry: a tenant, made into an item by `tenant`, or an entry left
/// unresolved with its reason. A kind of entry this version does not know is said so, never
/// dropped.
fn item_of(entry: TenantEntry, tenant: impl FnOnce(TenantRef) -> SourceItem) -> SourceItem {
    match entry {
        TenantEntry::Tenant(t) => tenant(TenantRef::from_workspace(t.id, t.workspace_name)),
        TenantEntry::Invalid(bad) => SourceItem::Unresolved {
            listed_id: bad.listed_id,
            name: bad.name,
            reason: bad.reason,
        },
        TenantEntry::TotalMismatch { total, delivered } => {
            SourceItem::Warning(TenantEntry::mismatch_warning(total, delivered))
        }
        _ => SourceItem::Unresolved {
            listed_id: String::new(),
            name: String::new(),
            reason: "an msp-tenants entry of a kind this version does not know".into(),
        },
    }
}

fn shared_name(n: usize) -> String {
    format!("{n} GreenLake workspaces have this name; cannot tell which one is the Central tenant")
}

/// Every tenant of every cluster's list-tenants, by exact name: (cluster, tenant).
async fn central_index(
    clusters: &Clusters,
) -> Result<HashMap<String, Vec<(String, CentralTenant)>>, ApiError> {
    let mut index: HashMap<String, Vec<(String, CentralTenant)>> = HashMap::new();
    for (cluster, tenants) in clusters.list_tenants().await? {
        for t in tenants {
            index
                .entry(t.tenant_name.clone())
                .or_default()
                .push((cluster.clone(), t));
        }
    }
    Ok(index)
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

/// A rerun file (`--failed-out` writes them, `--tenant-ids-from` reads them): one entry per
/// line, `#` starting a comment. A line `ID` is a tenant to run; a line `!ID` a tenant that
/// completed in an earlier run, and a line `!` alone nothing more. A file of `!` lines alone
/// stands for the whole listing but those: the rerun of a run whose listing stopped part-way,
/// when the tenants never listed can only be named as "every tenant but the ones done".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RerunList {
    /// The tenants to run, as written (lines without `!`).
    pub run: Vec<String>,
    /// The tenants done before, as written (the `!` lines, without the `!`).
    pub done: Vec<String>,
    /// Whether the file has a `!` line.
    pub marked: bool,
}

impl RerunList {
    /// Reads a rerun file's text.
    pub fn parse(text: &str) -> RerunList {
        let mut list = RerunList::default();
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("").trim();
            match line.strip_prefix('!').map(str::trim) {
                Some(done) => {
                    list.marked = true;
                    if !done.is_empty() {
                        list.done.push(done.to_owned());
                    }
                }
                None if !line.is_empty() => list.run.push(line.to_owned()),
                None => {}
            }
        }
        list
    }

    /// Whether the file names only tenants done before: the rest of a listing is to run.
    pub fn is_rest_of_listing(&self) -> bool {
        self.run.is_empty() && self.marked
    }
}

/// `tenants` without the tenants in `done` (a rerun's `!` lines): they are neither run nor
/// reported.
pub fn leave_out(tenants: TenantStream, done: &[WorkspaceId]) -> TenantStream {
    if done.is_empty() {
        return tenants;
    }
    let done: HashSet<WorkspaceId> = done.iter().copied().collect();
    tenants
        .try_filter(move |item| {
            let keep = match item {
                SourceItem::Tenant(t) | SourceItem::NoCluster { tenant: t, .. } => {
                    !done.contains(&t.workspace_id)
                }
                SourceItem::Unresolved { .. } | SourceItem::Warning(_) => true,
            };
            std::future::ready(keep)
        })
        .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rerun_lists_keep_done_lines_apart() {
        let text = "# listing stopped\n!3f2a6c1e-0b4d-4e7a-9c2b-1d5e8f9a0b1c\n! abc # x\n";
        let list = RerunList::parse(text);
        assert!(list.run.is_empty());
        assert_eq!(
            list.done,
            vec!["3f2a6c1e-0b4d-4e7a-9c2b-1d5e8f9a0b1c", "abc"]
        );
        assert!(list.is_rest_of_listing());
        let mixed = RerunList::parse("a\n!b\n");
        assert_eq!(
            (mixed.run, mixed.done),
            (vec!["a".into()], vec!["b".into()])
        );
        assert!(!RerunList::parse("").is_rest_of_listing());
        // Nothing done yet: the whole listing.
        let nothing_done = RerunList::parse("! # every tenant but the ones below\n");
        assert!(nothing_done.is_rest_of_listing() && nothing_done.done.is_empty());
    }

    #[test]
    fn id_lists_skip_comments_and_blanks() {
        let text = "# failed tenants\n3f2a6c1e-0b4d-4e7a-9c2b-1d5e8f9a0b1c\n\n  abc # note\n";
        assert_eq!(
            RerunList::parse(text).run,
            vec!["3f2a6c1e-0b4d-4e7a-9c2b-1d5e8f9a0b1c", "abc"]
        );
    }
}
