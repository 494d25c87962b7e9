//! A child process under test: killed when dropped, waited for with a deadline, measured.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::{HarnessError, Result};

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

/// A running child. Its stdout and stderr go to `<dir>/<name>.stdout` and `.stderr`.
#[derive(Debug)]
pub struct Proc {
    name: String,
    child: Option<Child>,
    stdout: PathBuf,
    stderr: PathBuf,
    started: Instant,
}

impl Proc {
    /// Starts `cmd` (stdin closed, output to files in `dir`).
    pub fn spawn(name: &str, mut cmd: Command, dir: &Path) -> Result<Proc> {
        let stdout = dir.join(format!("{name}.stdout"));
        let stderr = dir.join(format!("{name}.stderr"));
        let create = |p: &Path| {
            File::create(p).map_err(HarnessError::io(format!("creating {}", p.display())))
        };
        cmd.stdin(Stdio::null())
            .stdout(create(&stdout)?)
            .stderr(create(&stderr)?);
        let started = Instant::now();
        let child = cmd.spawn().map_err(HarnessError::io(format!(
            "starting {name} ({:?})",
            cmd.get_program()
        )))?;
        Ok(Proc {
            name: name.to_owned(),
            child: Some(child),
            stdout,
            stderr,
            started,
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

    /// Sends SIGINT, as Ctrl-C in a terminal does.
    pub fn interrupt(&self) -> Result<()> {
        let status = Command::new("kill")
            .args(["-INT", &self.id().to_string()])
            .status()
            .map_err(HarnessError::io("running kill -INT"))?;
        if status.success() {
            Ok(())
        } else {
            Err(HarnessError::Io {
                what: format!("kill -INT {}", self.id()),
                source: std::io::Error::other(format!("kill exited with {status}")),
            })
        }
    }

    /// What it wrote to stderr so far.
    pub fn stderr_so_far(&self) -> String {
        read_lossy(&self.stderr)
    }

    /// Waits until it exits, at most `limit` after it started; past that it is killed and this
    /// is [`HarnessError::Timeout`]. Polls `/proc` every few milliseconds for its usage.
    pub fn wait(mut self, limit: Duration) -> Result<Finished> {
        let Some(mut child) = self.child.take() else {
            return Err(HarnessError::Io {
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
                return Err(HarnessError::Timeout {
                    name: self.name.clone(),
                    limit,
                    stderr_tail: tail(&read_lossy(&self.stderr), 20),
                });
            }
            std::thread::sleep(Duration::from_millis(4));
        }
        let status = child
            .wait()
            .map_err(HarnessError::io(format!("waiting for {}", self.name)))?;
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
