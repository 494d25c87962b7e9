//! The side files of a run: `--output` opened before any request, `--failed-out` and
//! `--report` written at its end.

use std::fs::File;
use std::io::Write;

use anyhow::Context as _;

use glp_auth::WorkspaceId;
use msp_orchestrator::{Report, TenantSource, one_line};

use crate::args::{self, CollectArgs};
use crate::settings::Settings;
use crate::{EXIT_FATAL, EXIT_SOME_FAILED, checks, output_target};

/// `--output`, `--failed-out` and `--report`, opened before any request so that a bad path
/// fails at once. Nothing is truncated until it is written: a run that fails before its work
/// leaves the files of the last run as they were.
pub(crate) struct Outputs {
    pub(crate) output: Option<output_target::OutputFile>,
    pub(crate) failed_out: Option<File>,
    pub(crate) report: Option<File>,
    /// The run's selection, for `--failed-out`.
    pub(crate) rerun: Rerun,
}

impl Outputs {
    pub(crate) fn open(
        args: &CollectArgs,
        settings: &Settings,
        existing: output_target::Existing,
    ) -> anyhow::Result<Self> {
        let format = output_target::record_format(&args.out).map_err(anyhow::Error::msg)?;
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
                args.out.output.as_deref(),
                format,
                existing,
                &msp_orchestrator::csv_header(&options),
            )?,
            failed_out: open(&args.failed_out, "the --failed-out file")?,
            report: open(&args.report, "the --report file")?,
            rerun: Rerun {
                explicit: match &settings.source {
                    TenantSource::Explicit(ids) => Some(ids.clone()),
                    _ => None,
                },
                done: settings.done.clone(),
            },
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

/// Writes `--failed-out` (see [`Rerun::lines`]) and `--report`.
pub(crate) fn finish_files(
    args: &CollectArgs,
    outputs: Outputs,
    report: &Report,
    output_failed: bool,
) -> anyhow::Result<()> {
    if let (Some(file), Some(path)) = (outputs.failed_out, &args.failed_out) {
        write_lines(file, &outputs.rerun.lines(report, output_failed))
            .with_context(|| format!("cannot write {}", path.display()))?;
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

/// What a run was asked to cover, so that its `--failed-out` file covers the rest of it.
#[derive(Debug, Default)]
pub(crate) struct Rerun {
    /// The ids of `--tenant-ids-from`, when the run was given ids (not a listing).
    explicit: Option<Vec<String>>,
    /// Tenants done before this run (the `!` lines of its `--tenant-ids-from`).
    done: Vec<WorkspaceId>,
}

impl Rerun {
    /// The lines of the rerun file after `report` (see [`msp_orchestrator::RerunList`]):
    /// - the listing was read to its end: the ids of the tenants that did not complete (every
    ///   tenant when the output failed: their records may not all be on disk);
    /// - it was not, and the run was given ids: those ids but the ones done;
    /// - it was not, and the run listed its tenants: the tenants never listed cannot be named,
    ///   so the file says "every tenant but these" (`!` lines): the tenants done, before and
    ///   now.
    pub(crate) fn lines(&self, report: &Report, output_failed: bool) -> Vec<String> {
        let mut lines = Vec::new();
        if report.source_error.is_none() {
            let ids: Vec<&str> = if output_failed {
                report
                    .tenants
                    .iter()
                    .filter_map(|t| t.workspace_id.as_deref())
                    .collect()
            } else {
                report.rerun_ids().collect()
            };
            lines.extend(ids.into_iter().map(str::to_owned));
            if report.not_rerunnable() > 0 {
                lines.push(format!(
                    "# {} more tenants did not complete and have no workspace id to rerun them by \
                     (see the summary)",
                    report.not_rerunnable()
                ));
            }
            return lines;
        }
        let mut done = self.done.clone();
        if !output_failed {
            done.extend(
                report
                    .tenants
                    .iter()
                    .filter(|t| !t.needs_rerun())
                    .filter_map(|t| t.workspace_id.as_deref())
                    .filter_map(|id| WorkspaceId::parse(id).ok()),
            );
        }
        let is_done = |id: &str| WorkspaceId::parse(id).is_ok_and(|id| done.contains(&id));
        match &self.explicit {
            Some(ids) => {
                lines.push(
                    "# the run stopped before it reached every tenant: these did not complete"
                        .into(),
                );
                lines.extend(ids.iter().filter(|id| !is_done(id)).cloned());
            }
            None => {
                lines.push(
                    "# the tenant listing stopped before its end, so the tenants not yet listed \
                     cannot be named:"
                        .into(),
                );
                lines.push(
                    "# a rerun lists every tenant again and leaves out the ones below (`!`), \
                     which completed"
                        .into(),
                );
                lines.push("!".into());
                let mut seen = std::collections::HashSet::new();
                lines.extend(
                    done.iter()
                        .filter(|id| seen.insert(**id))
                        .map(|id| format!("!{}", id.hyphenated())),
                );
            }
        }
        lines
    }
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
            if let Some(hint) = rerun_hint(args, &report) {
                eprintln!("{hint}");
            }
            EXIT_SOME_FAILED
        }
        Err(e) => {
            eprintln!("{}", report.summary());
            eprintln!("error: {}", one_line(&format!("{e:#}")));
            EXIT_FATAL
        }
    }
}

/// How to run what `report` did not complete, from `--failed-out` (none without one): the
/// whole command line's tail to paste, `--append` included when the records went to a file.
pub(crate) fn rerun_hint(args: &CollectArgs, report: &Report) -> Option<String> {
    let path = args.failed_out.as_deref()?;
    let mut flags = format!("--tenant-ids-from {}", path.display());
    if let Some(out) = args.out.file() {
        flags.push_str(&format!(" --append -o {}", out.display()));
    }
    Some(if report.source_error.is_some() {
        format!(
            "the tenant listing stopped before its end: this run's selection is incomplete (the \
             tenants not yet listed did not run); {} is written so that a rerun with the same \
             command and {flags} runs every tenant this one did not complete",
            path.display()
        )
    } else {
        format!("rerun the tenants that did not complete with the same command and {flags}")
    })
}

/// Writes the rerun file's lines (workspace ids rendered by us or the user's own, never server
/// text).
fn write_lines(file: File, lines: &[String]) -> std::io::Result<()> {
    let mut file = std::io::BufWriter::new(fresh(file)?);
    for line in lines {
        writeln!(file, "{line}")?;
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use msp_orchestrator::{TenantOutcome, TenantStatus};

    use super::*;

    const A: &str = "3f2a6c1e-0b4d-4e7a-9c2b-00000000000a";
    const B: &str = "3f2a6c1e-0b4d-4e7a-9c2b-00000000000b";
    const C: &str = "3f2a6c1e-0b4d-4e7a-9c2b-00000000000c";

    fn ok(id: &str) -> TenantOutcome {
        TenantOutcome {
            tenant_id: id.into(),
            workspace_id: Some(id.into()),
            tenant_name: String::new(),
            central_tenant_id: None,
            cluster: None,
            status: TenantStatus::Ok,
            records: 1,
            calls: Default::default(),
            duration_ms: 0,
            resources: Vec::new(),
        }
    }

    fn stopped(tenants: Vec<TenantOutcome>) -> Report {
        Report {
            tenants,
            source_error: Some("listing tenants failed part-way".into()),
            ..Default::default()
        }
    }

    #[test]
    fn a_listing_that_stopped_leaves_every_tenant_but_the_done_ones() {
        let rerun = Rerun {
            explicit: None,
            done: vec![WorkspaceId::parse(B).unwrap()],
        };
        let text = rerun.lines(&stopped(vec![ok(A)]), false).join("\n");
        let list = msp_orchestrator::RerunList::parse(&text);
        assert!(list.is_rest_of_listing(), "{text}");
        assert_eq!(list.done, vec![B.to_owned(), A.to_owned()]);
        // The output failed: this run's records may be missing, so nothing new counts as done.
        let text = rerun.lines(&stopped(vec![ok(A)]), true).join("\n");
        assert_eq!(msp_orchestrator::RerunList::parse(&text).done, vec![B]);
    }

    #[test]
    fn given_ids_that_stopped_leave_the_ids_not_done() {
        let rerun = Rerun {
            explicit: Some(vec![A.into(), B.into(), C.into()]),
            done: Vec::new(),
        };
        let text = rerun.lines(&stopped(vec![ok(B)]), false).join("\n");
        let list = msp_orchestrator::RerunList::parse(&text);
        assert_eq!(list.run, vec![A, C]);
        assert!(!list.is_rest_of_listing());
    }
}
