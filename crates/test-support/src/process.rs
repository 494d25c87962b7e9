//! A child process under test: its output in files, killed when dropped, waited for with a
//! deadline, signalled, and measured (peak RSS and CPU time from `/proc` on Linux).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// What can go wrong running a child (not in the child itself).
#[derive(Debug, thiserror::Error)]
pub enum ProcError {
    /// Creating its files, starting it, waiting for it or signalling it failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The cause.
        source: std::io::Error,
    },
    /// It did not finish in time; it was killed.
    #[error(
        "{name} did not finish within {limit:?} and was killed; its stderr ends with:\n{stderr_tail}"
    )]
    Timeout {
        /// Its name.
        name: String,
        /// The deadline.
        limit: Duration,
        /// The last lines it wrote to stderr.
        stderr_tail: String,
        /// Everything it wrote to stdout.
        stdout: String,
        /// Everything it wrote to stderr.
        stderr: String,
    },
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> ProcError {
    let what = what.into();
    move |source| ProcError::Io { what, source }
}

/// Resources a process used, read from `/proc/<pid>` while it ran (Linux only; `None`
/// elsewhere).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Usage {
    /// Peak resident set size (`VmHWM`), in KiB.
    pub peak_rss_kib: Option<u64>,
    /// User + system CPU time.
    pub cpu: Option<Duration>,
}

/// A process that has exited.
#[derive(Debug, Clone)]
pub struct Finished {
    /// Its exit code (`None` when a signal ended it).
    pub code: Option<i32>,
    /// Everything it wrote to stdout (lossy UTF-8).
    pub stdout: String,
    /// Everything it wrote to stderr (lossy UTF-8).
    pub stderr: String,
    /// From spawn to exit.
    pub elapsed: Duration,
    /// What it used.
    pub usage: Usage,
}

impl Finished {
    /// Asserts the exit code, showing the end of stderr when it differs.
    #[track_caller]
    pub fn assert_code(&self, code: i32) -> &Finished {
        assert_eq!(
            self.code,
            Some(code),
            "exit code; stderr ends with:\n{}",
            tail(&self.stderr, 40)
        );
        self
    }

    /// The lines of stdout.
    pub fn stdout_lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }

    /// Each line of stdout parsed as JSON (JSON Lines); panics on a line that is not.
    #[track_caller]
    pub fn stdout_json_lines(&self) -> Vec<serde_json::Value> {
        self.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l:?}")))
            .collect()
    }
}

/// A running child. Its stdout and stderr go to `<dir>/<name>.stdout` and `.stderr`.
#[derive(Debug)]
pub struct Proc {
    name: String,
    child: Option<Child>,
    stdout: PathBuf,
    stderr: PathBuf,
    started: Instant,
    /// The directory of its files when the process owns it.
    _dir: Option<tempfile::TempDir>,
}

impl Proc {
    /// Starts `cmd` (stdin closed unless `cmd` sets it, output to files in `dir`).
    pub fn spawn(name: &str, cmd: Command, dir: &Path) -> Result<Proc, ProcError> {
        Proc::spawn_with(name, cmd, dir, None)
    }

    /// Starts `cmd` with its output in files of a temporary directory that lives as long as
    /// the process value, and `stdin` as its standard input (empty: closed).
    pub fn spawn_temp(name: &str, cmd: Command, stdin: Option<&[u8]>) -> Result<Proc, ProcError> {
        let dir = crate::temp_dir("proc");
        let mut cmd = cmd;
        if let Some(bytes) = stdin {
            let path = dir.path().join(format!("{name}.stdin"));
            std::fs::write(&path, bytes).map_err(io(format!("writing {}", path.display())))?;
            let file = File::open(&path).map_err(io(format!("opening {}", path.display())))?;
            cmd.stdin(file);
        } else {
            cmd.stdin(Stdio::null());
        }
        let path = dir.path().to_path_buf();
        Proc::spawn_with(name, cmd, &path, Some(dir))
    }

    fn spawn_with(
        name: &str,
        mut cmd: Command,
        dir: &Path,
        owned: Option<tempfile::TempDir>,
    ) -> Result<Proc, ProcError> {
        let stdout = dir.join(format!("{name}.stdout"));
        let stderr = dir.join(format!("{name}.stderr"));
        let create = |p: &Path| File::create(p).map_err(io(format!("creating {}", p.display())));
        if owned.is_none() {
            cmd.stdin(Stdio::null());
        }
        cmd.stdout(create(&stdout)?).stderr(create(&stderr)?);
        let started = Instant::now();
        let child = cmd
            .spawn()
            .map_err(io(format!("starting {name} ({:?})", cmd.get_program())))?;
        Ok(Proc {
            name: name.to_owned(),
            child: Some(child),
            stdout,
            stderr,
            started,
            _dir: owned,
        })
    }

    /// The process id.
    pub fn id(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// Whether it has exited (without reaping it on Linux, so its usage can still be read).
    pub fn has_exited(&mut self) -> bool {
        match self.child.as_mut() {
            None => true,
            Some(child) => match read_stat(child.id()) {
                Some((state, _)) => matches!(state, 'Z' | 'X'),
                None => !matches!(child.try_wait(), Ok(None)),
            },
        }
    }

    /// Sends `signal` (`-TERM`, `-INT`, ...) with `kill`.
    pub fn signal(&self, signal: &str) -> Result<(), ProcError> {
        let status = Command::new("kill")
            .args([signal, &self.id().to_string()])
            .status()
            .map_err(io(format!("running kill {signal}")))?;
        if status.success() {
            Ok(())
        } else {
            Err(ProcError::Io {
                what: format!("kill {signal} {}", self.id()),
                source: std::io::Error::other(format!("kill exited with {status}")),
            })
        }
    }

    /// Sends SIGINT, as Ctrl-C in a terminal does.
    pub fn interrupt(&self) -> Result<(), ProcError> {
        self.signal("-INT")
    }

    /// What it wrote to stderr so far.
    pub fn stderr_so_far(&self) -> String {
        read_lossy(&self.stderr)
    }

    /// What it wrote to stdout so far.
    pub fn stdout_so_far(&self) -> String {
        read_lossy(&self.stdout)
    }

    /// Waits until it exits, at most `limit` after it started; past that it is killed and this
    /// is [`ProcError::Timeout`]. Polls `/proc` every few milliseconds for its usage.
    pub fn wait(mut self, limit: Duration) -> Result<Finished, ProcError> {
        let Some(mut child) = self.child.take() else {
            return Err(ProcError::Io {
                what: format!("waiting for {}", self.name),
                source: std::io::Error::other("it was already waited for"),
            });
        };
        let pid = child.id();
        let mut usage = Usage::default();
        let hz = clock_ticks();
        loop {
            let exited = match read_stat(pid) {
                Some((state, ticks)) => {
                    usage.cpu = Some(Duration::from_secs_f64(ticks as f64 / hz));
                    if let Some(kib) = read_hwm(pid) {
                        usage.peak_rss_kib = Some(usage.peak_rss_kib.unwrap_or(0).max(kib));
                    }
                    matches!(state, 'Z' | 'X')
                }
                None => !matches!(child.try_wait(), Ok(None)),
            };
            if exited {
                break;
            }
            if self.started.elapsed() > limit {
                let _ = child.kill();
                let _ = child.wait();
                let stderr = read_lossy(&self.stderr);
                return Err(ProcError::Timeout {
                    name: self.name.clone(),
                    limit,
                    stderr_tail: tail(&stderr, 20),
                    stdout: read_lossy(&self.stdout),
                    stderr,
                });
            }
            std::thread::sleep(Duration::from_millis(4));
        }
        let status = child
            .wait()
            .map_err(io(format!("waiting for {}", self.name)))?;
        Ok(Finished {
            code: status.code(),
            stdout: read_lossy(&self.stdout),
            stderr: read_lossy(&self.stderr),
            elapsed: self.started.elapsed(),
            usage,
        })
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn read_lossy(path: &Path) -> String {
    std::fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

/// The last `n` lines of `text`.
pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// State letter and user + system CPU ticks from `/proc/<pid>/stat`.
fn read_stat(pid: u32) -> Option<(char, u64)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // "pid (comm) S ppid ...": comm may hold spaces and parentheses; fields follow the last ')'.
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let state = fields.first()?.chars().next()?;
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((state, utime + stime))
}

/// This process's peak resident set size so far (`VmHWM`), in KiB; `None` where there is no
/// `/proc` (not Linux).
pub fn own_peak_rss_kib() -> Option<u64> {
    read_hwm(std::process::id())
}

/// `VmHWM` from `/proc/<pid>/status`, in KiB.
fn read_hwm(pid: u32) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = text.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Clock ticks per second (`getconf CLK_TCK`, else the usual 100).
fn clock_ticks() -> f64 {
    static HZ: OnceLock<f64> = OnceLock::new();
    *HZ.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .filter(|hz: &f64| *hz > 0.0)
            .unwrap_or(100.0)
    })
}
