//! GreenLake's service catalog: which service managers (applications such as Central) the
//! workspace has provisioned, and in which GreenLake region.
//!
//! `GET service-catalog/v1/service-manager-provisions` names each provision's service manager by
//! id only (`serviceManager.id`, or `serviceManagerId`), with its `region` and
//! `provisionStatus`; the names live in `GET service-catalog/v1/service-managers`. HPE's MSP
//! workbench reads both to find the MSP's Central regions.

use futures::TryStreamExt as _;
use glp_core::Scope;
use glp_transport::{ApiClient, ApiError};
use serde_json::Value;

use crate::OffsetListRequest;

/// The provisions path, relative to the GreenLake base URL.
pub const PROVISIONS_PATH: &str = "service-catalog/v1/service-manager-provisions";
/// The service-managers path, relative to the GreenLake base URL.
pub const SERVICE_MANAGERS_PATH: &str = "service-catalog/v1/service-managers";

/// Items per catalog page asked for.
const PAGE: u32 = 100;
/// Most catalog pages read (10,000 entries): a catalog that never ends is an error.
const MAX_PAGES: u64 = 100;

/// A service-manager provision of the workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Provision {
    /// The provision's id.
    pub id: String,
    /// The id of the provisioned service manager (look its name up in
    /// [`WorkspacesClient::service_managers`](crate::WorkspacesClient::service_managers)).
    pub service_manager_id: String,
    /// The GreenLake region, e.g. `us-west`, `eu-central`.
    pub region: String,
    /// `PROVISIONED`, or another state (`UNPROVISIONED`, ...), as sent.
    pub status: String,
}

impl Provision {
    /// Whether the provision is in place (`PROVISIONED`, any case).
    pub fn is_provisioned(&self) -> bool {
        self.status.eq_ignore_ascii_case("PROVISIONED")
    }
}

/// A service manager of the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServiceManager {
    /// Its id.
    pub id: String,
    /// Its name, e.g. `HPE Aruba Networking Central`.
    pub name: String,
}

fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .map(|s| s.chars().take(200).collect())
        .unwrap_or_default()
}

/// Every item of a catalog listing, through the one GreenLake offset pager, as `read` reads it.
async fn all_items<T>(
    api: &ApiClient,
    path: &'static str,
    read: impl Fn(&Value) -> T,
) -> Result<Vec<T>, ApiError> {
    let items: Vec<Value> =
        OffsetListRequest::<Value>::for_path(api.clone(), Scope::Msp, path, PAGE)
            .max_pages(MAX_PAGES)
            .stream()
            .try_collect()
            .await?;
    Ok(items.iter().map(read).collect())
}

/// The workspace's service-manager provisions (MSP token).
pub(crate) async fn provisions(api: &ApiClient) -> Result<Vec<Provision>, ApiError> {
    all_items(api, PROVISIONS_PATH, |item| Provision {
        id: text(item, "id"),
        service_manager_id: item
            .get("serviceManager")
            .map(|sm| text(sm, "id"))
            .filter(|id| !id.is_empty())
            .unwrap_or_else(|| text(item, "serviceManagerId")),
        region: text(item, "region"),
        status: {
            let s = text(item, "provisionStatus");
            if s.is_empty() {
                text(item, "status")
            } else {
                s
            }
        },
    })
    .await
}

/// The service managers of the catalog (MSP token).
pub(crate) async fn service_managers(api: &ApiClient) -> Result<Vec<ServiceManager>, ApiError> {
    let mut managers = all_items(api, SERVICE_MANAGERS_PATH, |item| ServiceManager {
        id: text(item, "id"),
        name: text(item, "name"),
    })
    .await?;
    managers.retain(|m| !m.id.is_empty());
    Ok(managers)
}
