//! Where the records go (`--output`, or stdout), in which format, and what happens to a file
//! that is already there: it is never replaced or added to unless the user said so.

use std::fs::File;
use std::io::BufRead as _;
use std::path::Path;

use msp_orchestrator::Format;

use super::args::{CollectArgs, RecordOutput};

/// Whether `path` is `-`: stdout (or stdin, where a path is read).
pub(crate) fn is_dash(path: &Path) -> bool {
    path.as_os_str() == "-"
}

impl RecordOutput {
    /// The `--output` file, unless the records go to stdout (no `--output`, or `-`).
    pub(crate) fn file(&self) -> Option<&Path> {
        self.output.as_deref().filter(|p| !is_dash(p))
    }
}

/// The format of the records: `--format`, else the output file's extension, else JSON Lines.
/// A `--format` that contradicts the extension (a table into `x.jsonl`) is a usage error.
pub(crate) fn record_format(args: &RecordOutput) -> Result<Format, String> {
    format_for(args.format, args.output.as_deref())
}

/// The format of records written to `output` (`None`: stdout) when `--format` is `given`:
/// what [`record_format`] decides for `collect`, for every command that writes records.
pub(crate) fn format_for(given: Option<Format>, output: Option<&Path>) -> Result<Format, String> {
    let from_ext = output
        .filter(|p| !is_dash(p))
        .and_then(Format::from_extension);
    match (given, from_ext) {
        (Some(given), Some(ext)) if given != ext => Err(format!(
            "--format {} contradicts the extension of {} (a {} file); change one of them",
            given.name(),
            output.map(|p| p.display().to_string()).unwrap_or_default(),
            ext.name(),
        )),
        (Some(given), _) => Ok(given),
        (None, Some(ext)) => Ok(ext),
        (None, None) => Ok(Format::Jsonl),
    }
}

/// What to do with an `--output` file that exists and is not empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Existing {
    /// Refuse to run (the default).
    Refuse,
    /// Replace it (`--overwrite`, and the demo's own default file).
    Overwrite,
    /// Add to its end (`--append`).
    Append,
}

impl Existing {
    /// The choice the flags make.
    pub(crate) fn from_args(args: &RecordOutput) -> Self {
        if args.append {
            Self::Append
        } else if args.overwrite {
            Self::Overwrite
        } else {
            Self::Refuse
        }
    }
}

/// The `--output` file, opened before any request.
#[derive(Debug)]
pub(crate) struct OutputFile {
    /// The file, not yet emptied (that happens when the records start).
    pub(crate) file: File,
    /// The records go after what the file holds: neither emptied nor given a header.
    pub(crate) append: bool,
}

/// Opens `--output` (`None` for stdout). An existing regular file that holds anything is
/// refused unless `existing` says to replace it or add to it; appending is for JSON Lines and
/// CSV only, and a CSV file must start with the header this run would write.
pub(crate) fn open(
    path: Option<&Path>,
    format: Format,
    existing: Existing,
    csv_header: &str,
) -> anyhow::Result<Option<OutputFile>> {
    use anyhow::{Context as _, bail};
    let Some(path) = path.filter(|p| !is_dash(p)) else {
        if existing == Existing::Append {
            bail!("--append needs an --output file, not stdout");
        }
        return Ok(None);
    };
    if existing == Existing::Append && !matches!(format, Format::Jsonl | Format::Csv | Format::Yaml)
    {
        bail!(
            "--append works for jsonl, csv and yaml output; a {} file cannot be added to",
            format.name()
        );
    }
    let shown = path.display();
    let holds = std::fs::metadata(path)
        .ok()
        .filter(|m| m.is_file() && m.len() > 0)
        .map(|m| m.len());
    let append = match (holds, existing) {
        (Some(bytes), Existing::Refuse) => bail!(
            "the output file {shown} exists and holds {bytes} bytes; it was left as it is: use \
             --overwrite to replace it or --append to add the records to it"
        ),
        (Some(_), Existing::Append) => {
            if format == Format::Csv {
                let first = first_line(path)
                    .with_context(|| format!("cannot read the output file {shown}"))?;
                if first != csv_header {
                    bail!(
                        "cannot append to {shown}: its CSV header is not the one this run \
                         writes ({csv_header}); choose the same columns or another file"
                    );
                }
            }
            true
        }
        _ => false,
    };
    let file = std::fs::OpenOptions::new()
        .write(true)
        .append(append)
        .create(true)
        .truncate(false)
        .open(path)
        .with_context(|| format!("cannot create the output file (--output) {shown}"))?;
    Ok(Some(OutputFile { file, append }))
}

/// The first line of `path`, without its line ending.
fn first_line(path: &Path) -> std::io::Result<String> {
    let mut line = String::new();
    std::io::BufReader::new(File::open(path)?).read_line(&mut line)?;
    Ok(line.trim_end_matches(['\n', '\r']).to_owned())
}

/// `--report` and `--failed-out` take a file: stdout carries the records.
pub(crate) fn check_side_files(args: &CollectArgs) -> Result<(), String> {
    for (flag, path) in [
        ("--report", &args.report),
        ("--failed-out", &args.failed_out),
    ] {
        if path.as_deref().is_some_and(is_dash) {
            return Err(format!(
                "{flag} takes a file name; `-` (stdout) is where the records go"
            ));
        }
    }
    Ok(())
}
