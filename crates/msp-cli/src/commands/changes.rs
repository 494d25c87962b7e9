//! `changes`: the record of applies (who changed what, when, with the server's answer), or
//! with `--runs` the apply runs.

use crate::args::GlobalArgs;
use crate::args::apply::ChangesArgs;
use crate::commands::store::{Col, fatal, open, write_listing};
use crate::{EXIT_FATAL, EXIT_OK};

/// `changes`.
pub(crate) fn changes(global: &GlobalArgs, args: &ChangesArgs) -> u8 {
    fatal(
        (|| {
            let store = open(&args.db, global)?;
            let mut out = std::io::stdout().lock();
            if args.runs {
                const COLUMNS: &[Col] = &[
                    ("RUN", "id"),
                    ("STARTED", "started"),
                    ("ENDED", "ended"),
                    ("WHO", "who"),
                    ("STATUS", "status"),
                    ("ACTIONS", "actions"),
                    ("WRITES", "writes"),
                    ("MANIFEST", "manifest_fingerprint"),
                ];
                let runs = store.apply_runs(1000)?;
                write_listing(&mut out, args.format, COLUMNS, &runs, |r| {
                    vec![
                        r.id.to_string(),
                        r.started.clone(),
                        r.ended.clone().unwrap_or_default(),
                        r.who.clone(),
                        r.status.clone(),
                        r.actions.to_string(),
                        r.writes.to_string(),
                        r.manifest_fingerprint.clone(),
                    ]
                })?;
                return Ok(EXIT_OK);
            }
            const COLUMNS: &[Col] = &[
                ("RUN", "run_id"),
                ("AT", "at"),
                ("WHO", "who"),
                ("ACTION", "action"),
                ("TENANT", "tenant_name"),
                ("TENANT ID", "tenant_id"),
                ("STATUS", "status"),
                ("HTTP", "http_status"),
                ("ANSWER", "answer"),
            ];
            let rows = store.changes(args.run, args.tenant.as_deref(), args.all)?;
            write_listing(&mut out, args.format, COLUMNS, &rows, |r| {
                let c = &r.change;
                let clean = |t: &str| glp_auth::text::escape_control(t).into_owned();
                vec![
                    r.run_id.to_string(),
                    r.at.clone(),
                    clean(&r.who),
                    c.action.clone(),
                    clean(&c.tenant_name),
                    c.tenant_id.clone().unwrap_or_default(),
                    c.status.clone(),
                    c.http_status.map(|s| s.to_string()).unwrap_or_default(),
                    clean(&msp_orchestrator::one_line(&c.answer)),
                ]
            })?;
            Ok(EXIT_OK)
        })(),
        EXIT_FATAL,
    )
}
