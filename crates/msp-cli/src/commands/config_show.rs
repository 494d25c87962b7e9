//! `config show`: every setting, its value and where it came from.

use std::io::Write;

use glp_auth::text::escape_control;

use crate::{EXIT_FATAL, EXIT_OK, args, settings};

/// `config show`: every setting, its value (the secret masked, text escaped) and its source.
pub(crate) fn config_show(flags: &args::GlobalArgs) -> anyhow::Result<u8> {
    match settings::Layers::load(flags).map(|layers| settings::explain(&layers)) {
        Err(e) => {
            eprintln!("error: {e}");
            Ok(EXIT_FATAL)
        }
        Ok(rows) => {
            let width = rows.iter().map(|r| r.key.len()).max().unwrap_or(0);
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            for row in rows {
                let value = escape_control(&row.value);
                if row.source.is_empty() {
                    writeln!(out, "{:<width$}  {value}", row.key)?;
                } else {
                    writeln!(
                        out,
                        "{:<width$}  {value}  ({})",
                        row.key,
                        escape_control(&row.source)
                    )?;
                }
            }
            out.flush()?;
            Ok(EXIT_OK)
        }
    }
}
