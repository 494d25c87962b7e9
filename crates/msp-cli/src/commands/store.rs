//! What the history commands share: the store's path and opening, and their tables.

use std::path::PathBuf;

use anyhow::Context as _;
use msp_orchestrator::msp_store::Store;
use msp_orchestrator::table::Table;
use msp_orchestrator::{csv_field, one_line};

use crate::args::GlobalArgs;
use crate::args::history::*;
use crate::settings::{self};

/// The store's path: `--db`, then `MSP_DB`, then the config file's `db`, then the data folder.
pub(crate) fn db_path(flag: &DbArg, global: &GlobalArgs) -> anyhow::Result<PathBuf> {
    if let Some(path) = &flag.db {
        return Ok(path.clone());
    }
    // MSP_DB, then the config file (the default one too) and its chosen profile: the lookup
    // `config show` reports, so both name the same store.
    let layers = settings::Layers::load(global).map_err(|e| anyhow::anyhow!("{e}"))?;
    if let Some(db) = layers.combine().options.db {
        return Ok(db);
    }
    Store::default_path()
        .context("no data folder on this system (no home directory): give --db PATH or MSP_DB")
}

pub(crate) fn open(flag: &DbArg, global: &GlobalArgs) -> anyhow::Result<Store> {
    let path = db_path(flag, global)?;
    Store::open(&path).with_context(|| format!("cannot open the store {}", path.display()))
}

/// Errors of the reading commands are exit 1 (2 for `diff`, whose 1 means "different"); a
/// closed stdout ends them quietly (141).
pub(crate) fn fatal(result: anyhow::Result<u8>, code: u8) -> u8 {
    result.unwrap_or_else(|e| {
        if crate::is_broken_pipe(&e) {
            return crate::EXIT_BROKEN_PIPE;
        }
        eprintln!("error: {}", one_line(&format!("{e:#}")));
        code
    })
}

/// One column of a history listing: its title in the table, its name in CSV (snake_case, the
/// field name of the JSON format, as every CSV header of the tool is).
pub(crate) type Col = (&'static str, &'static str);

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
    let rows: Vec<Vec<&str>> = rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|c| if c.is_empty() { "-" } else { c.as_str() })
                .collect()
        })
        .collect();
    Table::fit(&titles, &rows).render(&rows)
}
