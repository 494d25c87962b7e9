//! [`Notifier`]: tells webhooks what changed after each run (a device went offline or came
//! back, a new critical alert, a tenant failing twice in a row), each event once per webhook,
//! across restarts (the keys sent are recorded in the store), retried with backoff.

mod events;
mod format;

use std::collections::BTreeSet;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use glp_transport::{Sleeper, TokioSleeper};
use msp_orchestrator::msp_store::{RunId, Store, StoreError, StoreLocation};

pub use events::{Event, EventKind, events};
pub use format::NotifyFormat;

/// Attempts per delivery (the first and four retries, 1, 2, 4 and 8 s apart).
const ATTEMPTS: u32 = 5;
/// Events per request.
const BATCH: usize = 100;
/// Runs whose delivery failed, kept to be tried again after the next run.
const MAX_PENDING: usize = 10;

/// A webhook: its URL (kept out of every message: a Slack or Teams webhook URL is a secret),
/// the shape of its body, and the digest that names it in the store.
pub struct Target {
    url: reqwest::Url,
    format: NotifyFormat,
    id: String,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("id", &self.id)
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

/// FNV-1a (64 bits) of `text`, in hex: a stable name for a URL that does not reveal it.
fn digest(text: &str) -> String {
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{hash:016x}")
}

impl Target {
    /// The webhook at `url`: https, or plain http on a loopback host (a local receiver), with
    /// no user or password in it. The error never shows the URL.
    pub fn parse(url: &str, format: NotifyFormat) -> Result<Self, String> {
        let bad = "--notify: a webhook URL is https://HOST/... (plain http only on a loopback \
                   host), with no user or password in it";
        let parsed = reqwest::Url::parse(url.trim()).map_err(|_| bad.to_owned())?;
        let mut base = parsed.clone();
        base.set_query(None);
        base.set_fragment(None);
        glp_core::BaseUrl::parse(base.as_str()).map_err(|_| bad.to_owned())?;
        glp_core::text::register_secret(parsed.as_str());
        Ok(Self {
            id: digest(parsed.as_str()),
            url: parsed,
            format,
        })
    }
}

/// How the notifications of a run went.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivered {
    /// Events delivered (counted once per webhook).
    pub sent: usize,
    /// Events that could not be delivered (they are tried again after the next run).
    pub failed: usize,
}

/// Sends the events of the runs to the webhooks.
pub struct Notifier {
    targets: Vec<Target>,
    http: reqwest::Client,
    sleeper: Arc<dyn Sleeper>,
    pending: Mutex<BTreeSet<RunId>>,
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifier")
            .field("targets", &self.targets)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Notifier {
    /// A notifier of `targets`, waiting between attempts on tokio's clock.
    pub fn new(targets: Vec<Target>) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            .user_agent(glp_transport::USER_AGENT)
            .build()
            .map_err(|e| format!("cannot build the webhooks' HTTP client: {e}"))?;
        Ok(Self {
            targets,
            http,
            sleeper: Arc::new(TokioSleeper),
            pending: Mutex::new(BTreeSet::new()),
        })
    }

    /// The same, waiting between attempts with `sleeper` (a test's recorder).
    #[must_use]
    pub fn with_sleeper(self, sleeper: Arc<dyn Sleeper>) -> Self {
        Self { sleeper, ..self }
    }

    /// Sends the events of the newest finished run in the store at `db` (and of the runs whose
    /// delivery failed before) that a webhook has not had yet, and records them as sent.
    pub async fn notify_newest(
        &self,
        db: impl Into<StoreLocation>,
    ) -> Result<Delivered, StoreError> {
        let db: StoreLocation = db.into();
        let path = db.clone();
        let newest = blocking(move || Store::open(&path)?.finished_run_before(RunId::MAX)).await?;
        let mut runs = lock(&self.pending).clone();
        runs.extend(newest);
        let mut total = Delivered::default();
        for run in runs {
            let delivered = self.notify_run(db.clone(), run).await?;
            let mut pending = lock(&self.pending);
            if delivered.failed == 0 {
                pending.remove(&run);
            } else {
                pending.insert(run);
                while pending.len() > MAX_PENDING {
                    pending.pop_first();
                }
            }
            total.sent += delivered.sent;
            total.failed += delivered.failed;
        }
        Ok(total)
    }

    async fn notify_run(&self, db: StoreLocation, run: RunId) -> Result<Delivered, StoreError> {
        let ids: Vec<String> = self.targets.iter().map(|t| t.id.clone()).collect();
        let path = db.clone();
        let (events, sent) = blocking(move || {
            let store = Store::open(&path)?;
            let events = events(&store, run)?;
            let sent = ids
                .iter()
                .map(|id| store.sent_notifications(id, run))
                .collect::<Result<Vec<_>, _>>()?;
            Ok((events, sent))
        })
        .await?;
        let mut delivered = Delivered::default();
        for (target, sent) in self.targets.iter().zip(sent) {
            let unsent: Vec<&Event> = events.iter().filter(|e| !sent.contains(&e.key)).collect();
            for batch in unsent.chunks(BATCH) {
                let batch: Vec<Event> = batch.iter().map(|e| (*e).clone()).collect();
                if self.post(target, &batch).await {
                    let (path, id) = (db.clone(), target.id.clone());
                    let keys: Vec<String> = batch.iter().map(|e| e.key.clone()).collect();
                    blocking(move || {
                        Store::open(&path)?.record_notifications(
                            &id,
                            run,
                            keys.iter().map(String::as_str),
                        )
                    })
                    .await?;
                    delivered.sent += batch.len();
                } else {
                    delivered.failed += batch.len();
                }
            }
        }
        Ok(delivered)
    }

    /// Posts `events` to `target`, retrying a connection failure, 408, 429 or 5xx with backoff;
    /// whether it was accepted (2xx).
    async fn post(&self, target: &Target, events: &[Event]) -> bool {
        let body = format::body(target.format, events);
        let mut wait = Duration::from_secs(1);
        for attempt in 1..=ATTEMPTS {
            let why = match self.http.post(target.url.clone()).json(&body).send().await {
                Ok(answer) if answer.status().is_success() => return true,
                Ok(answer) => {
                    let status = answer.status().as_u16();
                    if !matches!(status, 408 | 429 | 500..=599) {
                        eprintln!(
                            "warning: webhook {} refused {} events: HTTP {status}; not retried",
                            target.id,
                            events.len()
                        );
                        return false;
                    }
                    format!("HTTP {status}")
                }
                Err(e) => glp_core::text::redact(&e.without_url().to_string()).into_owned(),
            };
            if attempt == ATTEMPTS {
                eprintln!(
                    "warning: webhook {} did not take {} events after {ATTEMPTS} attempts ({why}); \
                     they are tried again after the next run",
                    target.id,
                    events.len()
                );
                return false;
            }
            self.sleeper.sleep(wait).await;
            wait *= 2;
        }
        false
    }
}

/// Runs `f` (SQLite) off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| Err(StoreError::Corrupt(format!("a store task stopped: {e}"))))
}

#[cfg(test)]
mod tests;
