//! The clap types of `mcp`.

use clap::Args;

use super::history::DbArg;

#[derive(Debug, Args)]
pub(crate) struct McpArgs {
    #[command(flatten)]
    pub(crate) db: DbArg,
}
