//! The cost of `/metrics` at scale, for `cargo xtask bench` (issue 23: a scrape under 100 ms at
//! 5,000 tenants from the store). `metrics-bench DB [SCRAPES]` opens the store at DB (filled
//! by `msp-store`'s `store-bench write`), times `Metrics::refresh` (what `serve` runs after
//! each run: the store's part computed and cached) and the two store queries that dominate it,
//! then serves `/metrics` with `msp-serve`'s own HTTP server on 127.0.0.1 and times SCRAPES
//! scrapes (default 100) over HTTP, one connection each. Prints one JSON object.
#![allow(clippy::print_stdout, missing_docs)]

use std::error::Error;
use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use msp_orchestrator::msp_store::Store;
use msp_serve::{Dashboard, Metrics, Server};

type Res<T> = Result<T, Box<dyn Error>>;

/// `GET /metrics` on `addr` over a new connection: the body (an error unless 200).
fn scrape(addr: SocketAddr) -> Res<String> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        stream,
        "GET /metrics HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    let (head, body) = answer.split_once("\r\n\r\n").ok_or("no HTTP head")?;
    if head.split_whitespace().nth(1) != Some("200") {
        return Err(format!("/metrics answered {head}").into());
    }
    Ok(body.to_owned())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() -> Res<()> {
    let mut args = std::env::args().skip(1);
    let db = std::path::PathBuf::from(args.next().ok_or("usage: metrics-bench DB [SCRAPES]")?);
    let scrapes: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(100);

    let store = Store::open(&db)?;
    let t = Instant::now();
    let status_rows = store.status(None, None)?.len();
    let status_ms = ms(t.elapsed());
    let t = Instant::now();
    let tenants = store.tenant_health()?.len();
    let health_ms = ms(t.elapsed());
    drop(store);

    let metrics = Arc::new(Metrics::open(&db)?);
    let t = Instant::now();
    metrics.refresh()?;
    let refresh_ms = ms(t.elapsed());

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let dashboard = Arc::new(Dashboard::open(&db)?);
    let server = runtime.block_on(Server::bind(
        "127.0.0.1:0".parse()?,
        None,
        metrics.clone(),
        dashboard,
    ))?;
    let addr = server.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = runtime.spawn(server.serve(async {
        let _ = stopped.await;
    }));
    let mut times = Vec::with_capacity(scrapes);
    let mut body = String::new();
    for _ in 0..scrapes.max(1) {
        let t = Instant::now();
        body = scrape(addr)?;
        times.push(t.elapsed());
    }
    let _ = stop.send(());
    runtime.block_on(serving)??;
    times.sort();
    let median = times[times.len() / 2];
    let p95 = times[(times.len() * 95).div_ceil(100) - 1];
    let series = body
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .count();
    println!(
        "{}",
        serde_json::json!({
            "tenants": tenants,
            "status_rows": status_rows,
            "status_ms": status_ms,
            "health_ms": health_ms,
            "refresh_ms": refresh_ms,
            "scrapes": times.len(),
            "scrape_median_ms": ms(median),
            "scrape_p95_ms": ms(p95),
            "scrape_max_ms": ms(times[times.len() - 1]),
            "bytes": body.len(),
            "series": series,
        })
    );
    Ok(())
}
