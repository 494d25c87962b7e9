//! What the tests of glp-msp share, so that each kind of fixture is written once:
//!
//! - [`http::Server`]: a scripted HTTP server (axum on `127.0.0.1:0`, on its own runtime) with
//!   ordered replies per route or for any request, a handler for stateful fakes, and every
//!   request recorded (method, path, query, headers, body) for assertions.
//! - [`raw::RawServer`]: a raw-TCP server for what an HTTP framework will not produce: a
//!   connection closed at once or after the request, bodies cut short, bad chunking, a huge
//!   `Content-Length`.
//! - [`cli::Cli`]: the `msp-orchestrator` binary under test, with a cleared environment pointed
//!   at a simulator or a scripted server ([`cli::Target`]), arguments, stdin and a deadline;
//!   [`process::Proc`] runs it (or any child) with its output in files, a deadline and its
//!   peak memory measured.
//! - [`mock::exact_get`]: an httpmock `GET` matcher for an exact query and given headers.
//! - [`Captured`]: an in-memory `io::Write` to capture logs into and search.
//! - [`waits::Waits`]: the waits a retry loop asked for, recorded instead of slept.
//! - [`TempDir`]: a temporary directory removed when dropped.
//! - [`guide_example`]: an example of `docs/guide.md`, as the guide has it.
//! - [`skip()`]: a test that cannot run here says so and is recorded, so `cargo xtask test`
//!   counts it as skipped, not passed.
//!
//! Everything here listens on loopback addresses only and stops with the value that owns it.

pub mod captured;
pub mod cli;
pub mod http;
pub mod lost;
pub mod mock;
pub mod postgres;
pub mod process;
pub mod raw;
pub mod sent;
pub mod skip;
pub mod waits;

pub use captured::Captured;
pub use cli::{Cli, Target};
pub use http::{Recorded, Reply, Server};
pub use process::{Finished, Proc, ProcError, Usage, tail};
pub use raw::{RawReply, RawServer, refused_url};
pub use skip::skip;
pub use tempfile::TempDir;

/// A fresh temporary directory (removed when the value is dropped) whose name starts with
/// `glp-msp-<prefix>-`, so a leftover one can be traced to its test.
pub fn temp_dir(prefix: &str) -> TempDir {
    tempfile::Builder::new()
        .prefix(&format!("glp-msp-{prefix}-"))
        .tempdir()
        .unwrap_or_else(|e| panic!("creating a temporary directory for {prefix}: {e}"))
}

/// The text of `docs/guide.md` between `open` and the next `close` after the first place that
/// says `heading`: an example, exactly as the guide has it. Panics if there is none.
pub fn guide_example(heading: &str, open: &str, close: &str) -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/guide.md");
    let guide = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let at = guide
        .find(heading)
        .unwrap_or_else(|| panic!("the guide has no {heading:?}"));
    let rest = &guide[at..];
    let start = rest
        .find(open)
        .unwrap_or_else(|| panic!("no {open:?} after {heading:?} in the guide"))
        + open.len();
    let end = rest[start..]
        .find(close)
        .unwrap_or_else(|| panic!("no {close:?} closes the example of {heading:?}"));
    rest[start..start + end].to_owned()
}

/// The runtime of one server: two workers, all drivers, stopped in the background when
/// dropped (so dropping it inside another runtime is allowed).
#[derive(Debug)]
struct OwnRuntime(Option<tokio::runtime::Runtime>);

impl OwnRuntime {
    fn new(what: &str) -> OwnRuntime {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name(format!("test-support-{what}"))
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("starting a runtime for the {what}: {e}"));
        OwnRuntime(Some(rt))
    }

    fn handle(&self) -> &tokio::runtime::Handle {
        match &self.0 {
            Some(rt) => rt.handle(),
            None => unreachable!("the runtime lives until drop"),
        }
    }
}

impl Drop for OwnRuntime {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

/// Binds the first address of `addrs` that can be bound (`127.0.0.2:0` is not bindable
/// everywhere), as a non-blocking std listener that any runtime can adopt.
fn bind_first(addrs: &[&str]) -> std::net::TcpListener {
    let mut last = None;
    for addr in addrs {
        match std::net::TcpListener::bind(addr) {
            Ok(listener) => {
                listener
                    .set_nonblocking(true)
                    .unwrap_or_else(|e| panic!("{addr}: set_nonblocking: {e}"));
                return listener;
            }
            Err(e) => last = Some(e),
        }
    }
    panic!("binding one of {addrs:?}: {last:?}")
}
