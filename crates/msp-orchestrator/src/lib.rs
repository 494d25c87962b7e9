//! Runs work across every tenant of an HPE GreenLake MSP: fast, within rate limits, losing
//! nothing.
//!
//! The pieces:
//! - a [`Session`] builds the clients of a run (one transport, the MSP token providers, GreenLake
//!   and every Central cluster) from plain [`SessionSettings`];
//! - a [`TenantSource`] lists tenants (GreenLake msp-tenants, Central list-tenants resolved to
//!   workspaces by name, or an explicit list), filtered by a [`Selector`];
//! - a [`TenantJob`] turns one tenant's scoped clients ([`TenantClients`]: Central, and
//!   GreenLake when the orchestrator has a [`WorkspacesClient`](glp_workspaces::WorkspacesClient))
//!   into a stream of [`Record`]s ([`CollectJob`] collects monitoring resources and GreenLake's
//!   `glp/devices` and `glp/subscriptions`);
//! - the [`Orchestrator`] runs jobs with bounded concurrency, isolates failures, honours a
//!   [`Cancel`] signal, and returns a [`Report`];
//! - a [`RecordWriter`] writes records as JSON Lines, JSON, CSV or a table; it is one
//!   [`RecordSink`], and the inventory store's `StoreSink` (feature `store`, off by default) is another.
//! - [`apply`] plans a manifest of desired state against the tenants as they are and carries
//!   the plan out, each write at most once;
//! - [`licenses::report`] turns GreenLake subscription and device items (live or stored) and a
//!   given "now" into the licence report: tiers, devices without a subscription, subscriptions
//!   ending soon, the burndown by month.
//!
//! ```no_run
//! use std::sync::Arc;
//! use central_api::Resource;
//! use glp_auth::Credentials;
//! use msp_orchestrator::{
//!     Cancel, CentralPlan, CollectJob, Orchestrator, ResourceSpec, Session, SessionSettings,
//!     TenantSource,
//! };
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! // One transport, the MSP token checked once, every Central cluster of the MSP found.
//! let settings = SessionSettings::new(Credentials::from_env()?, CentralPlan::Auto);
//! let session = Session::connect(&settings).await?;
//!
//! let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
//! let printer = tokio::spawn(async move {
//!     while let Some(record) = rx.recv().await {
//!         println!("{}", serde_json::to_string(&record).unwrap_or_default());
//!     }
//! });
//! let job = Arc::new(CollectJob::new(vec![ResourceSpec::Known(Resource::DeviceInventory)]));
//! let tenants = TenantSource::GreenLake.stream(&session.workspaces, &session.clusters);
//! let report = Orchestrator::for_session(&session)
//!     .concurrency(16)
//!     .run(tenants, job, tx, &Cancel::new())
//!     .await?;
//! printer.await?;
//! eprintln!("{}", report.summary());
//! # Ok(())
//! # }
//! ```

pub mod apply;
mod cancel;
mod clusters;
mod csv_columns;
mod engine;
mod job;
pub mod licenses;
mod msp_inventory;
mod outcomes;
mod output;
mod part;
mod progress;
mod read_ahead;
mod report;
mod selector;
mod session;
mod sink;
mod source;
#[cfg(feature = "store")]
mod store;
pub mod table;
mod tenant;
mod yaml;

pub use cancel::{Cancel, StopLevel};
pub use clusters::{CentralCluster, Clusters, Discovery, DiscoveryError, discover, gateway_name};
pub use csv_columns::{Columns, RECORD_FIELDS};
pub use engine::{ListingError, Orchestrator, SourceFailed, join_error_text};
pub use job::{
    ApiHost, ApiPath, CollectJob, Query, Record, ResourceSpec, Since, TenantClients, TenantJob,
    did_you_mean, known_resource_names, rfc3339,
};
pub use msp_inventory::{MSP_INVENTORY, collect_msp_inventory};
/// The inventory store (feature `store`).
#[cfg(feature = "store")]
pub use msp_store;
pub use output::{Format, RecordWriter, WriterOptions, csv_field, csv_header};
pub use part::{JobPart, PartOutcome};
pub use progress::{Progress, ProgressSnapshot};
pub use report::{
    NOT_STARTED, QUERY_NOT_STARTED, Report, TenantOutcome, TenantStatus, lines, one_line,
};
pub use selector::{MIN_ID_DIGITS, MatchedBy, Selector, TenantPattern, Why};
pub use session::{CentralPlan, Session, SessionError, SessionSettings};
pub use sink::{MarkedJob, RecordSink, SinkError, completed_resource, completion_mark, drain};
pub use source::{RerunList, SourceItem, TenantSource, TenantStream, leave_out};
#[cfg(feature = "store")]
pub use store::StoreSink;
pub use tenant::TenantRef;
