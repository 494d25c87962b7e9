//! `collect --dry-run`: the tenants that would run (with the `--include` patterns each matched,
//! by name or by id), and what the run would cost at least, from the tenant listing alone (GreenLake, or Central with `--source central`): no tenant is
//! contacted, no token exchanged, no file written.

use std::io::Write as _;

use futures::StreamExt as _;
use glp_auth::text::escape_control;
use msp_orchestrator::{Cancel, ResourceSpec, SourceItem, StopLevel, one_line};

use crate::context::Context;
use crate::{EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, checks, plural};

/// Central's documented per-customer rate (classic Central): the pace the estimate assumes
/// when no `--rate` is given.
const ASSUMED_RATE: f64 = glp_transport::CENTRAL_DEFAULT_RATE;

/// Lists the selected tenants on stdout (workspace id, name, and with `--include` the patterns
/// it matched) and the estimate on stderr.
pub(crate) async fn run(
    ctx: &Context,
    resources: &[ResourceSpec],
    cancel: &Cancel,
) -> anyhow::Result<u8> {
    let mut stream = msp_orchestrator::leave_out(
        ctx.settings.source.stream(&ctx.workspaces, &ctx.clusters),
        &ctx.settings.done,
    );
    let mut tenants = 0usize;
    let mut left_out = 0usize;
    let mut seen = std::collections::HashSet::new();
    let mut names: Vec<String> = Vec::new();
    let mut out = std::io::stdout();
    loop {
        let item = tokio::select! {
            biased;
            _ = cancel.reached(StopLevel::Drain) => {
                eprintln!("interrupted: {} listed so far", plural(tenants, "tenant"));
                return Ok(EXIT_SOME_FAILED);
            }
            item = stream.next() => match item {
                Some(item) => item,
                None => break,
            },
        };
        match item {
            Ok(SourceItem::Tenant(t)) => {
                names.push(t.name.clone());
                if let Some(why) = ctx.settings.selector.why(&t)
                    && seen.insert(t.workspace_id)
                {
                    tenants += 1;
                    write!(out, "{}  {}", t.workspace_id, escape_control(&t.name))?;
                    if !why.is_empty() {
                        let why: Vec<String> = why
                            .iter()
                            .map(|w| {
                                format!("{} '{}' by {}", w.flag, escape_control(&w.pattern), w.by)
                            })
                            .collect();
                        write!(out, "  (matched {})", why.join(", "))?;
                    }
                    writeln!(out)?;
                }
            }
            Ok(SourceItem::NoCluster { tenant, .. }) => {
                names.push(tenant.name.clone());
                ctx.settings.selector.selects(&tenant);
                left_out += 1;
            }
            Ok(SourceItem::Unresolved { .. }) => left_out += 1,
            Ok(SourceItem::Warning(warning)) => eprintln!("warning: {}", one_line(&warning)),
            Err(e) => {
                return Err(anyhow::Error::new(e).context(format!(
                    "listing tenants failed after {}",
                    plural(tenants, "tenant")
                )));
            }
        }
    }
    if let Some(e) = checks::unmatched_includes(&ctx.settings.selector, &names, "listed") {
        eprintln!("error: {e}");
        return Ok(EXIT_USAGE);
    }
    for pattern in ctx.settings.selector.unmatched_excludes() {
        eprintln!(
            "warning: --exclude {} matched no tenant",
            escape_control(&pattern)
        );
    }
    // At least: one token exchange and one page of each resource per tenant.
    let per_tenant = 1 + resources.len();
    let requests = tenants * per_tenant;
    let rate = ctx.settings.session.rate.unwrap_or(ASSUMED_RATE);
    let minutes = requests as f64 / rate / 60.0;
    let names: Vec<String> = resources.iter().map(ResourceSpec::name).collect();
    eprintln!(
        "dry run: {} would run ({} at once) for {}; at least {requests} requests (a token \
         exchange and one page of each resource per tenant; a list longer than a page takes \
         more); at {rate} requests/s, at least {minutes:.1} min. Nothing was collected.",
        plural(tenants, "tenant"),
        ctx.settings.concurrency,
        one_line(&names.join(", "))
    );
    if left_out > 0 {
        eprintln!(
            "{left_out} listed entr{} could not be resolved to a workspace and would be skipped",
            if left_out == 1 { "y" } else { "ies" }
        );
    }
    Ok(EXIT_OK)
}
