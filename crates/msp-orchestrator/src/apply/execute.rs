//! Carrying out a [`Plan`]: its writes with bounded concurrency (paced by the transport, as
//! every request), each written **at most once** unless a re-read proves it did not take
//! effect.
//!
//! When a write's answer is lost ([`ApiError::OutcomeUnknown`]: a timeout, a 5xx, a dropped
//! connection after the request left), the tenants are read again: a create whose workspace
//! now exists, an update whose fields now read as asked, a delete whose workspace is gone, is
//! done. A create is never sent again (a POST could make a second workspace); an update or a
//! delete the re-read shows not in effect is sent once more (both are idempotent).

use glp_core::WorkspaceId;
use glp_transport::ApiError;
use glp_workspaces::{Tenant, TenantSpec, WorkspacesClient, WriteAnswer};
use serde::Serialize;
use serde_json::{Value, json};

use super::once::{Settled, drive, never_twice};
use super::plan::{Action, ObservedTenant, Plan};
use crate::Cancel;

/// How a plan is carried out.
#[derive(Debug, Clone, Copy)]
pub struct ApplyOptions {
    /// Writes in flight at once (at least 1).
    pub concurrency: usize,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        Self { concurrency: 4 }
    }
}

/// What became of one action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    /// Carried out (or found already in effect after a lost answer).
    Done,
    /// Refused by the server, or its outcome could not be established.
    Failed,
    /// Not attempted: nothing to do, cannot be done, or stopped before it started.
    Skipped,
}

impl ActionStatus {
    /// `done`, `failed` or `skipped`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Done => "done",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
        }
    }
}

/// One action's result, with what it saw before and asked for after (for the record).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionResult {
    /// Its position in the plan.
    pub index: usize,
    /// The action's kind ([`Action::kind`]).
    pub action: &'static str,
    /// The workspace's name.
    pub workspace_name: String,
    /// The workspace id, when known.
    pub id: Option<WorkspaceId>,
    /// What became of it.
    pub status: ActionStatus,
    /// The server's words (its message, or its error), or why it was skipped.
    pub detail: String,
    /// The HTTP status of the last answer, if any.
    pub http_status: Option<u16>,
    /// Writes sent for it (0, 1, or 2 for an update or delete re-sent after a re-read).
    pub writes_sent: u32,
    /// Whether an answer was lost on the way (then a re-read decided).
    pub answer_lost: bool,
    /// The workspace as the plan saw it (`null` for a create).
    pub before: Value,
    /// What was asked for (`null` for a delete or a skip).
    pub after: Value,
}

impl ActionResult {
    /// The result, not yet carried out (skipped, `detail` saying why), of action `index` of
    /// kind `action` in `tenant`.
    pub(crate) fn in_tenant(
        index: usize,
        action: &'static str,
        tenant: &super::rules::RuleTenant,
        detail: &str,
        (before, after): (Value, Value),
    ) -> Self {
        Self {
            index,
            action,
            workspace_name: tenant.name.clone(),
            id: Some(tenant.id),
            status: ActionStatus::Skipped,
            detail: glp_core::text::escape_control(detail).into_owned(),
            http_status: None,
            writes_sent: 0,
            answer_lost: false,
            before,
            after,
        }
    }
}

/// Every action's result, in plan order.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ApplyReport {
    /// The results.
    pub results: Vec<ActionResult>,
}

impl ApplyReport {
    /// How many results have `status`.
    pub fn count(&self, status: ActionStatus) -> usize {
        self.results.iter().filter(|r| r.status == status).count()
    }

    /// Writes sent in all.
    pub fn writes_sent(&self) -> u32 {
        self.results.iter().map(|r| r.writes_sent).sum()
    }

    /// Whether any action failed or could not be carried out.
    pub fn has_failures(&self) -> bool {
        self.results
            .iter()
            .any(|r| r.status == ActionStatus::Failed || r.action == "cannot")
    }
}

fn spec_json(spec: &TenantSpec, id: Option<WorkspaceId>) -> Value {
    let mut v = serde_json::to_value(spec).unwrap_or(Value::Null);
    if let (Some(id), Value::Object(m)) = (id, &mut v) {
        m.insert("id".to_owned(), json!(id.hyphenated()));
    }
    v
}

/// The tenants named exactly `name` now, or why they could not be read.
async fn reread(client: &WorkspacesClient, name: &str) -> Result<Vec<Tenant>, String> {
    client
        .find_tenants_by_name(name)
        .await
        .map_err(|e| format!("re-reading the tenants failed: {e}"))
}

/// Whether `tenant` now reads as `action` asks (`None`: the listing cannot tell).
fn in_effect(action: &Action, found: &[Tenant]) -> Option<bool> {
    match action {
        Action::Create { .. } => Some(!found.is_empty()),
        Action::Delete { id, .. } => Some(!found.iter().any(|t| t.id == *id)),
        Action::Update { id, changes, .. } => {
            let t = found.iter().find(|t| t.id == *id)?;
            let seen = ObservedTenant::of(t);
            changes
                .iter()
                .map(|c| seen.fields.get(&c.field).map(|v| *v == c.after))
                .try_fold(true, |all, one| one.map(|ok| all && ok))
        }
        Action::Nothing { .. } | Action::Cannot { .. } => Some(true),
    }
}

async fn send(client: &WorkspacesClient, action: &Action) -> Result<WriteAnswer, ApiError> {
    match action {
        Action::Create { spec } => client.create_tenant(spec).await,
        Action::Update { id, spec, .. } => client.update_tenant(*id, spec).await,
        Action::Delete { id, .. } => client.delete_tenant(*id).await,
        Action::Nothing { .. } | Action::Cannot { .. } => Err(ApiError::InvalidRequest(
            "this action does not write".into(),
        )),
    }
}

fn answered(r: &mut ActionResult, answer: &WriteAnswer) {
    r.status = ActionStatus::Done;
    r.http_status = Some(answer.status);
    r.detail = answer
        .message
        .clone()
        .unwrap_or_else(|| format!("HTTP {}", answer.status));
}

/// Carries out one writing action, never twice (see the module's documentation).
async fn run_one(client: &WorkspacesClient, action: &Action, r: &mut ActionResult) {
    let found_id = std::sync::Mutex::new(None);
    let check = || async {
        let found = reread(client, action.workspace_name()).await?;
        if let Ok(mut id) = found_id.lock() {
            *id = found.first().map(|t| t.id);
        }
        match in_effect(action, &found) {
            Some(true) => Ok(Some(String::new())),
            Some(false) => Ok(None),
            None => Err("the listing cannot show whether it took effect".to_owned()),
        }
    };
    let resendable = !matches!(action, Action::Create { .. });
    match never_twice(r, resendable, || send(client, action), check).await {
        Settled::Answered(answer) => {
            if r.id.is_none() {
                r.id = answer.location_id();
            }
            answered(r, &answer);
        }
        Settled::InEffect(_) => {
            r.status = ActionStatus::Done;
            if r.id.is_none() {
                r.id = found_id.lock().ok().and_then(|id| *id);
            }
            r.detail = "the answer was lost; a re-read shows it took effect".into();
        }
        Settled::Failed(why) => {
            r.status = ActionStatus::Failed;
            r.detail = why;
        }
    }
}

/// A result for action `index` of `plan`, not yet carried out.
fn pending(plan: &Plan, index: usize, action: &Action) -> ActionResult {
    let before = action
        .id()
        .and_then(|id| plan.observed.iter().find(|o| o.id == id))
        .map_or(Value::Null, |o| {
            serde_json::to_value(o).unwrap_or(Value::Null)
        });
    let after = match action {
        Action::Create { spec } => spec_json(spec, None),
        Action::Update { id, spec, .. } => spec_json(spec, Some(*id)),
        _ => Value::Null,
    };
    let (status, detail) = match action {
        Action::Nothing { .. } => (ActionStatus::Skipped, "nothing to do".to_owned()),
        Action::Cannot { why, .. } => (ActionStatus::Skipped, format!("cannot: {why}")),
        _ => (ActionStatus::Skipped, "not started (stopped)".to_owned()),
    };
    ActionResult {
        index,
        action: action.kind(),
        workspace_name: action.workspace_name().to_owned(),
        id: action.id(),
        status,
        detail,
        http_status: None,
        writes_sent: 0,
        answer_lost: false,
        before,
        after,
    }
}

/// Carries out `plan`'s writes through `client`, at most `options.concurrency` at once; once
/// `cancel` asks to stop, no new write starts (those not started are skipped). Each result is
/// also handed to `done` as it is known (to record it before the next finishes).
pub async fn execute(
    client: &WorkspacesClient,
    plan: &Plan,
    options: ApplyOptions,
    cancel: &Cancel,
    done: impl FnMut(&ActionResult),
) -> ApplyReport {
    let groups = (0..plan.actions.len())
        .filter(|&i| plan.actions[i].writes())
        .map(|i| vec![i])
        .collect();
    let run = |i: usize, mut r: ActionResult| async move {
        run_one(client, &plan.actions[i], &mut r).await;
        r
    };
    let results = drive(
        plan.actions.len(),
        |i| pending(plan, i, &plan.actions[i]),
        groups,
        run,
        options.concurrency,
        cancel,
        done,
    )
    .await;
    ApplyReport { results }
}
