//! `mcp`: the MCP server over stdio (the `msp-mcp` library), on the store `--db` names.

use msp_orchestrator::{Cancel, StopLevel};

use crate::args::GlobalArgs;
use crate::args::mcp::McpArgs;
use crate::commands::store::{fatal, open};
use crate::{EXIT_FATAL, EXIT_OK};

/// `mcp`: serves until the client closes stdin or a signal (Ctrl-C, SIGTERM) stops it: exit 0
/// either way (the client ends its server so).
pub(crate) async fn mcp(global: &GlobalArgs, args: &McpArgs, cancel: &Cancel) -> u8 {
    let store = match open(&args.db, global) {
        Ok(store) => store,
        Err(e) => return fatal(Err(e), EXIT_FATAL),
    };
    tokio::select! {
        served = msp_mcp::serve_stdio(store) => fatal(served.map(|()| EXIT_OK).map_err(Into::into), EXIT_FATAL),
        () = cancel.reached(StopLevel::Drain) => EXIT_OK,
    }
}
