//! [`JobPart`]: one resource of a tenant's job, which fails alone, and [`PartOutcome`]: how it
//! ended, in the tenant's outcome.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use futures::StreamExt;
use futures::stream::BoxStream;
use glp_auth::text::redact;
use glp_transport::ApiError;
use serde::Serialize;
use tokio::sync::mpsc;

use crate::engine::{JobEnd, credential_refused};
use crate::{Progress, Record, TenantStatus};

/// One part of a tenant's job (a resource): its records are read until they end or until the
/// first error, and a part that fails does not stop the parts after it
/// ([`TenantJob::parts`](crate::TenantJob::parts)).
pub struct JobPart {
    /// The part's name in the report: the resource as the user named it (empty for a job
    /// that is one unnamed part).
    pub name: String,
    /// The part's records.
    pub records: BoxStream<'static, Result<Record, ApiError>>,
}

impl JobPart {
    /// `parts`' records one part after the other, as one stream: a job's
    /// [`run`](crate::TenantJob::run) when it is made of its [`parts`](crate::TenantJob::parts).
    pub fn in_sequence(parts: Vec<JobPart>) -> BoxStream<'static, Result<Record, ApiError>> {
        futures::stream::iter(parts.into_iter().map(|part| part.records))
            .flatten()
            .boxed()
    }
}

impl std::fmt::Debug for JobPart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobPart")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// How one part (resource) of a tenant's job ended: `ok`, `failed` (kind and message) or
/// `skipped` (not started: the run or the tenant stopped first), with its records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartOutcome {
    /// The resource.
    pub resource: String,
    /// How it ended.
    #[serde(flatten)]
    pub status: TenantStatus,
    /// Records written for it.
    pub records: u64,
}

/// The reason of a part that did not start because its tenant stopped first.
const PART_NOT_STARTED: &str = "not started: the tenant's job stopped before it";

/// The parts of a tenant as one line of the summary: `aps ok (12 records), device-inventory
/// failed [not_found]`; empty when the job had fewer than two parts.
pub(crate) fn parts_line(parts: &[PartOutcome]) -> String {
    if parts.len() < 2 {
        return String::new();
    }
    parts
        .iter()
        .map(|p| {
            let resource = glp_core::text::escape_control(&p.resource);
            match &p.status {
                TenantStatus::Ok => format!(
                    "{resource} ok ({})",
                    crate::table::count(p.records, "record", "records")
                ),
                TenantStatus::Failed { kind, .. } => format!(
                    "{resource} failed [{}] after {}",
                    glp_core::text::escape_control(kind),
                    crate::table::count(p.records, "record", "records")
                ),
                TenantStatus::Skipped { .. } | TenantStatus::NoCluster { .. } => {
                    format!("{resource} not started")
                }
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs the `parts` of one tenant's job in order, sending their records into `out` (counted
/// in `counter` and `progress`) and noting each named part's outcome in `outcomes`: a part that
/// fails does not stop the next, unless the MSP credential was refused (the rest are noted
/// as not started). The job ends with the first error, and the part it came from.
pub(crate) async fn run_parts(
    parts: Vec<JobPart>,
    out: &mpsc::Sender<Record>,
    counter: &AtomicU64,
    progress: &Progress,
    outcomes: &Mutex<Vec<PartOutcome>>,
) -> JobEnd {
    let names: Vec<String> = parts.iter().map(|p| p.name.clone()).collect();
    let mut first: Option<(ApiError, String)> = None;
    for (i, part) in parts.into_iter().enumerate() {
        let (name, mut items) = (part.name, part.records);
        let mut records = 0;
        let mut failed = None;
        while let Some(item) = items.next().await {
            match item {
                Err(e) => {
                    failed = Some(e);
                    break;
                }
                Ok(record) => {
                    // A completion mark (MarkedJob) is not a record.
                    let mark = crate::completed_resource(&record).is_some();
                    if out.send(record).await.is_err() {
                        return JobEnd::OutputClosed;
                    }
                    if !mark {
                        records += 1;
                        counter.fetch_add(1, Ordering::Relaxed);
                        progress.records.add_one();
                    }
                }
            }
        }
        let status = match &failed {
            None => TenantStatus::Ok,
            Some(e) => TenantStatus::Failed {
                kind: e.kind().into(),
                message: redact(&e.to_string()).into_owned(),
            },
        };
        note_part(outcomes, &name, status, records);
        let Some(e) = failed else { continue };
        // A refused credential fails every part alike: the rest do not start.
        let stop = credential_refused(&e);
        first.get_or_insert((e, name));
        if stop {
            for rest in names.iter().skip(i + 1) {
                let reason = PART_NOT_STARTED.into();
                note_part(outcomes, rest, TenantStatus::Skipped { reason }, 0);
            }
            break;
        }
    }
    match first {
        Some((e, part)) => JobEnd::Failed(e, part),
        None => JobEnd::Done,
    }
}

/// Notes how the part `name` of a job ended (an unnamed part, a job's whole run, is not noted).
fn note_part(outcomes: &Mutex<Vec<PartOutcome>>, name: &str, status: TenantStatus, records: u64) {
    if name.is_empty() {
        return;
    }
    let mut outcomes = outcomes.lock().unwrap_or_else(PoisonError::into_inner);
    outcomes.push(PartOutcome {
        resource: name.to_owned(),
        status,
        records,
    });
}
