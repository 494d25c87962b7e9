//! `status`: devices by type and status per tenant, offline first; with `--resource alerts`,
//! open alerts by severity per tenant, worst first.

use msp_orchestrator::msp_store::{RunStatus, Store, is_alerts};

use crate::args::GlobalArgs;
use crate::args::history::*;
use crate::commands::store::{Col, fatal, open_narrowed, print_listing};
use crate::{EXIT_FATAL, EXIT_OK};

/// `status`.
pub(crate) fn status(global: &GlobalArgs, args: &StatusArgs) -> u8 {
    fatal(
        (|| {
            let (store, tenants) = open_narrowed(&args.db, global, &args.only)?;
            if let Some(resource) = args.only.resource.as_deref().filter(|r| is_alerts(r)) {
                alerts(&store, tenants.as_ref(), resource, args.format)?;
                return Ok(EXIT_OK);
            }
            let mut rows = store.status(None, args.only.resource.as_deref())?;
            if let Some(ids) = &tenants {
                rows.retain(|r| ids.contains(&r.tenant_id));
            }
            const COLUMNS: &[Col] = &[
                ("TENANT", "tenant_name"),
                ("TENANT ID", "tenant_id"),
                ("RESOURCE", "resource"),
                ("RUN", "run_id"),
                ("TYPE", "device_type"),
                ("STATUS", "status"),
                ("COUNT", "count"),
            ];
            print_listing(args.format, COLUMNS, &rows)?;
            if rows.is_empty() && tenants.is_none() && args.only.resource.is_none() {
                eprintln!("no complete data in the store yet: run `snapshot` first");
            } else if rows.is_empty() {
                eprintln!(
                    "no run completed the chosen tenants and resource yet: `snapshot --resume` completes the newest run"
                );
            }
            if let Some(last) = store
                .runs()?
                .last()
                .filter(|r| r.status == RunStatus::Abandoned)
            {
                eprintln!(
                    "note: run {} was abandoned (its process ended before the run did): the tenants it lacks show older data; `snapshot --resume {}` completes it",
                    last.id, last.id
                );
            }
            Ok(EXIT_OK)
        })(),
        EXIT_FATAL,
    )
}

/// `status --resource alerts`: open alerts (any status but `Cleared`) by severity per tenant,
/// from each tenant's latest complete snapshot of them; tenants with the most critical alerts
/// first (then major, minor, info).
fn alerts(
    store: &Store,
    tenants: Option<&std::collections::BTreeSet<String>>,
    resource: &str,
    format: TableFormat,
) -> anyhow::Result<()> {
    let mut rows = store.open_alerts(None, resource)?;
    if let Some(ids) = tenants {
        rows.retain(|r| ids.contains(&r.tenant_id));
    }
    const COLUMNS: &[Col] = &[
        ("TENANT", "tenant_name"),
        ("TENANT ID", "tenant_id"),
        ("RUN", "run_id"),
        ("SEVERITY", "severity"),
        ("OPEN", "count"),
    ];
    print_listing(format, COLUMNS, &rows)?;
    if rows.is_empty() {
        eprintln!("no open alerts in the latest complete snapshot of {resource}");
    }
    Ok(())
}
