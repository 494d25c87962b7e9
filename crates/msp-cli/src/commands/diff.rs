//! `diff`: what changed between two runs.

use std::io::Write;

use anyhow::Context as _;
use msp_orchestrator::msp_store::{ChangeKind, DiffOptions};

use crate::args::GlobalArgs;
use crate::args::history::*;
use crate::commands::store::{Col, check_resource, fatal, listing, open, tenant_ids};
use crate::{EXIT_OK, EXIT_USAGE};

/// `diff`: exit 0 when the runs are equal, 1 when they differ, 2 on trouble.
pub(crate) fn diff(global: &GlobalArgs, args: &DiffArgs) -> u8 {
    fatal(
        (|| {
            let store = open(&args.db, global)?;
            check_resource(&store, args.resource.as_deref())?;
            let tenants = args
                .tenant
                .as_deref()
                .map(|t| tenant_ids(&store, t))
                .transpose()?;
            let complete = store.complete_runs()?;
            let (a, b) = match (args.run_a, args.run_b) {
                (Some(a), Some(b)) => (a, b),
                (Some(a), None) => (
                    a,
                    *complete
                        .last()
                        .context("no complete run in the store to compare with")?,
                ),
                (None, _) => match complete.as_slice() {
                    [.., a, b] => (*a, *b),
                    _ => anyhow::bail!(
                        "diff needs two complete runs (the store has {}): run `snapshot` again, or name the runs",
                        complete.len()
                    ),
                },
            };
            let options = DiffOptions {
                all_fields: args.all_fields,
                // One tenant: the store reads only its entries; several: all, then kept.
                tenant: tenants
                    .as_ref()
                    .filter(|ids| ids.len() == 1)
                    .and_then(|ids| ids.first().cloned()),
                resource: args.resource.clone(),
            };
            let mut diff = store.diff(a, b, &options)?;
            if let Some(ids) = &tenants {
                diff.changes.retain(|c| ids.contains(&c.tenant_id));
                diff.missing.retain(|m| ids.contains(&m.tenant_id));
            }
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            match args.format {
                DiffFormat::Jsonl => {
                    for m in &diff.missing {
                        let mut v = serde_json::to_value(m)?;
                        v["change"] = "missing".into();
                        writeln!(out, "{v}")?;
                    }
                    for c in &diff.changes {
                        serde_json::to_writer(&mut out, c)?;
                        writeln!(out)?;
                    }
                }
                DiffFormat::Table => {
                    const COLUMNS: &[Col] = &[
                        ("TENANT", "tenant_name"),
                        ("RESOURCE", "resource"),
                        ("SERIAL", "key"),
                        ("CHANGE", "change"),
                        ("FIELDS", "fields"),
                    ];
                    let mut rows: Vec<Vec<String>> = Vec::new();
                    for m in &diff.missing {
                        rows.push(vec![
                            m.tenant_name.clone(),
                            m.resource.clone(),
                            "-".into(),
                            "missing".into(),
                            format!("not complete in run {}", m.missing_in),
                        ]);
                    }
                    for c in &diff.changes {
                        let fields = c
                            .fields
                            .iter()
                            .map(|f| format!("{}: {} -> {}", f.field, f.before, f.after))
                            .collect::<Vec<_>>()
                            .join("; ");
                        rows.push(vec![
                            c.tenant_name.clone(),
                            c.resource.clone(),
                            c.key.clone(),
                            match c.change {
                                ChangeKind::Added => "added",
                                ChangeKind::Removed => "removed",
                                ChangeKind::Changed => "changed",
                            }
                            .into(),
                            fields,
                        ]);
                    }
                    if !rows.is_empty() {
                        let text = listing(TableFormat::Table, COLUMNS, &rows);
                        out.write_all(text.as_bytes())?;
                    }
                }
            }
            out.flush()?;
            let count = |k| diff.changes.iter().filter(|c| c.change == k).count();
            eprintln!(
                "run {a} -> run {b}: {} added, {} removed, {} changed, {} tenant x resource missing",
                count(ChangeKind::Added),
                count(ChangeKind::Removed),
                count(ChangeKind::Changed),
                diff.missing.len()
            );
            Ok(if diff.is_empty() { EXIT_OK } else { 1 })
        })(),
        EXIT_USAGE,
    )
}
