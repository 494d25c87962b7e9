//! Issue 23, item 2: `msp-orchestrator mcp` driven by rmcp's client over the real binary's
//! stdio, on a store filled by two real `snapshot`s of the simulator (two generations): the
//! tools and their input schemas, each tool's answer against the simulator's truth, the live
//! call (`refresh_tenant`: a snapshot of one tenant), a cut result, input errors, and no secret
//! in any answer (the server's environment holds it).

use std::collections::{BTreeMap, BTreeSet};

use glp_msp_e2e::{Truth, leaks};
use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::RunningService;
use rmcp::transport::TokioChildProcess;
use rmcp::{RoleClient, ServiceExt as _};
use serde_json::{Value, json};

use crate::common::{orchestrator, records_by_tenant, two_snapshots_into};

type Client = RunningService<RoleClient, ()>;

/// Calls `tool` with `args`: the tool's result, its text parsed as JSON when it is no error.
async fn call(client: &Client, tool: &'static str, args: Value) -> (CallToolResult, Value) {
    let Value::Object(args) = args else {
        panic!("arguments are an object")
    };
    let result = client
        .call_tool(CallToolRequestParams::new(tool).with_arguments(args))
        .await
        .unwrap_or_else(|e| panic!("{tool}: {e}"));
    let text = result
        .content
        .first()
        .and_then(|c| c.as_text())
        .map(|t| t.text.clone())
        .unwrap_or_default();
    let value = if result.is_error == Some(true) {
        Value::String(text)
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{tool}: {e}: {text}"))
    };
    (result, value)
}

fn serials(devices: &[Value]) -> BTreeMap<String, &Value> {
    devices
        .iter()
        .map(|d| (d["serialNumber"].as_str().expect("serial").to_owned(), d))
        .collect()
}

#[test]
fn an_mcp_client_asks_each_tool_and_gets_the_truth_bounded_and_without_secrets() {
    each_tool_answers_the_truth("mcp", None);
}

/// An MCP client asks `mcp --db DB` (a SQLite file of the scenario's when `None`) each tool
/// after two snapshots into it: the truth, bounded, and no secret anywhere.
pub(crate) fn each_tool_answers_the_truth(name: &str, db: Option<&str>) {
    let sim_args = ["--tenants", "5", "--max-devices", "30"];
    let ((bins, wd, sim), db, (truth_a, truth)) =
        two_snapshots_into(name, &sim_args, &["devices", "alerts"], db);
    let db = db.as_str();
    let target = sim.target();

    // The guide's configuration, its store path ours; the server runs with the simulator's
    // credential in its environment, as `snapshot` did.
    let config: Value = serde_json::from_str(&test_support::guide_example(
        "## Asking an assistant: mcp",
        "```json\n",
        "```",
    ))
    .expect("the guide's configuration is JSON");
    let server = &config["mcpServers"]["glp-msp"];
    assert_eq!(server["command"], "msp-orchestrator");
    let mut args: Vec<&str> = server["args"]
        .as_array()
        .expect("args")
        .iter()
        .map(|a| a.as_str().expect("text"))
        .collect();
    assert_eq!(args[..2], ["mcp", "--db"]);
    args[2] = db;
    let command = orchestrator(&bins, &wd, &sim, &args);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let answers: Vec<String> = runtime.block_on(async {
        // Its stderr in run/mcp.stderr (a pipe nobody reads could fill and stop it).
        let stderr = std::fs::File::create(wd.run("mcp.stderr")).unwrap();
        let (transport, _) = TokioChildProcess::builder(tokio::process::Command::from(command))
            .stderr(stderr)
            .spawn()
            .unwrap();
        let client: Client =
            tokio::time::timeout(std::time::Duration::from_secs(60), ().serve(transport))
                .await
                .expect("initialized in time")
                .expect("initialized");
        let answers = ask(&client, &truth_a, &truth).await;
        client.cancel().await.unwrap();
        answers
    });

    let needles: Vec<(String, String)> =
        leaks::secret_forms(&target.client_id, &target.client_secret)
            .into_iter()
            .map(|form| ("the client secret".to_owned(), form))
            .collect();
    // Every answer, and every file of the run: the store, the server's stderr, the snapshots'.
    let mut haystacks: Vec<_> = answers
        .iter()
        .enumerate()
        .map(|(i, a)| (std::path::PathBuf::from(format!("answer {i}")), a.clone()))
        .collect();
    haystacks.extend(wd.run_files().unwrap());
    assert!(haystacks.iter().any(|(p, _)| p.ends_with("mcp.stderr")));
    assert_eq!(leaks::find(&needles, &haystacks), Vec::<String>::new());
}

/// Every question and its check; returns every answer's text.
async fn ask(client: &Client, truth_a: &Truth, truth: &Truth) -> Vec<String> {
    let mut answers = Vec::new();
    let info = client.peer_info().expect("server info");
    let server = info.server_info.as_ref().expect("server info");
    assert_eq!(server.name, "glp-msp");

    // The tools and what each requires.
    let tools = client.list_all_tools().await.unwrap();
    let required: BTreeMap<String, Value> = tools
        .iter()
        .map(|t| {
            let schema = Value::Object((*t.input_schema).clone());
            assert_eq!(schema["type"], "object", "{}", t.name);
            (t.name.to_string(), schema["required"].clone())
        })
        .collect();
    assert_eq!(
        required,
        BTreeMap::from([
            ("changes_since".to_owned(), json!(["since"])),
            ("find_device".to_owned(), json!(["query"])),
            ("list_tenants".to_owned(), Value::Null),
            ("open_alerts".to_owned(), Value::Null),
            ("refresh_tenant".to_owned(), json!(["tenant"])),
            ("tenant_devices".to_owned(), json!(["tenant"])),
        ])
    );

    let devices = records_by_tenant(truth, "devices");
    let offline = |id: &str| {
        devices[id]
            .iter()
            .filter(|d| {
                d["status"]
                    .as_str()
                    .unwrap_or("")
                    .eq_ignore_ascii_case("offline")
            })
            .count() as u64
    };

    // list_tenants: every tenant, its devices and those down as the truth has them.
    let (_, out) = call(client, "list_tenants", json!({})).await;
    answers.push(out.to_string());
    let listed = out["tenants"]["items"].as_array().expect("items");
    assert_eq!(out["tenants"]["total"], truth.tenant_count);
    for t in &truth.tenants {
        let item = listed
            .iter()
            .find(|i| i["tenant_id"] == t.workspace_id.as_str())
            .unwrap_or_else(|| panic!("{} listed", t.name));
        assert_eq!(item["tenant_name"], t.name.as_str());
        if t.cluster.is_some() {
            assert_eq!(item["last_run_outcome"], "ok", "{}", t.name);
            assert_eq!(item["devices"], t.counts["devices"], "{}", t.name);
            assert_eq!(item["down"], offline(&t.workspace_id), "{}", t.name);
        }
    }
    let downs: Vec<u64> = listed
        .iter()
        .filter(|i| i["last_run_outcome"] == "ok")
        .map(|i| i["down"].as_u64().expect("down"))
        .collect();
    assert!(
        downs.windows(2).all(|w| w[0] >= w[1]),
        "worst first: {downs:?}"
    );

    // A cut result says so.
    let (_, cut) = call(client, "list_tenants", json!({"limit": 2})).await;
    answers.push(cut.to_string());
    assert_eq!(cut["tenants"]["shown"], 2);
    assert_eq!(cut["tenants"]["truncated"], true);
    let note = cut["tenants"]["note"].as_str().expect("note");
    assert!(
        note.starts_with(&format!("showing 2 of {}; narrow with", truth.tenant_count)),
        "{note}"
    );

    // tenant_devices, by name in another case: the truth's devices by status.
    let busiest = truth
        .tenants
        .iter()
        .filter(|t| t.cluster.is_some())
        .max_by_key(|t| t.counts["devices"])
        .expect("a tenant on a cluster");
    let (_, out) = call(
        client,
        "tenant_devices",
        json!({"tenant": busiest.name.to_uppercase()}),
    )
    .await;
    answers.push(out.to_string());
    assert_eq!(out["tenant_id"], busiest.workspace_id.as_str());
    let mut by_status: BTreeMap<String, u64> = BTreeMap::new();
    for d in &devices[&busiest.workspace_id] {
        *by_status
            .entry(d["status"].as_str().unwrap_or("").to_owned())
            .or_default() += 1;
    }
    assert_eq!(out["by_status"], json!(by_status));
    let shown: BTreeSet<&str> = out["devices"]["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|d| d["serial"].as_str().expect("serial"))
        .collect();
    let expected: BTreeSet<&str> = devices[&busiest.workspace_id]
        .iter()
        .map(|d| d["serialNumber"].as_str().expect("serial"))
        .collect();
    assert_eq!(shown, expected);

    // find_device: a serial in lower case, and its MAC without separators, in the right tenant.
    let device = &devices[&busiest.workspace_id][0];
    let serial = device["serialNumber"].as_str().expect("serial");
    let mac = device["macAddress"].as_str().expect("mac");
    for query in [
        serial.to_lowercase(),
        mac.replace([':', '-', '.'], "").to_uppercase(),
    ] {
        let (_, out) = call(client, "find_device", json!({"query": query})).await;
        answers.push(out.to_string());
        let found = out["devices"]["items"].as_array().expect("items");
        assert_eq!(found.len(), 1, "{query}: {out}");
        assert_eq!(found[0]["serial"], serial);
        assert_eq!(found[0]["tenant_id"], busiest.workspace_id.as_str());
    }

    // changes_since: per tenant, the devices the generation added and removed, and every
    // status it changed.
    let before = records_by_tenant(truth_a, "devices");
    let mut device_changes = 0;
    for t in truth.tenants.iter().filter(|t| t.cluster.is_some()) {
        let (_, out) = call(
            client,
            "changes_since",
            json!({"since": "1h", "tenant": t.workspace_id}),
        )
        .await;
        answers.push(out.to_string());
        assert_eq!(out["changes"]["truncated"], false, "{out}");
        let (a, b) = (
            serials(&before[&t.workspace_id]),
            serials(&devices[&t.workspace_id]),
        );
        let mut got: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
        for c in out["changes"]["items"].as_array().expect("items") {
            if c["resource"] == "devices" {
                let kind = c["change"].as_str().expect("change");
                got.entry(kind)
                    .or_default()
                    .insert(c["key"].as_str().expect("key").to_owned());
            }
        }
        let added: BTreeSet<String> = b.keys().filter(|k| !a.contains_key(*k)).cloned().collect();
        let removed: BTreeSet<String> = a.keys().filter(|k| !b.contains_key(*k)).cloned().collect();
        assert_eq!(got.remove("added").unwrap_or_default(), added, "{}", t.name);
        assert_eq!(
            got.remove("removed").unwrap_or_default(),
            removed,
            "{}",
            t.name
        );
        let changed = got.remove("changed").unwrap_or_default();
        device_changes += added.len() + removed.len() + changed.len();
        for (serial, d) in &b {
            if a.get(serial)
                .is_some_and(|old| old["status"] != d["status"])
            {
                assert!(
                    changed.contains(serial),
                    "{}: {serial} changed status",
                    t.name
                );
            }
        }
    }

    assert!(device_changes > 0, "the generation changes devices");

    // open_alerts: each tenant's open alerts by severity, as the truth counts them.
    let (_, out) = call(client, "open_alerts", json!({})).await;
    answers.push(out.to_string());
    let mut got: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    for row in out["alerts"]["items"].as_array().expect("items") {
        got.entry(row["tenant_id"].as_str().expect("id").to_owned())
            .or_default()
            .insert(
                row["severity"].as_str().expect("severity").to_owned(),
                row["count"].as_u64().expect("count"),
            );
    }
    assert!(!got.is_empty(), "some tenant has open alerts");
    for t in truth.tenants.iter().filter(|t| t.cluster.is_some()) {
        assert_eq!(
            got.get(&t.workspace_id).cloned().unwrap_or_default(),
            t.open_alerts,
            "{}",
            t.name
        );
    }

    // The live call: the tenant collected again (a run of its own), as the truth has it.
    let (result, out) = call(
        client,
        "refresh_tenant",
        json!({"tenant": busiest.workspace_id}),
    )
    .await;
    answers.push(out.to_string());
    assert_eq!(result.is_error, Some(false), "{out}");
    assert_eq!(out["resources"], json!(["devices", "alerts"]));
    assert_eq!(out["run"]["id"], 3);
    assert_eq!(out["run"]["outcome"], "ok");
    assert_eq!(out["by_status"], json!(by_status));
    let (_, out) = call(client, "list_tenants", json!({})).await;
    let refreshed: Vec<&str> = out["tenants"]["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|t| t["last_run"] == 3)
        .map(|t| t["tenant_id"].as_str().expect("id"))
        .collect();
    assert_eq!(
        refreshed,
        [busiest.workspace_id.as_str()],
        "only that tenant"
    );

    // Mistakes: a tool error that says what to give, or the protocol's invalid params.
    let (result, text) = call(
        client,
        "tenant_devices",
        json!({"tenant": "No Such Tenant"}),
    )
    .await;
    assert_eq!(result.is_error, Some(true));
    assert!(
        text.as_str().expect("text").contains("list_tenants lists"),
        "{text}"
    );
    let (result, text) = call(client, "changes_since", json!({"since": "yesterday"})).await;
    assert_eq!(result.is_error, Some(true));
    assert!(text.as_str().expect("text").contains("RFC 3339"), "{text}");
    let (result, text) = call(client, "find_device", json!({"serial": "x"})).await;
    assert_eq!(result.is_error, Some(true));
    assert!(
        text.as_str()
            .expect("text")
            .contains("unknown field `serial`"),
        "{text}"
    );
    answers
}
