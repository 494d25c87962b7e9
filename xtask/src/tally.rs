//! Counting a `cargo test` run: the passed, failed and ignored tests of every `test result:`
//! line, and the tests that recorded themselves as skipped (`test_support::skip`), which
//! libtest counts as passed and this does not.

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};
use test_support::skip::{SKIPS_FILE_ENV, Skip, read_skips};

/// What a run (or several) counted.
#[derive(Debug, Default, Clone)]
pub(crate) struct Tally {
    pub(crate) passed: u64,
    pub(crate) failed: u64,
    pub(crate) ignored: u64,
    pub(crate) skipped: Vec<Skip>,
}

impl Tally {
    /// Adds another tally.
    pub(crate) fn add(&mut self, other: &Tally) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.ignored += other.ignored;
        self.skipped.extend(other.skipped.iter().cloned());
    }

    /// `LABEL: N passed, N failed, N skipped` alone on a line, after a line per skip.
    pub(crate) fn print(&self, label: &str) {
        for s in &self.skipped {
            println!("skipped: {} ({})", s.test, s.reason);
        }
        if self.ignored > 0 {
            println!("skipped: {} ignored (#[ignore])", self.ignored);
        }
        println!(
            "{label}: {} passed, {} failed, {} skipped",
            self.passed,
            self.failed,
            self.skipped.len() as u64 + self.ignored
        );
        let _ = std::io::stdout().flush();
    }

    /// Reads one `test result: ok. 3 passed; 0 failed; 1 ignored; ...` line.
    fn read_line(&mut self, line: &str) {
        let Some(rest) = line.trim().strip_prefix("test result: ") else {
            return;
        };
        for part in rest.split(';') {
            let mut words = part.split_whitespace().rev();
            let (Some(what), Some(n)) = (words.next(), words.next()) else {
                continue;
            };
            let Ok(n) = n.parse::<u64>() else { continue };
            match what {
                "passed" => self.passed += n,
                "failed" => self.failed += n,
                "ignored" => self.ignored += n,
                _ => {}
            }
        }
    }
}

/// Runs `cmd` (a `cargo test`) with the skip record at `skips`, echoing its output, and counts
/// it; prints `LABEL: N passed, N failed, N skipped` at its end, also when it fails.
pub(crate) fn run_counted(label: &str, mut cmd: Command, skips: &Path) -> Result<Tally> {
    let before = read_skips(skips).len();
    cmd.env(SKIPS_FILE_ENV, skips).stdout(Stdio::piped());
    eprintln!("$ {cmd:?}");
    let mut child = cmd
        .spawn()
        .with_context(|| format!("could not start {cmd:?}"))?;
    let mut tally = Tally::default();
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out).lines() {
            let line = line.context("reading cargo test's output")?;
            println!("{line}");
            tally.read_line(&line);
        }
    }
    let status = child.wait().context("waiting for cargo test")?;
    let mut all = read_skips(skips);
    tally.skipped = all.split_off(before.min(all.len()));
    // libtest counted the skipped tests as passed.
    tally.passed = tally.passed.saturating_sub(tally.skipped.len() as u64);
    tally.print(label);
    if !status.success() {
        bail!("{cmd:?} failed with {status}");
    }
    Ok(tally)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_lines_are_summed_and_other_lines_ignored() {
        let mut t = Tally::default();
        for line in [
            "test result: ok. 9 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.13s",
            "test foo ... ok",
            "test result: FAILED. 2 passed; 3 failed; 0 ignored; 0 measured; 4 filtered out",
        ] {
            t.read_line(line);
        }
        assert_eq!((t.passed, t.failed, t.ignored), (11, 3, 1));
    }
}
