//! The side files of a run: `--output` opened before any request, `--failed-out` and
//! `--report` written at its end.

use std::fs::File;
use std::io::Write;

use anyhow::Context as _;

use crate::args::{self, CollectArgs};
use crate::{EXIT_FATAL, EXIT_SOME_FAILED, checks, output_target};
use msp_orchestrator::one_line;

/// `--output`, `--failed-out` and `--report`, opened before any request so that a bad path
/// fails at once. Nothing is truncated until it is written: a run that fails before its work
/// leaves the files of the last run as they were.
pub(crate) struct Outputs {
    pub(crate) output: Option<output_target::OutputFile>,
    pub(crate) failed_out: Option<File>,
    pub(crate) report: Option<File>,
}

impl Outputs {
    pub(crate) fn open(
        args: &CollectArgs,
        existing: output_target::Existing,
    ) -> anyhow::Result<Self> {
        let format = output_target::record_format(args).map_err(anyhow::Error::msg)?;
        output_target::check_side_files(args).map_err(anyhow::Error::msg)?;
        let options = checks::writer_options(args, format).map_err(anyhow::Error::msg)?;
        let open =
            |path: &Option<std::path::PathBuf>, what: &str| -> anyhow::Result<Option<File>> {
                path.as_deref()
                    .map(|path| {
                        std::fs::OpenOptions::new()
                            .write(true)
                            .create(true)
                            .truncate(false)
                            .open(path)
                            .with_context(|| format!("cannot create {what} {}", path.display()))
                    })
                    .transpose()
            };
        Ok(Self {
            output: output_target::open(
                args.output.as_deref(),
                format,
                existing,
                &msp_orchestrator::csv_header(&options),
            )?,
            failed_out: open(&args.failed_out, "the --failed-out file")?,
            report: open(&args.report, "the --report file")?,
        })
    }
}

/// `file`, emptied and rewound for writing when it is a regular file (`/dev/null`, a FIFO or a
/// terminal can be neither: they are written as they are).
pub(crate) fn fresh(mut file: File) -> std::io::Result<File> {
    use std::io::Seek as _;
    if file.metadata()?.is_file() {
        file.set_len(0)?;
        file.rewind()?;
    }
    Ok(file)
}

/// Writes `--failed-out` (every tenant when the output failed: their records may not all be on
/// disk) and `--report`.
pub(crate) fn finish_files(
    args: &CollectArgs,
    outputs: Outputs,
    report: &msp_orchestrator::Report,
    output_failed: bool,
) -> anyhow::Result<()> {
    if let (Some(file), Some(path)) = (outputs.failed_out, &args.failed_out) {
        let result = if output_failed {
            let all = report
                .tenants
                .iter()
                .filter_map(|t| t.workspace_id.as_deref());
            write_lines(file, all, report.not_rerunnable())
        } else {
            write_lines(file, report.rerun_ids(), report.not_rerunnable())
        };
        result.with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let (Some(file), Some(path)) = (outputs.report, &args.report) {
        let file = fresh(file).with_context(|| format!("cannot write {}", path.display()))?;
        let mut out = std::io::BufWriter::new(file);
        let mut value = serde_json::to_value(report).map_err(std::io::Error::from)?;
        if let Some(object) = value.as_object_mut() {
            object.insert("run".into(), run_info());
        }
        serde_json::to_writer_pretty(&mut out, &value)
            .map_err(std::io::Error::from)
            .and_then(|()| out.flush())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// A signal arrived before the run started: the summary, an empty `--failed-out` and the report
/// say so.
pub(crate) fn finish_interrupted(args: &CollectArgs, outputs: Outputs) -> u8 {
    let report = msp_orchestrator::Report {
        interrupted: true,
        source_error: Some("interrupted before the tenants were listed".into()),
        ..Default::default()
    };
    match finish_files(args, outputs, &report, false) {
        Ok(()) => {
            eprintln!("{}", report.summary());
            EXIT_SOME_FAILED
        }
        Err(e) => {
            eprintln!("{}", report.summary());
            eprintln!("error: {}", one_line(&format!("{e:#}")));
            EXIT_FATAL
        }
    }
}

/// Writes the ids of a rerun (workspace ids rendered by us, never server text), and a comment
/// saying how many tenants could not be listed by id.
pub(crate) fn write_lines<'a>(
    file: File,
    ids: impl Iterator<Item = &'a str>,
    not_rerunnable: usize,
) -> std::io::Result<()> {
    let mut file = std::io::BufWriter::new(fresh(file)?);
    for id in ids {
        writeln!(file, "{id}")?;
    }
    if not_rerunnable > 0 {
        writeln!(
            file,
            "# {not_rerunnable} more tenants did not complete and have no workspace id to rerun \
             them by (see the summary)"
        )?;
    }
    file.flush()
}

/// When the process started (the `--report` file says it).
pub(crate) static STARTED: std::sync::OnceLock<std::time::SystemTime> = std::sync::OnceLock::new();

/// What `--report` says about the run itself: when, which build, with which arguments (the
/// client secret is never an argument; the text is redacted all the same).
pub(crate) fn run_info() -> serde_json::Value {
    let started = STARTED
        .get()
        .copied()
        .unwrap_or_else(std::time::SystemTime::now);
    let arguments: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| glp_auth::text::redact(&a.to_string_lossy()).into_owned())
        .collect();
    serde_json::json!({
        "started_at": msp_orchestrator::rfc3339(started),
        "version": args::VERSION,
        "arguments": arguments,
    })
}
