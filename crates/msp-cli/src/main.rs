//! `msp-orchestrator`: list the tenants of an HPE GreenLake MSP and collect, snapshot and compare
//! their GreenLake and Central data. Run `msp-orchestrator --help`.
//!
//! The binary of the `msp-cli` package: clap types, settings and one function per command over
//! the `msp-orchestrator` library.

mod args;
mod checks;
mod commands;
mod context;
mod display;
mod output_target;
mod outputs;
mod pipeline;
mod settings;
mod signals;
mod summary;

use std::process::ExitCode;

use msp_orchestrator::{Cancel, one_line};

use args::{Cli, Command, LogFormat};
use commands::{
    collect, config_show, demo, diff, export, overview, prune, runs, snapshot, status, tenants,
};
use context::Context;
use signals::{Signals, watch_signals};

/// `1 tenant`, `2 tenants`.
pub(crate) fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Exit codes.
const EXIT_OK: u8 = 0;
const EXIT_FATAL: u8 = 1;
const EXIT_USAGE: u8 = 2;
const EXIT_SOME_FAILED: u8 = 3;

/// Stdout's reader went away (EPIPE: `... | head -1`): the command ends at once, quietly, with
/// 128 + SIGPIPE, the status a shell reports for a program that signal ended (as `seq`, `cat`).
const EXIT_BROKEN_PIPE: u8 = 141;

/// Whether `e`, or what caused it, is a write to a pipe whose reader went away.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || cause
                .downcast_ref::<serde_json::Error>()
                .is_some_and(|j| j.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe))
    })
}

/// Parses the command line and runs it.
fn main() -> ExitCode {
    let _ = outputs::STARTED.set(std::time::SystemTime::now());
    install_panic_hook();
    let cli = Cli::parse_recording(std::env::args_os()).unwrap_or_else(|e| e.exit());
    if let Some(code) = commands::generate::run(&cli.command) {
        return ExitCode::from(code);
    }
    init_logging(cli.global.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(EXIT_FATAL);
        }
    };
    let code = runtime.block_on(run(cli));
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    ExitCode::from(code)
}

/// Panic messages may hold server text: print them redacted (the secret, every token) and
/// escaped, never raw.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "(no message)".into());
        let location = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!(
            "error: internal error (panic){location}: {}",
            one_line(&message)
        );
    }));
}

fn init_logging(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    let builder = tracing_subscriber::fmt()
        .with_ansi(summary::colour_on_stderr())
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

async fn run(cli: Cli) -> u8 {
    let quiet = cli.global.quiet;
    // Signals first: a signal during the token request or the Central check must end the run
    // with its summary, not kill the process.
    let cancel = Cancel::new();
    let signals = match Signals::install() {
        Ok(signals) => tokio::spawn(watch_signals(signals, cancel.clone())),
        Err(e) => {
            eprintln!("error: cannot install the signal handlers: {e}");
            return EXIT_FATAL;
        }
    };
    let code = match cli.command {
        Command::Tenants(args) => match Context::from_flags(&cli.global, &cancel)
            .await
            .ready(Some("interrupted before any tenant was listed"))
        {
            Ok(ctx) => report_fatal(tenants::tenants(&ctx, args.format, &cancel).await),
            Err(code) => code,
        },
        Command::Overview(args) => match settings::resolve(&cli.global) {
            Err(e) => {
                eprintln!("error: {e}");
                EXIT_FATAL
            }
            Ok(settings) => match Context::connect(settings, &cancel).await.ready(None) {
                Ok(ctx) => report_fatal(overview::overview(&ctx, args.format).await),
                Err(code) => code,
            },
        },
        Command::Collect(args) => {
            let checked = checks::msp_inventory(&args).and_then(|msp| {
                if msp {
                    Ok(())
                } else {
                    checks::collect_args(&args).map(|_| ())
                }
            });
            if let Err(e) = checked {
                eprintln!("error: {e}");
                return EXIT_USAGE;
            }
            // GreenLake resources alone need no Central gateway (unless Central lists the
            // tenants).
            let needs_central = !checks::greenlake_only(&args);
            match settings::resolve_for(&cli.global, needs_central) {
                Err(e) => {
                    eprintln!("error: {e}");
                    EXIT_FATAL
                }
                Ok(settings) => {
                    let existing = output_target::Existing::from_args(&args.out);
                    collect::run_collect(settings, &args, existing, quiet, &cancel).await
                }
            }
        }
        Command::Demo(args) => {
            if let Err(e) = checks::collect_args(&args.collect) {
                eprintln!("error: {e}");
                return EXIT_USAGE;
            }
            demo::demo(&cli.global, args, quiet, &cancel).await
        }
        Command::Config(args::ConfigCommand::Show) => {
            report_fatal(config_show::config_show(&cli.global))
        }
        // Handled before the runtime started.
        Command::Completions(_) | Command::Man(_) => EXIT_OK,
        Command::Snapshot(args) => snapshot::snapshot(&cli.global, &args, quiet, &cancel).await,
        Command::Runs(args) => runs::runs(&cli.global, &args),
        Command::Status(args) => status::status(&cli.global, &args),
        Command::Diff(args) => diff::diff(&cli.global, &args),
        Command::Export(args) => export::export(&cli.global, &args),
        Command::Prune(args) => prune::prune(&cli.global, &args),
        Command::Serve(args) => commands::serve::serve(&cli.global, &args, &cancel).await,
        Command::Licenses(args) => {
            commands::licenses::licenses(&cli.global, &args, quiet, &cancel).await
        }
        Command::Mcp(args) => commands::mcp::mcp(&cli.global, &args, &cancel).await,
        Command::Plan(args) => commands::apply::plan(&cli.global, &args, &cancel).await,
        Command::Apply(args) => commands::apply::apply(&cli.global, &args, &cancel).await,
        Command::Changes(args) => commands::changes::changes(&cli.global, &args),
    };
    if signals.is_finished() {
        if let Err(e) = signals.await {
            eprintln!(
                "warning: the signal handler stopped: {}",
                msp_orchestrator::join_error_text(e)
            );
        }
    } else {
        signals.abort();
    }
    code
}

/// The error of a command, printed (exit 1); a closed stdout ends it quietly (141).
fn report_fatal(result: anyhow::Result<u8>) -> u8 {
    result.unwrap_or_else(|e| {
        if is_broken_pipe(&e) {
            return EXIT_BROKEN_PIPE;
        }
        eprintln!("error: {}", one_line(&format!("{e:#}")));
        EXIT_FATAL
    })
}
