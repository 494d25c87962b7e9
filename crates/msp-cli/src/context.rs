//! The clients of a run, built from the settings with the library's `Session`.

use glp_workspaces::WorkspacesClient;
use msp_orchestrator::{Cancel, Clusters, Session, StopLevel, one_line};

use crate::args;
use crate::settings::{self, Settings};

/// The clients of a run.
pub(crate) struct Context {
    pub(crate) settings: Settings,
    pub(crate) workspaces: WorkspacesClient,
    /// The Central gateways: those given, or those found (`--central-cluster auto`).
    pub(crate) clusters: Clusters,
}

/// How building the clients ended.
pub(crate) enum Built {
    Ready(Box<Context>),
    /// The error was printed.
    Failed,
    /// A signal arrived first.
    Interrupted,
}

impl Built {
    /// The context, or the exit code of a run that cannot start: fatal when building failed,
    /// some-failed when a signal came first (saying `interrupted`, if given, on stderr).
    pub(crate) fn ready(self, interrupted: Option<&str>) -> Result<Box<Context>, u8> {
        match self {
            Built::Ready(ctx) => Ok(ctx),
            Built::Failed => Err(crate::EXIT_FATAL),
            Built::Interrupted => {
                if let Some(text) = interrupted {
                    eprintln!("{text}");
                }
                Err(crate::EXIT_SOME_FAILED)
            }
        }
    }
}

impl Context {
    /// For `tenants`: Central is needed only when it lists the tenants.
    pub(crate) async fn from_flags(flags: &args::GlobalArgs, cancel: &Cancel) -> Built {
        match settings::resolve_for(flags, false) {
            Ok(settings) => Self::connect(settings, cancel).await,
            Err(e) => {
                eprintln!("error: {e}");
                Built::Failed
            }
        }
    }

    /// Builds the clients and checks the credential once, before any per-tenant work; a
    /// signal ends the wait at once.
    pub(crate) async fn connect(settings: Settings, cancel: &Cancel) -> Built {
        tokio::select! {
            biased;
            _ = cancel.reached(StopLevel::Drain) => Built::Interrupted,
            built = Self::build(settings) => match built {
                Ok(ctx) => Built::Ready(Box::new(ctx)),
                Err(e) => {
                    // Kept on several lines: discovery's error lists each cluster it tried.
                    eprintln!("error: {}", msp_orchestrator::lines(&format!("{e:#}")));
                    Built::Failed
                }
            },
        }
    }

    pub(crate) async fn build(settings: Settings) -> anyhow::Result<Self> {
        let session = Session::connect(&settings.session).await?;
        if session.discovered {
            for note in &session.notes {
                eprintln!("warning: {}", one_line(note));
            }
            let names: Vec<&str> = session.clusters.iter().map(|c| c.name.as_str()).collect();
            eprintln!("Central clusters found: {}", names.join(", "));
        }
        Ok(Self {
            workspaces: session.workspaces,
            clusters: session.clusters,
            settings,
        })
    }
}
