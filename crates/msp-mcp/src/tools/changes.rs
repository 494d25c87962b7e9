//! `changes_since`: what changed since a time, as the store's diff between the newest complete
//! run at or before that time and the newest complete run.

use glp_core::date::{parse_ago, parse_rfc3339, rfc3339_from_unix};
use msp_store::{DiffOptions, RunSummary, Store};
use serde_json::{Value, json};

use super::{ChangesSinceArgs, ToolError, resolve_tenant, text};
use crate::limits::{Page, limit};

/// `since` as seconds since the epoch: an RFC 3339 time, or a duration back from `now`.
fn parse_since(since: &str, now: i64) -> Result<i64, ToolError> {
    let since = text("since", since)?;
    if let Some(secs) = parse_rfc3339(since) {
        return Ok(secs);
    }
    parse_ago(since)
        .and_then(|secs| now.checked_sub(i64::try_from(secs).ok()?))
        .ok_or_else(|| {
            ToolError::invalid(format!(
                "since {since:?} is neither a duration back from now (30m, 24h, 7d, 2w; at most \
                 3650d) nor an RFC 3339 time (2026-12-01T00:00:00Z)"
            ))
        })
}

fn run_json(run: &RunSummary) -> Value {
    json!({"id": run.id, "started": run.started, "status": run.status})
}

/// `changes_since`, `now` being seconds since the epoch.
pub(crate) fn changes_since(
    store: &Store,
    args: &ChangesSinceArgs,
    now: i64,
) -> Result<Value, ToolError> {
    let limit = limit(args.limit)?;
    let since = parse_since(&args.since, now)?;
    let tenant = args
        .tenant
        .as_deref()
        .map(|t| resolve_tenant(store, t))
        .transpose()?;
    let complete = store.complete_runs()?;
    let runs: Vec<RunSummary> = store
        .runs()?
        .into_iter()
        .filter(|r| complete.contains(&r.id))
        .collect();
    let started = |r: &RunSummary| parse_rfc3339(&r.started).unwrap_or(i64::MIN);
    let (Some(first), Some(newest)) = (runs.first(), runs.last()) else {
        return Err(ToolError::invalid(
            "the store holds no complete run yet: run `msp-orchestrator snapshot` first",
        ));
    };
    let mut note = None;
    let base = match runs.iter().rev().find(|r| started(r) <= since) {
        Some(base) => base,
        None => {
            note = Some(format!(
                "the store's history starts after {}: changes are counted from its oldest complete run",
                rfc3339_from_unix(since)
            ));
            first
        }
    };
    if base.id == newest.id {
        return Ok(json!({
            "since": rfc3339_from_unix(since),
            "from_run": run_json(base),
            "to_run": run_json(newest),
            "note": note.unwrap_or_else(|| "no complete run since then: nothing to compare".to_owned()),
            "changes": Page::of::<Value>(&[], limit, "")?,
        }));
    }
    let options = DiffOptions {
        tenant: tenant.as_ref().map(|(id, _)| id.clone()),
        ..DiffOptions::default()
    };
    let diff = store.diff(base.id, newest.id, &options)?;
    let page = Page::of(&diff.changes, limit, "narrow with tenant, or a later since")?;
    let mut out = json!({
        "since": rfc3339_from_unix(since),
        "from_run": run_json(base),
        "to_run": run_json(newest),
        "compared": "status, firmware, site, name and IP of each item, by serial number",
        "changes": page,
        "tenants_missing_in_a_run": diff.missing.len(),
    });
    if let Some(note) = note {
        out["note"] = json!(note);
    }
    Ok(out)
}
