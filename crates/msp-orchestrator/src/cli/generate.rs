//! `completions SHELL` and the man page: generated from the command-line definition, so they
//! never disagree with `--help`. Neither needs a configuration or contacts anyone.

use std::io::Write as _;

use clap::CommandFactory as _;

use super::args::{Cli, Command};

/// Runs `command` when it is one of these; `None` for the others.
pub(crate) fn run(command: &Command) -> Option<u8> {
    let mut stdout = std::io::stdout().lock();
    let result = match command {
        Command::Completions(args) => {
            let mut cmd = Cli::command();
            // Into memory first: `generate` panics on a write error (a closed stdout).
            let mut script = Vec::new();
            clap_complete::generate(args.shell, &mut cmd, "msp-orchestrator", &mut script);
            stdout.write_all(&script).and_then(|()| stdout.flush())
        }
        Command::Man => clap_mangen::Man::new(Cli::command())
            .render(&mut stdout)
            .and_then(|()| stdout.flush()),
        _ => return None,
    };
    Some(match result {
        Ok(()) => super::EXIT_OK,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => super::EXIT_BROKEN_PIPE,
        Err(e) => {
            eprintln!("error: cannot write to stdout: {e}");
            super::EXIT_FATAL
        }
    })
}
