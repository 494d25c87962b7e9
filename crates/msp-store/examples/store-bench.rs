//! The store's figures for `cargo xtask bench` (built with `--release`): write throughput, two
//! runs to diff, and the size of 30 daily runs in which 2% of the devices change each day.
//!
//! `store-bench write DB TENANTS DEVICES` writes two runs (the second with 2% of the devices
//! changed) and prints their write rates as JSON; `store-bench size DB TENANTS DEVICES DAYS`
//! prints the file's size after the first and after the last daily run.
#![allow(clippy::print_stdout)]

use std::time::{Duration, Instant};

use msp_store::{Entry, NewRun, RunStatus, Store, StoreError};
use serde_json::json;

/// A device record shaped like Central's monitoring `devices` items (~600 bytes).
fn device(tenant: usize, i: usize, version: u32) -> String {
    let serial = format!("CN{tenant:05}{i:05}");
    json!({
        "serialNumber": serial,
        "macAddress": format!("20:4c:{:02x}:{:02x}:{:02x}:{:02x}", tenant >> 8 & 0xff, tenant & 0xff, i >> 8 & 0xff, i & 0xff),
        "deviceName": format!("AP-{}-{i:04}", i % 7 + 1),
        "deviceType": "ACCESS_POINT",
        "model": "AP-635",
        "partNumber": "R7J28A",
        "status": if version.is_multiple_of(2) { "ONLINE" } else { "OFFLINE" },
        "health": "GOOD",
        "firmwareVersion": format!("10.6.{}.2_90581", version / 2),
        "ipv4": format!("10.{}.{}.{}", tenant % 250, i >> 8 & 0xff, i & 0xff),
        "siteId": format!("{}", 100_000 + tenant * 10 + i % 7),
        "siteName": format!("Zürich Branch {}", i % 7 + 1),
        "uptimeSeconds": (tenant * 7919 + i * 104_729) % 10_000_000,
        "clientCount": i % 30,
        "deployment": "Cluster",
        "radios": [
            {"band": "2.4GHz", "channel": "6", "status": "UP"},
            {"band": "5GHz", "channel": "44", "status": "UP"}
        ],
        "x-sim-extra": {"generator": "store-bench", "resource": "devices", "index": i, "shard": i % 16}
    })
    .to_string()
}

/// Which devices change on `day`: 2% of them, spread by a multiplicative hash.
fn changed(day: u32, tenant: usize, i: usize) -> bool {
    let h = (tenant as u64 * 1_000_003 + i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ u64::from(day).wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    h.wrapping_mul(0x1656_67B1_9E37_79F9) >> 32 & 0xffff < 0xffff * 2 / 100
}

/// Writes one run; returns the time spent in the store and the records written.
fn write_run(
    store: &mut Store,
    tenants: usize,
    devices: usize,
    versions: &[u32],
) -> Result<(Duration, u64), StoreError> {
    let run = store.begin_run(&NewRun::new("bench", ["store-bench"], ["devices"]))?;
    let mut spent = Duration::ZERO;
    let mut n = 0;
    // Tenants are committed in groups of up to 20,000 items, as `snapshot`'s sink does.
    let group = (20_000 / devices.max(1)).max(1);
    for first in (0..tenants).step_by(group) {
        let entries: Vec<Entry> = (first..(first + group).min(tenants))
            .map(|t| Entry {
                tenant_id: format!("tenant-{t:05}"),
                tenant_name: format!("Tenant {t}"),
                resource: "devices".into(),
                items: (0..devices)
                    .map(|i| device(t, i, versions[t * devices + i]).into_boxed_str())
                    .collect(),
            })
            .collect();
        let started = Instant::now();
        n += store.write_entries(run, &entries)?;
        spent += started.elapsed();
    }
    store.end_run(run, RunStatus::Complete)?;
    Ok((spent, n))
}

fn change(versions: &mut [u32], devices: usize, day: u32) {
    for (k, v) in versions.iter_mut().enumerate() {
        if changed(day, k / devices, k % devices) {
            *v += 1;
        }
    }
}

/// The SQLite file's size (0 for a PostgreSQL store).
fn file_size(store: &Store) -> Result<u64, StoreError> {
    let (Some(conn), Some(path)) = (store.connection(), store.location().sqlite_path()) else {
        return Ok(0);
    };
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?;
    Ok(std::fs::metadata(path).map(|m| m.len()).unwrap_or(0))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let num = |i: usize| -> Result<usize, Box<dyn std::error::Error>> {
        Ok(args.get(i).ok_or("missing argument")?.parse()?)
    };
    let (mode, path) = (args.first().ok_or("mode")?, args.get(1).ok_or("db")?);
    let (tenants, devices) = (num(2)?, num(3)?);
    let _ = std::fs::remove_file(path);
    let mut store = Store::open(path)?;
    // As `snapshot`'s sink: the WAL's checkpoints on a thread of their own.
    store.checkpoint_in_background()?;
    let mut versions = vec![0u32; tenants * devices];
    match mode.as_str() {
        "write" => {
            let (first, n1) = write_run(&mut store, tenants, devices, &versions)?;
            change(&mut versions, devices, 1);
            let (second, n2) = write_run(&mut store, tenants, devices, &versions)?;
            println!(
                "{}",
                json!({
                    "records": n1,
                    "first_run_s": first.as_secs_f64(),
                    "first_run_records_per_s": n1 as f64 / first.as_secs_f64(),
                    "second_run_s": second.as_secs_f64(),
                    "second_run_records_per_s": n2 as f64 / second.as_secs_f64(),
                    "bytes": file_size(&store)?,
                })
            );
        }
        "size" => {
            let days = num(4)? as u32;
            write_run(&mut store, tenants, devices, &versions)?;
            let one = file_size(&store)?;
            for day in 2..=days {
                change(&mut versions, devices, day);
                write_run(&mut store, tenants, devices, &versions)?;
            }
            let all = file_size(&store)?;
            let records = (tenants * devices) as f64;
            println!(
                "{}",
                json!({
                    "devices": tenants * devices,
                    "days": days,
                    "bytes_one_run": one,
                    "bytes_all_runs": all,
                    "ratio": all as f64 / one as f64,
                    "bytes_per_device_first_run": one as f64 / records,
                    "bytes_per_device_per_later_run": (all - one) as f64 / records / f64::from(days - 1),
                })
            );
        }
        other => return Err(format!("unknown mode `{other}` (write, size)").into()),
    }
    Ok(())
}
