//! Reading what `plan` and `apply` are given: a manifest (TOML, parsed into the library's
//! types and checked) or a saved plan (JSON of the format this program writes), each capped
//! in size.

use std::path::Path;

use msp_orchestrator::apply::{Manifest, PLAN_FORMAT, Plan};

use crate::commands::store::Usage;

/// The largest manifest or plan file read.
pub(crate) const MAX_INPUT_BYTES: u64 = 16 * 1024 * 1024;

/// What `apply` was given.
pub(crate) enum Input {
    /// A manifest, checked.
    Manifest(Manifest),
    /// A saved plan, its manifest checked.
    Plan(Box<Plan>),
}

/// The text of `path`, refused over [`MAX_INPUT_BYTES`].
fn read_capped(path: &Path) -> Result<String, Usage> {
    let usage = |e: std::io::Error| Usage(format!("cannot read {}: {e}", path.display()));
    let size = std::fs::metadata(path).map_err(usage)?.len();
    if size > MAX_INPUT_BYTES {
        return Err(Usage(format!(
            "{} is {size} bytes, over the {MAX_INPUT_BYTES}-byte limit of a manifest or plan",
            path.display()
        )));
    }
    std::fs::read_to_string(path).map_err(usage)
}

/// Reads a manifest (TOML) and checks it.
pub(crate) fn load_manifest(path: &Path) -> Result<Manifest, Usage> {
    let text = read_capped(path)?;
    let manifest: Manifest = toml::from_str(&text)
        .map_err(|e| Usage(format!("{}: {}", path.display(), e.to_string().trim_end())))?;
    manifest
        .check()
        .map_err(|e| Usage(format!("{}: {e}", path.display())))?;
    Ok(manifest)
}

/// Reads a plan file (`.json`) or a manifest (anything else).
pub(crate) fn load(path: &Path) -> Result<Input, Usage> {
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
    {
        let text = read_capped(path)?;
        let plan: Plan = serde_json::from_str(&text)
            .map_err(|e| Usage(format!("{} is not a plan file: {e}", path.display())))?;
        if plan.format != PLAN_FORMAT {
            return Err(Usage(format!(
                "{} is a plan of format {}; this program reads format {PLAN_FORMAT}: plan again",
                path.display(),
                plan.format
            )));
        }
        plan.manifest
            .check()
            .map_err(|e| Usage(format!("{}: {e}", path.display())))?;
        Ok(Input::Plan(Box::new(plan)))
    } else {
        load_manifest(path).map(Input::Manifest)
    }
}
