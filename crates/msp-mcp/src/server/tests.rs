//! `refresh_tenant` through the server, with a stand-in for the program's live call.

use std::path::PathBuf;
use std::sync::Arc;

use msp_store::{NewRun, RunStatus, Store};
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResult;
use serde_json::{Value, json};

use super::InventoryServer;
use crate::tools::tests::{device, store};
use crate::{Refresh, RefreshTenantArgs};

/// Writes a run of the tenant (one access point, now offline) as a snapshot would, or fails.
#[derive(Debug)]
struct Stand {
    path: PathBuf,
    fail: bool,
    calls: std::sync::Mutex<Vec<(String, Vec<String>)>>,
}

#[async_trait::async_trait]
impl Refresh for Stand {
    async fn refresh(&self, tenant_id: &str, resources: &[String]) -> Result<(), String> {
        if let Ok(mut calls) = self.calls.lock() {
            calls.push((tenant_id.to_owned(), resources.to_vec()));
        }
        if self.fail {
            return Err("HTTP 401 from GreenLake".to_owned());
        }
        let mut store = Store::open(&self.path).map_err(|e| e.to_string())?;
        let run = store
            .begin_run(&NewRun::new("t", ["snapshot"], resources))
            .map_err(|e| e.to_string())?;
        let item = device("SN-A1", "ap-lobby", "OFFLINE", "AA:BB:CC:00:00:01");
        store
            .write_entry(run, tenant_id, "Alpha", "aps", [item.as_str()])
            .map_err(|e| e.to_string())?;
        store
            .end_run(run, RunStatus::Complete)
            .map_err(|e| e.to_string())
    }
}

fn text(result: &CallToolResult) -> String {
    result
        .content
        .first()
        .and_then(|c| c.as_text())
        .map(|t| t.text.clone())
        .unwrap_or_default()
}

/// The text of a tool's answer that must be an error.
fn error_text(result: &CallToolResult) -> String {
    assert_eq!(result.is_error, Some(true), "{}", text(result));
    text(result)
}

async fn refresh(server: &InventoryServer, tenant: &str) -> CallToolResult {
    server
        .refresh_tenant(Parameters(RefreshTenantArgs {
            tenant: tenant.into(),
        }))
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_tenant_collects_the_tenants_resources_live_then_reads_them_back() {
    let (dir, store) = store();
    let stand = Arc::new(Stand {
        path: dir.path().join("s.sqlite"),
        fail: false,
        calls: Default::default(),
    });
    let server = InventoryServer::new(store, Some(stand.clone()));
    let result = refresh(&server, "ALPHA").await;
    assert_eq!(result.is_error, Some(false), "{}", text(&result));
    let out: Value = serde_json::from_str(&text(&result)).expect("json");
    assert_eq!(out["tenant_id"], "t-a");
    assert_eq!(out["resources"], json!(["aps", "alerts"]));
    assert_eq!(out["run"]["id"], 4);
    assert_eq!(out["run"]["outcome"], "ok");
    assert_eq!(out["by_status"], json!({"OFFLINE": 1}));
    let calls = stand.calls.lock().expect("calls").clone();
    assert_eq!(
        calls,
        [(
            "t-a".to_owned(),
            vec!["aps".to_owned(), "alerts".to_owned()]
        )]
    );

    let err = error_text(&refresh(&server, "Nobody").await);
    assert!(err.contains("no tenant of the store"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_tenant_says_why_it_could_not() {
    let (dir, store) = store();
    let off = InventoryServer::new(store, None);
    let err = error_text(&refresh(&off, "Alpha").await);
    assert!(err.contains("live calls are off"), "{err}");

    let store = Store::open(dir.path().join("s.sqlite")).expect("open");
    let failing = Arc::new(Stand {
        path: dir.path().join("s.sqlite"),
        fail: true,
        calls: Default::default(),
    });
    let server = InventoryServer::new(store, Some(failing));
    assert_eq!(
        error_text(&refresh(&server, "t-a").await),
        "error: the refresh of \"Alpha\" failed: HTTP 401 from GreenLake"
    );
}
