//! The outcomes the engine writes into the report besides a job's own: a listing that failed
//! part-way, a tenant skipped or on no cluster, and a finished (or panicked) job.

use std::collections::HashMap;
use std::sync::atomic::Ordering;

use glp_auth::WorkspaceId;
use glp_auth::text::{escape_control, redact};
use tokio::task::Id;

use crate::engine::{JobEnd, ListingError, Running, credential_refused, join_error_text};
use crate::report::{Report, TenantOutcome, TenantStatus, one_line};
use crate::{Cancel, TenantRef};

/// Notes a listing that failed part-way (and a refused credential, if that is why).
pub(crate) fn listing_failed(report: &mut Report, e: &ListingError) {
    let message = redact(&e.to_string()).into_owned();
    if e.is_credential_rejected() {
        tracing::error!("listing tenants failed part-way: the MSP client credential was refused");
        report
            .credential_rejected
            .get_or_insert_with(|| message.clone());
    } else {
        tracing::error!(error = %one_line(&message), "listing tenants failed part-way");
    }
    report.source_error = Some(message);
}

pub(crate) fn skipped(
    listed_id: String,
    id: Option<WorkspaceId>,
    name: String,
    reason: String,
) -> TenantOutcome {
    TenantOutcome {
        tenant_id: id.map(|i| i.hyphenated()).unwrap_or(listed_id),
        workspace_id: id.map(|i| i.hyphenated()),
        tenant_name: name,
        central_tenant_id: None,
        cluster: None,
        status: TenantStatus::Skipped { reason },
        records: 0,
        calls: Default::default(),
        duration_ms: 0,
        resources: Vec::new(),
    }
}

pub(crate) fn no_cluster(tenant: TenantRef, clusters: &str) -> TenantOutcome {
    TenantOutcome {
        tenant_id: tenant.workspace_id.hyphenated(),
        workspace_id: Some(tenant.workspace_id.hyphenated()),
        tenant_name: tenant.name,
        central_tenant_id: None,
        cluster: None,
        status: TenantStatus::NoCluster {
            reason: format!(
                "no Central cluster of this run lists this tenant (list-tenants of {}); it may \
                 live on another cluster",
                escape_control(clusters)
            ),
        },
        records: 0,
        calls: Default::default(),
        duration_ms: 0,
        resources: Vec::new(),
    }
}

/// The error kind of a tenant whose Central cluster refused its token: it lives on another
/// cluster (see [`on_another_cluster`]).
pub(crate) const OTHER_CLUSTER: &str = "other_cluster";

/// Whether `e` is Central's 401 to a tenant's own token (the client already retried it once
/// with a fresh token). The run checked before any tenant that this cluster accepts the MSP's
/// token, and GreenLake issued the tenant's: the cluster does not know the tenant, which lives
/// on another cluster (the simulator says so; what a real cluster says is not known, so the
/// status decides, not the text).
fn on_another_cluster(e: &glp_transport::ApiError) -> bool {
    matches!(
        e,
        glp_transport::ApiError::Http {
            api: glp_transport::Api::Central,
            status: 401,
            ..
        }
    )
}

/// The outcome of a finished job, and the error message if it says the MSP client credential
/// was refused.
pub(crate) fn finish(
    running: &mut HashMap<Id, Running>,
    done: Result<(Id, JobEnd), tokio::task::JoinError>,
    cancel: &Cancel,
) -> (TenantOutcome, Option<String>) {
    let (id, end) = match done {
        Ok((id, end)) => (id, Ok(end)),
        Err(e) => (e.id(), Err(e)),
    };
    let Some(run) = running.remove(&id) else {
        unreachable!("every task is registered when it is spawned")
    };
    let mut refused = None;
    let parts = std::mem::take(
        &mut *run
            .parts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    );
    let status = match end {
        Ok(JobEnd::Done) => TenantStatus::Ok,
        Ok(JobEnd::Failed(e, _)) if credential_refused(&e) => {
            refused = Some(redact(&e.to_string()).into_owned());
            TenantStatus::Failed {
                kind: "credential_rejected".into(),
                message: "the MSP client credential was refused (see credential_rejected in \
                          the report); the run stops"
                    .into(),
            }
        }
        Ok(JobEnd::Failed(e, _)) if on_another_cluster(&e) => {
            tracing::info!(
                tenant = %escape_control(&run.tenant.name),
                error = %one_line(&redact(&e.to_string())),
                "Central refused the tenant's token: another cluster"
            );
            TenantStatus::Failed {
                kind: OTHER_CLUSTER.into(),
                message: format!(
                    "Central{} answered 401 to the tenant's own token (after a fresh one) while \
                     it accepts the MSP's: the tenant lives on another Central cluster; name \
                     every cluster of the MSP (--central-cluster A,B) or use --central-cluster \
                     auto",
                    run.tenant
                        .cluster
                        .as_deref()
                        .map(|c| format!(" {}", escape_control(c)))
                        .unwrap_or_default()
                ),
            }
        }
        Ok(JobEnd::Failed(e, part)) => {
            let mut message = redact(&e.to_string()).into_owned();
            if parts.len() > 1 {
                // Which resource failed, when the tenant has several.
                message = format!("{part}: {message}");
            }
            // The summary has the failure's line; the log has it at info, not a second time.
            tracing::info!(
                tenant = %escape_control(&run.tenant.name),
                error = %one_line(&message),
                "tenant failed"
            );
            TenantStatus::Failed {
                kind: e.kind().into(),
                message,
            }
        }
        Ok(JobEnd::TimedOut(limit)) => TenantStatus::Failed {
            kind: "tenant_timeout".into(),
            message: format!("the tenant's job did not finish within {limit:?} (--timeout)"),
        },
        Ok(JobEnd::OutputClosed) => {
            cancel.stop_for_output();
            TenantStatus::Failed {
                kind: "output".into(),
                message: "the output closed (write error); the run stops".into(),
            }
        }
        Err(e) if e.is_cancelled() && cancel.output_failed() => TenantStatus::Failed {
            kind: "output".into(),
            message: "stopped because writing the output failed".into(),
        },
        Err(e) if e.is_cancelled() => TenantStatus::Failed {
            kind: "interrupted".into(),
            message: "stopped by a second interrupt while running".into(),
        },
        Err(e) => TenantStatus::Failed {
            kind: "panic".into(),
            message: format!("the job {}", join_error_text(e)),
        },
    };
    let outcome = TenantOutcome {
        tenant_id: run.tenant.workspace_id.hyphenated(),
        workspace_id: Some(run.tenant.workspace_id.hyphenated()),
        tenant_name: run.tenant.name,
        central_tenant_id: run.tenant.central_tenant_id,
        cluster: run.tenant.cluster,
        status,
        records: run.records.load(Ordering::Relaxed),
        calls: run.tally.snapshot(),
        duration_ms: run.started.elapsed().as_millis() as u64,
        resources: parts,
    };
    (outcome, refused)
}
