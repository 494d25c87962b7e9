//! `tenants`: the managed tenants, as a table, JSON, JSON Lines or CSV.

use std::io::Write;

use futures::StreamExt as _;
use glp_auth::text::escape_control;
use msp_orchestrator::table::{Column, Table, Width};
use msp_orchestrator::{Cancel, SourceItem, StopLevel, TenantSource, csv_field, one_line};

use crate::args::TenantFormat;
use crate::context::Context;
use crate::{EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, checks, plural};

pub(crate) async fn tenants(
    ctx: &Context,
    format: TenantFormat,
    cancel: &Cancel,
) -> anyhow::Result<u8> {
    let mut stream = ctx.settings.source.stream(&ctx.workspaces, &ctx.clusters);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut first = true;
    let mut count = 0usize;
    if format == TenantFormat::Csv {
        writeln!(out, "tenant_id,workspace_id,name,central_tenant_id,cluster")?;
    }
    if format == TenantFormat::Json {
        write!(out, "[")?;
    }
    // Central's ids are known when Central listed the tenants, or placed them on clusters.
    let central_ids = ctx.settings.source == TenantSource::Central || ctx.clusters.len() > 1;
    let table = if central_ids {
        Table::new([
            Column::left("WORKSPACE ID", Width::AtLeast(36)),
            Column::left("CLUSTER", Width::AtLeast(16)),
            Column::left("CENTRAL TENANT ID", Width::AtLeast(36)),
            Column::left("NAME", Width::AtLeast(0)),
        ])
    } else {
        Table::new([
            Column::left("WORKSPACE ID", Width::AtLeast(36)),
            Column::left("CLUSTER", Width::AtLeast(16)),
            Column::left("NAME", Width::AtLeast(0)),
        ])
    };
    if format == TenantFormat::Table {
        write!(out, "{}", table.header())?;
    }
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let shown = |text: &str, terminal: bool| -> String {
        if terminal {
            escape_control(text).into_owned()
        } else {
            text.to_owned()
        }
    };
    let mut interrupted = false;
    loop {
        let item = tokio::select! {
            biased;
            _ = cancel.reached(StopLevel::Drain) => {
                interrupted = true;
                break;
            }
            item = stream.next() => match item {
                Some(item) => item,
                None => break,
            },
        };
        let tenant = match item {
            Ok(SourceItem::Tenant(t)) => t,
            Ok(SourceItem::NoCluster { tenant, clusters }) => {
                if ctx.settings.selector.selects(&tenant) {
                    eprintln!(
                        "warning: tenant {} ({}) is on no Central cluster of this run ({}): \
                         no_cluster",
                        escape_control(&tenant.name),
                        tenant.workspace_id,
                        escape_control(&clusters)
                    );
                }
                tenant
            }
            Ok(SourceItem::Unresolved {
                listed_id,
                name,
                reason,
            }) => {
                eprintln!(
                    "warning: tenant {} ({}) left out: {}",
                    escape_control(&name),
                    escape_control(&listed_id),
                    one_line(&reason)
                );
                continue;
            }
            Ok(SourceItem::Warning(warning)) => {
                eprintln!("warning: {}", one_line(&warning));
                continue;
            }
            Err(e) => {
                out.flush()?;
                eprintln!("{count} tenants listed before the error");
                return Err(anyhow::Error::new(e).context("listing tenants failed"));
            }
        };
        if !ctx.settings.selector.selects(&tenant) {
            continue;
        }
        count += 1;
        // `tenant_id` is the workspace id, whatever listed the tenant.
        let cluster = tenant.cluster.as_deref().unwrap_or("-");
        let mut json = serde_json::json!({
            "tenant_id": tenant.workspace_id,
            "workspace_id": tenant.workspace_id,
            "name": tenant.name,
            "cluster": tenant.cluster,
        });
        if let (Some(central_id), Some(object)) = (&tenant.central_tenant_id, json.as_object_mut())
        {
            object.insert("central_tenant_id".into(), central_id.clone().into());
        }
        match format {
            TenantFormat::Table => {
                let id = tenant.workspace_id.hyphenated();
                let central_id = tenant.central_tenant_id.as_deref().unwrap_or("-");
                let line = if central_ids {
                    table.line(&[id.as_str(), cluster, central_id, &tenant.name])
                } else {
                    table.line(&[id.as_str(), cluster, &tenant.name])
                };
                write!(out, "{line}")?;
            }
            TenantFormat::Jsonl => writeln!(out, "{json}")?,
            TenantFormat::Json => {
                write!(out, "{}\n  {json}", if first { "" } else { "," })?;
            }
            // CSV is data: the real value, unless it is shown on a terminal.
            TenantFormat::Csv => writeln!(
                out,
                "{},{},{},{},{}",
                tenant.workspace_id.hyphenated(),
                tenant.workspace_id.hyphenated(),
                csv_field(&shown(&tenant.name, terminal)),
                csv_field(&shown(
                    tenant.central_tenant_id.as_deref().unwrap_or_default(),
                    terminal
                )),
                csv_field(&shown(
                    tenant.cluster.as_deref().unwrap_or_default(),
                    terminal
                ))
            )?,
        }
        first = false;
    }
    if format == TenantFormat::Json {
        writeln!(out, "{}]", if first { "" } else { "\n" })?;
    }
    out.flush()?;
    if interrupted {
        eprintln!("interrupted: {count} tenants listed before the signal (the list is not whole)");
        return Ok(EXIT_SOME_FAILED);
    }
    eprintln!("{}", plural(count, "tenant"));
    if let Some(e) =
        checks::empty_selection(&ctx.settings.selector, &msp_orchestrator::Report::default())
    {
        eprintln!("error: {e}");
        return Ok(EXIT_USAGE);
    }
    Ok(EXIT_OK)
}
