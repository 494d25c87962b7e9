//! Where the records go (`--output`, or stdout), in which format, and what happens to a file
//! that is already there: it is never replaced or added to unless the user said so.

use std::fs::File;
use std::io::BufRead as _;
use std::path::Path;

use msp_orchestrator::Format;

use super::args::{CollectArgs, RecordFormat};

/// Whether `path` is `-`: stdout (or stdin, where a path is read).
pub(crate) fn is_dash(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// The format an extension stands for, if it stands for one.
fn format_of_extension(path: &Path) -> Option<RecordFormat> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "jsonl" | "ndjson" => Some(RecordFormat::Jsonl),
        "json" => Some(RecordFormat::Json),
        "csv" => Some(RecordFormat::Csv),
        "txt" => Some(RecordFormat::Table),
        "yaml" | "yml" => Some(RecordFormat::Yaml),
        _ => None,
    }
}

/// The name of a format, as `--format` spells it.
pub(crate) fn format_name(format: RecordFormat) -> &'static str {
    match format {
        RecordFormat::Jsonl => "jsonl",
        RecordFormat::Json => "json",
        RecordFormat::Csv => "csv",
        RecordFormat::Table => "table",
        RecordFormat::Yaml => "yaml",
    }
}

/// The extension a file of `format` gets (the demo's default file).
pub(crate) fn extension(format: RecordFormat) -> &'static str {
    match format {
        RecordFormat::Jsonl => "jsonl",
        RecordFormat::Json => "json",
        RecordFormat::Csv => "csv",
        RecordFormat::Table => "txt",
        RecordFormat::Yaml => "yaml",
    }
}

/// The format of the records: `--format`, else the output file's extension, else JSON Lines.
/// A `--format` that contradicts the extension (a table into `x.jsonl`) is a usage error.
pub(crate) fn record_format(args: &CollectArgs) -> Result<RecordFormat, String> {
    let from_ext = args
        .output
        .as_deref()
        .filter(|p| !is_dash(p))
        .and_then(format_of_extension);
    match (args.format, from_ext) {
        (Some(given), Some(ext)) if given != ext => Err(format!(
            "--format {} contradicts the extension of {} (a {} file); change one of them",
            format_name(given),
            args.output
                .as_deref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            format_name(ext),
        )),
        (Some(given), _) => Ok(given),
        (None, Some(ext)) => Ok(ext),
        (None, None) => Ok(RecordFormat::Jsonl),
    }
}

/// The library's format for a CLI format.
pub(crate) fn writer_format(format: RecordFormat) -> Format {
    match format {
        RecordFormat::Jsonl => Format::Jsonl,
        RecordFormat::Json => Format::Json,
        RecordFormat::Csv => Format::Csv,
        RecordFormat::Table => Format::Table,
        RecordFormat::Yaml => Format::Yaml,
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
    pub(crate) fn from_args(args: &CollectArgs) -> Self {
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
    format: RecordFormat,
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
    if existing == Existing::Append
        && !matches!(
            format,
            RecordFormat::Jsonl | RecordFormat::Csv | RecordFormat::Yaml
        )
    {
        bail!(
            "--append works for jsonl, csv and yaml output; a {} file cannot be added to",
            format_name(format)
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
            if format == RecordFormat::Csv {
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
