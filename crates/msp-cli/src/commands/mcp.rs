//! `mcp`: the MCP server over stdio (the `msp-mcp` library), on the store `--db` names; its
//! live call (`refresh_tenant`) is a `snapshot` of one tenant with this command's settings.

use msp_orchestrator::msp_store::StoreLocation;
use std::sync::Arc;

use msp_orchestrator::{Cancel, StopLevel, one_line};

use crate::args::GlobalArgs;
use crate::args::mcp::McpArgs;
use crate::commands::snapshot::run_snapshot;
use crate::commands::store::{db_path, fatal, no_selection, open};
use crate::{EXIT_FATAL, EXIT_OK, EXIT_SOME_FAILED, settings};

/// `mcp`: serves until the client closes stdin or a signal (Ctrl-C, SIGTERM) stops it: exit 0
/// either way (the client ends its server so).
pub(crate) async fn mcp(global: &GlobalArgs, args: &McpArgs, cancel: &Cancel) -> u8 {
    let opened = no_selection(global, "mcp")
        .and_then(|()| open(&args.db, global))
        .and_then(|store| Ok((store, db_path(&args.db, global)?)));
    let (store, db) = match opened {
        Ok(opened) => opened,
        Err(e) => return fatal(Err(e), EXIT_FATAL),
    };
    let live = Arc::new(LiveSnapshot {
        global: global.clone(),
        db,
        cancel: cancel.clone(),
    });
    tokio::select! {
        served = msp_mcp::serve_stdio(store, Some(live)) => {
            fatal(served.map(|()| EXIT_OK).map_err(Into::into), EXIT_FATAL)
        }
        () = cancel.reached(StopLevel::Drain) => EXIT_OK,
    }
}

/// `refresh_tenant`: `snapshot --include-id TENANT RESOURCES` into the same store, with the
/// settings (credential, config file, profile) this command was given, quietly (stdout is the
/// MCP session; the snapshot writes only to stderr).
#[derive(Debug)]
struct LiveSnapshot {
    global: GlobalArgs,
    db: StoreLocation,
    cancel: Cancel,
}

#[async_trait::async_trait]
impl msp_mcp::Refresh for LiveSnapshot {
    async fn refresh(&self, tenant_id: &str, resources: &[String]) -> Result<(), String> {
        let mut global = self.global.clone();
        global.include.clear();
        global.exclude.clear();
        global.exclude_id.clear();
        global.tenant_ids_from = None;
        global.include_id = vec![tenant_id.to_owned()];
        let settings = settings::resolve(&global).map_err(|e| one_line(&e.to_string()))?;
        match run_snapshot(
            settings,
            resources,
            None,
            self.db.clone(),
            true,
            &self.cancel,
        )
        .await
        {
            EXIT_OK => Ok(()),
            EXIT_SOME_FAILED => {
                Err("the tenant did not complete: list_tenants gives its error".to_owned())
            }
            code => Err(format!(
                "the snapshot ended with exit code {code} (the server's stderr says why)"
            )),
        }
    }
}
