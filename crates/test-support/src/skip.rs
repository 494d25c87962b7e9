//! Skips that show: a test that cannot run here (no python3, no network for a package) says
//! so on stderr and appends itself to the skip record, which `cargo xtask test` reads after the
//! run, so it is counted as skipped, never as passed.

use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The environment variable naming the skip record (`cargo xtask test` sets it).
pub const SKIPS_FILE_ENV: &str = "GLP_MSP_SKIPS_FILE";

/// The skip record's file name in the target directory, when the variable is not set.
pub const SKIPS_FILE_NAME: &str = "test-skips.txt";

/// One recorded skip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip {
    /// The test, as `module::name`.
    pub test: String,
    /// Why it did not run.
    pub reason: String,
}

/// The skip record: `$GLP_MSP_SKIPS_FILE`, else `test-skips.txt` in the target directory of the
/// running test (`CARGO_TARGET_DIR`, else three levels above `target/<profile>/deps/<test>`).
pub fn skips_file() -> PathBuf {
    if let Some(path) = std::env::var_os(SKIPS_FILE_ENV) {
        return PathBuf::from(path);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .or_else(|| {
            let exe = std::env::current_exe().ok()?;
            exe.ancestors().nth(3).map(Path::to_path_buf)
        })
        .unwrap_or_else(|| PathBuf::from("target"));
    target.join(SKIPS_FILE_NAME)
}

/// Says `SKIPPED: <test> (<reason>)` on the real stderr (shown by `cargo test` even for a
/// passing test) and appends the skip to the record ([`skips_file`]). The test should return
/// right after.
pub fn skip(test: &str, reason: &str) {
    let reason = reason.replace(['\n', '\t'], " ");
    let _ = writeln!(std::io::stderr(), "SKIPPED: {test} ({reason})");
    let path = skips_file();
    if let Err(e) = record(&path, test, &reason) {
        let _ = writeln!(
            std::io::stderr(),
            "(the skip could not be recorded in {}: {e})",
            path.display()
        );
    }
}

fn record(path: &Path, test: &str, reason: &str) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    writeln!(file, "{test}\t{reason}")
}

/// The skips recorded in `path` (none when it does not exist).
pub fn read_skips(path: &Path) -> Vec<Skip> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(test, reason)| Skip {
            test: test.to_owned(),
            reason: reason.to_owned(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_skips_read_back_in_order() {
        let dir = crate::temp_dir("skips");
        let path = dir.path().join(SKIPS_FILE_NAME);
        assert!(read_skips(&path).is_empty(), "no record: no skip");
        record(&path, "a::b", "python3 not found").expect("record");
        record(&path, "a::c", "no PyPI").expect("record");
        let tests: Vec<(String, String)> = read_skips(&path)
            .into_iter()
            .map(|s| (s.test, s.reason))
            .collect();
        assert_eq!(
            tests,
            [
                ("a::b".to_owned(), "python3 not found".to_owned()),
                ("a::c".to_owned(), "no PyPI".to_owned())
            ]
        );
    }
}
