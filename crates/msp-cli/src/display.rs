//! The progress display on stderr: a live line on a terminal, periodic lines otherwise.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use msp_orchestrator::{Clusters, Progress};
use tokio::sync::watch;

/// Runs until `done` flips to true.
pub(crate) async fn show(
    progress: Arc<Progress>,
    central: Clusters,
    mut done: watch::Receiver<bool>,
) {
    let terminal = std::io::stderr().is_terminal();
    let every = if terminal {
        Duration::from_millis(250)
    } else {
        Duration::from_secs(5)
    };
    let started = Instant::now();
    let (mut last_requests, mut last_at) = (0u64, Instant::now());
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = done.wait_for(|d| *d) => break,
        }
        let p = progress.snapshot();
        let requests: u64 = central
            .iter()
            .map(|c| c.client.api_client().totals().requests)
            .sum();
        let rate = (requests - last_requests) as f64 / last_at.elapsed().as_secs_f64().max(0.001);
        (last_requests, last_at) = (requests, Instant::now());
        let finished = p.ok + p.failed + p.skipped;
        let line = format!(
            "{} {finished}/{} tenants ({} failed) | {} records | {rate:.0} req/s | {:.0}s",
            bar(finished, p.listed),
            p.listed,
            p.failed,
            p.records,
            started.elapsed().as_secs_f64()
        );
        let mut err = std::io::stderr().lock();
        let _ = if terminal {
            write!(err, "\r\x1b[2K{line}")
        } else {
            writeln!(err, "progress: {line}")
        };
        let _ = err.flush();
    }
    if terminal {
        let _ = write!(std::io::stderr(), "\r\x1b[2K");
    }
}

fn bar(done: u64, total: u64) -> String {
    const WIDTH: usize = 24;
    let filled = if total == 0 {
        0
    } else {
        (done as usize * WIDTH / total as usize).min(WIDTH)
    };
    format!("[{}{}]", "#".repeat(filled), "-".repeat(WIDTH - filled))
}
