//! `diff`: what changed between two runs.
//!
//! The table lists each item once per tenant: a device that both `device-inventory` and
//! `devices` list is one row whose RESOURCE names both (its fields merged), with its name,
//! model and status beside its serial; then one line of counts per tenant. `--format jsonl`
//! keeps one line per resource, for programs. With `--resource alerts` the table names each
//! alert's change: `new` (raised, open), `cleared` (its status became `Cleared`, or it was
//! raised and cleared between the runs), `reopened`, `gone` (no longer listed) or `changed`.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::Context as _;
use msp_orchestrator::msp_store::{
    About, Change, ChangeKind, Diff, DiffOptions, FieldChange, is_alerts,
};
use msp_orchestrator::table::{Table, count};

use crate::args::GlobalArgs;
use crate::args::history::*;
use crate::commands::store::{Col, fatal, listing, open_narrowed};
use crate::{EXIT_OK, EXIT_USAGE};

/// `diff`: exit 0 when the runs are equal, 1 when they differ, 2 on trouble.
pub(crate) fn diff(global: &GlobalArgs, args: &DiffArgs) -> u8 {
    fatal(diff_inner(global, args), EXIT_USAGE)
}

fn diff_inner(global: &GlobalArgs, args: &DiffArgs) -> anyhow::Result<u8> {
    let (store, tenants) = open_narrowed(&args.db, global, &args.only)?;
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
                "diff needs two complete runs (the store has {}): run `snapshot` again, or name \
                 the runs",
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
        resource: args.only.resource.clone(),
    };
    let mut diff = store.diff(a, b, &options)?;
    if let Some(ids) = &tenants {
        diff.changes.retain(|c| ids.contains(&c.tenant_id));
        diff.missing.retain(|m| ids.contains(&m.tenant_id));
    }
    let rows = merge(&diff.changes);
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
        DiffFormat::Table if rows.is_empty() && diff.missing.is_empty() => {}
        DiffFormat::Table if args.only.resource.as_deref().is_some_and(is_alerts) => {
            let (table, new, cleared) = alerts_table(&rows, &diff);
            out.write_all(table.as_bytes())?;
            writeln!(out)?;
            out.write_all(per_tenant(&rows, &diff).as_bytes())?;
            eprintln!("alerts: {new} new, {cleared} cleared");
        }
        DiffFormat::Table => {
            out.write_all(changes_table(&rows, &diff).as_bytes())?;
            writeln!(out)?;
            out.write_all(per_tenant(&rows, &diff).as_bytes())?;
        }
    }
    out.flush()?;
    let kinds = |k| rows.iter().filter(|r| r.change == k).count();
    let touched: std::collections::BTreeSet<&str> = rows
        .iter()
        .map(|r| r.tenant_id)
        .chain(diff.missing.iter().map(|m| m.tenant_id.as_str()))
        .collect();
    eprintln!(
        "run {a} -> run {b}: {} added, {} removed, {} changed in {}, {} missing",
        kinds(ChangeKind::Added),
        kinds(ChangeKind::Removed),
        kinds(ChangeKind::Changed),
        count(touched.len(), "tenant", "tenants"),
        count(
            diff.missing.len(),
            "tenant x resource",
            "tenant x resources"
        ),
    );
    Ok(if diff.is_empty() { EXIT_OK } else { 1 })
}

/// One item's change in one tenant, over every resource that lists it.
struct Row<'a> {
    tenant_id: &'a str,
    tenant_name: &'a str,
    key: &'a str,
    change: ChangeKind,
    resources: Vec<&'a str>,
    fields: Vec<&'a FieldChange>,
    about: About,
}

/// The changes, one row per tenant, change and item key (a device listed by two resources is
/// one row), by tenant name, then added, removed, changed, then key.
fn merge(changes: &[Change]) -> Vec<Row<'_>> {
    let mut rows: BTreeMap<(&str, &str, ChangeKind, &str), Row<'_>> = BTreeMap::new();
    for c in changes {
        let row = rows
            .entry((&c.tenant_name, &c.tenant_id, c.change, &c.key))
            .or_insert_with(|| Row {
                tenant_id: &c.tenant_id,
                tenant_name: &c.tenant_name,
                key: &c.key,
                change: c.change,
                resources: Vec::new(),
                fields: Vec::new(),
                about: About::default(),
            });
        row.resources.push(&c.resource);
        for f in &c.fields {
            if !row.fields.iter().any(|g| g.field == f.field) {
                row.fields.push(f);
            }
        }
        // What one resource lacks (the inventory has no status), another may have.
        let about = &mut row.about;
        about.name = about.name.take().or_else(|| c.about.name.clone());
        about.model = about.model.take().or_else(|| c.about.model.clone());
        about.status = about.status.take().or_else(|| c.about.status.clone());
    }
    rows.into_values().collect()
}

fn kind_name(kind: ChangeKind) -> &'static str {
    match kind {
        ChangeKind::Added => "added",
        ChangeKind::Removed => "removed",
        ChangeKind::Changed => "changed",
    }
}

/// The changes (and the tenant x resources one run lacks), through the one table renderer.
fn changes_table(rows: &[Row<'_>], diff: &Diff) -> String {
    const COLUMNS: &[Col] = &[
        ("TENANT", "tenant_name"),
        ("RESOURCE", "resource"),
        ("SERIAL", "key"),
        ("CHANGE", "change"),
        ("NAME", "name"),
        ("MODEL", "model"),
        ("STATUS", "status"),
        ("FIELDS", "fields"),
    ];
    let mut cells = missing_cells(COLUMNS, diff);
    cells.extend(
        rows.iter()
            .map(|r| row_cells(COLUMNS, r, kind_name(r.change))),
    );
    listing(TableFormat::Table, COLUMNS, &cells)
}

/// A line under `columns` (named by their second part) for each tenant x resource one run
/// lacks: its tenant, resource, the change `missing` and the run that lacks it.
fn missing_cells(columns: &[Col], diff: &Diff) -> Vec<Vec<String>> {
    diff.missing
        .iter()
        .map(|m| {
            columns
                .iter()
                .map(|&(_, name)| match name {
                    "tenant_name" => m.tenant_name.clone(),
                    "resource" => m.resource.clone(),
                    "change" => "missing".into(),
                    "fields" => format!("not complete in run {}", m.missing_in),
                    _ => String::new(),
                })
                .collect()
        })
        .collect()
}

/// The line of `row` under `columns` (named by their second part), its change named `change`.
fn row_cells(columns: &[Col], row: &Row<'_>, change: &str) -> Vec<String> {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    columns
        .iter()
        .map(|&(_, name)| match name {
            "tenant_name" => row.tenant_name.to_owned(),
            "resource" => row.resources.join("+"),
            "key" => row.key.to_owned(),
            "change" => change.to_owned(),
            "name" => text(&row.about.name),
            "model" => text(&row.about.model),
            "status" => text(&row.about.status),
            "fields" => row
                .fields
                .iter()
                .map(|f| format!("{}: {} -> {}", f.field, f.before, f.after))
                .collect::<Vec<_>>()
                .join("; "),
            _ => String::new(),
        })
        .collect()
}

/// One line per tenant with a change: its counts.
fn per_tenant(rows: &[Row<'_>], diff: &Diff) -> String {
    // (name, id) -> [added, removed, changed, missing]
    let mut counts: BTreeMap<(&str, &str), [usize; 4]> = BTreeMap::new();
    for r in rows {
        let n = counts.entry((r.tenant_name, r.tenant_id)).or_default();
        let column = match r.change {
            ChangeKind::Added => 0,
            ChangeKind::Removed => 1,
            ChangeKind::Changed => 2,
        };
        n[column] += 1;
    }
    for m in &diff.missing {
        counts.entry((&m.tenant_name, &m.tenant_id)).or_default()[3] += 1;
    }
    let cells: Vec<Vec<String>> = counts
        .iter()
        .map(|((name, id), n)| {
            let mut row = vec![(*name).to_owned(), (*id).to_owned()];
            row.extend(n.iter().map(usize::to_string));
            row
        })
        .collect();
    let titles = [
        "PER TENANT",
        "TENANT ID",
        "ADDED",
        "REMOVED",
        "CHANGED",
        "MISSING",
    ];
    Table::fit(&titles, &cells)
        .align_right(|title| titles[2..].contains(&title))
        .render(&cells)
}

/// What happened to an alert between the runs: `new`, `cleared`, `reopened`, `gone` or
/// `changed` (see the module's docs).
fn alert_change(row: &Row<'_>) -> &'static str {
    let cleared = |s: Option<&str>| s.is_some_and(|s| s.trim().eq_ignore_ascii_case("cleared"));
    let status = row.about.status.as_deref();
    match row.change {
        ChangeKind::Added if cleared(status) => "cleared",
        ChangeKind::Added => "new",
        ChangeKind::Removed => "gone",
        ChangeKind::Changed => match row.fields.iter().find(|f| f.field == "status") {
            Some(f) if cleared(f.after.as_str()) => "cleared",
            Some(f) if cleared(f.before.as_str()) => "reopened",
            _ => "changed",
        },
    }
}

/// The alerts' changes, one per line (and the tenant x resources one run lacks); with the
/// counts of new and cleared alerts.
fn alerts_table(rows: &[Row<'_>], diff: &Diff) -> (String, usize, usize) {
    const COLUMNS: &[Col] = &[
        ("TENANT", "tenant_name"),
        ("ALERT", "key"),
        ("CHANGE", "change"),
        ("NAME", "name"),
        ("STATUS", "status"),
        ("FIELDS", "fields"),
    ];
    let mut cells = missing_cells(COLUMNS, diff);
    let (mut new, mut cleared) = (0, 0);
    for r in rows {
        let change = alert_change(r);
        match change {
            "new" => new += 1,
            "cleared" => cleared += 1,
            _ => {}
        }
        cells.push(row_cells(COLUMNS, r, change));
    }
    (listing(TableFormat::Table, COLUMNS, &cells), new, cleared)
}
