//! The write runs of the conformance task: manifests written into the task's work folder from
//! the simulator's truth, which together send every write the client has (tenants created,
//! updated and deleted; notification rules created, updated and deleted; devices assigned, licensed,
//! unlicensed and unassigned, each operation polled; subscription keys added, each operation
//! polled), then applied once more, which must send no write.
//!
//! Two manifests: `setup.toml` makes what the main one then deletes or takes away (a
//! workspace, a rule, one tenant's access points assigned and licensed) or changes (a rule in
//! one tenant that differs from the NOC's); `writes.toml` is
//! planned, applied, and applied again.

use std::path::Path;

use anyhow::{Context as _, Result};
use glp_msp_e2e::Sim;
use serde_json::Value;

/// The workspace `setup.toml` creates and `writes.toml` deletes.
const DOOMED: &str = "Conformance doomed";
/// The rule `setup.toml` creates in one tenant and `writes.toml` deletes.
const OLD_RULE: &str = "Conformance old rule";
/// The rule `writes.toml` wants in every tenant.
const NOC_RULE: &str = "NOC critical";
/// A key the simulator knows as claimable by default (`platform_sim::DEFAULT_CLAIMABLE_KEYS`).
const KEY: &str = "SIMAPKEY0001";

/// What the second apply of `writes.toml` must print: it sends nothing.
pub(crate) const NO_WRITE: &str = "0 writes sent";

/// One run of `msp-orchestrator`: its label and its arguments (after the target's).
pub(crate) struct WriteRun {
    /// What the report calls it.
    pub(crate) name: String,
    /// The arguments.
    pub(crate) args: Vec<String>,
    /// A text its standard output must hold.
    pub(crate) expect: Option<&'static str>,
}

/// A TOML string.
fn q(s: &str) -> String {
    Value::from(s).to_string()
}

/// A `[[notification_rules]]` entry of alerts from `severity` up.
fn rule(tenants: &str, name: &str, severity: &str) -> String {
    format!(
        "[[notification_rules]]\ntenants = [{tenants}]\nname = {}\nenabled = true\nsourceTypes = \
         [\"ALERTS\"]\nsource = {{ alerts = {{ enabled = true, alertNames = [\"AP Down\"], \
         minAlertSeverity = \"{severity}\" }} }}\ndestination = {{ email = {{ enabled = true, \
         emailIds = [\"noc@msp.example\"] }} }}\n\n",
        q(name)
    )
}

fn assign(tenants: &str) -> String {
    format!(
        "[[device_assignments]]\ntenants = [{tenants}]\ndevice_types = [\"AP\"]\napplication = \
         \"HPE Aruba Networking Central\"\nregion = \"us-west\"\nsubscription_tier = \
         \"FOUNDATION_AP\"\n\n"
    )
}

/// Writes `setup.toml` and `writes.toml` into `dir` from `sim`'s truth (at least six
/// tenants); returns the runs, in order.
pub(crate) fn runs(sim: &Sim, dir: &Path) -> Result<Vec<WriteRun>> {
    let truth = sim.truth().context("reading the simulator's truth")?;
    let names: Vec<String> = truth.tenants.iter().map(|t| q(&t.name)).collect();
    anyhow::ensure!(names.len() >= 6, "the write runs need six tenants");
    let (updated, ruled, offboarded) = (&truth.tenants[0].name, &names[4], &names[5]);
    // The NOC's rule made in one tenant from MAJOR up: `writes.toml` updates it to CRITICAL.
    let setup = format!(
        "[[tenants]]\nworkspaceName = {}\n\n{}{}{}",
        q(DOOMED),
        rule(ruled, OLD_RULE, "CRITICAL"),
        rule(&names[3], NOC_RULE, "MAJOR"),
        assign(offboarded)
    );
    let writes = format!(
        "[[tenants]]\nworkspaceName = \"Conformance new\"\ndescription = \"Made by the \
         conformance task\"\nemail = \"it@new.example\"\naddress = {{ countryCode = \"US\", city \
         = \"Austin\" }}\n\n[[tenants]]\nworkspaceName = {}\ndescription = \"Updated by the \
         conformance task\"\n\n[[delete_tenants]]\nworkspaceName = {}\n\n{}\
         [[delete_notification_rules]]\ntenants = [{ruled}]\nname = {}\n\n{}\
         [[device_unassignments]]\ntenants = [{offboarded}]\ndevice_types = [\"AP\"]\nunlicense \
         = true\nunassign = true\n\n[[subscriptions]]\nkeys = [{}]\n",
        q(updated),
        q(DOOMED),
        rule("\"*\"", NOC_RULE, "CRITICAL"),
        q(OLD_RULE),
        assign(&names[..3].join(", ")),
        q(KEY),
    );
    let setup_path = dir.join("setup.toml");
    let writes_path = dir.join("writes.toml");
    std::fs::write(&setup_path, setup)?;
    std::fs::write(&writes_path, writes)?;
    let db = dir.join("store.sqlite");
    // A fresh store: the runs' records are this run's only.
    for f in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{f}", db.display()));
    }
    let db = db.display().to_string();
    let (setup_path, writes_path) = (
        setup_path.display().to_string(),
        writes_path.display().to_string(),
    );
    let run = |name: &str, args: &[&str], expect| WriteRun {
        name: name.to_owned(),
        args: args.iter().map(|a| (*a).to_owned()).collect(),
        expect,
    };
    let apply = |manifest: &str| -> Vec<String> {
        ["apply", manifest, "--yes", "--allow-delete", "--db", &db]
            .iter()
            .map(|a| (*a).to_owned())
            .collect()
    };
    let owned = |name: &str, args: Vec<String>, expect| WriteRun {
        name: name.to_owned(),
        args,
        expect,
    };
    Ok(vec![
        owned("apply setup.toml", apply(&setup_path), None),
        run(
            "plan writes.toml --allow-delete",
            &["plan", &writes_path, "--allow-delete"],
            None,
        ),
        owned("apply writes.toml", apply(&writes_path), None),
        owned(
            "apply writes.toml (again: no write)",
            apply(&writes_path),
            Some(NO_WRITE),
        ),
    ])
}
