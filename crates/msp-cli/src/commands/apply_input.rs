//! Reading what `plan` and `apply` are given: a manifest (TOML, parsed into the library's
//! types and checked) or a saved plan (JSON of the format this program writes), each capped
//! in size.

use std::collections::HashMap;
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
    manifest.check().map_err(|mut e| {
        let lines = entry_lines(&text);
        for problem in &mut e.problems {
            *problem = with_line(problem, &lines);
        }
        Usage(format!("{}: {e}", path.display()))
    })?;
    Ok(manifest)
}

/// The line each entry of the manifest's arrays of tables starts on, by `(section, entry
/// number from 1)`: `[[tenants]]` #3 is the third `[[tenants]]` table (or the third table of
/// an inline `tenants = [...]`).
fn entry_lines(text: &str) -> HashMap<(String, usize), usize> {
    let Ok(table) = toml::de::DeTable::parse(text) else {
        return HashMap::new();
    };
    let line = |at: usize| text.get(..at).map_or(0, |t| t.matches('\n').count()) + 1;
    let mut lines = HashMap::new();
    for (section, value) in table.get_ref() {
        if let toml::de::DeValue::Array(entries) = value.get_ref() {
            for (i, entry) in entries.iter().enumerate() {
                let at = line(entry.span().start);
                lines.insert((section.get_ref().to_string(), i + 1), at);
            }
        }
    }
    lines
}

/// `problem` (as [`Manifest::check`] words it: `[[tenants]] #3: ...`, `[[tenants]] #1 and #2
/// ...`) with the line of each entry it names: `[[tenants]] #3 (line 12): ...`; as it is when
/// it names none.
fn with_line(problem: &str, lines: &HashMap<(String, usize), usize>) -> String {
    let named = problem.strip_prefix("[[").and_then(|rest| {
        let (section, rest) = rest.split_once("]] #")?;
        // The entry number at the start of `rest`, with its line, and what follows it.
        let entry = |rest: &str| -> Option<(String, usize)> {
            let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            let n: usize = rest[..digits].parse().ok()?;
            let line = lines.get(&(section.to_owned(), n))?;
            Some((format!("#{n} (line {line})"), digits))
        };
        let (first, used) = entry(rest)?;
        let mut out = format!("[[{section}]] {first}");
        let mut rest = &rest[used..];
        if let Some(second) = rest.strip_prefix(" and #")
            && let Some((named, used)) = entry(second)
        {
            out.push_str(" and ");
            out.push_str(&named);
            rest = &second[used..];
        }
        out.push_str(rest);
        Some(out)
    });
    named.unwrap_or_else(|| problem.to_owned())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_problem_names_the_line_of_its_entry() {
        let text = "# customers\n[[tenants]]\nworkspaceName = \"A\"\n\n[[tenants]]\n\
                    workspaceName = \"\"\n\n[[notification_rules]]\ntenants = []\nname = \"x\"\n";
        let lines = entry_lines(text);
        assert_eq!(
            with_line("[[tenants]] #2: 'workspaceName' must not be blank", &lines),
            "[[tenants]] #2 (line 5): 'workspaceName' must not be blank"
        );
        assert_eq!(
            with_line("[[tenants]] #1 and #2 name the same workspace 'A'", &lines),
            "[[tenants]] #1 (line 2) and #2 (line 5) name the same workspace 'A'"
        );
        assert_eq!(
            with_line("[[notification_rules]] #1: no tenants", &lines),
            "[[notification_rules]] #1 (line 8): no tenants"
        );
        // No such entry, or no entry named: the problem as it was.
        for problem in [
            "[[tenants]] #9: x",
            "the manifest lists nothing",
            "[[x]] #: y",
        ] {
            assert_eq!(with_line(problem, &lines), problem);
        }
        // An inline array of tables: its entries' lines too.
        let inline = "tenants = [\n  { workspaceName = \"A\" },\n  { workspaceName = \"B\" },\n]\n";
        assert_eq!(
            with_line("[[tenants]] #2: x", &entry_lines(inline)),
            "[[tenants]] #2 (line 3): x"
        );
    }
}
