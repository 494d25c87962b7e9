//! Bash completion, tried in bash itself: the script `completions bash` prints is sourced, the
//! words of a command line are set as bash sets them on TAB, and the completion function's
//! answer is read back. clap_complete's script for a hyphenated binary name completed nothing
//! after a subcommand (clap-rs/clap issues 6421 and 6529); these lines are what a user types.
#![allow(clippy::unwrap_used)]

mod support;

use std::process::Command;

use support::{bin, temp_dir};

/// What bash offers for the command line `words` with the cursor on its last word.
fn complete(script: &std::path::Path, words: &[&str]) -> Vec<String> {
    let line = words
        .iter()
        .map(|w| format!("'{w}'"))
        .collect::<Vec<_>>()
        .join(" ");
    let cword = words.len() - 1;
    let cur = words[cword];
    let prev = words[cword - 1];
    let program = format!(
        "source '{}'\nCOMP_WORDS=({line})\nCOMP_CWORD={cword}\n\
         _msp__orchestrator msp-orchestrator '{cur}' '{prev}'\n\
         printf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        script.display()
    );
    let out = Command::new("bash")
        .args(["--noprofile", "--norc", "-c", &program])
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "bash: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn bash_completes_the_flags_of_subcommands_and_nested_ones() {
    let dir = temp_dir("completion");
    let script = dir.path().join("msp-orchestrator.bash");
    let out = bin().args(["completions", "bash"]).run();
    out.assert_code(0);
    std::fs::write(&script, out.stdout.as_bytes()).unwrap();

    let top = complete(&script, &["msp-orchestrator", "co"]);
    assert!(top.contains(&"collect".to_owned()), "{top:?}");
    assert!(top.contains(&"config".to_owned()), "{top:?}");

    // A flag only `collect` has, after the subcommand.
    let collect = complete(&script, &["msp-orchestrator", "collect", "--"]);
    assert!(collect.contains(&"--append".to_owned()), "{collect:?}");
    assert!(collect.contains(&"--overwrite".to_owned()), "{collect:?}");
    // and a global one.
    assert!(collect.contains(&"--include".to_owned()), "{collect:?}");

    let diff = complete(&script, &["msp-orchestrator", "diff", "--"]);
    assert!(diff.contains(&"--db".to_owned()), "{diff:?}");

    // Two levels down.
    let show = complete(&script, &["msp-orchestrator", "config", "show", "--"]);
    assert!(show.iter().any(|w| w == "--help"), "{show:?}");
    let config = complete(&script, &["msp-orchestrator", "config", "s"]);
    assert_eq!(config, ["show"], "{config:?}");
}
