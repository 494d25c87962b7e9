//! What the history commands share: the store's path and opening, and their tables.

use std::collections::BTreeSet;

use anyhow::Context as _;
use glp_auth::WorkspaceId;
use msp_orchestrator::msp_store::{Store, StoreError, StoreLocation};
use msp_orchestrator::table::{Table, dash_empty};
use msp_orchestrator::{Selector, TenantRef, csv_field, one_line};

use crate::args::GlobalArgs;
use crate::args::history::*;
use crate::settings::{self};

/// The store's location: `--db`, then `MSP_DB`, then the config file's `db`, then the data
/// folder. A `postgres://` (or `postgresql://`) URL is a PostgreSQL database, anything else
/// a SQLite file; a URL's password is registered as a secret and never shown.
pub(crate) fn db_path(flag: &DbArg, global: &GlobalArgs) -> anyhow::Result<StoreLocation> {
    if let Some(path) = &flag.db {
        return Ok(StoreLocation::from(path));
    }
    // MSP_DB, then the config file (the default one too) and its chosen profile: the lookup
    // `config show` reports, so both name the same store.
    let layers = settings::Layers::load(global).map_err(|e| anyhow::anyhow!("{e}"))?;
    if let Some(db) = layers.combine().options.db {
        return Ok(StoreLocation::from(db));
    }
    Store::default_path()
        .map(StoreLocation::Sqlite)
        .context("no data folder on this system (no home directory): give --db PATH or MSP_DB")
}

/// A mistake in the command line (a store that is not there, a tenant or resource the store
/// does not hold): exit 2, as clap's own usage errors.
#[derive(Debug)]
pub(crate) struct Usage(pub(crate) String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

/// Opens the store of `diff` or `status`, checks their `--resource` against it, and resolves
/// their `--tenant` and the global selection ([`selected`]): the ids of the tenants both
/// choose, `None` for every tenant.
pub(crate) fn open_narrowed(
    db: &DbArg,
    global: &GlobalArgs,
    only: &Only,
) -> anyhow::Result<(Store, Option<BTreeSet<String>>)> {
    let store = open(db, global)?;
    check_resource(&store, only.resource.as_deref())?;
    let tenant = only
        .tenant
        .as_deref()
        .map(|t| tenant_ids(&store, t))
        .transpose()?;
    let tenants = match (tenant, selected(&store, global)?) {
        (Some(a), Some(b)) => Some(a.intersection(&b).cloned().collect()),
        (a, b) => a.or(b),
    };
    Ok((store, tenants))
}

/// Whether `--include`, `--exclude`, `--include-id` or `--exclude-id` was given.
fn selecting(global: &GlobalArgs) -> bool {
    [
        &global.include,
        &global.exclude,
        &global.include_id,
        &global.exclude_id,
    ]
    .iter()
    .any(|patterns| !patterns.is_empty())
}

/// The ids of the store's tenants that `--include`, `--exclude`, `--include-id` and
/// `--exclude-id` choose, as they choose among listed tenants (`None`: none was given). An
/// `--include` that matches no stored tenant is a usage error, as it is for a live command.
pub(crate) fn selected(
    store: &Store,
    global: &GlobalArgs,
) -> anyhow::Result<Option<BTreeSet<String>>> {
    if !selecting(global) {
        return Ok(None);
    }
    let selector = Selector::with_ids(
        global.include.clone(),
        global.exclude.clone(),
        global.include_id.clone(),
        global.exclude_id.clone(),
    );
    let tenants = store.tenants()?;
    let ids = tenants
        .iter()
        .filter(|(id, name)| match WorkspaceId::parse(id) {
            Ok(ws) => selector.selects(&TenantRef::from_workspace(ws, name.as_str())),
            // An id that is no workspace id (not written by this tool): only when no include.
            Err(_) => !selector.has_includes(),
        })
        .map(|(id, _)| id.clone())
        .collect();
    let names: Vec<String> = tenants.into_iter().map(|(_, name)| name).collect();
    match crate::checks::unmatched_includes(&selector, &names, "stored") {
        Some(e) => Err(Usage(e).into()),
        None => Ok(Some(ids)),
    }
}

/// For a command that reads the store whole (`runs`, `prune`, `changes`, `mcp`): the global
/// selection is a usage error there, never silently ignored.
pub(crate) fn no_selection(global: &GlobalArgs, command: &str) -> anyhow::Result<()> {
    if !selecting(global) {
        return Ok(());
    }
    Err(Usage(format!(
        "--include, --exclude, --include-id and --exclude-id choose tenants, and `{command}` \
         does not (status, diff, export and licenses --db narrow by them): leave them out"
    ))
    .into())
}

/// Opens the store of a reading command (`runs`, `status`, `diff`, `export`, `prune`,
/// `changes`, `mcp`): an existing one only ([`Store::open_existing`]), so a mistyped `--db` is
/// an error rather than a new, empty store, and an empty PostgreSQL database stays empty.
pub(crate) fn open(flag: &DbArg, global: &GlobalArgs) -> anyhow::Result<Store> {
    if global.tenant_ids_from.is_some() {
        return Err(Usage(
            "--tenant-ids-from chooses the tenants of a live run; to choose stored tenants give \
             their ids to --include-id (or one to --tenant)"
                .into(),
        )
        .into());
    }
    let location = db_path(flag, global)?;
    if let Some(path) = location.sqlite_path()
        && !path.is_file()
    {
        let what = if path.exists() {
            "is not a file"
        } else {
            "does not exist"
        };
        return Err(Usage(format!(
            "the inventory store {} {what}: run `snapshot` first (it creates the store), or \
             check --db, MSP_DB or the config file's `db`",
            path.display()
        ))
        .into());
    }
    match Store::open_existing(&location) {
        Err(e @ StoreError::NoStore(_)) => Err(Usage(format!(
            "{e}, or check --db, MSP_DB or the config file's `db`"
        ))
        .into()),
        opened => opened.with_context(|| format!("cannot open the store {location}")),
    }
}

/// The ids of the store's tenants `pattern` selects, matched as `--include` matches: the
/// [`Selector`]'s case-insensitive glob (`*`, `?`) on names (and ids). None: a usage error
/// that names the nearest tenants.
pub(crate) fn tenant_ids(store: &Store, pattern: &str) -> anyhow::Result<BTreeSet<String>> {
    let tenants = store.tenants()?;
    let selector = Selector::new(vec![pattern.to_owned()], Vec::new());
    let ids: BTreeSet<String> = tenants
        .iter()
        .filter(|(id, name)| match WorkspaceId::parse(id) {
            Ok(ws) => selector.selects(&TenantRef::from_workspace(ws, name.as_str())),
            // An id that is no workspace id (not written by this tool): exact, any case.
            Err(_) => [id, name].iter().any(|k| k.eq_ignore_ascii_case(pattern)),
        })
        .map(|(id, _)| id.clone())
        .collect();
    if !ids.is_empty() {
        return Ok(ids);
    }
    let names: Vec<&str> = tenants.iter().map(|(_, name)| name.as_str()).collect();
    let hint = match nearest(pattern, &names).as_slice() {
        [] => String::new(),
        near => format!(
            " (did you mean {}?)",
            near.iter()
                .map(|n| format!("`{}`", one_line(n)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    Err(Usage(format!(
        "no tenant of the store matches `{}`{hint}: --tenant takes a name or id, any case, with \
         `*` and `?` (`*{}*` for part of a name); `status` lists the {} tenants",
        one_line(pattern),
        one_line(pattern.trim_matches('*')),
        tenants.len()
    ))
    .into())
}

/// `resource` when the store holds it; else a usage error naming the nearest and those it
/// holds.
pub(crate) fn check_resource(store: &Store, resource: Option<&str>) -> anyhow::Result<()> {
    let Some(resource) = resource else {
        return Ok(());
    };
    let held = store.resources()?;
    if held.iter().any(|r| r == resource) {
        return Ok(());
    }
    let names: Vec<&str> = held.iter().map(String::as_str).collect();
    let hint = nearest(resource, &names)
        .first()
        .map(|n| format!(" (did you mean `{n}`?)"))
        .unwrap_or_default();
    Err(Usage(format!(
        "the store holds no resource `{}`{hint}: it holds {}",
        one_line(resource),
        if held.is_empty() {
            "none yet (run `snapshot` first)".to_owned()
        } else {
            held.join(", ")
        }
    ))
    .into())
}

/// Up to three of `names` nearest to `text` (case-insensitive Jaro-Winkler, or containing
/// it), nearest first.
fn nearest<'a>(text: &str, names: &[&'a str]) -> Vec<&'a str> {
    let text = fold(text.trim_matches('*'));
    let mut scored: Vec<(f64, &str)> = names
        .iter()
        .map(|name| {
            let lower = fold(name);
            let score = if !text.is_empty() && lower.contains(&text) {
                1.0
            } else {
                strsim::jaro_winkler(&text, &lower)
            };
            (score, *name)
        })
        .filter(|(score, _)| *score >= 0.8)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(3).map(|(_, name)| name).collect()
}

/// `text` in lower case with the accents of Latin letters dropped (`Café Müller`: `cafe
/// muller`), so that a name typed without its accents still finds its suggestion.
fn fold(text: &str) -> String {
    text.to_lowercase()
        .chars()
        .map(|c| match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => 'a',
            'ç' | 'ć' | 'č' => 'c',
            'ď' | 'đ' => 'd',
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => 'e',
            'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' => 'i',
            'ł' => 'l',
            'ñ' | 'ń' | 'ň' => 'n',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => 'o',
            'ř' => 'r',
            'ś' | 'š' | 'ş' => 's',
            'ť' | 'ţ' => 't',
            'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => 'u',
            'ý' | 'ÿ' => 'y',
            'ź' | 'ż' | 'ž' => 'z',
            other => other,
        })
        .collect()
}

/// Errors of the reading commands are exit 1 (2 for `diff`, whose 1 means "different"), a
/// mistake in the command line exit 2; a closed stdout ends them quietly (141).
pub(crate) fn fatal(result: anyhow::Result<u8>, code: u8) -> u8 {
    result.unwrap_or_else(|e| {
        if crate::is_broken_pipe(&e) {
            return crate::EXIT_BROKEN_PIPE;
        }
        let text = format!("{e:#}");
        if e.downcast_ref::<Usage>().is_some() {
            // Kept on several lines: a manifest's problems one a line, a TOML error's snippet
            // with its caret under the place.
            eprintln!("error: {}", msp_orchestrator::lines(&text));
            crate::EXIT_USAGE
        } else {
            eprintln!("error: {}", one_line(&text));
            code
        }
    })
}

/// One column of a history listing: its title in the table, its name in CSV (snake_case, the
/// field name of the JSON format, as every CSV header of the tool is).
pub(crate) type Col = (&'static str, &'static str);

/// Writes `items` to stdout in `format`: one pretty JSON array, or the [`listing`] of
/// `columns`, an item's row each: in each column, the item's JSON field of the column's name (a
/// list's entries joined by blanks, nothing for null).
pub(crate) fn print_listing<T: serde::Serialize>(
    format: TableFormat,
    columns: &[Col],
    items: &[T],
) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    if format == TableFormat::Json {
        serde_json::to_writer_pretty(&mut out, items)?;
        writeln!(out)?;
    } else {
        let rows = items
            .iter()
            .map(|item| {
                let fields = serde_json::to_value(item)?;
                Ok(columns
                    .iter()
                    .map(|&(_, name)| cell(&fields[name]))
                    .collect())
            })
            .collect::<serde_json::Result<Vec<Vec<String>>>>()?;
        out.write_all(listing(format, columns, &rows).as_bytes())?;
    }
    Ok(())
}

/// A JSON value as the text of a listing's cell.
fn cell(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(text) => text.clone(),
        serde_json::Value::Array(list) => list.iter().map(cell).collect::<Vec<_>>().join(" "),
        other => other.to_string(),
    }
}

/// `rows` under `columns` as an aligned table (an empty cell shows `-`) or as CSV (an empty cell
/// stays empty, so a spreadsheet or DuckDB sees no value rather than a `-`).
pub(crate) fn listing(format: TableFormat, columns: &[Col], rows: &[Vec<String>]) -> String {
    if format == TableFormat::Csv {
        let header: Vec<String> = columns.iter().map(|c| csv_field(c.1)).collect();
        let mut out = header.join(",") + "\n";
        for row in rows {
            let cells: Vec<String> = row.iter().map(|c| csv_field(c)).collect();
            out.push_str(&(cells.join(",") + "\n"));
        }
        return out;
    }
    let titles: Vec<&str> = columns.iter().map(|c| c.0).collect();
    let rows = dash_empty(rows);
    Table::fit(&titles, &rows).render(&rows)
}
