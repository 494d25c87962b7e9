//! `[[subscriptions]]`: subscription keys that must be present in a workspace, added with
//! `POST subscriptions/v1/subscriptions` when they are not.
//!
//! **Which workspace.** An entry without `tenants` is about the MSP's own workspace (its token);
//! with `tenants` (globs over names or ids, as `--include` reads them) it is about the one tenant
//! they select, written with that tenant's exchanged token: the subscription-management spec's
//! add is a workspace's own write ("add one or more subscriptions to a workspace", limits per
//! workspace), and a tenant token is a workspace token (as for its devices). A key is claimed by
//! one workspace only, so an entry whose `tenants` select several workspaces (or none) cannot be
//! planned.
//!
//! Per entry the plan is one [`SubscriptionAction`]: add the keys the workspace does not list
//! yet, nothing (all present), or cannot (with why). Nothing is removed because the manifest
//! leaves it out.
//!
//! **Keys are secrets-ish** (license keys): they are kept whole in the manifest and in a saved
//! plan file (which is as trusted as the manifest: it is what an apply sends), and shown
//! everywhere else (plan lines, results, the store's record of changes, errors) masked, as
//! `****` and their last four characters ([`SubscriptionKey::masked`]).

use futures::StreamExt as _;
use glp_core::{Scope, WorkspaceId};
use glp_workspaces::{SubscriptionKey, Tenant, WorkspacesClient};
use serde::{Deserialize, Serialize};

use super::fingerprint;
use super::manifest::Manifest;
use crate::TenantRef;

/// The most keys one entry may name.
pub const MAX_KEYS_PER_ENTRY: usize = 100;

/// One `[[subscriptions]]` entry. Unknown keys are refused.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionEntry {
    /// The subscription keys that must be present.
    pub keys: Vec<SubscriptionKey>,
    /// The one tenant to add them to, as globs over names or ids; absent: the MSP's own
    /// workspace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenants: Option<Vec<String>>,
}

impl SubscriptionEntry {
    /// The entry's problems, each in words (keys shown masked).
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(p) = self
            .tenants
            .as_deref()
            .and_then(super::manifest::patterns_problem)
        {
            out.push(p);
        }
        if self.keys.is_empty() || self.keys.len() > MAX_KEYS_PER_ENTRY {
            out.push(format!(
                "'keys' lists 1 to {MAX_KEYS_PER_ENTRY} subscription keys, not {}",
                self.keys.len()
            ));
        }
        out.extend(self.keys.iter().filter_map(|k| k.check().err()));
        out
    }
}

/// The workspace an action is about: the MSP's own (`id` none) or a tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionWorkspace {
    /// The tenant's workspace id; none for the MSP's own workspace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<WorkspaceId>,
    /// Its name (`MSP workspace` for the MSP's own).
    pub name: String,
}

impl SubscriptionWorkspace {
    /// The MSP's own workspace.
    pub fn msp() -> Self {
        Self {
            id: None,
            name: "MSP workspace".into(),
        }
    }

    /// Whose token writes there.
    pub fn scope(&self) -> Scope {
        self.id.map_or(Scope::Msp, Scope::Tenant)
    }
}

/// What the plan does for one entry: add, nothing or cannot. Each carries `state`, the
/// fingerprint of the keys the workspace listed, so a saved plan whose workspace moved since
/// reads differently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum SubscriptionAction {
    /// Add `keys` (those the workspace did not list).
    Add {
        /// The workspace.
        workspace: SubscriptionWorkspace,
        /// The keys to add.
        keys: Vec<SubscriptionKey>,
        /// The fingerprint of the keys read.
        state: String,
    },
    /// Nothing to do: every key is listed already.
    Nothing {
        /// The workspace.
        workspace: SubscriptionWorkspace,
        /// How many keys were checked.
        keys: usize,
        /// The fingerprint of the keys read.
        state: String,
    },
    /// It cannot be done.
    Cannot {
        /// The workspace, when one was selected.
        workspace: SubscriptionWorkspace,
        /// What was asked.
        what: String,
        /// Why, in words.
        why: String,
        /// The fingerprint of what was read.
        state: String,
    },
}

/// `1 subscription`, `2 subscriptions`.
fn count(n: usize) -> String {
    format!("{n} subscription{}", if n == 1 { "" } else { "s" })
}

/// Keys, masked, comma-separated.
pub fn masked(keys: &[SubscriptionKey]) -> String {
    keys.iter()
        .map(SubscriptionKey::masked)
        .collect::<Vec<_>>()
        .join(", ")
}

action_kinds! {
    /// `add`, `nothing` or `cannot`.
    SubscriptionAction
    writes [Add => "add"]
    else [Nothing => "nothing", Cannot => "cannot"],
    /// The workspace it is about.
    workspace: SubscriptionWorkspace;
    /// Why it cannot be done (`None` for the other kinds).
    why in [Cannot]: str
}

impl SubscriptionAction {
    /// What it does, in words, keys masked: `add 2 subscriptions (****Ag95, ****0001)`.
    pub fn describe(&self) -> String {
        match self {
            Self::Add { keys, .. } => format!("add {} ({})", count(keys.len()), masked(keys)),
            Self::Nothing { keys, .. } => format!("{} already present", count(*keys)),
            Self::Cannot { what, .. } => what.clone(),
        }
    }
}

/// The fingerprint of the keys a workspace lists (without case, in any order).
pub(crate) fn keys_state(listed: &[String]) -> String {
    let mut keys: Vec<String> = listed.iter().map(|k| k.to_ascii_lowercase()).collect();
    keys.sort();
    fingerprint(keys.join("\n").as_bytes())
}

/// The action of `entry` in `workspace`, which lists the keys `listed`.
pub fn plan_subscription(
    entry: &SubscriptionEntry,
    workspace: SubscriptionWorkspace,
    listed: &[String],
) -> SubscriptionAction {
    let state = keys_state(listed);
    let missing: Vec<SubscriptionKey> = entry
        .keys
        .iter()
        .filter(|k| !listed.iter().any(|l| k.is(l)))
        .cloned()
        .collect();
    if missing.is_empty() {
        SubscriptionAction::Nothing {
            workspace,
            keys: entry.keys.len(),
            state,
        }
    } else {
        SubscriptionAction::Add {
            workspace,
            keys: missing,
            state,
        }
    }
}

/// The workspace `entry` is about among `tenants`, or the `cannot` that says why there is none.
fn workspace_of(
    entry: &SubscriptionEntry,
    tenants: &[Tenant],
) -> Result<SubscriptionWorkspace, SubscriptionAction> {
    let Some(patterns) = &entry.tenants else {
        return Ok(SubscriptionWorkspace::msp());
    };
    let selected: Vec<&Tenant> = tenants
        .iter()
        .filter(|t| {
            super::manifest::selects(
                patterns,
                &TenantRef::from_workspace(t.id, &t.workspace_name),
            )
        })
        .collect();
    match selected.as_slice() {
        [t] => Ok(SubscriptionWorkspace {
            id: Some(t.id),
            name: t.workspace_name.clone(),
        }),
        other => {
            let names = glp_core::text::escape_control(&patterns.join(", ")).into_owned();
            Err(SubscriptionAction::Cannot {
                workspace: SubscriptionWorkspace {
                    id: None,
                    name: names.clone(),
                },
                what: format!("add {} ({})", count(entry.keys.len()), masked(&entry.keys)),
                why: format!(
                    "'tenants' ({names}) selects {} workspaces: a subscription key is added to \
                     one workspace",
                    other.len()
                ),
                state: String::new(),
            })
        }
    }
}

/// The subscription actions of `manifest` against `tenants` (every workspace of the MSP), in
/// entry order, reading at most `concurrency` workspaces' keys at once; a workspace whose keys
/// could not be read is a `cannot`.
pub async fn plan_subscriptions(
    client: &WorkspacesClient,
    manifest: &Manifest,
    tenants: &[Tenant],
    concurrency: usize,
) -> Vec<SubscriptionAction> {
    let work = manifest.subscriptions.iter().map(|entry| async move {
        let workspace = match workspace_of(entry, tenants) {
            Ok(w) => w,
            Err(cannot) => return cannot,
        };
        match client.subscription_keys(workspace.scope()).await {
            Ok(listed) => plan_subscription(entry, workspace, &listed),
            Err(e) => SubscriptionAction::Cannot {
                what: format!("add {} ({})", count(entry.keys.len()), masked(&entry.keys)),
                why: format!("its subscriptions could not be read: {e}"),
                workspace,
                state: String::new(),
            },
        }
    });
    futures::stream::iter(work)
        .buffered(concurrency.max(1))
        .collect()
        .await
}
