//! `serve`: `snapshot` on a schedule, and `/metrics`, `/healthz` and `/readyz` over HTTP, until
//! SIGTERM or Ctrl-C.

use msp_orchestrator::msp_store::StoreLocation;
use std::sync::Arc;

use msp_orchestrator::msp_store::{PruneBy, Store};
use msp_orchestrator::{Cancel, StopLevel, one_line};
use msp_serve::{Dashboard, Metrics, Notifier, RunOutcome, Schedule, Server, Target, Token};

use crate::args::GlobalArgs;
use crate::args::serve::ServeArgs;
use crate::commands::snapshot::{run_snapshot, specs};
use crate::commands::store::db_path;
use crate::settings::{self, Settings};
use crate::{EXIT_FATAL, EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE};

/// `serve`. Exit 0 once stopped by a signal; 1 or 2 when it cannot start.
pub(crate) async fn serve(global: &GlobalArgs, args: &ServeArgs, cancel: &Cancel) -> u8 {
    let db = match db_path(&args.db, global) {
        Ok(db) => db,
        Err(e) => {
            eprintln!("error: {e:#}");
            return EXIT_USAGE;
        }
    };
    // Everything that can be checked before the first run is, so a mistake stops here.
    if !args.resources.is_empty() && specs(&args.resources).is_none() {
        return EXIT_USAGE;
    }
    if let Err(e) = settings::resolve(global) {
        eprintln!("error: {e}");
        return EXIT_FATAL;
    }
    let token = match args.token_file.as_deref().map(Token::from_file).transpose() {
        Ok(token) => token,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    if let Err(e) = msp_serve::check_listen(args.listen, token.as_ref()) {
        eprintln!("error: {e}");
        return EXIT_USAGE;
    }
    let notifier = match notifier(args) {
        Ok(notifier) => notifier.map(Arc::new),
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    let metrics = match Metrics::open(&db) {
        Ok(metrics) => Arc::new(metrics),
        Err(e) => {
            eprintln!("error: cannot open the store {}: {e}", db);
            return EXIT_USAGE;
        }
    };
    let dashboard = match Dashboard::open(&db) {
        Ok(dashboard) => Arc::new(dashboard),
        Err(e) => {
            eprintln!("error: cannot open the store {}: {e}", db);
            return EXIT_USAGE;
        }
    };
    let server = match Server::bind(args.listen, token, metrics.clone(), dashboard.clone()).await {
        Ok(server) => server,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_FATAL;
        }
    };
    let schedule = Schedule::every(args.every);
    let addr = server
        .local_addr()
        .map_or_else(|_| args.listen.to_string(), |a| a.to_string());
    eprintln!(
        "serving http://{addr}/ (the dashboard), /metrics, /healthz and /readyz; a snapshot into {} now and every \
         {} s (up to {} s late)",
        db,
        schedule.interval().as_secs(),
        schedule.max_jitter().as_secs()
    );
    let stop = cancel.clone();
    let http = tokio::spawn(server.serve(async move { stop.reached(StopLevel::Drain).await }));
    let retention = match (args.keep, args.older_than) {
        (Some(n), _) => Some(PruneBy::Keep(n)),
        (None, Some(days)) => Some(PruneBy::OlderThanDays(days)),
        (None, None) => None,
    };
    // Events of the newest run a stopped process may not have sent (each is sent once).
    if let Some(notifier) = &notifier {
        notify(notifier, &db, &metrics, cancel).await;
    }
    let mut rng = fastrand::Rng::new();
    msp_serve::run_on_schedule(schedule, &mut rng, cancel, || {
        let (metrics, db, notifier) = (metrics.clone(), db.clone(), notifier.clone());
        let run = Run {
            resources: &args.resources,
            db,
            retention,
            notifier,
            metrics,
            dashboard: dashboard.clone(),
        };
        run.once(
            || settings::resolve(global).map_err(|e| e.to_string()),
            cancel,
        )
    })
    .await;
    match http.await {
        Ok(Ok(())) => {
            eprintln!("stopped");
            EXIT_OK
        }
        Ok(Err(e)) => {
            eprintln!("error: {e}");
            EXIT_FATAL
        }
        Err(e) => {
            eprintln!(
                "error: the HTTP server stopped: {}",
                msp_orchestrator::join_error_text(e)
            );
            EXIT_FATAL
        }
    }
}

/// One run of `serve`, and what follows it.
struct Run<'a> {
    /// The snapshot's resources (empty: the default).
    resources: &'a [String],
    db: StoreLocation,
    /// `--keep` or `--older-than`.
    retention: Option<PruneBy>,
    notifier: Option<Arc<Notifier>>,
    metrics: Arc<Metrics>,
    /// Its overview page is computed after each run too.
    dashboard: Arc<Dashboard>,
}

impl Run<'_> {
    /// A snapshot with the settings `settings` gives (resolved again for each run), then the
    /// retention, the notifications, and the run's metrics and overview page computed (not by the
    /// next request).
    async fn once(self, settings: impl FnOnce() -> Result<Settings, String>, cancel: &Cancel) {
        let Run {
            resources,
            db,
            retention,
            notifier,
            metrics,
            dashboard,
        } = self;
        metrics.run_started();
        let code = match settings() {
            Ok(settings) => run_snapshot(settings, resources, None, db.clone(), true, cancel).await,
            Err(e) => {
                eprintln!("error: {e}");
                EXIT_FATAL
            }
        };
        let outcome = match code {
            EXIT_OK => RunOutcome::Complete,
            _ if cancel.level() >= StopLevel::Drain => RunOutcome::Interrupted,
            EXIT_SOME_FAILED => RunOutcome::Partial,
            _ => RunOutcome::Failed,
        };
        if let Some(by) = retention {
            prune(&db, by).await;
        }
        if let Some(notifier) = &notifier {
            notify(notifier, &db, &metrics, cancel).await;
        }
        // The run's metrics and overview page computed now, not by the next request.
        let refresh = metrics.clone();
        match tokio::task::spawn_blocking(move || {
            refresh.refresh()?;
            dashboard.overview_html().map(drop)
        })
        .await
        {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("warning: metrics: {}", one_line(&e.to_string())),
            Err(e) => eprintln!("warning: metrics: {}", msp_orchestrator::join_error_text(e)),
        }
        metrics.run_ended(outcome);
    }
}

/// Deletes the runs `by` chooses, as `prune` does (a run being written is kept).
async fn prune(db: &StoreLocation, by: PruneBy) {
    let db = db.clone();
    let pruned = tokio::task::spawn_blocking(move || Store::open(&db)?.prune(by)).await;
    match pruned {
        Ok(Ok(p)) if p.runs > 0 => eprintln!(
            "pruned {} old runs and {} stored items no remaining run uses",
            p.runs, p.payloads
        ),
        Ok(Ok(_)) => {}
        Ok(Err(e)) => eprintln!("warning: prune: {}", one_line(&e.to_string())),
        Err(e) => eprintln!("warning: prune: {}", msp_orchestrator::join_error_text(e)),
    }
}

/// The webhooks of `--notify`, if any.
fn notifier(args: &ServeArgs) -> Result<Option<Notifier>, String> {
    let urls: Vec<&String> = args
        .notify
        .iter()
        .filter(|u| !u.trim().is_empty())
        .collect();
    if urls.is_empty() {
        return Ok(None);
    }
    let targets = urls
        .into_iter()
        .map(|url| Target::parse(url, args.notify_format))
        .collect::<Result<Vec<_>, _>>()?;
    Notifier::new(targets).map(Some)
}

/// Sends the newest run's events to the webhooks (a failure is a warning: they are tried
/// again after the next run). A stop abandons it: what was not sent is sent at the next start.
async fn notify(notifier: &Notifier, db: &StoreLocation, metrics: &Metrics, cancel: &Cancel) {
    let delivered = tokio::select! {
        biased;
        _ = cancel.reached(StopLevel::Drain) => return,
        delivered = notifier.notify_newest(db) => delivered,
    };
    match delivered {
        Ok(d) => {
            if d.sent > 0 {
                eprintln!("notified {} events", d.sent);
            }
            metrics.notified(d.sent, d.failed);
        }
        Err(e) => eprintln!("warning: notifications: {}", one_line(&e.to_string())),
    }
}

#[cfg(test)]
mod soak;
