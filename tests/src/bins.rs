//! Where the binaries under test are.

use std::path::{Path, PathBuf};

use crate::{HarnessError, Result};

/// The environment variable naming the directory of the binaries under test.
pub const BIN_DIR_ENV: &str = "GLP_MSP_BIN_DIR";

/// The two binaries under test.
#[derive(Debug, Clone)]
pub struct Bins {
    /// `platform-sim`.
    pub sim: PathBuf,
    /// `msp-orchestrator`.
    pub orchestrator: PathBuf,
}

impl Bins {
    /// From `GLP_MSP_BIN_DIR` when set, else from the cargo profile directory that holds the
    /// running executable (`target/<profile>/deps/<test>` → `target/<profile>`).
    ///
    /// `cargo test --workspace` builds both binaries before running any test, so they are fresh
    /// there; `cargo xtask integration` builds them explicitly first.
    pub fn locate() -> Result<Bins> {
        if let Some(dir) = std::env::var_os(BIN_DIR_ENV) {
            return Bins::in_dir(Path::new(&dir));
        }
        let exe = std::env::current_exe().map_err(HarnessError::io("finding the test binary"))?;
        let mut dir = exe.parent().map(Path::to_path_buf).unwrap_or_default();
        if dir.ends_with("deps") {
            dir.pop();
        }
        Bins::in_dir(&dir)
    }

    /// The binaries in `dir`; both must exist.
    pub fn in_dir(dir: &Path) -> Result<Bins> {
        let exe = |name: &str| dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
        let bins = Bins {
            sim: exe("platform-sim"),
            orchestrator: exe("msp-orchestrator"),
        };
        for path in [&bins.sim, &bins.orchestrator] {
            if !path.is_file() {
                return Err(HarnessError::MissingBinary(path.clone()));
            }
        }
        Ok(bins)
    }
}
