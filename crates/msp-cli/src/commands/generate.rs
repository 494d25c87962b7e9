//! `completions SHELL` and the man pages: generated from the command-line definition, so they
//! never disagree with `--help`. Neither needs a configuration or contacts anyone.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use clap::CommandFactory as _;

use crate::args::{Cli, Command};

/// Runs `command` when it is one of these; `None` for the others.
pub(crate) fn run(command: &Command) -> Option<u8> {
    let mut stdout = std::io::stdout().lock();
    let result = match command {
        Command::Completions(args) => {
            let mut cmd = Cli::command();
            // Into memory first: `generate` panics on a write error (a closed stdout).
            let mut script = Vec::new();
            clap_complete::generate(args.shell, &mut cmd, BIN, &mut script);
            if args.shell == clap_complete::Shell::Bash {
                script = bash_dispatch_fixed(&script).into_bytes();
            }
            stdout.write_all(&script).and_then(|()| stdout.flush())
        }
        Command::Man(args) => match &args.dir {
            None => clap_mangen::Man::new(Cli::command())
                .render(&mut stdout)
                .and_then(|()| stdout.flush()),
            Some(dir) => match write_man_pages(dir) {
                Ok(pages) => {
                    for page in pages {
                        println!("{}", page.display());
                    }
                    Ok(())
                }
                Err(e) => {
                    eprintln!(
                        "error: cannot write the man pages to {}: {e}",
                        dir.display()
                    );
                    return Some(crate::EXIT_FATAL);
                }
            },
        },
        _ => return None,
    };
    Some(match result {
        Ok(()) => crate::EXIT_OK,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => crate::EXIT_BROKEN_PIPE,
        Err(e) => {
            eprintln!("error: cannot write to stdout: {e}");
            crate::EXIT_FATAL
        }
    })
}

/// The binary's name, as the shells complete it.
const BIN: &str = "msp-orchestrator";

/// clap_complete's bash script for a hyphenated binary name names each subcommand's state one way
/// where it walks the words (`msp__orchestrator__subcmd__collect`) and another in the case that
/// completes it (`msp__subcmd__orchestrator__subcmd__collect`), so nothing completes after a
/// subcommand (clap-rs/clap issues 6421 and 6529). Spells the second as the first.
fn bash_dispatch_fixed(script: &[u8]) -> String {
    let ident = BIN.replace('-', "__");
    let wrong = BIN.replace('-', "__subcmd__");
    String::from_utf8_lossy(script).replace(&format!("{wrong}__"), &format!("{ident}__"))
}

/// Writes the top-level page and one per visible command, nested ones included
/// (`msp-orchestrator-config-show.1`), into `dir` (created when missing); returns their paths.
pub(crate) fn write_man_pages(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    clap_mangen::generate_to(Cli::command(), dir)?;
    let mut pages = Vec::new();
    page_names(&built(), &mut pages);
    Ok(pages.into_iter().map(|name| dir.join(name)).collect())
}

/// The command definition as clap_mangen sees it (built: display names are set).
fn built() -> clap::Command {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    cmd
}

/// The page file of `cmd` and of each of its visible subcommands, depth first.
fn page_names(cmd: &clap::Command, names: &mut Vec<String>) {
    names.push(clap_mangen::Man::new(cmd.clone()).get_filename());
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        page_names(sub, names);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Every visible command, by its full name: `collect`, `config show`, ...
    fn commands(cmd: &clap::Command, prefix: &str, out: &mut Vec<String>) {
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            let name = format!("{prefix}-{}", sub.get_name());
            out.push(name.clone());
            commands(sub, &name, out);
        }
    }

    #[test]
    fn every_command_gets_a_man_page() {
        let dir = std::env::temp_dir().join(format!("msp-man-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let pages = write_man_pages(&dir).unwrap();
        let mut expected = vec!["msp-orchestrator".to_owned()];
        commands(&Cli::command(), "msp-orchestrator", &mut expected);
        assert!(expected.contains(&"msp-orchestrator-collect".to_owned()));
        assert!(expected.contains(&"msp-orchestrator-config-show".to_owned()));
        assert!(
            !expected.iter().any(|c| c.ends_with("-man")),
            "hidden: no page"
        );
        let mut written: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        written.sort();
        let mut want: Vec<String> = expected.iter().map(|c| format!("{c}.1")).collect();
        want.sort();
        assert_eq!(written, want);
        assert_eq!(pages.len(), want.len());
        for name in &expected {
            let text = std::fs::read_to_string(dir.join(format!("{name}.1"))).unwrap();
            assert!(text.contains(&format!(".TH {name} 1")), "{name}: {text}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
