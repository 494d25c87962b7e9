//! A scratch directory per scenario.

use std::path::{Path, PathBuf};

use crate::{HarnessError, Result};

/// A fresh directory for one scenario, with `sim/` for the simulator's own files and `run/` for
/// everything the orchestrator writes (so a leak check can read all of `run/` and none of the
/// simulator's credential file).
///
/// It is removed on drop unless the thread is panicking (a failed scenario keeps its files and
/// says where they are).
#[derive(Debug)]
pub struct Workdir {
    root: PathBuf,
}

/// Where a scenario keeps what a person may want to look at after the run (a screenshot):
/// `$GLP_MSP_E2E_ARTEFACTS`, else `e2e-artefacts` in the target directory (`CARGO_TARGET_DIR`,
/// else three levels above `target/<profile>/deps/<test>`). Created; kept across runs (a
/// [`Workdir`] is removed when its scenario passes).
pub fn artefacts_dir() -> Result<PathBuf> {
    let dir = match std::env::var_os("GLP_MSP_E2E_ARTEFACTS") {
        Some(dir) => PathBuf::from(dir),
        None => std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .or_else(|| {
                let exe = std::env::current_exe().ok()?;
                exe.ancestors().nth(3).map(Path::to_path_buf)
            })
            .unwrap_or_else(|| PathBuf::from("target"))
            .join("e2e-artefacts"),
    };
    std::fs::create_dir_all(&dir)
        .map_err(HarnessError::io(format!("creating {}", dir.display())))?;
    Ok(dir)
}

impl Workdir {
    /// Creates `<temp>/glp-msp-e2e-<pid>-<name>`, emptied first.
    pub fn new(name: &str) -> Result<Workdir> {
        let root = std::env::temp_dir().join(format!("glp-msp-e2e-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for sub in ["sim", "run"] {
            std::fs::create_dir_all(root.join(sub))
                .map_err(HarnessError::io(format!("creating {}", root.display())))?;
        }
        Ok(Workdir { root })
    }

    /// The directory itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The simulator's directory.
    pub fn sim(&self) -> PathBuf {
        self.root.join("sim")
    }

    /// A path in the orchestrator's directory.
    pub fn run(&self, file: &str) -> PathBuf {
        self.root.join("run").join(file)
    }

    /// Every file in the orchestrator's directory with its contents (lossy UTF-8).
    pub fn run_files(&self) -> Result<Vec<(PathBuf, String)>> {
        let dir = self.root.join("run");
        let mut files = Vec::new();
        let entries = std::fs::read_dir(&dir)
            .map_err(HarnessError::io(format!("listing {}", dir.display())))?;
        for entry in entries {
            let path = entry
                .map_err(HarnessError::io(format!("listing {}", dir.display())))?
                .path();
            if path.is_file() {
                let bytes = std::fs::read(&path)
                    .map_err(HarnessError::io(format!("reading {}", path.display())))?;
                files.push((path, String::from_utf8_lossy(&bytes).into_owned()));
            }
        }
        files.sort();
        Ok(files)
    }
}

impl Drop for Workdir {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("scenario files kept in {}", self.root.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.root);
        }
    }
}
