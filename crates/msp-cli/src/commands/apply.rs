//! `plan` and `apply`: a manifest of desired state (TOML, parsed here into the library's
//! types) planned against the tenants as they are, and carried out with each write at most
//! once, recorded in the store.

use std::io::{IsTerminal as _, Write as _};

use anyhow::Context as _;
use futures::TryStreamExt as _;
use glp_auth::text::escape_control;
use glp_workspaces::Tenant;
use msp_orchestrator::apply::{
    Action, ActionResult, ActionStatus, ApplyOptions, ApplyReport, Change, DeviceAction, Manifest,
    Plan, RuleAction, execute, execute_devices, execute_rules, plan_assignments, plan_rules,
};
use msp_orchestrator::msp_store::{ChangeRecord, NewApply, Store};
use msp_orchestrator::{Cancel, StopLevel};

use crate::args::GlobalArgs;
use crate::args::apply::{ApplyArgs, PlanArgs};
use crate::commands::apply_devices::{device_drift, write_device_plan};
use crate::commands::apply_input::{Input, load, load_manifest};
use crate::commands::apply_rules::{rule_drift, write_rule_plan};
use crate::commands::apply_subscriptions as subscriptions;
use crate::commands::store::{db_path, fatal};
use crate::context::{Built, Context};
use crate::{EXIT_FATAL, EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, plural};

/// `reading`, unless a signal stops it first: then the error `interrupted while {what}`.
pub(crate) async fn unless_interrupted<T>(
    cancel: &Cancel,
    what: &str,
    reading: impl Future<Output = T>,
) -> anyhow::Result<T> {
    tokio::select! {
        biased;
        _ = cancel.reached(StopLevel::Drain) => anyhow::bail!("interrupted while {what}"),
        read = reading => Ok(read),
    }
}

/// Every workspace of the MSP now (a signal stops the reading).
async fn read_tenants(ctx: &Context, cancel: &Cancel) -> anyhow::Result<Vec<Tenant>> {
    let listed = ctx
        .workspaces
        .msp_tenants()
        .stream()
        .try_collect::<Vec<Tenant>>();
    unless_interrupted(cancel, "reading the tenants", listed)
        .await?
        .context("reading the tenants (workspaces/v1/msp-tenants)")
}

/// Tenants whose rules are read at once while planning `[[notification_rules]]`.
const RULE_READS: usize = 8;

/// Tenants whose devices are read at once while planning `[[device_assignments]]`.
const DEVICE_READS: usize = 8;

/// The `[[notification_rules]]` actions of `manifest`, then its device actions (unassignments
/// held back unless `allow_delete`), as `plan` and `apply` read them (a signal stops the
/// reading).
async fn read_rule_and_device_actions(
    ctx: &Context,
    manifest: &Manifest,
    tenants: &[Tenant],
    allow_delete: bool,
    cancel: &Cancel,
) -> anyhow::Result<(Vec<RuleAction>, Vec<DeviceAction>)> {
    let rules = plan_rules(&ctx.clusters, manifest, tenants, allow_delete, RULE_READS);
    let rules = unless_interrupted(cancel, "reading the notification rules", rules)
        .await?
        .context("reading the Central tenants (network-msp/v1/list-tenants)")?;
    let devices = plan_assignments(
        &ctx.workspaces,
        manifest,
        tenants,
        DEVICE_READS,
        allow_delete,
    );
    let devices = unless_interrupted(cancel, "reading the devices", devices)
        .await?
        .context(
            "reading the service catalog (service-catalog/v1/service-managers, \
             service-manager-provisions)",
        )?;
    Ok((rules, devices))
}

fn quoted(name: &str) -> String {
    format!("'{}'", escape_control(name))
}

/// An update's changes on one line, for the terminal: `field: before -> after; ...`.
pub(crate) fn changes_text(changes: &[Change]) -> String {
    let what: Vec<String> = changes
        .iter()
        .map(|c| escape_control(&format!("{}: {} -> {}", c.field, c.before, c.after)).into_owned())
        .collect();
    what.join("; ")
}

/// One line per action, then the counts.
fn write_plan(out: &mut impl std::io::Write, plan: &Plan) -> std::io::Result<()> {
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    for a in &plan.actions {
        *counts.entry(a.kind()).or_default() += 1;
        let id = a.id().map(|id| format!(" ({id})")).unwrap_or_default();
        let name = quoted(a.workspace_name());
        match a {
            Action::Create { spec } => {
                let set: Vec<String> = serde_json::to_value(spec)
                    .ok()
                    .and_then(|v| v.as_object().cloned())
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|(k, _)| k != "workspaceName")
                    .map(|(k, v)| escape_control(&format!("{k}={v}")).into_owned())
                    .collect();
                let set = if set.is_empty() {
                    String::new()
                } else {
                    format!(" {}", set.join(" "))
                };
                writeln!(out, "+ create  {name}{set}")?;
            }
            Action::Update {
                changes,
                not_compared,
                ..
            } => {
                writeln!(out, "~ update  {name}{id} {}", changes_text(changes))?;
                if !not_compared.is_empty() {
                    writeln!(
                        out,
                        "          not shown by the listing, not compared: {}",
                        not_compared.join(", ")
                    )?;
                }
            }
            Action::Delete { .. } => writeln!(out, "- delete  {name}{id}")?,
            Action::Nothing { not_compared, .. } => {
                let note = if not_compared.is_empty() {
                    String::new()
                } else {
                    format!(" (not compared: {})", not_compared.join(", "))
                };
                writeln!(out, "= nothing {name}{id}{note}")?;
            }
            Action::Cannot { why, .. } => {
                writeln!(out, "! cannot  {name}: {}", escape_control(why))?;
            }
        }
    }
    write_rule_plan(out, &plan.rule_actions)?;
    write_device_plan(out, &plan.device_actions)?;
    subscriptions::write_subscription_plan(out, &plan.subscription_actions)?;
    let n = |k: &str| counts.get(k).copied().unwrap_or(0);
    writeln!(
        out,
        "Plan: {} to create, {} to update, {} to delete, {} unchanged, {} cannot be done \
         (manifest {}, state {}).",
        n("create"),
        n("update"),
        n("delete"),
        n("nothing"),
        n("cannot"),
        plan.manifest_fingerprint,
        plan.state_fingerprint
    )
}

/// The clients, or the exit code when they could not be built.
async fn connect(global: &GlobalArgs, cancel: &Cancel) -> Result<Box<Context>, u8> {
    match Context::from_flags(global, cancel).await {
        Built::Ready(ctx) => Ok(ctx),
        Built::Failed => Err(EXIT_FATAL),
        Built::Interrupted => Err(EXIT_SOME_FAILED),
    }
}

/// `plan`.
pub(crate) async fn plan(global: &GlobalArgs, args: &PlanArgs, cancel: &Cancel) -> u8 {
    let manifest = match load_manifest(&args.manifest) {
        Ok(m) => m,
        Err(e) => return fatal(Err(e.into()), EXIT_FATAL),
    };
    let ctx = match connect(global, cancel).await {
        Ok(ctx) => ctx,
        Err(code) => return code,
    };
    let result = async {
        let tenants = read_tenants(&ctx, cancel).await?;
        let mut plan = Plan::compute(&manifest, &tenants, args.allow_delete);
        (plan.rule_actions, plan.device_actions) =
            read_rule_and_device_actions(&ctx, &manifest, &tenants, args.allow_delete, cancel)
                .await?;
        plan.subscription_actions =
            subscriptions::read_subscription_actions(&ctx, &manifest, &tenants, cancel).await?;
        write_plan(&mut std::io::stdout().lock(), &plan)?;
        if let Some(out) = &args.out {
            let text = serde_json::to_string_pretty(&plan)?;
            std::fs::write(out, text + "\n")
                .with_context(|| format!("cannot write {}", out.display()))?;
            eprintln!("Plan written to {}", out.display());
        }
        Ok::<u8, anyhow::Error>(EXIT_OK)
    }
    .await;
    fatal(result, EXIT_FATAL)
}

/// Asks on the terminal whether to apply `writes` writes.
async fn confirmed(writes: usize) -> bool {
    eprint!("Apply {}? Type yes to go on: ", plural(writes, "write"));
    let _ = std::io::stderr().flush();
    let line = tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).map(|_| line)
    })
    .await;
    matches!(line, Ok(Ok(l)) if l.trim().eq_ignore_ascii_case("yes") || l.trim().eq_ignore_ascii_case("y"))
}

/// Whether the action at plan position `i` (tenant actions, then rule actions, then device
/// actions, then subscription actions) writes.
fn writes_at(plan: &Plan, i: usize) -> bool {
    let rules = plan.actions.len();
    let devices = rules + plan.rule_actions.len();
    if let Some(writes) = subscriptions::writes_at(plan, i) {
        return writes;
    }
    match plan.actions.get(i) {
        Some(a) => a.writes(),
        None if i < devices => plan
            .rule_actions
            .get(i - rules)
            .is_some_and(RuleAction::writes),
        None => plan
            .device_actions
            .get(i - devices)
            .is_some_and(|a| a.writes()),
    }
}

fn record_of(r: &ActionResult) -> ChangeRecord {
    let json = |v: &serde_json::Value| (!v.is_null()).then(|| v.to_string());
    ChangeRecord {
        seq: r.index as u32,
        action: r.action.to_owned(),
        tenant_id: r.id.map(|id| id.hyphenated()),
        tenant_name: r.workspace_name.clone(),
        status: r.status.as_str().to_owned(),
        http_status: r.http_status,
        answer: r.detail.clone(),
        writes: r.writes_sent,
        answer_lost: r.answer_lost,
        before: json(&r.before),
        after: json(&r.after),
    }
}

fn write_results(out: &mut impl std::io::Write, report: &ApplyReport) -> std::io::Result<()> {
    for r in report.results.iter().filter(|r| r.action != "nothing") {
        let id = r.id.map(|id| format!(" ({id})")).unwrap_or_default();
        let lost = if r.answer_lost {
            " [answer lost, re-read]"
        } else {
            ""
        };
        writeln!(
            out,
            "{:<7} {:<7} {}{id}: {}{lost}",
            r.status.as_str(),
            r.action,
            quoted(&r.workspace_name),
            escape_control(&msp_orchestrator::one_line(&r.detail))
        )?;
    }
    writeln!(
        out,
        "Applied: {} done, {} failed, {} skipped; {} sent.",
        report.count(ActionStatus::Done),
        report.count(ActionStatus::Failed),
        report.count(ActionStatus::Skipped),
        plural(report.writes_sent() as usize, "write")
    )
}

/// `apply`.
pub(crate) async fn apply(global: &GlobalArgs, args: &ApplyArgs, cancel: &Cancel) -> u8 {
    let input = match load(&args.input) {
        Ok(i) => i,
        Err(e) => return fatal(Err(e.into()), EXIT_FATAL),
    };
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if !args.yes && !interactive {
        eprintln!(
            "error: apply writes to GreenLake and asks first, but stdin or stderr is not a \
             terminal: pass --yes to apply without asking"
        );
        return EXIT_USAGE;
    }
    let db = match db_path(&args.db, global) {
        Ok(p) => p,
        Err(e) => return fatal(Err(e), EXIT_FATAL),
    };
    let ctx = match connect(global, cancel).await {
        Ok(ctx) => ctx,
        Err(code) => return code,
    };
    let tenants = match read_tenants(&ctx, cancel).await {
        Ok(t) => t,
        Err(e) => return fatal(Err(e), EXIT_FATAL),
    };
    let (manifest, saved_rules, saved_devices, saved_subscriptions, allow_delete) = match &input {
        Input::Manifest(m) => (m, None, None, None, args.allow_delete),
        Input::Plan(plan) => (
            &plan.manifest,
            Some(&plan.rule_actions),
            Some(&plan.device_actions),
            Some(&plan.subscription_actions),
            plan.allow_delete,
        ),
    };
    let read = read_rule_and_device_actions(&ctx, manifest, &tenants, allow_delete, cancel);
    let (rule_actions, device_actions) = match read.await {
        Ok(read) => read,
        Err(e) => return fatal(Err(e), EXIT_FATAL),
    };
    let mut rules_moved = saved_rules.map(|saved| rule_drift(saved, &rule_actions));
    if let (Some(moved), Some(saved)) = (&mut rules_moved, saved_devices) {
        moved.extend(device_drift(saved, &device_actions));
    }
    let read = (manifest, &tenants[..], saved_subscriptions);
    let subs = match subscriptions::read_for_apply(&ctx, read, &mut rules_moved, cancel).await {
        Ok(s) => s,
        Err(e) => return fatal(Err(e), EXIT_FATAL),
    };
    let mut plan = match input {
        Input::Manifest(m) => Plan::compute(&m, &tenants, args.allow_delete),
        Input::Plan(plan) => {
            let mut drift = plan.recheck(&tenants);
            drift.extend(rules_moved.unwrap_or_default());
            if !drift.is_empty() {
                eprintln!(
                    "error: the tenants changed since {} was planned (state {}); nothing \
                     was written. Plan again. What changed:",
                    args.input.display(),
                    plan.state_fingerprint
                );
                for line in drift {
                    eprintln!("  {line}");
                }
                return EXIT_FATAL;
            }
            *plan
        }
    };
    plan.rule_actions = rule_actions;
    plan.device_actions = device_actions;
    plan.subscription_actions = subs;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = write_plan(&mut stdout, &plan) {
        return fatal(Err(e.into()), EXIT_FATAL);
    }
    drop(stdout);
    if plan.writes() > 0 && !args.yes && !confirmed(plan.writes()).await {
        eprintln!("Not applied: nothing was written.");
        return EXIT_SOME_FAILED;
    }
    let mut store = match Store::open(&db) {
        Ok(s) => s,
        Err(e) => {
            eprintln!(
                "error: cannot open the store {} to record the apply: {e}",
                db
            );
            return EXIT_FATAL;
        }
    };
    let new = NewApply {
        who: ctx.settings.session.credentials.client_id.clone(),
        version: crate::args::VERSION.to_owned(),
        manifest_fingerprint: plan.manifest_fingerprint.clone(),
        state_fingerprint: plan.state_fingerprint.clone(),
    };
    let run = match store.begin_apply(&new) {
        Ok(run) => run,
        Err(e) => {
            eprintln!("error: cannot record the apply in {}: {e}", db);
            return EXIT_FATAL;
        }
    };
    let mut unrecorded = None;
    let options = ApplyOptions {
        concurrency: usize::from(args.writes),
    };
    let mut record = |r: &ActionResult| {
        if let Err(e) = store.record_change(run, &record_of(r)) {
            unrecorded.get_or_insert(e.to_string());
        }
    };
    let mut report = execute(&ctx.workspaces, &plan, options, cancel, &mut record).await;
    let clusters = &ctx.clusters;
    let rule_results = execute_rules(
        |t| {
            clusters
                .for_tenant(t.cluster.as_deref())
                .client
                .tenant(t.id)
        },
        &plan.rule_actions,
        plan.actions.len(),
        options,
        cancel,
        &mut record,
    )
    .await;
    report.results.extend(rule_results);
    let device_results = execute_devices(
        |id| ctx.workspaces.tenant(id),
        &plan.device_actions,
        plan.actions.len() + plan.rule_actions.len(),
        options,
        cancel,
        &mut record,
    )
    .await;
    report.results.extend(device_results);
    let done = subscriptions::run(&ctx, &plan, options, cancel, &mut record).await;
    report.results.extend(done);
    let interrupted = cancel.level() != StopLevel::Run;
    let status = if interrupted {
        "interrupted"
    } else if report.has_failures()
        || report
            .results
            .iter()
            .any(|r| r.status == ActionStatus::Skipped && writes_at(&plan, r.index))
    {
        "partial"
    } else {
        "complete"
    };
    if let Err(e) = store.end_apply(run, status) {
        unrecorded.get_or_insert(e.to_string());
    }
    if let Some(e) = unrecorded {
        eprintln!("warning: the record of apply run {run} is incomplete: {e}");
    }
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = write_results(&mut stdout, &report) {
        return fatal(Err(e.into()), EXIT_FATAL);
    }
    eprintln!("Recorded as apply run {run} in {} (see `changes`).", db);
    if report.has_failures() || interrupted {
        EXIT_SOME_FAILED
    } else {
        EXIT_OK
    }
}
